"""The environment the target's own commands run in: its virtualenv first on PATH."""

from __future__ import annotations

import os
from pathlib import Path

from gate.config import GateConfig

AUTO_VENVS = (".venv", "venv")


def find_target_venv(config: GateConfig) -> Path | None:
    """The configured `venv`, else .venv/ or venv/ in the target, if it has a bin/python."""
    candidates = [config.venv] if config.venv else list(AUTO_VENVS)
    for name in candidates:
        path = Path(name) if Path(name).is_absolute() else config.target / name
        if (path / "bin" / "python").exists():
            return path
    return None


def target_environment(config: GateConfig) -> dict[str, str]:
    """os.environ with the target's virtualenv (if any) first on PATH, as its activate script would."""
    env = dict(os.environ)
    venv = find_target_venv(config)
    if venv is not None:
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
        env["VIRTUAL_ENV"] = str(venv)
    env.pop("PYTHONHOME", None)
    return env
