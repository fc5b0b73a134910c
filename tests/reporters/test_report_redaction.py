"""Credential-shaped text the reports must never carry (gate/redact.py patterns)."""

from __future__ import annotations

import base64
from urllib.parse import quote, quote_plus

import pytest

from gate.redact import MASK, credible_secret, redact_text


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
        # Only the literal value is masked; the code around it stays readable.
        ("create_user(username='bob', password='hunter22')", f"create_user(username='bob', password='{MASK}')"),
        ('API_KEY = "sk_live_abcdef123456"', f'API_KEY = "{MASK}"'),
        ("{'Password': 'Updated.'}", f"{{'Password': '{MASK}'}}"),
        ("Authorization: Bearer abc.def.ghi", f"Authorization: Bearer {MASK}"),
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
        # An endpoint named like a credential is not one: its path is followed by prose, not a value.
        "POST /token: not counted as failures",
        "GET /api-key: 404",
        "monkey: 1",
        "http://example.com/a:b@c",
        "primary key (id)",
        "SELECT * FROM items WHERE id = 1;",
        "naïve ✓ 日本",
        # Code, not a literal: whether a finding is real must stay visible in its snippet.
        "'client_secret': provider_data['client_secret'],",
        "'refresh_token': tok.refresh_token if cfg['REFRESH_IN_BODY'] else None",
        '"password": {"type": "string"}',
        "password = os.environ['DB_PASSWORD']",
        "secret = get_secret()",
        "user.set_password(password=password)",
        "password: str",
        # Values another tool already masked stay as that tool wrote them.
        '{"email": "***", "password": "***"}',
        "curl -H 'Authorization: [Filtered]' http://127.0.0.1:8000/items",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("value", "credible"),
    [
        ("3600", False),
        ("0.25", False),
        ("1e10", False),
        ("12345678901234567890", False),  # numbers
        ("debug", False),
        ("disabled", False),
        ("hunter2", False),  # short or one kind of character
        ("hunter22", True),
        ("tok-abc123", True),
        ("Production", True),
        ("correcthorsebatterystaple", True),
    ],
)
def test_only_credible_values_count_as_secrets(value: str, credible: bool) -> None:
    assert credible_secret(value) is credible


def test_a_known_secret_is_masked_in_every_encoding() -> None:
    token = "s3cr3t/Tok+en=42"
    text = " ".join(
        [
            token,
            quote(token, safe=""),
            quote_plus(token),
            base64.b64encode(token.encode()).decode(),
            base64.urlsafe_b64encode(token.encode()).decode().rstrip("="),
        ]
    )
    plain, url, url_plus, b64, urlsafe = redact_text(text, [token]).split(" ")
    assert [plain, url, url_plus, urlsafe] == [MASK] * 4
    assert base64.b64decode(b64).decode() == MASK  # base64 is decoded, masked and encoded again


def test_a_base64_body_holding_a_secret_is_masked_and_still_decodes() -> None:
    token = "tok-abc123XYZ"
    for prefix in ("", "x", "xy"):  # every offset of the token inside the encoded body
        body = base64.b64encode(f'{prefix}{{"echo": "Bearer {token}"}}'.encode()).decode()
        masked = redact_text(body, [token])
        assert base64.b64decode(masked, validate=True).decode() == f'{prefix}{{"echo": "Bearer {MASK}"}}'


def test_a_number_under_a_secret_looking_key_is_never_masked() -> None:
    assert redact_text('{"elapsed_time":0.0256225360014406}', ["3600"]) == '{"elapsed_time":0.0256225360014406}'
