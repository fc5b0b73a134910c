"""Tokens the fuzz hooks renew inside schemathesis are masked like the ones gate fetched itself.

The notes API fixture echoes the Authorization header into its log and its response bodies
(FIXTURE_ECHO_AUTH); logout is fuzzed, so gate's token is revoked and renewed during the run. Every
token the login command handed out (FIXTURE_TOKEN_LOG) must be absent from every file under --out,
in plain, URL-encoded or base64 form (schemathesis keeps response bodies base64-encoded).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from gate.checks.fuzz.auth import read_renewed
from gate.checks.fuzz.auth_hooks import _Renewer
from tests.conftest import check_of
from tests.support.auth_api import auth_api_target
from tests.support.service import marker

__all__ = ["marker"]  # the fixture, imported for pytest

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]
SERVICE = (
    'auth = { command = "python login.py" }\n\n[service.credentials.basicAuth]\n'
    'user = "admin"\npassword = "admin-pw"\n\n[service.credentials.apiKeyHeader]\n'
    'key = "fixture-service-key"\n\n[service.credentials.apiKeyQuery]\nkey = "fixture-service-key"\n'
)


def _forms(secret: str) -> set[bytes]:
    raw = secret.encode()
    found = {raw}
    for start in range(3):
        piece = raw[start : start + (len(raw) - start) // 3 * 3]
        found |= {base64.b64encode(piece).rstrip(b"="), base64.urlsafe_b64encode(piece).rstrip(b"=")}
    return found


def _decoded(data: bytes) -> bytes:
    """Every base64 string in the file, decoded (a body echoing a token, as schemathesis stores it)."""
    values = []
    for text in re.findall(rb'"([A-Za-z0-9+/]{8,}={0,2})"', data):
        try:
            values.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            continue
    return b"\n".join(values)


def test_renewed_tokens_are_masked_under_out(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    token_log = tmp_path / "tokens.txt"  # outside --out
    env = {
        "FIXTURE_USER": "admin",
        "FIXTURE_PASSWORD": "admin-pw",
        "FIXTURE_ECHO_AUTH": "1",
        "FIXTURE_TOKEN_LOG": str(token_log),
    }
    target = auth_api_target(
        tmp_path / "t",
        marker,
        bugs=False,
        service=SERVICE,
        env=env,
        fuzz="max_examples = 3\nexclude_logout = false\nmax_token_renewals = 200",
    )
    result, report = run_gate(target, "--only", "fuzz")
    assert report is not None, result.output
    fuzz = check_of(report, "fuzz")
    tokens = token_log.read_text(encoding="utf-8").split()
    assert fuzz["metrics"]["token_renewals"] >= 1 and len(tokens) >= 2, (fuzz["details"].get("renewal"), tokens)
    out = tmp_path / "out"
    log = (out / "artifacts" / "service" / "service.log").read_text(encoding="utf-8")
    assert log.count("Authorization=[REDACTED]") >= 2, "the fixture did not echo gate's tokens"
    leaks = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes()
        decoded = _decoded(data) if path.suffix in (".json", ".ndjson") else b""
        leaks += [
            f"{path.relative_to(out)}: token {n}"
            for n, token in enumerate(tokens)
            if any(form in data or form in decoded for form in _forms(token))
        ]
    assert not leaks
    assert not list(out.rglob("renewed-secrets*")), "the renewed secrets file was left under --out"


def test_the_renewed_secrets_file_is_private_and_read_once(tmp_path: Path) -> None:
    renewed = tmp_path / "renewed-secrets"
    renewer = _Renewer(
        {
            "credentials": {},
            "operations": {},
            "max_renewals": 1,
            "env_removed": [],
            "env_changes": {},
            "cwd": str(tmp_path),
            "stats": str(tmp_path / "stats.json"),
            "renewed": str(renewed),
        }
    )
    renewer._record("tok-1.sig", "Bearer tok-1.sig")
    renewer._record("tok-2.sig")
    assert renewed.stat().st_mode & 0o777 == 0o600
    with renewed.open("a", encoding="utf-8") as handle:
        handle.write('"tok-3.s')  # cut short: still masked as far as it got
    assert read_renewed(renewed) == ["tok-1.sig", "Bearer tok-1.sig", "tok-2.sig", '"tok-3.s']
    assert not renewed.exists()
    assert read_renewed(renewed) == []


def test_a_renewal_command_printing_more_than_one_line_keeps_the_old_token(tmp_path: Path) -> None:
    """Renewal applies the first run's rules (live.prepare.command_secret): a carriage return too."""
    renewer = _Renewer(
        {
            "credentials": {
                "bearer": {
                    "command": "printf 'tok-new\\rextra\\n'",
                    "timeout_s": 10,
                    "template": "Bearer {token}",
                    "secret": "tok-old",
                }
            },
            "operations": {},
            "max_renewals": 3,
            "env_removed": [],
            "env_changes": {},
            "cwd": str(tmp_path),
            "stats": str(tmp_path / "stats.json"),
            "renewed": str(tmp_path / "renewed-secrets"),
        }
    )
    renewer._renew(["bearer"])
    assert (renewer.renewals, renewer.failures) == (0, 1)
    assert renewer.credentials["bearer"]["secret"] == "tok-old"
    assert "more than one line" in renewer.errors[0]
