"""Markdown summary, GitHub step summary and workflow annotations."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from gate import github_actions
from gate.model import Finding, Severity
from gate.reporters import console, github, html, markdown
from gate.reporters.sarif import render as sarif_render
from tests.support.canonical import canonical_report


def test_markdown_escapes_untrusted_text() -> None:
    assert markdown.md("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"
    assert markdown.md("a | b [link](http://x) `code` *em* _u_") == r"a \| b \[link\](http://x) \`code\` \*em\* \_u\_"
    assert markdown.md("two\nlines\r\n| new row") == r"two lines \| new row"
    text = markdown.render(canonical_report())
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text


def test_markdown_has_verdict_table_and_top_findings() -> None:
    text = markdown.render(canonical_report())
    assert text.startswith("## gate: 💥 ERROR\n")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[1].startswith("| security | ❌ FAIL |")
    assert any(r.startswith("| mutation | ⏭️ SKIPPED |") for r in rows)
    assert "### Top findings (10 of 10)" in text
    # every table row has the same number of cells: no untrusted "|" split a cell
    for table in ("| Check", "| Severity"):
        start = text.index(table)
        block = text[start:].split("\n\n")[0].splitlines()
        widths = {len(line.replace("\\|", "").split("|")) for line in block}
        assert len(widths) == 1, block


def test_waiver_notes_count_one_finding_in_the_singular() -> None:
    """Issue 11: the Markdown summary said "1 findings"; every text format says "1 finding"."""
    report = canonical_report()
    one = tuple(dataclasses.replace(use, matched=1) for use in report.waivers)
    report = dataclasses.replace(report, waivers=one)
    texts = {"markdown": markdown.render(report), "console": console.render(report), "html": html.render(report)}
    for name, text in texts.items():
        assert "1 findings" not in text, name
    assert "applied security/B311 (app/\\*.py) to 1 finding until 2027-01-31" in texts["markdown"]
    assert "(1 finding it would match)" in texts["markdown"]


def test_escape_rules_match_github() -> None:
    assert github.escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert (
        github.command("error", "m", file="a,b.py", line=3, title="t: x")
        == "::error file=a%2Cb.py,line=3,title=t%3A x::m"
    )
    assert github.command("notice", "just text") == "::notice::just text"


def test_annotations_most_severe_first_and_escaped() -> None:
    lines = github.annotations(canonical_report())
    # check-level first (FAIL/ERROR as error, WARN as warning), then findings by severity
    assert (
        lines[0] == "::error title=gate%3A security FAIL::3 findings (1 critical, 1 high, 1 medium) fail the "
        "policy (medium or above)"
    )
    kinds = [line.split(" ", 1)[0].split("::")[1] for line in lines]
    assert kinds.count("error") == 4 + 3 and kinds.count("warning") == 1 + 2 and kinds.count("notice") == 4 + 1
    critical = next(line for line in lines if "gate.sql-string-concat" in line)
    # The canonical target is the repository's shop/ folder: GitHub resolves `file` from the root.
    assert critical.startswith(
        "::error file=shop/app/db.py,line=42,title=gate security%3A gate.sql-string-concat (critical)::"
    )
    fuzz = next(line for line in lines if "server_error" in line)
    assert "file=" not in fuzz and fuzz.endswith("(POST /items)")
    assert not any("\n" in line or "abc.def.ghi" in line for line in lines)


def test_annotation_paths_are_repository_relative_like_sarifs() -> None:
    report = canonical_report()
    for target_in_repo, expected in (("", "app/db.py"), ("svc", "svc/app/db.py"), ("a/b", "a/b/app/db.py")):
        moved = dataclasses.replace(report, target_in_repo=target_in_repo)
        (line,) = [line for line in github.annotations(moved) if "gate.sql-string-concat" in line]
        assert f"file={expected}," in line
        sarif = json.loads(sarif_render(moved))
        uris = {
            loc["physicalLocation"]["artifactLocation"]["uri"]
            for run in sarif["runs"]
            for result in run["results"]
            for loc in result["locations"]
        }
        assert expected in uris


def test_at_most_ten_annotations_per_type() -> None:
    report = canonical_report()
    many = tuple(Finding("security", "bandit", f"B{i}", Severity.HIGH, f"m{i}", "a.py", i + 1) for i in range(25))
    security = dataclasses.replace(report.checks[0], findings=many)
    lines = github.annotations(dataclasses.replace(report, checks=(security,)))
    assert len(lines) == 10 and all(line.startswith("::error") for line in lines)


def test_publish_writes_summary_and_annotations_only_on_github(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    printed: list[str] = []
    warnings: list[str] = []
    report = canonical_report()
    github_actions.publish(report, {"GITHUB_STEP_SUMMARY": str(summary)}, printed.append, warnings.append)
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + markdown.render(report)
    assert printed == [] and warnings == []
    github_actions.publish(report, {"GITHUB_ACTIONS": "true"}, printed.append, warnings.append)
    assert printed == github.annotations(report)
    github_actions.publish(report, {}, printed.append, warnings.append)
    assert len(printed) == len(github.annotations(report))


def test_publish_warns_instead_of_failing_when_summary_unwritable(tmp_path: Path) -> None:
    warnings: list[str] = []
    github_actions.publish(canonical_report(), {"GITHUB_STEP_SUMMARY": str(tmp_path)}, print, warnings.append)
    assert len(warnings) == 1 and str(tmp_path) in warnings[0]


def test_summary_is_truncated_under_the_limit(tmp_path: Path) -> None:
    text = "".join(f"line {i} ✓ 日本\n" for i in range(20000))
    cut = github.bounded_summary(text, 5000)
    assert len(cut.encode("utf-8")) <= 5000
    assert cut.endswith(github.TRUNCATED) and cut.startswith("line 0 ✓ 日本\nline 1")
    assert github.bounded_summary("short\n", 5000) == "short\n"
    assert github.bounded_summary(text, 10) == ""
    summary = tmp_path / "summary.md"
    summary.write_bytes(b"x" * (github.SUMMARY_LIMIT - 6000))
    github_actions.publish(canonical_report(), {"GITHUB_STEP_SUMMARY": str(summary)}, print, print)
    assert github.SUMMARY_LIMIT - 6000 < summary.stat().st_size <= github.SUMMARY_LIMIT
    assert summary.read_text(encoding="utf-8").endswith(github.TRUNCATED)


def test_commands_are_paused_only_on_github() -> None:
    printed: list[str] = []
    with github_actions.commands_paused({"GITHUB_ACTIONS": "true"}, printed.append):
        printed.append("::error::injected by a hostile finding message")
    token = printed[0].removeprefix("::stop-commands::")
    assert printed[0].startswith("::stop-commands::") and printed[-1] == f"::{token}::" and len(printed) == 3
    quiet: list[str] = []
    with github_actions.commands_paused({}, quiet.append):
        quiet.append("text")
    assert quiet == ["text"]
