"""gate's credentials inside schemathesis: loaded by schemathesis itself (SCHEMATHESIS_HOOKS names this file).

Each operation gets the credentials its `security` asks for (gate decided which, see
gate/checks/fuzz/auth.py) through a schemathesis auth provider. The provider is a caching one with
`retry_on=[401]`: when a request with gate's credentials is refused with 401, schemathesis drops the
cached credentials, asks `get()` again and replays the request once. `get()` then re-runs the
commands that produced the tokens (the `[service].auth` command, `command` credentials), a bounded
number of times, so a token revoked by a logout call or expired mid-run is renewed.

Its configuration, secrets included, comes in the GATE_FUZZ_AUTH environment variable (never argv or
a file); what it did (renewal counts, no secrets) goes to the GATE_FUZZ_AUTH_STATS file. Each renewed
secret is appended to a 0600 file outside --out before it is first sent, so that gate, which did not
see it, masks it in the artifacts and the report (gate reads and deletes that file after the run).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

import schemathesis

from gate.errors import CheckError
from gate.live.prepare import command_secret

# Renewal is driven by refusals, never by age: a token gate holds is used until it is refused.
NEVER_S = 10 * 365 * 24 * 3600
CONTAINERS = {"header": "headers", "query": "query", "cookie": "cookies"}


class _Renewer:
    """The current secrets, and the bounded re-running of the commands that produce them."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.credentials: dict[str, dict[str, Any]] = config["credentials"]
        self.operations: dict[str, list[str]] = config["operations"]
        self.max_renewals = int(config["max_renewals"])
        # The commands run as gate ran them before the fuzzing: schemathesis's environment without
        # gate's own variables for it (secrets among them), with the target's changes.
        removed = set(config["env_removed"])
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in removed and not k.startswith("GATE_FUZZ_") and k != "SCHEMATHESIS_HOOKS"
        }
        self.env.update(config["env_changes"])
        self.cwd = Path(config["cwd"])
        self.stats_path = Path(config["stats"])
        self.renewed_path = Path(config["renewed"])
        self.fetches = self.refusals = self.renewals = self.failures = 0
        self.limit_reached = False
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.write_stats()

    def current(self, case: Any, label: str) -> dict[str, str]:
        """The value of every credential. After the first call, each call answers a refused request
        (schemathesis dropped its cache): renew what that request carried if it is still current;
        a request built before the last renewal just gets today's values for its replay."""
        with self.lock:
            self.fetches += 1
            if self.fetches > 1:
                self.refusals += 1
                refused = [cid for cid in self.operations.get(label, []) if self._carries_current(case, cid)]
                self._renew(refused)
            self.write_stats()
            return {cid: self._value(cid) for cid in self.credentials}

    def _value(self, cid: str) -> str:
        credential = self.credentials[cid]
        return str(credential["template"]).replace("{token}", credential["secret"])

    def _carries_current(self, case: Any, cid: str) -> bool:
        credential = self.credentials[cid]
        container = getattr(case, CONTAINERS[credential["location"]], None)
        return isinstance(container, Mapping) and container.get(credential["param"]) == self._value(cid)

    def _renew(self, refused: list[str]) -> None:
        renewable = [cid for cid in refused if self.credentials[cid].get("command")]
        if not renewable:
            return
        if self.renewals + self.failures >= self.max_renewals:
            self.limit_reached = True
            return
        for cid in renewable:
            credential = self.credentials[cid]
            try:
                # The same rules as the first run of the command (one line, no carriage return).
                secret = command_secret(
                    str(credential["command"]),
                    float(credential["timeout_s"]),
                    self.cwd,
                    self.env,
                    f"renewing {cid}",
                )
            except CheckError as exc:
                # Keep the old secret: the refusals that follow are reported, the run goes on.
                self.failures += 1
                self.errors = [*self.errors, f"{cid}: {exc}"][-5:]
                continue
            try:
                self._record(secret, str(credential["template"]).replace("{token}", secret))
            except OSError as exc:
                # A token gate could not mask must never be sent: keep the old one.
                self.failures += 1
                self.errors = [*self.errors, f"{cid}: could not record the renewed token for masking: {exc}"][-5:]
                continue
            credential["secret"] = secret
            self.renewals += 1

    def _record(self, *values: str) -> None:
        """Append the values (one JSON string a line) for gate to mask; only this user can read them."""
        fd = os.open(self.renewed_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write("".join(json.dumps(value) + "\n" for value in values))

    def write_stats(self) -> None:
        tmp = self.stats_path.with_suffix(".tmp")
        stats = {
            "hooks_loaded": True,
            "refusals": self.refusals,
            "renewals": self.renewals,
            "renewal_failures": self.failures,
            "renewal_limit_reached": self.limit_reached,
            "renewal_errors": self.errors,
        }
        tmp.write_text(json.dumps(stats), encoding="utf-8")
        tmp.replace(self.stats_path)


def place(case: Any, credential: dict[str, Any], value: str) -> None:
    """Put one credential into the case's headers, query or cookies."""
    attr = CONTAINERS[credential["location"]]
    container = getattr(case, attr, None)
    # Negative-mode cases may hold a non-mapping there; a fresh dict then, as schemathesis does.
    if not isinstance(container, MutableMapping):
        container = {}
    container[credential["param"]] = value
    setattr(case, attr, container)


def _register(renewer: _Renewer) -> None:
    labels = [label for label, ids in renewer.operations.items() if ids]
    if not labels:
        return

    @schemathesis.auth(refresh_interval=NEVER_S, retry_on=[401]).apply_to(name=labels)
    class GateCredentials:
        def get(self, case: Any, ctx: Any) -> dict[str, str]:
            return renewer.current(case, ctx.operation.label)

        def set(self, case: Any, data: dict[str, str], ctx: Any) -> None:
            for cid in renewer.operations.get(ctx.operation.label, []):
                place(case, renewer.credentials[cid], data[cid])


if "GATE_FUZZ_AUTH" in os.environ:
    _register(_Renewer(json.loads(os.environ["GATE_FUZZ_AUTH"])))
