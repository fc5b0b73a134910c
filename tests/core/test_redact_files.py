"""Masking artifact files: known secrets go, in every encoding, and structured files still parse."""

from __future__ import annotations

import base64
import json
import os
import signal
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import pytest

from gate.redact import MASK
from gate.redact_files import _signals_deferred, redact_files

TOKEN = "tok-9f8e7d6c5b4a"
PASSWORD = "pa55/word+x=1"  # characters that URL-encoding and JSON change


def test_structured_files_keep_parsing_and_lose_every_form_of_the_secret(tmp_path: Path) -> None:
    echoed = base64.b64encode(json.dumps({"auth": f"Bearer {TOKEN}", "n": 1}).encode()).decode()
    events = [
        {"elapsed_time": 0.025622536001, "body": echoed, "url": f"/x?pw={PASSWORD}"},
        {"header": f"Bearer {TOKEN}", "ttl": 3600},
    ]
    (tmp_path / "events.ndjson").write_text("".join(json.dumps(e) + "\n" for e in events) + '{"cut sho')
    (tmp_path / "report.json").write_text(json.dumps({"note": f"pw {PASSWORD}", "n": 3600}, indent=2))
    (tmp_path / "requests.jsonl").write_text(json.dumps({"ms": 3600.25, "error": None}) + "\n")
    (tmp_path / "junit.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testcase name="a" time="0.3600">'
        f'<failure message="token {TOKEN}">curl -H "Authorization: Bearer {TOKEN}" &lt;x&gt;</failure>'
        "</testcase><!-- kept --></testsuites>\n"
    )
    (tmp_path / "service.log").write_text(f"GET /x?pw={quote(PASSWORD, safe='')}&t={TOKEN}\n")
    untouched = (tmp_path / "requests.jsonl").read_bytes()

    redact_files([tmp_path], [TOKEN, PASSWORD, "3600"])

    lines = (tmp_path / "events.ndjson").read_text().splitlines()
    first, second = (json.loads(line) for line in lines[:2])
    assert first["elapsed_time"] == 0.025622536001 and second["ttl"] == 3600  # "3600" is no secret
    assert json.loads(base64.b64decode(first["body"], validate=True)) == {"auth": f"Bearer {MASK}", "n": 1}
    assert first["url"] == f"/x?pw={MASK}" and second["header"] == f"Bearer {MASK}"
    assert lines[2] == '{"cut sho'  # a line cut short stays as it was (masked as text)
    assert json.loads((tmp_path / "report.json").read_text()) == {"note": f"pw {MASK}", "n": 3600}
    assert (tmp_path / "requests.jsonl").read_bytes() == untouched
    root = ET.fromstring((tmp_path / "junit.xml").read_text())
    failure = root.find("testcase/failure")
    assert failure is not None and failure.get("message") == f"token {MASK}"
    assert failure.text == f'curl -H "Authorization: Bearer {MASK}" <x>'
    assert root.find("testcase").get("time") == "0.3600"  # type: ignore[union-attr]
    assert "<!-- kept -->" in (tmp_path / "junit.xml").read_text()
    assert (tmp_path / "service.log").read_text() == f"GET /x?pw={MASK}&t={MASK}\n"


def test_binary_files_keep_their_size(tmp_path: Path) -> None:
    data = b"\x00\xff" + TOKEN.encode() + b"\x80tail"
    (tmp_path / ".coverage").write_bytes(data)
    redact_files([tmp_path], [TOKEN])
    masked = (tmp_path / ".coverage").read_bytes()
    assert len(masked) == len(data) and TOKEN.encode() not in masked


def test_a_file_with_a_dtd_is_not_parsed(tmp_path: Path) -> None:
    text = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a; {TOKEN}</x>'
    (tmp_path / "odd.xml").write_text(text)
    redact_files([tmp_path], [TOKEN])
    assert (tmp_path / "odd.xml").read_text() == text.replace(TOKEN, MASK)


def test_ctrl_c_waits_until_the_masking_pass_is_done() -> None:
    finished = False
    with pytest.raises(KeyboardInterrupt), _signals_deferred():
        os.kill(os.getpid(), signal.SIGINT)  # held back, not lost
        finished = True
    assert finished


@pytest.mark.parametrize("prefix", ["", "x", "xy"])
def test_a_secret_at_any_offset_inside_base64_is_found(tmp_path: Path, prefix: str) -> None:
    body = base64.b64encode(f"{prefix}token={TOKEN}&more".encode()).decode()
    (tmp_path / "events.ndjson").write_text(json.dumps({"body": body}) + "\n")
    redact_files([tmp_path], [TOKEN])
    masked = json.loads((tmp_path / "events.ndjson").read_text())["body"]
    assert base64.b64decode(masked).decode() == f"{prefix}token={MASK}&more"


def test_named_files_and_folders_are_masked_and_symlinks_left_alone(tmp_path: Path) -> None:
    """The fuzz check masks its reports by name, open_service every file under a folder: one function."""
    (tmp_path / "report.json").write_text(json.dumps({"note": TOKEN}))
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "service.log").write_text(f"t={TOKEN}\n")
    outside = tmp_path / "outside.txt"
    outside.write_text(TOKEN)
    (tmp_path / "logs" / "link.txt").symlink_to(outside)  # not gate's to rewrite through a link
    redact_files([tmp_path / "report.json", tmp_path / "logs", tmp_path / "never-written.json"], [TOKEN])
    assert json.loads((tmp_path / "report.json").read_text()) == {"note": MASK}
    assert (tmp_path / "logs" / "service.log").read_text() == f"t={MASK}\n"
    assert outside.read_text() == TOKEN
