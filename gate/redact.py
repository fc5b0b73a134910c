"""Removes secrets from everything gate writes: known secret values and credential-shaped text."""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable
from typing import Any, TypeVar

MASK = "[REDACTED]"
T = TypeVar("T")

# Header lines and query parameters that carry credentials, whatever service produced them.
_PATTERNS = [
    re.compile(r"(?i)\b(authorization|proxy-authorization)(\s*[:=]\s*['\"]?)((?:bearer|basic|token)\s+)?[^\s'\",;]+"),
    re.compile(r"(?i)\b(cookie|set-cookie)(\s*[:=]\s*['\"]?)()[^'\"\n]+"),
    re.compile(r"(?i)\b(x-api-key|api[-_]?key|access[-_]?token|refresh[-_]?token|client[-_]?secret|password|secret)"
               r"(\s*[:=]\s*['\"]?)()[^\s'\"&,;]+"),
]


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask every known secret value and every credential-shaped header or parameter in `text`."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3) or ''}{MASK}", text)
    return text


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
