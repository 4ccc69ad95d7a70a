#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter, or explains what to
# install. Rasa 3.6 supports Python < 3.11 only, and a pyenv shim named
# python3.10 exists even when pyenv's global version is another one (then it
# fails), so every candidate is actually run before it is trusted.
set -u
candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -t. -k3 -n -r); do
    p=$(pyenv prefix "$v" 2>/dev/null) && candidates+=("$p/bin/python3.10")
  done
fi
for d in "$HOME"/.pyenv/versions/3.10*/bin; do [ -x "$d/python3.10" ] && candidates+=("$d/python3.10"); done
for n in python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10 python3 python; do candidates+=("$n"); done
for c in "${candidates[@]}"; do
  if out=$("$c" -c 'import sys, venv; print(sys.executable if sys.version_info[:2] == (3, 10) else "")' 2>/dev/null) && [ -n "$out" ]; then
    echo "$out"; exit 0
  fi
done
cat >&2 <<'MSG'
No Python 3.10 found (Rasa 3.6 needs Python 3.10; 3.11+ is not supported).
Install one, then run the command again, for example:
  pyenv install 3.10.13            # with pyenv (https://github.com/pyenv/pyenv)
  apt-get install python3.10 python3.10-venv   # where your distribution has it
or point PYTHON310 at an existing interpreter: make run PYTHON310=/path/to/python3.10
MSG
exit 1
