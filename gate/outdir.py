"""The --out folder: proved writable and locked for one run; its artifacts, its report files, a saved report.

The lock is `fcntl.flock` on `OUT/.gate.lock`, held for the whole command: the kernel releases it when
the holder exits in any way (also SIGKILL), so a dead run's lock is free. The file keeps the holder's pid
(for the refusal message) and its run id (proctrack), by which the next run finds and stops the
processes a killed run left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from gate import proctrack
from gate.atomic import write_atomic
from gate.errors import UsageError
from gate.model import SCHEMA_VERSION, GateReport
from gate.redact import redact_text
from gate.report_json import report_from_dict
from gate.reporters import REPORTERS
from gate.text import bound, printable

LOCK_NAME = ".gate.lock"
# Marks an artifacts folder as gate's, so that only a folder gate wrote is ever deleted.
ARTIFACTS_MARKER = ".gate-artifacts"
MAX_DEPTH = 64  # a gate report nests about 6 levels; checks' details a few more


@dataclass(frozen=True)
class Claim:
    """This command's hold on an out folder, and the run id of the last run that held it before."""

    out: Path
    previous_run_id: str | None
    previous_pid: int | None


@contextlib.contextmanager
def claim(out: Path, record: bool = True) -> Iterator[Claim]:
    """Create `out`, prove it writable and lock it for this command; UsageError naming the path or the holder.

    With `record`, the lock file then names this run; without (`gate report`, which starts no process),
    it keeps naming the last run, whose orphans the next `gate run` must still find."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass  # reports are written through temporary files beside them: this is what must work
        handle = (out / LOCK_NAME).open("a+", encoding="utf-8")
    except OSError as exc:
        raise UsageError([f"--out {out}: not writable ({exc.strerror or exc}); choose another folder"]) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(handle).get("pid")
            raise UsageError(
                [
                    f"--out {out}: in use by another gate run (pid {pid}); wait for it to end or "
                    "choose another --out folder"
                ]
            ) from None
        previous = _holder(handle)
        if record:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "run_id": proctrack.RUN_ID}) + "\n")
            handle.flush()
        run_id, pid = previous.get("run_id"), previous.get("pid")
        yield Claim(out, run_id if isinstance(run_id, str) else None, pid if isinstance(pid, int) else None)


def _holder(handle: IO[str]) -> dict[str, object]:
    """What the lock file says about the run that holds (or last held) it; {} if it says nothing usable."""
    handle.seek(0)
    try:
        data = json.loads(handle.read() or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def stop_orphans(held: Claim) -> list[str]:
    """Stop the processes a killed earlier run on this folder left running; one line about each."""
    if held.previous_run_id is None or held.previous_run_id == proctrack.RUN_ID:
        return []
    left = proctrack.tagged(held.previous_run_id)
    if not left:
        return []
    described = [proctrack.describe(p) for p in left]
    proctrack.kill(left)
    who = f"pid {held.previous_pid}" if held.previous_pid is not None else "an unknown pid"
    return [
        f"an earlier gate run on {held.out} ({who}) ended without stopping what it started; stopped:",
        *(f"  {printable(redact_text(line))}" for line in described),
    ]


def clear_artifacts(out_dir: Path) -> None:
    """Remove the artifacts of an earlier run; refuse to touch a folder gate did not write."""
    artifacts = out_dir / "artifacts"
    if not artifacts.exists():
        return
    if not (artifacts / ARTIFACTS_MARKER).is_file():
        raise UsageError([f"{artifacts}: exists and was not written by gate; choose another --out folder"])
    shutil.rmtree(artifacts)


def start_artifacts(out_dir: Path) -> None:
    """Create out_dir/artifacts and mark it as gate's (clear_artifacts deletes only a marked folder)."""
    artifacts = out_dir / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / ARTIFACTS_MARKER).write_text("written by gate run; removed at the start of the next run\n")


@dataclass(frozen=True)
class Written:
    """The report files written, and one line for each format that could not be (named, with why)."""

    paths: tuple[Path, ...]
    failures: tuple[str, ...]


def write_reports(report: GateReport, out_dir: Path) -> Written:
    """Render every format, then write each file atomically; a format that fails costs only itself.

    No half-written report is left, and no file from an earlier rendering stays in place of one that
    failed. Every reporter masks credential-shaped text itself (reporters.common.safe), so a report
    loaded from disk (`gate report --from`) is as safe as a fresh one."""
    rendered: dict[str, str] = {}
    failures = []
    for filename, render in REPORTERS.values():
        try:
            rendered[filename] = render(report)
        except Exception as exc:  # a bug in one reporter must not stop the others being written
            failures.append(f"{out_dir / filename}: not written, its reporter failed: {type(exc).__name__}: {exc}")
            with contextlib.suppress(OSError):  # the failure is already named; a stale copy must not mask it
                (out_dir / filename).unlink(missing_ok=True)
    written = []
    for filename, text in rendered.items():
        try:
            written.append(write_atomic(out_dir / filename, text))
        except OSError as exc:
            failures.append(f"{out_dir / filename}: could not be written: {exc.strerror or exc}")
            with contextlib.suppress(OSError):
                (out_dir / filename).unlink(missing_ok=True)
    return Written(tuple(written), tuple(failures))


def remove_reports(out_dir: Path) -> None:
    """Delete the report files an earlier run left in out_dir (the folder itself stays)."""
    for filename, _ in REPORTERS.values():
        # Temporary files too: a run killed while writing (SIGKILL) could not remove its own.
        for path in [out_dir / filename, *out_dir.glob(f".{filename}.*.tmp")]:
            _remove(path)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise UsageError([f"{path}: cannot remove the earlier report ({exc.strerror or exc})"]) from None


def read_report(path: Path) -> GateReport:
    """The GateReport saved in `path`; UsageError naming the file and what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError([f"{path}: no such file (expected a gate-report.json written by `gate run`)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError([f"{path}: cannot read it: {exc}"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError([f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]) from None
    except RecursionError:
        raise UsageError([f"{path}: not a gate report: its JSON is nested too deeply to read"]) from None
    if not isinstance(data, dict):
        raise UsageError([f"{path}: not a gate report (expected a JSON object, found {type(data).__name__})"])
    if _depth(data) > MAX_DEPTH:
        # Every reporter walks the report recursively: refuse here, not with a RecursionError later.
        raise UsageError([f"{path}: not a gate report: nested deeper than {MAX_DEPTH} levels"])
    version = data.get("schema_version")
    if version is None:
        raise UsageError([f"{path}: not a gate report (a JSON object without schema_version: is it gate-report.json?)"])
    if not isinstance(version, str) or version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise UsageError(
            [
                f"{path}: report schema_version {version!r} is not supported "
                f"(this gate reads {SCHEMA_VERSION.split('.')[0]}.x)"
            ]
        )
    try:
        report = report_from_dict(data)
    except KeyError as exc:
        raise UsageError([f"{path}: not a valid gate report: missing field {exc}"]) from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise UsageError([f"{path}: not a valid gate report: {exc}"]) from None
    # A saved report may come from anywhere: its texts get the same byte bounds as a fresh run's.
    return bound(report)  # every reporter masks credentials itself (reporters.common.safe)


def _depth(data: object) -> int:
    """How deeply lists and objects nest in `data` (iterative: the input may nest thousands deep)."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
