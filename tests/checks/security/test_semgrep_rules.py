"""gate's semgrep rule pack: every rule passes `semgrep --test` on its examples, offline."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from concurrent.futures import ThreadPoolExecutor
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from gate import proc
from gate.checks.security import semgrep as security_semgrep
from gate.model import Severity
from gate.resources import semgrep_rule_pack

PACK = semgrep_rule_pack()
RULE_FILES = sorted(PACK.glob("*.yaml"))
RULE_ID = re.compile(r"^\s*- id: (\S+)\s*$", re.MULTILINE)
# rule-id prefixes the default policy fails whatever their severity (policies/default.toml)
ALWAYS_FAIL = ("gate.sql-", "gate.weak-password-hash", "gate.hardcoded-")


def ids_in(rule_file: Path) -> list[str]:
    return RULE_ID.findall(rule_file.read_text())


def semgrep_test(rule_file: Path, examples: Path, work: Path) -> dict[str, Any]:
    """`semgrep --test` on one rule file and its examples, as JSON."""
    done = proc.run(
        [
            *proc.tool_argv("semgrep"),
            "--test",
            "--json",
            *security_semgrep.OFFLINE_FLAGS,
            "--config",
            str(rule_file),
            str(examples),
        ],
        cwd=work,
        timeout=120,
        env=security_semgrep.offline_env(work),
        ok_codes=(0, 1),
    )
    data: dict[str, Any] = json.loads(done.stdout)
    return data


@pytest.fixture(scope="module")
def test_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """semgrep --test per rule file, side by side (each semgrep start takes seconds)."""
    work = tmp_path_factory.mktemp("semgrep-test")
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = {f.name: pool.submit(semgrep_test, f, f.with_suffix(".py"), work) for f in RULE_FILES}
        return {name: job.result() for name, job in jobs.items()}


# What a backend reviewer looks for; removing a rule must be a deliberate change here too.
EXPECTED_RULES = {
    "gate.sql-built-from-strings",
    "gate.sql-text-built-from-strings",
    "gate.hardcoded-secret",
    "gate.hardcoded-secret-fallback",
    "gate.hardcoded-credentials-in-url",
    "gate.hardcoded-jwt-key",
    "gate.jwt-signature-not-verified",
    "gate.jwt-expiry-not-verified",
    "gate.cors-wildcard-with-credentials",
    "gate.debug-enabled",
    "gate.weak-password-hash",
    "gate.weak-password-hash-fast-digest",
    "gate.insecure-random-token",
    "gate.tls-verify-disabled",
    "gate.http-request-without-timeout",
    "gate.pickle-request-data",
    "gate.yaml-unsafe-load",
    "gate.subprocess-shell-injection",
    "gate.exception-details-in-response",
}


def test_the_pack_has_rules_with_unique_gate_ids() -> None:
    ids = [rule for f in RULE_FILES for rule in ids_in(f)]
    assert set(ids) == EXPECTED_RULES
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"gate\.[a-z0-9-]+", rule) for rule in ids), ids
    for prefix in ALWAYS_FAIL:
        assert any(rule.startswith(prefix) for rule in ids), prefix


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=lambda f: f.name)
def test_every_rule_passes_its_examples(rule_file: Path, test_runs: dict[str, dict[str, Any]]) -> None:
    run = test_runs[rule_file.name]
    assert run["config_with_errors"] == [] and run["config_missing_tests"] == []
    [checks] = [result["checks"] for result in run["results"].values()]
    # The output names every rule of the file: a rule semgrep did not load cannot pass unnoticed.
    assert sorted(checks) == sorted(ids_in(rule_file))
    examples = rule_file.with_suffix(".py").read_text()
    for rule, outcome in checks.items():
        assert outcome["passed"], f"{rule}: {outcome}"
        [lines] = outcome["matches"].values()
        assert lines["expected_lines"], f"{rule} has no positive example"
        assert f"# ok: {rule}\n" in examples, f"{rule} has no negative example"


def test_semgrep_test_fails_when_an_example_is_wrong(tmp_path: Path) -> None:
    # The harness must be able to fail: mark a parameterised query as an injection.
    shutil.copy(PACK / "sql.yaml", tmp_path / "sql.yaml")
    examples = (
        (PACK / "sql.py")
        .read_text()
        .replace("# ok: gate.sql-built-from-strings", "# ruleid: gate.sql-built-from-strings", 1)
    )
    (tmp_path / "sql.py").write_text(examples)
    run = semgrep_test(tmp_path / "sql.yaml", tmp_path / "sql.py", tmp_path)
    [checks] = [result["checks"] for result in run["results"].values()]
    assert checks["gate.sql-built-from-strings"]["passed"] is False


def test_every_rule_declares_gate_severity_and_cwe(tmp_path: Path) -> None:
    # Scanning the examples the way the check does makes every rule fire, with its metadata.
    examples = sorted(p.name for p in PACK.glob("*.py"))
    shutil.copytree(PACK, tmp_path / "pack")
    out = tmp_path / "semgrep.json"
    run = security_semgrep.run(tmp_path / "pack", examples, out, timeout=120, inline_ignores=False)
    data = json.loads(out.read_text())
    fired = {security_semgrep.rule_id(r["check_id"]): r["extra"] for r in data["results"]}
    assert sorted(fired) == sorted(rule for f in RULE_FILES for rule in ids_in(f))
    for rule, extra in fired.items():
        metadata = extra["metadata"]
        assert Severity.parse(metadata["gate-severity"]), rule
        assert metadata["cwe"].startswith("CWE-"), rule
        assert metadata["category"] == "security", rule
        assert all(re.fullmatch(r"B\d{3}", test) for test in metadata.get("bandit", [])), rule
    assert {h.finding.rule for h in run.hits} == set(fired)


def test_default_policy_globs_match_the_pack() -> None:
    policy = tomllib.loads((PACK.parent / "default.toml").read_text())
    ids = [rule for f in RULE_FILES for rule in ids_in(f)]
    globs = [g for g in policy["checks"]["security"]["fail_rules"] if g.startswith("gate.")]
    assert globs, "the default policy names gate's own rules"
    for glob in globs:
        assert any(fnmatchcase(rule, glob) for rule in ids), glob
    always = {rule for rule in ids if any(fnmatchcase(rule, g) for g in globs)}
    assert always == {rule for rule in ids if rule.startswith(ALWAYS_FAIL)}
