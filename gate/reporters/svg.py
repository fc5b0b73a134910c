"""Chart geometry for the HTML report: numbers in, formatted coordinates out. The template draws the SVG.

Only finite numbers reach a coordinate; every label is plain text the template escapes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from gate.numbers import number, short

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 60, 16, 14, 40
DRAWABLE = 1e12  # larger values (ms, rps, seconds) are not measurements a chart can place


@dataclass(frozen=True)
class Tick:
    pos: str  # a formatted coordinate
    label: str


@dataclass(frozen=True)
class Dot:
    x: str
    y: str
    label: str  # shown as the point's <title> tooltip


@dataclass(frozen=True)
class Chart:
    """A line chart laid out in a WIDTH x HEIGHT viewBox."""

    title: str
    x_label: str
    y_label: str
    points: str  # the polyline's points attribute
    dots: tuple[Dot, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    threshold: Tick | None
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def _c(value: float) -> str:
    return f"{value:.1f}"


def nice_max(value: float) -> float:
    """A round number at or above `value` (the top of the y axis), in steps that quarter evenly."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.6, 2, 2.4, 3, 4, 6, 8, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def line_chart(
    title: str,
    x_label: str,
    y_label: str,
    xs: Sequence[float],
    ys: Sequence[float],
    x_names: Sequence[str],
    unit: str,
    threshold: float | None = None,
) -> Chart | None:
    """Lay out a line through (xs[i], ys[i]); x_names label the points. None when there is nothing to draw."""
    if not xs or len(xs) != len(ys):
        return None
    if any(not abs(v) <= DRAWABLE for v in (*xs, *ys, threshold or 0.0)):
        # 1.7e308 is finite, but the axis above it is not (OverflowError): such a chart says nothing anyway.
        return None
    x_lo, x_hi = min(xs), max(xs)
    y_hi = nice_max(max([*ys, threshold or 0.0]) * 1.05)
    span_x = (x_hi - x_lo) or 1.0

    def px(x: float) -> float:
        return LEFT + (x - x_lo) / span_x * (WIDTH - LEFT - RIGHT)

    def py(y: float) -> float:
        return HEIGHT - BOTTOM - y / y_hi * (HEIGHT - TOP - BOTTOM)

    dots = tuple(
        Dot(_c(px(x)), _c(py(y)), f"{name}: {short(y)}{unit}") for x, y, name in zip(xs, ys, x_names, strict=True)
    )
    y_ticks = tuple(Tick(_c(py(y_hi * i / 4)), short(y_hi * i / 4)) for i in range(5))
    step = max(1, math.ceil(len(xs) / 10))  # at most ~10 labels on the x axis
    x_ticks = tuple(Tick(_c(px(x)), name) for x, name in list(zip(xs, x_names, strict=True))[::step])
    marker = None
    if threshold is not None and threshold <= y_hi:
        marker = Tick(_c(py(threshold)), f"threshold {short(threshold)}{unit}")
    return Chart(title, x_label, y_label, " ".join(f"{d.x},{d.y}" for d in dots), dots, x_ticks, y_ticks, marker)


def percentile_chart(pairs: object, threshold: float | None) -> Chart | None:
    """Latency by percentile from [[percent, ms], ...]; percentiles evenly spaced so the tail is readable."""
    points = []
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, list | tuple) and len(pair) == 2:
            percent, ms = number(pair[0]), number(pair[1])
            if percent is not None and ms is not None and ms >= 0:
                points.append((percent, ms))
    points.sort()
    return line_chart(
        "Latency distribution",
        "percentile",
        "ms",
        [float(i) for i in range(len(points))],
        [ms for _, ms in points],
        [f"p{short(p)}" for p, _ in points],
        " ms",
        threshold,
    )


def timeline_charts(rows: object, p95_threshold: float | None) -> list[Chart]:
    """Requests per second and p95 latency over time, from [{"t", "rps", "p95_ms"}, ...]."""
    samples = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
    charts = []
    for key, title, unit, threshold in (
        ("rps", "Requests per second over time", " rps", None),
        ("p95_ms", "p95 latency over time", " ms", p95_threshold),
    ):
        pairs = sorted(
            (t, v)
            for t, v in ((number(r.get("t")), number(r.get(key))) for r in samples)
            if t is not None and v is not None and v >= 0
        )
        chart = line_chart(
            title,
            "seconds",
            unit.strip(),
            [t for t, _ in pairs],
            [v for _, v in pairs],
            [f"{short(t)} s" for t, _ in pairs],
            unit,
            threshold,
        )
        if chart is not None:
            charts.append(chart)
    return charts
