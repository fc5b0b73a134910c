"""A finding's identity across runs: what SARIF's partialFingerprints carry and a baseline matches on.

No line number goes into it, so moving code (lines added above a finding) keeps its fingerprint;
changing the flagged lines themselves, the rule or the file gives a new one. Standard library only.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from gate.model import Finding


def digest(finding: Finding) -> str:
    """Rule, tool, check, file (or API operation) and the whitespace-normalized text of the lines."""
    content = " ".join((finding.snippet or finding.message).split())
    # The operation stands where the file would be: fuzz findings kept it in `path` before gate 0.2
    # (schema 1.0), and a changed fingerprint would reopen every code-scanning alert.
    place = finding.path or finding.operation or ""
    base = "\0".join((finding.check, finding.tool, finding.rule, place, content))
    return hashlib.sha256(base.encode("utf-8")).hexdigest()[:32]


def fingerprints(findings: Iterable[Finding]) -> list[str]:
    """One fingerprint per finding, in order: the digest and its occurrence ("<digest>:<n>").

    Two identical findings in one file (the same line of code twice) are told apart by the count, so
    a baseline with one of them still reports the second as new.
    """
    seen: Counter[str] = Counter()
    result = []
    for finding in findings:
        key = digest(finding)
        seen[key] += 1
        result.append(f"{key}:{seen[key]}")
    return result
