"""Credential-shaped text the reports must never carry (gate/redact.py patterns)."""

from __future__ import annotations

import pytest

from gate.redact import MASK, redact_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def.ghi", f"Authorization: Bearer {MASK}"),
        ("curl -H 'Authorization: Bearer xyz' http://x", f"curl -H 'Authorization: Bearer {MASK}' http://x"),
        ("Cookie: a=b; c=d", f"Cookie: {MASK}"),
        ("DJANGO_SECRET_KEY = 'abc123'", f"DJANGO_SECRET_KEY = '{MASK}'"),
        ("token=abcdef&x=1", f"token={MASK}&x=1"),
        ("?id_token=abc", f"?id_token={MASK}"),
        ("X-Auth-Token: qwerty", f"X-Auth-Token: {MASK}"),
        ('{"access_token": "abc"}', f'{{"access_token": "{MASK}"}}'),
        ("private_key: xyz", f"private_key: {MASK}"),
        ("api-key: 123", f"api-key: {MASK}"),
        ("passwd=xx", f"passwd={MASK}"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc_def-ghi", MASK),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----", MASK),
        ("key AKIAIOSFODNN7EXAMPLE here", f"key {MASK} here"),
        ("ghp_" + "a" * 36, MASK),
        ("postgres://app:s3cret@db:5432/x", f"postgres://app:{MASK}@db:5432/x"),
    ],
)
def test_credentials_are_masked(text: str, expected: str) -> None:
    assert redact_text(text) == expected
    assert redact_text(expected) == expected  # idempotent: reports are redacted more than once


@pytest.mark.parametrize(
    "text",
    [
        "tokenizer: fast",
        "Invalid token",
        "monkey: 1",
        "http://example.com/a:b@c",
        "primary key (id)",
        "SELECT * FROM items WHERE id = 1;",
        "naïve ✓ 日本",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_text(text) == text
