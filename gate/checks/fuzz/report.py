"""Reads schemathesis's machine reports: the JSON run report (totals, errors) and NDJSON events (failures).

Why both: the JSON run report is the small, stable summary of a run (operations, test cases, failure
codes per operation, errors, warnings, stop reason) but holds no per-failure detail; the NDJSON event
stream records every check result with the request and response it was made on, which is where the
status code, the reproducing request and its timing come from. The two are reconciled by what they
mean in fuzz_reconcile.py. The JUnit report holds the same detail only as preformatted prose, and the
console text is for humans. (Shapes as written by schemathesis 4.32; see tests/data/schemathesis/.)
"""

from __future__ import annotations

import base64
import binascii
import json
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gate.checks.toolout import parse_tool_json, read_tool_json
from gate.errors import CheckError

STATEFUL_LABEL = "Stateful tests"  # schemathesis's name for the stateful phase's scenarios


@dataclass(frozen=True)
class RunSummary:
    """The JSON run report's totals."""

    version: str
    seed: int
    exit_code: int
    stop_reason: str
    complete: bool
    operations_selected: int
    operations_tested: int
    test_cases: int
    failures: frozenset[tuple[str, str]]  # (failure code, operation); "Stateful tests" for that phase
    errors: tuple[str, ...]  # "Network Error (3)"
    missing_auth: tuple[str, ...]  # operations that answered 401/403 to (nearly) everything
    phases: Mapping[str, str]
    titles: Mapping[str, str] = field(default_factory=dict)  # failure code -> title


@dataclass(frozen=True)
class Failure:
    """One distinct failed check, with the request that showed it."""

    operation: str  # the request's own method and the operation's path: "TRACE /health"
    check: str
    code: str
    title: str
    message: str
    status: int | None
    curl: str
    case_id: str
    declared: str = ""  # the spec operation schemathesis tested, "GET /health" ("" if unknown)
    phase: str = ""  # examples, coverage, fuzzing, stateful
    started: float | None = None  # when the request was sent and its answer received (epoch seconds)
    finished: float | None = None


@dataclass(frozen=True)
class Exchange:
    """One recorded request of the run: which operation it tested, with what method, and the answer."""

    declared: str  # "GET /items"
    method: str  # the request's method (differs from the declared one for undeclared-method probes)
    status: int | None  # None: no answer (network error)
    started: float
    finished: float


@dataclass(frozen=True)
class EventLog:
    """What the NDJSON event stream holds: distinct failures, errors, and every recorded request."""

    failures: list[Failure]
    errors: list[str]
    exchanges: list[Exchange]


