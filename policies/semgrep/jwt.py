# Examples for jwt.yaml: lines marked ruleid must match, lines marked ok must not (semgrep --test).
import os

import jwt
from jose import jwt as jose_jwt

KEY = os.environ["JWT_SECRET"]


def unverified(token: str) -> dict:
    # ruleid: gate.jwt-signature-not-verified
    return jwt.decode(token, options={"verify_signature": False})


def unverified_with_algorithms(token: str) -> dict:
    # ruleid: gate.jwt-signature-not-verified
    return jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_aud": False, "verify_signature": False})


def old_pyjwt(token: str) -> dict:
    # ruleid: gate.jwt-signature-not-verified
    return jwt.decode(token, KEY, verify=False)


def none_algorithm(token: str) -> dict:
    # ruleid: gate.jwt-signature-not-verified
    return jwt.decode(token, KEY, algorithms=["HS256", "none"])


def jose_claims(token: str) -> dict:
    # ruleid: gate.jwt-signature-not-verified
    return jose_jwt.get_unverified_claims(token)


def no_expiry(token: str) -> dict:
    # ruleid: gate.jwt-expiry-not-verified
    return jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})


def jose_no_expiry(token: str) -> dict:
    # ruleid: gate.jwt-expiry-not-verified
    return jose_jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})


def verified(token: str) -> dict:
    # ok: gate.jwt-signature-not-verified
    return jwt.decode(token, KEY, algorithms=["HS256"])


def verified_with_options(token: str) -> dict:
    # ok: gate.jwt-expiry-not-verified
    return jwt.decode(token, KEY, algorithms=["HS256"], options={"require": ["exp", "sub"]})


def audience_off(token: str) -> dict:
    # ok: gate.jwt-signature-not-verified
    return jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_aud": False})


def multi_issuer(token: str, keys: dict) -> dict:
    # ok: gate.jwt-signature-not-verified
    unverified = jwt.decode(token, options={"verify_signature": False})
    key = keys[unverified["iss"]]
    return jwt.decode(token, key, algorithms=["RS256"], audience="api")


def peek_only(token: str) -> str:
    # ruleid: gate.jwt-signature-not-verified
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims["sub"]
