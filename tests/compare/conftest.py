"""Helpers for `gate compare` tests: saved reports written from the canonical report, edited as JSON."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from gate.cli import cli
from gate.report_json import report_to_dict
from tests.support.canonical import canonical_report


def check_in(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(c for c in report["checks"] if c["id"] == check_id)


@pytest.fixture
def canonical_json() -> dict[str, Any]:
    """The canonical report in its saved (JSON) form; each test edits its own copy."""
    return copy.deepcopy(report_to_dict(canonical_report()))


@pytest.fixture
def save(tmp_path: Path) -> Callable[[str, dict[str, Any]], Path]:
    def write(name: str, data: dict[str, Any]) -> Path:
        path = tmp_path / name / "gate-report.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write


def run_compare(*args: str | Path) -> Result:
    """`gate compare ARGS...` in-process (stderr kept apart from stdout)."""
    return CliRunner().invoke(cli, ["compare", *(str(a) for a in args)], catch_exceptions=False)
