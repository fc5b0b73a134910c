"""The docs check's measurement on a folder of real OpenAPI documents: the calibration of its default.

    .venv/bin/python bench/docs_calibration.py [FOLDER]     (default: tests/data/openapi/real)

Per spec: operations, the share documented (no medium gap: what the default policy's bar judges),
the share complete (no gap at all: the full bar), the verdict the default policy gives, and the gaps
by rule with their severity. The numbers recorded in policies/default.toml ([checks.docs]) come from
this script.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from gate.checks import docs
from gate.errors import CheckError
from gate.evaluate import evaluate
from gate.live import openapi
from gate.model import Observation
from gate.policy import load_policy

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "tests" / "data" / "openapi" / "real"


def main(folder: Path) -> int:
    policy = load_policy("default", ROOT, {}, "bench").checks["docs"]
    files = sorted(p for p in folder.iterdir() if p.suffix in (".json", ".yaml", ".yml"))
    if not files:
        print(f"no .json or .yaml spec in {folder}", file=sys.stderr)
        return 2
    print(f"{'spec':24} {'ops':>4} {'documented':>10} {'complete':>9}  verdict  gaps by rule (severity)")
    for path in files:
        try:
            measured = docs.measure(openapi.parse_spec(path.read_text(encoding="utf-8"), str(path)))
        except CheckError as exc:
            print(f"{path.name:24} cannot be judged: {exc}")
            continue
        observation = Observation(metrics=measured.metrics, findings=measured.findings)
        verdict = evaluate(observation, measured.findings, policy).status.value
        kinds = Counter((f.rule.removeprefix("docs."), f.severity.label) for f in measured.findings)
        gaps = ", ".join(f"{rule} ({severity}) {n}" for (rule, severity), n in sorted(kinds.items()))
        m = measured.metrics
        print(
            f"{path.name:24} {m['operations']:4.0f} {m['documented_percent']:9.1f}% {m['complete_percent']:8.1f}%"
            f"  {verdict:7}  {gaps or '-'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