def read_summary(path: Path) -> RunSummary:
    """Parse the JSON run report; raise CheckError if it is missing or lacks a field it must have."""
    data = read_tool_json(path, "schemathesis", dict)
    try:
        operations, cases = data["operations"], data["test_cases"]
        return RunSummary(
            version=str(data["schemathesis_version"]),
            seed=int(data["seed"]),
            exit_code=int(data["exit_code"]),
            stop_reason=str(data["stop_reason"]),
            complete=bool(data["complete"]),
            operations_selected=int(operations["selected"]),
            operations_tested=int(operations["tested"]),
            test_cases=int(cases["generated"]),
            failures=frozenset((str(f["code"]), str(op)) for f in data["failures"] for op in f["operations"]),
            errors=tuple(f"{e['title']} ({e['count']})" for e in data["errors"]),
            missing_auth=tuple(str(op) for op in data["warnings"]["missing_auth"]),
            phases={str(name): str(phase["status"]) for name, phase in data["phases"].items()},
            titles={str(f["code"]): str(f["title"]) for f in data["failures"]},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CheckError(f"schemathesis JSON report {path.name} lacks an expected field: {exc!r}") from None


def read_events(path: Path) -> EventLog:
    """Distinct failures (first occurrence of each), error messages and all requests from the NDJSON stream."""
    failures: dict[tuple[str, str, str, str], Failure] = {}
    errors: list[str] = []
    exchanges: list[Exchange] = []
    try:
        for event_type, event in _events(path):
            if event_type == "ScenarioFinished":
                phase = event["phase"]
                phase_name = str(phase["name"] if isinstance(phase, dict) else phase)
                for failure in _scenario_failures(event["recorder"], phase_name):
                    key = (failure.operation, failure.check, failure.title, failure.message)
                    failures.setdefault(key, failure)
                exchanges.extend(_exchanges(event["recorder"]))
            elif event_type == "NonFatalError":
                value = event["value"]
                errors.append(f"{event['label']}: {value['type']}: {value['message']}")
            elif event_type == "FatalError":
                errors.append(f"schemathesis internal error: {json.dumps(event)[:500]}")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CheckError(f"schemathesis NDJSON report {path.name} lacks an expected field: {exc!r}") from None
    return EventLog(list(failures.values()), errors, sorted(exchanges, key=lambda e: e.started))


def _events(path: Path) -> Iterator[tuple[str, Any]]:
    if not path.is_file():
        raise CheckError(f"schemathesis wrote no NDJSON report ({path.name})")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"schemathesis NDJSON report {path.name}, line {number}"
            record = parse_tool_json(line, where, dict, "holding one event")
            if len(record) != 1:
                raise CheckError(f"{where}: not one event")
            yield next(iter(record.items()))


def _scenario_failures(recorder: Mapping[str, Any], phase: str) -> Iterator[Failure]:
    # A skipped scenario records no checks and no interactions: those keys are absent, not empty.
    interactions = recorder.get("interactions", {})
    for case_id, checks in recorder.get("checks", {}).items():
        for check in checks:
            if check["status"] != "failure":
                continue
            info = check["failure_info"]["failure"]
            interaction = interactions.get(case_id)
            response = interaction.get("response") if interaction else None
            status = response["status_code"] if response else None
            # The failure names the operation under test; an undeclared-method probe (TRACE on a GET
            # path) sent another method, which is what the JSON summary lists and what failed.
            declared = str(info["operation"])
            method = str(interaction["request"]["method"]) if interaction else declared.partition(" ")[0]
            started, finished = _timing(interaction)
            yield Failure(
                operation=f"{method} {declared.partition(' ')[2]}" if " " in declared else declared,
                check=str(check["name"]),
                code=str(info["code"]),
                title=str(info["title"]),
                message="; ".join(line for line in str(info["message"]).splitlines() if line.strip()),
                status=int(status) if status is not None else None,
                curl=curl_command(interaction["request"]) if interaction else "",
                case_id=str(case_id),
                declared=declared,
                phase=phase,
                started=started,
                finished=finished,
            )


def _exchanges(recorder: Mapping[str, Any]) -> Iterator[Exchange]:
    cases = recorder.get("cases", {})
    for case_id, interaction in recorder.get("interactions", {}).items():
        case = cases.get(case_id, {}).get("value", {})
        started, finished = _timing(interaction)
        response = interaction.get("response")
        # A stateful scenario's label is "Stateful tests"; each of its cases names its own operation.
        # Elsewhere the label is the operation (a probe case carries the probe's method instead).
        declared = str(recorder["label"])
        if declared == STATEFUL_LABEL and "method" in case:
            declared = f"{case['method']} {case['path']}"
        yield Exchange(
            declared=declared,
            method=str(interaction["request"]["method"]),
            status=int(response["status_code"]) if response else None,
            started=started or 0.0,
            finished=finished or 0.0,
        )


def _timing(interaction: Mapping[str, Any] | None) -> tuple[float | None, float | None]:
    """When the request went out and when its answer was in: schemathesis stamps an interaction when
    it records the response, and `elapsed` is how long the answer took (requests' Response.elapsed)."""
    if not interaction or "timestamp" not in interaction:
        return None, None
    finished = float(interaction["timestamp"])
    response = interaction.get("response")
    elapsed = float(response["elapsed"]) if response and response.get("elapsed") is not None else 0.0
    return finished - elapsed, finished


def curl_command(request: Mapping[str, Any]) -> str:
    """A curl line that repeats a recorded request (headers as schemathesis recorded them: sanitised)."""
    parts = ["curl", "-X", str(request["method"])]
    for name, values in request.get("headers", {}).items():
        for value in values if isinstance(values, list) else [values]:
            parts += ["-H", f"{name}: {value}"]
    body = request.get("body")
    if isinstance(body, dict) and "$base64" in body:
        try:
            raw = base64.b64decode(body["$base64"], validate=True)
            parts += ["--data-binary", raw.decode("utf-8")]
        except (binascii.Error, UnicodeDecodeError):
            parts += ["--data-binary", f"<{len(str(body['$base64']))} base64 characters of binary body>"]
    elif isinstance(body, str):
        parts += ["--data-binary", body]
    parts.append(str(request["uri"]))
    return shlex.join(parts)
