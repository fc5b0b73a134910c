# Examples for secrets.yaml: lines marked ruleid must match, lines marked ok must not (semgrep --test).
import os

import jwt
import psycopg2
from pydantic_settings import BaseSettings

# ruleid: gate.hardcoded-secret
SECRET_KEY = "hunter2-production-signing-key"
# ruleid: gate.hardcoded-secret
JWT_SECRET = "change-me"
# ruleid: gate.hardcoded-secret
stripe_api_key = "sk_live_1234567890abcdef"


class Settings(BaseSettings):
    # ruleid: gate.hardcoded-secret
    db_password: str = "postgres123"
    # ok: gate.hardcoded-secret
    token_url: str = "/auth/token"


def connect():
    # ruleid: gate.hardcoded-secret
    return psycopg2.connect(host="db", user="app", password="s3cr3t!")


def configure(app):
    # ruleid: gate.hardcoded-secret
    app.config["SECRET_KEY"] = "flask-dev-key"
    # ruleid: gate.hardcoded-secret
    app.secret_key = "another-dev-key"


# ruleid: gate.hardcoded-credentials-in-url
DATABASE_URL = "postgresql://app:hunter2@db.internal:5432/app"
# ok: gate.hardcoded-credentials-in-url
REDIS_URL = "redis://cache.internal:6379/0"
# ok: gate.hardcoded-credentials-in-url
TEMPLATE_URL = "postgresql://${DB_USER}:${DB_PASSWORD}@db/app"


def make_token(user_id: int) -> str:
    # ruleid: gate.hardcoded-jwt-key
    return jwt.encode({"sub": str(user_id)}, "my-jwt-secret", algorithm="HS256")


def read_token(token: str) -> dict:
    # ruleid: gate.hardcoded-jwt-key
    return jwt.decode(token, key="my-jwt-secret", algorithms=["HS256"])


def read_token_ok(token: str) -> dict:
    # ok: gate.hardcoded-jwt-key
    return jwt.decode(token, os.environ["JWT_SECRET"], algorithms=["HS256"])


# ruleid: gate.hardcoded-secret-fallback
FALLBACK_KEY = os.environ.get("SECRET_KEY", "dev-secret")
# ruleid: gate.hardcoded-secret-fallback
API_TOKEN_VALUE = os.getenv("API_KEY", "abc123")

# ok: gate.hardcoded-secret-fallback
REQUIRED_KEY = os.environ["SECRET_KEY"]
# ok: gate.hardcoded-secret-fallback
OPTIONAL_KEY = os.environ.get("SECRET_KEY")
# ok: gate.hardcoded-secret-fallback
LOG_LEVEL = os.environ.get("LOG_LEVEL", "info")

# ok: gate.hardcoded-secret
PASSWORD_MIN_LENGTH = 12
# ok: gate.hardcoded-secret
ACCESS_TOKEN_EXPIRE_MINUTES = 30
# ok: gate.hardcoded-secret
TOKEN_TYPE = "bearer"
# ok: gate.hardcoded-secret
EMPTY_PASSWORD = ""
# ok: gate.hardcoded-secret
INVALID_PASSWORD = "Invalid user name or password"
# ok: gate.hardcoded-secret
password_from_env = os.environ["DB_PASSWORD"]


# Django settings
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        # ruleid: gate.hardcoded-secret
        "PASSWORD": "pg-secret-2024",
    }
}

SCHEMES = {
    # ok: gate.hardcoded-secret
    "apiKey": "apiKey",
    # ok: gate.hardcoded-secret
    "password": "********",
}


class SchemeType:
    # ok: gate.hardcoded-secret
    apiKey = "apiKey"


def login_response(token: str) -> dict:
    # ok: gate.hardcoded-secret
    return {"access_token": token, "token_type": "bearer"}
