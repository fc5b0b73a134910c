"""Parsers for coverage.py JSON and Cobertura XML, on recorded real output (tests/data/coverage/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.checks.coverage.data import parse_cobertura, parse_json, sniff
from gate.errors import CheckError
from tests.support import paths

DATA = paths.DATA / "coverage"
BRANCH_PERCENT = 100.0 * (13 + 5) / (20 + 6)  # 13/20 lines and 5/6 branches, as coverage.py counts


def test_json_report_gives_coverage_pys_unrounded_total() -> None:
    data = parse_json((DATA / "branch.json").read_text(), "branch.json")
    assert data.percent == pytest.approx(BRANCH_PERCENT, abs=1e-12)
    assert data.percent != 69.0  # not percent_covered_display ("69")
    assert (data.statements, data.missing, data.version) == (20, 7, "7.17.4")
    [only] = data.files
    assert only.path == "app/__init__.py"
    assert only.missing_lines == (8, 20, 21, 22, 26, 27, 28)
    assert only.as_dict() == {
        "path": "app/__init__.py",
        "percent": only.percent,
        "statements": 20,
        "missing": 7,
        "missing_lines": [8, 20, 21, 22, 26, 27, 28],
    }


def test_cobertura_from_counts_agrees_with_coverage_pys_json() -> None:
    from_xml = parse_cobertura((DATA / "branch.xml").read_text(), "branch.xml")
    from_json = parse_json((DATA / "branch.json").read_text(), "branch.json")
    # line-rate="0.65" and branch-rate="0.8333" are rounded; the counts give coverage.py's own figure.
    assert from_xml.percent == pytest.approx(from_json.percent, abs=1e-9)
    assert (from_xml.statements, from_xml.missing, from_xml.version) == (20, 7, "7.17.4")
    assert from_xml.files[0].missing_lines == from_json.files[0].missing_lines
    assert from_xml.files[0].percent == pytest.approx(from_json.files[0].percent, abs=1e-9)


def test_cobertura_percent_ignores_the_rounded_line_rate() -> None:
    # 20001 of 25001 lines is 80.0008 %; line-rate rounds it to "0.8", which would fail "> 80".
    xml = '<coverage version="7.17.4" lines-valid="25001" lines-covered="20001" line-rate="0.8"><packages/></coverage>'
    assert parse_cobertura(xml, "x.xml").percent == pytest.approx(80.0008, abs=1e-4)
    assert parse_cobertura(xml, "x.xml").percent > 80


def test_files_are_listed_worst_first() -> None:
    def entry(percent: float, statements: int, missing: list[int]) -> dict[str, object]:
        return {"summary": {"percent_covered": percent, "num_statements": statements}, "missing_lines": missing}

    report = {
        "totals": {"percent_covered": 70.0, "num_statements": 30, "missing_lines": 9},
        "files": {
            "good.py": entry(100.0, 10, []),
            "bad.py": entry(50.0, 10, [1, 2, 3, 4, 5]),
            "meh.py": entry(60.0, 10, [1, 2, 3, 4]),
        },
    }
    data = parse_json(json.dumps(report), "r.json")
    assert [f.path for f in data.files] == ["bad.py", "meh.py", "good.py"]
    assert data.version == "unknown"


@pytest.mark.parametrize(
    "text, message",
    [
        ("not json", r"coverage\.py report .*: not JSON \(Expecting value, line 1, column 1\)"),
        ("{}", "'totals' is missing"),
        (
            '{"totals": {"percent_covered": "80", "num_statements": 5, "missing_lines": 1}, "files": {}}',
            "'percent_covered' is str",
        ),
        ('{"totals": {"percent_covered": 80.0, "num_statements": 5}, "files": {}}', "'missing_lines' is missing"),
        ('{"totals": {"percent_covered": 80.0, "num_statements": 5, "missing_lines": 1}}', "'files' is missing"),
    ],
)
def test_json_that_is_not_a_coverage_report_is_an_error(text: str, message: str) -> None:
    with pytest.raises(CheckError, match=message):
        parse_json(text, "r.json")


@pytest.mark.parametrize(
    "text, message",
    [
        ("<coverage", "not valid XML"),
        ("<report/>", "root element <report>"),
        ('<coverage lines-covered="4"/>', "no lines-valid"),
        ('<coverage lines-valid="5" lines-covered="four"/>', "not a whole number"),
        ('<coverage lines-valid="5" lines-covered="4"><class><lines/></class></coverage>', "no filename"),
    ],
)
def test_xml_that_is_not_cobertura_is_an_error(text: str, message: str) -> None:
    with pytest.raises(CheckError, match=message):
        parse_cobertura(text, "r.xml")


def test_sniff_reads_content_not_names(tmp_path: Path) -> None:
    samples = {
        "a.txt": b'\n  {"totals": {}}',
        "b.json": b"<?xml version='1.0'?><coverage/>",
        "c.xml": b"SQLite format 3\x00rest",
        "d": b"!coverage.py: old pickle format",
    }
    for name, content in samples.items():
        (tmp_path / name).write_bytes(content)
    assert [sniff(tmp_path / n) for n in samples] == ["json", "xml", "sqlite", ""]
