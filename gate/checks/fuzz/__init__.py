"""fuzz: schemathesis against the running service and its OpenAPI spec."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from pydantic import Field, field_validator

from gate import proc
from gate.checks.base import CheckContext
from gate.checks.fuzz import auth as fuzz_auth
from gate.checks.fuzz import scope as fuzz_scope
from gate.checks.fuzz.evidence import log_excerpt
from gate.checks.fuzz.probes import group_probes
from gate.checks.fuzz.reconcile import declared_operations, reconcile
from gate.checks.fuzz.report import EventLog, Failure, RunSummary, read_events, read_summary
from gate.checks.fuzz.traffic import Traffic, is_throttled, traffic
from gate.errors import CheckError
from gate.live import LiveService
from gate.live.credentials import describe_security
from gate.live.openapi import additional_operations
from gate.model import Finding, Observation, Severity
from gate.numbers import plural
from gate.redact_files import redact_files
from gate.sections import SectionModel

ID = "fuzz"
TITLE = "API fuzzing"
LIVE = True
TYPICAL_DURATION_S = 60.0  # the longest: submitted to the pool first
COUNTS_IN = (("test_cases", "test case"), ("operations", "operation"))
TOOL_URIS = {"schemathesis": "https://schemathesis.readthedocs.io/"}

# Severity per schemathesis check, on gate's scale. A crash or ignored authentication is high; the
# API not doing what its document says is medium; answering an undocumented method wrongly is low.
# The policy decides what fails (the default fails on any of them).
SEVERITIES: Mapping[str, Severity] = {
    "not_a_server_error": Severity.HIGH,
    "ignored_auth": Severity.HIGH,
    "status_code_conformance": Severity.MEDIUM,
    "content_type_conformance": Severity.MEDIUM,
    "response_headers_conformance": Severity.MEDIUM,
    "response_schema_conformance": Severity.MEDIUM,
    "negative_data_rejection": Severity.MEDIUM,
    "positive_data_acceptance": Severity.MEDIUM,
    "missing_required_header": Severity.MEDIUM,
    "use_after_free": Severity.MEDIUM,
    "ensure_resource_availability": Severity.MEDIUM,
    "unsupported_method": Severity.LOW,
    "allow_header_conformance": Severity.LOW,
    "object_level_authorization": Severity.HIGH,
}
# See policies/default.toml [checks.fuzz] for why each is in (or out of) the default list.
DEFAULT_CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
]
PHASES = ("examples", "coverage", "fuzzing", "stateful")
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


class Settings(SectionModel):
    checks: list[str] = Field(default_factory=lambda: list(DEFAULT_CHECKS), min_length=1)
    phases: list[str] = Field(default_factory=lambda: list(PHASES), min_length=1)
    seed: int = 20261124
    max_examples: int = Field(default=50, ge=1)  # per operation and phase
    # schemathesis's --max-time makes it repeat fuzzing until the time is spent: deeper, but how many
    # cases run then depends on the machine, so the run is no longer reproducible. Off unless set.
    max_time_s: int | None = Field(default=None, ge=1)
    # gate's time budget: when it is spent schemathesis is interrupted, keeps what it found and the
    # report says which phases the budget cut. 0 turns it off; at or above timeout_s it never applies.
    budget_s: float = Field(default=150.0, ge=0)
    # "auto": wait out a 429 as its Retry-After says; "<n>/<s|m|h>": pace requests; "off": neither.
    rate_limit: str = Field(default="auto", pattern=r"^(auto|off|[1-9][0-9]*/[smh])$")
    request_timeout_s: float = Field(default=10.0, gt=0)
    workers: int = Field(default=1, ge=1, le=2)  # >1 interleaves requests: not reproducible
    timeout_s: float = Field(default=600.0, gt=0)  # hard cap on the whole run: beyond it, ERROR
    # Operations never called, in any phase or probe: "METHOD /path" globs (see checks/fuzz_scope.py).
    exclude: list[str] = Field(default_factory=list)
    exclude_logout: bool = True  # also leave out operations that look like a logout, each reported
    max_token_renewals: int = Field(default=20, ge=0)  # re-runs of the token commands after a 401

    @field_validator("exclude")
    @classmethod
    def _exclude_patterns(cls, value: list[str]) -> list[str]:
        problems = [p for p in map(fuzz_scope.pattern_problem, value) if p]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(SEVERITIES))
        if unknown:
            raise ValueError(f"unknown schemathesis checks {unknown}; known: {', '.join(SEVERITIES)}")
        return value

    @field_validator("phases")
    @classmethod
    def _known_phases(cls, value: list[str]) -> list[str]:
        if set(value) - set(PHASES):
            raise ValueError(f"phases must be among: {', '.join(PHASES)}")
        return value


def run(ctx: CheckContext, settings: Settings) -> Observation:
    """Fuzz every operation of the spec; each distinct failed check is a finding."""
    live = ctx.service
    json_path = ctx.artifact("schemathesis-report.json")
    ndjson_path = ctx.artifact("schemathesis-events.ndjson")
    junit_path = ctx.artifact("schemathesis-junit.xml")
    config_path = ctx.artifact("schemathesis.toml")
    for stale in (json_path, ndjson_path, junit_path):
        stale.unlink(missing_ok=True)  # never read an earlier run's report as this one's
    exclusions = fuzz_scope.excluded(live.spec, settings.exclude, settings.exclude_logout)
    auth = fuzz_auth.plan(live, exclusions)
    stats_path = ctx.artifact("auth-hooks.json")
    stats_path.unlink(missing_ok=True)
    header_env = write_config(
        config_path,
        fuzz_auth.config_headers(live),
        fuzz_auth.sanitized_names(auth),
        fuzz_scope.schemathesis_toml(live.spec, exclusions),
    )
    base_url = live.api_url
    argv = [
        *proc.tool_argv("schemathesis"),
        "--config-file",
        str(config_path),
        "--no-color",
        "run",
        str(live.spec_file),
        "--url",
        base_url,
        *_options(settings),
        "--report",
        "json,ndjson,junit",
        "--report-json-path",
        str(json_path),
        "--report-ndjson-path",
        str(ndjson_path),
        "--report-junit-path",
        str(junit_path),
    ]
    # HTTP(S)_PROXY must not send requests for 127.0.0.1 through a proxy.
    env = {k: v for k, v in proc.python_env(header_env).items() if k not in PROXY_VARS}
    artifacts = tuple(ctx.relative(p) for p in (json_path, ndjson_path, junit_path, config_path))
    if auth.active:
        artifacts += (ctx.relative(stats_path),)
    # A scratch working directory: schemathesis and hypothesis keep state (.schemathesis, .hypothesis)
    # in the current directory, and a stale one must not change this run. The renewed secrets go there
    # too: outside --out, whose artifacts are uploaded, should gate be killed before it deletes them.
    with tempfile.TemporaryDirectory(prefix="gate-fuzz-") as scratch:
        renewed_path = Path(scratch) / "renewed-secrets"
        env.update(
            fuzz_auth.hook_env(auth, live, ctx.target, stats_path, settings.max_token_renewals, env, renewed_path)
        )
        try:
            # Exit codes: 0 nothing found, 1 failures or errors (the report tells which), 2 bad usage.
            # Every exit code is taken, so that a crash's output is saved before it is judged. 130 is also
            # gate's own time budget (proc.run sends SIGINT); Ctrl-C stops gate itself.
            done = proc.run(
                argv,
                cwd=Path(scratch),
                env=env,
                timeout=settings.timeout_s,
                ok_codes=range(-255, 256),
                label="schemathesis",
                interrupt_after=settings.budget_s or None,
            )
        finally:
            # Also when schemathesis timed out: the service's log and the partial reports may hold a
            # renewed token, which the masking of every artifact (open_service, at the end) must know.
            renewed = fuzz_auth.read_renewed(renewed_path)
            if live.learn_secrets is not None:
                live.learn_secrets(renewed)
    output = ctx.artifact("schemathesis-output.txt")
    output.write_text(done.stdout + done.stderr, encoding="utf-8")
    # Masked now, not only when the service stops (open_service masks every artifact again, for the
    # secrets learnt later): gate reads these reports back and cuts long messages (error[:500]), and
    # half a secret cut that way would escape the report's masking.
    redact_files([json_path, ndjson_path, junit_path, output], (*live.secrets, *renewed))
    artifacts = (*artifacts, ctx.relative(output))
    _check_not_crashed(done, output.read_text(encoding="utf-8", errors="replace"), ctx.relative(output), artifacts)
    stats = fuzz_auth.read_stats(stats_path, auth, json_path)
    auth_metrics, auth_details, auth_notes = fuzz_auth.observed(
        exclusions, fuzz_scope.unmatched(live.spec, settings.exclude), auth, stats
    )
    summary = read_summary(json_path)
    events = read_events(ndjson_path)
    declared = declared_operations(live.spec)
    reconciled = reconcile(summary, events.failures, declared)
    flow = traffic(events.exchanges, reconciled.failures, summary.missing_auth)
    failures = [f for f in reconciled.failures if not is_throttled(f)]
    refused = {op: describe_security(live.spec, op) or "no security scheme" for op in flow.refused}
    notes = [
        f"{op}: every request was refused (401/403); the spec documents {schemes} for it"
        for op, schemes in refused.items()
    ]
    notes += [
        f"{op}: not fuzzed: schemathesis does not read OpenAPI 3.2 additionalOperations"
        for op in additional_operations(live.spec)
    ]
    if flow.throttled:
        notes.append(
            f"{plural(flow.throttled, 'request')} {'was' if flow.throttled == 1 else 'were'} throttled (429) "
            f"by {', '.join(flow.throttled_operations)}: "
            "not counted as failures; set [fuzz] rate_limit to pace them"
        )
    # Built before the run is judged trustworthy: an ERROR still carries every failure schemathesis found.
    findings = group_probes([_finding(f, log_excerpt(f, events.exchanges, live.log_lines)) for f in failures], declared)
    measured = Observation(
        metrics={
            "operations": summary.operations_tested,
            "test_cases": summary.test_cases,
            "failures": len(failures),
            "seed": summary.seed,
            "operations_refused": len(refused),
            "throttled": flow.throttled,
            "budget_cut": int(done.interrupted),
            **auth_metrics,
        },
        findings=tuple(sorted(findings, key=lambda f: (-f.severity, f.operation or "", f.rule, f.extra["status"]))),
        tools={"schemathesis": summary.version},
        artifacts=artifacts,
        details={
            "base_url": base_url,
            "phases": dict(summary.phases),
            "stop_reason": summary.stop_reason,
            "operations_selected": summary.operations_selected,
            "checks": list(settings.checks),
            "max_examples": settings.max_examples,
            "refused": refused,
            "source_file": _source_file(live, ctx.target),
            "notes": [*reconciled.notes, *auth_notes, *notes],
            **auth_details,
        },
    )
    try:
        trust_notes = _check_trustworthy(summary, events, failures, flow, live, done, artifacts)
    except CheckError as exc:
        raise CheckError(str(exc), exc.log_tail, exc.artifacts, measured) from None
    return replace(
        measured, details={**measured.details, "notes": [*reconciled.notes, *auth_notes, *trust_notes, *notes]}
    )


def _source_file(live: LiveService, target: Path) -> str:
    """The repository file code scanning shows a finding on (a finding names an operation, not a file):
    the spec when it is a file of the target, else the target's gate configuration."""
    if live.spec_source:
        return Path(live.spec_source).as_posix()
    return "gate.toml" if (target / "gate.toml").is_file() else "pyproject.toml"


