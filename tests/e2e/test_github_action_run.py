"""The action's shell steps, run for real on a small service: verdicts, exit codes, injection, shadowing.

GitHub is simulated the simple way: `${{ inputs.x }}` and `${{ steps.id.outputs.y }}` are substituted as
text (as GitHub does, so an interpolated input really can inject), each `run:` goes to
`bash --noprofile --norc -eo pipefail` with $GITHUB_OUTPUT, $RUNNER_TEMP, ...; `if:` conditions of the
forms action.yml uses are evaluated; `uses:` steps are not run, only recorded when their condition holds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.test_github_action import EXPRESSION, INPUT_DEFAULTS, REPO, action_steps
from tests.support.gitrepo import commit_all, git, init_on_main


@dataclass
class ActionRun:
    outputs: dict[str, str]
    failed_step: str | None
    code: int
    log: str
    used: list[str]  # the `uses:` steps whose `if:` held: what GitHub would have run


def run_action(workspace: Path, runner_temp: Path, inputs: dict[str, str], path_first: Path | None = None) -> ActionRun:
    """Run action.yml's shell steps as GitHub would, except the install step and `uses:` steps."""
    values = {**INPUT_DEFAULTS, **inputs}
    outputs: dict[str, dict[str, str]] = {}
    outcomes: dict[str, str] = {}
    used: list[str] = []
    log = ""

    def substitute(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expr = match.group(1)
            if m := re.fullmatch(r"inputs\.([\w-]+)", expr):
                return values[m.group(1)]
            if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr):
                return outputs.get(m.group(1), {}).get(m.group(2), "")
            raise AssertionError(f"the simulation does not evaluate ${{{{ {expr} }}}}")

        return EXPRESSION.sub(one, text)

    def holds(condition: str) -> bool:
        """`always() && a == 'x' && b != 'y'`: the only shape of `if:` action.yml uses."""
        for term in (t.strip() for t in condition.split("&&")):
            if term == "always()":
                continue
            m = re.fullmatch(r"([\w.-]+) (==|!=) '([^']*)'", term)
            assert m, f"the simulation does not evaluate `if: {condition}`"
            name, op, expected = m.groups()
            if m2 := re.fullmatch(r"inputs\.([\w-]+)", name):
                actual = values[m2.group(1)]
            elif m2 := re.fullmatch(r"steps\.([\w-]+)\.outcome", name):
                actual = outcomes.get(m2.group(1), "skipped")
            elif m2 := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", name):
                actual = outputs.get(m2.group(1), {}).get(m2.group(2), "")
            else:
                raise AssertionError(f"the simulation does not evaluate {name!r}")
            if (actual == expected) != (op == "=="):
                return False
        return True

    for s in action_steps():
        if "if" in s and not holds(s["if"]):
            continue
        if "uses" in s:
            used.append(s["uses"])
            continue
        if "run" not in s or s.get("id") == "install":
            continue  # installing gate is tested by test_packaging; here gate-venv is this test's venv
        output_file = runner_temp / "github-output"
        output_file.write_text("")
        env = {
            **os.environ,
            "RUNNER_TEMP": str(runner_temp),
            "RUNNER_OS": "Linux",
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_ACTION_PATH": str(REPO),
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(runner_temp / "summary.md"),
            "GITHUB_WORKSPACE": str(workspace),
        }
        if path_first is not None:
            env["PATH"] = f"{path_first}{os.pathsep}{env['PATH']}"
        env.update({k: substitute(str(v)) for k, v in s.get("env", {}).items()})
        script = runner_temp / "step.sh"
        script.write_text(substitute(s["run"]))
        # GitHub's `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`.
        argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)]
        done = subprocess.run(argv, cwd=workspace, env=env, capture_output=True, text=True, timeout=300, check=False)
        log += f"--- {s['name']} (exit {done.returncode})\n{done.stdout}{done.stderr}"
        outputs[s.get("id", "")] = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
        outcomes[s.get("id", "")] = "success" if done.returncode == 0 else "failure"
        if done.returncode != 0:
            return ActionRun(action_outputs(outputs), s["name"], done.returncode, log, used)
    return ActionRun(action_outputs(outputs), None, 0, log, used)


