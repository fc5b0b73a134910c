"""coverage: the service's own tests under coverage.py, or an existing coverage result."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import Field, ModelWrapValidatorHandler, ValidationInfo, field_validator, model_validator

from gate import proc
from gate.checks.base import CheckContext
from gate.checks.coverage import changed, convert
from gate.checks.coverage.data import CoverageData, parse_cobertura, parse_json, sniff
from gate.checks.target_command import run_target_command
from gate.errors import CheckError
from gate.model import Finding, Observation, Severity
from gate.sections import SectionModel, check_target_paths, exactly_one

ID = "coverage"
TITLE = "Test coverage"
TYPICAL_DURATION_S = 30.0  # the target's whole test suite
TOOL_URIS = {"coverage": "https://coverage.readthedocs.io/", "diff-cover": "https://github.com/Bachmann1234/diff_cover"}

DATA_FILE = ".coverage"  # inside the work folder, through COVERAGE_FILE
JSON_REPORT, XML_REPORT = convert.JSON_REPORT, convert.XML_REPORT
COMMAND_LOG = "coverage-command.log"
PYTEST_NO_TESTS = 5  # pytest's exit code when it collected no test
NO_TESTS_LINE = "no tests ran"  # pytest's summary line then (with or without -q)


class Settings(SectionModel):
    command: str | None = None
    report: str | None = None
    timeout_s: float = Field(default=900.0, gt=0)

    @field_validator("report")
    @classmethod
    def _report_in_target(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            check_target_paths([value], info)
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _command_or_report(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        return exactly_one(
            data,
            handler,
            ("command", "report"),
            "set exactly one of command (run the tests) or report (an existing result)",
        )


def run(ctx: CheckContext, settings: Settings) -> Observation:
    """Measure line (and branch) coverage; the percentage is coverage.py's own, unrounded."""
    if settings.command is not None:
        data, artifacts = _from_command(ctx, settings.command, settings.timeout_s)
        if data is None:
            return _no_tests(artifacts, ctx.diff_base)
    else:
        assert settings.report is not None  # the model requires exactly one of the two
        data, artifacts = _from_report(ctx, settings.report, settings.timeout_s)
    if data.statements == 0:
        # coverage.py calls 0 of 0 statements 100 %; a gate must not pass what measured nothing.
        raise CheckError(
            "the coverage data measures no statements (is `--source` pointing at the code?)", artifacts=artifacts
        )
    observation = Observation(
        metrics={"percent": data.percent, "statements": data.statements, "missing": data.missing},
        tools={"coverage": data.version},
        artifacts=artifacts,
        details={"files": [f.as_dict() for f in data.files]},
    )
    if ctx.diff_base is None:
        return replace(observation, not_measured=dict.fromkeys(changed.METRICS, changed.NOT_ASKED))
    return _with_changed_lines(ctx, settings, observation, ctx.diff_base)


def _with_changed_lines(ctx: CheckContext, settings: Settings, observation: Observation, base: str) -> Observation:
    """The observation with the coverage of the lines changed since `base`; ERROR (keeping the total) if
    diff-cover cannot tell: the run was asked to judge them."""
    xml = ctx.artifact(XML_REPORT)
    if not xml.is_file():
        raise CheckError(
            f"--diff-base: coverage report {settings.report!r} is coverage.py JSON, which diff-cover cannot read; "
            "set report to a Cobertura XML report (`coverage xml`) or to the .coverage data file",
            measured=observation,
        )
    try:
        lines, artifacts = changed.measure(ctx, xml, base, settings.timeout_s)
    except CheckError as exc:
        raise CheckError(str(exc), exc.log_tail, exc.artifacts, measured=observation) from None
    return replace(
        observation,
        metrics={**observation.metrics, **lines.metrics()},
        findings=(*observation.findings, *lines.findings(ctx.check_id)),
        tools={**observation.tools, changed.DIFF_COVER: changed.version()},
        artifacts=(*observation.artifacts, *artifacts),
        details={**observation.details, **lines.details()},
        not_measured=lines.not_measured(),
    )


