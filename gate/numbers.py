"""Numbers and counts as reports show them: one formatter for every reporter. Standard library only."""

from __future__ import annotations

import math


def number(value: object) -> float | None:
    """`value` as a finite float, or None for anything else (strings, booleans, NaN, missing)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def short(value: float, decimals: int = 2) -> str:
    """A short display of a number: integers bare, small fractions with significant digits."""
    if float(value).is_integer():
        return str(int(value))
    if abs(value) < 1:
        return f"{value:.{decimals + 1}g}"
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def distinct(value: float, limit: float) -> tuple[str, str]:
    """Display value and limit so that different numbers never read the same (79.999 is not '80')."""
    for decimals in range(2, 10):
        shown, bound = short(value, decimals), short(limit, decimals)
        if shown != bound or value == limit:
            return shown, bound
    return repr(value), repr(limit)


def seconds(value: float) -> str:
    """A duration to a tenth of a second: "4.2 s"."""
    return f"{value:.1f} s"


def plural(count: int, noun: str) -> str:
    """ "1 finding", "2 findings", "0 findings"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def unit_of(metric: str) -> str:
    """Display unit from the metric's name: *_ms are milliseconds, percent/*_percent are percentages."""
    if metric.endswith("_ms"):
        return " ms"
    if metric == "percent" or metric.endswith("_percent"):
        return " %"
    return ""
