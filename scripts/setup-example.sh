#!/usr/bin/env bash
# Creates the example service's own virtualenv (examples/service/.venv) and installs its pinned
# requirements. It is separate from gate's .venv on purpose: current FastAPI needs a newer
# opentelemetry-api than semgrep (in gate's venv) allows. gate finds examples/service/.venv by
# itself and runs the example's commands with it first on PATH. Safe to run again.
set -euo pipefail
trap 'echo "scripts/setup-example.sh: setting up examples/service/.venv failed (see above)" >&2' ERR
cd "$(dirname "$0")/../examples/service"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# -qq: no progress or warnings (the machine's pip index settings are noisy); errors still print,
# and set -e stops the script with pip's exit code.
.venv/bin/python -m pip install -qq --disable-pip-version-check -r requirements.txt
