"""Checks describe themselves: the registry, the modules and the policies agree, and nothing else names
a check; a new check needs only its module, one registry line and one policy table."""

from __future__ import annotations

import ast
import json
import threading
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

import gate.checks
from gate import schedule
from gate.checks import CHECKS
from gate.checks.base import CheckContext, configured, traits
from gate.cli import cli
from gate.errors import CheckError
from gate.model import CheckTraits, Observation
from gate.report_json import report_from_dict, report_to_dict
from gate.sections import SectionModel
from tests.conftest import check_of
from tests.support import paths, tally_check
from tests.support.canonical import canonical_report

GATE = paths.REPO / "gate"
# The modules that must never name a check: they learn everything from the check modules.
CHECK_BLIND = [
    GATE / "runner.py",
    GATE / "schedule.py",
    GATE / "plan.py",
    GATE / "cli.py",
    GATE / "outdir.py",
    GATE / "github_actions.py",
    GATE / "progress.py",
    *sorted((GATE / "reporters").rglob("*.py")),
]


def _string_literals(path: Path) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


@pytest.mark.parametrize("path", CHECK_BLIND, ids=lambda p: str(p.relative_to(GATE)))
def test_runner_cli_and_reporters_never_name_a_check(path: Path) -> None:
    named = sorted(_string_literals(path) & set(CHECKS))
    assert named == [], f"{path.relative_to(paths.REPO)} names checks {named}: declare it on the check module"


def test_the_literal_scan_ignores_comments() -> None:
    """The scan above can fail: a check id as a literal is found, one in a comment is not."""
    first = next(iter(CHECKS))
    found = {
        n.value for n in ast.walk(ast.parse(f"x = {first!r}  # {first}\n# {first}")) if isinstance(n, ast.Constant)
    }
    assert found == {first}


def test_registry_keys_module_ids_and_bundled_policies_agree() -> None:
    for check_id, module in CHECKS.items():
        assert check_id == module.ID
        traits(module)  # every declared attribute has its default's type
    policies = sorted((paths.REPO / "policies").glob("*.toml"))
    assert policies
    for policy in policies:
        tables = tomllib.loads(policy.read_text(encoding="utf-8"))["checks"]
        assert list(tables) == list(CHECKS), f"{policy.name}: one [checks.<id>] table per check, in CHECKS order"


def _module(**attributes: Any) -> Any:
    return SimpleNamespace(ID="made-up", TITLE="Made up", Settings=SectionModel, run=None, **attributes)


def test_a_module_declares_only_what_differs() -> None:
    plain = traits(_module())
    assert (plain.live, plain.runs_alone, plain.typical_duration_s) == (False, False, 0.0)
    assert plain.report == CheckTraits()
    declared = traits(_module(LIVE=True, RUNS_ALONE=True, TYPICAL_DURATION_S=5, COUNTS_IN=(("files", "file"),)))
    assert (declared.live, declared.runs_alone, declared.typical_duration_s) == (True, True, 5.0)
    assert declared.report.counts_in == (("files", "file"),)
    with pytest.raises(TypeError, match="made-up: RUNS_ALONE"):
        traits(_module(RUNS_ALONE="yes"))
    with pytest.raises(TypeError, match="made-up: TYPICAL_DURATION_S"):
        traits(_module(TYPICAL_DURATION_S=True))


def test_configured_follows_live_unless_the_module_says() -> None:
    service = {"service": {"command": "true"}}
    assert configured(_module(LIVE=True), service)
    assert not configured(_module(LIVE=True), {"made-up": {}})
    assert configured(_module(), {"made-up": {}})
    assert not configured(_module(), service)
    assert configured(_module(configured=lambda raw: True), {})
    # A live check never runs without the service, whatever its own configured() says.
    assert not configured(_module(LIVE=True, configured=lambda raw: True), {})


def test_a_live_check_without_a_service_has_a_clear_error(tmp_path: Path) -> None:
    ctx = CheckContext("made-up", tmp_path, tmp_path, tmp_path / "w", {})
    with pytest.raises(CheckError, match="made-up needs the running service"):
        ctx.service  # noqa: B018 - the property is what is tested


TALLY_POLICY = """
name = "tally-only"
[checks.tally]
fail_at = "medium"
thresholds.todos = { op = "<=", value = 5 }
"""


