"""Runner helpers that need no tool."""

from __future__ import annotations

from pathlib import Path

from gate.checks import CHECKS
from gate.checks.base import traits
from gate.runner import _target_in_repo
from gate.schedule import submission_order


def test_the_targets_place_in_its_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    service = tmp_path / "services" / "orders"
    service.mkdir(parents=True)
    assert _target_in_repo(service) == "services/orders"
    assert _target_in_repo(tmp_path) == ""


def test_the_longest_check_goes_to_the_pool_first() -> None:
    """With 3 workers, fuzzing submitted last waited for a worker and then ran alone at the end."""
    pooled = [c for c, module in CHECKS.items() if not traits(module).runs_alone]
    order = submission_order(list(reversed(pooled)))
    assert sorted(order) == sorted(pooled)
    durations = [traits(CHECKS[c]).typical_duration_s for c in order]
    assert durations == sorted(durations, reverse=True)
    assert order[0] == "fuzz"  # the longest of gate's checks
    # Equal durations keep the registry's order.
    ties = [c for c in order if traits(CHECKS[c]).typical_duration_s == durations[-1]]
    assert ties == [c for c in CHECKS if c in ties]
