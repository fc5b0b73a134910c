"""The probes' own logic without a service: JWT claims and weak keys, loopback, sample bodies, error
shapes, masking, settings, and a service that does not answer (ERROR, not a pass)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gate.checks.practices import errors, jwt, ratelimit
from gate.checks.practices import spec as spec_helpers
from gate.checks.practices.probe import Exchange, Outcome, ProbeError, Prober
from gate.checks.practices.settings import Settings
from gate.live import LiveService
from gate.live import http as localhttp


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(claims: dict[str, Any], key: bytes = b"a-long-random-key-nobody-guesses") -> str:
    signed = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + _b64(json.dumps(claims).encode())
    return signed + "." + _b64(hmac.new(key, signed.encode(), hashlib.sha256).digest())


def _judged(raw: str, bound_s: int = 3600) -> list[str]:
    parsed = jwt.parse(raw, "Authorization")
    assert parsed is not None
    out = Outcome("jwt")
    jwt._claims(out, parsed, bound_s, None)
    jwt._weak_key(out, parsed, None)
    return [f.rule for f in out.findings]


def test_jwt_claims_and_keys() -> None:
    assert _judged(token({"sub": "a", "iat": 100, "exp": 1000})) == []
    assert _judged(token({"sub": "a"})) == ["practices.jwt-no-exp"]
    assert _judged(token({"sub": "a", "iat": 0, "exp": 7200})) == ["practices.jwt-long-lifetime"]
    assert _judged(token({"sub": "a", "iat": 0, "exp": 60}, b"secret")) == ["practices.jwt-weak-key"]
    assert _judged(token({"sub": "a", "iat": 0, "exp": 60}, b"changethis")) == ["practices.jwt-weak-key"]


def test_what_is_not_a_jwt() -> None:
    assert jwt.parse("opaque.token.value", "Authorization") is None
    assert jwt.parse(_b64(b"[1]") + "." + _b64(b"{}") + ".x", "Authorization") is None  # header not an object


def test_the_burst_only_targets_this_machine() -> None:
    assert ratelimit.loopback("http://127.0.0.1:8000/api")
    assert ratelimit.loopback("http://localhost:8000")
    assert ratelimit.loopback("http://[::1]:8000")
    assert not ratelimit.loopback("http://10.0.0.5:8000")
    assert not ratelimit.loopback("https://api.example.com")


def test_sample_bodies_follow_the_schema() -> None:
    spec = {"components": {"schemas": {"Name": {"type": "string", "minLength": 12}}}}
    schema = {
        "type": "object",
        "required": ["name", "count", "kind", "email"],
        "properties": {
            "name": {"$ref": "#/components/schemas/Name"},
            "count": {"type": "integer", "minimum": 3},
            "kind": {"enum": ["b", "a"]},
            "email": {"type": "string", "format": "email"},
            "optional": {"type": "string"},
        },
    }
    body = spec_helpers.sample(spec, schema)
    assert body == {"name": "gate-probexx", "count": 3, "kind": "b", "email": "gate-probe@example.com"}


def _exchange(status: int, body: bytes, content_type: str) -> Exchange:
    return Exchange("errors", "GET", "/x", (), localhttp.Answer(status, body, content_type), 1.0)


def test_error_shapes() -> None:
    # RFC 9457 extension members (a list of field errors) do not make another format.
    assert errors.shape(_exchange(404, b'{"title": "x", "status": 404}', "application/problem+json")) == (
        "application/problem+json"
    )
    assert errors.shape(_exchange(422, b'{"title": "x", "errors": []}', "application/problem+json")) == (
        "application/problem+json"
    )
    assert errors.shape(_exchange(404, b'{"detail": "x"}', "application/json")) == "application/json {detail}"
    assert errors.shape(_exchange(404, b"<html></html>", "text/html; charset=utf-8")) == "text/html"
    assert errors.shape(_exchange(405, b"", "")) == "no body"
    assert errors.shape(_exchange(400, b"[1]", "application/json")) == "application/json (list)"


def _service(base_url: str) -> LiveService:
    return LiveService(
        base_url=base_url, headers={}, spec={}, spec_file=Path("/nonexistent"), secrets=("s3cr3t-value",)
    )


def test_credentials_are_masked_in_the_evidence() -> None:
    prober = Prober(_service("http://127.0.0.1:1"), "http://127.0.0.1:1", 1.0, 5.0)
    shown = prober._masked({"Authorization": "Bearer abc", "X-Key": "s3cr3t-value", "Accept": "a/b"}, {})
    assert shown == (("Authorization", "Bearer ***"), ("X-Key", "***"), ("Accept", "a/b"))


def test_a_service_that_does_not_answer_is_an_error() -> None:
    port = localhttp.free_port()  # nothing listens there
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(ProbeError, match=r"headers: GET /x: no answer from"):
        Prober(_service(url), url, 1.0, 5.0).send("headers", "GET", "/x")


def test_settings_say_what_is_wrong() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings.model_validate(
            {"rate_limit_operation": "login", "allowed_origins": ["https://app.example.com/path"], "disabled": ["x"]}
        )
    text = str(caught.value)
    assert "expected 'METHOD /path'" in text and "no path" in text and "disabled.0" in text


def test_the_check_runs_after_the_other_live_checks() -> None:
    from gate.checks import CHECKS
    from gate.checks.base import traits

    ids = list(CHECKS)
    assert ids.index("practices") == ids.index("load") + 1
    declared = traits(CHECKS["practices"])
    assert declared.runs_last and declared.live and not declared.runs_alone
