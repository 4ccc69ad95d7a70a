#!/usr/bin/env bash
# make run: the database, the demo portfolio, and the three servers.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m bot.launch "$@"
