"""Which GET operations the generated load scenario may call, and how often: normal traffic only.

A GET is supposed to be safe, but real specs document GETs that reset, seed, delete, log out or
trigger jobs; under load those wreck the service and the measurement. An operation whose path or
operationId contains such a word is left out by default, with the word as the reason. The target's
[load] settings decide over the heuristic: `exclude` globs always leave an operation out, `include`
globs (when set) are the only operations called and are called even when their name looks unsafe
(the user vouches for them), and `weights` make some operations more frequent than others.
Globs match "METHOD /path/template" with fnmatch (e.g. "GET /admin/*", "* /books/{id}").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from gate.live import openapi

# Words that name an action, not a read; matched as whole words of the path or operationId, with
# common inflections (resets, resetting, dropped). "log out"/"sign out" are two words.
_UNSAFE = re.compile(
    r"^(reset|reinit|init|initiali[sz]e|initdb|createdb|dropdb|seed|reseed|drop|delete|remove|destroy|"
    r"wipe|purge|flush|truncate|clear|logout|signout|logoff|shutdown|restart|reboot|kill|migrate|"
    r"rebuild|reindex|trigger|revoke|unsubscribe|sync|invalidate|execute|exec)"
    r"(s|es|ed|d|ing|all|db)?$"
)
_TWO_WORDS = {("log", "out"), ("sign", "out"), ("log", "off")}
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@dataclass(frozen=True)
class Excluded:
    """An operation left out of the scenario before anything was sent, and why."""

    operation: str
    reason: str


def words(text: str) -> list[str]:
    """The lower-case words of a path or identifier: camelCase, snake_case, kebab-case, slashes."""
    without_variables = re.sub(r"\{[^}]*\}", " ", text)
    return [w.lower() for w in _WORD.findall(without_variables)]


def unsafe_word(operation: openapi.Operation) -> str | None:
    """Why the operation looks like an action rather than a read ('reset' in its path), or None."""
    operation_id = operation.spec.get("operationId")
    sources = [("path", operation.path)]
    if isinstance(operation_id, str):
        sources.append(("operationId", operation_id))
    for where, text in sources:
        found = words(text)
        for word in found:
            if _UNSAFE.match(word):
                return f"{word!r} in its {where} {text!r}"
        for pair in itertools.pairwise(found):
            if pair in _TWO_WORDS:
                return f"{' '.join(pair)!r} in its {where} {text!r}"
    return None


def matches(label: str, patterns: Sequence[str]) -> str | None:
    """The first glob of `patterns` that matches 'METHOD /path', or None."""
    return next((p for p in patterns if fnmatchcase(label, p)), None)


def select(operation: openapi.Operation, include: Sequence[str], exclude: Sequence[str]) -> Excluded | None:
    """None when the operation belongs in the scenario, else why it is left out."""
    label = operation.label
    excluded_by = matches(label, exclude)
    if excluded_by is not None:
        return Excluded(label, f"excluded by [load] exclude {excluded_by!r}")
    if include:
        included_by = matches(label, include)
        if included_by is None:
            return Excluded(label, "not named by [load] include")
        return None  # named by the user: called even when its name looks unsafe
    word = unsafe_word(operation)
    if word is not None:
        return Excluded(label, f"looks unsafe to call under load ({word}); add it to [load] include if it only reads")
    return None


def weight(label: str, weights: Mapping[str, int]) -> int:
    """The weight of the first [load] weights glob matching the operation (in the order written), else 1."""
    pattern = matches(label, list(weights))
    return 1 if pattern is None else weights[pattern]
