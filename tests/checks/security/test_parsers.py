"""The security check's readers, on recorded real outputs (tests/data/bandit, tests/data/semgrep)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from gate.checks.security import bandit as security_bandit
from gate.checks.security import counts
from gate.checks.security import semgrep as security_semgrep
from gate.checks.security.hits import Hit
from gate.checks.security.merge import mask_literals, merge, with_snippets
from gate.checks.toolout import read_tool_json
from gate.errors import CheckError, ToolError
from gate.model import Finding, Severity
from tests.support import paths

DATA = paths.DATA
PLANTED = paths.FIXTURES / "security_planted"
PLANTED_FILES = ["app/__init__.py", "app/client.py", "app/users.py"]


def recorded(tool: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / tool / name).read_text())
    return data


@pytest.mark.parametrize(
    ("severity", "confidence", "expected"),
    [
        ("HIGH", "HIGH", Severity.HIGH),
        ("HIGH", "MEDIUM", Severity.HIGH),
        ("HIGH", "LOW", Severity.MEDIUM),
        ("MEDIUM", "MEDIUM", Severity.MEDIUM),
        ("MEDIUM", "LOW", Severity.LOW),
        ("LOW", "HIGH", Severity.LOW),
        ("LOW", "LOW", Severity.INFO),
    ],
)
def test_bandit_severity_mapping(severity: str, confidence: str, expected: Severity) -> None:
    assert security_bandit.severity(severity, confidence) is expected


def test_bandit_unknown_severity_is_an_error() -> None:
    with pytest.raises(CheckError, match="UNDEFINED"):
        security_bandit.severity("UNDEFINED", "HIGH")


def test_bandit_findings_are_read_with_normalised_paths() -> None:
    hits, details = security_bandit.parse(recorded("bandit", "findings.json"), PLANTED_FILES)
    found = {(h.finding.rule, h.finding.path, h.finding.line, h.finding.severity) for h in hits}
    assert ("B324", "app/users.py", 19, Severity.HIGH) in found  # HIGH/HIGH
    assert ("B105", "app/users.py", 6, Severity.LOW) in found  # LOW/MEDIUM
    assert ("B608", "app/users.py", 10, Severity.LOW) in found  # MEDIUM/LOW: one step down
    assert ("B608", "app/users.py", 15, Severity.MEDIUM) in found  # MEDIUM/MEDIUM
    assert len(hits) == 8
    assert all(h.finding.tool == "bandit" and h.finding.check == "security" for h in hits)
    b324 = next(h for h in hits if h.finding.rule == "B324")
    assert b324.finding.extra["confidence"] == "HIGH"
    assert b324.finding.extra["cwe"] == "CWE-327"
    assert details == {"bandit_nosec": 0}


def test_bandit_file_it_could_not_parse_is_an_error() -> None:
    with pytest.raises(CheckError, match=r"could not scan 1 file.*app/broken\.py: syntax error"):
        security_bandit.parse(recorded("bandit", "syntax_error.json"), ["app/broken.py", "app/ok.py"])


def test_bandit_skipping_a_selected_file_is_an_error() -> None:
    with pytest.raises(CheckError, match=r"bandit did not scan 1 of the selected files: app/extra\.py"):
        security_bandit.parse(recorded("bandit", "findings.json"), [*PLANTED_FILES, "app/extra.py"])


@pytest.mark.parametrize("field", ["results", "errors", "metrics"])
def test_bandit_report_without_a_required_field_is_an_error(field: str) -> None:
    data = recorded("bandit", "findings.json")
    del data[field]
    with pytest.raises(CheckError, match="not in the expected format"):
        security_bandit.parse(data, PLANTED_FILES)


def test_truncated_empty_and_missing_reports_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match=r"^bandit report truncated\.json: not JSON \(.*, line \d+, column \d+\)$"):
        read_tool_json(DATA / "bandit" / "truncated.json", "bandit", dict)
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    with pytest.raises(ToolError, match=r"^bandit report empty\.json: empty \(expected a JSON object\)$"):
        read_tool_json(empty, "bandit", dict)
    with pytest.raises(
        ToolError, match=r"^semgrep report absent\.json: not written \(the tool exited without writing it\)$"
    ):
        read_tool_json(tmp_path / "absent.json", "semgrep", dict)
    listed = tmp_path / "list.json"
    listed.write_text("[]")
    with pytest.raises(ToolError, match=r"^semgrep report list\.json: expected a JSON object, found a list$"):
        read_tool_json(listed, "semgrep", dict)


def test_semgrep_findings_use_gate_severity_and_know_their_bandit_twins() -> None:
    hits, details = security_semgrep.parse(recorded("semgrep", "findings.json"), PLANTED_FILES)
    found = {(h.finding.rule, h.finding.path, h.finding.line, h.finding.severity) for h in hits}
    assert found == {
        ("gate.sql-built-from-strings", "app/users.py", 11, Severity.CRITICAL),
        ("gate.sql-built-from-strings", "app/users.py", 15, Severity.CRITICAL),
        ("gate.weak-password-hash", "app/users.py", 19, Severity.CRITICAL),
        ("gate.hardcoded-secret", "app/users.py", 6, Severity.HIGH),
        ("gate.http-request-without-timeout", "app/client.py", 9, Severity.MEDIUM),
    }
    sql = next(h for h in hits if h.finding.line == 15)
    assert sql.same_as_bandit == ("B608",)
    assert sql.finding.extra == {"tool_severity": "ERROR", "cwe": "CWE-89"}
    assert "\n" not in sql.finding.message
    assert details == {}


def test_semgrep_rule_ids_lose_the_config_path_prefix() -> None:
    hits, _ = security_semgrep.parse(recorded("semgrep", "prefixed_ids.json"), ["app/hashing.py"])
    assert [h.finding.rule for h in hits] == ["gate.weak-password-hash"]
    assert security_semgrep.rule_id("usr.lib.site-packages.gate._policies.semgrep.gate.sql-x") == "gate.sql-x"
    with pytest.raises(CheckError, match="not in gate's rule pack"):
        security_semgrep.rule_id("python.lang.security.audit.eval")


def test_semgrep_rule_error_is_fatal() -> None:
    with pytest.raises(CheckError, match=r"Rule parse error in gate\.broken"):
        security_semgrep.parse(recorded("semgrep", "rule_parse_error.json"), ["app/ok.py"])


def test_semgrep_timeout_is_fatal_although_semgrep_exits_0() -> None:
    # semgrep gave up on the file and reported no findings in it: the file is unvetted.
    with pytest.raises(CheckError, match=r"2 error\(s\): Timeout in app/huge\.py"):
        security_semgrep.parse(recorded("semgrep", "timeout.json"), ["app/huge.py"])


def test_semgrep_partial_parsing_is_a_note_not_an_error() -> None:
    hits, details = security_semgrep.parse(recorded("semgrep", "partial_parsing.json"), ["app/ok.py", "app/partial.py"])
    assert hits == []
    assert details == {
        "semgrep_partially_parsed": [
            "app/partial.py: semgrep skipped unparsable lines 5-6; bandit parsed the whole file"
        ]
    }


def test_semgrep_report_problems_are_errors() -> None:
    data = recorded("semgrep", "findings.json")
    with pytest.raises(CheckError, match="semgrep did not scan 1 of the selected files: app/other.py"):
        security_semgrep.parse(data, [*PLANTED_FILES, "app/other.py"])
    for field in ("results", "errors", "paths"):
        broken = copy.deepcopy(data)
        del broken[field]
        with pytest.raises(CheckError, match="not in the expected format"):
            security_semgrep.parse(broken, PLANTED_FILES)
    bad = copy.deepcopy(data)
    bad["results"][0]["extra"]["metadata"]["gate-severity"] = "severe"
    with pytest.raises(CheckError, match="gate-severity: unknown severity 'severe'"):
        security_semgrep.parse(bad, PLANTED_FILES)


def test_semgrep_severity_without_gate_severity_falls_back_to_semgrep_levels() -> None:
    data = recorded("semgrep", "findings.json")
    for result in data["results"]:
        del result["extra"]["metadata"]["gate-severity"]
    hits, _ = security_semgrep.parse(data, PLANTED_FILES)
    by_rule = {h.finding.rule: h.finding.severity for h in hits}
    assert by_rule["gate.sql-built-from-strings"] is Severity.HIGH  # ERROR
    assert by_rule["gate.http-request-without-timeout"] is Severity.MEDIUM  # WARNING


def test_duplicates_are_merged_into_the_semgrep_finding_at_its_own_severity() -> None:
    bandit, _ = security_bandit.parse(recorded("bandit", "findings.json"), PLANTED_FILES)
    semgrep, _ = security_semgrep.parse(recorded("semgrep", "findings.json"), PLANTED_FILES)
    findings, merged = merge(bandit, semgrep)
    assert merged == 4  # B324, B105, B608 (line 15) and B113 lie on a gate rule's lines
    rules = [(f.rule, f.line) for f in findings]
    assert ("B324", 19) not in rules and ("B105", 6) not in rules and ("B113", 9) not in rules
    assert ("B608", 10) in rules  # the f-string line; semgrep reports the execute() on line 11
    secret = next(f for f in findings if f.rule == "gate.hardcoded-secret")
    assert secret.extra["also_reported_by"] == "bandit B105"
    assert secret.extra["bandit_severity"] == "B105 low" and secret.severity is Severity.HIGH
    assert len(findings) == len(bandit) + len(semgrep) - merged
    assert [f.severity for f in findings] == sorted((f.severity for f in findings), reverse=True)


def _hit(
    tool: str, rule: str, severity: Severity, line: int, last: int | None = None, same: tuple[str, ...] = ()
) -> Hit:
    finding = Finding(
        check="security", tool=tool, rule=rule, severity=severity, message=rule, path="app/views.py", line=line
    )
    return Hit(finding=finding, first_line=line, last_line=last or line, same_as_bandit=same)


def test_a_merge_never_raises_the_rules_severity() -> None:
    # {'Password': 'Updated.'}: bandit's LOW guess; a semgrep rule of medium merges at medium,
    # and a HIGH bandit guess does not lift it either: the rule that names the test decides.
    rule = _hit("semgrep", "gate.x", Severity.MEDIUM, 10, same=("B105", "B106"))
    for bandit_severity in (Severity.LOW, Severity.HIGH):
        findings, merged = merge([_hit("bandit", "B105", bandit_severity, 10)], [rule])
        assert merged == 1
        assert [(f.rule, f.severity) for f in findings] == [("gate.x", Severity.MEDIUM)]
        assert findings[0].extra["bandit_severity"] == f"B105 {bandit_severity.label}"


def test_one_rule_twice_on_a_line_is_one_finding() -> None:
    # self.password = "...": semgrep binds $NAME to password and to self.password; bandit twice too
    semgrep = [_hit("semgrep", "gate.hardcoded-secret", Severity.HIGH, 7, same=("B105",))] * 2
    bandit = [_hit("bandit", "B105", Severity.LOW, 7)] * 2 + [_hit("bandit", "B106", Severity.LOW, 7)]
    findings, merged = merge(bandit, semgrep)
    assert [(f.rule, f.line) for f in findings] == [("gate.hardcoded-secret", 7), ("B106", 7)]
    assert merged == 1


def test_merging_uses_every_line_of_both_spans() -> None:
    # a bandit finding on a multi-line call (lines 3-6) and a semgrep one on its line 5 are one
    semgrep = [
        _hit("semgrep", "gate.sql-built-from-strings", Severity.CRITICAL, 5, same=("B608",)),
        _hit("semgrep", "gate.sql-built-from-strings", Severity.CRITICAL, 20, 22, same=("B608",)),
    ]
    bandit = [
        _hit("bandit", "B608", Severity.MEDIUM, 3, 6),
        _hit("bandit", "B608", Severity.MEDIUM, 22),
        _hit("bandit", "B608", Severity.MEDIUM, 30),
    ]
    findings, merged = merge(bandit, semgrep)
    assert merged == 2
    assert [(f.rule, f.line) for f in findings] == [
        ("gate.sql-built-from-strings", 5),
        ("gate.sql-built-from-strings", 20),
        ("B608", 30),
    ]


def test_a_bandit_finding_merges_only_with_the_rule_that_names_it() -> None:
    bandit, _ = security_bandit.parse(recorded("bandit", "findings.json"), PLANTED_FILES)
    semgrep, _ = security_semgrep.parse(recorded("semgrep", "findings.json"), PLANTED_FILES)
    unrelated = [h for h in semgrep if h.finding.rule != "gate.weak-password-hash"]
    findings, _ = merge(bandit, unrelated)
    assert ("B324", 19) in [(f.rule, f.line) for f in findings]


def test_snippets_are_source_lines_with_credentials_masked() -> None:
    bandit, _ = security_bandit.parse(recorded("bandit", "findings.json"), PLANTED_FILES)
    semgrep, _ = security_semgrep.parse(recorded("semgrep", "findings.json"), PLANTED_FILES)
    findings = with_snippets([h.finding for h in [*bandit, *semgrep]], PLANTED)
    by_rule = {(f.rule, f.line): f for f in findings}
    assert by_rule[("gate.weak-password-hash", 19)].snippet == "return hashlib.md5(password.encode()).hexdigest()"
    assert by_rule[("gate.hardcoded-secret", 6)].snippet == 'SECRET_KEY = "***"'
    assert by_rule[("B105", 6)].message == "Possible hardcoded password: '***'"
    assert "hunter2" not in repr(findings)


def test_mask_literals_keeps_dict_keys_and_empty_strings() -> None:
    assert (
        mask_literals('DATABASES = {"PASSWORD": "pg-secret", "HOST": ""}')
        == 'DATABASES = {"PASSWORD": "***", "HOST": ""}'
    )
    assert mask_literals("connect(password='it\\'s')") == "connect(password='***')"
    assert (
        mask_literals("'client_secret': provider_data['client_secret'],")
        == "'client_secret': provider_data['client_secret'],"
    )
    assert (
        mask_literals('password = os.environ["DB_PASSWORD"] or "fallback-pw"')
        == 'password = os.environ["DB_PASSWORD"] or "***"'
    )


def test_counts_every_severity_and_the_total() -> None:
    bandit, _ = security_bandit.parse(recorded("bandit", "findings.json"), PLANTED_FILES)
    assert counts([h.finding for h in bandit]) == {
        "critical": 0,
        "high": 1,
        "medium": 1,
        "low": 6,
        "info": 0,
        "total": 8,
    }
