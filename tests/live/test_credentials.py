"""Credentials per security scheme: the gate.toml model, and which credentials each operation of a spec gets."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gate.checks.fuzz import auth as fuzz_auth
from gate.checks.fuzz.scope import excluded, pattern_problem, schemathesis_toml, unmatched
from gate.config import load_config
from gate.errors import UsageError
from gate.live import LiveService
from gate.live.credentials import (
    Credential,
    SchemeCredentials,
    binding_problems,
    describe_security,
    placement,
    requirements,
    schemes,
)
from tests.support.auth_api import AUTH_API

MakeTarget = Callable[[Mapping[str, str]], Path]


def fixture_spec() -> dict[str, Any]:
    """The notes API fixture's own OpenAPI document."""
    module_spec = importlib.util.spec_from_file_location("auth_api_server", AUTH_API / "server.py")
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    spec: dict[str, Any] = module.spec_document()
    return spec


SPEC = fixture_spec()
HELD = {
    "basicAuth": Credential("basicAuth", "header", "Authorization", "Basic {token}", "YWxpY2U6cHc="),
    "bearerAuth": Credential("bearerAuth", "header", "Authorization", "Bearer {token}", "tok.sig", "python login.py"),
    "apiKeyQuery": Credential("apiKeyQuery", "query", "api_key", "{token}", "k3y"),
}


def test_schemes_say_where_each_credential_goes() -> None:
    found = schemes(SPEC)
    assert {n: (s.type, s.location, s.param, s.prefix) for n, s in found.items()} == {
        "basicAuth": ("http-basic", "header", "Authorization", "Basic "),
        "bearerAuth": ("http-bearer", "header", "Authorization", "Bearer "),
        "apiKeyHeader": ("apiKey", "header", "X-API-Key", ""),
        "apiKeyQuery": ("apiKey", "query", "api_key", ""),
    }


