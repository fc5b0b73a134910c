"""practices after fuzzing, on the authenticated notes API (tests/fixtures/auth_api), whose logout
revokes the token it is called with: once fuzzing has logged gate's token out, practices renews it by
re-running its command instead of probing the service with a revoked token."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import check_of
from tests.support.auth_api import PER_SCHEME, auth_api_target
from tests.support.service import marker

__all__ = ["marker"]  # the fixture, imported for pytest

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]


def test_a_token_fuzzing_revoked_is_renewed_before_the_probes(
    run_gate: RunGate, tmp_path: Path, marker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIXTURE_PASSWORD", "admin-pw")  # PER_SCHEME's Basic password
    target = auth_api_target(
        tmp_path / "t",
        marker,
        bugs=False,
        service=PER_SCHEME,
        env={"FIXTURE_USER": "admin", "FIXTURE_PASSWORD": "admin-pw"},
        fuzz="max_examples = 3\nexclude_logout = false\nmax_token_renewals = 200",
    )
    config = target / "gate.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[practices]\ndisabled = ["ratelimit"]\n')
    result, report = run_gate(target, "--only", "fuzz,practices")
    assert report is not None, result.output
    log = (tmp_path / "out" / "artifacts" / "service" / "service.log").read_text(encoding="utf-8")
    assert any('"DELETE /api/tokens' in line and '" 204 ' in line for line in log.splitlines())  # a logout ran

    practices = check_of(report, "practices")
    notes = [n for n in practices["details"]["notes"] if n.startswith("credentials: ")]
    assert len(notes) == 1, practices["details"]["notes"]
    assert "were refused (HTTP 401 on GET /me" in notes[0] and "renewed (bearerAuth)" in notes[0], notes
    assert notes[0].endswith("then answered HTTP 200"), notes
