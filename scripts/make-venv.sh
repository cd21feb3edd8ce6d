#!/usr/bin/env bash
# Create or refresh one of the two environments: `app` (.venv, CPython 3.11) or `rasa` (.venv-rasa, 3.10).
# Writes DIR/.installed only when everything installed, so an interrupted install is redone next time.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:?usage: make-venv.sh app|rasa}
pip_quiet=(--quiet --disable-pip-version-check)
case "$which" in
  app)
    dir=.venv
    py=${SAFAR_PYTHON311:-$(command -v python3.11 || command -v python3)}
    if ! "$py" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
      echo "error: the app environment needs CPython 3.11; install it or set SAFAR_PYTHON311=/path/to/python3.11." >&2
      exit 1
    fi
    ;;
  rasa)
    dir=.venv-rasa
    py=$(scripts/find-python310.sh)
    ;;
  *) echo "usage: make-venv.sh app|rasa" >&2; exit 2 ;;
esac
rm -f "$dir/.installed"
if [ ! -x "$dir/bin/python" ]; then
  echo "Creating $dir with $py ..."
  "$py" -m venv "$dir"
fi
start=$(date +%s)
if [ "$which" = app ]; then
  echo "Installing the app environment into $dir (about a minute on a fresh machine) ..."
  "$dir/bin/pip" install "${pip_quiet[@]}" -c requirements/app.lock -e '.[test]'
else
  echo "Installing Rasa into $dir (about two minutes on a fresh machine) ..."
  "$dir/bin/pip" install "${pip_quiet[@]}" -c requirements/rasa.lock -r requirements/rasa.txt
fi
touch "$dir/.installed"
echo "$dir ready ($(( $(date +%s) - start )) s)."
