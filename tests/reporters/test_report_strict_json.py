"""gate-report.json is strict JSON: a metric that is not finite is a string the schema allows, and reads back."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import jsonschema
from click.testing import CliRunner

from gate.cli import cli
from gate.model import Measurement
from gate.report_json import report_from_dict
from gate.reporters import json_report
from tests.support import paths
from tests.support.canonical import canonical_report

REPO = paths.REPO


def _strict_loads(text: str) -> Any:
    """json.loads as strict parsers (JavaScript's JSON.parse, jq, Go) read it: no NaN or Infinity."""

    def refuse(name: str) -> None:
        raise ValueError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def _non_finite_report() -> Any:
    report = canonical_report()
    coverage = next(c for c in report.checks if c.id == "coverage")
    changed = dataclasses.replace(
        coverage,
        metrics={**coverage.metrics, "p95_ms": math.inf, "ratio": -math.inf, "percent": math.nan},
        measurements=(
            Measurement("p95_ms", math.inf, "<", 200, False, " ms"),
            Measurement("ratio", math.nan, ">", -math.inf, False),
        ),
        details={**coverage.details, "endpoints": [{"name": "/slow", "p95_ms": math.inf, "rps": math.nan}]},
    )
    return dataclasses.replace(report, checks=tuple(changed if c.id == "coverage" else c for c in report.checks))


def test_non_finite_numbers_are_strict_json_the_schema_allows() -> None:
    text = json_report.render(_non_finite_report())
    data = _strict_loads(text)
    schema = json.loads((REPO / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    coverage = next(c for c in data["checks"] if c["id"] == "coverage")
    assert (coverage["metrics"]["p95_ms"], coverage["metrics"]["ratio"], coverage["metrics"]["percent"]) == (
        "Infinity",
        "-Infinity",
        "NaN",
    )
    assert [(m["value"], m["limit"]) for m in coverage["measurements"]] == [("Infinity", 200), ("NaN", "-Infinity")]
    assert coverage["details"]["endpoints"] == [{"name": "/slow", "p95_ms": "Infinity", "rps": "NaN"}]


def test_non_finite_numbers_read_back_as_numbers(tmp_path: Path) -> None:
    text = json_report.render(_non_finite_report())
    back = report_from_dict(_strict_loads(text))
    coverage = next(c for c in back.checks if c.id == "coverage")
    assert coverage.metrics["p95_ms"] == math.inf and coverage.metrics["ratio"] == -math.inf
    assert math.isnan(coverage.metrics["percent"])
    assert coverage.measurements[0].value == math.inf and coverage.measurements[1].limit == -math.inf
    assert json_report.render(back) == text
    source = tmp_path / "gate-report.json"
    source.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "--from", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "gate-report.json").read_text(encoding="utf-8") == text


def test_a_metric_that_is_another_string_is_a_clear_error(tmp_path: Path) -> None:
    data = json.loads(json_report.render(canonical_report()))
    data["checks"][0]["metrics"]["total"] = "lots"
    source = tmp_path / "gate-report.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "--from", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "expected a number (or Infinity, -Infinity, NaN), found 'lots'" in result.output
