"""Runner helpers that need no tool."""

from __future__ import annotations

from pathlib import Path

from gate.runner import _target_in_repo


def test_the_targets_place_in_its_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    service = tmp_path / "services" / "orders"
    service.mkdir(parents=True)
    assert _target_in_repo(service) == "services/orders"
    assert _target_in_repo(tmp_path) == ""
