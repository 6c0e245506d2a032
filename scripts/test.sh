#!/usr/bin/env bash
# Install what the tests need (Debian's Chromium and CJK fonts, Python test packages, axe-core),
# then run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 || [ ! -d /usr/share/fonts/opentype/noto ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "The browser tests need Debian's chromium and fonts-noto-cjk:" >&2
    echo "  sudo apt-get install -y chromium fonts-noto-cjk" >&2
    exit 2
  fi
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
if [ -f package-lock.json ]; then
  npm ci --silent --no-audit --no-fund
fi
exec .venv/bin/python -m pytest "$@"
