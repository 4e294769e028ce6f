"""Destinations: the provider services a call can be routed to."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

SHIPPED = Path(__file__).resolve().parent / "destinations.yaml"


class Destination(BaseModel):
    """A provider service: where it is dialled, which pathways it serves, how many clinicians."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    endpoint: str
    pathways: tuple[str, ...] = ()
    capacity: int = 10
    """Clinicians on duty unless the provider reports otherwise (availability API)."""


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
    def _fallback_is_served(self) -> Destinations:
        if self.fallback not in self.pathways:
            raise ValueError(f"fallback pathway '{self.fallback}' is served by no destination")
        return self

    def get(self, key: str) -> Destination | None:
        return self.destinations.get(key)

    def serves(self, key: str) -> tuple[str, ...]:
        """The pathways destination ``key`` serves (its own name when none are listed)."""
        destination = self.destinations[key]
        return destination.pathways or (key,)

    def providers_for(self, pathway: str) -> list[str]:
        """Destinations serving ``pathway``, in file order (the direct-dial order)."""
        return [key for key in self.destinations if pathway in self.serves(key)]

    @property
    def pathways(self) -> set[str]:
        return {p for key in self.destinations for p in self.serves(key)}


def load_destinations(path: str | Path | None = None) -> Destinations:
    data = yaml.safe_load(Path(path or SHIPPED).read_text(encoding="utf-8"))
    return Destinations.model_validate(data)
