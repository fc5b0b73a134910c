#!/usr/bin/env bash
# Sets up gate and the bundled example service, then runs the full gate on the example.
# Reports go to reports/ (console summary, gate-report.json, gate-report.html, SARIF, JUnit, Markdown).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-example.sh
exec .venv/bin/gate run examples/service --out reports "$@"
