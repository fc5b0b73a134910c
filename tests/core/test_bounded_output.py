"""A service that floods its log: the reports stay small and say where the text was cut."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import check_of
from tests.support.service import live_target, marker

__all__ = ["marker"]  # the fixture, imported for pytest

# One 10 MB line, then the service dies before it is ready: its log tail becomes the live checks' evidence.
FLOOD = "import sys\nprint('x' * 10_000_000 + 'LAST', flush=True)\nsys.exit(3)\n"


def test_a_ten_megabyte_log_line_keeps_the_reports_small(
    run_gate: Callable[..., Any], tmp_path: Path, marker: str
) -> None:
    target = live_target(tmp_path / "t", marker, files={"flood.py": FLOOD})
    config = target / "gate.toml"
    config.write_text(config.read_text().replace("python server.py --port {port}", "python flood.py --port {port}"))
    result, report = run_gate(target, "--only", "docs")
    assert result.exit_code == 3, result.output
    tail = check_of(report, "docs")["log_tail"]
    assert tail.startswith("[cut by gate: ") and tail.endswith("xLAST")
    for path in (tmp_path / "out").glob("gate-*"):
        assert path.stat().st_size < 200_000, path.name
    assert (tmp_path / "out" / "artifacts" / "service" / "service.log").stat().st_size > 10_000_000  # all kept
