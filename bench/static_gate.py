"""Benchmark: wall time of the whole static gate (security, coverage, migrations) on a small service.

    .venv/bin/python bench/static_gate.py [--runs 3] [--target tests/fixtures/project_clean]

Target: a few seconds, not minutes. Prints each run and the median; exits non-zero if a run errors.
The target is copied with a `.venv` link to gate's own environment, as the service's environment
(it needs pytest and coverage, which a dev install of gate has): a fresh clone has no other.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", type=Path, default=REPO / "tests" / "fixtures" / "project_clean")
    parser.add_argument("--only", default="security,coverage,migrations")
    args = parser.parse_args()
    times = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as scratch:
            target = Path(shutil.copytree(args.target, Path(scratch) / "target"))
            if not (target / ".venv").exists():
                (target / ".venv").symlink_to(Path(sys.prefix))
            started = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "gate",
                    "run",
                    str(target),
                    "--only",
                    args.only,
                    "--out",
                    str(Path(scratch) / "out"),
                ],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            elapsed = time.perf_counter() - started
        if done.returncode not in (0, 1):
            print(done.stdout + done.stderr, file=sys.stderr)
            return 1
        times.append(elapsed)
        print(f"run {run}: {elapsed:.2f} s (exit {done.returncode})")
    print(f"median: {statistics.median(times):.2f} s over {len(times)} runs ({args.only})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
