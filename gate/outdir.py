"""The out folder: checked writable before anything runs, and locked so two runs never share it.

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
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from gate import proctrack
from gate.errors import UsageError
from gate.redact import redact_text
from gate.text import printable

LOCK_NAME = ".gate.lock"


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
            raise UsageError([f"--out {out}: in use by another gate run (pid {pid}); wait for it to end or "
                              "choose another --out folder"]) from None
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
    return [f"an earlier gate run on {held.out} ({who}) ended without stopping what it started; stopped:",
            *(f"  {printable(redact_text(line))}" for line in described)]
