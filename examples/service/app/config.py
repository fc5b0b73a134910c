"""Settings from the environment: nothing secret or machine-specific lives in the code."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field

logger = logging.getLogger("bookshelf")

MIN_KEY_LENGTH = 32  # HS256 wants a key at least as long as its 256-bit hash (RFC 7518 section 3.2)


@dataclass(frozen=True)
class Settings:
    """How the service stores its data, signs its tokens and who may call it."""

    database: str  # a SQLite file path, or ":memory:" for a throw-away database
    seed: bool  # add the sample books when the database is empty
    db_timeout_s: float  # how long a statement waits for a locked database
    jwt_key: str = field(repr=False)  # signs the access tokens (HS256)
    token_ttl_s: int  # how long an access token is valid
    librarian_password: str | None = field(repr=False)  # the one account that may add books; None: none
    cors_origins: tuple[str, ...]  # browser origins allowed to call the API with credentials
    login_rate_limit: str  # per client address, in the `limits` notation ("5/minute")


def load_settings() -> Settings:
    """Read the BOOKSHELF_* variables; a configured signing key that is too short stops the service."""
    key = os.environ.get("BOOKSHELF_JWT_KEY", "")
    if not key:
        # Tokens then last only as long as this process: fine for a demo, wrong for several workers.
        logger.warning("BOOKSHELF_JWT_KEY is not set: signing tokens with a random key for this process")
        key = secrets.token_urlsafe(MIN_KEY_LENGTH)
    elif len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"BOOKSHELF_JWT_KEY must be at least {MIN_KEY_LENGTH} characters long")
    origins = os.environ.get("BOOKSHELF_CORS_ORIGINS", "")
    return Settings(
        database=os.environ.get("BOOKSHELF_DATABASE", ":memory:"),
        seed=os.environ.get("BOOKSHELF_SEED", "1").strip().lower() not in ("0", "false", "no", "off"),
        db_timeout_s=float(os.environ.get("BOOKSHELF_DB_TIMEOUT_S", "5")),
        jwt_key=key,
        token_ttl_s=int(os.environ.get("BOOKSHELF_TOKEN_TTL_S", "900")),
        librarian_password=os.environ.get("BOOKSHELF_LIBRARIAN_PASSWORD") or None,
        cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        login_rate_limit=os.environ.get("BOOKSHELF_LOGIN_RATE_LIMIT", "5/minute"),
    )
