"""coverage: the service's own tests under coverage.py, or an existing coverage result."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field, ModelWrapValidatorHandler, ValidationInfo, field_validator, model_validator

from gate import proc
from gate.checks.base import CheckContext
from gate.checks.coverage.data import CoverageData, parse_cobertura, parse_json, sniff
from gate.checks.target_command import append_log, run_target_command
from gate.errors import CheckError
from gate.model import Finding, Observation, Severity
from gate.sections import SectionModel, check_target_paths, exactly_one

ID = "coverage"
TITLE = "Test coverage"
TYPICAL_DURATION_S = 30.0  # the target's whole test suite
TOOL_URIS = {"coverage": "https://coverage.readthedocs.io/"}

DATA_FILE = ".coverage"  # inside the work folder, through COVERAGE_FILE
JSON_REPORT = "coverage.json"
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
            return _no_tests(artifacts)
    else:
        assert settings.report is not None  # the model requires exactly one of the two
        data, artifacts = _from_report(ctx, settings.report, settings.timeout_s)
    if data.statements == 0:
        # coverage.py calls 0 of 0 statements 100 %; a gate must not pass what measured nothing.
        raise CheckError(
            "the coverage data measures no statements (is `--source` pointing at the code?)", artifacts=artifacts
        )
    return Observation(
        metrics={"percent": data.percent, "statements": data.statements, "missing": data.missing},
        tools={"coverage": data.version},
        artifacts=artifacts,
        details={"files": [f.as_dict() for f in data.files]},
    )


def _no_tests(artifacts: tuple[str, ...]) -> Observation:
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
    reader = _coverage_reader(ctx)
    if parallel:
        # parallel mode (`-p`, `parallel = true`, multiprocessing) writes one file per process
        combine = ["combine", "--append"] if data_file.is_file() else ["combine"]
        _convert(ctx, reader, combine, env, timeout, log, artifacts)
    data = _json_from_data_file(ctx, reader, env, timeout, log, artifacts)
    return data, (*artifacts, ctx.relative(ctx.artifact(JSON_REPORT)))


def _from_report(ctx: CheckContext, report: str, timeout: float) -> tuple[CoverageData, tuple[str, ...]]:
    path = ctx.target / report
    if not path.is_file():
        raise CheckError(f"coverage report {report!r} not found in {ctx.target}")
    kind = sniff(path)
    if kind == "json":
        copy = ctx.artifact(JSON_REPORT)
        shutil.copyfile(path, copy)
        return parse_json(_read(copy), report), (ctx.relative(copy),)
    if kind == "xml":
        copy = ctx.artifact("coverage.xml")
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
        data = _json_from_data_file(ctx, _coverage_reader(ctx), env, timeout, log, artifacts)
        return data, (*artifacts, ctx.relative(ctx.artifact(JSON_REPORT)))
    raise CheckError(
        f"coverage report {report!r} is not a Cobertura XML report, a coverage.py JSON report "
        "or a coverage.py data file (.coverage)"
    )


def _json_from_data_file(
    ctx: CheckContext,
    reader: Sequence[str],
    env: Mapping[str, str],
    timeout: float,
    log: Path,
    artifacts: tuple[str, ...],
) -> CoverageData:
    out = ctx.artifact(JSON_REPORT)
    # --fail-under=0: a fail_under in the target's own config would make `coverage json` exit 2;
    # the policy, not the target's config, judges the percentage.
    _convert(ctx, reader, ["json", "-o", str(out), "--fail-under=0"], env, timeout, log, artifacts)
    if not out.is_file():
        raise CheckError(f"coverage json wrote no report ({out})", _log_tail(log), artifacts)
    return parse_json(_read(out), ctx.relative(out))


def _convert(
    ctx: CheckContext,
    reader: Sequence[str],
    args: list[str],
    env: Mapping[str, str],
    timeout: float,
    log: Path,
    artifacts: tuple[str, ...],
) -> None:
    # cwd is the target so its coverage configuration (omit, exclude_lines, paths) applies to the report.
    step = args[0]
    done = proc.run(
        [*reader, *args], cwd=ctx.target, env=env, timeout=timeout, ok_codes=(0, 1), label=f"coverage {step}"
    )
    append_log(log, done)
    if done.returncode != 0 and list(reader[1:]) == ["-m", "coverage"] and _NO_COVERAGE in done.stderr:
        # The target's python has no coverage.py (tests run via tox, uv, ...): gate's own reads the data.
        done = proc.run(
            [*proc.tool_argv("coverage"), *args],
            cwd=ctx.target,
            env=env,
            timeout=timeout,
            ok_codes=(0, 1),
            label=f"coverage {step}",
        )
        append_log(log, done)
    if done.returncode != 0:
        last = done.tail(1) or "no output"
        raise CheckError(f"coverage {step} failed (exit {done.returncode}): {last}", done.tail(), artifacts)


_NO_COVERAGE = "No module named coverage"


def _coverage_reader(ctx: CheckContext) -> list[str]:
    """The coverage.py that reads the data first: the target's own when it has a python, else gate's."""
    # The target's `python -m coverage` wrote the data, so it reads its data-file schema for sure
    # and honours the same configuration; gate's own coverage is the fallback (in _convert) for
    # targets whose PATH python lacks coverage. Trying it costs nothing when it works, where a
    # `--version` probe cost a process start on every run. A schema gate's version cannot read is
    # then an error with coverage's message, never a guess.
    python = shutil.which("python", path=ctx.target_env.get("PATH"))
    return [python, "-m", "coverage"] if python is not None else proc.tool_argv("coverage")


def _remove_stale(ctx: CheckContext) -> None:
    """Delete data and reports an earlier run left in this work folder: they must not pass for this run's."""
    for path in [*ctx.work_dir.glob(DATA_FILE + "*"), ctx.work_dir / JSON_REPORT]:
        if path.is_file():
            path.unlink()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _log_tail(log: Path) -> str:
    return proc.log_tail(log)
