"""Benchmark: writing every report (all file formats, console, step summary, annotations) for many findings.

    .venv/bin/python bench/report_scaling.py [--findings 2000,8000] [--runs 1]

In process, no tools run: a synthetic GateReport with N security findings (snippets holding literal
secrets and code, messages, some with an Authorization header echoed) plus N/10 fuzz findings with
curl lines. Times the runner's redaction with known secrets (`redact_report`, once per run), and
then what `gate run` does after it: `write_reports`, `console.render`, the Markdown step summary and
the GitHub annotations. Prints CPU seconds (process time: the machine is shared) per part and in all.
Target: reporting grows linearly with N and costs one redaction pass, not one per reporter.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gate.model import CheckResult, Finding, GateReport, Severity, Status, Verdict
from gate.outdir import write_reports
from gate.redact import redact_report
from gate.reporters import console, github, markdown

SECRETS = ("s3cr3t-Service-Token-0042", "Db-Password-9f8e7d6c")
SEVERITIES = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO]


def security_finding(n: int) -> Finding:
    """One of four kinds of security finding, as bandit and semgrep report them."""
    kind = n % 4
    if kind == 0:
        return Finding(
            "security",
            "bandit",
            "B105",
            Severity.MEDIUM,
            f"Possible hardcoded password: 'sk_live_{n:08d}abcdef'",
            f"app/handlers_{n // 40:04d}.py",
            n % 400 + 1,
            f'    client_secret = "sk_live_{n:08d}abcdefabcdef"',
        )
    if kind == 1:
        return Finding(
            "security",
            "semgrep",
            "gate.weak-hash",
            Severity.HIGH,
            "MD5 is not a password hash; use hashlib.scrypt or bcrypt.",
            f"app/handlers_{n // 40:04d}.py",
            n % 400 + 2,
            "    digest = hashlib.md5(password.encode()).hexdigest()",
        )
    if kind == 2:
        return Finding(
            "security",
            "semgrep",
            "gate.sql-string-concat",
            Severity.CRITICAL,
            "SQL built from strings.",
            f"app/handlers_{n // 40:04d}.py",
            n % 400 + 3,
            f"    cursor.execute(f\"SELECT * FROM users_{n} WHERE name = '{{name}}'\")",
        )
    return Finding(
        "security",
        "bandit",
        "B113",
        Severity.LOW,
        "Call to requests without timeout",
        f"app/handlers_{n // 40:04d}.py",
        n % 400 + 4,
        f'    return requests.get("https://api.example.com/{n}", headers={{"X-Token": client_secret}})',
    )


def fuzz_finding(n: int) -> Finding:
    """A server error schemathesis found, with the curl line that reproduces it."""
    operation = f"GET /items/{n}"
    curl = f"curl -X GET -H 'Authorization: Bearer {SECRETS[0]}' 'http://127.0.0.1:8000/items/{n}?q=%00'"
    return Finding(
        "fuzz",
        "schemathesis",
        "server_error",
        Severity.HIGH,
        f"500 on {operation}",
        extra={"status": "500", "curl": curl},
        operation=operation,
        blocking=True,
        log_excerpt=f"Traceback (most recent call last):\n  File \"app.py\", line {n}\nKeyError: 'q'",
    )


def synthetic_report(findings: int) -> GateReport:
    """A FAIL report with `findings` security findings and a tenth as many fuzz findings."""
    security = tuple(
        dataclasses.replace(f, blocking=f.severity >= Severity.MEDIUM) for f in map(security_finding, range(findings))
    )
    fuzz = tuple(fuzz_finding(n) for n in range(findings // 10))
    checks = (
        CheckResult(
            "security",
            "Security scan",
            Status.FAIL,
            ("findings fail the policy",),
            12.0,
            metrics={"total": len(security)},
            findings=security,
            fail_at=Severity.MEDIUM,
            tools={"bandit": "1.9.4", "semgrep": "1.140.0"},
        ),
        CheckResult(
            "fuzz",
            "API fuzzing",
            Status.FAIL,
            ("server errors",),
            30.0,
            metrics={"server_errors": len(fuzz)},
            findings=fuzz,
            fail_at=Severity.HIGH,
            tools={"schemathesis": "4.1.0"},
        ),
    )
    return GateReport(
        Verdict.FAIL, "/srv/app", "default (builtin)", "2026-12-01T00:00:00+00:00", 42.0, checks, gate_version="bench"
    )


def timed(what: Callable[[], object]) -> tuple[float, object]:
    started = time.process_time()
    result = what()
    return time.process_time() - started, result


def measure(findings: int, out: Path) -> dict[str, float]:
    """Seconds per reporting step for one synthetic report of `findings` findings."""
    raw = synthetic_report(findings)
    times: dict[str, float] = {}
    times["runner redaction"], report = timed(lambda: redact_report(raw, SECRETS))
    assert isinstance(report, GateReport)
    times["write_reports"], written = timed(lambda: write_reports(report, out))
    assert not written.failures, written.failures  # type: ignore[attr-defined]
    times["console"], _ = timed(lambda: console.render(report, color=False, width=110))
    times["step summary"], _ = timed(lambda: github.bounded_summary(markdown.render(report), github.SUMMARY_LIMIT))
    times["annotations"], _ = timed(lambda: list(github.annotations(report)))
    times["total"] = sum(times.values())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", default="2000,8000", help="comma-separated finding counts")
    parser.add_argument("--runs", type=int, default=1, help="runs per size; the fastest is shown")
    args = parser.parse_args()
    sizes = [int(s) for s in args.findings.split(",")]
    columns = ["runner redaction", "write_reports", "console", "step summary", "annotations", "total"]
    print("| findings | " + " | ".join(columns) + " |")
    print("|---:|" + "---:|" * len(columns))
    for size in sizes:
        best: dict[str, float] = {}
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                times = measure(size, Path(tmp))
            if not best or times["total"] < best["total"]:
                best = times
        print(f"| {size:,} | " + " | ".join(f"{best[c]:.2f} s" for c in columns) + " |", flush=True)


if __name__ == "__main__":
    main()
