"""The `gate` command: parse options, call the runner, render reports, exit. Nothing else."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

import click

from gate import __version__
from gate.errors import UsageError
from gate.model import EXIT_CODES, EXIT_INTERRUPTED, EXIT_USAGE, Verdict
from gate.text import printable

# pydantic, rich, jinja2, the checks and the reporters are imported by the commands that use them,
# not here: `gate --help` and `gate --version` must not pay for them.
if TYPE_CHECKING:
    from gate.baseline import Baseline
    from gate.config import GateConfig
    from gate.model import GateReport
    from gate.policy import Policy
    from gate.runner import Progress


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gate")
def cli() -> None:
    """gate: does this service meet its quality standards? One verdict, with evidence."""


@cli.command()
@click.argument("target", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    default="reports",
    type=click.Path(file_okay=False, path_type=Path),
    show_default=True,
    help="Folder for the reports and artifacts.",
)
@click.option("--only", help="Run only these checks (comma-separated ids).")
@click.option("--skip", help="Skip these checks (comma-separated ids).")
@click.option("--policy", "policy_name", help="Policy name (bundled) or path; overrides gate.toml's policy.")
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An earlier gate-report.json (e.g. main's): its findings are existing and do not fail, only new "
    "ones do; the policy's change rules compare metrics with it.",
)
@click.option(
    "--diff-base",
    metavar="REF",
    help="Also judge the coverage of the lines changed since the git ref REF (e.g. origin/main): "
    "git diff REF...HEAD plus uncommitted changes, by diff-cover.",
)
def run(
    target: Path,
    out_dir: Path,
    only: str | None,
    skip: str | None,
    policy_name: str | None,
    baseline_path: Path | None,
    diff_base: str | None,
) -> None:
    """Run the checks on TARGET (default: .), judge them against the policy, write reports.

    Exit codes: 0 pass, 1 a policy threshold failed, 2 bad usage/config/policy or --out is unusable
    (nothing ran), 3 a check could not run so the gate could not decide, or a report could not be
    written, 130 interrupted.
    """

    def work() -> int:
        from gate import github_actions, proc
        from gate.config import load_config
        from gate.plan import plan
        from gate.runner import run_gate

        out = out_dir.resolve()
        with contextlib.ExitStack() as stack:
            # An existing out folder is claimed at once: reports and artifacts of an earlier run would be
            # mistaken for this run's, also when it stops at a usage error. A new one only once the
            # configuration is valid, so that a usage error writes nothing.
            if out.exists():
                _claim(stack, out)
            _check_ref(diff_base)
            config = load_config(target)
            policy = _load_policy(config.policy if policy_name is None else policy_name, config)
            planned = plan(config, policy, _split(only), _split(skip))
            baseline = _load_baseline(baseline_path)
            if not out.exists():
                _claim(stack, out)
            try:
                with _progress() as progress:
                    report = run_gate(config, policy, planned, out, progress, baseline=baseline, diff_base=diff_base)
            finally:
                proc.sweep()  # anything this run started that escaped its group and outlived it
            with github_actions.commands_paused(os.environ, _echo):
                delivered = _finish(report, out)
            github_actions.publish_from_environment(report, _echo, lambda text: click.echo(text, err=True))
        return EXIT_CODES[report.verdict] if delivered else EXIT_CODES[Verdict.ERROR]

    _exit_with(work)


@cli.command()
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A gate-report.json written by `gate run`.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the reports (default: the JSON file's folder).",
)
def report(source: Path, out_dir: Path | None) -> None:
    """Re-render every report format (and the console summary) from a saved gate-report.json.

    Exit codes: 0 rendered, 2 the file is missing or is not a gate report (or --out is unusable),
    3 a report format could not be rendered or written (the others are).
    """

    def work() -> int:
        from gate import github_actions, outdir

        saved = outdir.read_report(source)
        out = (out_dir or source.parent).resolve()
        with outdir.claim(out, record=False), github_actions.commands_paused(os.environ, _echo):
            delivered = _finish(saved, out)
        return 0 if delivered else EXIT_CODES[Verdict.ERROR]

    _exit_with(work)


@cli.command()
@click.argument("target", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--policy", "policy_name", help="Policy name (bundled) or path; overrides gate.toml's policy.")
def validate(target: Path, policy_name: str | None) -> None:
    """Load and validate TARGET's configuration and policy; run nothing. Exit 0 valid, 2 invalid."""

    def work() -> int:
        from gate.config import load_config
        from gate.plan import plan

        config = load_config(target)
        policy = _load_policy(config.policy if policy_name is None else policy_name, config)
        planned = plan(config, policy, [], [])
        _echo(f"{config.source}: valid; policy {policy.name} ({policy.source})")
        for item in planned:
            state = item.skip_reason or "runs"
            _echo(f"  {item.id:11} {state}")
        return 0

    _exit_with(work)


