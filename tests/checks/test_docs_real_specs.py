"""The docs check's calibration on trimmed real specs (tests/data/openapi/real, sources in its README):
well-kept APIs pass or warn; a spec whose operations lack what a client needs fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.checks import docs
from gate.evaluate import evaluate
from gate.live import openapi
from gate.model import Observation, Status
from gate.policy import load_policy
from tests.support import paths

REAL = paths.DATA / "openapi" / "real"


def measure(name: str) -> docs.Measurement:
    path = REAL / name
    return docs.measure(openapi.parse_spec(path.read_text(encoding="utf-8"), str(path)))


def verdict(measured: docs.Measurement) -> Status:
    policy = load_policy("default", Path("."), {}, "test").checks["docs"]
    observation = Observation(metrics=measured.metrics, findings=measured.findings)
    return evaluate(observation, measured.findings, policy).status


def rules_of(measured: docs.Measurement) -> set[str]:
    return {f.rule for f in measured.findings}


@pytest.mark.parametrize(
    ("name", "documented", "complete", "status"),
    [
        ("gotify.json", 100.0, 100.0, Status.PASS),
        ("stripe.json", 100.0, 20.0, Status.PASS),
        ("github.yaml", 100.0, pytest.approx(200 / 3), Status.WARN),
        ("gitea.json", 100.0, 0.0, Status.WARN),
        ("petstore3.yaml", pytest.approx(1500 / 19), pytest.approx(100 / 19), Status.FAIL),
        ("fastapi-template.json", 80.0, 35.0, Status.FAIL),
    ],
)
def test_the_calibrated_outcome_on_each_real_spec(
    name: str, documented: float, complete: float, status: Status
) -> None:
    """The figures policies/default.toml records for the calibration."""
    measured = measure(name)
    assert (measured.metrics["documented_percent"], measured.metrics["complete_percent"]) == (documented, complete)
    assert verdict(measured) is status


def test_stripe_path_ids_are_noted_not_counted() -> None:
    """Stripe describes no path parameter (`/v1/customers/{customer}`): the path says what it is."""
    measured = measure("stripe.json")
    assert rules_of(measured) == {"docs.undescribed-path-id"}
    note = next(f for f in measured.findings if f.operation == "DELETE /v1/customers/{customer}/tax_ids/{id}")
    assert note.severity.label == "info"
    assert note.message.endswith("without a description: customer (path), id (path)")


def test_gitea_header_only_errors_and_unanswered_inputs_are_advice() -> None:
    measured = measure("gitea.json")
    assert rules_of(measured) == {"docs.no-error-response", "docs.no-error-schema"}
    assert {f.severity.label for f in measured.findings} == {"low"}


def test_a_health_check_without_an_error_response_only_warns() -> None:
    """FastAPI adds a 422 to every operation with input; its health check has none and takes none."""
    measured = measure("fastapi-template.json")
    health = [f for f in measured.findings if f.operation == "GET /api/v1/utils/health-check/"]
    assert [(f.rule, f.severity.label) for f in health] == [("docs.no-error-response-no-input", "low")]


def test_fastapi_parameters_without_descriptions_fail_but_ids_do_not() -> None:
    measured = measure("fastapi-template.json")
    undocumented = {f.operation: f.message for f in measured.findings if f.rule == "docs.undocumented-parameter"}
    assert undocumented["GET /api/v1/users/"].endswith("without a description: skip (query), limit (query)")
    assert undocumented["POST /api/v1/password-recovery/{email}"].endswith(": email (path)")
    assert "GET /api/v1/users/{user_id}" not in undocumented  # user_id is the key of the users path
    assert len(undocumented) == 4


def test_petstore_operations_without_a_success_response_fail() -> None:
    measured = measure("petstore3.yaml")
    failing = sorted(str(f.operation) for f in measured.findings if f.severity.label == "medium")
    assert failing == [
        "DELETE /pet/{petId}",  # also its header api_key has an empty description
        "DELETE /pet/{petId}",
        "DELETE /store/order/{orderId}",
        "DELETE /user/{username}",
        "POST /pet/{petId}",
    ]