def action_outputs(outputs: dict[str, dict[str, str]]) -> dict[str, str]:
    """What action.yml's outputs would be: the verdict step's and the gate step's."""
    return outputs.get("verdict", {}) | outputs.get("gate", {})


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace with a small service (coverage 65 %, two policies) and a runner temp with gate's venv."""
    ws = tmp_path / "workspace"
    shutil.copytree(REPO / "tests" / "fixtures" / "coverage_65", ws / "svc")
    for name, minimum in (("lenient", 50), ("strict", 90)):
        (ws / "svc" / f"{name}.toml").write_text(
            f'name = "{name}"\n[checks.coverage]\nthresholds.percent = {{ op = ">", value = {minimum} }}\n'
        )
    venv = Path(sys.executable).parent.parent
    assert (venv / "bin" / "gate").exists(), "gate must be installed in the environment running the tests"
    # The service's own environment, as a workflow sets it up before the action (it needs pytest and
    # coverage, which the test venv has); gate puts it first on PATH for the service's commands.
    (ws / "svc" / ".venv").symlink_to(venv)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    (runner_temp / "gate-venv").symlink_to(venv)
    return ws, runner_temp


def test_a_passing_gate_gives_verdict_pass_and_exit_0(workspace: tuple[Path, Path]) -> None:
    ws, temp = workspace
    run = run_action(ws, temp, {"target": "svc", "checks": "coverage", "policy": "lenient.toml", "out": "r"})
    assert (run.failed_step, run.outputs) == (None, {"verdict": "pass", "exit-code": "0"}), run.log
    # The files the action reads and uploads, by the names action.yml uses.
    assert (ws / "r" / "gate-report.json").is_file() and (ws / "r" / "gate-report.sarif").is_file()


def test_a_failing_gate_fails_the_last_step_with_exit_1(workspace: tuple[Path, Path]) -> None:
    ws, temp = workspace
    run = run_action(ws, temp, {"target": "svc", "checks": "coverage", "policy": "strict.toml", "out": "r"})
    assert run.outputs == {"verdict": "fail", "exit-code": "1"}, run.log
    assert (run.failed_step, run.code) == ("Fail with gate's exit code", 1)


def test_bad_usage_exits_2_and_a_stale_report_is_not_read(workspace: tuple[Path, Path]) -> None:
    ws, temp = workspace
    (ws / "r").mkdir()
    (ws / "r" / "gate-report.json").write_text('{"verdict": "pass", "exit_code": 0}')
    run = run_action(ws, temp, {"target": "svc", "skip": "no-such-check", "out": "r"})
    assert run.outputs == {"verdict": "error", "exit-code": "2"}, run.log
    assert (run.failed_step, run.code) == ("Fail with gate's exit code", 2)
    assert "unknown check 'no-such-check'" in run.log


def test_inputs_cannot_inject_shell(workspace: tuple[Path, Path]) -> None:
    ws, temp = workspace
    run = run_action(
        ws,
        temp,
        {
            "target": 'svc$(touch "$RUNNER_TEMP/pwned1")',
            "checks": '"; touch "$RUNNER_TEMP/pwned2"; echo "',
            "skip": '`touch "$RUNNER_TEMP/pwned3"`',
            "diff-base": '$(touch "$RUNNER_TEMP/pwned4")',
            "out": "r",
        },
    )
    assert sorted(p.name for p in temp.glob("pwned*")) == [], run.log
    assert run.outputs.get("exit-code") == "2", run.log  # no folder of that odd name: a usage error


def test_a_gate_on_path_does_not_shadow_gates_own(workspace: tuple[Path, Path], tmp_path: Path) -> None:
    ws, temp = workspace
    fake_bin = tmp_path / "target-venv-bin"
    fake_bin.mkdir()
    (fake_bin / "gate").write_text("#!/bin/sh\necho fake gate\nexit 0\n")
    (fake_bin / "gate").chmod(0o755)
    run = run_action(
        ws, temp, {"target": "svc", "checks": "coverage", "policy": "strict.toml", "out": "r"}, path_first=fake_bin
    )
    assert "fake gate" not in run.log
    assert run.outputs == {"verdict": "fail", "exit-code": "1"}, run.log


def test_a_typo_in_upload_sarif_is_an_error(workspace: tuple[Path, Path]) -> None:
    ws, temp = workspace
    run = run_action(ws, temp, {"target": "svc", "upload-sarif": "yes"})
    assert (run.failed_step, run.code) == ("Check the inputs", 2), run.log
    assert 'upload-sarif must be "true" or "false"' in run.log


