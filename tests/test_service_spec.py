"""The spec helpers and secret detection: pure functions, no service."""

from __future__ import annotations

from typing import Any

import pytest

from gate.errors import CheckError
from gate.service_prep import env_secrets
from gate.spec import api_base_url, parse_spec, spec_problem

BASE = "http://127.0.0.1:8123"


@pytest.mark.parametrize(("spec", "expected"), [
    ({"openapi": "3.0.3"}, BASE),
    ({"openapi": "3.0.3", "servers": []}, BASE),
    ({"openapi": "3.0.3", "servers": [{"url": "https://api.example.com/v1"}]}, BASE),  # another deployment
    ({"openapi": "3.1.0", "servers": [{"url": "/api/v1/"}]}, BASE + "/api/v1"),
    ({"openapi": "3.0.3", "servers": [{"url": "/{version}", "variables": {"version": {"default": "v2"}}}]},
     BASE + "/v2"),
    ({"swagger": "2.0", "basePath": "/"}, BASE),
    ({"swagger": "2.0", "basePath": "/v1"}, BASE + "/v1"),
    ({"swagger": "2.0", "host": "api.example.com"}, BASE),
])
def test_api_base_url_is_always_the_local_service(spec: dict[str, Any], expected: str) -> None:
    assert api_base_url(BASE + "/", spec) == expected


@pytest.mark.parametrize(("data", "problem"), [
    ([], "expected a mapping"),
    ({"paths": {}}, "no 'openapi' or 'swagger'"),
    ({"openapi": "2.0", "paths": {"/a": {}}}, "unsupported openapi version"),
    ({"swagger": "1.2", "paths": {"/a": {}}}, "unsupported swagger version"),
    ({"openapi": "3.0.3", "paths": "x"}, "not a mapping"),
    ({"openapi": "3.0.3", "paths": {}}, "empty"),
    ({"openapi": "3.1.0", "paths": {"/a": {}}}, None),
    ({"swagger": "2.0", "paths": {"/a": {}}}, None),
])
def test_spec_problems(data: Any, problem: str | None) -> None:
    found = spec_problem(data)
    assert (found is None) if problem is None else (problem in str(found))


def test_yaml_and_garbage() -> None:
    assert parse_spec("openapi: '3.0.3'\npaths: {/a: {}}\n", "x")["paths"] == {"/a": {}}
    with pytest.raises(CheckError, match="neither JSON nor YAML"):
        parse_spec("{: [", "x")
    with pytest.raises(CheckError, match="not usable"):
        parse_spec("<html>hello</html>", "x")


def test_secret_env_values() -> None:
    env = {"DB_PASSWORD": "pw-1", "API_KEY": "k-2", "JWT_SECRET": "s-3", "AUTH_TOKEN": "t-4",
           "DATABASE_URL": "postgres://app:pw-5@db/app", "LOG_LEVEL": "debug", "PORT_KEYBOARD": "x"}
    assert sorted(env_secrets(env)) == ["k-2", "pw-1", "pw-5", "s-3", "t-4"]
