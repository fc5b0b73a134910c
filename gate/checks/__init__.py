"""The registry of checks, written out: id -> module satisfying gate.checks.base.Check."""

from __future__ import annotations

from collections.abc import Mapping

from gate.checks import coverage, docs, fuzz, load, migrations, practices, security
from gate.checks.base import Check

# Order is the order reports list them in.
CHECKS: Mapping[str, Check] = {
    "security": security,
    "coverage": coverage,
    "migrations": migrations,
    "docs": docs,
    "fuzz": fuzz,
    "load": load,
    "practices": practices,
}
