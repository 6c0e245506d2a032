#!/usr/bin/env bash
# Install what the archive needs into .venv, then ingest the sample sources and build the site.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
exec .venv/bin/python build.py "$@"
