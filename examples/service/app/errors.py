"""Error responses: useful to the client, never leaking internals, always encodable."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

logger = logging.getLogger("bookshelf")


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped, so any Python text can be sent."""

    def render(self, content: Any) -> bytes:
        # JSONResponse encodes to UTF-8, which fails on lone surrogates ("\ud800" is valid JSON
        # input); escaped, they reach the client as the same JSON text they came in as.
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Log the failure with its traceback; tell the client only that it happened."""
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(status_code=500, content={"detail": "Internal server error"})


async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with what was wrong where; the client's own data is not echoed back."""
    # pydantic's `input` can be a whole (large) body; `url` points at pydantic's docs.
    errors = [{key: value for key, value in error.items() if key not in ("input", "url")}
              for error in exc.errors()]
    return AsciiJSONResponse(status_code=422, content={"detail": jsonable_encoder(errors)})


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """FastAPI's own error response, with a complete Allow header on 405."""
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        # Starlette names only the methods of the first route whose path matched (GET /books
        # and POST /books are two routes), but Allow must list every method of the resource.
        exc.headers = {**(exc.headers or {}), "Allow": ", ".join(_allowed_methods(request))}
    return await http_exception_handler(request, exc)


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(Exception, unexpected_error)
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