@cli.command()
@click.argument("before", metavar="A.json", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("after", metavar="B.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--policy",
    "policy_name",
    help="Policy (bundled name or path) whose change rules judge; default: the bundled policy B's report "
    "names, else default.",
)
@click.option("--format", "fmt", type=click.Choice(["console", "markdown"]), default="console", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the comparison to this file.")
def compare(before: Path, after: Path, policy_name: str | None, fmt: str, output: Path | None) -> None:
    """Compare two saved gate-report.json files: A the earlier run (e.g. main), B the later (e.g. a PR).

    Runs nothing. Exit codes: 0 B is not worse than A, 1 B is worse (a change rule of the policy not met,
    new findings that fail B's policy, a worse verdict or check status), 2 bad usage (a file missing, not
    a gate report, or unwritable).
    """

    def work() -> int:
        from gate import compare as comparing
        from gate import outdir
        from gate.atomic import write_atomic
        from gate.compare import markdown, text
        from gate.policy import load_policy, policies_dir

        a, b = outdir.read_report(before), outdir.read_report(after)
        bundled = [p.stem for p in policies_dir().glob("*.toml")]
        name, why = comparing.choose_policy(policy_name, b.policy, bundled)
        result = comparing.compare(a, b, load_policy(name, Path.cwd(), {}, ""), why, (str(before), str(after)))
        rendered = (markdown.render if fmt == "markdown" else text.render)(result)
        if output is None:
            _echo(rendered, nl=False)
        else:
            try:
                write_atomic(output, rendered)
            except OSError as exc:
                raise UsageError([f"{output}: cannot write the comparison: {exc.strerror or exc}"]) from None
            _echo(f"{text.summary(result)}; written to {output}")
        return 1 if result.worse else 0

    _exit_with(work)


@cli.command()
@click.argument("target", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--print", "to_stdout", is_flag=True, help="Print the gate.toml instead of writing it.")
@click.option("--force", is_flag=True, help="Overwrite an existing gate.toml.")
def init(target: Path, to_stdout: bool, force: bool) -> None:
    """Write a commented gate.toml for TARGET (default: .) from what its files show; run nothing.

    Exit 0 written (or printed), 2 nothing to set up or a gate.toml already there.
    """

    def work() -> int:
        from gate import init as gate_init

        proposal = gate_init.propose(target)
        if to_stdout:
            _echo(proposal.text, nl=False)
        else:
            path = gate_init.write(target, proposal.text, force)
        for line in proposal.summary:  # on stderr with --print, so the TOML can be redirected as it is
            click.echo(f"gate init: {printable(line)}", err=to_stdout)
        if not to_stdout:
            click.echo(f"gate init: wrote {path}; check the TODO lines, then: gate validate {target}")
        return 0

    _exit_with(work)


def _check_ref(ref: str | None) -> None:
    """A --diff-base value git will read as a ref: git would take "-..." as one of its own options."""
    if ref is not None and (not ref.strip() or ref.startswith("-")):
        raise UsageError([f"--diff-base {ref!r}: expected a git ref (a branch, tag or commit, e.g. origin/main)"])


def _claim(stack: contextlib.ExitStack, out: Path) -> None:
    """Lock `out` for this run (exit 2 if it is not writable or in use), stop orphans, clear the last run's files."""
    from gate import outdir

    held = stack.enter_context(outdir.claim(out))
    for line in outdir.stop_orphans(held):
        click.echo(f"gate: {line}", err=True)
    outdir.remove_reports(out)
    outdir.clear_artifacts(out)


def _load_policy(name: str, config: GateConfig) -> Policy:
    from gate.policy import load_policy

    return load_policy(name, config.target, config.thresholds, config.source)


def _load_baseline(path: Path | None) -> Baseline | None:
    """The earlier report `--baseline` names, read before anything runs (a bad one: exit 2, nothing ran)."""
    if path is None:
        return None
    from gate import outdir
    from gate.baseline import from_report

    try:
        saved = outdir.read_report(path)
    except UsageError as exc:
        raise UsageError([f"--baseline {problem}" for problem in exc.problems]) from None
    return from_report(saved, str(path))


def _finish(report: GateReport, out: Path) -> bool:
    """Write the reports, print the summary; False (after saying why) when a report is missing."""
    from gate import outdir
    from gate.reporters import console

    written = outdir.write_reports(report, out)
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    import shutil

    width = shutil.get_terminal_size((110, 24)).columns if sys.stdout.isatty() else 110
    try:
        summary = console.render(report, color=color, width=width)
    except Exception as exc:  # a bug in the summary must not hide the verdict
        summary = f"Verdict: {report.verdict.value.upper()} (exit {EXIT_CODES[report.verdict]})\n"
        written = replace(written, failures=(*written.failures, f"console summary: {type(exc).__name__}: {exc}"))
    _echo(summary, nl=False)
    if written.paths:
        _echo("Reports: " + ", ".join(os.path.relpath(p) for p in written.paths))
    for failure in written.failures:
        click.echo(f"gate: error: {failure}", err=True)
    return not written.failures


def _echo(text: str, nl: bool = True) -> None:
    """Print to stdout; once stdout is closed (`gate ... | head -1`), print nothing more and carry on."""
    # Like other command-line tools, a reader that stopped reading is not an error of gate: the run
    # finishes, writes its reports and exits with its usual code.
    try:
        click.echo(text, nl=nl)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that neither later prints nor the flush at exit fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor behind stdout (tests, embedding): replace the object
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process exits


@contextmanager
def _progress() -> Iterator[Progress]:
    """A live spinner on a terminal; on CI logs a line per check and a heartbeat."""
    from gate.progress import PlainProgress, TerminalProgress

    if sys.stderr.isatty():
        from rich.console import Console

        # log_path=False: rich would end every line with the caller's file:line (cli.py:138).
        with Console(stderr=True, log_path=False).status("starting checks") as status:
            yield TerminalProgress(status)
        return
    plain = PlainProgress(lambda line: click.echo(line, err=True))
    try:
        yield plain
    finally:
        plain.close()


def _raise_interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


# 128 + SIGPIPE, what a shell reports for a command its reader stopped early.
EXIT_BROKEN_PIPE = 141


def _exit_with(work: Callable[[], int]) -> NoReturn:
    """The one error handler: decides every exit code that is not a verdict."""
    # CI cancels a job with SIGTERM: stop the checks and the service exactly as for Ctrl-C.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        code = work()
    except UsageError as exc:
        for problem in exc.problems:  # may quote the target's files (key names, paths): made printable
            click.echo(f"gate: error: {printable(problem)}", err=True)
        code = EXIT_USAGE
    except BrokenPipeError:  # stdout closed while printing outside _echo: exit quietly, as other tools do
        _silence_stdout()
        code = EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        # CI cancels with SIGINT and then SIGTERM a few seconds later: cleanup must not be cut short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        from gate import proc  # already loaded by whatever ran: no import work during cleanup

        proc.stop_all()
        click.echo("gate: interrupted; every process gate started was stopped", err=True)
        code = EXIT_INTERRUPTED
    except Exception as exc:  # a bug in gate: say so, and never report a pass
        from gate import proc

        proc.stop_all()
        click.echo(f"gate: internal error: {type(exc).__name__}: {printable(str(exc))}", err=True)
        if os.environ.get("GATE_DEBUG"):
            import traceback

            traceback.print_exc()
        code = EXIT_CODES[Verdict.ERROR]
    sys.exit(code)


def main() -> None:
    """Console-script entry point."""
    cli()
