#!/usr/bin/env bash
# Print the path of a CPython 3.10 interpreter for the Rasa environment, or explain what to install.
# Order: SAFAR_PYTHON310 (an explicit override wins), python3.10 on PATH, then pyenv's versions.
set -u
is_py310() { [ -n "$1" ] && "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

if [ -n "${SAFAR_PYTHON310:-}" ]; then
  if is_py310 "$SAFAR_PYTHON310"; then echo "$SAFAR_PYTHON310"; exit 0; fi
  echo "error: SAFAR_PYTHON310=$SAFAR_PYTHON310 is not a working CPython 3.10 with venv; point it at one or unset it." >&2
  exit 1
fi
if cand=$(command -v python3.10 2>/dev/null) && is_py310 "$cand"; then echo "$cand"; exit 0; fi
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for v in $(ls -1 "$root/versions" 2>/dev/null | grep -E '^3\.10\.[0-9]+$' | sort -t. -k3 -n -r); do
    cand="$root/versions/$v/bin/python3.10"
    if is_py310 "$cand"; then echo "$cand"; exit 0; fi
  done
fi
echo "error: Rasa 3.6 needs CPython 3.10 and none was found. Install it (e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv'), or set SAFAR_PYTHON310=/path/to/python3.10." >&2
exit 1
