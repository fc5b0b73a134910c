"""`gate run --diff-base REF`: changed-line coverage by real diff-cover, on real git repositories.

Each test makes a repository in tmp_path: the coverage_80 fixture committed on `main` (4 of its 5
statements run by its suite), then a branch that changes the code. The suite runs under real
coverage.py, and diff-cover compares the branch with `main`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import FIXTURES, check_of
from tests.support.gitrepo import commit_all, git, init_on_main

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]

TESTED = """

def mul(a, b):
    return a * b
"""
# Two statements each; their `def` lines run at import, their bodies only when a test calls them.
UNTESTED = """

def div(a, b):
    return a / b


def neg(a):
    return -a
"""
TEST_MUL = "\n\ndef test_mul():\n    from app import mul\n\n    assert mul(2, 3) == 6\n"
CHANGED = ("changed_lines_percent", "changed_lines", "changed_lines_missing")


def repository(tmp_path: Path, subfolder: str = "") -> tuple[Path, Path]:
    """(repository, target): coverage_80 committed on main (in `subfolder`), a branch `change` checked out."""
    repo = tmp_path / "repo"
    target = repo / subfolder if subfolder else repo
    shutil.copytree(FIXTURES / "coverage_80", target)
    (repo / ".gitignore").write_text("__pycache__/\n", encoding="utf-8")
    (repo / "README.md").write_text("A service.\n", encoding="utf-8")
    init_on_main(repo)
    git(repo, "checkout", "-q", "-b", "change")
    return repo, target


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def commit(repo: Path, message: str = "change") -> None:
    commit_all(repo, message)


def line_of(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def run_coverage(run_gate: RunGate, target: Path, *args: str) -> tuple[Result, dict[str, Any], dict[str, Any]]:
    result, report = run_gate(target, "--only", "coverage", *args)
    assert report is not None, result.output
    return result, report, check_of(report, "coverage")


@pytest.fixture(autouse=True)
def _no_repository_above(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # git must not find a repository above tmp_path (a checkout the tests run in): "not a git
    # repository" has to be true of a folder outside `repo`.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


def test_covered_changed_lines_pass_with_the_metric(run_gate: RunGate, tmp_path: Path) -> None:
    repo, target = repository(tmp_path)
    append(target / "app" / "__init__.py", TESTED)
    append(target / "tests" / "check_app.py", TEST_MUL)
    commit(repo)
    result, _, check = run_coverage(run_gate, target, "--diff-base", "main")
    assert result.exit_code == 0, result.output
    assert check["status"] == "pass"
    # The changed test file is not measured (--source=app): only app's two new statements count.
    assert {k: check["metrics"][k] for k in CHANGED} == {
        "changed_lines_percent": 100.0,
        "changed_lines": 2,
        "changed_lines_missing": 0,
    }
    assert "changed_lines_percent 100 % >= 80 %: met" in check["reasons"]
    assert check["findings"] == []
    assert check["details"]["diff_base"] == "main"
    assert check["details"]["changed_files"] == [
        {"path": "app/__init__.py", "changed_lines": 2, "missing": 0, "missing_lines": ""}
    ]
    assert set(check["tools"]) == {"coverage", "diff-cover"}
    artifacts = tmp_path / "out" / "artifacts" / "coverage"
    assert {"artifacts/coverage/coverage.xml", "artifacts/coverage/diff-cover.json"} <= set(check["artifacts"])
    kept = json.loads((artifacts / "diff-cover.json").read_text(encoding="utf-8"))
    assert kept["total_num_lines"] == 2 and "app/__init__.py" in kept["src_stats"]


def test_untested_changed_lines_fail_naming_the_file_and_lines(run_gate: RunGate, tmp_path: Path) -> None:
    repo, target = repository(tmp_path)
    module = target / "app" / "__init__.py"
    append(module, UNTESTED)
    commit(repo)
    result, _, check = run_coverage(run_gate, target, "--diff-base", "main")
    assert result.exit_code == 1, result.output
    assert check["status"] == "fail"
    assert {k: check["metrics"][k] for k in CHANGED} == {
        "changed_lines_percent": 50.0,
        "changed_lines": 4,
        "changed_lines_missing": 2,
    }
    assert "changed_lines_percent 50 % >= 80 %: not met" in check["reasons"]
    lines = [line_of(module, "    return a / b"), line_of(module, "    return -a")]
    (finding,) = check["findings"]
    assert (finding["rule"], finding["tool"], finding["path"], finding["line"]) == (
        "changed-lines-uncovered",
        "diff-cover",
        "app/__init__.py",
        lines[0],
    )
    assert finding["message"] == f"2 of 4 changed lines since main not run by the tests: {lines[0]}, {lines[1]}"
    assert f"app/__init__.py:{lines[0]}" in result.output  # the console names where


def test_an_unknown_ref_is_an_error_naming_it_and_keeping_the_total(run_gate: RunGate, tmp_path: Path) -> None:
    repo, target = repository(tmp_path)
    append(target / "app" / "__init__.py", TESTED)
    commit(repo)
    result, report, check = run_coverage(run_gate, target, "--diff-base", "no-such-branch")
    assert (result.exit_code, report["verdict"], check["status"]) == (3, "error", "error"), result.output
    assert check["reasons"][0].startswith("diff-cover --compare-branch no-such-branch failed: ")
    assert "'no-such-branch'" in check["reasons"][0]  # diff-cover's own words: "Does 'no-such-branch' exist?"
    assert check["metrics"]["percent"] == pytest.approx(100.0 * 5 / 7)  # measured before, kept, not judged
    assert "artifacts/coverage/diff-cover.log" in check["artifacts"]


def test_a_target_outside_any_repository_is_an_error(run_gate: RunGate, tmp_path: Path) -> None:
    target = Path(shutil.copytree(FIXTURES / "coverage_80", tmp_path / "target"))
    result, _, check = run_coverage(run_gate, target, "--diff-base", "main")
    assert (result.exit_code, check["status"]) == (3, "error"), result.output
    assert "not a git repository" in check["reasons"][0]


def test_a_target_in_a_subfolder_of_the_repository(run_gate: RunGate, tmp_path: Path) -> None:
    repo, target = repository(tmp_path, "services/api")
    module = target / "app" / "__init__.py"
    append(module, UNTESTED)
    (repo / "tool.py").write_text("print('outside the target, not measured')\n", encoding="utf-8")
    commit(repo)
    result, report, check = run_coverage(run_gate, target, "--diff-base", "main")
    assert result.exit_code == 1, result.output
    assert check["metrics"]["changed_lines"] == 4  # tool.py, outside coverage's source, counts for nothing
    (finding,) = check["findings"]
    # Paths from the target, as every finding's; the reports for GitHub name them from the repository root.
    assert finding["path"] == "app/__init__.py" and finding["line"] == line_of(module, "    return a / b")
    assert report["target_in_repo"] == "services/api"
    sarif = json.loads((tmp_path / "out" / "gate-report.sarif").read_text(encoding="utf-8"))
    uris = {
        location["physicalLocation"]["artifactLocation"]["uri"]
        for run in sarif["runs"]
        for result_ in run["results"]
        for location in result_["locations"]
    }
    assert uris == {"services/api/app/__init__.py"}


def test_an_existing_cobertura_report_in_a_subfolder(run_gate: RunGate, tmp_path: Path) -> None:
    # `report = ...`: a Cobertura file some other job wrote, its paths relative to the target.
    repo, target = repository(tmp_path, "svc")
    (target / "gate.toml").write_text('[coverage]\nreport = "coverage.xml"\n', encoding="utf-8")
    append(target / "app" / "__init__.py", UNTESTED)
    commit(repo)
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--source=app", "-m", "pytest", "-q"],
        cwd=target,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [sys.executable, "-m", "coverage", "xml", "-o", "coverage.xml"], cwd=target, check=True, capture_output=True
    )
    result, _, check = run_coverage(run_gate, target, "--diff-base", "main")
    assert result.exit_code == 1, result.output
    assert check["metrics"]["changed_lines_percent"] == 50.0
    assert [f["path"] for f in check["findings"]] == ["app/__init__.py"]


def test_a_json_report_cannot_give_changed_lines_an_error(run_gate: RunGate, tmp_path: Path) -> None:
    repo, target = repository(tmp_path)
    (target / "gate.toml").write_text('[coverage]\nreport = "coverage.json"\n', encoding="utf-8")
    shutil.copyfile(Path(__file__).parents[2] / "data" / "coverage" / "branch.json", target / "coverage.json")
    commit(repo)
    result, _, check = run_coverage(run_gate, target, "--diff-base", "main")
    assert (result.exit_code, check["status"]) == (3, "error"), result.output
    assert "'coverage.json' is coverage.py JSON, which diff-cover cannot read" in check["reasons"][0]
    assert check["metrics"]["percent"] > 0  # the total was measured: kept


def test_no_changed_statement_is_a_note_not_a_pass_or_a_fail(run_gate: RunGate, tmp_path: Path) -> None:
    repo, target = repository(tmp_path)
    append(target / "app" / "__init__.py", TESTED)
    append(target / "tests" / "check_app.py", TEST_MUL)
    commit(repo, "code, on main too")
    git(repo, "branch", "-f", "main")  # main has the code now: the branch changes only the README
    append(repo / "README.md", "More words.\n")
    commit(repo, "docs")
    result, _, check = run_coverage(run_gate, target, "--diff-base", "main")
    assert result.exit_code == 0, result.output  # the total (6 of 7) decides
    assert check["metrics"]["changed_lines"] == 0 and "changed_lines_percent" not in check["metrics"]
    reason = (
        "changed_lines_percent >= 80 %: not judged, "
        "no changed line since main is a statement the coverage data measures"
    )
    assert reason in check["reasons"]
    assert [m["metric"] for m in check["measurements"]] == ["percent"]  # neither met nor missed
    assert check["details"]["notes"] == [
        "no changed line since main is a statement the coverage data measures: changed-line coverage not judged"
    ]
    assert "coverage note: no changed line since main" in result.output


def test_without_diff_base_no_changed_line_metric_and_no_error(run_gate: RunGate, tmp_path: Path) -> None:
    repo, target = repository(tmp_path)
    append(target / "app" / "__init__.py", UNTESTED)
    commit(repo)
    result, _, check = run_coverage(run_gate, target)
    assert result.exit_code == 1 and check["status"] == "fail", result.output  # 5 of 9 in total
    assert not set(CHANGED) & set(check["metrics"])
    assert check["reasons"][-1] == "changed_lines_percent >= 80 %: not judged, measured only with --diff-base REF"
    assert check["findings"] == [] and "diff-cover" not in check["tools"]
    assert not any("diff-cover" in a or a.endswith(".xml") for a in check["artifacts"])


@pytest.mark.parametrize("ref", ["--output=/tmp/x", "-p", " "])
def test_a_diff_base_git_would_read_as_an_option_is_a_usage_error(run_gate: RunGate, tmp_path: Path, ref: str) -> None:
    _, target = repository(tmp_path)
    result, report = run_gate(target, "--only", "coverage", f"--diff-base={ref}")
    assert (result.exit_code, report) == (2, None)
    assert f"--diff-base {ref!r}: expected a git ref" in result.output
