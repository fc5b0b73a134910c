"""Finds every process gate started, also those that left their process group, by a marker in their environment.

Killing a child's process group misses descendants that called setsid() (`setsid sleep 900` in a service
command, `start_new_session=True` in a test suite): they form a group of their own. Every child gate
starts gets the variable `GATE_RUN_<run id>=<child number>` in its environment, which descendants inherit
whatever group or session they move to; a scan of the live processes' environments finds them.

The variable's *name* carries the run id, so a gate run started by a test suite that gate itself runs keeps
the outer run's marker as well as adding its own. A process that starts its children with an empty
environment (`env -i`) escapes the scan; nothing else marks a process across setsid() on every OS.
"""

from __future__ import annotations

import contextlib
import os
import uuid

import psutil

PREFIX = "GATE_RUN_"
RUN_ID = uuid.uuid4().hex[:16]  # this gate process's run; recorded in the out folder's lock file


def marker(run_id: str = RUN_ID) -> str:
    """The environment variable that marks the processes of run `run_id`."""
    return PREFIX + run_id


def tagged(run_id: str = RUN_ID, child: str | None = None) -> list[psutil.Process]:
    """Live processes of run `run_id` (only those of one child, given its number), never gate itself."""
    name = marker(run_id)
    me = os.getpid()
    found = []
    for process in psutil.process_iter():
        if process.pid == me:
            continue
        try:
            env = process.environ()
            if name in env and (child is None or env[name] == child) and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (psutil.Error, OSError):
            continue  # ended while we looked, or another user's process: not ours
    return found


def kill(processes: list[psutil.Process], grace: float = 1.0) -> None:
    """SIGKILL each process and wait (at most `grace` seconds) until they are gone."""
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    # A process reparented to an init that does not reap stays a zombie: waiting ends at the grace.
    psutil.wait_procs(processes, timeout=grace)


def describe(process: psutil.Process) -> str:
    """`pid command line` for a message, or just the pid if the process is gone."""
    try:
        command = " ".join(process.cmdline())[:120]
    except psutil.Error:
        command = ""
    return f"{process.pid} {command}".strip()
