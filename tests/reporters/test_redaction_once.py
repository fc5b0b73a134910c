"""Redaction costs one pass per report (issue 9), and skipping passes never changes what is masked."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from gate import redact
from gate.model import Finding, GateReport, Severity
from gate.outdir import write_reports
from gate.redact import MASK, redact_text
from gate.reporters import common, console, github, markdown
from gate.text import map_text
from tests.support.canonical import BEARER, canonical_report

CREDENTIALS = [
    "Authorization: Bearer abc.def.ghi",
    "proxy-authorization=Basic dXNlcjpwYXNz",
    "Cookie: a=b; c=d",
    "set-cookie: sid=77aa",
    "DJANGO_SECRET_KEY = 'abc123'",
    "token=abcdef&x=1",
    "?id_token=abc",
    "X-Auth-Token: qwerty",
    '{"access_token": "abc"}',
    "private_key: xyz",
    "api-key: 123",
    "passwd=xx",
    "client_secret='s3'",
    'password = "hunter22"',
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc_def-ghi",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----",
    "key AKIAIOSFODNN7EXAMPLE here",
    "ASIAIOSFODNN7EXAMPLE",
    "ghp_" + "a" * 36,
    "gho_" + "b" * 36,
    "github_pat_" + "c" * 40,
    "xoxb-1234567890-abcdef",
    "postgres://app:s3cret@db:5432/x",
    "password=password",
    "token = tok.value",
]
# Non-ASCII letters that re.IGNORECASE matches to ASCII ones (U+017F long s, U+212A Kelvin sign, U+0131).
LOOKALIKES = [
    "pa\u017fsword=hunter22",
    "api_\u212aey: abc123",
    "\u0131d_token=abc",
    'naïve password="x"',
    "日本 Authorization: Bearer zzz",
]
ORDINARY = [
    "SQL built from strings.",
    "app/handlers_0001.py",
    "Use of assert detected.",
    "",
    "    digest = hashlib.md5(password.encode()).hexdigest()",
    "https://example.com/a?b=1",
]


def _every_pass(text: str) -> str:
    """What redact_text did before it skipped passes: every pattern and shape, always."""
    for _, pattern, replacement in redact._RULES:
        text = pattern.sub(replacement, text)
    return text


def _variants(text: str) -> list[str]:
    return [text, text.upper(), text.lower(), text.title(), f"prefix {text} suffix", f"{text}\n{text}"]


def _strings(value: Any) -> list[str]:
    found: list[str] = []
    map_text(value, lambda s: found.append(s) or s)  # type: ignore[func-returns-value]
    return found


@pytest.mark.parametrize("text", [v for t in CREDENTIALS + LOOKALIKES + ORDINARY for v in _variants(t)])
def test_skipping_passes_masks_exactly_what_every_pass_masks(text: str) -> None:
    assert redact_text(text) == _every_pass(text)


def test_the_canonical_report_is_masked_as_by_every_pass() -> None:
    for text in _strings(canonical_report()):
        assert redact_text(text) == _every_pass(text), text


def test_lookalike_letters_still_mask() -> None:
    assert redact_text("pa\u017fsword=hunter22") == f"pa\u017fsword={MASK}"
    assert redact_text("api_\u212aey: abc123") == f"api_\u212aey: {MASK}"


def _render_all(report: GateReport, out: Path) -> list[str]:
    out.mkdir()
    written = write_reports(report, out)
    assert not written.failures
    texts = [p.read_text(encoding="utf-8") for p in written.paths]
    return [*texts, console.render(report), markdown.render(report), *github.annotations(report)]


def test_every_reporter_shares_one_redaction_per_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[GateReport] = []

    def counting(report: GateReport) -> GateReport:
        calls.append(report)
        return redact.redact_report(report)

    monkeypatch.setattr(common, "redact_report", counting)
    report = canonical_report()
    texts = _render_all(report, tmp_path / "a")
    assert calls == [report]  # five files, the console, the step summary and the annotations: one pass
    assert all(BEARER not in text for text in texts)
    # Another report object (e.g. one loaded by `gate report --from`) gets its own pass, and its text.
    leaked = "Authorization: Bearer other-report-token-77"
    security = dataclasses.replace(
        report.checks[0],
        findings=(
            Finding("security", "semgrep", "gate.debug-enabled", Severity.LOW, leaked, "app/main.py", 3),
            *report.checks[0].findings[1:],
        ),
    )
    other = dataclasses.replace(report, checks=(security, *report.checks[1:]))
    texts = _render_all(other, tmp_path / "b")
    assert calls == [report, other]
    assert all("other-report-token-77" not in text for text in texts)
