"""Waivers: accepted findings with a reason and an expiry date. Pure functions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from fnmatch import fnmatchcase

from gate.model import Finding, Waiver, WaiverState, WaiverUse


def is_expired(waiver: Waiver, today: dt.date) -> bool:
    """A waiver applies up to and including its expiry date."""
    return waiver.expires < today


def matches(waiver: Waiver, finding: Finding) -> bool:
    """Same check, rule id (glob), and path (glob) when the waiver names one.

    For API findings (docs, fuzz) the path glob matches the operation, e.g. "GET /items/*".
    """
    if waiver.check != finding.check or not fnmatchcase(finding.rule, waiver.rule):
        return False
    if waiver.path is None:
        return True
    places = [p for p in (finding.path, finding.operation) if p is not None]
    return any(fnmatchcase(place, waiver.path) for place in places)


def apply_waivers(
    findings: Sequence[Finding], waivers: Sequence[Waiver], today: dt.date
) -> tuple[tuple[Finding, ...], tuple[Finding, ...], list[int]]:
    """Split findings into (kept, waived); a waived finding carries the first waiver that applied to it.
    Also count, per waiver, the findings it matched (expired waivers included)."""
    kept: list[Finding] = []
    waived: list[Finding] = []
    counts = [0] * len(waivers)
    for finding in findings:
        applied: Waiver | None = None
        for index, waiver in enumerate(waivers):
            if matches(waiver, finding):
                counts[index] += 1
                if applied is None and not is_expired(waiver, today):
                    applied = waiver
        if applied is None:
            kept.append(finding)
        else:
            waived.append(dataclasses.replace(finding, waiver=applied))
    return tuple(kept), tuple(waived), counts


def waiver_uses(
    waivers: Sequence[Waiver], counts: Sequence[int], evaluated_checks: set[str], today: dt.date
) -> tuple[WaiverUse, ...]:
    """How each waiver fared: applied, expired (no longer applies), stale (matched nothing) or unchecked."""
    uses = []
    for waiver, count in zip(waivers, counts, strict=True):
        if is_expired(waiver, today):
            state = WaiverState.EXPIRED
        elif waiver.check not in evaluated_checks:
            state = WaiverState.UNCHECKED
        elif count == 0:
            state = WaiverState.STALE
        else:
            state = WaiverState.APPLIED
        uses.append(WaiverUse(waiver, state, count))
    return tuple(uses)
