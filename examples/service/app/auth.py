"""Who may add books: the OAuth2 password flow, answered with a short-lived signed JWT."""

from __future__ import annotations

import time
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app import errors
from app.config import Settings
from app.hardening import login_rate_limit
from app.models import Token

LIBRARIAN = "librarian"  # the one account; its password comes from the environment
ALGORITHM = "HS256"
ISSUER = "bookshelf"

# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): argon2-cffi's defaults (64 MiB,
# 3 passes, 4 lanes) cost several times more CPU per login on a small instance for little gain.
password_hash = PasswordHash((Argon2Hasher(memory_cost=19456, time_cost=2, parallelism=1),))
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/token", scopes={}, description="A token from `POST /token`.")
router = APIRouter()

# Verified against when the user is unknown or no account is configured, so a wrong user name costs
# as much time as a wrong password and the answer time does not tell which accounts exist.
_DUMMY_HASH = password_hash.hash("not-a-password-of-anyone")


def password_hashes(settings: Settings) -> dict[str, str]:
    """The accounts and their password hashes (hashed once at startup; the plain text is not kept)."""
    if settings.librarian_password is None:
        return {}
    return {LIBRARIAN: password_hash.hash(settings.librarian_password)}


def issue_token(settings: Settings, subject: str) -> str:
    """A signed JWT naming the user, valid for the configured lifetime."""
    now = int(time.time())
    claims = {"sub": subject, "iss": ISSUER, "iat": now, "exp": now + settings.token_ttl_s}
    return jwt.encode(claims, settings.jwt_key, algorithm=ALGORITHM)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def current_user(request: Request, token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    """The user a valid token names; 401 for anything else (expired, unsigned, signed with another key)."""
    settings: Settings = request.app.state.settings
    try:
        # One algorithm only: a token saying `alg: none` (or RS256 with our key as "public key") fails.
        claims = jwt.decode(token, settings.jwt_key, algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"require": ["exp", "iat", "sub", "iss"]})
    except jwt.InvalidTokenError:
        raise _unauthorized("The access token is invalid or has expired") from None
    subject = claims["sub"]
    if subject not in request.app.state.password_hashes:
        raise _unauthorized("The access token names no known user")
    return str(subject)


CurrentUser = Annotated[str, Depends(current_user)]

LOGIN_ERRORS = errors.problems(
    _400="The form could not be read.",
    _401="Wrong user name or password.",
    _422="The form misses a field or has an invalid one.",
    _429="Too many attempts from this address: try again after `Retry-After` seconds.",
)
LOGIN_ERRORS[429]["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}


@router.post(
    "/token",
    tags=["auth"],
    summary="Log in",
    description="Exchanges the user name and password (OAuth2 password flow, a form body) for a bearer "
    "token that is valid for a limited time. Repeated attempts from one address are rate limited.",
    response_model=Token,
    response_description="The access token (not to be cached: `Cache-Control: no-store`).",
    dependencies=[Depends(login_rate_limit)],
    responses=LOGIN_ERRORS,
)
def log_in(request: Request, response: Response, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """Log in."""
    response.headers["Cache-Control"] = "no-store"  # RFC 6749 section 5.1: token responses are not cached
    hashes: dict[str, str] = request.app.state.password_hashes
    known = hashes.get(form.username)
    valid = password_hash.verify(form.password, known or _DUMMY_HASH)
    if known is None or not valid:
        raise _unauthorized("Wrong user name or password")
    settings: Settings = request.app.state.settings
    return Token(access_token=issue_token(settings, form.username), expires_in=settings.token_ttl_s)
