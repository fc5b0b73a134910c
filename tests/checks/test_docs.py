"""The docs check on small specs: what counts as documented, $refs, OpenAPI 3.0/3.1 and Swagger 2.0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gate.checks import docs
from gate.checks.base import CheckContext
from gate.errors import CheckError
from gate.evaluate import evaluate
from gate.live import LiveService
from gate.model import Observation, Status
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


def judge(observation: Observation, overrides: dict[str, Any] | None = None) -> Status:
    policy = load_policy("default", Path("."), {"docs": overrides or {}}, "test").checks["docs"]
    return evaluate(observation, observation.findings, policy).status


def test_a_fully_documented_spec_with_refs_is_100_percent_and_passes(tmp_path: Path) -> None:
    observation = observe(spec_of("documented-30.json"), tmp_path)
    assert observation.metrics == {"documented_percent": 100.0, "operations": 2.0, "undocumented": 0.0}
    assert missing_by_operation(observation) == {"GET /users": [], "DELETE /users": []}
    assert observation.findings == ()
    assert observation.artifacts == ("artifacts/service/openapi.json",)
    assert judge(observation) is Status.PASS


def test_each_kind_of_gap_is_found_and_named_in_openapi_30(tmp_path: Path) -> None:
    observation = observe(spec_of("gaps-30.json"), tmp_path)
    assert missing_by_operation(observation) == {
        "GET /ok": [],
        "GET /no-summary": ["summary"],
        "GET /no-error": ["error response"],
        "GET /no-success": ["success response"],
        "GET /no-schema": ["schema of response 200", "schema of response 500"],
        # The path-level parameter comes through its $ref; the described $ref parameter is fine.
        "GET /params/{id}": ["description of parameter id (path)", "description of parameter q (query)"],
        "POST /nothing": ["summary", "success response", "error response"],
    }
    assert observation.metrics == {"documented_percent": pytest.approx(100 / 7), "operations": 7.0, "undocumented": 6.0}
    rules = sorted((f.operation, f.rule) for f in observation.findings)
    assert ("GET /no-schema", "docs.missing-response-schema") in rules
    assert ("POST /nothing", "docs.missing-summary") in rules
    assert len(rules) == 8  # one finding per operation and kind of gap
    schema = next(f for f in observation.findings if f.rule == "docs.missing-response-schema")
    assert schema.message == "GET /no-schema documents responses without a schema: 200, 500"


def test_openapi_31_ranges_examples_and_path_item_refs(tmp_path: Path) -> None:
    observation = observe(spec_of("gaps-31.json"), tmp_path)
    assert observation.details["spec_version"] == "3.1"
    # 2XX counts as a success response, 4XX as an error response; the path item comes through $ref.
    assert missing_by_operation(observation) == {"GET /things": [], "GET /things/{name}": ["error response"]}
    assert observation.metrics["documented_percent"] == 50.0


def test_swagger_20_schemas_refs_and_body_parameters(tmp_path: Path) -> None:
    observation = observe(spec_of("gaps-swagger20.json"), tmp_path)
    assert observation.details["spec_version"] == "2.0"
    assert missing_by_operation(observation) == {
        "GET /pets": ["description of parameter tag (query)"],  # limit is described through #/parameters
        "POST /pets": ["schema of response 400"],  # the body parameter needs no description
        "GET /pets/{id}": [],
    }


def test_the_default_policy_wants_every_operation_documented(tmp_path: Path) -> None:
    observation = observe(spec_of("gaps-swagger20.json"), tmp_path)
    assert judge(observation) is Status.FAIL
    # A target that lowers the bar in gate.toml passes it, with a warning for the gaps left.
    assert judge(observation, {"documented_percent": 30}) is Status.WARN


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
    assert missing_by_operation(observation) == {"GET /notes": [], "QUERY /notes": [], "LINK /notes": ["summary"]}
