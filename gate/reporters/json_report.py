"""gate-report.json: the machine-readable report (schema in docs/report-schema.json)."""

from __future__ import annotations

import json

from gate.model import GateReport
from gate.report_json import report_to_dict
from gate.reporters.common import safe

FILENAME = "gate-report.json"


def render(report: GateReport) -> str:
    # allow_nan=False: report_to_dict writes non-finite numbers as strings; a bug there raises here.
    return (
        json.dumps(report_to_dict(safe(report)), indent=2, ensure_ascii=False, sort_keys=False, allow_nan=False) + "\n"
    )
