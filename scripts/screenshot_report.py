"""Screenshot a gate HTML report for the README with Debian's headless chromium.

    .venv/bin/python scripts/screenshot_report.py reports [--out docs/report-screenshot.png]

REPORT_DIR is a folder written by `gate run`. The page is re-rendered from its gate-report.json (so the
screenshot shows the current HTML design); without a JSON file, its gate-report.html is used as is.
Needs /usr/bin/chromium (apt-get update && apt-get install -y chromium).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from gate.errors import UsageError
from gate.outdir import read_report
from gate.reporters import html

CHROMIUM = Path("/usr/bin/chromium")


def page_for(report_dir: Path, work: Path) -> Path:
    """The HTML page to photograph: re-rendered from the saved JSON when there is one."""
    saved = report_dir / "gate-report.json"
    if saved.exists():
        page = work / "gate-report.html"
        try:
            report = read_report(saved)
        except UsageError as exc:
            raise SystemExit(str(exc)) from None
        page.write_text(html.render(report), encoding="utf-8")
        return page
    page = report_dir / "gate-report.html"
    if not page.exists():
        raise SystemExit(f"{report_dir}: no gate-report.json or gate-report.html (run `gate run` first)")
    return page


def screenshot(page: Path, out: Path, width: int, height: int, work: Path) -> None:
    """Write a width x height PNG of the top of `page` to `out`."""
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} not found: apt-get update && apt-get install -y chromium")
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={work / 'profile'}",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--window-size={width},{height}",
        "--virtual-time-budget=2000",
        f"--screenshot={out.resolve()}",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"chromium failed (exit {done.returncode}):\n{done.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_dir", type=Path, help="folder with gate-report.json / gate-report.html")
    parser.add_argument("--out", type=Path, default=Path("docs/report-screenshot.png"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1500)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gate-shot-") as tmp:
        work = Path(tmp)
        screenshot(page_for(args.report_dir, work), args.out, args.width, args.height, work)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
