"""Which operations the generated scenario calls: unsafe-looking GETs, include/exclude, weights, credentials."""

from __future__ import annotations

from typing import Any

import pytest

from gate.checks.load import credentials as load_credentials
from gate.checks.load import generated as load_generated
from gate.checks.load import select as load_select
from gate.checks.load.settings import Settings
from gate.live import openapi


def get(operation_id: str, **extra: Any) -> dict[str, Any]:
    return {"get": {"operationId": operation_id, "responses": {"200": {"description": "ok"}}, **extra}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "query": {"type": "apiKey", "in": "query", "name": "api_key"},
        }
    },
    "security": [{"bearer": []}],
    "paths": {
        "/books": get("listBooks"),
        "/admin/reset-db": get("resetDatabase"),
        "/db/init": get("initialise"),
        "/seed": get("loadFixtures"),
        "/session": get("logOut"),
        "/cache": get("flushCaches"),
        "/jobs/{job_id}/run": get(
            "triggerJob",
            parameters=[
                {"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}, "example": 3}
            ],
        ),
        "/stats": get("getStats", security=[{"key": []}]),
        "/public": get("getPublic", security=[{}]),
        "/either": get("getEither", security=[{"query": []}, {"key": []}]),
        "/initials": get("listInitials"),  # 'initials' is not 'init'
        "/dropdowns": get("listDropdowns"),  # nor is 'dropdowns' 'drop'
    },
}


def labels(calls: list[Any]) -> list[str]:
    return [c.label for c in calls]


def test_gets_that_look_unsafe_are_excluded_by_default_each_with_its_reason() -> None:
    calls, left = load_generated.plan(SPEC, Settings(), [])
    reasons = {row["operation"]: row["reason"] for row in left["excluded_operations"]}
    assert set(reasons) == {
        "GET /admin/reset-db",
        "GET /db/init",
        "GET /seed",
        "GET /session",
        "GET /cache",
        "GET /jobs/{job_id}/run",
    }
    assert "'reset' in its path '/admin/reset-db'" in reasons["GET /admin/reset-db"]
    assert "'log out' in its operationId 'logOut'" in reasons["GET /session"]
    assert "'flush' in its operationId 'flushCaches'" in reasons["GET /cache"]
    assert "'trigger' in its operationId 'triggerJob'" in reasons["GET /jobs/{job_id}/run"]
    assert all("[load] include" in reason for reason in reasons.values())
    assert labels(calls) == [
        "GET /books",
        "GET /stats",
        "GET /public",
        "GET /either",
        "GET /initials",
        "GET /dropdowns",
    ]


def test_include_names_the_only_operations_and_overrides_the_heuristic_exclude_always_wins() -> None:
    settings = Settings(include=["GET /admin/*", "GET /books", "GET /stats"], exclude=["* /stats"])
    calls, left = load_generated.plan(SPEC, settings, [])
    assert labels(calls) == ["GET /books", "GET /admin/reset-db"]
    reasons = {row["operation"]: row["reason"] for row in left["excluded_operations"]}
    assert reasons["GET /stats"] == "excluded by [load] exclude '* /stats'"
    assert reasons["GET /seed"] == "not named by [load] include"


def test_weights_come_from_the_first_matching_glob() -> None:
    settings = Settings(weights={"GET /books": 5, "GET /*": 2})
    calls, _ = load_generated.plan(SPEC, settings, [])
    assert {c.label: c.weight for c in calls}["GET /books"] == 5
    assert {c.label: c.weight for c in calls}["GET /stats"] == 2


def test_each_operation_is_sent_the_credentials_its_security_names() -> None:
    calls, _ = load_generated.plan(SPEC, Settings(), ["Authorization", "X-API-Key", "X-Tenant"])
    sent = {c.label: c.service_headers for c in calls}
    assert sent["GET /books"] == ["X-Tenant", "Authorization"]  # the document's default: bearer
    assert sent["GET /stats"] == ["X-Tenant", "X-API-Key"]  # its own scheme, not the bearer token
    assert sent["GET /public"] == ["X-Tenant"]  # {}: no credentials needed
    assert sent["GET /either"] == ["X-Tenant", "X-API-Key"]  # the first alternative gate can satisfy


def test_without_the_named_credentials_an_operation_gets_every_header_and_its_probe_decides() -> None:
    operation = next(op for op in openapi.operations(SPEC) if op.path == "/stats")
    assert load_credentials.header_names(SPEC, operation, ["Authorization"]) == ["Authorization"]


@pytest.mark.parametrize("glob", ["/books", "GET", "GET books", ""])
def test_operation_globs_must_name_a_method_and_a_path(glob: str) -> None:
    with pytest.raises(ValueError, match="not an operation glob"):
        Settings(exclude=[glob])
    with pytest.raises(ValueError, match="not an operation glob"):
        Settings(weights={glob: 1})


def test_settings_that_contradict_each_other_are_refused() -> None:
    with pytest.raises(ValueError, match="weight of 'GET /a' must be"):
        Settings(weights={"GET /a": 0})
    with pytest.raises(ValueError, match="a target locustfile decides"):
        Settings(locustfile="l.py", rps=5)
    with pytest.raises(ValueError, match="not both"):
        Settings(processes=2, workers="external")
    with pytest.raises(ValueError, match="processes must be"):
        Settings(processes=0)


def test_words_split_identifiers_and_drop_path_variables() -> None:
    assert load_select.words("/admin/{delete_id}/resetAllCaches") == ["admin", "reset", "all", "caches"]
    assert load_select.words("get_DB-stats") == ["get", "db", "stats"]


def test_an_openapi_32_document_is_planned_like_31_and_its_query_method_is_not_load_tested() -> None:
    spec = {
        "openapi": "3.2.0",
        "paths": {"/books": {**get("listBooks"), "query": {"responses": {"200": {"description": "ok"}}}}},
    }
    calls, left = load_generated.plan(spec, Settings(), [])
    assert [c.label for c in calls] == ["GET /books"]  # QUERY has a body: only GETs are load-tested
    assert left == {"excluded_operations": [], "skipped_operations": []}
