"""Print an access token for the librarian: gate's credential command (see gate.toml).

Logs in at $GATE_BASE_URL/token with $BOOKSHELF_LIBRARIAN_PASSWORD. Logins are rate limited, so a 429
is waited out as its Retry-After says, a few times at most.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ATTEMPTS = 4
MAX_WAIT_S = 65.0


def main() -> int:
    """Log in and print the token; exit 1 with the reason on stderr when that fails."""
    base = os.environ.get("GATE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    if not base.startswith(("http://", "https://")):
        print(f"token.py: GATE_BASE_URL must be an http(s) URL, not {base!r}", file=sys.stderr)
        return 1
    password = os.environ.get("BOOKSHELF_LIBRARIAN_PASSWORD")
    if not password:
        print("token.py: BOOKSHELF_LIBRARIAN_PASSWORD is not set", file=sys.stderr)
        return 1
    form = urllib.parse.urlencode({"username": "librarian", "password": password}).encode()
    for _ in range(ATTEMPTS):
        request = urllib.request.Request(f"{base}/token", data=form, method="POST")  # noqa: S310 (http(s) only)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (gate's own base URL)
                print(json.load(response)["access_token"])
                return 0
        except urllib.error.HTTPError as error:
            if error.code != 429:
                print(f"token.py: POST {base}/token answered {error.code}", file=sys.stderr)
                return 1
            time.sleep(min(float(error.headers.get("Retry-After") or 1), MAX_WAIT_S))
    print(f"token.py: POST {base}/token was still rate limited after {ATTEMPTS} attempts", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
