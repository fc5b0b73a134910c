"""HTTP hygiene for every response: security headers, the CORS allow-list, rate limiting of logins."""

from __future__ import annotations

import math
import time

from fastapi import HTTPException, Request, status
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A JSON API loads nothing and is framed by nobody; HTML pages (the docs) set their own policy.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders:
    """ASGI middleware (not BaseHTTPMiddleware: no extra task per request) adding the headers every
    response needs, and `Cache-Control: no-store` where the request carried a credential."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A response to a request with a credential is personal: no shared or browser cache keeps it.
        private = "authorization" in Headers(scope=scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", API_CSP)
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LoginRateLimit:
    """Attempts per client address (a moving window, in memory: one process), as a dependency so it
    runs before the form is validated: a flood of malformed logins is throttled too."""

    def __init__(self, limit: str) -> None:
        self.item = parse(limit)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def __call__(self, request: Request) -> None:
        """Count the attempt; 429 with Retry-After when the address has used up its window."""
        address = request.client.host if request.client else "unknown"
        if self.limiter.hit(self.item, "login", address):
            return
        reset_at = self.limiter.get_window_stats(self.item, "login", address).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, detail="Too many login attempts",
                            headers={"Retry-After": str(retry_after)})


def login_rate_limit(request: Request) -> None:
    """The app's login limiter (configured at startup from BOOKSHELF_LOGIN_RATE_LIMIT)."""
    limiter: LoginRateLimit = request.app.state.login_limiter
    limiter(request)
