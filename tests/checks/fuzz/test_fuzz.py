"""fuzz: real schemathesis against the real fixture service, through `gate run --only fuzz`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import check_of
from tests.support.service import (
    MARKER_VAR,
    files_containing,
    live_target,
    marker,
    processes_with,
    start_fixture,
    stop,
)

__all__ = ["marker"]  # the fixture, imported for pytest

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]


def fuzz_of(run_gate: RunGate, target: Path) -> tuple[int, dict[str, Any]]:
    result, report = run_gate(target, "--only", "fuzz")
    assert report is not None, result.output
    return result.exit_code, check_of(report, "fuzz")


@pytest.mark.parametrize("spec", ["openapi30", "openapi31", "swagger20", "servers_elsewhere"])
def test_clean_service_passes(run_gate: RunGate, tmp_path: Path, marker: str, spec: str) -> None:
    code, fuzz = fuzz_of(run_gate, live_target(tmp_path / "t", marker, spec=spec))
    assert (code, fuzz["status"]) == (0, "pass"), fuzz
    assert fuzz["metrics"]["operations"] == 3
    assert fuzz["metrics"]["test_cases"] > 0
    assert fuzz["metrics"]["failures"] == 0
    assert fuzz["metrics"]["seed"] == 20261124
    assert fuzz["tools"]["schemathesis"].startswith("4.")
    assert fuzz["details"]["base_url"].startswith("http://127.0.0.1:")  # never the spec's servers entry
    out = tmp_path / "out"
    for artifact in fuzz["artifacts"]:
        assert (out / artifact).is_file()


def test_flawed_service_fails_with_reproducible_findings(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    code, fuzz = fuzz_of(run_gate, live_target(tmp_path / "t", marker, mode="flawed"))
    assert (code, fuzz["status"]) == (1, "fail"), fuzz
    by_rule = {(f["rule"], f["extra"]["status"]): f for f in fuzz["findings"]}
    crash = by_rule[("not_a_server_error", "500")]
    assert crash["severity"] == "high"
    assert crash["operation"] == "GET /items/{item_id}"
    assert crash["extra"]["curl"].startswith("curl -X GET ")
    assert crash["extra"]["curl"].endswith("/items/0")
    undocumented = by_rule[("status_code_conformance", "404")]
    assert undocumented["severity"] == "medium"
    assert undocumented["operation"] == "GET /items/{item_id}"
    assert "Undocumented status code" in undocumented["message"]
    assert undocumented["extra"]["curl"].startswith("curl -X GET http://127.0.0.1:")
    assert fuzz["metrics"]["failures"] == len(fuzz["findings"])


def test_same_seed_same_findings(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    target = live_target(tmp_path / "t", marker, mode="flawed")
    runs = [fuzz_of(run_gate, target)[1] for _ in range(2)]
    keys = [
        sorted(
            (f["rule"], f["message"], f["extra"]["curl"].split("127.0.0.1:")[1].split("/", 1)[1])
            for f in run["findings"]
        )
        for run in runs
    ]
    assert keys[0] == keys[1]
    assert runs[0]["metrics"]["test_cases"] == runs[1]["metrics"]["test_cases"]


@pytest.mark.parametrize(
    ("mode", "reason", "in_log"),
    [
        ("never_ready", "not ready within 2 s", "GET /health"),
        ("exit_early", "exited with code 3 before it was ready", "cannot connect to the database, exiting"),
    ],
)
def test_service_not_ready_is_an_error_with_its_log(
    run_gate: RunGate, tmp_path: Path, marker: str, mode: str, reason: str, in_log: str
) -> None:
    target = live_target(tmp_path / "t", marker, mode=mode, ready_timeout_s=2)
    code, fuzz = fuzz_of(run_gate, target)
    assert (code, fuzz["status"]) == (3, "error")
    assert reason in fuzz["reasons"][0]
    assert in_log in fuzz["log_tail"]


def test_service_crashing_during_fuzzing_is_an_error(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    target = live_target(tmp_path / "t", marker, mode="crash_after", env={"FIXTURE_CRASH_AFTER": "20"})
    code, fuzz = fuzz_of(run_gate, target)
    assert (code, fuzz["status"]) == (3, "error")
    assert fuzz["reasons"][0] == "the service stopped during the check: exited with code 70"
    assert "crashing on purpose" in fuzz["log_tail"]


CRASH_HOOK = """
import schemathesis.engine.core as core


