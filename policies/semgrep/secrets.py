# Examples for secrets.yaml: lines marked ruleid must match, lines marked ok must not (semgrep --test).
import enum
import os


import decouple
import environ
import jwt
import psycopg2
from django.conf import settings
from pydantic import BaseModel, Field
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
# ok: gate.hardcoded-credentials-in-url
LOCAL_URL = os.environ.get("DATABASE_URL", "postgresql://postgres:postgres@localhost:5432/app")
# ok: gate.hardcoded-credentials-in-url
DOCUMENTED_URL = "postgresql://user:password@host:5432/dbname"
# ruleid: gate.hardcoded-credentials-in-url
BROKER_URL = "amqp://svc:Q2x9vLp7@rabbit.prod.internal:5672/"


def make_token(user_id: int) -> str:
    # ruleid: gate.hardcoded-jwt-key
    return jwt.encode({"sub": str(user_id)}, "my-jwt-secret", algorithm="HS256")


def read_token(token: str) -> dict:
    # ruleid: gate.hardcoded-jwt-key
    return jwt.decode(token, key="my-jwt-secret", algorithms=["HS256"])


def read_claims_unverified(token: str) -> dict:
    # ok: gate.hardcoded-jwt-key
    return jwt.decode(token, "", options={"verify_signature": False})


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
# ok: gate.hardcoded-secret-fallback
EMPTY_FALLBACK = os.environ.get("API_KEY", "")
# ruleid: gate.hardcoded-secret-fallback
DECOUPLE_KEY = decouple.config("SECRET_KEY", default="django-insecure-dev-key")
env = environ.Env()
# ruleid: gate.hardcoded-secret-fallback
ENVIRON_PASSWORD = env.str("DB_PASSWORD", default="postgres")
# ok: gate.hardcoded-secret-fallback
ENVIRON_REQUIRED = env("DB_PASSWORD")

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


# Real-code shapes that are not literal credentials, each with a twin that is.
def oauth_token_request(provider_data, tok, cfg):
    return {
        # ok: gate.hardcoded-secret
        "client_secret": provider_data["client_secret"],
        # ok: gate.hardcoded-secret
        "refresh_token": tok.refresh_token if cfg["REFRESH_IN_BODY"] else None,
    }


def oauth_token_request_literal(code):
    # ruleid: gate.hardcoded-secret
    return {"code": code, "client_secret": "9f8e7d6c5b4a3f2e1d0c"}


LOGIN_SCHEMA = {
    "type": "object",
    "properties": {
        # ok: gate.hardcoded-secret
        "password": {"type": "string", "format": "password"},
        # ok: gate.hardcoded-secret
        "api_key": {"type": "string"},
    },
}


def change_password_view():
    # ok: gate.hardcoded-secret
    return {"Password": "Updated."}


# ruleid: gate.hardcoded-secret
API_KEY = "sk_live_51HxYzAbCdEfGhIjKlMnOp"
# ok: gate.hardcoded-secret
PUBLIC_API_KEY_PLACEHOLDER = "<your-key>"
# ok: gate.hardcoded-secret
API_KEY_TEMPLATE = "${STRIPE_API_KEY}"
# ok: gate.hardcoded-secret
GITHUB_TOKEN = "xxxxxxxxxxxx"
# ok: gate.hardcoded-secret
REFRESH_TOKEN = "/auth/refresh"
# ok: gate.hardcoded-secret
API_KEY = "X-API-Key"
# ok: gate.hardcoded-secret
password_field = "password"
# ok: gate.hardcoded-secret
PASSWORD = "password"
# ok: gate.hardcoded-secret
SECRET = "client_secret"
# ok: gate.hardcoded-secret
TEST_PASSWORD = "correct-horse-battery"
# ok: gate.hardcoded-secret
settings_secret = settings.SECRET_KEY
# ok: gate.hardcoded-secret
env_password = os.environ.get("DB_PASSWORD")
# ruleid: gate.hardcoded-secret
ADMIN_PASSWORD = "changeme"


class GrantType(str, enum.Enum):
    # ok: gate.hardcoded-secret
    PASSWORD = "password_grant"
    # ok: gate.hardcoded-secret
    CLIENT_SECRET = "client_secret_basic"


class User:
    def __init__(self, password: str) -> None:
        # ok: gate.hardcoded-secret
        self.password = password

    def reset(self) -> None:
        # ruleid: gate.hardcoded-secret
        self.password = "Winter2024!"

    def revoke(self) -> None:
        # ok: gate.hardcoded-secret
        self.auth_token = "revoked"


class LoginRequest(BaseModel):
    password: str
    model_config = {
        # ok: gate.hardcoded-secret
        "json_schema_extra": {"examples": [{"username": "alice", "password": "s3cret-example"}]},
    }


class SignupRequest(BaseModel):
    # ok: gate.hardcoded-secret
    password: str = Field(..., examples=["hunter2-example"])


def send(client, url):
    # ruleid: gate.hardcoded-secret
    return client.post(url, auth_token="live-7c1a2b3d4e5f6a7b")
