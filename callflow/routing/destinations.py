"""Destinations: the provider services a call can be routed to."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

SHIPPED = Path(__file__).resolve().parent / "destinations.yaml"


class Destination(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    endpoint: str


class DialplanTarget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    context: str
    extension: str
    priority: int = 1


class Destinations(BaseModel):
    """All destinations, the fallback among them, and the last-resort dialplan route."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fallback: str
    dialplan_fallback: DialplanTarget
    destinations: dict[str, Destination]

    @model_validator(mode="after")
    def _fallback_exists(self) -> Destinations:
        if self.fallback not in self.destinations:
            raise ValueError(f"fallback '{self.fallback}' is not a destination")
        return self

    def get(self, key: str) -> Destination | None:
        return self.destinations.get(key)


def load_destinations(path: str | Path | None = None) -> Destinations:
    data = yaml.safe_load(Path(path or SHIPPED).read_text(encoding="utf-8"))
    return Destinations.model_validate(data)
