#!/usr/bin/env bash
# Creates gate's own virtualenv in .venv and installs gate into it.
#   scripts/setup.sh            a normal install (what users get from `pip install .`)
#   scripts/setup.sh --dev      an editable install with the test tools
# gate's tools are pinned to the versions gate is tested with (constraints.txt; see scripts/constraints.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -qq --disable-pip-version-check --upgrade pip
# The distribution was named "gate" before it became service-gate; a venv made then would keep both.
if .venv/bin/python -m pip show -qq gate >/dev/null 2>&1; then
    .venv/bin/python -m pip uninstall -qq -y gate
fi
if [ "${1:-}" = "--dev" ]; then
    .venv/bin/python -m pip install -qq --disable-pip-version-check --constraint constraints.txt -e '.[test]'
else
    .venv/bin/python -m pip install -qq --disable-pip-version-check --constraint constraints.txt .
fi
