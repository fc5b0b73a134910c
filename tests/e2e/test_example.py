"""The installed `gate` command on the bundled example, end to end: the whole default gate passes and
every report format is written and valid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gate.checks import CHECKS
from tests.support import paths

REPO = paths.REPO
EXAMPLE = paths.REPO / "examples" / "service"
SARIF_SCHEMA = paths.REPO / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json"
REPORT_SCHEMA = paths.REPO / "docs" / "report-schema.json"


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    assert (EXAMPLE / ".venv" / "bin" / "python").exists(), "set up the example first: bash scripts/setup-example.sh"
    out = tmp_path_factory.mktemp("example-reports")
    gate = Path(sys.executable).parent / "gate"  # the installed console script
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    # An empty security cache of its own: this module-scoped run starts before the per-test cache
    # fixture applies, and with the user's warm cache bandit would not run and write no bandit.json.
    env["GATE_CACHE_DIR"] = str(tmp_path_factory.mktemp("gate-cache"))
    done = subprocess.run(
        [str(gate), "run", str(EXAMPLE), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    return done, out


def test_the_bundled_example_passes_the_whole_default_gate(
    example_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = example_run
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads((out / "gate-report.json").read_text())
    assert report["verdict"] == "pass"
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses == dict.fromkeys(CHECKS, "pass")
    load = next(c for c in report["checks"] if c["id"] == "load")
    assert {"p50_ms", "p95_ms", "p99_ms", "rps", "requests", "error_rate"} <= set(load["metrics"])
    fuzz = next(c for c in report["checks"] if c["id"] == "fuzz")
    assert {"operations", "test_cases", "failures", "seed"} <= set(fuzz["metrics"])
    assert "Verdict: PASS (exit 0)" in done.stdout
    jsonschema.validate(report, json.loads(REPORT_SCHEMA.read_text()))


def test_every_format_is_written_and_valid(example_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = example_run
    sarif = json.loads((out / "gate-report.sarif").read_text())
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif)
    assert {run["tool"]["driver"]["name"] for run in sarif["runs"]} >= {"bandit", "semgrep", "sqlfluff"}
    suites = ET.parse(out / "gate-report.junit.xml").getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == list(CHECKS)
    assert all(s.get("failures") == "0" and s.get("errors") == "0" for s in suites)
    page = (out / "gate-report.html").read_text()
    assert (
        "gate: PASS" in page
        and "<script src" not in page
        and "http://" not in page.replace("http://127.0.0.1", "").replace("http://www.w3.org/2000/svg", "")
    )
    assert "| load |" in (out / "gate-summary.md").read_text()
    for evidence in (
        "security/bandit.json",
        "security/semgrep.json",
        "coverage/coverage.json",
        "migrations/sqlfluff.json",
        "fuzz/schemathesis-events.ndjson",
        "load/requests.jsonl",
        "service/service.log",
        "service/openapi.json",
    ):
        assert (out / "artifacts" / evidence).is_file(), evidence
