"""Masks known secrets in artifact files without breaking them: JSON, NDJSON/JSONL and XML stay parseable.

A tool's machine output is evidence gate and its users read back; replacing text inside it blindly once
turned `"elapsed_time":0.0256225 3600 14406` into invalid JSON. So structured files are parsed, only
their string values (and keys) are masked, and they are written back; everything else is plain text.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path

from gate.redact import mask_known, mask_known_bytes, secret_forms
from gate.text import map_text

_JSON_LINES = {".ndjson", ".jsonl"}


def redact_files(paths: Iterable[Path], secrets: Iterable[str]) -> None:
    """Mask the known secrets in each file of `paths` and every file under each folder of them.

    The one way artifact files are masked: the service's log and tools' raw outputs at the end of a
    run (open_service), and a tool's reports before gate reads evidence back from them (fuzz).
    Ctrl-C and SIGTERM wait until it is done: an interrupted pass would leave secrets in the artifacts.
    A file without any secret costs one read (see _redact_file), so masking a file twice is cheap.
    """
    forms = secret_forms(tuple(secrets))
    if not forms:
        return
    with _signals_deferred():
        for given in paths:
            files = sorted(given.rglob("*")) if given.is_dir() and not given.is_symlink() else [given]
            for path in files:
                if path.is_file() and not path.is_symlink():
                    _redact_file(path, forms)


def _redact_file(path: Path, forms: tuple[str, ...]) -> None:
    data = path.read_bytes()
    # Fast path: base64 holding a secret at any offset contains one of its forms verbatim (see
    # redact.secret_forms), so a file without any form has nothing to mask.
    if not any(f.encode() in data or f.replace("/", "\\/").encode() in data for f in forms):
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        cleaned = mask_known_bytes(data, forms)  # binary (a database, an archive): keep every offset
    else:
        cleaned = masked_text(path.suffix.lower(), text, forms).encode("utf-8")
    if cleaned != data:
        temp = path.with_name(f".{path.name}.redacting")
        temp.write_bytes(cleaned)
        os.replace(temp, path)  # never a half-masked file


def masked_text(suffix: str, text: str, forms: tuple[str, ...]) -> str:
    """`text` of a file with this suffix, masked so that its structure survives."""
    if suffix == ".json":
        return _mask_json_document(text, forms)
    if suffix in _JSON_LINES:
        return "".join(_mask_json_line(line, forms) for line in text.splitlines(keepends=True))
    if suffix == ".xml":
        return _mask_xml(text, forms)
    return mask_known(text, forms)


def _mask_json_document(text: str, forms: tuple[str, ...]) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return mask_known(text, forms)  # not JSON after all (a run cut short): plain text
    masked = map_text(data, lambda s: mask_known(s, forms))
    if masked == data:
        return text
    indent = 2 if "\n" in text.strip() else None
    return json.dumps(masked, indent=indent, ensure_ascii=False) + ("\n" if text.endswith("\n") else "")


def _mask_json_line(line: str, forms: tuple[str, ...]) -> str:
    body = line.rstrip("\r\n")
    if not body.strip():
        return line
    try:
        data = json.loads(body)
    except ValueError:
        return mask_known(line, forms)  # a line cut short when the tool was stopped
    masked = map_text(data, lambda s: mask_known(s, forms))
    if masked == data:
        return line
    return json.dumps(masked, ensure_ascii=False) + line[len(body) :]


def _mask_xml(text: str, forms: tuple[str, ...]) -> str:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        # Not a file gate's tools write (JUnit has no DTD); entity expansion is how XML parsers are
        # attacked, so it is masked as plain text instead of parsed.
        return mask_known(text, forms)
    try:
        # Comments and processing instructions are kept, so only masked values differ afterwards.
        parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True, insert_pis=True))  # noqa: S314
        root = ET.fromstring(text, parser=parser)  # noqa: S314 - no DTD (checked above)
    except ET.ParseError:
        return mask_known(text, forms)
    changed = False

    def mask(value: str | None) -> str | None:
        nonlocal changed
        if value is None:
            return None
        masked = mask_known(value, forms)
        changed = changed or masked != value
        return masked

    for element in root.iter():
        element.text, element.tail = mask(element.text), mask(element.tail)
        for name, value in list(element.attrib.items()):
            element.attrib[name] = mask(value) or ""
    if not changed:
        return text
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n' if text.lstrip().startswith("<?xml") else ""
    return declaration + ET.tostring(root, encoding="unicode") + ("\n" if text.endswith("\n") else "")


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the block runs (main thread only); they arrive right after."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
