"""Removes secrets from everything gate writes: known secret values and credential-shaped text.

Two kinds of masking (see ARCHITECTURE.md, "Secrets"):
- known values (header values, the auth token, credible [service].env secrets) are replaced wherever
  they appear, also base64- and URL-encoded;
- credential-shaped text (Authorization headers, `password = "..."`, JWTs, keys) is masked by pattern,
  and only the literal value: the code or header around it stays readable.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar
from urllib.parse import quote, quote_plus

from gate.text import map_text

MASK = "[REDACTED]"
T = TypeVar("T")
# A known value shorter than this is not masked: replacing a short or common string everywhere destroys
# evidence (it matches inside numbers, words and timestamps) and hides nothing an attacker could not guess.
MIN_SECRET_LEN = 8
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[._]\d*)*|\.\d+)(?:[eE][+-]?\d+)?")
# Values other tools already masked: re-masking them would hide that they were masked there.
_MASKED = {MASK, "[Filtered]", "[FILTERED]", "<redacted>", "<REDACTED>"}

_NAME = (
    r"(?:x-)?(?:api|auth|access|refresh|session|csrf|xsrf|id)?[-_]?token|(?:x-)?api[-_]?key"
    r"|client[-_]?secret|secret(?:[-_]?key)?|private[-_]?key|passw(?:or)?d"
)
_NAMED = re.compile(rf"(?i)[a-z0-9_]*(?:{_NAME})[a-z0-9_]*")
_PATTERNS = [
    re.compile(
        r"(?i)\b(?P<name>authorization|proxy-authorization)(?P<sep>\s*[:=]\s*)(?P<q>['\"])?"
        r"(?P<scheme>(?:bearer|basic|token)\s+)?(?P<value>[^\s'\",;]+)"
    ),
    re.compile(r"(?i)\b(?P<name>cookie|set-cookie)(?P<sep>\s*[:=]\s*)(?P<q>['\"])?(?P<scheme>)(?P<value>[^'\"\n]+)"),
    # The name may end a longer identifier (DJANGO_SECRET_KEY) and be quoted as a JSON key ("api_key": ...).
    # Not after "/": `POST /token: not counted` names an endpoint, not a value (a query's `?token=` is kept).
    re.compile(
        rf"(?i)(?<![a-z0-9/])(?P<name>{_NAME})(?P<sep>['\"]?\s*[:=]\s*)(?P<q>['\"])?(?P<scheme>)"
        r"(?P<value>(?(q)[^'\"\n]+|[^\s'\"&,;)\]}]+))"
    ),
]
# An unquoted value that is code, not a literal: a call or subscript (`provider_data['client_secret']`),
# an attribute (`self.password`), a structure, a placeholder, a keyword or a type annotation.
_CODE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*[(\[]|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|[{\[(<$%@]")
_WORDS = {
    "None",
    "null",
    "nil",
    "undefined",
    "True",
    "False",
    "true",
    "false",
    "str",
    "bytes",
    "int",
    "bool",
    "SecretStr",
    "SecretBytes",
    "Any",
}
# Credentials recognisable by their shape alone, wherever they appear; each with the lower-case
# substrings any text it matches holds (see _redact).
_SHAPES: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S),
        MASK,
        ("-----begin",),
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), MASK, ("eyj",)),  # JSON Web Token
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), MASK, ("akia", "asia")),  # AWS access key id
    # GitHub and Slack tokens
    (
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,}|xox[abprs]-[A-Za-z0-9-]{10,})"),
        MASK,
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox"),
    ),
    (re.compile(r"(://[^/\s:@'\"]+:)[^/\s@'\"]+@"), rf"\g<1>{MASK}@", ("://",)),  # user:password@ in URLs
]
_URLSAFE = str.maketrans("+/", "-_")
# A run of base64 (standard or URL-safe alphabet) long enough to carry a secret.
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{12,}={0,2}(?![A-Za-z0-9+/_=-])")


def credible_secret(value: str) -> bool:
    """Whether a known value is masked everywhere: 8+ characters, not a number, and at least two kinds of
    character (lower case, upper case, digits, others) or 16+ characters."""
    text = value.strip()
    if len(text) < MIN_SECRET_LEN or _NUMBER.fullmatch(text):
        return False
    kinds = [
        any(c.islower() for c in text),
        any(c.isupper() for c in text),
        any(c.isdigit() for c in text),
        any(not c.isalnum() for c in text),
    ]
    return sum(kinds) >= 2 or len(text) >= 16


@lru_cache(maxsize=64)
def secret_forms(secrets: tuple[str, ...]) -> tuple[str, ...]:
    """Every form a known secret may take in a file: plain, JSON-escaped, URL-encoded, and base64 (whole,
    and the part that is the same at any offset inside a longer base64 text), longest first."""
    forms: set[str] = set()
    for secret in (s for s in secrets if credible_secret(s)):
        forms |= {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret)}
        raw = secret.encode()
        pieces = [raw] + [raw[start : start + (len(raw) - start) // 3 * 3] for start in range(3)]
        for piece in pieces:
            if len(piece) >= 6:
                encoded = base64.b64encode(piece).decode()
                forms |= {encoded, encoded.rstrip("="), encoded.translate(_URLSAFE).rstrip("=")}
    return tuple(sorted(forms, key=len, reverse=True))


def mask_known(text: str, forms: tuple[str, ...]) -> str:
    """Replace the known secrets' forms in `text`; a base64 run hiding one is decoded, masked, re-encoded
    (so that it still decodes, as schemathesis's response bodies must)."""
    if not forms:
        return text
    text = _BASE64_RUN.sub(lambda m: _mask_base64(m.group(), forms), text)
    for form in forms:
        text = text.replace(form, MASK)
    return text


def mask_known_bytes(data: bytes, forms: tuple[str, ...]) -> bytes:
    """Replace the known secrets' forms in raw bytes by as many '*' (the bytes keep their offsets)."""
    for form in forms:
        encoded = form.encode()
        data = data.replace(encoded, b"*" * len(encoded))
    return data


def _mask_base64(run: str, forms: tuple[str, ...]) -> str:
    urlsafe = "-" in run or "_" in run
    if len(run) % 4 or (urlsafe and ("+" in run or "/" in run)):
        return run
    try:
        raw = base64.b64decode(run, altchars=b"-_" if urlsafe else None, validate=True)
    except (binascii.Error, ValueError):
        return run
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        masked = mask_known_bytes(raw, forms)
    else:
        masked = mask_known(decoded, forms).encode()
    if masked == raw:
        return run
    return base64.b64encode(masked, altchars=b"-_" if urlsafe else None).decode()


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask every known secret value and every credential-shaped header or parameter in `text`."""
    return _redact(text, secret_forms(tuple(secrets)))


def _redact(text: str, forms: tuple[str, ...]) -> str:
    text = mask_known(text, forms)
    # Most report strings (messages, paths, code) hold none of the words or prefixes the patterns need:
    # one lower-casing and a few substring searches instead of eight regex passes. Masking never makes a
    # new trigger (its replacement is "[REDACTED]"), so triggers found before the passes hold for all of
    # them. Under re.IGNORECASE non-ASCII letters match too (U+212A KELVIN SIGN matches "k"): such text
    # always takes every pass.
    lowered = text.lower() if text.isascii() else None
    for triggers, pattern, replacement in _RULES:
        if lowered is None or any(trigger in lowered for trigger in triggers):
            text = pattern.sub(replacement, text)
    return text


def _mask_value(match: re.Match[str]) -> str:
    value = match["value"]
    if value in _MASKED or set(value) <= {"*"}:
        return match.group()
    in_code = match.re is _PATTERNS[-1]  # header and cookie values are never code
    if in_code and not match["q"] and (_CODE.match(value) or value in _WORDS or _NAMED.fullmatch(value)):
        return match.group()  # code: `password=password`, `token = tok.value`, `password: str`
    return f"{match['name']}{match['sep']}{match['q'] or ''}{match['scheme'] or ''}{MASK}"


# Every pass in the order it runs, with the lower-case substrings any text it matches holds (see _redact).
_RULES: list[tuple[tuple[str, ...], re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (("authorization",), _PATTERNS[0], _mask_value),
    (("cookie",), _PATTERNS[1], _mask_value),
    (("token", "key", "secret", "passw"), _PATTERNS[2], _mask_value),  # every alternative of _NAME
    *((triggers, shape, replacement) for shape, replacement, triggers in _SHAPES),
]


def redact_report(value: T, secrets: Iterable[str] = ()) -> T:
    """A copy of a report (any tree of dataclasses, mappings, sequences and strings), redacted."""
    forms = secret_forms(tuple(secrets))
    # Keys too: a secret a service put into a key (a header name, a query key) is still a secret.
    return map_text(value, lambda text: _redact(text, forms))  # type: ignore[no-any-return]