def _options(settings: Settings) -> list[str]:
    options = [
        "--checks",
        ",".join(settings.checks),
        "--phases",
        ",".join(settings.phases),
        "--seed",
        str(settings.seed),
        "--max-examples",
        str(settings.max_examples),
        "--workers",
        str(settings.workers),
        "--request-timeout",
        f"{settings.request_timeout_s:g}",
        # Find every distinct failure of an operation, not only the first one.
        "--continue-on-failure",
        # No example database: a run must not replay what an earlier run found (reproducible).
        "--generation-database",
        "none",
    ]
    if settings.max_time_s is not None:
        options += ["--max-time", str(settings.max_time_s)]
    if settings.rate_limit != "off":
        options += ["--rate-limit", settings.rate_limit]
    return options


def write_config(
    path: Path, headers: Mapping[str, str], sanitize_also: list[str] | None = None, extra: str = ""
) -> dict[str, str]:
    """Write schemathesis.toml; header values stay out of it (read from the environment it returns).
    `sanitize_also`: more names to mask in reports; `extra`: TOML appended (operation tables)."""
    env = {f"GATE_FUZZ_HEADER_{i}": value for i, value in enumerate(headers.values())}
    # "$${" is schemathesis's escape for a literal "${"; json.dumps gives a valid TOML basic string.
    pairs = ", ".join(
        f'{json.dumps(name.replace("${", "$${"))} = "${{GATE_FUZZ_HEADER_{i}}}"' for i, name in enumerate(headers)
    )
    sanitize = sorted(
        {
            "authorization",
            "proxy-authorization",
            "cookie",
            "set-cookie",
            "x-api-key",
            "api-key",
            "api_key",
            *(name.lower() for name in headers),
            *(sanitize_also or []),
        }
    )
    path.write_text(
        "# Written by gate for one run. Header values come from the environment, never from this file.\n"
        f"headers = {{ {pairs} }}\n\n"
        "# No state shared between runs: results depend only on the seed, the spec and the service.\n"
        "[cache]\nenabled = false\n\n"
        "# gate's auth headers are masked in every report schemathesis writes.\n"
        f"[output.sanitization]\nkeys-to-sanitize = {json.dumps(sanitize)}\n" + (f"\n{extra}" if extra else ""),
        encoding="utf-8",
    )
    return env


