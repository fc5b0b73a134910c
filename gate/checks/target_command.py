"""Run a command from the target's gate.toml (its tests, its migration tool) and keep its output."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from gate import proc
from gate.checks.base import CheckContext
from gate.errors import CheckError

# proc.run would raise on a non-zero exit before we could save the output; we accept every code
# (negative ones are signals) and judge the exit code ourselves once the log is written.
_ANY_EXIT = range(-255, 256)


def run_target_command(
    ctx: CheckContext,
    command: str,
    *,
    timeout: float,
    log_name: str,
    env: Mapping[str, str] | None = None,
    ok_codes: Collection[int] = (0,),
) -> tuple[proc.Completed, Path]:
    """Run `command` in the target with its environment; save its output to `log_name`; raise on failure."""
    done = proc.run(
        proc.shell_argv(command),
        cwd=ctx.target,
        env=env if env is not None else ctx.target_env,
        timeout=timeout,
        ok_codes=_ANY_EXIT,
        label=f"{ctx.check_id} command",
    )
    log = ctx.artifact(log_name)
    log.write_text(
        f"$ {command}\n(cwd {ctx.target}, exit code {done.returncode}, {done.duration_s:.1f} s)\n"
        f"--- stdout ---\n{done.stdout}\n--- stderr ---\n{done.stderr}\n",
        encoding="utf-8",
    )
    if done.returncode not in ok_codes:
        raise CheckError(
            f"{ctx.check_id} command {proc.describe_exit(done.returncode)}: {command}",
            done.tail(),
            (ctx.relative(log),),
        )
    return done, log


def append_log(log: Path, done: proc.Completed) -> None:
    """Add a follow-up process (a conversion step) and its output to an existing log."""
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"\n$ {' '.join(done.argv)}\n(exit code {done.returncode})\n{done.stdout}{done.stderr}")
