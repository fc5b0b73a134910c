#!/usr/bin/env bash
# Sets up gate with its test tools, then runs lint, type check and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
bash scripts/setup-example.sh
# The HTML report is tested in a real headless browser: Debian's chromium.
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "scripts/test.sh: chromium is missing; install Debian's chromium package for the browser test" >&2
    fi
fi
# The tests run fixture services' commands (`python -m coverage ...`) with the interpreter from PATH,
# as a user's shell would: that is gate's environment here.
export PATH="$PWD/.venv/bin:$PATH"
.venv/bin/ruff check gate tests bench scripts
.venv/bin/ruff format --check gate tests bench scripts
.venv/bin/mypy
.venv/bin/lint-imports
# pytest exits 5 when it collected no test: that is a failure here too (any non-zero exit is).
.venv/bin/python -m pytest -q "$@"
