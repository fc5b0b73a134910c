"""Reading a saved gate-report.json back (for `gate report --from`), with messages that name the problem."""

from __future__ import annotations

import json
from pathlib import Path

from gate.errors import UsageError
from gate.model import SCHEMA_VERSION, GateReport
from gate.reportdata import report_from_dict


def read_report(path: Path) -> GateReport:
    """The GateReport saved in `path`; UsageError naming the file and what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            [f"{path}: no such file (expected a gate-report.json written by `gate run`)"]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError([f"{path}: cannot read it: {exc}"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            [f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]
        ) from None
    if not isinstance(data, dict):
        raise UsageError([f"{path}: not a gate report (expected a JSON object, found {type(data).__name__})"])
    version = data.get("schema_version")
    if not isinstance(version, str) or version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise UsageError(
            [
                f"{path}: report schema_version {version!r} is not supported "
                f"(this gate reads {SCHEMA_VERSION.split('.')[0]}.x)"
            ]
        )
    try:
        report = report_from_dict(data)
    except KeyError as exc:
        raise UsageError([f"{path}: not a valid gate report: missing field {exc}"]) from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise UsageError([f"{path}: not a valid gate report: {exc}"]) from None
    return report  # every reporter masks credentials itself (reporters.common.safe)
