"""The HTML report in a real headless browser (Debian's chromium): renders, screenshots, prints, stays inert.

Install the browser with: apt-get update && apt-get install -y chromium
"""

from __future__ import annotations

import dataclasses
import struct
import subprocess
from pathlib import Path

import pytest

from gate.reporters import html
from tests.reporters.test_report_html import parse
from tests.support.canonical import IMG, SCRIPT, canonical_report

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE_TARGET = f"/srv/{SCRIPT}{IMG}"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is absent: apt-get update && apt-get install -y chromium"
)


def chromium(tmp_path: Path, *args: str) -> str:
    """Run headless chromium with no network chatter or profile state; return its stdout."""
    profile = tmp_path / "profile"
    argv = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        *args,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=90, check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def hostile_page(tmp_path: Path) -> Path:
    """The canonical report with hostile text in the target too (it lands in <title> and the header)."""
    report = dataclasses.replace(canonical_report(), target=HOSTILE_TARGET, policy=IMG)
    path = tmp_path / "gate-report.html"
    path.write_text(html.render(report), encoding="utf-8")
    return path


def dump_dom(tmp_path: Path, page: Path) -> str:
    # The virtual time budget lets every script (and any injected one) run before the DOM is dumped.
    return chromium(tmp_path, "--virtual-time-budget=3000", "--dump-dom", page.as_uri())


def test_page_renders_and_hostile_text_stays_inert(tmp_path: Path) -> None:
    dom = dump_dom(tmp_path, hostile_page(tmp_path))
    elements = parse(dom)
    names = [tag for tag, _ in elements.tags]
    assert elements.text["title"] == f"gate ERROR: {HOSTILE_TARGET}"  # set from our text, unchanged by any script
    assert names.count("script") == 1 and "img" not in names
    assert not [(tag, a) for tag, attrs in elements.tags for a in attrs if a.startswith("on")]
    (root,) = [attrs for tag, attrs in elements.tags if tag == "html"]
    assert root.get("class") == "js"  # our own script ran: the CSP hash matches it
    assert "<h1>gate: ERROR</h1>" in dom
    cards = [attrs["data-check"] for tag, attrs in elements.tags if tag == "a" and "data-check" in attrs]
    assert cards == [c.id for c in canonical_report().checks]
    assert dom.count('<figure class="chart">') == 3


@pytest.mark.parametrize("payload", [SCRIPT, IMG], ids=["script", "img-onerror"])
def test_the_harness_sees_a_payload_that_runs(tmp_path: Path, payload: str) -> None:
    """Control: unescaped, each payload does change the title, so the test above can fail."""
    page = tmp_path / "unsafe.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><title>safe</title></head><body><p title="{payload}</p></body></html>'
        if payload == IMG
        else f"<!DOCTYPE html><html><head><title>safe</title></head><body>{payload}</body></html>"
    )
    assert parse(dump_dom(tmp_path, page)).text["title"] == "pwned"


def test_screenshot_is_a_plausible_png(tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    chromium(tmp_path, "--window-size=1280,1600", f"--screenshot={shot}", hostile_page(tmp_path).as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 1600)
    assert len(data) > 50_000  # a blank or error page compresses to a few kilobytes


def test_prints_to_pdf(tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", hostile_page(tmp_path).as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
