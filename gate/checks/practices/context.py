"""What every probe family gets: the prober, the spec's operations, the settings, the chosen targets."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gate.checks.practices import spec as spec_helpers
from gate.checks.practices.probe import Prober
from gate.checks.practices.settings import Settings
from gate.live import openapi

# Operations that say nothing of the API's own answers (probes, metrics): the last choice of a baseline.
NO_BASELINE = "the spec has no GET operation gate can call without parameters"
_UTILITY = re.compile(r"(?i)/(health|ready|readyz|livez?|ping|status|metrics|version)\b")


@dataclass(frozen=True)
class Probing:
    prober: Prober
    spec: Mapping[str, Any]
    operations: list[openapi.Operation]
    settings: Settings
    login: openapi.Operation | None

    @property
    def baseline(self) -> openapi.Operation | None:
        """The ordinary GET the header and CORS probes look at: a protected one gate can call, else any
        but a health or metrics endpoint, else that."""
        candidates = [op for op in spec_helpers.plain_gets(self.operations) if self.callable(op)]
        protected = [op for op in candidates if spec_helpers.protected(self.spec, op)]
        ordinary = [op for op in candidates if not _UTILITY.search(op.path)]
        return next(iter(protected or ordinary or candidates), None)

    def callable(self, operation: openapi.Operation) -> bool:
        """Whether gate holds the credentials the operation asks for."""
        return self.prober.credentials_for(operation.method, operation.path) is not None

    def headers_for(self, operation: openapi.Operation) -> dict[str, str]:
        return self.prober.credentials_for(operation.method, operation.path) or dict(self.prober.service.headers)
