"""Destinations: the provider services a call can be routed to."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from callflow.routing.hours import OpeningHours

SHIPPED = Path(__file__).resolve().parent / "destinations.yaml"


class Destination(BaseModel):
    """A provider service: where it is dialled, which pathways it serves, how many clinicians."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    endpoint: str
    pathways: tuple[str, ...] = ()
    capacity: int = 10
    """Clinicians on duty unless the provider reports otherwise (availability API)."""
    hours: OpeningHours | None = None
    """When the service takes calls; always when absent."""


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
    timezone: str = "Europe/London"
    """The zone the providers' opening hours are written in."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone '{value}'") from exc
        return value

    @model_validator(mode="after")
    def _fallback_is_served(self) -> Destinations:
        if self.fallback not in self.pathways:
            raise ValueError(f"fallback pathway '{self.fallback}' is served by no destination")
        if not any(self.destinations[k].hours is None for k in self.providers_for(self.fallback)):
            # The fallback is where every failure goes: it must never be closed.
            raise ValueError(f"fallback pathway '{self.fallback}' needs a provider open 24/7")
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

    def is_open(self, key: str, at: datetime) -> bool:
        hours = self.destinations[key].hours
        return hours is None or hours.is_open(at, ZoneInfo(self.timezone))

    def open_providers_for(self, pathway: str, at: datetime) -> list[str]:
        """Destinations serving ``pathway`` and open at ``at``, in file order."""
        return [key for key in self.providers_for(pathway) if self.is_open(key, at)]

    @property
    def pathways(self) -> set[str]:
        return {p for key in self.destinations for p in self.serves(key)}


def load_destinations(path: str | Path | None = None) -> Destinations:
    data = yaml.safe_load(Path(path or SHIPPED).read_text(encoding="utf-8"))
    return Destinations.model_validate(data)
