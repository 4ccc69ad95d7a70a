#!/usr/bin/env bash
# Resolves requirements.txt afresh in a throw-away venv and writes the exact
# versions to constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(bash scripts/find_python.sh)
tmp=$(mktemp -d)
"$py" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q -r requirements.txt
{ echo "# Locked by 'make lock' from requirements.txt on Python $("$py" -c 'import platform; print(platform.python_version())'); do not edit by hand."
  "$tmp/venv/bin/pip" freeze --exclude-editable; } > constraints.txt
rm -rf "$tmp"
echo "constraints.txt updated"
