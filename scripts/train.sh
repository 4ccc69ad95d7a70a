#!/usr/bin/env bash
# Trains the Rasa model when its inputs changed. The fingerprint covers the
# data, the configs and our own NLU and policy code, which Rasa's own
# fingerprint does not see.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p models
.venv/bin/python -m bot.nlu.spacy_blank models/spacy/en_blank
inputs=$(find config.yml domain.yml data bot/nlu policies -type f \( -name '*.yml' -o -name '*.py' \) -not -path 'data/demo/*' | LC_ALL=C sort)
fp=$(cat $inputs | sha256sum | cut -c1-16)
if [ -f models/.fingerprint ] && [ "$(cat models/.fingerprint)" = "$fp" ] && ls models/*.tar.gz >/dev/null 2>&1; then
  echo "==> model is up to date ($fp)"
  exit 0
fi
echo "==> training the model ($fp)"
start=$(date +%s)
rm -f models/*.tar.gz
.venv/bin/rasa train --fixed-model-name collections --out models --num-threads 2
echo "$fp" > models/.fingerprint
echo "==> trained in $(( $(date +%s) - start )) s"
