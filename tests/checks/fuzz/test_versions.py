"""The OpenAPI versions gate supports (gate.live.openapi) are the ones the installed schemathesis reads."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from schemathesis.core.result import Ok

from gate.live import openapi

OK = {"responses": {"200": {"description": "ok"}}}


def document(version: str, **item: Any) -> dict[str, Any]:
    return {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": {"/notes": {"get": OK, **item}}}


def fuzzed_methods(spec: dict[str, Any]) -> list[str]:
    """The methods of the operations schemathesis makes of `spec` (each must load)."""
    methods: list[str] = []
    for operation in schemathesis.openapi.from_dict(spec).get_all_operations():
        assert isinstance(operation, Ok), operation
        methods.append(operation.ok().method)
    return methods


@pytest.mark.parametrize("minor", openapi.OPENAPI_VERSIONS)
def test_schemathesis_reads_every_version_spec_loading_accepts(minor: str) -> None:
    spec = document(f"{minor}.0")
    assert openapi.spec_problem(spec) is None
    assert fuzzed_methods(spec) == ["get"]


@pytest.mark.parametrize("version", ["3.3.0", "3.1"])
def test_what_schemathesis_refuses_spec_loading_refuses_first(version: str) -> None:
    assert openapi.spec_problem(document(version)) is not None
    with pytest.raises(schemathesis.core.errors.LoaderError):
        schemathesis.openapi.from_dict(document(version))


def test_32_query_is_fuzzed_additional_operations_are_not_and_the_fuzz_check_says_so() -> None:
    spec = document("3.2.0", query=OK, additionalOperations={"LINK": OK})
    fuzzed = set(fuzzed_methods(spec))
    assert fuzzed == {"get", "query"}  # if schemathesis learns LINK, drop gate's "not fuzzed" note
    assert openapi.additional_operations(spec) == ["LINK /notes"]
    assert [o.label for o in openapi.operations(spec)] == ["GET /notes", "QUERY /notes", "LINK /notes"]
