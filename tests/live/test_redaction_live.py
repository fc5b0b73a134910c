"""Redaction on real runs: the fixture service, real schemathesis and locust, every way a run can end.

The service echoes gate's credentials in its log and its response bodies (FIXTURE_ECHO_AUTH), the seed
command prints the token the auth command hands gate, and the service prints its env secrets: after
the run, none of them may be left in any file under --out, in plain, base64 or URL-encoded form.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from click.testing import Result

from tests.conftest import check_of
from tests.support.service import MARKER_VAR, live_target, marker, processes_with

__all__ = ["marker"]  # the fixture, imported for pytest

pytestmark = pytest.mark.slow

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]
TOKEN = "tok-Seeded/42+gate="  # characters that URL-encoding changes
API_KEY = "key-Header-7c1e9b"
DB_PASSWORD = "pw-Env-5d2a"
DSN_PASSWORD = "dsn-Pw-81f0"
SECRETS = (TOKEN, API_KEY, DB_PASSWORD, DSN_PASSWORD)


def secret_target(root: Path, marker: str, **options: Any) -> Path:
    """A target whose service sees every kind of secret gate knows, and shows them all."""
    env = {
        "FIXTURE_ECHO_AUTH": "1",
        "DB_PASSWORD": DB_PASSWORD,
        "SESSION_TTL": "20261124",
        "DATABASE_URL": f"postgres://app:{DSN_PASSWORD}@db/app",
        "SHOWN_KEY_VALUE": API_KEY,
        **options.pop("env", {}),
    }
    service = "\n".join(
        [
            f'headers = {{ X-Api-Key = "{API_KEY}" }}',
            f'seed = ["echo seeded the user, its token is {TOKEN}"]',
            f'auth = {{ command = "echo {TOKEN}" }}',
            options.pop("service", ""),
        ]
    )
    target = live_target(root, marker, env=env, service=service, **options)
    config = target / "gate.toml"
    # The service prints its environment's secrets (and the header value it was given) when it starts.
    config.write_text(
        config.read_text().replace(
            'command = "python server.py --port {port}"',
            'command = "echo env $DB_PASSWORD $DATABASE_URL $SHOWN_KEY_VALUE; exec python server.py --port {port}"',
        )
    )
    return target


def forms(secret: str) -> list[bytes]:
    """The secret as it may appear in a file: plain, URL-encoded, and base64 at any offset."""
    raw = secret.encode()
    found = {raw, quote(secret, safe="").encode(), quote_plus(secret).encode()}
    for start in range(3):
        piece = raw[start : start + (len(raw) - start) // 3 * 3]
        found |= {base64.b64encode(piece).rstrip(b"="), base64.urlsafe_b64encode(piece).rstrip(b"=")}
    return sorted(found)


def leaks(root: Path) -> list[str]:
    """Every (file, secret) where a known secret survived, also inside a base64 string of a JSON file."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        decoded = b"\n".join(_base64_values(data)) if path.suffix in (".json", ".ndjson", ".jsonl") else b""
        found += [
            f"{path.relative_to(root)}: {secret}"
            for secret in SECRETS
            if any(form in data or form in decoded for form in forms(secret))
        ]
    return found


def _base64_values(data: bytes) -> list[bytes]:
    values = []
    for text in re.findall(rb'"([A-Za-z0-9+/]{8,}={0,2})"', data):
        try:
            values.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            continue
    return values


