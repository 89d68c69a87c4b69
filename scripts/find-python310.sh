#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa Open Source 3.6 runs on 3.10 only), or explains how to get one.
# Honours PYTHON=... when given.
set -u
is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

if [ -n "${PYTHON:-}" ]; then
  if is_310 "$PYTHON"; then command -v "$PYTHON"; exit 0; fi
  echo "PYTHON=$PYTHON is not a working Python 3.10 (Rasa 3.6 needs exactly 3.10)." >&2
  exit 1
fi
candidates=(python3.10)
if command -v pyenv >/dev/null 2>&1; then
  for dir in "$(pyenv root)"/versions/3.10*; do candidates+=("$dir/bin/python3.10"); done
fi
candidates+=(/usr/local/bin/python3.10 /usr/bin/python3.10)
for candidate in "${candidates[@]}"; do
  if is_310 "$candidate"; then command -v "$candidate"; exit 0; fi
done
cat >&2 <<'MSG'
No Python 3.10 found. Rasa Open Source 3.6 runs on Python 3.10 only.
Install one (for example `pyenv install 3.10` or your system's python3.10 package),
or point to it: make run PYTHON=/path/to/python3.10
MSG
exit 1
