"""Joins bandit's and semgrep's findings into one list: duplicates merged, source lines attached.

A semgrep rule lists the bandit tests that report the same problem (metadata `bandit: [B608]`).
When such a bandit finding lies on the lines of the semgrep finding in the same file, the two are
one finding: semgrep's, with its rule id, message and severity. The rule judged that problem with
more context than bandit's name-based guess and its gate-severity is set for it, so a LOW B105
merged into it does not raise it (nor a HIGH guess); `also_reported_by` names the bandit test and
`bandit_severity` keeps what bandit said. One rule reported twice on a line (semgrep binds both
`password` and `self.password` in `self.password = "..."`) is one finding. Everything else is kept
as each tool reported it. bandit's findings are indexed by (path, line): merging is linear.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from gate.checks.security.hits import Hit
from gate.model import Finding

SNIPPET_MAX = 200
# Findings whose source line holds a credential: its string literals are masked in reports.
SECRET_RULES = ("gate.hardcoded-*", "B105", "B106", "B107")
_LITERAL = re.compile(r"""(?P<q>["'])(?:\\.|(?!(?P=q)).)*(?P=q)""")
_KEY_FOLLOWS = re.compile(r"\s*:")


def merge(bandit: Sequence[Hit], semgrep: Sequence[Hit]) -> tuple[list[Finding], int]:
    """One finding per problem; also returns how many bandit findings were merged into semgrep's."""
    bandit = _once(bandit)
    by_line: dict[tuple[str | None, int], list[int]] = defaultdict(list)
    for index, other in enumerate(bandit):
        for line in range(other.first_line, other.last_line + 1):
            by_line[(other.finding.path, line)].append(index)
    merged: set[int] = set()
    findings: list[Finding] = []
    for hit in _once(semgrep):
        candidates = {
            i for line in range(hit.first_line, hit.last_line + 1) for i in by_line.get((hit.finding.path, line), ())
        }
        partners = sorted(i for i in candidates if bandit[i].finding.rule in hit.same_as_bandit)
        merged.update(partners)
        finding = hit.finding
        if partners:
            also = sorted({bandit[i].finding.rule for i in partners})
            graded = sorted({f"{bandit[i].finding.rule} {bandit[i].finding.severity.label}" for i in partners})
            extra = {
                **finding.extra,
                "also_reported_by": "bandit " + ", ".join(also),
                "bandit_severity": ", ".join(graded),
            }
            finding = dataclasses.replace(finding, extra=extra)
        findings.append(finding)
    findings.extend(hit.finding for i, hit in enumerate(bandit) if i not in merged)
    findings.sort(key=lambda f: (-f.severity, f.path or "", f.line or 0, f.rule))
    return findings, len(merged)


def _once(hits: Iterable[Hit]) -> list[Hit]:
    """The hits without repeats of one rule on one line (the first of them is kept)."""
    seen: set[tuple[str, str, str | None, int | None]] = set()
    kept = []
    for hit in hits:
        key = (hit.finding.tool, hit.finding.rule, hit.finding.path, hit.finding.line)
        if key not in seen:
            seen.add(key)
            kept.append(hit)
    return kept


def with_snippets(findings: Sequence[Finding], target: Path) -> list[Finding]:
    """Each finding with its source line as the snippet; credentials in it (and the message) masked."""
    cache: dict[str, list[str]] = {}
    result = []
    for finding in findings:
        snippet = _line(target, finding, cache)
        message = finding.message
        if any(fnmatchcase(finding.rule, pattern) for pattern in SECRET_RULES):
            snippet = mask_literals(snippet) if snippet is not None else None
            if finding.tool == "bandit":
                message = mask_literals(message)  # "Possible hardcoded password: 'the password'"
        result.append(dataclasses.replace(finding, snippet=snippet, message=message))
    return result


def mask_literals(text: str) -> str:
    """Replace the content of every quoted string with ***: `KEY = "abc"` -> `KEY = "***"`.

    Dict keys stay readable ({"PASSWORD": "***"}), and so do empty strings and subscripts
    (`provider_data['client_secret']`, `os.environ["DB_PASSWORD"]`): they name a secret, they are not one.
    """

    def mask(match: re.Match[str]) -> str:
        quote = match.group("q")
        is_key = _KEY_FOLLOWS.match(text, match.end()) is not None
        is_subscript = text[: match.start()].endswith("[") and text.startswith("]", match.end())
        if is_key or is_subscript or len(match.group(0)) == 2:
            return match.group(0)
        return f"{quote}***{quote}"

    return _LITERAL.sub(mask, text)


def _line(target: Path, finding: Finding, cache: dict[str, list[str]]) -> str | None:
    if finding.path is None or not finding.line:
        return None
    if finding.path not in cache:
        # The file was just scanned; if it vanished since, the finding simply has no snippet.
        try:
            text = (target / finding.path).read_text(encoding="utf-8", errors="replace")
            cache[finding.path] = text.splitlines()
        except OSError:
            cache[finding.path] = []
    lines = cache[finding.path]
    if finding.line > len(lines):
        return None
    text = lines[finding.line - 1].strip()
    return text if len(text) <= SNIPPET_MAX else text[: SNIPPET_MAX - 1] + "…"
