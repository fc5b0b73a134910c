"""Read coverage results: coverage.py's JSON report and Cobertura XML, into one shape."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.checks.toolout import parse_tool_json
from gate.errors import CheckError

SQLITE_MAGIC = b"SQLite format 3\x00"  # coverage.py >= 5 stores .coverage data files in SQLite
_CONDITION = re.compile(r"\((\d+)/(\d+)\)")  # Cobertura condition-coverage="50% (1/2)"


@dataclass(frozen=True)
class FileCoverage:
    """One source file's coverage."""

    path: str
    percent: float
    statements: int
    missing_lines: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape reporters read from details["files"]."""
        return {
            "path": self.path,
            "percent": self.percent,
            "statements": self.statements,
            "missing": len(self.missing_lines),
            "missing_lines": list(self.missing_lines),
        }


@dataclass(frozen=True)
class CoverageData:
    """A whole coverage result: totals as the producing tool computed them, and every file."""

    percent: float
    statements: int
    missing: int
    files: tuple[FileCoverage, ...]  # worst first
    version: str  # of the coverage.py that wrote it, "unknown" when the file does not say


def sniff(path: Path) -> str:
    """'sqlite', 'json' or 'xml' from the file's first bytes (the name proves nothing); '' if none."""
    with path.open("rb") as handle:
        head = handle.read(64)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "json"
    if text.startswith(b"<"):
        return "xml"
    return ""


def parse_json(text: str, source: str) -> CoverageData:
    """coverage.py's JSON report (`coverage json`, format 2 and 3); raise CheckError if it is not one."""
    data = parse_tool_json(text, f"coverage.py report {source}", dict)
    totals = _get(data, "totals", dict, source)
    files = []
    for path, entry in _get(data, "files", dict, source).items():
        where = f"{source}: files[{path!r}]"
        summary = _get(entry, "summary", dict, where)
        missing = _get(entry, "missing_lines", list, where)
        files.append(
            FileCoverage(
                path=path,
                percent=float(_get(summary, "percent_covered", float, where)),
                statements=_get(summary, "num_statements", int, where),
                missing_lines=tuple(int(n) for n in missing),
            )
        )
    meta = data.get("meta")  # only for the version we record; the numbers never come from it
    version = meta.get("version") if isinstance(meta, dict) else None
    # percent_covered is coverage.py's own unrounded figure (lines, plus branches when measured);
    # percent_covered_display is rounded to its `precision` and must not be judged.
    return CoverageData(
        percent=float(_get(totals, "percent_covered", float, f"{source}: totals")),
        statements=_get(totals, "num_statements", int, f"{source}: totals"),
        missing=_get(totals, "missing_lines", int, f"{source}: totals"),
        files=_worst_first(files),
        version=str(version) if version else "unknown",
    )


def parse_cobertura(text: str, source: str) -> CoverageData:
    """Cobertura XML (`coverage xml` and other tools); the percent comes from counts, not line-rate."""
    # ElementTree over expat: no external entities are fetched, and expat >= 2.4.1 (bundled with
    # CPython 3.11) refuses entity-expansion bombs, so a target's own report cannot hurt us.
    try:
        root = ET.fromstring(text)  # noqa: S314
    except ET.ParseError as exc:
        raise CheckError(f"{source}: not valid XML: {exc}") from None
    if root.tag != "coverage":
        raise CheckError(f"{source}: not a Cobertura report (root element <{root.tag}>, expected <coverage>)")
    lines_valid = _count(root, "lines-valid", source)
    lines_covered = _count(root, "lines-covered", source)
    # line-rate is rounded to 4 decimals (0.8 for 79.996 %), so the percentage is computed from the
    # counts, the way coverage.py computes its own total: (lines hit + branches hit) / (lines + branches).
    branches_valid = _count(root, "branches-valid", source) if "branches-valid" in root.attrib else 0
    branches_covered = _count(root, "branches-covered", source) if "branches-covered" in root.attrib else 0
    total = lines_valid + branches_valid
    percent = 100.0 * (lines_covered + branches_covered) / total if total else 100.0
    return CoverageData(
        percent=percent,
        statements=lines_valid,
        missing=lines_valid - lines_covered,
        files=_worst_first(_cobertura_files(root, source)),
        version=root.get("version") or "unknown",
    )


def _cobertura_files(root: ET.Element, source: str) -> list[FileCoverage]:
    # A file may appear in several <class> elements (one per class in non-Python producers): merge.
    hits: dict[str, dict[int, int]] = {}
    branches: dict[str, dict[int, tuple[int, int]]] = {}
    for cls in root.iter("class"):
        path = cls.get("filename")
        if not path:
            raise CheckError(f"{source}: a <class> element has no filename")
        file_hits = hits.setdefault(path, {})
        file_branches = branches.setdefault(path, {})
        for line in cls.iter("line"):
            number = _count(line, "number", source)
            file_hits[number] = max(file_hits.get(number, 0), _count(line, "hits", source))
            match = _CONDITION.search(line.get("condition-coverage", ""))
            if line.get("branch") == "true" and match:
                file_branches[number] = (int(match.group(1)), int(match.group(2)))
    files = []
    for path, lines in hits.items():
        missing = tuple(sorted(n for n, h in lines.items() if h == 0))
        covered_branches = sum(c for c, _ in branches[path].values())
        all_branches = sum(t for _, t in branches[path].values())
        total = len(lines) + all_branches
        covered = len(lines) - len(missing) + covered_branches
        files.append(FileCoverage(path, 100.0 * covered / total if total else 100.0, len(lines), missing))
    return files


def _worst_first(files: list[FileCoverage]) -> tuple[FileCoverage, ...]:
    return tuple(sorted(files, key=lambda f: (f.percent, -len(f.missing_lines), f.path)))


def _get(mapping: Any, key: str, kind: type, where: str) -> Any:
    """A field the format requires; a missing or mistyped one means we are not reading what we think."""
    if not isinstance(mapping, dict) or key not in mapping:
        raise CheckError(f"{where}: required field {key!r} is missing; is this a coverage.py JSON report?")
    value = mapping[key]
    ok = isinstance(value, (int, float)) if kind is float else isinstance(value, kind)
    if not ok or isinstance(value, bool):
        raise CheckError(f"{where}: field {key!r} is {type(value).__name__}, expected {kind.__name__}")
    return value


def _count(element: ET.Element, name: str, source: str) -> int:
    value = element.get(name)
    try:
        return int(value) if value is not None else _missing(name, element, source)
    except ValueError:
        raise CheckError(f"{source}: <{element.tag}> {name}={value!r} is not a whole number") from None


def _missing(name: str, element: ET.Element, source: str) -> int:
    raise CheckError(f"{source}: <{element.tag}> has no {name} attribute; is this a Cobertura report?")
