#!/usr/bin/env bash
# Install what the tests need, then run the whole test suite. Extra arguments go to pytest.
# APT_WAIT=seconds: how long to wait for another apt or dpkg process to finish (default 600).
set -euo pipefail
cd "$(dirname "$0")/.."
APT_WAIT=${APT_WAIT:-600}
PACKAGES=(chromium fonts-noto-cjk nginx)

cat <<'TEXT'
scripts/test.sh installs what the tests need, then runs them (about 8 minutes on a fresh machine,
most of it downloading):
  - Debian packages chromium (browser tests), fonts-noto-cjk (Chinese text in screenshots) and
    nginx (the intranet-server test), with apt-get as root, when they are missing
  - the Python packages pinned in requirements-dev.txt, into .venv/
  - axe-core (accessibility checks) from package-lock.json, into node_modules/ (npm ci)
TEXT

# apt-get, waiting for another apt or dpkg process (unattended upgrades, a second terminal) to let go
# of its lock instead of failing at once; apt names the holder, and that is what is printed.
apt_get() {
  local waited=0 out holder
  while true; do
    if out=$(DEBIAN_FRONTEND=noninteractive apt-get -qq "$@" 2>&1); then
      return 0
    fi
    if ! grep -q "Could not get lock" <<<"$out"; then
      printf '%s\n' "$out" >&2
      return 1
    fi
    holder=$(grep -o 'held by process [0-9]* ([^)]*)' <<<"$out" | head -n 1 || true)
    if [ "$waited" -ge "$APT_WAIT" ]; then
      echo "scripts/test.sh: gave up after ${APT_WAIT} s: the apt lock is still ${holder:-held by another process}." >&2
      echo "Let it finish (or set APT_WAIT to wait longer) and run scripts/test.sh again." >&2
      exit 1
    fi
    if [ "$waited" = 0 ]; then
      echo "scripts/test.sh: apt is busy (lock ${holder:-held by another process}); waiting up to ${APT_WAIT} s for it to finish..." >&2
    fi
    sleep 5
    waited=$((waited + 5))
  done
}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "The tests need these Debian packages, which only root can install:" >&2
    echo "  sudo apt-get install -y ${PACKAGES[*]}" >&2
    exit 2
  fi
  echo "Installing ${missing[*]} with apt-get..."
  apt_get update
  apt_get install -y "${missing[@]}"
fi
echo "Installing the Python packages into .venv/..."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
if [ -f package-lock.json ]; then
  echo "Installing axe-core into node_modules/..."
  npm ci --silent --no-audit --no-fund
fi
exec .venv/bin/python -m pytest "$@"
