"""Fail-closed contract: checks that raise, time out, crash or return garbage give ERROR and exit 3."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import gate.checks
import gate.errors
from gate import proc
from gate.checks.base import CheckContext
from gate.model import Finding, Observation, Severity
from gate.sections import SectionModel
from tests.conftest import check_of
from tests.support.processes import wait_until_gone

MakeTarget = Callable[[Mapping[str, str]], Path]
CONFIG = {"gate.toml": "[security]\npaths = ['.']\n"}


class FakeSettings(SectionModel):
    paths: list[str] = ["."]


def install_fake(monkeypatch: pytest.MonkeyPatch, run: Callable[[CheckContext, Any], Any]) -> None:
    """Replace the security check with a fake whose run() is `run`."""
    fake = SimpleNamespace(
        ID="security", TITLE="Fake", LIVE=False, Settings=FakeSettings, configured=lambda raw: True, run=run
    )
    monkeypatch.setitem(gate.checks.CHECKS, "security", fake)


def test_a_check_that_raises_is_an_error(
    monkeypatch: pytest.MonkeyPatch, make_target: MakeTarget, run_gate: Callable[..., Any]
) -> None:
    def boom(ctx: CheckContext, settings: Any) -> Observation:
        raise KeyError("results")

    install_fake(monkeypatch, boom)
    result, report = run_gate(make_target(CONFIG), "--only", "security")
    assert result.exit_code == 3
    check = check_of(report, "security")
    assert check["status"] == "error"
    assert check["reasons"] == ["internal error in gate: KeyError: 'results'"]
    assert report["verdict"] == "error"


def test_garbage_instead_of_an_observation_is_an_error(
    monkeypatch: pytest.MonkeyPatch, make_target: MakeTarget, run_gate: Callable[..., Any]
) -> None:
    install_fake(monkeypatch, lambda ctx, settings: {"total": 0})
    result, report = run_gate(make_target(CONFIG), "--only", "security")
    assert result.exit_code == 3
    assert check_of(report, "security")["reasons"] == ["security returned dict, not an Observation"]


def test_a_tool_that_times_out_is_an_error_and_leaves_no_process(
    monkeypatch: pytest.MonkeyPatch, make_target: MakeTarget, run_gate: Callable[..., Any]
) -> None:
    marker = f"gate-test-{uuid.uuid4().hex}"

    def hang(ctx: CheckContext, settings: Any) -> Observation:
        proc.run(proc.shell_argv(f"sleep 300 & sleep 300 # {marker}"), cwd=ctx.target, timeout=0.5, label="slowtool")
        return Observation(metrics={})

    install_fake(monkeypatch, hang)
    result, report = run_gate(make_target(CONFIG), "--only", "security")
    assert result.exit_code == 3
    assert check_of(report, "security")["reasons"] == ["slowtool timed out after 0.5 s and was stopped"]
    assert wait_until_gone(marker) == []


def test_a_crashing_tool_is_an_error_with_its_output(
    monkeypatch: pytest.MonkeyPatch, make_target: MakeTarget, run_gate: Callable[..., Any]
) -> None:
    def crash(ctx: CheckContext, settings: Any) -> Observation:
        proc.run(
            proc.shell_argv("echo 'Traceback: segfault in scanner' >&2; exit 139"),
            cwd=ctx.target,
            timeout=10,
            label="scanner",
        )
        return Observation(metrics={})

    install_fake(monkeypatch, crash)
    result, report = run_gate(make_target(CONFIG), "--only", "security")
    assert result.exit_code == 3
    check = check_of(report, "security")
    assert check["reasons"] == ["scanner exited with code 139"]
    assert "segfault in scanner" in check["log_tail"]
    assert "segfault in scanner" in result.output


def test_a_tool_killed_by_a_signal_is_named_by_the_signal(
    monkeypatch: pytest.MonkeyPatch, make_target: MakeTarget, run_gate: Callable[..., Any]
) -> None:
    def segfault(ctx: CheckContext, settings: Any) -> Observation:
        proc.run(proc.shell_argv("echo scanning >&2; kill -SEGV $$"), cwd=ctx.target, timeout=10, label="scanner")
        return Observation(metrics={})

    install_fake(monkeypatch, segfault)
    result, report = run_gate(make_target(CONFIG), "--only", "security")
    assert result.exit_code == 3
    assert check_of(report, "security")["reasons"] == ["scanner was killed by SIGSEGV (signal 11)"]


def test_error_outranks_fail(
    monkeypatch: pytest.MonkeyPatch, make_target: MakeTarget, run_gate: Callable[..., Any]
) -> None:
    finding = Finding("security", "fake", "gate.sql-fstring", Severity.HIGH, "SQL from an f-string", "a.py", 1)
    install_fake(monkeypatch, lambda ctx, settings: Observation(metrics={}, findings=(finding,)))
    target = make_target(
        {
            "gate.toml": "[security]\npaths=['.']\n[coverage]\nreport = 'notes.txt'\n",
            "notes.txt": "not a coverage report\n",
        }
    )
    result, report = run_gate(target, "--only", "security,coverage")
    assert check_of(report, "security")["status"] == "fail"
    assert check_of(report, "coverage")["status"] == "error"
    assert (result.exit_code, report["verdict"]) == (3, "error")


def test_findings_fail_with_exit_1(
    monkeypatch: pytest.MonkeyPatch, make_target: MakeTarget, run_gate: Callable[..., Any]
) -> None:
    finding = Finding("security", "fake", "B303", Severity.LOW, "md5 used", "a.py", 7)
    install_fake(monkeypatch, lambda ctx, settings: Observation(metrics={}, findings=(finding,)))
    result, report = run_gate(make_target(CONFIG), "--only", "security")
    assert (result.exit_code, report["verdict"]) == (1, "fail")
    assert check_of(report, "security")["findings"][0]["rule"] == "B303"
    assert check_of(report, "security")["findings"][0]["blocking"] is True  # a rule the policy always fails
    assert "a.py:7" in result.output


def test_against_a_baseline_an_errored_checks_kept_findings_still_say_new_or_existing(
    monkeypatch: pytest.MonkeyPatch, make_target: MakeTarget, run_gate: Callable[..., Any], tmp_path: Path
) -> None:
    old = Finding("security", "fake", "B303", Severity.LOW, "md5 used", "a.py", 7, "md5(x)")
    new = Finding("security", "fake", "B303", Severity.LOW, "md5 used", "b.py", 2, "md5(y)")
    target = make_target(CONFIG)
    install_fake(monkeypatch, lambda ctx, settings: Observation(metrics={}, findings=(old,)))
    result, report = run_gate(target, "--only", "security")
    assert result.exit_code == 1
    baseline = tmp_path / "baseline.json"
    baseline.write_text((tmp_path / "out" / "gate-report.json").read_text())

    def measured_then_error(ctx: CheckContext, settings: Any) -> Observation:
        raise gate.errors.CheckError("bandit crashed", measured=Observation(metrics={}, findings=(old, new)))

    install_fake(monkeypatch, measured_then_error)
    result, report = run_gate(target, "--only", "security", "--baseline", str(baseline))
    assert result.exit_code == 3, result.output
    check = check_of(report, "security")
    assert check["status"] == "error"
    assert [(f["path"], f["baseline"]) for f in check["findings"]] == [("a.py", "existing"), ("b.py", "new")]
    assert report["baseline"]["verdict"] == "fail"
