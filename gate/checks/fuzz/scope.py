"""Which operations the fuzzer must not call: `[fuzz] exclude` globs, and logouts by default.

A fuzzer that calls `DELETE /api/tokens` or `POST /auth/logout/` with gate's token revokes it, and
every later request is refused. Excluded operations are never sent in any phase (schemathesis's
`[[operations]] enabled = false` also keeps them out of its unsupported-method probe), and the other
operations on the same path get no unsupported-method probe either: a logout view that ignores the
method (Django function views often do) would revoke the token on `TRACE` as well.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from gate.live.credentials import operations
from gate.live.openapi import api_base_url

PATTERN = re.compile(r"^(\*|[A-Za-z*?\[\]]+) (/\S*|\*\S*)$")
# A logout, by its path: a literal segment naming it (logout, log-out, signout, revoke, ...).
_LOGOUT_SEGMENT = re.compile(r"(?i)^(log-?out|sign-?out|revoke)([-_.].*)?$")
# ... or a DELETE whose last literal segment is the token or session itself (DELETE /api/tokens).
_SESSION_SEGMENT = re.compile(r"(?i)^(tokens?|sessions?|auth|login)$")


@dataclass(frozen=True)
class Exclusion:
    """One operation left out of fuzzing, and why."""

    label: str  # "DELETE /tokens", as schemathesis and gate's reports name it
    reason: str


def pattern_problem(pattern: str) -> str | None:
    """Why an `exclude` entry is not a 'METHOD /path' glob, or None."""
    if PATTERN.match(pattern.strip()) is None:
        return f"{pattern!r}: expected 'METHOD /path' with globs, e.g. 'DELETE /api/tokens' or '* /auth/logout*'"
    return None


def excluded(spec: Mapping[str, Any], patterns: Sequence[str], exclude_logout: bool) -> list[Exclusion]:
    """Every operation of the spec that a pattern or (if asked) the logout rule excludes.

    A pattern's path is matched against the spec's path and against it with the relative server
    prefix ('/api' + '/tokens'), so the path as the service serves it works too."""
    prefix = api_base_url("", spec)
    found = []
    for method, path, _ in operations(spec):
        label = f"{method} {path}"
        matched = next((p for p in patterns if _matches(p, method, path, prefix)), None)
        if matched is not None:
            found.append(Exclusion(label, f"matches [fuzz] exclude {matched!r}"))
        elif exclude_logout and (why := _logout(method, path)):
            found.append(Exclusion(label, f"looks like a logout ({why}); [fuzz] exclude_logout = false fuzzes it"))
    return found


def unmatched(spec: Mapping[str, Any], patterns: Sequence[str]) -> list[str]:
    """Patterns that match no operation (likely a typo or a path written without its server prefix)."""
    prefix = api_base_url("", spec)
    ops = [(m, p) for m, p, _ in operations(spec)]
    return [pattern for pattern in patterns if not any(_matches(pattern, m, p, prefix) for m, p in ops)]


def _matches(pattern: str, method: str, path: str, prefix: str) -> bool:
    want_method, _, want_path = pattern.strip().partition(" ")
    return fnmatchcase(method, want_method.upper()) and (
        fnmatchcase(path, want_path) or fnmatchcase(prefix + path, want_path)
    )


def _logout(method: str, path: str) -> str | None:
    literal = [s for s in path.split("/") if s and not s.startswith("{")]
    if any(_LOGOUT_SEGMENT.match(segment) for segment in literal):
        return "its path names a logout or revocation"
    if method == "DELETE" and literal and _SESSION_SEGMENT.match(literal[-1]):
        return "DELETE on the token or session resource"
    return None


def schemathesis_toml(spec: Mapping[str, Any], exclusions: Sequence[Exclusion]) -> str:
    """[[operations]] tables: excluded operations off; no unsupported-method probe on their paths."""
    if not exclusions:
        return ""
    labels = {e.label for e in exclusions}
    paths = {label.split(" ", 1)[1] for label in labels}
    lines = ["# Operations gate must not call (see [fuzz] exclude in gate's report).\n"]
    for label in sorted(labels):
        lines.append(f"[[operations]]\ninclude-name = {json.dumps(label)}\nenabled = false\n")
    for method, path, _ in operations(spec):
        if path in paths and f"{method} {path}" not in labels:
            lines.append(
                f"[[operations]]\ninclude-name = {json.dumps(f'{method} {path}')}\n"
                "phases.coverage.unexpected-methods = []\n"
            )
    return "\n".join(lines)
