"""Every format from the one canonical report, compared with golden files; JSON round trip and schema.

Regenerate the golden files after an intended change with: GATE_UPDATE_GOLDEN=1 pytest tests/reporters
(then read the diff before committing it).
"""

from __future__ import annotations

import dataclasses
import json
import os

import jsonschema
import pytest

from gate.model import BaselineState, CheckTraits, Severity, Status, Verdict, WaiverState
from gate.outdir import write_reports
from gate.redact import redact_report
from gate.report_json import report_from_dict, report_to_dict
from gate.reporters import REPORTERS, console, json_report
from tests.support import paths
from tests.support.canonical import BEARER, SECRET_VALUES, canonical_report

GOLDEN = paths.DATA / "reports"
REPO = paths.REPO
UPDATE = os.environ.get("GATE_UPDATE_GOLDEN") == "1"
TEXT_FORMATS = ["json", "markdown", "junit", "sarif"]


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with GATE_UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file; GATE_UPDATE_GOLDEN=1 regenerates it"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every file write_reports produces for the canonical report, by format."""
    out = tmp_path_factory.mktemp("reports")
    paths = write_reports(canonical_report(), out).paths
    assert sorted(p.name for p in paths) == sorted(filename for filename, _ in REPORTERS.values())
    return {fmt: (out / filename).read_text(encoding="utf-8") for fmt, (filename, _) in REPORTERS.items()}


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_text_formats_match_golden(written: dict[str, str], fmt: str) -> None:
    _compare(REPORTERS[fmt][0], written[fmt])


def test_console_matches_golden() -> None:
    _compare("console.txt", console.render(redact_report(canonical_report()), color=False, width=110))


def test_registry_has_every_format() -> None:
    assert set(REPORTERS) == {"json", "html", "sarif", "junit", "markdown"}
    assert len({filename for filename, _ in REPORTERS.values()}) == len(REPORTERS)


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_no_secret_reaches_any_format(written: dict[str, str], fmt: str) -> None:
    text = written[fmt]
    for secret in SECRET_VALUES:
        assert secret not in text, f"{secret!r} leaked into {fmt}"
    assert "REDACTED" in text
    assert BEARER not in text


def test_renderers_redact_on_their_own() -> None:
    """A renderer called directly (not through write_reports) still masks credentials."""
    for fmt, (_, render) in REPORTERS.items():
        text = render(canonical_report())
        assert "abc.def.ghi" not in text, fmt
    assert "abc.def.ghi" not in console.render(canonical_report())


def test_renderers_are_pure() -> None:
    report = canonical_report()
    for _, render in REPORTERS.values():
        assert render(report) == render(report)
    assert report == canonical_report()


def test_json_round_trip_is_exact() -> None:
    first = json_report.render(canonical_report())
    again = json_report.render(report_from_dict(json.loads(first)))
    assert again == first
    assert report_from_dict(json.loads(first)) == report_from_dict(json.loads(again))


def test_round_trip_keeps_every_field() -> None:
    report = canonical_report()
    back = report_from_dict(report_to_dict(report))
    assert back.checks == report.checks and back.waivers == report.waivers
    assert back.verdict is Verdict.ERROR


def test_a_schema_1_0_report_reads_as_the_same_report() -> None:
    """Schema 1.0 (gate-report-1.0.json, the golden JSON before 1.1) kept the operation in `path` and
    extra.operation, the log tail in details, no waiver on a waived finding: it reads back as today's."""
    old = json.loads((GOLDEN / "gate-report-1.0.json").read_text(encoding="utf-8"))
    assert old["schema_version"] == "1.0"
    back = report_from_dict(old)
    expected = redact_report(canonical_report())
    # 1.0 had no traits either: those read back as the defaults (see test_checks_describe_themselves).
    assert back.checks == tuple(dataclasses.replace(c, traits=CheckTraits()) for c in expected.checks)
    assert back.waivers == expected.waivers
    waived = next(c for c in back.checks if c.waived).waived[0]
    assert waived.waiver is not None and waived.waiver.reason == "jitter only, not security"


def test_a_schema_1_1_report_reads_as_the_same_report() -> None:
    """Schema 1.1 (gate-report-1.1.json, the golden JSON before 1.2) had no baseline: reads back as today's."""
    old = json.loads((GOLDEN / "gate-report-1.1.json").read_text(encoding="utf-8"))
    assert old["schema_version"] == "1.1"
    back = report_from_dict(old)
    expected = redact_report(canonical_report())
    # Traits are read as the file wrote them (a check may have declared more since, e.g. a tool's URI).
    assert [c.traits.scans_files for c in back.checks] == [c.traits.scans_files for c in expected.checks]
    assert back.checks == tuple(
        dataclasses.replace(c, traits=saved.traits) for c, saved in zip(expected.checks, back.checks, strict=True)
    )
    assert back.waivers == expected.waivers
    assert back.baseline is None


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_older_reports_still_validate(version: str) -> None:
    schema = json.loads((REPO / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    validator.validate(json.loads((GOLDEN / f"gate-report-{version}.json").read_text(encoding="utf-8")))


def test_schema_1_0_report_still_validates(written: dict[str, str]) -> None:
    schema = json.loads((REPO / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    validator.validate(json.loads((GOLDEN / "gate-report-1.0.json").read_text(encoding="utf-8")))


def test_json_report_validates_against_the_documented_schema(written: dict[str, str]) -> None:
    schema = json.loads((REPO / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    validator.validate(json.loads(written["json"]))
    broken = json.loads(written["json"])
    broken["checks"][0]["status"] = "passed"
    del broken["checks"][1]["findings"]
    broken["unexpected"] = 1
    assert len(list(validator.iter_errors(broken))) == 3


def test_schema_enums_follow_the_model() -> None:
    schema = json.loads((REPO / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    defs = schema["$defs"]
    assert defs["check"]["properties"]["status"]["enum"] == [s.value for s in Status]
    assert schema["properties"]["verdict"]["enum"] == [v.value for v in Verdict]
    assert defs["severity"]["enum"] == [s.label for s in Severity]
    assert defs["finding"]["properties"]["baseline"]["enum"] == [*(s.value for s in BaselineState), None]
    assert defs["baseline"]["properties"]["verdict"]["enum"] == [v.value for v in Verdict]


def test_canonical_fixture_covers_every_status_and_severity() -> None:
    report = canonical_report()
    assert {c.status for c in report.checks} == set(Status)
    assert {f.severity for c in report.checks for f in c.findings} == set(Severity)
    assert {w.state for w in report.waivers} >= {WaiverState.APPLIED, WaiverState.EXPIRED, WaiverState.STALE}
