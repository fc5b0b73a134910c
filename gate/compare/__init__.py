"""`gate compare A.json B.json`: what changed between two saved runs, judged by a policy's change rules.

It reads saved reports only: it runs no check and starts no process. `build.compare` makes the
`Comparison` (pure), `text.render` and `markdown.render` show it (pure), `choose_policy` says whose
change rules judge.
"""

from __future__ import annotations

from collections.abc import Iterable

from gate.compare.build import compare
from gate.compare.model import Comparison

__all__ = ["Comparison", "choose_policy", "compare"]

FALLBACK = "default"


def choose_policy(requested: str | None, named_by_b: str, bundled: Iterable[str]) -> tuple[str, str]:
    """The policy to load and why: `--policy` if given, else the bundled policy B's report names (its
    `policy` reads "name (source)"), else the default."""
    if requested is not None:
        return requested, "--policy"
    name = named_by_b.split(" (", 1)[0]
    if name in set(bundled):
        return name, "the policy B's report names"
    return FALLBACK, f"B's report names {named_by_b!r}, not a bundled policy; --policy chooses another"
