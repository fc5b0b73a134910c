"""Talking to the service on this machine: free ports, who owns a port, plain HTTP requests without proxies."""

from __future__ import annotations

import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

HOST = "127.0.0.1"
MAX_BODY = 50 * 1024 * 1024  # a spec larger than this is not an API description, it is a mistake


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the default port filled in: what decides where credentials may go."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(scheme)


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the same origin: urllib would send every header of the request, the
    credentials included, to whatever host a Location names (a spec URL answering 302 elsewhere)."""

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage, newurl: str
    ) -> urllib.request.Request | None:
        if origin(newurl) != origin(req.full_url):
            return None  # the 3xx itself becomes the answer
        return super().redirect_request(req, fp, code, msg, headers, newurl)


# An empty ProxyHandler: HTTP(S)_PROXY from the environment must never route 127.0.0.1 elsewhere.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _SameOriginRedirects())


@dataclass(frozen=True)
class Answer:
    """What an HTTP GET got: a status and body, or `problem` when no HTTP answer came."""

    status: int | None
    body: bytes = b""
    content_type: str = ""
    problem: str | None = None
    location: str = ""  # of a redirect gate did not follow
    headers: tuple[tuple[str, str], ...] = ()  # the response's headers, in the order they came

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        """'HTTP 503' or the network problem, for error messages."""
        if self.status is None:
            return str(self.problem)
        if self.location:
            return (
                f"HTTP {self.status}, a redirect to {self.location} (another origin: gate sends no "
                "credentials there and does not follow it)"
            )
        return f"HTTP {self.status}"


def get(url: str, headers: Mapping[str, str], timeout: float) -> Answer:
    """GET `url` within `timeout` seconds in all; any HTTP status is an answer, network failures and
    a body that does not arrive in time come back as `problem`."""
    return request("GET", url, headers, timeout)


def request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    timeout: float,
    body: bytes | None = None,
    max_body: int = MAX_BODY,
) -> Answer:
    """Send one request within `timeout` seconds in all (same-origin redirects only, no proxy); any
    HTTP status is an answer, network failures and a body that does not arrive in time are `problem`.
    At most `max_body` bytes of the answer are read."""
    if not url.startswith(("http://", "https://")):
        return Answer(None, problem=f"not an http(s) URL: {url}")
    prepared = urllib.request.Request(url, data=body, headers=dict(headers), method=method)  # noqa: S310 - scheme checked above
    deadline = time.monotonic() + timeout
    try:
        try:
            response = _OPENER.open(prepared, timeout=timeout)
        except urllib.error.HTTPError as exc:
            response = exc  # an HTTP error status is an answer too
        with response:
            read = _read_body(response, deadline, max_body)
            location = response.headers.get("Location", "") if 300 <= response.status < 400 else ""
            return Answer(
                response.status,
                read,
                response.headers.get("Content-Type", ""),
                location=urljoin(url, location) if location else "",
                headers=tuple((str(k), str(v)) for k, v in response.headers.items()),
            )
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return Answer(None, problem=f"no answer from {url}: {reason}")


def _read_body(response: Any, deadline: float, limit: int = MAX_BODY) -> bytes:
    """Read up to `limit` bytes within the deadline: the socket timeout bounds each read, not the whole body,
    so a service trickling bytes could otherwise hold gate far past any deadline."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        if time.monotonic() > deadline:
            raise TimeoutError("the answer did not arrive in time")
        chunk = response.read1(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def free_port() -> int:
    """A port nothing listens on right now (the kernel's choice); tests monkeypatch this seam."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_answers(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def port_owned_by_session(port: int, session_id: int) -> bool | None:
    """Whether a process of this session listens on `port`; None where /proc cannot tell (not Linux)."""
    # A process gate started with start_new_session=True leads its own session; its workers
    # (uvicorn --workers, gunicorn) inherit it. A listener outside it is somebody else's server.
    inodes = _listening_inodes(port)
    if inodes is None:
        return None
    if not inodes:
        return False
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for pid in _session_members(session_id):
        fd_dir = Path("/proc") / str(pid) / "fd"
        try:
            links = {os.readlink(fd_dir / fd) for fd in os.listdir(fd_dir)}
        except OSError:
            continue  # the process ended while we looked, or is not ours to inspect
        if links & wanted:
            return True
    return False


def _listening_inodes(port: int) -> set[str] | None:
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not tables[0].exists():
        return None
    inodes = set()
    for table in tables:
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:
            continue  # no IPv6 on this machine
        for line in lines:
            fields = line.split()
            # local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 is the socket inode.
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _session_members(session_id: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = (Path("/proc") / entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state ppid pgrp session ...
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session_id:
            members.append(int(entry))
    return members
