"""`gate init` on a copy of the bundled example (without its gate.toml), then `gate run` with that
config: the whole default gate passes. Issue 13 allows "init plus at most the auth lines": init cannot
guess the demo account's password or that scripts/token.py prints a token, so the test appends those
two lines (the same values as the example's own gate.toml) and nothing else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from gate.checks import CHECKS
from tests.support import paths

EXAMPLE = paths.REPO / "examples" / "service"
GATE = Path(sys.executable).parent / "gate"  # the installed console script


def _gate(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GATE), *args], capture_output=True, text=True, timeout=600, env=env, check=False, stdin=subprocess.DEVNULL
    )


def test_init_on_the_bundled_example_writes_a_config_that_passes_the_gate(tmp_path: Path) -> None:
    assert (EXAMPLE / ".venv" / "bin" / "python").exists(), "set up the example first: bash scripts/setup-example.sh"
    target = Path(
        shutil.copytree(
            EXAMPLE,
            tmp_path / "bookshelf",
            ignore=shutil.ignore_patterns(".venv", "gate.toml", "__pycache__", ".pytest_cache", ".coverage*"),
        )
    )
    (target / ".venv").symlink_to(EXAMPLE / ".venv")  # the example's own environment, found by init as .venv/
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["GATE_CACHE_DIR"] = str(tmp_path / "gate-cache")

    done = _gate("init", str(target), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    written = (target / "gate.toml").read_text()
    config = tomllib.loads(written)
    assert config["service"]["command"].startswith("python -m uvicorn --factory app.main:create_app ")
    assert "# [service.credentials.OAuth2PasswordBearer]" in written  # named in its TODO, not guessed

    example = tomllib.loads((EXAMPLE / "gate.toml").read_text())
    password = example["service"]["env"]["BOOKSHELF_LIBRARIAN_PASSWORD"]
    command = example["service"]["credentials"]["OAuth2PasswordBearer"]["command"]
    with (target / "gate.toml").open("a", encoding="utf-8") as handle:
        handle.write(
            "\n# The auth lines, added by the test: the demo account's password and its token command.\n"
            f"[service.env]\nBOOKSHELF_LIBRARIAN_PASSWORD = {json.dumps(password)}\n"
            f"[service.credentials.OAuth2PasswordBearer]\ncommand = {json.dumps(command)}\n"
        )

    out = tmp_path / "reports"
    run = _gate("run", str(target), "--out", str(out), env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    report: dict[str, Any] = json.loads((out / "gate-report.json").read_text())
    assert report["verdict"] == "pass"
    assert {c["id"]: c["status"] for c in report["checks"]} == dict.fromkeys(CHECKS, "pass")