def _no_tests(artifacts: tuple[str, ...], diff_base: str | None) -> Observation:
    """A suite without tests covers nothing: a measured 0 %, for the policy to judge (not an ERROR)."""
    finding = Finding(
        check=ID,
        tool="pytest",
        rule="no-tests",
        severity=Severity.HIGH,
        message=f"{NO_TESTS_LINE}: the test command collected no test "
        f"(pytest exit {PYTEST_NO_TESTS}), so no code is covered",
    )
    return Observation(
        metrics={"percent": 0.0, "statements": 0, "missing": 0},
        findings=(finding,),
        tools={"coverage": "not run"},
        artifacts=artifacts,
        details={"files": [], "note": NO_TESTS_LINE},
        not_measured=dict.fromkeys(changed.METRICS, changed.NOT_ASKED if diff_base is None else NO_TESTS_LINE),
    )


def _from_command(ctx: CheckContext, command: str, timeout: float) -> tuple[CoverageData | None, tuple[str, ...]]:
    """The coverage data the command produced; None when it ran no test at all."""
    # coverage run and pytest-cov both honour COVERAGE_FILE (it overrides the target's data_file
    # setting), so the data lands in our work folder: nothing is left in the target, and a stale
    # .coverage the developer left there can never be mistaken for this run's result.
    data_file = ctx.artifact(DATA_FILE)
    _remove_stale(ctx)
    env = {**ctx.target_env, "COVERAGE_FILE": str(data_file)}
    done, log = run_target_command(
        ctx, command, timeout=timeout, log_name=COMMAND_LOG, env=env, ok_codes=(0, PYTEST_NO_TESTS)
    )
    artifacts = (ctx.relative(log),)
    if done.returncode == PYTEST_NO_TESTS:
        if NO_TESTS_LINE in done.stdout + done.stderr:
            return None, artifacts
        raise CheckError(
            f"{ctx.check_id} command exited with code {PYTEST_NO_TESTS}: {command}", done.tail(), artifacts
        )
    parallel = sorted(p for p in ctx.work_dir.glob(DATA_FILE + ".*") if p.is_file())
    if not data_file.is_file() and not parallel:
        raise CheckError(
            f"the coverage command produced no coverage data (COVERAGE_FILE={data_file}); "
            "run the tests under coverage, e.g. `python -m coverage run -m pytest`",
            _log_tail(log),
            artifacts,
        )
    reader = convert.coverage_reader(ctx)
    if parallel:
        # parallel mode (`-p`, `parallel = true`, multiprocessing) writes one file per process
        combine = ["combine", "--append"] if data_file.is_file() else ["combine"]
        convert.convert(ctx, reader, combine, env, timeout, log, artifacts)
    data, reports = convert.reports_from_data_file(ctx, reader, env, timeout, log, artifacts)
    return data, (*artifacts, *reports)


def _from_report(ctx: CheckContext, report: str, timeout: float) -> tuple[CoverageData, tuple[str, ...]]:
    path = ctx.target / report
    if not path.is_file():
        raise CheckError(f"coverage report {report!r} not found in {ctx.target}")
    kind = sniff(path)
    if kind == "json":
        ctx.artifact(XML_REPORT).unlink(missing_ok=True)  # none for this report: diff-cover must not read one
        copy = ctx.artifact(JSON_REPORT)
        shutil.copyfile(path, copy)
        return parse_json(_read(copy), report), (ctx.relative(copy),)
    if kind == "xml":
        copy = ctx.artifact(XML_REPORT)
        shutil.copyfile(path, copy)
        return parse_cobertura(_read(copy), report), (ctx.relative(copy),)
    if kind == "sqlite":
        # Read a copy: coverage.py must not touch (or leave journal files next to) the target's own file.
        data_file = ctx.artifact(DATA_FILE)
        _remove_stale(ctx)
        shutil.copyfile(path, data_file)
        log = ctx.artifact(COMMAND_LOG)
        log.write_text(f"converting {report} (copied to {data_file})\n", encoding="utf-8")
        env = {**ctx.target_env, "COVERAGE_FILE": str(data_file)}
        artifacts = (ctx.relative(log),)
        data, reports = convert.reports_from_data_file(ctx, convert.coverage_reader(ctx), env, timeout, log, artifacts)
        return data, (*artifacts, *reports)
    raise CheckError(
        f"coverage report {report!r} is not a Cobertura XML report, a coverage.py JSON report "
        "or a coverage.py data file (.coverage)"
    )


def _remove_stale(ctx: CheckContext) -> None:
    """Delete data and reports an earlier run left in this work folder: they must not pass for this run's."""
    for path in [*ctx.work_dir.glob(DATA_FILE + "*"), ctx.work_dir / JSON_REPORT, ctx.work_dir / XML_REPORT]:
        if path.is_file():
            path.unlink()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _log_tail(log: Path) -> str:
    return proc.log_tail(log)
