"""`gate report --from`: re-render every format from a saved JSON report; clear errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.redact import redact_report
from gate.reporters import REPORTERS, json_report
from tests.support.canonical import canonical_report


def _saved(tmp_path: Path, text: str | None = None) -> Path:
    path = tmp_path / "saved" / "gate-report.json"
    path.parent.mkdir()
    saved = json_report.render(redact_report(canonical_report()))  # as `gate run` writes it
    path.write_text(saved if text is None else text, encoding="utf-8")
    return path


def test_rerenders_every_format_into_out(tmp_path: Path) -> None:
    source = _saved(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["report", "--from", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([".gate.lock", *(name for name, _ in REPORTERS.values())])
    assert (out / "gate-report.json").read_text(encoding="utf-8") == source.read_text(encoding="utf-8")
    assert "Verdict: ERROR (exit 3)" in result.output  # the console summary
    assert "<h1>gate: ERROR</h1>" in (out / "gate-report.html").read_text(encoding="utf-8")


def test_defaults_to_the_json_files_folder(tmp_path: Path) -> None:
    source = _saved(tmp_path)
    result = CliRunner().invoke(cli, ["report", "--from", str(source)])
    assert result.exit_code == 0, result.output
    assert (source.parent / "gate-report.sarif").exists()


def test_a_saved_report_is_redacted_on_the_way_in(tmp_path: Path) -> None:
    data = json.loads(json_report.render(canonical_report()))
    data["checks"][0]["reasons"] = ["leaked Authorization: Bearer sekrit-token-123"]
    source = _saved(tmp_path, json.dumps(data))
    result = CliRunner().invoke(cli, ["report", "--from", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "sekrit-token-123" not in result.output
    for path in (tmp_path / "out").iterdir():
        assert "sekrit-token-123" not in path.read_text(encoding="utf-8"), path.name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "no such file"),
        (
            "{not json",
            "not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2",
        ),
        ("[1, 2]", "not a gate report (expected a JSON object, found list)"),
        ('{"schema_version": "2.0"}', "report schema_version '2.0' is not supported"),
        ('{"schema_version": "1.0", "verdict": "pass"}', "not a valid gate report: missing field 'target'"),
        (
            '{"schema_version": "1.0", "verdict": "maybe"}',
            "not a valid gate report: 'maybe' is not a valid Verdict",
        ),
    ],
)
def test_bad_files_exit_2_naming_the_file_and_problem(tmp_path: Path, text: str | None, expected: str) -> None:
    source = tmp_path / "missing.json" if text is None else _saved(tmp_path, text)
    result = CliRunner().invoke(cli, ["report", "--from", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"gate: error: {source}: {expected}" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_broken_check_entry_is_a_clear_error(tmp_path: Path) -> None:
    data = json.loads(json_report.render(canonical_report()))
    data["checks"][2]["findings"][0]["severity"] = "catastrophic"
    source = _saved(tmp_path, json.dumps(data))
    result = CliRunner().invoke(cli, ["report", "--from", str(source)])
    assert result.exit_code == 2
    assert "unknown severity 'catastrophic'" in result.output


def test_gate_run_publishes_to_github_only_when_running_there(tmp_path: Path) -> None:
    """A quick real run (a coverage report that is none, so coverage errors): summary and annotations."""
    target = tmp_path / "target"
    target.mkdir()
    (target / "gate.toml").write_text("[coverage]\nreport = 'notes.txt'\n", encoding="utf-8")
    (target / "notes.txt").write_text("not a coverage report\n", encoding="utf-8")
    summary = tmp_path / "step-summary.md"
    argv = ["run", str(target), "--out", str(tmp_path / "out"), "--only", "coverage"]
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = CliRunner().invoke(cli, argv, env=env)
    assert result.exit_code == 3, result.output
    assert summary.read_text(encoding="utf-8").startswith("## gate: 💥 ERROR\n")
    assert "::error title=gate%3A coverage ERROR::coverage report 'notes.txt' is not a Cobertura" in result.output
    # the console summary (untrusted text) is printed with workflow commands paused, the annotations after
    lines = result.output.splitlines()
    (stop,) = [i for i, line in enumerate(lines) if line.startswith("::stop-commands::")]
    token = lines[stop].removeprefix("::stop-commands::")
    resume = lines.index(f"::{token}::")
    assert len(token) == 32
    assert stop < resume < min(i for i, line in enumerate(lines) if line.startswith("::error"))
    assert any(line.startswith("Verdict: ERROR") for line in lines[stop:resume])
    quiet = CliRunner().invoke(cli, argv, env={"GITHUB_ACTIONS": None, "GITHUB_STEP_SUMMARY": None})
    assert quiet.exit_code == 3 and "::error" not in quiet.output
    assert (tmp_path / "out" / "gate-summary.md").exists()
