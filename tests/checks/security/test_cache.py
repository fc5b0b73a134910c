"""Incremental security scans with the real bandit and semgrep: what the tools are given, what is found."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from gate import resources
from gate.checks.security import cache as security_cache
from gate.checks.security.cache import Store, cache_root
from gate.checks.security.hits import Hit
from gate.model import Finding, Severity
from tests.conftest import FIXTURES, check_of

RunGate = Callable[..., tuple[Result, dict[str, Any] | None]]
MakeTarget = Callable[[Mapping[str, str]], Path]
PLANTED = sorted(["app/__init__.py", "app/client.py", "app/users.py"])


def security(run_gate: RunGate, target: Path) -> dict[str, Any]:
    result, report = run_gate(target, "--only", "security")
    assert report is not None, result.output
    check = check_of(report, "security")
    assert check["status"] in ("pass", "warn", "fail"), check["reasons"]
    return check


def given_to_tools(out: Path) -> tuple[set[str], set[str]]:
    """The files bandit and semgrep scanned in the last run, from their own reports."""
    tools = out / "artifacts" / "security"
    if not (tools / "bandit.json").exists():
        assert not (tools / "semgrep.json").exists()
        return set(), set()
    bandit = json.loads((tools / "bandit.json").read_text())["metrics"]
    semgrep = json.loads((tools / "semgrep.json").read_text())["paths"]["scanned"]
    return {os.path.normpath(n) for n in bandit if n != "_totals"}, {os.path.normpath(p) for p in semgrep}


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    target = tmp_path / "target"
    shutil.copytree(FIXTURES / "security_planted", target)
    return target


def test_an_unchanged_tree_comes_from_the_cache_with_the_same_findings(
    run_gate: RunGate, planted: Path, tmp_path: Path, gate_cache: Path
) -> None:
    first = security(run_gate, planted)
    assert (first["details"]["files_from_cache"], first["details"]["files_rescanned"]) == (0, 3)
    assert given_to_tools(tmp_path / "out") == (set(PLANTED), set(PLANTED))
    assert first["details"]["cache"] == str(gate_cache / "security")
    second = security(run_gate, planted)
    assert (second["details"]["files_from_cache"], second["details"]["files_rescanned"]) == (3, 0)
    assert given_to_tools(tmp_path / "out") == (set(), set())  # neither tool ran
    assert second["artifacts"] == []
    assert second["findings"] == first["findings"] and second["findings"]
    assert second["metrics"] == first["metrics"] and second["status"] == "fail"
    assert second["tools"] == first["tools"]
    assert second["details"]["bandit_nosec"] == first["details"]["bandit_nosec"]


def test_a_changed_file_is_the_only_one_rescanned(run_gate: RunGate, planted: Path, tmp_path: Path) -> None:
    security(run_gate, planted)
    users = planted / "app" / "users.py"
    users.write_text(
        users.read_text() + "\n\ndef digest(data: bytes) -> str:\n"
        "    import hashlib\n    return hashlib.sha1(data).hexdigest()\n"
    )
    changed = security(run_gate, planted)
    assert (changed["details"]["files_from_cache"], changed["details"]["files_rescanned"]) == (2, 1)
    assert given_to_tools(tmp_path / "out") == ({"app/users.py"}, {"app/users.py"})
    (planted / "gate.toml").write_text('[security]\npaths = ["app"]\ncache = false\n')
    full = security(run_gate, planted)
    assert full["details"]["files_rescanned"] == 3 and full["details"]["cache"].startswith("off")
    assert changed["findings"] == full["findings"]
    assert any(f["path"] == "app/users.py" and f["line"] > 19 for f in full["findings"])  # the new sha1


def test_cache_off_writes_nothing(run_gate: RunGate, planted: Path, gate_cache: Path) -> None:
    (planted / "gate.toml").write_text('[security]\npaths = ["app"]\ncache = false\n')
    security(run_gate, planted)
    again = security(run_gate, planted)
    assert again["details"]["files_rescanned"] == 3
    assert not gate_cache.exists()


def test_a_corrupt_entry_is_a_miss(run_gate: RunGate, planted: Path, tmp_path: Path, gate_cache: Path) -> None:
    first = security(run_gate, planted)
    entries = sorted((gate_cache / "security").glob("*/*.json"))
    assert len(entries) == 3
    by_path = {json.loads(e.read_text())["path"]: e for e in entries}
    users, hollow = by_path["app/users.py"], by_path["app/client.py"]
    users.write_text('{"entry": "truncat')  # e.g. a disk that filled up under a non-atomic writer
    data = json.loads(hollow.read_text())
    hollow.write_text(json.dumps({**data, "semgrep": [{"rule": "gate.x"}]}))  # valid JSON, wrong shape
    second = security(run_gate, planted)
    assert (second["details"]["files_from_cache"], second["details"]["files_rescanned"]) == (1, 2)
    assert given_to_tools(tmp_path / "out")[0] == {"app/users.py", "app/client.py"}
    assert second["findings"] == first["findings"]
    assert json.loads(users.read_text())["path"] == "app/users.py"  # rewritten whole


def test_a_changed_rule_pack_or_option_rescans_everything(
    run_gate: RunGate, planted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(resources.policies_dir(), policies)
    monkeypatch.setattr(resources, "policies_dir", lambda: policies)
    security(run_gate, planted)
    assert security(run_gate, planted)["details"]["files_from_cache"] == 3
    rules = policies / "semgrep" / "crypto.yaml"
    rules.write_text(rules.read_text() + "\n# a comment is a change too\n")
    after_pack = security(run_gate, planted)
    assert (after_pack["details"]["files_from_cache"], after_pack["details"]["files_rescanned"]) == (0, 3)
    (planted / "gate.toml").write_text('[security]\npaths = ["app"]\ninline_ignores = true\n')
    assert security(run_gate, planted)["details"]["files_rescanned"] == 3


def test_an_unwritable_cache_costs_speed_not_findings(
    run_gate: RunGate, planted: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be\n")
    monkeypatch.setenv("GATE_CACHE_DIR", str(blocked))
    check = security(run_gate, planted)
    assert "cannot write the cache" in check["details"]["cache_error"]
    assert check["status"] == "fail" and check["details"]["files_rescanned"] == 3


def test_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GATE_CACHE_DIR", str(tmp_path / "explicit"))
    assert cache_root() == tmp_path / "explicit"
    monkeypatch.delenv("GATE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "gate"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "gate"


def _hit(path: str) -> Hit:
    finding = Finding(
        check="security",
        tool="bandit",
        rule="B105",
        severity=Severity.LOW,
        message="m",
        path=path,
        line=1,
        extra={"confidence": "MEDIUM"},
    )
    return Hit(finding=finding, first_line=1, last_line=1)


def test_entries_round_trip_and_are_pruned_by_age_and_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path, "k")
    store.save("a.py", "d1", [_hit("a.py")], [], 2)
    assert store.load("a.py", "d1") == ([_hit("a.py")], [], 2)
    assert store.load("a.py", "d2") is None and Store(tmp_path, "other").load("a.py", "d1") is None
    store.save("b.py", "d1", [], [], 0)
    old = next(e for e in (tmp_path / "security").glob("*/*.json") if '"a.py"' in e.read_text())
    now = old.stat().st_mtime + security_cache.MAX_AGE_S + 10
    os.utime(old, (now - security_cache.MAX_AGE_S - 5,) * 2)
    young = next(e for e in (tmp_path / "security").glob("*/*.json") if e != old)
    os.utime(young, (now,) * 2)
    assert store.prune(now) == 1
    assert store.load("a.py", "d1") is None and store.load("b.py", "d1") == ([], [], 0)
    assert store.prune(now) == 0  # pruned today already
    os.utime(young, (now,) * 2)  # the load above marked it used at the real time
    (tmp_path / "security" / ".pruned").unlink()
    monkeypatch.setattr(security_cache, "MAX_BYTES", 1)
    assert store.prune(now) == 1  # young, but over the size cap
    assert not list((tmp_path / "security").glob("*/*.json"))
