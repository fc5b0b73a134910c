"""Error responses: one shape for every error (RFC 9457 problem details), useful to the client, never
leaking internals, always encodable."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.models import Problem, ValidationProblem

logger = logging.getLogger("bookshelf")

_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE")


class ProblemResponse(JSONResponse):
    """`application/problem+json`, with every non-ASCII character escaped so any Python text can be sent."""

    media_type = "application/problem+json"

    def render(self, content: Any) -> bytes:
        # JSONResponse encodes to UTF-8, which fails on lone surrogates ("\ud800" is valid JSON
        # input); escaped, they reach the client as the same JSON text they came in as.
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def problem(status_code: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> ProblemResponse:
    """A problem details response: type, title (the status phrase), status, detail and any extra members."""
    phrase = HTTPStatus(status_code).phrase if status_code in HTTPStatus._value2member_map_ else "Error"
    body = {"type": "about:blank", "title": phrase, "status": status_code,
            "detail": detail, **extra}
    return ProblemResponse(status_code=status_code, content=body, headers=headers)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """Log the failure with its traceback; tell the client only that it happened."""
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Internal server error")


async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
    """422 with what was wrong where; the client's own data is not echoed back."""
    # pydantic's `input` can be a whole (large) body; `url` points at pydantic's docs.
    errors = [{key: value for key, value in error.items() if key not in ("input", "url")}
              for error in exc.errors()]
    return problem(422, "The request is invalid", errors=jsonable_encoder(errors))


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """The HTTPException as a problem, with its headers, and a complete Allow header on 405."""
    headers = dict(exc.headers or {})
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        # Starlette names only the methods of the first route whose path matched (GET /books
        # and POST /books are two routes), but Allow must list every method of the resource.
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem(exc.status_code, str(exc.detail), headers)


def _allowed_methods(request: Request) -> list[str]:
    # Asks every route whether it would take the request with another method: only BaseRoute.matches,
    # which also sees into included routers (FastAPI keeps those as one route each).
    routes = request.app.router.routes
    return [method for method in _METHODS
            if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)]


def problems(**codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for error codes given as `_404="why"`: each a problem details body."""
    return {int(code[1:]): {"model": ValidationProblem if code == "_422" else Problem, "description": why}
            for code, why in codes.items()}


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(Exception, unexpected_error)
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
