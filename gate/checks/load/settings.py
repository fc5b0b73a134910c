"""The [load] section of gate.toml: the load, the scenario's operations, and where locust runs."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gate.sections import SectionModel, check_target_paths

_OPERATION_GLOB = re.compile(r"^\S+ [/*]\S*$")


class Settings(SectionModel):
    """Validated [load] settings; see README's load section for what each key means."""

    locustfile: str | None = None  # the target's own scenario, relative to the target
    users: int = Field(default=10, ge=1, le=1000)
    spawn_rate: float = Field(default=10.0, gt=0)
    duration_s: int = Field(default=12, ge=2, le=3600)  # locust's --run-time takes whole seconds
    warmup_s: float = Field(default=2.0, ge=0)
    think_time_s: float = Field(default=0.1, ge=0)  # generated scenario: mean pause between requests
    rps: float | None = Field(default=None, gt=0, le=100_000)  # open model: target arrival rate
    request_timeout_s: float = Field(default=10.0, gt=0)
    timeout_s: float = Field(default=300.0, gt=0)
    include: list[str] = Field(default_factory=list)  # "METHOD /path" globs: only these (even if unsafe-looking)
    exclude: list[str] = Field(default_factory=list)  # "METHOD /path" globs never called
    weights: dict[str, int] = Field(default_factory=dict)  # "METHOD /path" glob -> relative frequency
    probe_budget_s: float = Field(default=60.0, gt=0)  # all probes together, before the timed run
    processes: int | Literal["auto"] | None = None  # locust --processes: workers on this machine
    workers: Literal["external"] | None = None  # a master waiting for workers started by hand
    expect_workers: int = Field(default=1, ge=1, le=256)  # with workers = "external"
    master_port: int = Field(default=5557, ge=1024, le=65535)  # with workers = "external"
    workers_wait_s: float = Field(default=120.0, gt=0)  # how long the master waits for them

    @field_validator("locustfile")
    @classmethod
    def _locustfile_in_target(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            check_target_paths([value], info)
        return value

    @field_validator("include", "exclude")
    @classmethod
    def _globs(cls, value: list[str]) -> list[str]:
        for glob in value:
            _check_glob(glob)
        return value

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, int]) -> dict[str, int]:
        for glob, weight in value.items():
            _check_glob(glob)
            if not 1 <= weight <= 1000:
                raise ValueError(f"weight of {glob!r} must be a whole number from 1 to 1000, got {weight}")
        return value

    @field_validator("processes")
    @classmethod
    def _processes(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and not 1 <= value <= 64:
            raise ValueError('processes must be a number from 1 to 64, or "auto" (one per CPU)')
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.warmup_s >= self.duration_s:
            raise ValueError("warmup_s must be shorter than duration_s, or nothing is measured")
        if self.timeout_s <= self.duration_s + self.request_timeout_s:
            raise ValueError("timeout_s must be longer than duration_s + request_timeout_s")
        if self.locustfile is not None and ("," in self.locustfile or not self.locustfile.endswith(".py")):
            raise ValueError("locustfile must be one .py file (without commas in its path)")
        if self.locustfile is not None and (self.include or self.exclude or self.weights or self.rps):
            raise ValueError(
                "include, exclude, weights and rps shape gate's generated scenario; "
                "a target locustfile decides these itself"
            )
        if self.processes is not None and self.workers is not None:
            raise ValueError('set processes (workers on this machine) or workers = "external", not both')
        return self


def _check_glob(glob: str) -> None:
    if not _OPERATION_GLOB.match(glob):
        raise ValueError(
            f'{glob!r} is not an operation glob; expected "METHOD /path" such as "GET /admin/*" or "* /books/{{id}}"'
        )
