"""Benchmark: the security check's incremental scan on a generated tree (full, unchanged, one file changed).

    .venv/bin/python bench/incremental_scan.py [--files 200] [--lines 250] [--keep DIR]

Generates a service of `--files` modules of about `--lines` lines of ordinary Python (handlers,
queries, HTTP calls, a few planted findings), then times `gate run --only security` three ways in
one go, each with an empty or warm cache in a private folder: a full scan (empty cache), a rerun
on the unchanged tree, and a rerun after one file changed; and a full scan with `cache = false`
after the change, whose findings must equal the incremental run's. Goal: one changed file >= 10x
faster than the full scan. Exits non-zero if a run errors or the findings differ.
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
from typing import Any

HEADER = '''"""Orders service, module {i}: handlers, queries and outbound calls."""

import hashlib
import json
import logging
import sqlite3
import subprocess

import requests

LOG = logging.getLogger(__name__)
TABLE = "orders_{i}"

'''

BLOCK = '''

class Order{i}x{j}:
    """An order as stored in {{TABLE}}."""

    def __init__(self, order_id: int, customer: str, total: float) -> None:
        self.order_id = order_id
        self.customer = customer
        self.total = total

    def as_dict(self) -> dict[str, object]:
        return {{"id": self.order_id, "customer": self.customer, "total": self.total}}

    def checksum(self) -> str:
        payload = json.dumps(self.as_dict(), sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()


def load_order_{j}(conn: sqlite3.Connection, order_id: int) -> Order{i}x{j} | None:
    row = conn.execute("SELECT id, customer, total FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        LOG.info("order %s not found", order_id)
        return None
    return Order{i}x{j}(int(row[0]), str(row[1]), float(row[2]))


def totals_{j}(orders: list[Order{i}x{j}]) -> dict[str, float]:
    result: dict[str, float] = {{}}
    for order in orders:
        result[order.customer] = result.get(order.customer, 0.0) + order.total
    return dict(sorted(result.items()))


def fetch_rates_{j}(base: str) -> dict[str, float]:
    response = requests.get("https://rates.example.com/latest", params={{"base": base}}, timeout=5)
    response.raise_for_status()
    return {{str(k): float(v) for k, v in response.json()["rates"].items()}}
'''

# A few real problems, spread over the tree as in a legacy service.
PLANTED = """

def search_{j}(conn: sqlite3.Connection, customer: str) -> list[tuple[object, ...]]:
    query = f"SELECT * FROM orders WHERE customer = '{{customer}}'"
    return conn.execute(query).fetchall()


def legacy_hash_{j}(password: str) -> str:
    return hashlib.md5(password.encode()).hexdigest()


def notify_{j}(url: str) -> None:
    requests.post(url, json={{"event": "order"}})


def archive_{j}(name: str) -> None:
    subprocess.run(f"tar czf /tmp/{{name}}.tgz /srv/orders", shell=True, check=True)
"""


# A full scan of a large tree on a busy 2-core machine outlasts the check's default 300 s.
CONFIG = '[security]\npaths = ["orders"]\ntimeout_s = 1500\n'


def module(i: int, lines: int) -> str:
    """One module of about `lines` lines; every fifth block holds planted findings."""
    parts = [HEADER.format(i=i)]
    j = 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(BLOCK.format(i=i, j=j))
        if j % 5 == 0:
            parts.append(PLANTED.format(j=j))
        j += 1
    return "".join(parts)


def generate(root: Path, files: int, lines: int) -> int:
    """Write the tree; returns its line count."""
    total = 0
    for i in range(files):
        package = root / "orders" / f"part{i // 50}"
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").touch()
        text = module(i, lines)
        (package / f"module_{i}.py").write_text(text, encoding="utf-8")
        total += text.count("\n")
    (root / "gate.toml").write_text(CONFIG, encoding="utf-8")
    return total


def run_security(target: Path, out: Path, cache: Path) -> tuple[float, dict[str, Any]]:
    """Time one `gate run --only security`; returns the seconds and the check's JSON entry."""
    env = {**os.environ, "GATE_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "gate", "run", str(target), "--only", "security", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        env=env,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"gate exited {done.returncode}:\n{done.stdout}{done.stderr}")
    report = json.loads((out / "gate-report.json").read_text(encoding="utf-8"))
    check = next(c for c in report["checks"] if c["id"] == "security")
    return elapsed, check


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--lines", type=int, default=250, help="lines per module (about)")
    parser.add_argument("--keep", type=Path, help="generate here and keep it (default: a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        work = args.keep or Path(temp)
        target, cache = work / "tree", work / "cache"
        lines = generate(target, args.files, args.lines)
        print(f"tree: {args.files} files, {lines} lines")
        full_s, full = run_security(target, work / "out", cache)
        same_s, same = run_security(target, work / "out", cache)
        changed = target / "orders" / "part0" / "module_0.py"
        changed.write_text(changed.read_text() + PLANTED.format(j=9999), encoding="utf-8")
        one_s, one = run_security(target, work / "out", cache)
        (target / "gate.toml").write_text(CONFIG + "cache = false\n", encoding="utf-8")
        ref_s, ref = run_security(target, work / "out", cache)
    for name, seconds, check in (
        ("full scan (empty cache)", full_s, full),
        ("unchanged rerun", same_s, same),
        ("one file changed", one_s, one),
        ("full scan, cache = false", ref_s, ref),
    ):
        d = check["details"]
        print(
            f"{name:26} {seconds:7.2f} s  from cache {d['files_from_cache']:4}  "
            f"rescanned {d['files_rescanned']:4}  findings {len(check['findings'])}"
        )
    print(f"speed-up: unchanged {full_s / same_s:.1f}x, one file changed {full_s / one_s:.1f}x (goal >= 10x)")
    if same["findings"] != full["findings"] or one["findings"] != ref["findings"]:
        print("FINDINGS DIFFER between the cached and the full scans", file=sys.stderr)
        return 1
    print("findings: identical (unchanged rerun = full scan; one-file change = full scan with cache off)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
