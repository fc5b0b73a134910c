"""Real git repositories for tests: a commit, a branch, a change."""

from __future__ import annotations

import subprocess
from pathlib import Path

# Whatever the machine's git configuration says, commits need a name and must not ask to sign.
_IDENTITY = ["-c", "user.name=gate", "-c", "user.email=gate@example.invalid", "-c", "commit.gpgsign=false"]


def git(repo: Path, *args: str) -> str:
    """Run git in `repo`; its stdout."""
    done = subprocess.run(["git", *_IDENTITY, *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def init_on_main(repo: Path, message: str = "base") -> None:
    """Make `repo` a repository whose branch main holds everything in it."""
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, message)
