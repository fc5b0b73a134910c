"""The API's documentation: the OpenAPI document (errors as problem details) and the HTML pages, each
with a Content-Security-Policy that allows exactly what the page loads."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

# Swagger UI and ReDoc come from public CDNs (FastAPI's defaults); their inline scripts are allowed by
# hash, not with 'unsafe-inline'. Styles stay inline-able: both UIs set style attributes at run time.
_PAGE_CSP = (
    "default-src 'none'; script-src https://cdn.jsdelivr.net {scripts}; "
    "style-src https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


def with_csp(page: HTMLResponse) -> HTMLResponse:
    """The page with a CSP naming the hash of each of its inline scripts."""
    html = bytes(page.body).decode()
    digests = [
        base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        for script in _INLINE_SCRIPT.findall(html)
    ]
    page.headers["Content-Security-Policy"] = _PAGE_CSP.format(scripts=" ".join(f"'sha256-{d}'" for d in digests))
    return page


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI."""
    app: FastAPI = request.app
    return with_csp(get_swagger_ui_html(openapi_url=str(app.openapi_url), title=f"{app.title} - Swagger UI",
                                        oauth2_redirect_url="/docs/oauth2-redirect"))


@router.get("/docs/oauth2-redirect")
def swagger_ui_redirect() -> HTMLResponse:
    """Where the OAuth2 flows of Swagger UI return to."""
    return with_csp(get_swagger_ui_oauth2_redirect_html())


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """ReDoc."""
    app: FastAPI = request.app
    return with_csp(get_redoc_html(openapi_url=str(app.openapi_url), title=f"{app.title} - ReDoc"))


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's OpenAPI document, with every 4xx/5xx body under `application/problem+json` (RFC 9457),
    the media type the error handlers send."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes, tags=app.openapi_tags)
        for item in schema["paths"].values():
            for operation in item.values():
                for code, response in operation["responses"].items():
                    content = response.get("content", {})
                    if code[0] in "45" and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
        app.openapi_schema = schema
    return app.openapi_schema