def test_a_new_check_appears_in_every_report_format(
    monkeypatch: pytest.MonkeyPatch, make_target: Callable[[Mapping[str, str]], Path], tmp_path: Path
) -> None:
    """Its module, one registry line and one policy table: no other file of gate is edited."""
    monkeypatch.setitem(gate.checks.CHECKS, tally_check.ID, tally_check)
    target = make_target(
        {
            "gate.toml": 'policy = "tally-policy.toml"\n[tally]\nword = "TODO"\n',
            "tally-policy.toml": TALLY_POLICY,
            "notes.txt": "fine\nTODO: write the docs\n",
            "more.txt": "all done\n",
        }
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(target), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 1, result.output  # the TODO (medium) fails the policy

    row = next(line for line in result.output.splitlines() if line.startswith("│ tally"))
    assert "FAIL" in row and "1 finding, 1 failing; 2 files" in row

    report = json.loads((out / "gate-report.json").read_text(encoding="utf-8"))
    tally = check_of(report, "tally")
    assert (tally["status"], tally["title"], tally["metrics"]) == ("fail", "TODO tally", {"files": 2, "todos": 1})
    assert tally["traits"]["scans_files"] is True
    assert [c["status"] for c in report["checks"] if c["id"] != "tally"] == ["skipped"] * (len(CHECKS) - 1)

    sarif = json.loads((out / "gate-report.sarif").read_text(encoding="utf-8"))
    (run,) = [r for r in sarif["runs"] if r["properties"]["gateCheck"] == "tally"]
    assert run["tool"]["driver"]["informationUri"] == "https://example.invalid/tally"
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]] == [2]

    suites = ET.parse(out / "gate-report.junit.xml").getroot().findall("testsuite")
    assert "tally" in [s.get("name") for s in suites]
    assert "TODO tally" in (out / "gate-report.html").read_text(encoding="utf-8")
    summary = (out / "gate-summary.md").read_text(encoding="utf-8")
    assert "tally" in summary and "2 files" in summary

    # A saved report renders the same: what the reporters need travels in the JSON.
    again = tmp_path / "again"
    rendered = CliRunner().invoke(cli, ["report", "--from", str(out / "gate-report.json"), "--out", str(again)])
    assert rendered.exit_code == 0, rendered.output
    for name in ("gate-report.json", "gate-report.sarif", "gate-report.junit.xml", "gate-summary.md"):
        assert (again / name).read_text(encoding="utf-8") == (out / name).read_text(encoding="utf-8"), name


def test_a_check_that_runs_alone_runs_before_the_pool(
    monkeypatch: pytest.MonkeyPatch, make_target: Callable[[Mapping[str, str]], Path], tmp_path: Path
) -> None:
    """RUNS_ALONE checks run one by one, in CHECKS order, before any pooled check starts."""
    events: list[str] = []

    def module(check_id: str, alone: bool) -> Any:
        def run(ctx: CheckContext, settings: Any) -> Observation:
            events.append(f"start {check_id}")
            events.append(f"end {check_id}")
            return Observation(metrics={"n": 0})

        return SimpleNamespace(ID=check_id, TITLE=check_id, Settings=SectionModel, RUNS_ALONE=alone, run=run)

    ids = [("pooled-a", False), ("alone-1", True), ("pooled-b", False), ("alone-2", True)]
    for check_id, alone in ids:
        monkeypatch.setitem(gate.checks.CHECKS, check_id, module(check_id, alone))
    policy = "".join(f'[checks.{check_id}]\nthresholds.n = {{ op = "==", value = 0 }}\n' for check_id, _ in ids)
    target = make_target({"gate.toml": 'policy = "p.toml"\n' + "".join(f"[{c}]\n" for c, _ in ids), "p.toml": policy})
    result = CliRunner().invoke(cli, ["run", str(target), "--out", str(tmp_path / "out")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert events[:4] == ["start alone-1", "end alone-1", "start alone-2", "end alone-2"]
    assert sorted(events[4:]) == ["end pooled-a", "end pooled-b", "start pooled-a", "start pooled-b"]


def test_a_check_that_runs_last_follows_the_live_checks_while_static_ones_go_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RUNS_LAST starts only after every pooled live check has ended, and is not held back by a static
    check: that one ends only once the last check has started (a runner waiting for it would time out)."""
    events: list[str] = []
    last_started = threading.Event()

    def live(ctx: Any, settings: Any) -> None:
        events.append("start live")
        last_started.wait(timeout=1)  # a runner that started the last check beside this one shows here
        events.append("end live")

    def static(ctx: Any, settings: Any) -> None:
        events.append("start static")
        overlapped = last_started.wait(timeout=30)  # bounded: a runner that serialises would time out
        events.append("end static" if overlapped else "static gave up waiting")

    def last(ctx: Any, settings: Any) -> None:
        events.append("start last")
        last_started.set()

    modules = {
        "live-a": SimpleNamespace(ID="live-a", LIVE=True, TYPICAL_DURATION_S=10.0, run=live),
        "static-b": SimpleNamespace(ID="static-b", run=static),
        "last-c": SimpleNamespace(ID="last-c", LIVE=True, RUNS_LAST=True, run=last),
    }
    for check_id, module in modules.items():
        monkeypatch.setitem(gate.checks.CHECKS, check_id, module)

    def run_one(check_id: str) -> None:
        modules[check_id].run(None, None)

    schedule.run_scheduled(["live-a", "static-b", "last-c"], run_one, lambda check_id: None)
    assert events.index("end live") < events.index("start last")
    assert "static gave up waiting" not in events
    assert events.index("start last") < events.index("end static")


def test_a_saved_report_without_traits_still_reads() -> None:
    """Reports written before checks declared their traits: read back with the defaults."""
    saved = report_to_dict(canonical_report())
    for check in saved["checks"]:
        del check["traits"]
    back = report_from_dict(saved)
    assert all(c.traits == CheckTraits() for c in back.checks)
    assert [c.id for c in back.checks] == [c.id for c in canonical_report().checks]