def _crash(self, *args, **kwargs):
    raise RuntimeError("injected engine crash")


core.Engine.execute = _crash
"""


def test_a_schemathesis_crash_names_its_error_not_its_footer(
    run_gate: RunGate, tmp_path: Path, marker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """schemathesis's own internal error (injected through its hooks module) ends its console with a
    "please report" footer; the reason must name the exception above it."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "gate_crash_hook.py").write_text(CRASH_HOOK, encoding="utf-8")
    monkeypatch.setenv("SCHEMATHESIS_HOOKS", "gate_crash_hook")
    monkeypatch.setenv("PYTHONPATH", str(hooks))
    code, fuzz = fuzz_of(run_gate, live_target(tmp_path / "t", marker))
    assert (code, fuzz["status"]) == (3, "error")
    reason = fuzz["reasons"][0]
    assert reason.startswith("schemathesis crashed (exited with code 2): RuntimeError: injected engine crash")
    assert reason.endswith("its whole output is in artifacts/fuzz/schemathesis-output.txt")
    assert "Test Execution Error" in fuzz["log_tail"]
    assert "Please consider reporting" not in fuzz["log_tail"]
    assert "artifacts/fuzz/schemathesis-output.txt" in fuzz["artifacts"]
    output = (tmp_path / "out" / "artifacts" / "fuzz" / "schemathesis-output.txt").read_text()
    assert "Please consider reporting" in output  # the whole console is kept


@pytest.mark.parametrize(
    ("spec", "service", "reason"),
    [
        ("invalid", "", "'paths' is missing or not a mapping"),
        ("openapi30", 'openapi = "/no-such-spec.json"', "cannot fetch the OpenAPI spec"),
    ],
)
def test_unusable_spec_is_an_error(
    run_gate: RunGate, tmp_path: Path, marker: str, spec: str, service: str, reason: str
) -> None:
    code, fuzz = fuzz_of(run_gate, live_target(tmp_path / "t", marker, spec=spec, service=service))
    assert (code, fuzz["status"]) == (3, "error")
    assert reason in fuzz["reasons"][0]