# The titles schemathesis prints for an error that ended the run inside schemathesis itself; the
# console then ends with a "please report" footer, and the error is above it.
_CRASH_TITLES = ("Test Execution Error", "Internal Error", "Traceback (most recent call last)")
_FOOTER = re.compile(r"please consider reporting|we apologize|^\s*tip:", re.IGNORECASE)
_EXCEPTION_LINE = re.compile(r"^\s*(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt)\b.*")


def _check_not_crashed(done: proc.Completed, output: str, output_name: str, artifacts: tuple[str, ...]) -> None:
    """Raise CheckError naming schemathesis's own error when it crashed or exited unexpectedly."""
    crashed = any(title in output for title in _CRASH_TITLES)
    expected = done.returncode in (0, 1) or (done.returncode == 130 and done.interrupted)
    if expected and not crashed:
        return
    lines = output.splitlines()
    start = min((i for i, line in enumerate(lines) if any(t in line for t in _CRASH_TITLES)), default=0)
    end = next((i for i in range(start, len(lines)) if _FOOTER.search(lines[i])), len(lines))
    excerpt = [line for line in lines[start:end] if line.strip()][-proc.TAIL_LINES :]
    errors = [line.strip() for line in excerpt if _EXCEPTION_LINE.match(line)]
    error = errors[-1] if errors else (excerpt[-1].strip() if excerpt else "no output")
    ended = proc.describe_exit(done.returncode)
    how = f"crashed ({ended})" if crashed else ended
    raise CheckError(
        f"schemathesis {how}: {error[:500]}; its whole output is in {output_name}", "\n".join(excerpt), artifacts
    )