def parse_artifact(path: Path) -> None:
    """Raise unless a JSON, NDJSON/JSONL or XML file parses completely."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        json.loads(text)
    elif path.suffix in (".ndjson", ".jsonl"):
        for line in text.splitlines():
            if line.strip():
                json.loads(line)
    elif path.suffix == ".xml":
        ET.fromstring(text)


def test_a_full_run_masks_every_secret_and_every_artifact_still_parses(
    run_gate: RunGate, tmp_path: Path, marker: str
) -> None:
    target = secret_target(
        tmp_path / "t",
        marker,
        env={"FIXTURE_TOKEN": TOKEN},
        fuzz="max_examples = 5\n\n[load]\nduration_s = 4\nwarmup_s = 1\nusers = 2",
    )
    result, report = run_gate(target, "--only", "fuzz,load")
    assert report is not None, result.output
    out = tmp_path / "out"
    fuzz = check_of(report, "fuzz")
    assert fuzz["status"] != "error", fuzz["reasons"]
    # The load check's verdict does not matter here (a short run on a busy machine); its log does.
    assert '"event": "request"' in (out / "artifacts" / "load" / "requests.jsonl").read_text()
    structured = [p for p in out.rglob("*") if p.suffix in (".json", ".ndjson", ".jsonl", ".xml")]
    assert {
        "schemathesis-events.ndjson",
        "schemathesis-report.json",
        "schemathesis-junit.xml",
        "requests.jsonl",
        "openapi.json",
        "gate-report.json",
    } <= {p.name for p in structured}
    for path in structured:
        parse_artifact(path)
    # "20261124" sits under a secret-looking key but is a number: it is no secret, and the seed of the
    # same value in schemathesis's report is kept as it was.
    assert '"seed": 20261124' in (out / "artifacts" / "fuzz" / "schemathesis-report.json").read_text()
    # The service echoed the token in response bodies, which schemathesis keeps base64-encoded: they are
    # masked and still decode.
    events = (out / "artifacts" / "fuzz" / "schemathesis-events.ndjson").read_text()
    bodies = [b for b in _base64_values(events.encode()) if b"seen" in b]
    assert bodies and all(b"[REDACTED]" in b for b in bodies)
    assert (
        "Authorization=[REDACTED] X-Api-Key=[REDACTED]" in (out / "artifacts" / "service" / "service.log").read_text()
    )
    assert leaks(out) == []


@pytest.mark.parametrize(
    ("mode", "service", "reason"),
    [
        ("never_ready", "", "was not ready within"),
        ("exit_early", "", "exited with code 3 before it was ready"),
        ("clean", 'openapi = "/no-such-spec.json"', "cannot fetch the OpenAPI spec"),
    ],
)
def test_an_early_failure_leaves_no_secret(
    run_gate: RunGate, tmp_path: Path, marker: str, mode: str, service: str, reason: str
) -> None:
    target = secret_target(tmp_path / "t", marker, mode=mode, service=service, ready_timeout_s=2)
    result, report = run_gate(target, "--only", "fuzz")
    assert report is not None, result.output
    assert reason in check_of(report, "fuzz")["reasons"][0]
    out = tmp_path / "out"
    log = (out / "artifacts" / "service" / "service.log").read_text()
    assert log.startswith("env [REDACTED] postgres://app:[REDACTED]@db/app [REDACTED]"), log
    if service:  # the seed ran and printed the token before the spec could not be fetched
        assert "its token is [REDACTED]" in (out / "artifacts" / "service" / "prepare.log").read_text()
    assert leaks(out) == []


def test_ctrl_c_during_fuzzing_leaves_no_secret(tmp_path: Path, marker: str) -> None:
    target = secret_target(
        tmp_path / "t", marker, env={"FIXTURE_DELAY_MS": "20"}, fuzz="max_examples = 500", ready_timeout_s=30
    )
    out = tmp_path / "out"
    gate = subprocess.Popen(
        [sys.executable, "-m", "gate", "run", str(target), "--only", "fuzz", "--out", str(out)],
        env={**os.environ, MARKER_VAR: marker},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # see test_fuzz's Ctrl-C test
    )
    events = out / "artifacts" / "fuzz" / "schemathesis-events.ndjson"
    deadline = time.monotonic() + 90
    # Interrupt once schemathesis has written echoed bodies: there is something to mask.
    while not (events.is_file() and events.stat().st_size > 20000 and _running(marker, "schemathesis")):
        assert gate.poll() is None and time.monotonic() < deadline, "fuzzing never got going"
        time.sleep(0.1)
    gate.send_signal(signal.SIGINT)
    output, _ = gate.communicate(timeout=60)
    assert gate.returncode == 130, output.decode()
    assert "its token is [REDACTED]" in (out / "artifacts" / "service" / "prepare.log").read_text()
    assert leaks(out) == []


def _running(marker: str, word: str) -> bool:
    for pid in processes_with(marker):
        try:
            if word.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True
        except OSError:
            continue  # it ended while we looked
    return False
