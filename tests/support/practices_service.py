"""A target folder holding the practices fixture service (tests/fixtures/practices_service) and its gate.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.paths import FIXTURES
from tests.support.service import MARKER_VAR, toml_table

SERVER = FIXTURES / "practices_service" / "server.py"


def practices_target(root: Path, marker: str, broken: str = "", practices: str = "", service: str = "") -> Path:
    """The fixture, with FIXTURE_BREAK=`broken` ('' is the service that does everything right)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(SERVER, root / "server.py")
    env = {"FIXTURE_BREAK": broken, MARKER_VAR: marker}
    lines = [
        "[service]",
        'command = "python server.py --port {port}"',
        f"env = {toml_table(env)}",
        "ready_timeout_s = 10",
        service,
        "",
        "[service.auth]",
        'command = "python server.py --login"',
        "",
        "[practices]",
        'allowed_origins = ["https://app.example.com"]',
        practices,
    ]
    (root / "gate.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
