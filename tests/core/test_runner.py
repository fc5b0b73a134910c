"""Runner helpers that need no tool."""

from __future__ import annotations

from pathlib import Path

from gate.runner import _target_in_repo, submission_order


def test_the_targets_place_in_its_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    service = tmp_path / "services" / "orders"
    service.mkdir(parents=True)
    assert _target_in_repo(service) == "services/orders"
    assert _target_in_repo(tmp_path) == ""


def test_the_longest_check_goes_to_the_pool_first() -> None:
    """With 3 workers, fuzzing submitted last waited for a worker and then ran alone at the end."""
    order = submission_order(["security", "coverage", "migrations", "docs", "fuzz"])
    assert order == ["fuzz", "coverage", "security", "migrations", "docs"]
    assert submission_order(["docs", "somecheck", "fuzz"]) == ["fuzz", "docs", "somecheck"]
