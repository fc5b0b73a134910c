"""The console line of the fuzz check says what fuzzing left out and how often it renewed its token."""

from __future__ import annotations

import dataclasses

from gate.reporters.console import measured
from tests.support.canonical import canonical_report


def test_exclusions_and_renewals_are_on_the_fuzz_line() -> None:
    fuzz = next(c for c in canonical_report().checks if c.id == "fuzz")
    assert "excluded" not in measured(fuzz) and "renewed" not in measured(fuzz)
    more = dataclasses.replace(fuzz, metrics={**fuzz.metrics, "operations_excluded": 2, "token_renewals": 3})
    assert measured(more).endswith("100 test cases on 4 operations, 2 excluded, token renewed 3 times")
    once = dataclasses.replace(fuzz, metrics={**fuzz.metrics, "operations_excluded": 0, "token_renewals": 1})
    assert measured(once).endswith("on 4 operations, token renewed 1 time")
