"""Removes secrets from everything gate writes: known secret values and credential-shaped text."""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

MASK = "[REDACTED]"
T = TypeVar("T")

# Header lines and query parameters that carry credentials, whatever service produced them.
_PATTERNS = [
    re.compile(r"(?i)\b(authorization|proxy-authorization)(\s*[:=]\s*['\"]?)((?:bearer|basic|token)\s+)?[^\s'\",;]+"),
    re.compile(r"(?i)\b(cookie|set-cookie)(\s*[:=]\s*['\"]?)()[^'\"\n]+"),
    # The name may end a longer identifier (DJANGO_SECRET_KEY) and be quoted as a JSON key ("api_key": ...).
    re.compile(r"(?i)(?<![a-z0-9])((?:x-)?(?:api|auth|access|refresh|session|csrf|xsrf|id)?[-_]?token|(?:x-)?api[-_]?key"
               r"|client[-_]?secret|secret(?:[-_]?key)?|private[-_]?key|passw(?:or)?d)"
               r"(['\"]?\s*[:=]\s*['\"]?)()[^\s'\"&,;]+"),
]
# Credentials recognisable by their shape alone, wherever they appear.
_SHAPES = [
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S), MASK),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), MASK),  # JSON Web Token
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), MASK),  # AWS access key id
    # GitHub and Slack tokens
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,}|xox[abprs]-[A-Za-z0-9-]{10,})"), MASK),
    (re.compile(r"(://[^/\s:@'\"]+:)[^/\s@'\"]+@"), rf"\g<1>{MASK}@"),  # user:password@ in URLs
]


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask every known secret value and every credential-shaped header or parameter in `text`."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3) or ''}{MASK}", text)
    for shape, replacement in _SHAPES:
        text = shape.sub(replacement, text)
    return text


def redact_files(folder: Path, secrets: Iterable[str]) -> None:
    """Mask known secret values in every file under `folder` (the service's log, tools' raw outputs)."""
    values = sorted({s.encode() for s in secrets if len(s) >= 4}, key=len, reverse=True)
    if not values:
        return
    for path in folder.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        cleaned = data
        for value in values:
            cleaned = cleaned.replace(value, MASK.encode())
        if cleaned != data:
            path.write_bytes(cleaned)


def redact_report(value: T, secrets: Iterable[str] = ()) -> T:
    """A copy of a report (any tree of dataclasses, mappings, sequences and strings), redacted."""
    known = tuple(secrets)
    return _walk(value, known)  # type: ignore[no-any-return]


def _walk(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, enum.Enum):
        return value
    if isinstance(value, str):
        return redact_text(value, secrets)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _walk(getattr(value, f.name), secrets) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, dict):
        return {k: _walk(v, secrets) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_walk(v, secrets) for v in value)
    if isinstance(value, list):
        return [_walk(v, secrets) for v in value]
    return value
