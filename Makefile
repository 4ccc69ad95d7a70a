# The two commands: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0

.PHONY: run test test-fast lint venv train import migrate eval panel bench simulate lock system-deps clean

run: venv train
	bash scripts/run.sh

test: venv system-deps train
	$(PY) -m pytest -q -p no:cacheprovider tests

# The pure core and everything else that needs no model, server or browser (about 4 minutes).
test-fast: venv
	$(PY) -m pytest -q -p no:cacheprovider -m "not e2e and not model and not rasa" tests/unit

# Errors that are bugs (ruff.toml); .ci/run runs it before the tests.
lint: venv
	$(VENV)/bin/ruff check .

venv: $(VENV)/.ready
$(VENV)/.ready: requirements.txt requirements-e5.txt constraints.txt scripts/setup_env.sh scripts/find_python.sh $(wildcard package.json package-lock.json)
	bash scripts/setup_env.sh
	touch $@

# Trains only when the data, config or NLU/policy code changed (fingerprint in models/).
train: venv
	bash scripts/train.sh

migrate: venv
	$(PY) -m bot.records.cli migrate

import: venv migrate
	@test -n "$(CSV)" || { echo "usage: make import CSV=path/to/portfolio.csv"; exit 2; }
	$(PY) -m bot.records.cli import "$(CSV)"

eval: venv
	$(PY) bench/nlu_eval.py

# The blind conversation panel on the real stack (bench/blind/panel): transcripts and automatic counts
# into bench/results/panel/$(LABEL)/; the turn-by-turn judging is read from those transcripts.
panel: venv train
	RASA_TELEMETRY_ENABLED=false $(PY) bench/panel.py --label "$(or $(LABEL),local)"

# The whole life of a portfolio on a simulated clock (own database and ports; runs beside `make run`):
# bench/results/simulate.md + .png, and one JSON line last.
simulate: venv train
	$(PY) bench/simulate.py --loans $(or $(LOANS),1000) --days $(or $(DAYS),60)

# Browsers and databases the tests drive for real (Debian packages; needs root or sudo).
system-deps:
	bash scripts/system_deps.sh

# Re-resolve every pinned version from requirements.txt (then commit constraints.txt).
lock:
	bash scripts/lock.sh

clean:
	rm -rf models var .cache
