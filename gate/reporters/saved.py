"""Reading a saved gate-report.json back (for `gate report --from`), with messages that name the problem."""

from __future__ import annotations

import json
from pathlib import Path

from gate.errors import UsageError
from gate.model import SCHEMA_VERSION, GateReport
from gate.reportdata import report_from_dict
from gate.text import bound

MAX_DEPTH = 64  # a gate report nests about 6 levels; checks' details a few more


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
    except RecursionError:
        raise UsageError([f"{path}: not a gate report: its JSON is nested too deeply to read"]) from None
    if not isinstance(data, dict):
        raise UsageError([f"{path}: not a gate report (expected a JSON object, found {type(data).__name__})"])
    if _depth(data) > MAX_DEPTH:
        # Every reporter walks the report recursively: refuse here, not with a RecursionError later.
        raise UsageError([f"{path}: not a gate report: nested deeper than {MAX_DEPTH} levels"])
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
    # A saved report may come from anywhere: its texts get the same byte bounds as a fresh run's.
    return bound(report)  # every reporter masks credentials itself (reporters.common.safe)


def _depth(data: object) -> int:
    """How deeply lists and objects nest in `data` (iterative: the input may nest thousands deep)."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
