"""The docs check on small specs: what counts as documented, $refs, OpenAPI 3.0/3.1 and Swagger 2.0."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from gate.checks import docs
from gate.checks.base import CheckContext
from gate.errors import CheckError
from gate.evaluate import evaluate
from gate.live import LiveService
from gate.model import Observation, Severity, Status
from gate.policy import load_policy
from tests.support import paths

DATA = paths.DATA / "openapi"


def spec_of(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((DATA / name).read_text())
    return spec


def observe(spec: dict[str, Any], tmp_path: Path) -> Observation:
    spec_file = tmp_path / "out" / "artifacts" / "service" / "openapi.json"
    spec_file.parent.mkdir(parents=True)
    spec_file.write_text(json.dumps(spec))
    service = LiveService("http://127.0.0.1:1", {}, spec, spec_file)
    out = tmp_path / "out"
    ctx = CheckContext("docs", tmp_path, out, out / "artifacts" / "docs", {}, service)
    return docs.run(ctx, docs.Settings())


def missing_by_operation(observation: Observation) -> dict[str, list[str]]:
    return {row["operation"]: row["missing"] for row in observation.details["operations"]}


def judge(observation: Observation, overrides: dict[str, Any] | None = None, rules: list[str] | None = None) -> Status:
    policy = load_policy("default", Path("."), {"docs": overrides or {}}, "test").checks["docs"]
    if rules:
        policy = dataclasses.replace(policy, fail_rules=tuple(rules))
    return evaluate(observation, observation.findings, policy).status


def test_a_fully_documented_spec_with_refs_is_100_percent_and_passes(tmp_path: Path) -> None:
    observation = observe(spec_of("documented-30.json"), tmp_path)
    assert observation.metrics == {
        "documented_percent": 100.0,
        "complete_percent": 100.0,
        "operations": 2.0,
        "undocumented": 0.0,
    }
    assert missing_by_operation(observation) == {"GET /users": [], "DELETE /users": []}
    assert observation.findings == ()
    assert observation.artifacts == ("artifacts/service/openapi.json",)
    assert judge(observation) is Status.PASS


def test_each_kind_of_gap_is_found_named_and_given_its_severity_in_openapi_30(tmp_path: Path) -> None:
    observation = observe(spec_of("gaps-30.json"), tmp_path)
    assert missing_by_operation(observation) == {
        "GET /ok": [],
        "GET /no-summary": ["no-summary"],
        "GET /no-error": ["no-error-response-no-input"],
        "GET /no-success": ["no-success-response"],
        "GET /no-schema": ["no-success-schema: 200", "no-error-schema: 500"],
        # The path-level parameter comes through its $ref; the described $ref parameter is fine; the
        # resource's key `id` needs no words (info), the query parameter q does (medium).
        "GET /params/{id}": ["undocumented-parameter: q (query)", "undescribed-path-id: id (path)"],
        "POST /nothing": ["no-summary", "no-success-response", "no-error-response-no-input"],
    }
    # Documented: /ok, /no-error (advice only); complete: /ok alone.
    assert observation.metrics == {
        "documented_percent": pytest.approx(200 / 7),
        "complete_percent": pytest.approx(100 / 7),
        "operations": 7.0,
        "undocumented": 5.0,
    }
    severity = {(f.operation, f.rule): f.severity for f in observation.findings}
    assert severity[("GET /no-summary", "docs.no-summary")] is Severity.MEDIUM
    assert severity[("GET /no-success", "docs.no-success-response")] is Severity.MEDIUM
    assert severity[("GET /no-schema", "docs.no-success-schema")] is Severity.MEDIUM
    assert severity[("GET /params/{id}", "docs.undocumented-parameter")] is Severity.MEDIUM
    assert severity[("GET /no-error", "docs.no-error-response-no-input")] is Severity.LOW
    assert severity[("GET /no-schema", "docs.no-error-schema")] is Severity.LOW
    assert severity[("GET /params/{id}", "docs.undescribed-path-id")] is Severity.INFO
    assert len(severity) == len(observation.findings) == 10  # one finding per operation and kind of gap
    schema = next(f for f in observation.findings if f.rule == "docs.no-success-schema")
    assert schema.message == "GET /no-schema documents a success response body without a schema: 200"
    assert judge(observation) is Status.FAIL


def test_openapi_31_ranges_examples_and_path_item_refs(tmp_path: Path) -> None:
    observation = observe(spec_of("gaps-31.json"), tmp_path)
    assert observation.details["spec_version"] == "3.1"
    # 2XX counts as a success response, 4XX as an error response; the path item comes through $ref.
    # GET /things/{name} takes input (its path parameter) and documents no error: advice.
    assert missing_by_operation(observation) == {"GET /things": [], "GET /things/{name}": ["no-error-response"]}
    assert observation.metrics["documented_percent"] == 100.0
    assert observation.metrics["complete_percent"] == 50.0
    assert judge(observation) is Status.WARN


def test_swagger_20_schemas_refs_and_body_parameters(tmp_path: Path) -> None:
    observation = observe(spec_of("gaps-swagger20.json"), tmp_path)
    assert observation.details["spec_version"] == "2.0"
    assert missing_by_operation(observation) == {
        "GET /pets": ["undocumented-parameter: tag (query)"],  # limit is described through #/parameters
        "POST /pets": ["no-error-schema: 400"],  # the body parameter needs no description
        "GET /pets/{id}": [],
    }


def test_the_default_policy_wants_every_operation_documented(tmp_path: Path) -> None:
    observation = observe(spec_of("gaps-swagger20.json"), tmp_path)
    assert judge(observation) is Status.FAIL
    # A target that lowers the bar in gate.toml passes it, with a warning for the gaps left.
    assert judge(observation, {"documented_percent": 60}) is Status.WARN


def _one_operation(operation: dict[str, Any], path: str = "/things", method: str = "get") -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {path: {method: operation}}}


JSON_ERROR = {"description": "bad", "content": {"application/json": {"schema": {"type": "object"}}}}


@pytest.mark.parametrize(
    ("path", "name", "self_describing"),
    [
        ("/items/{id}", "id", True),
        ("/users/{user_id}", "user_id", True),
        ("/pets/{petId}", "petId", True),
        ("/advisories/{ghsa-id}", "ghsa-id", True),
        ("/customers/{customer}", "customer", True),  # the segment before it names the resource
        ("/users/{username}", "username", True),
        ("/password-recovery/{email}", "email", False),  # nothing in the path says what it is
        ("/repos/{owner}/{repo}", "repo", False),  # follows a parameter, not a resource name
        ("/files/{path}", "path", False),
        ("/robots/{android}", "android", False),  # ends in "id", but no identifier
        ("/things/{THING_ID}", "THING_ID", True),
    ],
)
def test_a_path_parameter_that_is_the_resource_key_needs_no_description(
    path: str, name: str, self_describing: bool, tmp_path: Path
) -> None:
    operation = {
        "summary": "One thing",
        "parameters": [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": JSON_ERROR | {"description": "ok"}, "404": JSON_ERROR},
    }
    observation = observe(_one_operation(operation, path), tmp_path)
    rule = "undescribed-path-id" if self_describing else "undocumented-parameter"
    assert missing_by_operation(observation) == {f"GET {path}": [f"{rule}: {name} (path)"]}
    assert judge(observation) is (Status.PASS if self_describing else Status.FAIL)


def test_a_query_parameter_always_needs_a_description_whatever_its_name(tmp_path: Path) -> None:
    operation = {
        "summary": "Things",
        "parameters": [{"name": "id", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": JSON_ERROR | {"description": "ok"}, "400": JSON_ERROR},
    }
    observation = observe(_one_operation(operation), tmp_path)
    assert missing_by_operation(observation) == {"GET /things": ["undocumented-parameter: id (query)"]}


@pytest.mark.parametrize(
    ("method", "success", "missing"),
    [
        # FastAPI's schema for a route without a response model says nothing about the body.
        ("get", {"description": "ok", "content": {"application/json": {"schema": {}}}}, ["no-success-schema: 200"]),
        ("post", {"description": "ok", "content": {"application/json": {"schema": {}}}}, ["no-success-schema: 200"]),
        ("get", {"description": "ok"}, ["no-success-schema: 200"]),  # a read that declares no body
        ("delete", {"description": "ok"}, []),  # a write that declares no body answers with none
        ("get", {"description": "gone"} | {"content": {"text/plain": {"schema": {"type": "string"}}}}, []),
    ],
)
def test_a_success_body_needs_a_schema_and_a_read_needs_a_body(
    method: str, success: dict[str, Any], missing: list[str], tmp_path: Path
) -> None:
    operation = {"summary": "Thing", "responses": {"200": success, "500": JSON_ERROR}}
    observation = observe(_one_operation(operation, method=method), tmp_path)
    assert missing_by_operation(observation) == {f"{method.upper()} /things": missing}


def test_an_operation_taking_input_without_an_error_response_is_told_apart(tmp_path: Path) -> None:
    ok = {"200": JSON_ERROR | {"description": "ok"}}
    spec = _one_operation({"summary": "Health", "responses": ok}, "/health")
    spec["paths"]["/things"] = {"post": {"summary": "Create", "requestBody": {"content": {}}, "responses": ok}}
    observation = observe(spec, tmp_path)
    assert missing_by_operation(observation) == {
        "GET /health": ["no-error-response-no-input"],
        "POST /things": ["no-error-response"],
    }
    assert judge(observation) is Status.WARN  # advice, both; a policy may fail_rules the input one
    assert judge(observation, rules=["docs.no-error-response"]) is Status.FAIL


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"openapi": "2.5.0", "paths": {}},
            "unsupported openapi version .2.5.0.: gate reads OpenAPI 3.0.x, 3.1.x, 3.2.x or Swagger 2.0",
        ),
        ({"openapi": "3.0.3", "paths": {}}, "describes no operation"),
        ({"openapi": "3.0.3", "paths": {"/a": {"get": {"$ref": "other.json#/x"}}}}, "only local refs"),
        ({"openapi": "3.0.3", "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/no"}}}}}}, "points at nothing"),
        ({"openapi": "3.0.3", "paths": {"/a": {"get": {"$ref": "#/paths/~1a/get"}}}}, "a cycle"),
    ],
)
def test_documents_gate_cannot_read_are_errors_not_passes(spec: dict[str, Any], message: str, tmp_path: Path) -> None:
    with pytest.raises(CheckError, match=message):
        observe(spec, tmp_path)


def test_an_openapi_32_document_is_judged_with_its_query_and_additional_operations(tmp_path: Path) -> None:
    schema = {"application/json": {"schema": {"type": "object"}}}
    documented = {
        "summary": "Documented",
        "responses": {
            "200": {"description": "ok", "content": schema},
            "400": {"description": "bad", "content": schema},
        },
    }
    spec = {
        "openapi": "3.2.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/notes": {
                "get": documented,
                "query": documented,
                "additionalOperations": {"LINK": {**documented, "summary": ""}},
            }
        },
    }
    observation = observe(spec, tmp_path)
    assert observation.details["spec_version"] == "3.2"
    assert missing_by_operation(observation) == {"GET /notes": [], "QUERY /notes": [], "LINK /notes": ["no-summary"]}
