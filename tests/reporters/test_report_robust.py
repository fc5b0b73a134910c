"""Reporters under hostile numbers and text: non-finite metrics, huge texts, control characters, a failing format."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gate import reporters
from gate.cli import cli
from gate.model import Finding, GateReport, Measurement, Severity
from gate.outdir import write_reports
from gate.reporters import REPORTERS, console, github, json_report, markdown
from gate.text import bound
from tests.support.canonical import canonical_report

OSC = "\x1b]0;owned\x07"  # sets the terminal title; in many terminals hides what follows until BEL


def _with_check(report: GateReport, check_id: str, **changes: Any) -> GateReport:
    checks = tuple(dataclasses.replace(c, **changes) if c.id == check_id else c for c in report.checks)
    return dataclasses.replace(report, checks=checks)


def _non_finite() -> GateReport:
    """What a custom locustfile can make the load check report: infinities, NaN, the largest float."""
    big = 1.7e308  # finite, but 1.05 times it is not (the chart's axis top)
    report = _with_check(
        canonical_report(),
        "load",
        metrics={"p95_ms": math.inf, "p99_ms": big, "rps": math.nan, "requests": big},
        measurements=(Measurement("p95_ms", math.inf, "<", 200, False, " ms"), Measurement("rps", big, ">", 1, True)),
        details={
            "percentiles": [[50, big], [95, math.inf], [99, math.nan]],
            "timeline": [{"t": 0, "rps": big, "p95_ms": big}, {"t": math.inf, "rps": 1, "p95_ms": 1}],
            "endpoints": [{"name": "/x", "method": "GET", "requests": math.inf, "p95_ms": big}],
        },
    )
    return _with_check(report, "fuzz", metrics={"test_cases": math.inf, "operations": math.nan})


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_non_finite_numbers_never_crash_a_reporter(fmt: str) -> None:
    assert REPORTERS[fmt][1](_non_finite())


def test_non_finite_numbers_never_crash_the_console() -> None:
    assert "Verdict: ERROR" in console.render(_non_finite())


def test_a_failing_reporter_costs_only_its_own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(report: GateReport) -> str:
        raise OverflowError("cannot convert float infinity to integer")

    (tmp_path / "gate-report.html").write_text("from an earlier rendering")
    monkeypatch.setitem(reporters.REPORTERS, "html", ("gate-report.html", broken))
    written = write_reports(canonical_report(), tmp_path)
    assert len(written.paths) == len(REPORTERS) - 1
    assert written.failures == (
        f"{tmp_path / 'gate-report.html'}: not written, its reporter failed: "
        "OverflowError: cannot convert float infinity to integer",
    )
    assert not (tmp_path / "gate-report.html").exists()  # never a file that belongs to another rendering


def test_every_text_is_bounded_in_bytes_and_says_where_it_was_cut() -> None:
    line = "x" * 10_000_000
    report = _with_check(canonical_report(), "contracts", reasons=(line,), log_tail=line + "END")
    finding = Finding("security", "bandit", "B1", Severity.HIGH, line, "app.py", 1, line, blocking=True)
    report = _with_check(report, "security", findings=(finding,))
    rendered = {fmt: render(bound(report)) for fmt, (_, render) in REPORTERS.items()}
    for fmt, text in rendered.items():
        assert len(text.encode()) < 400_000, fmt
    saved = json.loads(rendered["json"])
    contracts = next(c for c in saved["checks"] if c["id"] == "contracts")
    assert contracts["reasons"][0].endswith("[... cut by gate: 9995904 more bytes of 10000000]")
    assert contracts["log_tail"].startswith("[cut by gate: 9983619 earlier bytes of 10000003 ...]")
    assert contracts["log_tail"].endswith("xEND")  # a tail keeps the end


def _hostile() -> GateReport:
    finding = Finding(
        "security",
        "bandit",
        "B105",
        Severity.HIGH,
        f"password in {OSC}file",
        f"app/{OSC}x.py",
        3,
        f"pw = '{OSC}'",
        blocking=True,
    )
    report = _with_check(canonical_report(), "security", findings=(finding,), reasons=(f"reason {OSC}\x9b2J",))
    return _with_check(report, "contracts", log_tail=f"line\r\nmore {OSC}\x00")


def test_control_characters_never_reach_the_terminal() -> None:
    text = console.render(_hostile())
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\x00" not in text
    assert "\\x1b]0;owned\\x07" in text  # shown, not hidden: the reader sees something odd was there
    assert text.rstrip().splitlines()[-1].startswith("Verdict: ERROR")


def test_control_characters_never_reach_markdown_or_annotations() -> None:
    for text in (markdown.render(_hostile()), "\n".join(github.annotations(_hostile()))):
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text


def test_json_keeps_the_text_exact() -> None:
    saved = json.loads(json_report.render(_hostile()))
    security = next(c for c in saved["checks"] if c["id"] == "security")
    assert security["findings"][0]["path"] == f"app/{OSC}x.py"


def test_a_deeply_nested_report_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "gate-report.json"
    source.write_text('{"schema_version": "1.0", "checks": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = CliRunner().invoke(cli, ["report", "--from", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert f"{source}: not a gate report: its JSON is nested too deeply to read" in result.output


def test_a_report_nested_past_the_limit_is_a_clear_error(tmp_path: Path) -> None:
    data = json.loads(json_report.render(canonical_report()))
    nested: list[object] = []
    for _ in range(200):
        nested = [nested]
    data["checks"][0]["details"] = {"deep": nested}
    source = tmp_path / "gate-report.json"
    source.write_text(json.dumps(data))
    result = CliRunner().invoke(cli, ["report", "--from", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert f"{source}: not a gate report: nested deeper than 64 levels" in result.output


def test_non_finite_numbers_in_a_saved_report_render(tmp_path: Path) -> None:
    source = tmp_path / "gate-report.json"
    source.write_text(json_report.render(_non_finite()))  # json.dumps writes Infinity and NaN
    result = CliRunner().invoke(cli, ["report", "--from", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Verdict: ERROR" in result.output
