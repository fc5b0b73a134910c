"""The load scenario generated from a spec: which GET operations it calls, with which values."""

from __future__ import annotations

import json
from typing import Any

from gate.checks.load import scenario as load_scenario
from gate.checks.load.scenario import Call
from tests.support import paths

DATA = paths.DATA / "openapi"


def spec_of(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((DATA / name).read_text())
    return spec


def test_values_come_from_examples_refs_defaults_enums_and_const() -> None:
    calls, _ = load_scenario.build(spec_of("values-30.json"))
    assert calls == [
        Call("GET", "/by-example/{id}", "/by-example/5"),  # the parameter's example beats the default
        Call("GET", "/by-examples/{id}", "/by-examples/11"),  # examples through components/examples
        Call("GET", "/by-schema-ref/{kind}", "/by-schema-ref/big%2Fsmall"),  # enum via $ref, encoded
        # Query values stay raw (requests encodes them); arrays repeat; optional `page` is left out.
        Call("GET", "/search", "/search", {"q": "a&b", "tags": ["x"], "flag": "false"}, {"X-Trace": "t-1"}),
    ]


def test_operations_that_cannot_be_filled_are_skipped_with_the_reason() -> None:
    _, skipped = load_scenario.build(spec_of("values-30.json"))
    reasons = {s.operation: s.reason for s in skipped}
    assert set(reasons) == {"GET /no-value/{id}", "GET /needs-cookie", "GET /needs-body", "GET /object-param"}
    assert "required path parameter 'id'" in reasons["GET /no-value/{id}"]
    assert "cookie" in reasons["GET /needs-cookie"]
    assert "request body" in reasons["GET /needs-body"]
    assert "not a plain value" in reasons["GET /object-param"]
    # Only GET operations are candidates: POST /write-only is neither called nor listed.


def test_swagger_20_parameters_use_x_example_and_defaults() -> None:
    calls, skipped = load_scenario.build(spec_of("gaps-swagger20.json"))
    assert calls == [Call("GET", "/pets", "/pets"), Call("GET", "/pets/{id}", "/pets/7")]
    assert skipped == []


def test_openapi_31_schema_examples_list_and_path_item_refs() -> None:
    calls, _ = load_scenario.build(spec_of("gaps-31.json"))
    assert calls == [Call("GET", "/things", "/things"), Call("GET", "/things/{name}", "/things/a%20b%2Fc")]
