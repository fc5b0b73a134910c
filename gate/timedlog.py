"""A log file written from a child's output, with the time each line arrived (to cut per-request excerpts).

Services rarely stamp their log lines, and never with a clock gate can compare; gate stamps each line
as it reads it from the pipe, so the lines written while one request was served can be cut out by the
request's own timing (schemathesis records when each answer arrived and how long it took).
"""

from __future__ import annotations

import bisect
import threading
import time
from array import array
from pathlib import Path
from typing import IO


class TimedLog:
    """Appends output to a file and remembers, per line, when it arrived (16 bytes a line)."""

    def __init__(self, path: Path, sink: IO[bytes]) -> None:
        self.path = path
        self._sink = sink
        self._times = array("d")  # arrival time of each line (time.time(), as schemathesis stamps)
        self._offsets = array("q")  # where that line starts in the file
        self._size = 0
        self._at_line_start = True
        self.lock = threading.Lock()  # held while writing: the sink is closed under it

    def write(self, chunk: bytes) -> None:
        """Write a chunk as read from the pipe; every line starting in it is stamped with now."""
        now = time.time()
        with self.lock:
            if self._sink.closed:
                return
            start = 0
            while start < len(chunk):
                if self._at_line_start:
                    self._times.append(now)
                    self._offsets.append(self._size + start)
                end = chunk.find(b"\n", start)
                if end < 0:
                    self._at_line_start = False
                    break
                self._at_line_start = True
                start = end + 1
            self._sink.write(chunk)
            self._sink.flush()
            self._size += len(chunk)

    def lines_between(self, start: float, end: float, max_lines: int = 40, max_bytes: int = 4000) -> list[str]:
        """The lines that arrived from `start` to `end` (epoch seconds): the last `max_lines`, at most
        `max_bytes` in all (the end of a traceback says what went wrong), with a note of what was cut."""
        with self.lock:
            first = bisect.bisect_left(self._times, start)
            last = bisect.bisect_right(self._times, end, lo=first)
            if first >= last:
                return []
            begin = self._offsets[first]
            stop = self._offsets[last] if last < len(self._offsets) else self._size
        begin = max(begin, stop - max_bytes * 4)  # only the end is shown: never read more than that
        with self.path.open("rb") as log:
            log.seek(begin)
            text = log.read(stop - begin).decode("utf-8", errors="replace")
        lines = text.splitlines()
        cut = max(last - first - len(lines), 0)
        cut += max(len(lines) - max_lines, 0)
        lines = lines[-max_lines:]
        while len(lines) > 1 and sum(len(line) + 1 for line in lines) > max_bytes:
            lines.pop(0)
            cut += 1
        if lines and len(lines[0]) > max_bytes:
            lines[0] = "…" + lines[0][-max_bytes:]
        return ([f"… ({cut} earlier lines not shown)"] if cut else []) + lines
