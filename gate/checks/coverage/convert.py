"""coverage.py's data file into its reports (JSON, and Cobertura XML for --diff-base), by the right coverage.py."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from gate import proc
from gate.checks.base import CheckContext
from gate.checks.coverage.data import CoverageData, parse_json
from gate.checks.target_command import append_log
from gate.errors import CheckError

JSON_REPORT = "coverage.json"
XML_REPORT = "coverage.xml"  # what diff-cover reads (--diff-base)


def reports_from_data_file(
    ctx: CheckContext,
    reader: Sequence[str],
    env: Mapping[str, str],
    timeout: float,
    log: Path,
    artifacts: tuple[str, ...],
) -> tuple[CoverageData, tuple[str, ...]]:
    """The data read from coverage's JSON report, and the reports written: JSON, and XML for --diff-base."""
    written = []
    for kind, name in [("json", JSON_REPORT), *([("xml", XML_REPORT)] if ctx.diff_base is not None else [])]:
        out = ctx.artifact(name)
        # --fail-under=0: a fail_under in the target's own config would make `coverage json` exit 2;
        # the policy, not the target's config, judges the percentage.
        convert(ctx, reader, [kind, "-o", str(out), "--fail-under=0"], env, timeout, log, artifacts)
        if not out.is_file():
            raise CheckError(f"coverage {kind} wrote no report ({out})", proc.log_tail(log), artifacts)
        written.append(ctx.relative(out))
    text = ctx.artifact(JSON_REPORT).read_text(encoding="utf-8", errors="replace")
    return parse_json(text, written[0]), tuple(written)


def convert(
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


def coverage_reader(ctx: CheckContext) -> list[str]:
    """The coverage.py that reads the data first: the target's own when it has a python, else gate's."""
    # The target's `python -m coverage` wrote the data, so it reads its data-file schema for sure
    # and honours the same configuration; gate's own coverage is the fallback (in convert) for
    # targets whose PATH python lacks coverage. Trying it costs nothing when it works, where a
    # `--version` probe cost a process start on every run. A schema gate's version cannot read is
    # then an error with coverage's message, never a guess.
    python = shutil.which("python", path=ctx.target_env.get("PATH"))
    return [python, "-m", "coverage"] if python is not None else proc.tool_argv("coverage")
