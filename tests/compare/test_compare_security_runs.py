"""`gate compare` on two real saved runs of the security check: a planted fixture, then the same code
moved down 20 lines with one new SQL injection and one problem fixed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.compare import compare
from gate.outdir import read_report
from gate.policy import load_policy
from tests.compare.conftest import run_compare
from tests.conftest import FIXTURES

MOVED_BY = 20
NEW_SQL = """

def find_order(conn: sqlite3.Connection, order_id: str) -> list[tuple[str]]:
    return conn.execute("SELECT item FROM orders WHERE id = '%s'" % order_id).fetchall()
"""


def _security_run(target: Path, out: Path) -> Path:
    result = CliRunner().invoke(cli, ["run", str(target), "--only", "security", "--out", str(out)])
    assert result.exit_code == 1, result.output  # the planted fixture fails, before and after
    return out / "gate-report.json"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """gate-report.json of the planted fixture (A) and of its changed copy (B), from real gate runs."""
    root = tmp_path_factory.mktemp("compare-runs")
    target = Path(shutil.copytree(FIXTURES / "security_planted", root / "service"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GATE_CACHE_DIR", str(root / "cache"))
        a = _security_run(target, root / "main")
        users = target / "app" / "users.py"
        lines = users.read_text(encoding="utf-8").splitlines(keepends=True)
        text = "".join([lines[0], *("# moved\n" for _ in range(MOVED_BY)), *lines[1:]])
        # Fixed: the hard-coded secret now comes from the environment.
        fixed = text.replace('SECRET_KEY = "hunter2-production-signing-key"', 'SECRET_KEY = os.environ["SECRET_KEY"]')
        users.write_text("import os\n" + fixed + NEW_SQL, encoding="utf-8")
        b = _security_run(target, root / "pr")
    return a, b


def _findings(path: Path) -> list[dict[str, Any]]:
    report = json.loads(path.read_text(encoding="utf-8"))
    return [f for c in report["checks"] if c["id"] == "security" for f in c["findings"]]


def test_new_and_fixed_findings_are_named_and_moved_code_is_not_new(runs: tuple[Path, Path]) -> None:
    a, b = runs
    before, after = _findings(a), _findings(b)
    # The premise: the planted findings moved (other line numbers), a new one appeared, one went away.
    assert {f["rule"] for f in before} & {f["rule"] for f in after}
    assert not {(f["rule"], f["line"]) for f in before if f["path"] == "app/users.py"} & {
        (f["rule"], f["line"]) for f in after if f["path"] == "app/users.py"
    }
    new_line = next(f["line"] for f in after if "orders" in (f["snippet"] or ""))

    result = run_compare(a, b)
    assert result.exit_code == 1, result.output  # the new SQL injection fails B's policy
    comparison = compare(read_report(a), read_report(b), load_policy("default", Path.cwd(), {}, ""))
    new = comparison.new
    assert new and all(f.path == "app/users.py" and f.line == new_line for f in new), new
    assert any(f.rule.startswith("gate.sql-") and f.blocking for f in new)
    fixed = comparison.fixed
    assert fixed and all("hunter2" in (f.snippet or "") or "SECRET_KEY" in (f.snippet or "") for f in fixed), fixed
    assert any(f.rule == "gate.hardcoded-secret" for f in fixed)
    # Everything else is the same finding, moved: neither new nor fixed.
    assert len(after) - len(new) == len(before) - len(fixed)

    out = result.stdout
    for f in new:
        assert f"security/{f.rule} app/users.py:{new_line} [blocking]" in out
    assert "security/gate.hardcoded-secret app/users.py:6" in out.split("Fixed findings")[1]
    assert f"{len(new)} new ({sum(f.blocking for f in new)} blocking), {len(fixed)} fixed" in out
    assert "security: " in out and "new blocking finding" in out.split("Compare: ")[1]


def test_a_run_compared_with_itself_is_not_worse(runs: tuple[Path, Path]) -> None:
    a, _ = runs
    result = run_compare(a, a)
    assert result.exit_code == 0, result.output
    assert "0 new findings, 0 fixed" in result.stdout


def test_the_fixed_run_compared_back_is_worse_by_the_fixed_finding(runs: tuple[Path, Path]) -> None:
    a, b = runs
    back = run_compare(b, a)  # from B to A the secret comes back as new
    assert back.exit_code == 1
    assert "security/gate.hardcoded-secret app/users.py:6 [blocking]" in back.stdout.split("New findings")[1]


def test_markdown_output_written_to_a_file(runs: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = runs
    target = tmp_path / "comment.md"
    result = run_compare(a, b, "--format", "markdown", "--output", target)
    assert result.exit_code == 1
    assert result.stdout.startswith("B is worse than A (exit 1)") and str(target) in result.stdout
    text = target.read_text(encoding="utf-8")
    assert text.startswith("**gate compare: ❌ B is worse than A (exit 1)")
    assert "### New findings" in text and "| app/users.py:" in text
    assert not list(tmp_path.glob(".*.tmp")), "a temporary file was left behind"
