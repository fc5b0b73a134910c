"""Shared test helpers: build target folders and run the gate command in-process."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from gate.cli import cli
from tests.support import paths

FIXTURES = paths.FIXTURES


def write_files(root: Path, files: Mapping[str, str]) -> Path:
    """Create files (dedented) under root and return root."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def gate_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty security cache per test, never the user's own (~/.cache/gate)."""
    folder = tmp_path / "gate-cache"
    monkeypatch.setenv("GATE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def make_target(tmp_path: Path) -> Callable[[Mapping[str, str]], Path]:
    """A fresh target folder with the given files."""

    def make(files: Mapping[str, str]) -> Path:
        return write_files(tmp_path / "target", files)

    return make


@pytest.fixture
def run_gate(tmp_path: Path) -> Callable[..., tuple[Result, dict[str, Any] | None]]:
    """Run `gate run TARGET --out OUT ARGS...` in-process; return the click result and the JSON report."""

    def run(target: Path, *args: str) -> tuple[Result, dict[str, Any] | None]:
        out = tmp_path / "out"
        result = CliRunner().invoke(cli, ["run", str(target), "--out", str(out), *args], catch_exceptions=False)
        report_path = out / "gate-report.json"
        report = json.loads(report_path.read_text()) if report_path.exists() else None
        return result, report

    return run


def check_of(report: Mapping[str, Any], check_id: str) -> dict[str, Any]:
    """The check entry with this id in a JSON report."""
    matches: list[dict[str, Any]] = [c for c in report["checks"] if c["id"] == check_id]
    assert len(matches) == 1, f"no single check {check_id!r} in report"
    return matches[0]
