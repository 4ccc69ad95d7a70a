#!/usr/bin/env bash
# Trains the compliance backstop and the Rasa model when their inputs changed.
# The Rasa fingerprint covers the data, the configs and our own NLU and policy
# code, which Rasa's own fingerprint does not see (not data/compliance: the
# backstop's inputs, which Rasa never reads).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p models
# The compliance backstop classifiers, n-grams and MiniLM sentence embeddings (about
# 40 s on 2 cores, mostly loading MiniLM; skipped when its inputs are unchanged: the
# fingerprint is inside the model). Written to $COMPLIANCE_BACKSTOP_MODEL or
# models/compliance_backstop.json, where the servers load it.
.venv/bin/python -m bot.compliance.backstop train --if-changed
.venv/bin/python -m bot.nlu.spacy_blank models/spacy/en_blank
inputs=$(find config.yml domain.yml data bot/nlu bot/embeddings.py policies -type f \( -name '*.yml' -o -name '*.py' \) -not -path 'data/demo/*' -not -path 'data/compliance/*' | LC_ALL=C sort)
fp=$(cat $inputs | sha256sum | cut -c1-16)
if [ -f models/.fingerprint ] && [ "$(cat models/.fingerprint)" = "$fp" ] && ls models/*.tar.gz >/dev/null 2>&1; then
  echo "==> model is up to date ($fp)"
  exit 0
fi
echo "==> training the model ($fp)"
# Rasa restores a component from its cache when the component's config and inputs are
# unchanged; it never sees our code or lexicons. A change to bot/nlu, bot/embeddings.py,
# policies/ or data/lexicons must retrain what it computes, so the cache lives in a folder
# named for them (a change to the training data alone still reuses it); older folders go.
code_fp=$(find bot/nlu bot/embeddings.py policies data/lexicons -type f \( -name '*.py' -o -name '*.yml' \) | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-12)
export RASA_CACHE_DIRECTORY=".rasa/cache-$code_fp"
find .rasa -mindepth 1 -maxdepth 1 -name 'cache*' ! -name "cache-$code_fp" -exec rm -rf {} + 2>/dev/null || true
start=$(date +%s)
rm -f models/*.tar.gz
.venv/bin/rasa train --fixed-model-name collections --out models --num-threads 2
echo "$fp" > models/.fingerprint
echo "==> trained in $(( $(date +%s) - start )) s"
