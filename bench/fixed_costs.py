"""Benchmark: gate's fixed costs, the time paid before any check does work.

    .venv/bin/python bench/fixed_costs.py [--runs 10]

Measures the median wall time of `gate --help` and `gate --version` next to a bare `python -c pass`
(the interpreter's own start-up, which gate cannot remove), the import time of `gate.cli` from
`python -X importtime`, and how long reading bandit's version takes as a `bandit --version` process
versus package metadata. Target: `gate --help` <= 0.3 s.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

BIN = Path(sys.executable).parent


def wall(argv: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of `argv` over `runs` runs, in seconds.

    CPU time is the steadier figure on a shared machine: waiting for a core is not in it.
    """
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, timeout=120, check=True)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def show(label: str, figures: tuple[float, float], note: str = "") -> None:
    print(f"{label:22} {figures[0]:.3f} s wall, {figures[1]:.3f} s CPU{note}")


def import_time_ms(module: str) -> float:
    """Cumulative import time of `module` as `python -X importtime` reports it, in milliseconds."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    for line in reversed(done.stderr.splitlines()):
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1]) / 1000
    raise SystemExit(f"no import time for {module} in python -X importtime's output")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--gate", type=Path, default=BIN / "gate", help="the gate command to measure")
    args = parser.parse_args()
    show("python -c pass", wall([sys.executable, "-c", "pass"], args.runs), " (interpreter start-up)")
    show("gate --help", wall([str(args.gate), "--help"], args.runs), " (target <= 0.3 s)")
    show("gate --version", wall([str(args.gate), "--version"], args.runs))
    show("bandit --version", wall([str(BIN / "bandit"), "--version"], max(3, args.runs // 3)))
    started = time.perf_counter()
    metadata.version("bandit")
    print(f"{'bandit from metadata':22} {(time.perf_counter() - started) * 1000:.1f} ms in-process")
    print(f"{'import gate.cli':22} {import_time_ms('gate.cli'):.1f} ms (python -X importtime, cumulative)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
