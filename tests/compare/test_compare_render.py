"""The comparison's console and Markdown forms against golden files; bad input exits 2 naming the file.

Regenerate the golden files after an intended change with: GATE_UPDATE_GOLDEN=1 pytest tests/compare
(then read the diff before committing it).
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gate.compare import Comparison, choose_policy, compare, markdown, text
from gate.policy import load_policy
from gate.report_json import report_from_dict
from tests.compare.conftest import check_in, run_compare
from tests.support import paths
from tests.support.canonical import BEARER, IMG, SCRIPT

GOLDEN = paths.DATA / "compare"
UPDATE = os.environ.get("GATE_UPDATE_GOLDEN") == "1"


def _golden(name: str, rendered: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with GATE_UPDATE_GOLDEN=1 to create it"
    assert rendered == path.read_text(encoding="utf-8"), f"{name} differs; GATE_UPDATE_GOLDEN=1 regenerates it"


def _pr_of(main: dict[str, Any]) -> dict[str, Any]:
    """A later run: coverage down, one endpoint slower, one finding fixed, one new (hostile text)."""
    pr = copy.deepcopy(main)
    pr["started_at"] = "2026-11-25T10:00:00+00:00"
    check_in(pr, "coverage")["metrics"]["percent"] = 84.1
    check_in(pr, "load")["details"]["endpoints"][0]["p95_ms"] = 260
    security = check_in(pr, "security")
    new = dict(
        security["findings"][0],
        line=77,
        snippet=f"run('{IMG}' + name)",
        message=f"new | {SCRIPT} `x` \x1b]0;title\x07 {BEARER}",
    )
    security["findings"] = [*security["findings"][1:], new]
    return pr


@pytest.fixture
def comparison(canonical_json: dict[str, Any]) -> Comparison:
    # A fixed policy source: the golden files must not depend on where the repository is checked out.
    policy = dataclasses.replace(load_policy("default", Path.cwd(), {}, ""), source="policies/default.toml")
    before, after = report_from_dict(canonical_json), report_from_dict(_pr_of(canonical_json))
    return compare(
        before, after, policy, "the policy B's report names", ("main/gate-report.json", "pr/gate-report.json")
    )


def test_console_matches_golden(comparison: Comparison) -> None:
    rendered = text.render(comparison)
    _golden("comparison.txt", rendered)
    assert "\x1b" not in rendered and "\\x1b]0;title" in rendered  # a terminal escape is shown, not obeyed
    assert "abc.def.ghi" not in rendered and "Bearer [REDACTED]" in rendered


def test_markdown_matches_golden_and_escapes_report_text(comparison: Comparison) -> None:
    rendered = markdown.render(comparison)
    _golden("comparison.md", rendered)
    assert rendered.splitlines()[0].startswith("**gate compare: ❌ B is worse than A (exit 1)")
    assert "<script>" not in rendered and "<img" not in rendered
    assert "abc.def.ghi" not in rendered and "\x1b" not in rendered
    assert "new \\| &lt;script&gt;" in rendered  # a pipe in a message cannot open a table cell


def test_the_cli_renders_what_the_pure_functions_render(
    save: Callable[[str, dict[str, Any]], Path], canonical_json: dict[str, Any]
) -> None:
    a, b = save("main", canonical_json), save("pr", _pr_of(canonical_json))
    result = run_compare(a, b, "--format", "markdown")
    assert result.exit_code == 1
    assert "| critical | security | gate.sql-string-concat | app/db.py:77 | yes |" in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file (expected a gate-report.json written by `gate run`)"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a gate report (expected a JSON object, found list)"),
        ('{"schema_version": "1.1"}', "not a valid gate report: missing field 'verdict'"),
        ('{"schema_version": "9.0"}', "report schema_version '9.0' is not supported"),
    ],
)
def test_a_bad_file_exits_2_naming_it(
    save: Callable[[str, dict[str, Any]], Path],
    canonical_json: dict[str, Any],
    tmp_path: Path,
    content: str | None,
    expected: str,
) -> None:
    good = save("main", canonical_json)
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    for args in ((good, bad), (bad, good)):
        result = run_compare(*args)
        assert result.exit_code == 2, result.output
        assert f"gate: error: {bad}: {expected}" in result.stderr
        assert "Traceback" not in result.output


def test_an_unknown_policy_or_an_unwritable_output_exits_2(
    save: Callable[[str, dict[str, Any]], Path], canonical_json: dict[str, Any], tmp_path: Path
) -> None:
    a = save("main", canonical_json)
    unknown = run_compare(a, a, "--policy", "no-such-policy")
    assert unknown.exit_code == 2
    assert "policy 'no-such-policy': no such file" in unknown.stderr
    nowhere = tmp_path / "missing-folder" / "comment.md"
    unwritable = run_compare(a, a, "--output", nowhere)
    assert unwritable.exit_code == 2
    assert f"gate: error: {nowhere}: cannot write the comparison" in unwritable.stderr


def test_a_policy_given_by_path_is_used_and_named(
    save: Callable[[str, dict[str, Any]], Path], canonical_json: dict[str, Any], tmp_path: Path
) -> None:
    strict = tmp_path / "strict.toml"
    strict.write_text(
        'name = "strict"\n[checks.coverage]\nthresholds.percent = { op = ">", value = 80 }\n'
        "changes.percent = { max_drop = 0 }\n",
        encoding="utf-8",
    )
    a = save("main", canonical_json)
    check_in(canonical_json, "coverage")["metrics"]["percent"] = 86.0  # -0.36: the default allows it
    b = save("pr", canonical_json)
    assert run_compare(a, b).exit_code == 0
    result = run_compare(a, b, "--policy", strict)
    assert result.exit_code == 1
    assert f"Change rules: policy strict ({strict}) (--policy)" in result.stdout


def test_the_policy_is_the_bundled_one_b_names_else_the_default() -> None:
    assert choose_policy(None, "default (/opt/gate/policies/default.toml)", ["default"]) == (
        "default",
        "the policy B's report names",
    )
    name, why = choose_policy(None, "house (ci/house.toml)", ["default"])
    assert name == "default" and "'house (ci/house.toml)', not a bundled policy" in why
    assert choose_policy("ci/house.toml", "default (x)", ["default"]) == ("ci/house.toml", "--policy")
    assert choose_policy(None, "", [])[0] == "default"
