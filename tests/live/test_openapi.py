"""The spec helpers and secret detection: pure functions, no service."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from gate.errors import CheckError
from gate.live.openapi import api_base_url, operations, parse_spec, spec_problem, version
from gate.live.prepare import env_secrets, header_secrets

BASE = "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"openapi": "3.0.3"}, BASE),
        ({"openapi": "3.0.3", "servers": []}, BASE),
        ({"openapi": "3.0.3", "servers": [{"url": "https://api.example.com/v1"}]}, BASE),  # another deployment
        ({"openapi": "3.1.0", "servers": [{"url": "/api/v1/"}]}, BASE + "/api/v1"),
        (
            {"openapi": "3.0.3", "servers": [{"url": "/{version}", "variables": {"version": {"default": "v2"}}}]},
            BASE + "/v2",
        ),
        ({"swagger": "2.0", "basePath": "/"}, BASE),
        ({"swagger": "2.0", "basePath": "/v1"}, BASE + "/v1"),
        ({"swagger": "2.0", "host": "api.example.com"}, BASE),
    ],
)
def test_api_base_url_is_always_the_local_service(spec: dict[str, Any], expected: str) -> None:
    assert api_base_url(BASE + "/", spec) == expected


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], "expected a mapping"),
        ({"paths": {}}, "no 'openapi' or 'swagger'"),
        ({"openapi": "2.0", "paths": {"/a": {}}}, "unsupported openapi version"),
        ({"swagger": "1.2", "paths": {"/a": {}}}, "unsupported swagger version"),
        ({"openapi": "3.0.3", "paths": "x"}, "not a mapping"),
        ({"openapi": "3.0.3", "paths": {}}, "empty"),
        ({"openapi": "3.1.0", "paths": {"/a": {}}}, None),
        ({"openapi": "3.2.0", "paths": {"/a": {}}}, None),
        ({"openapi": "3.3.0", "paths": {"/a": {}}}, "unsupported openapi version '3.3.0': gate reads OpenAPI 3.0.x"),
        ({"openapi": "3.1", "paths": {"/a": {}}}, "'3.1' lacks its patch number: write it in full, e.g. '3.1.0'"),
        ({"openapi": 3.0, "paths": {"/a": {}}}, "unsupported openapi version 3.0"),
        ({"swagger": "2.0", "paths": {"/a": {}}}, None),
    ],
)
def test_spec_problems(data: Any, problem: str | None) -> None:
    found = spec_problem(data)
    assert (found is None) if problem is None else (problem in str(found))


def test_one_version_table_for_spec_loading_and_the_walkers() -> None:
    # What spec loading accepts, the walkers (docs, load) read: no late ERROR on a loaded spec.
    for openapi in ("3.0.3", "3.1.0", "3.2.0"):
        spec = parse_spec(json.dumps({"openapi": openapi, "paths": {"/a": {"get": {}}}}), "x")
        assert version(spec) == openapi[:3] and [o.label for o in operations(spec)] == ["GET /a"]
    with pytest.raises(CheckError, match="unsupported openapi version '4.0.0'"):
        version({"openapi": "4.0.0", "paths": {}})


def test_yaml_and_garbage() -> None:
    assert parse_spec("openapi: '3.0.3'\npaths: {/a: {}}\n", "x")["paths"] == {"/a": {}}
    with pytest.raises(CheckError, match="neither JSON nor YAML"):
        parse_spec("{: [", "x")
    with pytest.raises(CheckError, match="not usable"):
        parse_spec("<html>hello</html>", "x")


def test_secret_env_values() -> None:
    env = {
        "DB_PASSWORD": "pw-1-long",
        "API_KEY": "k-2-long",
        "JWT_SECRET": "s-3-long",
        "AUTH_TOKEN": "t-4-long",
        "DATABASE_URL": "postgres://app:pw-5-long@db/app",
        "REDIS_URL": "redis://db:6379/0",
        "SMTP_PASS": "p-6-long",
        "MYSQL_PWD": "p-7-long",
        "SENTRY_DSN": "https://pub8-key@o1.example/2",
        "CACHE_DSN": "memcache://cache:pw%409-long@host/",
        "LOG_LEVEL": "debug",
        "PORT_KEYBOARD": "xyz-12345",
        # Secret-looking keys whose values are no credentials: numbers, short or common strings.
        "TOKEN_TIME_TO_LIVE": "3600",
        "SESSION_COOKIE_SECURE": "false",
        "AUTH_BACKEND": "ldap",
        "PASS_MIN": "12",
    }
    assert sorted(env_secrets(env)) == [
        "k-2-long",
        "p-6-long",
        "p-7-long",
        "pub8-key",
        "pw%409-long",
        "pw-1-long",
        "pw-5-long",
        "pw@9-long",
        "s-3-long",
        "t-4-long",
    ]


def test_header_secrets_include_the_credential_inside() -> None:
    basic = base64.b64encode(b"user:basic-pw-77").decode()
    headers = {
        "Authorization": "Bearer tok-abc-123",
        "X-Other": f"Basic {basic}",
        "Accept": "application/json",
        "Cookie": "sessionid=sess-Cookie-42; theme=dark",
    }
    assert set(header_secrets(headers)) == {
        "Bearer tok-abc-123",
        "tok-abc-123",
        f"Basic {basic}",
        basic,
        "basic-pw-77",
        "sessionid=sess-Cookie-42; theme=dark",
        "sess-Cookie-42",
    }
