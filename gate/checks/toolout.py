"""One reader for the JSON a tool writes (bandit, semgrep, schemathesis, sqlfluff, squawk, coverage.py).

Every problem is a ToolError in one form, "<tool> report <file>: <what is wrong>", so a user sees the
same message shape whichever tool's output gate could not read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gate.errors import ToolError

_KINDS: dict[type, str] = {dict: "a JSON object", list: "a JSON list"}
_FOUND: dict[type, str] = {
    dict: "an object",
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def read_tool_json(path: Path, tool: str, expected: type, shape: str = "", tail: str = "") -> Any:
    """The JSON `tool` wrote to `path`, of type `expected` (dict or list); ToolError if it is not that.

    `shape` completes the expectation in the message ("with 'results'"); `tail` is the tool's log tail.
    """
    where = f"{tool} report {path.name}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ToolError(f"{where}: not written (the tool exited without writing it)", tail) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ToolError(f"{where}: cannot read ({exc})", tail) from None
    return parse_tool_json(text, where, expected, shape, tail)


def parse_tool_json(text: str, where: str, expected: type, shape: str = "", tail: str = "") -> Any:
    """`text` parsed as JSON of type `expected`; ToolError naming `where` ("squawk output") if it is not."""
    if not text.strip():
        raise ToolError(f"{where}: empty (expected {_KINDS[expected]}{' ' + shape if shape else ''})", tail)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolError(f"{where}: not JSON ({exc.msg}, line {exc.lineno}, column {exc.colno})", tail) from None
    except RecursionError:
        raise ToolError(f"{where}: not JSON gate can read (nested too deeply)", tail) from None
    if not isinstance(data, expected):
        found = _FOUND.get(type(data), type(data).__name__)
        raise ToolError(f"{where}: expected {_KINDS[expected]}{' ' + shape if shape else ''}, found {found}", tail)
    return data
