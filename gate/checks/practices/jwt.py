"""JWT hygiene when gate's credential is a JWT: an expiry within the bound, no `alg: none`, no
tampered signature accepted, no well-known weak HS256 key. Standard library only."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gate.checks.practices import spec as spec_helpers
from gate.checks.practices.context import Probing
from gate.checks.practices.errors import BROKEN_JSON
from gate.checks.practices.probe import Exchange, Outcome
from gate.model import Severity

PROBE = "jwt"
_SHAPE = re.compile(r"[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
# Keys from tutorials, framework templates and .env examples: a token signed with one can be forged
# by anybody. A short list on purpose: this is hygiene, not a cracking tool.
WEAK_KEYS = (
    "secret", "changethis", "changeme", "random", "password", "key", "jwt", "jwt-secret", "jwt_secret",
    "secretkey", "secret-key", "secret_key", "your-secret-key", "your-256-bit-secret", "mysecret",
    "supersecret", "test", "dev", "development", "123456", "",
)  # fmt: skip


@dataclass(frozen=True)
class Token:
    raw: str
    header: Mapping[str, Any]
    claims: Mapping[str, Any]
    where: str  # the request header that carries it

    def forged(self, header: Mapping[str, Any], signature: str) -> str:
        return f"{_encode(header)}.{self.raw.split('.')[1]}.{signature}"


def run(p: Probing) -> Outcome:
    """Find gate's JWT, judge its claims and key, and send it altered to a protected operation."""
    out = Outcome(PROBE)
    token = find_token(p)
    if token is None:
        out.not_applicable = "gate's credentials hold no JWT"
        return out
    takes_token = [
        op
        for op in p.operations
        if spec_helpers.protected(p.spec, op)
        and not spec_helpers.has_path_params(op)
        and token.raw in (p.prober.credentials_for(op.method, op.path) or {}).get(token.where, "")
    ]
    gets = spec_helpers.plain_gets(takes_token)
    # Without a GET, an operation with a body is sent broken JSON: a service checks the token first, so
    # a refused token is 401/403 and an accepted one 400/422, and nothing is created either way.
    bodied = [op for op in takes_token if op.method in ("POST", "PUT", "PATCH") and op.spec.get("requestBody")]
    op = next(iter(gets or bodied), None)
    if op is None:
        _claims(out, token, p.settings.jwt_max_lifetime_s, None)
        _weak_key(out, token, None)
        out.notes.append(
            "no protected operation without path parameters takes gate's JWT: alg none and tampering not probed"
        )
        return out
    body = None if op.method == "GET" else BROKEN_JSON
    headers = {**p.headers_for(op), **({"Content-Type": "application/json"} if body else {})}
    real = out.sent(p.prober.send(PROBE, op.method, op.path, headers, body))
    # The request that carried the token is the evidence of what gate was issued.
    _claims(out, token, p.settings.jwt_max_lifetime_s, real)
    _weak_key(out, token, real)
    bare = out.sent(
        p.prober.send(PROBE, op.method, op.path, {k: v for k, v in headers.items() if k != token.where}, body)
    )
    accepted = _accepted(op.method)
    if not accepted(real.status) or bare.status not in (401, 403):
        out.notes.append(
            f"{op.label} answered gate's JWT with HTTP {real.status} and no credential with HTTP {bare.status}: "
            "it cannot show whether an altered token is refused (alg none and tampering not judged)"
        )
        return out
    signature = token.raw.split(".")[2]
    tampered = ("A" if signature[:1] != "A" else "B") + signature[1:]
    attempts = (
        (
            "practices.jwt-alg-none-accepted",
            token.forged({**token.header, "alg": "none"}, ""),
            "alg changed to none, signature removed",
            "anybody can write a token with any claims: the service checks no signature",
        ),
        (
            "practices.jwt-tampered-signature-accepted",
            token.forged(token.header, tampered),
            "one character of its signature changed",
            "the service does not verify the signature: any claims are accepted",
        ),
    )
    for rule, forged, how, why in attempts:
        value = headers[token.where].replace(token.raw, forged)
        shown = {token.where: f"<gate's token, {how}>"}
        ex = out.sent(p.prober.send(PROBE, op.method, op.path, {**headers, token.where: value}, body, shown=shown))
        if accepted(ex.status):
            out.found(
                rule,
                Severity.CRITICAL,
                f"{op.label} accepts gate's token with {how}",
                ex,
                why,
                body=True,
                operation=op.label,
            )
    return out


def _accepted(method: str) -> Callable[[int], bool]:
    """Whether a status says the token was accepted: 2xx for a GET; for broken JSON, the body's 400/422."""
    if method == "GET":
        return lambda status: 200 <= status < 300
    return lambda status: status in (400, 422)


def find_token(p: Probing) -> Token | None:
    """The first JWT among gate's credentials and headers."""
    service = p.prober.service
    places = [(c.param, c.secret) for c in service.credentials.values() if c.location == "header"]
    if service.auth is not None:
        places.append((service.auth.param, service.auth.secret))
    places += list(service.headers.items())
    for where, value in places:
        for match in _SHAPE.finditer(value):
            token = parse(match.group(0), where)
            if token is not None:
                return token
    return None


def parse(raw: str, where: str) -> Token | None:
    """A JWT's header and claims, or None when `raw` is not one."""
    parts = raw.split(".")
    try:
        header, claims = (json.loads(_decode(part)) for part in parts[:2])
    except (ValueError, binascii.Error):
        return None
    if not isinstance(header, dict) or "alg" not in header or not isinstance(claims, dict):
        return None
    return Token(raw, header, claims, where)


def _claims(out: Outcome, token: Token, bound_s: int, carrier: Exchange | None) -> None:
    exp, iat = token.claims.get("exp"), token.claims.get("iat")
    if not isinstance(exp, int | float):
        out.found(
            "practices.jwt-no-exp",
            Severity.HIGH,
            f"gate's JWT (in {token.where}) has no exp claim: claims {', '.join(sorted(token.claims))}",
            carrier,
            "a token without expiry, once leaked, works for ever",
        )
        return
    start = iat if isinstance(iat, int | float) else time.time()
    lifetime = float(exp) - float(start)
    out.metrics["jwt_lifetime_s"] = lifetime
    if lifetime > bound_s:
        out.found(
            "practices.jwt-long-lifetime",
            Severity.MEDIUM,
            f"gate's JWT lives {lifetime:.0f} s ({'exp - iat' if iat is not None else 'exp - now'}), more than "
            f"[practices] jwt_max_lifetime_s = {bound_s}",
            carrier,
            "the longer a token lives, the longer a leaked one is useful; short tokens are renewed, not extended",
        )


def _weak_key(out: Outcome, token: Token, carrier: Exchange | None) -> None:
    digest = _HMAC.get(str(token.header.get("alg")))
    if digest is None:
        return
    signed, signature = token.raw.rsplit(".", 1)
    for key in WEAK_KEYS:
        mac = hmac.new(key.encode(), signed.encode(), digest).digest()
        if hmac.compare_digest(_encode_bytes(mac), signature):
            out.found(
                "practices.jwt-weak-key",
                Severity.CRITICAL,
                f"gate's JWT is signed ({token.header.get('alg')}) with the well-known key {key!r}",
                carrier,
                "anybody can forge tokens for any user with a key from tutorials and templates",
            )
            return


def _decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _encode_bytes(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _encode(header: Mapping[str, Any]) -> str:
    return _encode_bytes(json.dumps(dict(header), separators=(",", ":")).encode())
