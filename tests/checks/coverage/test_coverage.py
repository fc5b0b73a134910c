"""The coverage check end to end: real test suites under real coverage.py, judged by the default policy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from gate.checks import coverage
from gate.checks.base import CheckContext
from gate.errors import CheckError
from tests.conftest import FIXTURES, check_of
from tests.support import paths

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]
MakeTarget = Callable[..., Path]
DATA = paths.DATA / "coverage"
COMMAND = "python -m coverage run --source=app -m pytest -q"
# Every run without --diff-base says that the policy's changed-line threshold was not judged, and why.
NOT_JUDGED = "changed_lines_percent >= 80 %: not judged, measured only with --diff-base REF"


def copy_fixture(name: str, tmp_path: Path) -> Path:
    """A fresh copy of tests/fixtures/<name>: runs write caches, never into the repository."""
    return Path(shutil.copytree(FIXTURES / name, tmp_path / "target"))


def set_config(target: Path, toml: str) -> None:
    (target / "gate.toml").write_text(toml, encoding="utf-8")


def coverage_files(target: Path) -> list[str]:
    return sorted(str(p.relative_to(target)) for p in target.rglob(".coverage*"))


def run_coverage(run_gate: RunGate, target: Path) -> tuple[Result, dict[str, Any]]:
    result, report = run_gate(target, "--only", "coverage")
    assert report is not None, result.output
    return result, check_of(report, "coverage")


def cobertura(covered: int, total: int) -> str:
    """A consistent Cobertura report of one file with `covered` of `total` lines hit."""
    lines = "".join(f'<line number="{n}" hits="{1 if n <= covered else 0}"/>' for n in range(1, total + 1))
    return (
        f'<?xml version="1.0" ?><coverage version="7.17.4" lines-valid="{total}" '
        f'lines-covered="{covered}" line-rate="{round(covered / total, 4)}" branches-valid="0" '
        f'branches-covered="0" branch-rate="0"><packages><package name="app"><classes>'
        f'<class name="big.py" filename="app/big.py"><lines>{lines}</lines></class>'
        f"</classes></package></packages></coverage>"
    )


def test_exactly_80_percent_fails_and_leaves_no_data_in_the_target(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("coverage_80", tmp_path)
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 1, result.output
    assert check["status"] == "fail"
    assert check["metrics"] == {"percent": 80.0, "statements": 5, "missing": 1}
    assert check["reasons"] == ["percent 80 % > 80 %: not met", NOT_JUDGED]
    assert check["details"]["files"] == [
        {"path": "app/__init__.py", "percent": 80.0, "statements": 5, "missing": 1, "missing_lines": [9]}
    ]
    assert check["tools"]["coverage"].count(".") >= 1
    assert sorted(check["artifacts"]) == ["artifacts/coverage/coverage-command.log", "artifacts/coverage/coverage.json"]
    assert (tmp_path / "out" / "artifacts" / "coverage" / ".coverage").is_file()  # the data went here
    assert coverage_files(target) == []


def test_65_percent_fails_naming_the_percentage(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("coverage_65", tmp_path)
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 1
    assert check["metrics"]["percent"] == 65.0
    assert check["reasons"] == ["percent 65 % > 80 %: not met", NOT_JUDGED]
    assert "percent 65 % > 80 %" in result.output
    assert check["details"]["files"][0]["missing_lines"] == [8, 20, 21, 22, 26, 27, 28]
    assert coverage_files(target) == []


@pytest.mark.parametrize(
    "covered, total, exit_code",
    [
        (8000, 10000, 1),  # 80.00 %: not strictly above
        (8001, 10000, 0),  # 80.01 %
        (20001, 25001, 0),  # 80.0008 %, although line-rate rounds it to "0.8"
        (7999, 10000, 1),
    ],
)
def test_threshold_is_strictly_above_80_on_the_unrounded_percentage(
    run_gate: RunGate, make_target: MakeTarget, covered: int, total: int, exit_code: int
) -> None:
    target = make_target(
        {
            "gate.toml": '[coverage]\nreport = "reports/coverage.xml"\n',
            "reports/coverage.xml": cobertura(covered, total),
        }
    )
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == exit_code, result.output
    assert check["metrics"]["percent"] == pytest.approx(100.0 * covered / total, abs=1e-12)
    assert check["metrics"]["statements"] == total
    assert check["details"]["files"][0]["missing"] == total - covered


@pytest.mark.parametrize("name", ["branch.json", "branch.xml"])
def test_recorded_report_is_read(run_gate: RunGate, make_target: MakeTarget, name: str) -> None:
    target = make_target({"gate.toml": f'[coverage]\nreport = "{name}"\n'})
    shutil.copyfile(DATA / name, target / name)
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 1
    assert check["metrics"]["percent"] == pytest.approx(100.0 * 18 / 26, abs=1e-9)
    assert check["tools"] == {"coverage": "7.17.4"}
    assert check["artifacts"] == [f"artifacts/coverage/coverage.{name.split('.')[1]}"]


def test_data_file_report_is_converted_without_touching_it(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("coverage_65", tmp_path)
    env = {**os.environ, "COVERAGE_FILE": str(target / "results.data")}
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--source=app", "-m", "pytest", "-q"],
        cwd=target,
        env=env,
        check=True,
        capture_output=True,
    )
    before = (target / "results.data").read_bytes()
    set_config(target, '[coverage]\nreport = "results.data"\n')
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 1
    assert check["metrics"] == {"percent": 65.0, "statements": 20, "missing": 7}
    assert "artifacts/coverage/coverage.json" in check["artifacts"]
    assert (target / "results.data").read_bytes() == before
    leftovers = [p.name for p in target.iterdir() if "data" in p.name or "coverage" in p.name]
    assert leftovers == ["results.data"]


def test_targets_own_coverage_config_cannot_move_or_judge_the_data(run_gate: RunGate, tmp_path: Path) -> None:
    # COVERAGE_FILE outranks data_file; parallel mode's per-process files are combined; the target's
    # fail_under does not make `coverage json` fail (the policy judges the percentage).
    target = copy_fixture("coverage_80", tmp_path)
    (target / ".coveragerc").write_text(
        "[run]\ndata_file = .coverage.custom\nparallel = true\n[report]\nfail_under = 99\n"
    )
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 1, result.output
    assert check["metrics"]["percent"] == 80.0
    assert coverage_files(target) == [".coveragerc"]
    work = tmp_path / "out" / "artifacts" / "coverage"
    assert [p.name for p in work.glob(".coverage*")] == [".coverage"]  # combined into one
    assert "coverage combine" in (work / "coverage-command.log").read_text()


def test_gates_coverage_reads_the_data_when_the_target_has_none(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("coverage_80", tmp_path)
    fake_python = target / "fakevenv" / "bin" / "python"
    fake_python.parent.mkdir(parents=True)
    fake_python.write_text("#!/bin/sh\necho 'No module named coverage' >&2\nexit 1\n")
    fake_python.chmod(0o755)
    set_config(
        target,
        f'venv = "fakevenv"\n[coverage]\ncommand = "{sys.executable} -m coverage run --source=app -m pytest -q"\n',
    )
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 1, result.output
    assert check["metrics"]["percent"] == 80.0
    log = (tmp_path / "out" / "artifacts" / "coverage" / "coverage-command.log").read_text()
    assert f"$ {Path(sys.executable).parent / 'coverage'} json" in log


def test_failing_test_suite_is_an_error_with_its_output(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("coverage_80", tmp_path)
    (target / "tests" / "check_app.py").write_text(
        "from app import add\n\n\ndef test_add():\n    assert add(2, 3) == 6, 'deliberately wrong'\n"
    )
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 3
    assert check["status"] == "error"
    assert check["reasons"] == [f"coverage command exited with code 1: {COMMAND}"]
    assert "1 failed" in check["log_tail"]
    assert "deliberately wrong" in check["log_tail"]
    assert check["artifacts"] == ["artifacts/coverage/coverage-command.log"]
    assert coverage_files(target) == []


def test_command_that_produces_no_coverage_data_is_an_error(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("coverage_80", tmp_path)
    set_config(target, '[coverage]\ncommand = "python -m pytest -q"\n')  # the tests, but not under coverage
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 3
    assert "produced no coverage data" in check["reasons"][0]
    assert "1 passed" in check["log_tail"]


def test_data_from_an_earlier_run_in_the_work_folder_is_not_reused(tmp_path: Path) -> None:
    # The check itself, twice on one work folder: `gate run` clears the artifacts between runs, so
    # through the CLI the second run never sees the first one's data and this could not fail.
    target = copy_fixture("coverage_80", tmp_path)
    out = tmp_path / "out"
    ctx = CheckContext("coverage", target, out, out / "artifacts" / "coverage", dict(os.environ))
    first = coverage.run(ctx, coverage.Settings(command=COMMAND))
    assert first.metrics["statements"] > 0
    assert (ctx.work_dir / ".coverage").is_file() and (ctx.work_dir / "coverage.json").is_file()
    with pytest.raises(CheckError, match="produced no coverage data"):
        coverage.run(ctx, coverage.Settings(command="python -m pytest -q"))  # the tests, not under coverage


def test_coverage_that_measured_nothing_is_an_error(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("coverage_80", tmp_path)
    set_config(target, '[coverage]\ncommand = "python -m coverage run --source=no_such_pkg -m pytest -q"\n')
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 3
    assert check["reasons"] == ["coverage json failed (exit 1): No data to report."]
    assert "No data to report" in check["log_tail"]


def test_missing_report_is_a_config_error_naming_it(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": '[coverage]\nreport = "build/coverage.xml"\n'})
    result, report = run_gate(target, "--only", "coverage")
    assert (result.exit_code, report) == (2, None)
    assert f"coverage.report: 'build/coverage.xml' does not exist in {target.resolve()}" in result.output


def test_a_suite_without_tests_is_a_measured_zero_not_an_error(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("coverage_80", tmp_path)
    (target / "tests" / "check_app.py").unlink()  # pytest collects nothing and exits 5
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 1, result.output
    assert check["status"] == "fail"
    assert check["metrics"]["percent"] == 0.0
    assert check["reasons"] == ["percent 0 % > 80 %: not met", NOT_JUDGED]
    (finding,) = check["findings"]
    assert finding["rule"] == "no-tests" and finding["message"].startswith("no tests ran")
    assert "no tests ran" in result.output
    log = (tmp_path / "out" / "artifacts" / "coverage" / "coverage-command.log").read_text()
    assert "exit code 5" in log


def test_exit_5_without_pytests_no_tests_line_is_still_an_error(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("coverage_80", tmp_path)
    set_config(target, '[coverage]\ncommand = "echo interrupted; exit 5"\n')
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 3
    assert check["reasons"] == ["coverage command exited with code 5: echo interrupted; exit 5"]


def test_a_command_killed_by_a_signal_is_named_by_the_signal(run_gate: RunGate, tmp_path: Path) -> None:
    target = copy_fixture("coverage_80", tmp_path)
    set_config(target, '[coverage]\ncommand = "kill -SEGV $$"\n')
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 3
    assert check["reasons"] == ["coverage command was killed by SIGSEGV (signal 11): kill -SEGV $$"]


def test_report_in_an_unknown_format_is_an_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target(
        {"gate.toml": '[coverage]\nreport = "coverage.txt"\n', "coverage.txt": "TOTAL   20   7   65%\n"}
    )
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 3
    assert "is not a Cobertura XML report" in check["reasons"][0]


def test_report_with_no_statements_is_an_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    # coverage.py calls 0 of 0 statements 100 %; the gate must not pass it.
    target = make_target(
        {
            "gate.toml": '[coverage]\nreport = "coverage.json"\n',
            "coverage.json": '{"totals": {"percent_covered": 100.0, "num_statements": 0, '
            '"missing_lines": 0}, "files": {}}',
        }
    )
    result, check = run_coverage(run_gate, target)
    assert result.exit_code == 3
    assert "measures no statements" in check["reasons"][0]