def _check_trustworthy(
    summary: RunSummary,
    events: EventLog,
    failures: list[Failure],
    flow: Traffic,
    live: LiveService,
    done: proc.Completed,
    artifacts: tuple[str, ...],
) -> list[str]:
    """Raise CheckError unless the run tested the API; return notes on what looked odd but lost nothing."""

    def fail(message: str) -> None:
        raise CheckError(message, done.tail(), artifacts)

    if summary.errors or events.errors:
        detail = "; ".join(events.errors[:3]) or ", ".join(summary.errors)
        kinds = ", ".join(summary.errors) or "errors"
        fail(f"schemathesis could not test the API ({kinds}): {detail[:1500]}")
    if summary.operations_tested == 0 or summary.test_cases == 0:
        fail("schemathesis tested no operation of the spec" + (" within the time budget" if done.interrupted else ""))
    if not flow.tested and flow.only_throttled:
        fail(f"every request was throttled (429) by {', '.join(flow.only_throttled)}: set [fuzz] rate_limit")
    # Refusals of some operations are reported per operation; refusals of all of them (or of every
    # operation the spec secures) mean gate's credentials did not work, and nothing was really tested.
    documented = {op: describe_security(live.spec, op) or "no credentials" for op in flow.tested}
    secured = [op for op, what in documented.items() if "no credentials" not in what] or list(flow.tested)
    if flow.refused and set(secured) <= set(flow.refused):
        fail(
            "every request was refused as unauthenticated (401/403) for "
            f"{', '.join(flow.refused)}: configure [service] credentials, auth or headers"
        )
    notes = []
    if summary.stop_reason == "interrupted" and done.interrupted:
        cut = [name for name, status in summary.phases.items() if status in ("interrupted", "skip")]
        notes.append(
            f"the time budget ({done.duration_s:.0f} s, [fuzz] budget_s) cut the run: phases "
            f"{', '.join(cut) or 'none'} did not finish; the findings so far are kept, and a cut run "
            "depends on the machine's speed"
        )
    elif not summary.complete or summary.stop_reason not in ("completed", "max_time"):
        fail(f"schemathesis stopped early ({summary.stop_reason})")
    elif summary.exit_code != done.returncode:
        notes.append(f"schemathesis exited with {done.returncode} but its report says {summary.exit_code}")
    if done.returncode == 1 and not failures and not events.failures and not summary.failures:
        fail("schemathesis exited with 1 (failures found) but neither of its reports holds a failure")
    if done.returncode == 0 and failures:
        notes.append("schemathesis exited with 0 (nothing found) but its reports hold failures: kept as findings")
    return notes


def _finding(failure: Failure, log: str) -> Finding:
    message = f"{failure.title}: {failure.message}" if failure.message else failure.title
    return Finding(
        check=ID,
        tool="schemathesis",
        rule=failure.check,
        severity=SEVERITIES.get(failure.check, Severity.MEDIUM),
        message=message,
        operation=failure.operation,
        extra={
            "check": failure.check,
            "code": failure.code,
            "status": str(failure.status) if failure.status is not None else "",
            "curl": failure.curl,
            "case_id": failure.case_id,
            "phase": failure.phase,
        },
        log_excerpt=log or None,
    )
