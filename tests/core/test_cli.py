"""The command line: exit codes for usage errors, selection, validation, and a real installed `gate`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gate.cli import cli
from tests.conftest import check_of

MakeTarget = Callable[[Mapping[str, str]], Path]


def test_invalid_config_exits_2_and_writes_nothing(make_target: MakeTarget, run_gate: Callable[..., Any],
                                                    tmp_path: Path) -> None:
    target = make_target({"gate.toml": "[coverage]\ncommand = 3\n"})
    result, report = run_gate(target)
    assert result.exit_code == 2
    assert report is None and not (tmp_path / "out").exists()
    assert f"gate: error: {target / 'gate.toml'}: coverage.command: Input should be a valid string" in result.output
    assert "Traceback" not in result.output


def test_missing_config_exits_2(tmp_path: Path, run_gate: Callable[..., Any]) -> None:
    result, _ = run_gate(tmp_path)
    assert result.exit_code == 2
    assert "no gate.toml and no [tool.gate] table" in result.output


def test_unknown_check_in_only_exits_2(make_target: MakeTarget, run_gate: Callable[..., Any]) -> None:
    result, _ = run_gate(make_target({"gate.toml": ""}), "--only", "securty")
    assert result.exit_code == 2
    assert "unknown check 'securty'" in result.output


def test_only_an_unconfigured_check_exits_2(make_target: MakeTarget, run_gate: Callable[..., Any]) -> None:
    result, _ = run_gate(make_target({"gate.toml": ""}), "--only", "coverage")
    assert result.exit_code == 2
    assert "--only coverage: not configured" in result.output


def test_a_required_check_that_is_not_configured_is_an_error(make_target: MakeTarget,
                                                            run_gate: Callable[..., Any]) -> None:
    result, report = run_gate(make_target({"gate.toml": ""}), "--skip", "security")
    assert result.exit_code == 3
    assert check_of(report, "coverage")["status"] == "error"
    assert check_of(report, "security")["reasons"] == ["skipped with --skip"]
    assert check_of(report, "migrations")["status"] == "skipped"


def test_validate(make_target: MakeTarget) -> None:
    good = make_target({"gate.toml": "[security]\npaths = ['app']\n"})
    result = CliRunner().invoke(cli, ["validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    (good / "gate.toml").write_text("[security]\npath = ['app']\n")
    result = CliRunner().invoke(cli, ["validate", str(good)])
    assert result.exit_code == 2
    assert "security.path: unknown key" in result.output


def test_policy_option_overrides_the_config(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": "policy = 'nope'\n", "p.toml": "[checks.security]\nfail_at = 'high'\n"})
    assert CliRunner().invoke(cli, ["validate", str(target)]).exit_code == 2
    result = CliRunner().invoke(cli, ["validate", str(target), "--policy", str(target / "p.toml")])
    assert result.exit_code == 0, result.output
    assert "coverage    not enabled in policy 'p'" in result.output


def test_python_dash_m_gate_runs() -> None:
    done = subprocess.run([sys.executable, "-m", "gate", "--version"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0
    assert done.stdout.startswith("gate, version ")


def test_skipping_every_check_is_a_usage_error(make_target: MakeTarget, run_gate: Callable[..., Any]) -> None:
    result, report = run_gate(make_target({"gate.toml": ""}), "--skip", "security,coverage,docs,fuzz,load")
    assert result.exit_code == 2
    assert report is None
    assert "every check is skipped" in result.output


def test_only_a_folder_gate_wrote_is_cleared(make_target: MakeTarget, tmp_path: Path) -> None:
    target = make_target({"gate.toml": "[security]\npaths = ['.']\n"})
    mine = tmp_path / "mine"
    (mine / "artifacts").mkdir(parents=True)
    (mine / "artifacts" / "keep.txt").write_text("not gate's")
    result = CliRunner().invoke(cli, ["run", str(target), "--out", str(mine), "--only", "security"])
    assert result.exit_code == 2
    assert "was not written by gate" in result.output
    assert (mine / "artifacts" / "keep.txt").read_text() == "not gate's"
