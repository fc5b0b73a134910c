"""Where gate's bundled files are: the policies and the semgrep rule pack."""

from __future__ import annotations

from pathlib import Path


def policies_dir() -> Path:
    """The bundled policies: inside the installed package (a wheel carries them as gate/_policies),
    else the repository's top-level policies/ folder (source tree, editable install)."""
    packaged = Path(__file__).parent / "_policies"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / "policies"


def semgrep_rule_pack() -> Path:
    """gate's semgrep rules, shipped beside the policies."""
    return policies_dir() / "semgrep"
