"""The security check end to end: real bandit and semgrep, judged by the default policy."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from gate.checks.security import bandit as security_bandit
from gate.checks.security import semgrep as security_semgrep
from gate.cli import cli
from tests.conftest import FIXTURES, check_of

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]
MakeTarget = Callable[[Mapping[str, str]], Path]

SCAN_ALL = '[security]\npaths = ["."]\n'
PLANTED_IN_TESTS = {
    "app/__init__.py": "",
    "app/health.py": "def health() -> dict[str, str]:\n    return {'status': 'ok'}\n",
    "tests/test_login.py": """
        import hashlib


        def hash_password(password: str) -> str:
            return hashlib.md5(password.encode()).hexdigest()


        def test_hash() -> None:
            assert hash_password("x")
        """,
    "conftest.py": "import pytest\n",
}


def security(run_gate: RunGate, target: Path) -> tuple[Result, dict[str, Any]]:
    result, report = run_gate(target, "--only", "security")
    assert report is not None, result.output
    return result, check_of(report, "security")


def located(check: Mapping[str, Any]) -> set[tuple[str, str, int]]:
    return {(f["rule"], f["path"], f["line"]) for f in check["findings"]}


def test_clean_service_passes(run_gate: RunGate, tmp_path: Path) -> None:
    result, check = security(run_gate, FIXTURES / "security_clean")
    assert result.exit_code == 0, result.output
    assert check["status"] == "pass"
    assert check["metrics"] == {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0, "total": 0}
    assert set(check["tools"]) == {"bandit", "semgrep"} and all(check["tools"].values())
    assert check["tools"]["bandit"] == metadata.version("bandit")  # read from metadata, not a process
    assert check["details"]["files_scanned"] == 4
    assert check["details"]["paths"] == ["app"]
    for artifact in check["artifacts"]:
        assert json.loads((tmp_path / "out" / artifact).read_text())  # the raw reports are kept


def test_planted_problems_fail_the_check_and_are_named(run_gate: RunGate, tmp_path: Path) -> None:
    result, check = security(run_gate, FIXTURES / "security_planted")
    assert result.exit_code == 1, result.output
    assert check["status"] == "fail"
    assert {
        ("gate.sql-built-from-strings", "app/users.py", 11),  # f-string query executed a line later
        ("gate.sql-built-from-strings", "app/users.py", 15),  # "..." + user_id
        ("gate.weak-password-hash", "app/users.py", 19),  # hashlib.md5 on the password
        ("gate.hardcoded-secret", "app/users.py", 6),  # SECRET_KEY = "..."
        ("gate.http-request-without-timeout", "app/client.py", 9),
    } <= located(check)
    assert check["metrics"]["critical"] == 3 and check["metrics"]["total"] == len(check["findings"])
    md5 = next(f for f in check["findings"] if f["rule"] == "gate.weak-password-hash")
    assert md5["severity"] == "critical" and md5["tool"] == "semgrep"
    assert md5["snippet"] == "return hashlib.md5(password.encode()).hexdigest()"
    assert md5["extra"]["also_reported_by"] == "bandit B324"  # one finding, not two
    assert "B324" not in {f["rule"] for f in check["findings"]}
    # bandit's low-severity notes are listed but are not what fails the check
    assert ("B404", "app/client.py", 3) in located(check)
    assert "hunter2" not in (tmp_path / "out" / "gate-report.json").read_text()


def test_test_folders_are_excluded_by_default(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({**PLANTED_IN_TESTS, "gate.toml": SCAN_ALL})
    result, check = security(run_gate, target)
    assert result.exit_code == 0, result.output
    assert check["findings"] == []
    assert check["details"]["excluded_files"] == ["conftest.py", "tests/test_login.py"]
    assert check["details"]["files_scanned"] == 2


def test_include_tests_scans_test_code_with_both_tools(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({**PLANTED_IN_TESTS, "gate.toml": SCAN_ALL + "include_tests = true\n"})
    result, check = security(run_gate, target)
    assert result.exit_code == 1, result.output
    found = located(check)
    assert ("gate.weak-password-hash", "tests/test_login.py", 5) in found
    assert ("B101", "tests/test_login.py", 9) in found  # bandit's assert note, kept apart
    assert check["details"]["excluded_files"] == []


def test_exclude_globs_apply_to_both_tools(run_gate: RunGate, make_target: MakeTarget) -> None:
    files = {"app/__init__.py": "", "app/legacy/old.py": PLANTED_IN_TESTS["tests/test_login.py"]}
    target = make_target({**files, "gate.toml": SCAN_ALL + 'exclude = ["legacy"]\n'})
    result, check = security(run_gate, target)
    assert result.exit_code == 0, result.output
    assert check["details"]["excluded_files"] == ["app/legacy/old.py"]
    assert check["details"]["exclude_globs"][-1] == "legacy"


def test_bandit_noise_warns_without_failing(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target(
        {
            "gate.toml": SCAN_ALL,
            "app.py": """
        import subprocess


        def login_response(token: str) -> dict[str, str]:
            return {"access_token": token, "token_type": "bearer"}


        def revision() -> str:
            return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout
        """,
        }
    )
    result, check = security(run_gate, target)
    assert result.exit_code == 0, result.output
    assert check["status"] == "warn"
    assert {f["rule"] for f in check["findings"]} == {"B105", "B404", "B603", "B607"}
    assert {f["severity"] for f in check["findings"]} == {"low"}


def test_inline_ignores_count_only_when_switched_on(run_gate: RunGate, make_target: MakeTarget) -> None:
    code = """
        import hashlib


        def hash_password(password: str) -> str:
            return hashlib.md5(password.encode()).hexdigest()  # nosec  # nosemgrep
        """
    target = make_target({"gate.toml": SCAN_ALL, "app.py": code})
    result, check = security(run_gate, target)
    assert result.exit_code == 1, result.output
    assert ("gate.weak-password-hash", "app.py", 5) in located(check)
    (target / "gate.toml").write_text(SCAN_ALL + "inline_ignores = true\n")
    result, check = security(run_gate, target)
    assert result.exit_code == 0, result.output
    assert check["findings"] == []
    assert check["details"]["bandit_nosec"] == 1


@pytest.mark.parametrize(("module", "attribute"), [(security_bandit, "BANDIT"), (security_semgrep, "SEMGREP")])
def test_a_missing_tool_is_an_error(
    run_gate: RunGate, monkeypatch: pytest.MonkeyPatch, module: Any, attribute: str
) -> None:
    monkeypatch.setattr(module, attribute, "no-such-scanner")
    result, check = security(run_gate, FIXTURES / "security_clean")
    assert result.exit_code == 3, result.output
    assert check["status"] == "error"
    assert "no-such-scanner is not installed in gate's environment" in check["reasons"][0]


def test_nothing_to_scan_is_an_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target(
        {"gate.toml": SCAN_ALL, "tests/test_x.py": "def test_x() -> None:\n    pass\n", "README.md": "no code here\n"}
    )
    result, check = security(run_gate, target)
    assert result.exit_code == 3, result.output
    assert check["status"] == "error"
    assert "nothing to scan" in check["reasons"][0] and "include_tests = true" in check["reasons"][0]


def test_unparsable_python_is_an_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": SCAN_ALL, "app/ok.py": "X = 1\n", "app/broken.py": "def f(:\n"})
    result, check = security(run_gate, target)
    assert result.exit_code == 3, result.output
    assert "bandit could not scan 1 file(s): app/broken.py: syntax error" in check["reasons"][0]
    assert check["artifacts"]  # the raw reports are still listed as evidence


def test_an_empty_glob_is_a_configuration_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": SCAN_ALL + 'exclude = ["  "]\n', "app.py": "X = 1\n"})
    result, report = run_gate(target, "--only", "security")
    assert result.exit_code == 2, result.output
    assert report is None  # nothing ran
    assert "security.exclude" in result.output


def test_a_tool_that_runs_out_of_time_is_an_error(run_gate: RunGate, make_target: MakeTarget) -> None:
    target = make_target({"gate.toml": SCAN_ALL + "timeout_s = 0.01\n", "app.py": "X = 1\n"})
    result, check = security(run_gate, target)
    assert result.exit_code == 3, result.output
    assert check["status"] == "error"
    assert "timed out after 0.01 s" in check["reasons"][0]


PLANTED_PASSWORD = 'PASSWORD = "hunter2hunter2"\n'


def test_the_default_out_folder_inside_the_target_is_never_scanned(
    make_target: MakeTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `cd target && gate run` writes reports/ into the target: gate's own files there (a generated
    # locustfile under artifacts/load/) are not the service's code.
    target = make_target(
        {"gate.toml": SCAN_ALL, "app/clean.py": "X = 1\n", "reports/artifacts/load/locustfile.py": PLANTED_PASSWORD}
    )
    (target / "reports" / "artifacts" / ".gate-artifacts").write_text("written by gate run\n")
    monkeypatch.chdir(target)
    result = CliRunner().invoke(cli, ["run", "--only", "security"])
    check = check_of(json.loads((target / "reports" / "gate-report.json").read_text()), "security")
    assert result.exit_code == 0, result.output
    assert (check["details"]["files_scanned"], check["findings"]) == (1, [])


def test_an_escape_sequence_in_a_file_name_never_reaches_the_terminal(
    run_gate: RunGate, make_target: MakeTarget
) -> None:
    target = make_target({"gate.toml": SCAN_ALL, "app/evil\x1b]0;owned\x07.py": PLANTED_PASSWORD})
    result, check = security(run_gate, target)
    assert check["findings"][0]["path"] == "app/evil\x1b]0;owned\x07.py"  # the JSON keeps the name exact
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "app/evil\\x1b]0;owned\\x07.py" in result.output
    assert result.output.rstrip().splitlines()[-2].startswith("Verdict: FAIL")