def test_swagger2_security_definitions() -> None:
    spec = {
        "swagger": "2.0",
        "securityDefinitions": {"basic": {"type": "basic"}, "key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
        "security": [{"key": []}],
        "paths": {"/a": {"get": {"responses": {}}}},
    }
    assert schemes(spec)["basic"].type == "http-basic"
    assert describe_security(spec, "GET /a") == "key (API key in header X-Key)"


def test_operation_security_overrides_the_global_one() -> None:
    assert requirements(SPEC, "POST", "/tokens") == [{"basicAuth": []}]
    assert requirements(SPEC, "GET", "/me") == [{"bearerAuth": []}]  # the spec's global security
    public = {**SPEC, "paths": {"/p": {"get": {"security": [], "responses": {}}}}}
    assert requirements(public, "GET", "/p") == []
    with pytest.raises(KeyError):
        requirements(SPEC, "GET", "/nowhere")


def test_each_operation_gets_what_its_security_asks_for() -> None:
    login = placement(SPEC, "POST", "/tokens", HELD)
    assert login is not None and dict(login.headers) == {"Authorization": "Basic YWxpY2U6cHc="}
    me = placement(SPEC, "GET", "/me", HELD)
    assert me is not None and (me.schemes, dict(me.headers)) == (("bearerAuth",), {"Authorization": "Bearer tok.sig"})
    export = placement(SPEC, "GET", "/export", HELD)
    assert export is not None and (dict(export.query), dict(export.headers)) == ({"api_key": "k3y"}, {})
    assert placement(SPEC, "GET", "/stats", HELD) is None  # wants apiKeyHeader, which gate does not hold


def test_alternatives_and_optional_auth() -> None:
    ops: dict[str, Any] = {
        "/a": {"get": {"security": [{"apiKeyHeader": []}, {"bearerAuth": []}], "responses": {}}},
        "/b": {"get": {"security": [{"apiKeyHeader": []}, {}], "responses": {}}},
        "/c": {"get": {"security": [{"bearerAuth": [], "apiKeyQuery": []}], "responses": {}}},
    }
    spec = {**SPEC, "paths": ops}
    first = placement(spec, "GET", "/a", HELD)
    assert first is not None and first.schemes == ("bearerAuth",)
    optional = placement(spec, "GET", "/b", HELD)
    assert optional is not None and optional.schemes == ()
    both = placement(spec, "GET", "/c", HELD)
    assert both is not None and both.schemes == ("bearerAuth", "apiKeyQuery")
    assert describe_security(spec, "GET /a") == "apiKeyHeader (API key in header X-API-Key) or bearerAuth (HTTP bearer)"
    assert describe_security(spec, "GET /b") == "apiKeyHeader (API key in header X-API-Key) or no credentials"
    assert describe_security(spec, "GET /c") == "bearerAuth (HTTP bearer) and apiKeyQuery (API key in query api_key)"


def test_describe_security_for_refusal_reports() -> None:
    assert describe_security(SPEC, "POST /tokens") == "basicAuth (HTTP basic)"
    assert describe_security(SPEC, "DELETE /users/{user_id}") == "bearerAuth (HTTP bearer)"
    assert describe_security(SPEC, "GET /nowhere") is None


def test_credentials_that_do_not_fit_the_spec() -> None:
    configured = {
        "bearer": SchemeCredentials(token="t"),
        "basicAuth": SchemeCredentials(token="t"),
        "bearerAuth": SchemeCredentials(user="u", password="p"),
    }
    problems = binding_problems(configured, SPEC)
    assert problems == [
        "[service.credentials.bearer]: the spec declares no security scheme 'bearer' "
        "(it declares: apiKeyHeader, apiKeyQuery, basicAuth, bearerAuth)",
        "[service.credentials.basicAuth]: basicAuth (HTTP basic) needs user and password",
        "[service.credentials.bearerAuth]: bearerAuth (HTTP bearer) takes a token, key or command, not user/password",
    ]
    assert binding_problems({"apiKeyHeader": SchemeCredentials(command="print-key")}, SPEC) == []


@pytest.mark.parametrize("given", [{}, {"user": "u"}, {"token": "t", "key": "k"}, {"command": "c", "token": "t"}])
def test_exactly_one_kind_of_credential(given: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SchemeCredentials.model_validate(given)


def test_bad_credentials_in_gate_toml_name_file_and_key(make_target: MakeTarget) -> None:
    target = make_target(
        {
            "gate.toml": """
        [service]
        command = "python server.py --port {port}"

        [service.credentials.basicAuth]
        user = "alice"
        password = 5

        [service.credentials.bearerAuth]
        tokn = "x"

        [service.credentials.apiKeyHeader]
        key = { environ = "KEY" }

        [fuzz]
        exclude = ["DELETE", "GET /ok"]
        max_token_renewals = -1
    """
        }
    )
    with pytest.raises(UsageError) as info:
        load_config(target)
    where = f"{target / 'gate.toml'}: "
    assert [p.removeprefix(where) for p in info.value.problems] == [
        "fuzz.exclude: 'DELETE': expected 'METHOD /path' with globs, e.g. 'DELETE /api/tokens' or '* /auth/logout*'",
        "fuzz.max_token_renewals: Input should be greater than or equal to 0",
        'service.credentials.basicAuth.password: expected a string or { env = "NAME" }',
        "service.credentials.bearerAuth.tokn: unknown key "
        "(expected one of: command, key, password, timeout_s, token, user)",
        'service.credentials.apiKeyHeader.key: expected { env = "NAME" } naming an environment variable',
    ]


def test_exclusions_by_glob_on_spec_or_served_path() -> None:
    found = excluded(SPEC, ["DELETE /api/tokens", "* /notes/*"], exclude_logout=False)
    assert [(e.label, e.reason) for e in found] == [
        ("DELETE /tokens", "matches [fuzz] exclude 'DELETE /api/tokens'"),
        ("GET /notes/{note_id}", "matches [fuzz] exclude '* /notes/*'"),
        ("PUT /notes/{note_id}", "matches [fuzz] exclude '* /notes/*'"),
    ]
    assert unmatched(SPEC, ["DELETE /api/tokens", "POST /auth/logout*"]) == ["POST /auth/logout*"]


def test_logouts_are_excluded_by_default_with_a_reason() -> None:
    spec = {
        "openapi": "3.0.3",
        "paths": {
            p: {m: {"responses": {}} for m in ms}
            for p, ms in {
                "/api/tokens": ["post", "delete"],
                "/auth/logout/": ["post"],
                "/auth/logout/all/": ["post"],
                "/sessions/{id}": ["get", "delete"],
                "/users/{id}": ["delete"],
                "/revoke-token": ["post"],
            }.items()
        },
    }
    found = {e.label: e.reason for e in excluded(spec, [], exclude_logout=True)}
    assert sorted(found) == [
        "DELETE /api/tokens",
        "DELETE /sessions/{id}",
        "POST /auth/logout/",
        "POST /auth/logout/all/",
        "POST /revoke-token",
    ]
    assert found["DELETE /api/tokens"] == (
        "looks like a logout (DELETE on the token or session resource); [fuzz] exclude_logout = false fuzzes it"
    )
    assert excluded(spec, [], exclude_logout=False) == []


def test_excluded_paths_get_no_unsupported_method_probe() -> None:
    text = schemathesis_toml(SPEC, excluded(SPEC, ["DELETE /tokens"], exclude_logout=False))
    assert 'include-name = "DELETE /tokens"\nenabled = false' in text
    assert 'include-name = "POST /tokens"\nphases.coverage.unexpected-methods = []' in text
    assert "/me" not in text
    assert schemathesis_toml(SPEC, []) == ""


@pytest.mark.parametrize("pattern", ["DELETE /api/tokens", "* /auth/logout*", "post /x/{id}", "GET *"])
def test_valid_patterns(pattern: str) -> None:
    assert pattern_problem(pattern) is None


def live(credentials: Mapping[str, Credential], auth: Credential | None = None) -> LiveService:
    return LiveService(
        base_url="http://127.0.0.1:1",
        headers={"X-Tenant": "t"},
        spec=SPEC,
        spec_file=Path("openapi.json"),
        credentials=credentials,
        auth=auth,
    )


AUTH = Credential("auth", "header", "Authorization", "Bearer {token}", "legacy", "python login.py")


def test_plan_with_auth_only_sends_its_header_everywhere() -> None:
    plan = fuzz_auth.plan(live({}, AUTH), [])
    assert set(plan.operations.values()) == {("auth",)} and len(plan.operations) == 11
    assert fuzz_auth.config_headers(live({}, AUTH)) == {"X-Tenant": "t"}


def test_plan_per_scheme_with_auth_for_the_rest() -> None:
    held = {k: v for k, v in HELD.items() if k != "bearerAuth"}
    plan = fuzz_auth.plan(live(held, AUTH), excluded(SPEC, [], exclude_logout=True))
    assert "DELETE /tokens" not in plan.operations
    assert (plan.operations["POST /tokens"], plan.operations["GET /me"]) == (("basicAuth",), ("auth",))
    assert plan.operations["GET /export"] == ("apiKeyQuery",)
    assert plan.uncovered == ()


def test_plan_names_operations_gate_holds_nothing_for() -> None:
    plan = fuzz_auth.plan(live({"basicAuth": HELD["basicAuth"]}), [])
    assert plan.operations["POST /tokens"] == ("basicAuth",)
    assert plan.operations["GET /me"] == ()
    assert "GET /me" in plan.uncovered and "POST /tokens" not in plan.uncovered
    service = dataclasses.replace(
        live({"basicAuth": HELD["basicAuth"]}), command_env={"PATH": "/venv/bin:/usr/bin", "HOME": "/h", "DB": "x"}
    )
    env = fuzz_auth.hook_env(
        plan,
        service,
        Path("."),
        Path("s.json"),
        3,
        {"PATH": "/usr/bin", "HOME": "/h", "GATE_FUZZ_HEADER_0": "v"},
        Path("renewed"),
    )
    assert env["SCHEMATHESIS_HOOKS"].endswith("auth_hooks.py")
    config = json.loads(env["GATE_FUZZ_AUTH"])
    assert (config["env_changes"], config["env_removed"]) == (
        {"PATH": "/venv/bin:/usr/bin", "DB": "x"},
        ["GATE_FUZZ_HEADER_0"],
    )
    assert (
        fuzz_auth.hook_env(fuzz_auth.plan(live({}), []), live({}), Path("."), Path("s.json"), 3, {}, Path("renewed"))
        == {}
    )