def test_a_baseline_is_passed_to_gate_and_may_not_be_the_out_folders_report(workspace: tuple[Path, Path]) -> None:
    ws, temp = workspace
    inputs = {"target": "svc", "checks": "coverage", "policy": "lenient.toml"}
    first = run_action(ws, temp, {**inputs, "out": "main"})
    assert first.outputs["exit-code"] == "0", first.log
    shutil.copy(ws / "main" / "gate-report.json", ws / "baseline.json")
    run = run_action(ws, temp, {**inputs, "out": "pr", "baseline": "baseline.json"})
    assert (run.failed_step, run.outputs) == (None, {"verdict": "pass", "exit-code": "0"}), run.log
    report = json.loads((ws / "pr" / "gate-report.json").read_text())
    assert report["baseline"]["path"] == "baseline.json"  # relative to the workspace, as given
    clash = run_action(ws, temp, {**inputs, "out": "main", "baseline": "main/gate-report.json"})
    assert (clash.failed_step, clash.code) == ("Run gate", 2), clash.log
    assert "which this run replaces" in clash.log
    assert (ws / "main" / "gate-report.json").is_file()  # not deleted


UPLOAD_SARIF = "github/codeql-action/upload-sarif@v3"


def test_a_sarif_without_runs_is_not_uploaded(workspace: tuple[Path, Path]) -> None:
    """Only coverage runs: no check that scans files, so the SARIF log has no runs, which GitHub rejects."""
    ws, temp = workspace
    run = run_action(
        ws, temp, {"target": "svc", "checks": "coverage", "policy": "lenient.toml", "out": "r", "upload-sarif": "true"}
    )
    assert (run.failed_step, run.outputs) == (None, {"verdict": "pass", "exit-code": "0"}), run.log
    assert '"runs": []' in (ws / "r" / "gate-report.sarif").read_text()
    assert UPLOAD_SARIF not in run.used
    assert "code scanning upload skipped" in run.log


def test_a_sarif_with_runs_is_uploaded_with_repository_paths(workspace: tuple[Path, Path]) -> None:
    ws, temp = workspace
    (ws / ".git").mkdir()  # the workspace is the repository root; the target is its svc/ folder
    (ws / "svc" / "app" / "hashing.py").write_text(
        "import hashlib\n\n\ndef digest(password: str) -> str:\n    return hashlib.md5(password.encode()).hexdigest()\n"
    )
    run = run_action(ws, temp, {"target": "svc", "checks": "security", "out": "r", "upload-sarif": "true"})
    assert run.outputs == {"verdict": "fail", "exit-code": "1"}, run.log
    assert UPLOAD_SARIF in run.used
    # The annotation and the SARIF both name the file from the repository root, where GitHub looks.
    assert "file=svc/app/hashing.py,line=5" in run.log
    assert '"uri": "svc/app/hashing.py"' in (ws / "r" / "gate-report.sarif").read_text()


def test_diff_base_judges_the_changed_lines(workspace: tuple[Path, Path]) -> None:
    ws, temp = workspace
    (ws / ".gitignore").write_text(".venv\nr/\n__pycache__/\n")
    init_on_main(ws)  # the workspace is the repository (a checkout with fetch-depth: 0 has main)
    git(ws, "checkout", "-q", "-b", "change")
    with (ws / "svc" / "app" / "__init__.py").open("a") as module:
        module.write("\n\ndef untested(a):\n    return -a\n")
    commit_all(ws, "change")
    inputs = {"target": "svc", "checks": "coverage", "policy": "lenient.toml", "out": "r", "diff-base": "main"}
    run = run_action(ws, temp, inputs)
    assert run.outputs == {"verdict": "pass", "exit-code": "0"}, run.log  # lenient.toml judges only the total
    report = json.loads((ws / "r" / "gate-report.json").read_text())
    (coverage,) = report["checks"][1:2]
    assert (coverage["id"], coverage["metrics"]["changed_lines"], coverage["metrics"]["changed_lines_missing"]) == (
        "coverage",
        2,
        1,
    )
    assert coverage["details"]["diff_base"] == "main"
    # An unknown ref reaches gate as one argument, and is an ERROR naming it.
    run = run_action(ws, temp, {**inputs, "diff-base": "origin/main"})
    assert run.outputs == {"verdict": "error", "exit-code": "3"}, run.log
    assert "'origin/main'" in run.log
