"""gate's generated scenario, from spec to scenario.json: select, fill, credentials, probe.

Every GET operation of the spec is a candidate. In order: operations that look unsafe or that the
target's [load] include/exclude leave out are excluded (load_select); operations gate cannot fill
with valid values are skipped (load_scenario); each remaining one is sent the credentials its
`security` names (load_credentials; [service.credentials] in headers, cookies or the query) and
probed once (load_probe). What is left is the scenario.
Nothing left is an ERROR naming why each operation was left out.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from gate.checks.base import CheckContext
from gate.checks.load import credentials as load_credentials
from gate.checks.load import probe as load_probe
from gate.checks.load import scenario as load_scenario
from gate.checks.load import select as load_select
from gate.checks.load.scenario import Call
from gate.checks.load.settings import Settings
from gate.errors import CheckError
from gate.live import LiveService, credentials, openapi
from gate.model import Finding, Severity

LOCUSTFILE = Path(__file__).parent / "locust_side" / "gate_load_scenario.py"


@dataclass(frozen=True)
class Scenario:
    """The generated scenario's files, what it left out and why, and the probes' findings."""

    locustfile: Path
    scenario_file: Path
    details: dict[str, Any]
    findings: tuple[Finding, ...]
    credentials: CallCredentials = field(default_factory=lambda: CallCredentials(), repr=False)


def plan(spec: Any, settings: Settings, header_names: list[str]) -> tuple[list[Call], dict[str, list[Any]]]:
    """The calls worth probing, and the operations excluded or skipped with their reasons."""
    calls: list[Call] = []
    excluded: list[load_select.Excluded] = []
    skipped: list[load_scenario.Skipped] = []
    for operation in openapi.operations(spec):
        if operation.method != "GET":
            continue
        why = load_select.select(operation, settings.include, settings.exclude)
        if why is not None:
            excluded.append(why)
            continue
        try:
            call = load_scenario.call_for(spec, operation)
        except load_scenario.CannotFill as exc:
            skipped.append(load_scenario.Skipped(operation.label, str(exc)))
            continue
        calls.append(
            replace(
                call,
                weight=load_select.weight(operation.label, settings.weights),
                service_headers=load_credentials.header_names(spec, operation, header_names),
            )
        )
    return calls, {
        "excluded_operations": [asdict(e) for e in excluded],
        "skipped_operations": [asdict(s) for s in skipped],
    }


def generate(ctx: CheckContext, service: LiveService, settings: Settings) -> Scenario:
    """Plan and probe the scenario and write its files; raise CheckError when nothing is left."""
    calls, left = plan(service.spec, settings, list(service.headers))
    calls, placed = _with_scheme_credentials(service, calls)

    def headers_of(call: Call) -> dict[str, str]:
        return {n: service.headers[n] for n in call.service_headers} | placed.headers.get(call.label, {}) | call.headers

    probed = load_probe.probe(
        service.api_url,
        calls,
        headers_of,
        settings.request_timeout_s,
        settings.probe_budget_s,
        lambda call: placed.query.get(call.label, {}),
    )
    not_tested = [asdict(o) for o in probed.left_out]
    details: dict[str, Any] = {**left, "not_load_tested": not_tested, "load_tested": [c.label for c in probed.calls]}
    if not probed.calls:
        reasons = [f"{row['operation']}: {row['reason']}" for group in (*left.values(), not_tested) for row in group]
        raise CheckError(
            "no operation could be load-tested: "
            + ("; ".join(reasons) or "the spec has no GET operation")
            + ". Add examples to the spec, adjust [load] include/exclude, or set [load] locustfile."
        )
    scenario_file = ctx.artifact("scenario.json")
    scenario = {
        "calls": [asdict(c) for c in probed.calls],
        "users": settings.users,
        "rps": settings.rps,
        # Pauses spread around the mean so users do not fire in lockstep.
        "wait_min_s": settings.think_time_s * 0.5,
        "wait_max_s": settings.think_time_s * 1.5,
        "request_timeout_s": settings.request_timeout_s,
    }
    scenario_file.write_text(json.dumps(scenario, indent=2), encoding="utf-8")
    locustfile = ctx.artifact("locustfile.py")
    shutil.copyfile(LOCUSTFILE, locustfile)
    return Scenario(
        locustfile, scenario_file, details, tuple(probed.findings) + _left_out_findings(left, probed), placed
    )


@dataclass(frozen=True)
class CallCredentials:
    """Per operation ('METHOD /template'), the [service.credentials] it is sent: secrets, so they go to
    locust through the environment only (scenario.json names the [service] headers, never a value)."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # headers and the Cookie header
    query: dict[str, dict[str, str]] = field(default_factory=dict)  # query-located API keys


def _with_scheme_credentials(service: LiveService, calls: list[Call]) -> tuple[list[Call], CallCredentials]:
    """Where [service.credentials] holds what an operation's `security` names (gate.live.credentials, shared
    with the fuzz check), the operation is sent those, where its schemes say (header, cookie, query),
    instead of the [service] headers of any scheme."""
    found = CallCredentials()
    if not service.credentials:
        return calls, found
    scheme_headers = set(load_credentials.scheme_headers(service.spec).values())
    plain = [h for h in service.headers if h.lower() not in scheme_headers]
    placed_calls = []
    for call in calls:
        try:
            placement = credentials.placement(service.spec, call.method, call.name, service.credentials)
        except KeyError:
            placement = None
        if placement is None:
            placed_calls.append(call)
            continue
        headers = dict(placement.headers)
        if placement.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in placement.cookies.items())
        found.headers[call.label] = headers
        if placement.query:
            found.query[call.label] = dict(placement.query)
            _learn_encoded(service, placement.query.values())
        placed_calls.append(replace(call, service_headers=plain))
    return placed_calls, found


def _learn_encoded(service: LiveService, values: Iterable[str]) -> None:
    """A key in a URL is percent-encoded: that form is masked in every artifact too (service logs)."""
    encoded = [form for value in values for form in (quote_plus(value), quote(value, safe="")) if form != value]
    if encoded and service.learn_secrets is not None:
        service.learn_secrets(encoded)


def _left_out_findings(left: dict[str, list[Any]], probed: load_probe.Probed) -> tuple[Finding, ...]:
    """Info findings, so every report says what the figures do not cover (the policy does not count them)."""
    findings = [
        Finding(
            "load",
            "gate",
            "load.excluded-unsafe",
            Severity.INFO,
            f"{row['operation']} was not load-tested: it {row['reason']}",
            operation=row["operation"],
        )
        for row in left["excluded_operations"]
        if row["reason"].startswith("looks unsafe")
    ]
    findings += [
        Finding(
            "load",
            "gate",
            "load.not-load-tested",
            Severity.INFO,
            f"{o.operation} was not load-tested: {o.reason}" + (f": {o.body}" if o.body else ""),
            extra={"status": str(o.status or "")},
            operation=o.operation,
        )
        for o in probed.left_out
        if o.status is None or o.status < 500
    ]
    return tuple(findings)
