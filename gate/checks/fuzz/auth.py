"""The fuzz check's credentials and exclusions: what gate hands schemathesis, and what it reads back.

Credentials go through schemathesis's own extension point, an auth provider in a hooks module
(gate/checks/fuzz/auth_hooks.py, loaded via SCHEMATHESIS_HOOKS), because one header for every
request cannot serve a spec with several schemes (Basic on the token endpoint, a bearer token or API
key elsewhere) and a static header cannot be renewed. Secrets travel in the environment only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.checks.fuzz.scope import Exclusion
from gate.errors import CheckError
from gate.live import LiveService
from gate.live.credentials import Credential, operations, placement
from gate.numbers import plural

HOOKS_FILE = Path(__file__).with_name("auth_hooks.py")


@dataclass(frozen=True)
class AuthPlan:
    """Which credentials each operation gets (ids into `credentials`), and the hook's environment."""

    credentials: Mapping[str, Credential]
    operations: Mapping[str, tuple[str, ...]]  # label -> credential ids; () = sent without credentials
    uncovered: tuple[str, ...]  # operations whose security gate holds no credential for

    @property
    def active(self) -> bool:
        return any(self.operations.values())


def plan(live: LiveService, exclusions: list[Exclusion]) -> AuthPlan:
    """Per operation: the credentials its security asks for ([service.credentials]); operations those
    don't cover get the [service].auth header, as every operation did before per-scheme credentials."""
    credentials: dict[str, Credential] = dict(live.credentials)
    if live.auth is not None:
        credentials["auth"] = live.auth
    skipped = {e.label for e in exclusions}
    chosen: dict[str, tuple[str, ...]] = {}
    uncovered = []
    for method, path, _ in operations(live.spec):
        label = f"{method} {path}"
        if label in skipped:
            continue
        placed = placement(live.spec, method, path, live.credentials)
        if placed is not None and placed.schemes:
            chosen[label] = placed.schemes
        elif live.auth is not None:
            chosen[label] = ("auth",)
        else:
            chosen[label] = ()
            # Only per-scheme credentials say what gate holds; a static header might cover it.
            if placed is None and live.credentials:
                uncovered.append(label)
    return AuthPlan(credentials, chosen, tuple(uncovered))


def hook_env(
    auth: AuthPlan,
    live: LiveService,
    cwd: Path,
    stats_path: Path,
    max_renewals: int,
    base_env: Mapping[str, str],
    renewed_path: Path,
) -> dict[str, str]:
    """Environment for schemathesis (which runs with `base_env`) that loads gate's auth hooks; empty
    when no operation needs them. The hooks append renewed secrets to `renewed_path` (see read_renewed)."""
    if not auth.active:
        return {}
    # The commands' environment as changes to schemathesis's own: the whole of it in one variable
    # could pass Linux's 128 KiB limit on a single environment string (exec fails with E2BIG).
    changes = {k: v for k, v in live.command_env.items() if base_env.get(k) != v}
    removed = sorted(set(base_env) - set(live.command_env))
    config = {
        "credentials": {
            cid: {
                "location": c.location,
                "param": c.param,
                "template": c.template,
                "secret": c.secret,
                "command": c.command,
                "timeout_s": c.timeout_s,
            }
            for cid, c in auth.credentials.items()
        },
        "operations": {label: list(ids) for label, ids in auth.operations.items()},
        "max_renewals": max_renewals,
        "env_changes": changes,
        "env_removed": removed,
        "cwd": str(cwd),
        "stats": str(stats_path),
        "renewed": str(renewed_path),
    }
    return {
        "SCHEMATHESIS_HOOKS": str(HOOKS_FILE),
        "GATE_FUZZ_AUTH": json.dumps(config),
        "GATE_FUZZ_AUTH_STATS": str(stats_path),
    }


def read_renewed(renewed_path: Path) -> list[str]:
    """The secrets the hooks renewed (tokens and the header values made from them), and the file gone:
    gate never saw them, yet a service may echo them into a response body, its log or an artifact."""
    try:
        lines = renewed_path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    finally:
        renewed_path.unlink(missing_ok=True)
    values = []
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            value = line  # a line cut short (schemathesis killed mid-write): mask what is there
        values.append(str(value))
    return values


def config_headers(live: LiveService) -> dict[str, str]:
    """The headers every request carries: [service].headers, without the auth header the hooks send."""
    return {k: v for k, v in live.headers.items() if live.auth is None or k != live.auth.param}


def sanitized_names(auth: AuthPlan) -> list[str]:
    """Header, query and cookie names that carry gate's credentials, for schemathesis to mask."""
    return sorted({c.param.lower() for c in auth.credentials.values()})


def read_stats(stats_path: Path, auth: AuthPlan, report_json: Path) -> dict[str, Any]:
    """What the hooks did: renewals and failures (their file), schemathesis's re-authentication count
    (its JSON report). CheckError when the hooks were needed but never loaded: no credentials were sent."""
    if not auth.active:
        return {}
    try:
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise CheckError(
            "schemathesis did not load gate's auth hooks, so no credentials were sent "
            f"({stats_path.name} missing or unreadable)"
        ) from None
    try:
        reauth = json.loads(report_json.read_text(encoding="utf-8")).get("auth") or {}
    except (OSError, ValueError):
        reauth = {}  # the report's own problems are the summary reader's to raise
    return {
        **stats,
        "reauth_count": int(reauth.get("reauth_count", 0)),
        "reauth_broke": bool(reauth.get("reauth_broke", False)),
    }


def observed(
    exclusions: list[Exclusion], unmatched: list[str], auth: AuthPlan, stats: Mapping[str, Any]
) -> tuple[dict[str, float], dict[str, Any], list[str]]:
    """Metrics, details and notes for the Observation: what was excluded and why, how often a token
    was renewed."""
    metrics: dict[str, float] = {"operations_excluded": len(exclusions)}
    details: dict[str, Any] = {
        "excluded": [{"operation": e.label, "reason": e.reason} for e in exclusions],
        "credentials": {label: list(ids) for label, ids in auth.operations.items()},
    }
    notes = [f"{e.label} was not fuzzed: {e.reason}" for e in exclusions]
    notes += [f"[fuzz] exclude {pattern!r} matched no operation of the spec" for pattern in unmatched]
    if unmatched:
        details["exclude_unmatched"] = unmatched
    if auth.uncovered:
        details["operations_without_credentials"] = list(auth.uncovered)
        notes.append(f"gate holds no credentials the spec accepts for {', '.join(auth.uncovered)}")
    if auth.active:
        metrics["token_renewals"] = int(stats.get("renewals", 0))
        # refusals: requests refused with 401 and replayed with renewed (or newer) credentials.
        details["renewal"] = {
            k: stats.get(k)
            for k in (
                "refusals",
                "renewals",
                "renewal_failures",
                "renewal_limit_reached",
                "renewal_errors",
                "reauth_count",
                "reauth_broke",
            )
        }
        if stats.get("renewals") or stats.get("renewal_failures"):
            notes.append(
                f"the token was renewed {_times(stats.get('renewals'))} after the service refused it "
                f"({plural(_count(stats.get('renewal_failures')), 'renewal')} failed)"
            )
        if stats.get("renewal_limit_reached"):
            notes.append("[fuzz] max_token_renewals was reached: later refusals were not renewed")
    return metrics, details, notes


def _count(value: object) -> int:
    """A count from the hooks' stats file (written by gate's own hooks: an int, or absent)."""
    return value if isinstance(value, int) else 0


def _times(value: object) -> str:
    count = _count(value)
    return "once" if count == 1 else f"{count} times"
