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


def test_invalid_config_exits_2_and_writes_nothing(
    make_target: MakeTarget, run_gate: Callable[..., Any], tmp_path: Path
) -> None:
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


def test_a_required_check_that_is_not_configured_is_a_usage_error(
    make_target: MakeTarget, run_gate: Callable[..., Any]
) -> None:
    """The run could only end ERROR: validate and run both say so before anything runs."""
    target = make_target({"gate.toml": "[migrations]\npaths = ['m']\n", "m/0001.sql": "SELECT 1;\n"})
    result, report = run_gate(target, "--skip", "security,docs,fuzz,load,practices")
    assert (result.exit_code, report) == (2, None)
    expected = (
        f"gate: error: {target / 'gate.toml'}: coverage: policy 'default' requires it; not configured: "
        "add a [coverage] section (or leave it out with --skip coverage; "
        'for a repository of migrations only: use policy = "migrations")'
    )
    assert expected in result.output
    validated = CliRunner().invoke(cli, ["validate", str(target)])
    assert validated.exit_code == 2
    assert expected in validated.output
    assert "fuzz: policy 'default' requires it; not configured: add a [service] section" in validated.output
    assert "valid;" not in validated.output
    # Skipping it is the explicit choice: then the run goes ahead and reports it as skipped.
    result, report = run_gate(target, "--skip", "security,coverage,docs,fuzz,load,practices")
    assert result.exit_code == 0, result.output
    assert check_of(report, "coverage")["reasons"] == ["skipped with --skip"]
    assert check_of(report, "migrations")["status"] == "pass"


def test_validate(make_target: MakeTarget) -> None:
    service = "[service]\nurl = 'http://127.0.0.1:8000'\n"
    good = make_target(
        {
            "gate.toml": service + "[security]\npaths = ['app']\n[coverage]\nreport = 'coverage.xml'\n",
            "app/main.py": "X = 1\n",
            "coverage.xml": "<coverage/>\n",
        }
    )
    result = CliRunner().invoke(cli, ["validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    (good / "gate.toml").write_text(service + "[security]\npath = ['app']\n[coverage]\nreport = 'coverage.xml'\n")
    result = CliRunner().invoke(cli, ["validate", str(good)])
    assert result.exit_code == 2
    assert "security.path: unknown key" in result.output


def test_validate_reports_every_problem_of_a_realistic_config(make_target: MakeTarget) -> None:
    target = make_target(
        {
            "gate.toml": """
        [migrations]
        paths = ["migrations"]
        dialect = "klingon"
        [service]
        command = "uvicorn app:app"
        [load]
        spawn_rate = true
    """
        }
    )
    result = CliRunner().invoke(cli, ["validate", str(target)])
    assert result.exit_code == 2
    where = f"gate: error: {target / 'gate.toml'}: "
    problems = [line.removeprefix(where).split(":")[0] for line in result.output.splitlines()]
    assert problems == ["migrations.paths", "migrations.dialect", "load.spawn_rate", "service.command"]


def test_policy_option_overrides_the_config(make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": "policy = 'nope'\n", "p.toml": "[checks.security]\nfail_at = 'high'\n"})
    assert CliRunner().invoke(cli, ["validate", str(target)]).exit_code == 2
    result = CliRunner().invoke(cli, ["validate", str(target), "--policy", str(target / "p.toml")])
    assert result.exit_code == 0, result.output
    assert "coverage    not enabled in policy 'p'" in result.output


def test_python_dash_m_gate_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gate", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert done.stdout.startswith("gate, version ")


def test_skipping_every_check_is_a_usage_error(make_target: MakeTarget, run_gate: Callable[..., Any]) -> None:
    result, report = run_gate(make_target({"gate.toml": ""}), "--skip", "security,coverage,docs,fuzz,load,practices")
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


def test_help_imports_none_of_the_heavy_libraries() -> None:
    """`gate --help` stays fast: pydantic, rich, jinja2, the checks and the reporters load only when used."""
    code = (
        "import sys\nfrom gate.cli import cli\ntry:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('pydantic', 'rich', 'jinja2', 'yaml', 'subprocess', 'gate.config', 'gate.checks', 'gate.reporters')\n"
        "print('loaded:', sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "Usage: " in done.stdout
    assert done.stdout.splitlines()[-1] == "loaded: []"
