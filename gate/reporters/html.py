"""gate-report.html: one self-contained page (inline CSS, SVG, a little JS), readable offline and printed."""

from __future__ import annotations

import base64
import functools
import hashlib
from importlib import resources

import jinja2
from markupsafe import Markup

from gate.model import EXIT_CODES, GateReport
from gate.numbers import distinct, plural, seconds, short
from gate.reporters.common import safe, split_baseline
from gate.reporters.htmlview import ENDPOINT_COLUMNS, check_view

FILENAME = "gate-report.html"
TEMPLATE = "report.html.j2"


@functools.cache
def _environment() -> jinja2.Environment:
    # autoescape=True for every template: everything from the target (messages, snippets, curl lines,
    # log tails, paths) is untrusted text. StrictUndefined: a template typo fails the tests, not silently.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("gate.reporters", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _asset(name: str) -> tuple[Markup, str]:
    """A packaged CSS/JS file (trusted: ours) and its CSP hash source."""
    text = (resources.files("gate.reporters") / "templates" / name).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), f"'sha256-{digest}'"  # noqa: S704 - our own packaged file, not report data


def content_security_policy() -> str:
    """Nothing may load from anywhere, and only our own inline style and script (by hash) may apply."""
    _, css_hash = _asset("report.css")
    _, js_hash = _asset("report.js")
    return (
        f"default-src 'none'; style-src {css_hash}; script-src {js_hash}; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def _measure(value: float | None, unit: str, limit: float | None = None) -> str:
    """A measured value for display, never rounded onto its limit (79.999 % must not read "80 %")."""
    if value is None:
        return "not reported"
    text = short(value) if limit is None else distinct(value, limit)[0]
    return f"{text}{unit}"


def render(report: GateReport) -> str:
    """The HTML page."""
    report = safe(report)
    css, _ = _asset("report.css")
    js, _ = _asset("report.js")
    template = _environment().get_template(TEMPLATE)
    return template.render(
        report=report,
        exit_code=EXIT_CODES[report.verdict],
        views=[check_view(check) for check in report.checks],
        measure=_measure,
        plural=plural,
        split_baseline=split_baseline,
        seconds=seconds,
        endpoint_columns=ENDPOINT_COLUMNS,
        csp=content_security_policy(),
        css=css,
        js=js,
    )
