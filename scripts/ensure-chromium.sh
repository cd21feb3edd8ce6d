#!/usr/bin/env bash
# The report's browser test needs Debian's chromium and chromedriver. Install them when missing and
# we may (root, apt-get present); otherwise say how, and the test skips (it fails under CI=true).
set -uo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium and chromium-driver for the browser test (about a minute) ..."
  if apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; then
    echo "chromium ready."
    exit 0
  fi
fi
echo "note: chromium/chromedriver are not installed; the report's browser test will skip." \
     "Install them with: sudo apt-get install chromium chromium-driver" >&2
exit 0
