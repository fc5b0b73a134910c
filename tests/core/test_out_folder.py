"""The out folder and the terminal: locked, checked writable first, write failures named, umask honoured, printable."""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.reporters import REPORTERS, json_report
from tests.support.canonical import canonical_report
from tests.support.service import MARKER_VAR, live_target, marker

__all__ = ["marker"]  # the fixture, imported for pytest

# Takes the lock exactly as `gate run` does, says so, and waits to be killed.
HOLDER = (
    "import sys, time; from pathlib import Path; from gate import outdir\n"
    "with outdir.claim(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(120)\n"
)


def _saved(tmp_path: Path) -> Path:
    source = tmp_path / "saved" / "gate-report.json"
    source.parent.mkdir(parents=True)
    source.write_text(json_report.render(canonical_report()), encoding="utf-8")
    return source


def _gate(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gate", *args], capture_output=True, text=True, timeout=120, **kwargs)  # type: ignore[call-overload, no-any-return]


def test_a_second_run_on_the_same_out_exits_2_naming_the_first(tmp_path: Path, marker: str) -> None:
    target = live_target(tmp_path / "t", marker, mode="never_ready", ready_timeout_s=60)
    out = tmp_path / "out"
    first = subprocess.Popen(
        [sys.executable, "-m", "gate", "run", str(target), "--only", "docs", "--out", str(out)],
        env={**os.environ, MARKER_VAR: marker},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until(lambda: (out / "artifacts" / "service" / "service.log").exists(), first)
        second = CliRunner().invoke(cli, ["run", str(target), "--only", "docs", "--out", str(out)])
        assert second.exit_code == 2, second.output
        assert f"--out {out}: in use by another gate run (pid {first.pid})" in second.output
        assert (out / "artifacts" / "service" / "service.log").exists()  # the first run's evidence is untouched
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert first.returncode == 130


def test_the_lock_of_a_killed_run_is_free(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    busy = CliRunner().invoke(cli, ["report", "--from", str(_saved(tmp_path)), "--out", str(out)])
    assert busy.exit_code == 2 and f"(pid {holder.pid})" in busy.output
    holder.kill()
    holder.wait(timeout=30)
    free = CliRunner().invoke(cli, ["report", "--from", str(_saved(tmp_path / "again")), "--out", str(out)])
    assert free.exit_code == 0, free.output


def test_an_out_folder_that_cannot_be_created_exits_2_before_anything_runs(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    (tmp_path / "gate.toml").write_text("[security]\n")
    result = CliRunner().invoke(cli, ["run", str(tmp_path), "--only", "security", "--out", str(blocker / "reports")])
    assert result.exit_code == 2, result.output
    assert (
        result.output
        == f"gate: error: --out {blocker / 'reports'}: not writable (Not a directory); choose another folder\n"
    )


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount a tmpfs with the given options (root only; skipped where mounting is not allowed)."""
    points: list[Path] = []

    def mount(options: str) -> Path:
        point = tmp_path / f"mnt{len(points)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        points.append(point)
        return point

    yield mount
    for point in points:
        subprocess.run(["umount", str(point)], check=True)


def test_a_read_only_out_folder_exits_2(tmp_path: Path, mounted: Callable[[str], Path]) -> None:
    out = mounted("ro,size=64k")  # read-only for root too, whom file modes do not stop
    result = CliRunner().invoke(cli, ["report", "--from", str(_saved(tmp_path)), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output == f"gate: error: --out {out}: not writable (Read-only file system); choose another folder\n"


def test_a_full_disk_is_named_and_the_summary_kept(tmp_path: Path, mounted: Callable[[str], Path]) -> None:
    out = mounted("size=24k")  # room for the lock file and the JSON report, not for the HTML one
    result = _gate("report", "--from", str(_saved(tmp_path)), "--out", str(out))
    assert result.returncode == 3, result.stderr
    assert f"gate: error: {out / 'gate-report.html'}: could not be written: No space left on device" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "Verdict: ERROR (exit 3)" in result.stdout
    assert (out / "gate-report.json").is_file() and not (out / "gate-report.html").exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # nothing half-written left


def test_a_report_that_cannot_be_written_is_named_and_the_summary_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "gate-report.html").mkdir(parents=True)  # a folder where the file must go: rename fails
    result = _gate("report", "--from", str(_saved(tmp_path)), "--out", str(out))
    assert result.returncode == 3, result.stderr
    assert f"gate: error: {out / 'gate-report.html'}: could not be written: Is a directory" in result.stderr
    assert "Verdict: ERROR (exit 3)" in result.stdout
    assert {p.name for p in out.iterdir()} == {name for name, _ in REPORTERS.values()} | {".gate.lock"}


def test_a_file_size_limit_is_named_and_the_summary_kept(tmp_path: Path) -> None:
    # RLIMIT_FSIZE makes a write past the limit fail with EFBIG. The limit is set just below the
    # largest report's size (measured by a first, unlimited run), so exactly that one is cut off.
    saved = _saved(tmp_path)
    free = tmp_path / "free"
    assert _gate("report", "--from", str(saved), "--out", str(free)).returncode == 0
    sizes = {p.name: p.stat().st_size for p in free.iterdir() if p.name.startswith("gate-")}
    largest = max(sizes, key=lambda name: sizes[name])
    limit = max(size for name, size in sizes.items() if name != largest) + 1
    assert limit < sizes[largest], sizes
    out = tmp_path / "out"
    result = _gate(
        "report",
        "--from",
        str(saved),
        "--out",
        str(out),
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr == f"gate: error: {out / largest}: could not be written: File too large\n"
    assert "Verdict: ERROR (exit 3)" in result.stdout
    assert not (out / largest).exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # nothing half-written left


def test_reports_honour_the_umask(tmp_path: Path) -> None:
    for umask, mode in ((0o022, 0o644), (0o077, 0o600)):
        out = tmp_path / f"out-{umask:o}"
        result = _gate(
            "report",
            "--from",
            str(_saved(tmp_path / f"{umask:o}")),
            "--out",
            str(out),
            preexec_fn=lambda umask=umask: os.umask(umask),
        )
        assert result.returncode == 0, result.stderr
        for name, _ in REPORTERS.values():
            assert stat.S_IMODE((out / name).stat().st_mode) == mode, (name, umask)


def test_a_closed_stdout_is_not_an_error(tmp_path: Path) -> None:
    # Every check the default policy requires is configured, so validate has something valid to print.
    (tmp_path / "gate.toml").write_text(
        "[service]\nurl = 'http://127.0.0.1:8000'\n[security]\n[coverage]\nreport = 'coverage.xml'\n"
    )
    (tmp_path / "app.py").write_text("X = 1\n")
    (tmp_path / "coverage.xml").write_text("<coverage/>\n")
    read, write = os.pipe()
    os.close(read)  # like `gate validate | head -1` once head has exited: every write fails with EPIPE
    try:
        gate = subprocess.run(
            [sys.executable, "-m", "gate", "validate", str(tmp_path)],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write)
    assert gate.returncode == 0, gate.stderr
    assert gate.stderr == ""


def test_the_lock_file_names_the_last_run(tmp_path: Path) -> None:
    (tmp_path / "gate.toml").write_text('[security]\npaths = ["."]\n')
    (tmp_path / "app.py").write_text("X = 1\n")
    out = tmp_path / "out"
    run = _gate("run", str(tmp_path), "--only", "security", "--out", str(out))
    assert run.returncode == 0, run.stderr
    recorded = json.loads((out / ".gate.lock").read_text())
    assert set(recorded) == {"pid", "run_id"}
    rerendered = _gate("report", "--from", str(out / "gate-report.json"))
    assert rerendered.returncode == 0, rerendered.stderr
    assert json.loads((out / ".gate.lock").read_text()) == recorded  # a re-render starts nothing to track


def _wait_until(condition: Callable[[], bool], child: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def test_a_usage_error_quoting_the_target_is_printable(tmp_path: Path) -> None:
    (tmp_path / "gate.toml").write_text('[security]\n"paths\\u001b]0;owned\\u0007" = 1\n')
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "\x1b" not in result.output and "paths\\x1b]0;owned\\x07" in result.output


def test_an_earlier_report_that_cannot_be_removed_exits_2(tmp_path: Path) -> None:
    (tmp_path / "gate.toml").write_text("[security]\n")
    out = tmp_path / "out"
    (out / "gate-summary.md").mkdir(parents=True)  # unlink() fails on a folder
    (out / ".gate-report.html.123.abcd.tmp").write_text("left by a killed run")
    result = CliRunner().invoke(cli, ["run", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert f"{out / 'gate-summary.md'}: cannot remove the earlier report (Is a directory)" in result.output
    assert not (out / ".gate-report.html.123.abcd.tmp").exists()
