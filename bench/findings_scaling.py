"""Benchmark: gate's security check against bandit + semgrep run by hand, as raw findings double.

    .venv/bin/python bench/findings_scaling.py [--sizes 2000,4000,8000,16000]

For each size a synthetic service tree is written whose code gives about that many raw bandit +
semgrep hits (every function holds MD5 on a password, SQL from a parameter, a literal secret and an
HTTP call without a timeout: each reported by both tools, so merging has work to do). Then, in the
same run and on the same files: `gate run --only security` (all reporters), and bandit and semgrep
by hand with the flags gate uses, one after the other. Prints raw hits, gate's findings, both times
and gate / by-hand. A ratio that stays flat as the hits double means gate is linear in findings.
Target: the ratio does not grow with the number of findings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PACK = REPO / "policies" / "semgrep"
FUNCTIONS_PER_FILE = 40
HITS_PER_FUNCTION = 8  # bandit B105 B324 B608 B113 and four semgrep rules

FUNCTION = """

def handler_{n}(cursor, name, password):
    client_secret = "sk_live_{n:08d}abcdefabcdef"
    digest = hashlib.md5(password.encode()).hexdigest()
    cursor.execute(f"SELECT * FROM users_{n} WHERE name = '{{name}}' AND hash = '{{digest}}'")
    return requests.get("https://api.example.com/{n}", headers={{"X-Token": client_secret}})
"""


def write_tree(root: Path, functions: int) -> None:
    """A package of modules with `functions` handlers in all."""
    package = root / "app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (root / "gate.toml").write_text('[security]\npaths = ["app"]\n')
    for start in range(0, functions, FUNCTIONS_PER_FILE):
        body = "".join(FUNCTION.format(n=n) for n in range(start, min(start + FUNCTIONS_PER_FILE, functions)))
        (package / f"handlers_{start // FUNCTIONS_PER_FILE:04d}.py").write_text(
            '"""Synthetic handlers."""\n\nimport hashlib\n\nimport requests\n' + body
        )


def timed(argv: list[str], cwd: Path, ok: tuple[int, ...]) -> float:
    env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in ok:
        raise SystemExit(f"{argv[0]} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed


def by_hand(tree: Path, work: Path) -> tuple[float, int]:
    """bandit, then semgrep, with gate's flags, on gate's file list; seconds and raw hits."""
    files = sorted(p.relative_to(tree).as_posix() for p in (tree / "app").glob("*.py"))
    bandit_out, semgrep_out = work / "bandit.json", work / "semgrep.json"
    seconds = timed(
        [
            str(BIN / "bandit"),
            "--format",
            "json",
            "--output",
            str(bandit_out),
            "--recursive",
            "--ignore-nosec",
            "--",
            *files,
        ],
        tree,
        (0, 1),
    )
    seconds += timed(
        [
            str(BIN / "semgrep"),
            "scan",
            "--config",
            str(PACK),
            "--metrics=off",
            "--disable-version-check",
            "--oss-only",
            "--no-rewrite-rule-ids",
            "--json",
            "--output",
            str(semgrep_out),
            "--quiet",
            "--disable-nosem",
            "--",
            *files,
        ],
        tree,
        (0,),
    )
    hits = len(json.loads(bandit_out.read_text())["results"]) + len(json.loads(semgrep_out.read_text())["results"])
    return seconds, hits


def with_gate(tree: Path, out: Path) -> tuple[float, int]:
    """`gate run --only security` with every reporter; seconds and the findings it reported."""
    seconds = timed(
        [sys.executable, "-m", "gate", "run", str(tree), "--only", "security", "--out", str(out)], REPO, (0, 1)
    )
    report = json.loads((out / "gate-report.json").read_text())
    [check] = [c for c in report["checks"] if c["id"] == "security"]
    return seconds, len(check["findings"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,4000,8000,16000", help="raw hits wanted, comma-separated")
    args = parser.parse_args()
    print(f"{'raw hits':>9} {'findings':>9} {'gate s':>8} {'by hand s':>10} {'gate/hand':>10}")
    for wanted in (int(size) for size in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            tree, work = root / "tree", root / "work"
            work.mkdir()
            write_tree(tree, max(1, wanted // HITS_PER_FUNCTION))
            hand_s, hits = by_hand(tree, work)
            gate_s, findings = with_gate(tree, root / "out")
        print(f"{hits:>9} {findings:>9} {gate_s:>8.1f} {hand_s:>10.1f} {gate_s / hand_s:>10.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
