"""Text from the target is untrusted: bounded in bytes before it enters a report, made inert before a terminal.

A service printing one 10 MB line made every report ~31 MB: log tails were bounded by lines only. Every
string in a report is cut to a byte budget, saying where and how much. A file name carrying an OSC escape
(`ESC]0;...`) hid everything after it in a real terminal, the verdict included: text that reaches the
console, Markdown or annotations has its control characters shown as visible escapes.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

TEXT_BYTES = 4096  # a message, snippet, reason or HTTP body
TAIL_BYTES = 16384  # a log tail: its end is kept, where the error usually is
TAIL_KEYS = frozenset({"log_tail"})

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# C0 controls but tab and newline, DEL, C1 controls (U+009B is a one-character CSI in many terminals).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clip(text: str, limit: int = TEXT_BYTES) -> str:
    """`text` cut to at most about `limit` UTF-8 bytes, keeping its start and saying how much was cut."""
    data = text.encode("utf-8", errors="surrogatepass")
    if len(data) <= limit:
        return text
    kept = data[:limit].decode("utf-8", errors="ignore")
    return f"{kept} [... cut by gate: {len(data) - limit} more bytes of {len(data)}]"


def clip_tail(text: str, limit: int = TAIL_BYTES) -> str:
    """`text` cut to at most about `limit` UTF-8 bytes, keeping its end and saying how much was cut."""
    data = text.encode("utf-8", errors="surrogatepass")
    if len(data) <= limit:
        return text
    kept = data[-limit:].decode("utf-8", errors="ignore")
    return f"[cut by gate: {len(data) - limit} earlier bytes of {len(data)} ...] {kept}"


def strip_ansi(text: str) -> str:
    """Text without terminal colour/cursor codes (tool logs are often coloured)."""
    return _ANSI.sub("", text)


def printable(text: str) -> str:
    """`text` with colour codes removed and every other control character shown as `\\xNN`."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def bound(value: T) -> T:
    """A copy of a report (any tree of dataclasses, mappings, sequences) with every string clipped."""
    return map_text(value, clip, {key: clip_tail for key in TAIL_KEYS})  # type: ignore[no-any-return]


def map_text(value: Any, change: Callable[[str], str], by_key: dict[str, Callable[[str], str]] | None = None) -> Any:
    """`value` rebuilt with `change` applied to every string in it (`by_key[k]` to a mapping's value at k)."""
    keyed = by_key or {}

    def walk(item: Any, apply: Callable[[str], str]) -> Any:
        if isinstance(item, enum.Enum):
            return item
        if isinstance(item, str):
            return apply(item)
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            # A field is keyed by its name, as a mapping's value is by its key (CheckResult.log_tail).
            return dataclasses.replace(
                item,
                **{f.name: walk(getattr(item, f.name), keyed.get(f.name, apply)) for f in dataclasses.fields(item)},
            )
        if isinstance(item, dict):
            return {
                walk(k, apply) if isinstance(k, str) else k: walk(
                    v, keyed.get(k, apply) if isinstance(k, str) else apply
                )
                for k, v in item.items()
            }
        if isinstance(item, tuple):
            return tuple(walk(v, apply) for v in item)
        if isinstance(item, list):
            return [walk(v, apply) for v in item]
        return item

    return walk(value, change)