def test_auth_token_is_used_and_never_written(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    token = "tok-" + marker  # unique, so a search for it cannot match anything else
    target = live_target(
        tmp_path / "t", marker, env={"FIXTURE_TOKEN": token}, service=f'auth = {{ command = "echo {token}" }}'
    )
    code, fuzz = fuzz_of(run_gate, target)
    assert (code, fuzz["status"]) == (0, "pass"), fuzz
    out = tmp_path / "out"
    assert files_containing(out, token) == []
    assert files_containing(out, "tok-gate-live") == []


def test_a_secret_the_service_prints_is_masked_in_its_log(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    token = "tok-" + marker
    target = live_target(
        tmp_path / "t", marker, env={"FIXTURE_TOKEN": token}, service=f'auth = {{ command = "echo {token}" }}'
    )
    config = target / "gate.toml"
    config.write_text(
        config.read_text().replace(
            'command = "python server.py --port {port}"',
            'command = "echo started with $FIXTURE_TOKEN; exec python server.py --port {port}"',
        )
    )
    code, fuzz = fuzz_of(run_gate, target)
    assert (code, fuzz["status"]) == (0, "pass"), fuzz
    log = (tmp_path / "out" / "artifacts" / "service" / "service.log").read_text()
    assert "started with [REDACTED]" in log
    assert files_containing(tmp_path / "out", token) == []


def test_wrong_credentials_are_an_error_not_a_pass(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    # Every request gets 401, which the spec documents: without this rule fuzzing would "pass".
    target = live_target(
        tmp_path / "t",
        marker,
        env={"FIXTURE_TOKEN": "right-token"},
        service='headers = { Authorization = "Bearer wrong-token" }',
    )
    code, fuzz = fuzz_of(run_gate, target)
    assert (code, fuzz["status"]) == (3, "error")
    assert "unauthenticated" in fuzz["reasons"][0]


def test_setup_and_seed_commands_run(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    target = live_target(
        tmp_path / "t",
        marker,
        service="\n".join(
            [
                'setup = ["echo ready > setup-done.txt"]',
                'seed = ["test -f setup-done.txt", "printf %s \\"$GATE_BASE_URL\\" > seed.txt"]',
            ]
        ),
    )
    code, fuzz = fuzz_of(run_gate, target)
    assert (code, fuzz["status"]) == (0, "pass"), fuzz
    assert (target / "seed.txt").read_text() == fuzz["details"]["base_url"]


def test_url_mode_against_an_already_running_service(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    child, port = start_fixture(marker)
    try:
        target = tmp_path / "t"
        target.mkdir()
        (target / "gate.toml").write_text(f'[service]\nurl = "http://127.0.0.1:{port}"\n\n[fuzz]\nmax_examples = 3\n')
        code, fuzz = fuzz_of(run_gate, target)
        assert (code, fuzz["status"]) == (0, "pass"), fuzz
        assert fuzz["details"]["base_url"] == f"http://127.0.0.1:{port}"
        assert child.poll() is None  # gate did not start it and must not stop it
    finally:
        stop(child)


def test_unknown_check_name_is_a_config_error(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    target = live_target(tmp_path / "t", marker, fuzz='checks = ["not_a_check"]')
    result, _ = run_gate(target, "--only", "fuzz")
    assert result.exit_code == 2
    assert "not_a_check" in result.output


@pytest.mark.parametrize("mode", ["clean", "never_ready"])
def test_ctrl_c_leaves_no_process_behind(tmp_path: Path, marker: str, mode: str) -> None:
    # Slow requests and many examples: fuzzing is still running when SIGINT arrives.
    target = live_target(
        tmp_path / "t", marker, mode=mode, env={"FIXTURE_DELAY_MS": "50"}, ready_timeout_s=60, fuzz="max_examples = 500"
    )
    gate = subprocess.Popen(
        [sys.executable, "-m", "gate", "run", str(target), "--only", "fuzz", "--out", str(tmp_path / "out")],
        env={**os.environ, MARKER_VAR: marker},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # SIGINT may be ignored in a CI shell's background job; Python only raises KeyboardInterrupt
        # when the signal's disposition is the default one at start.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    busy = "schemathesis" if mode == "clean" else "server.py"
    deadline = time.monotonic() + 60
    while not _running(marker, busy):
        assert gate.poll() is None and time.monotonic() < deadline, "gate never reached the live check"
        time.sleep(0.1)
    time.sleep(0.5)
    gate.send_signal(signal.SIGINT)
    output, _ = gate.communicate(timeout=60)
    assert gate.returncode == 130, output.decode()
    # The `marker` fixture asserts, after the test, that no process carrying the marker is left.


def _running(marker: str, word: str) -> bool:
    """Whether a process carrying the marker has `word` in its command line."""
    for pid in processes_with(marker):
        try:
            if word.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True
        except OSError:
            continue  # it ended while we looked
    return False


def test_fuzzing_beyond_its_timeout_is_an_error(run_gate: RunGate, tmp_path: Path, marker: str) -> None:
    target = live_target(
        tmp_path / "t", marker, env={"FIXTURE_DELAY_MS": "200"}, fuzz="max_examples = 50\ntimeout_s = 2"
    )
    code, fuzz = fuzz_of(run_gate, target)
    assert (code, fuzz["status"]) == (3, "error")
    assert "schemathesis timed out after 2 s" in fuzz["reasons"][0]
