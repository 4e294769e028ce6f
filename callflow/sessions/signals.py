"""Signals the service puts on a call's own event queue, beside ARI's events."""

from __future__ import annotations

from dataclasses import dataclass

from callflow.ari import LocalSignal


@dataclass(frozen=True, slots=True)
class QueueOffer(LocalSignal):
    """The dispatcher gave this call to ``provider``'s free clinician."""

    provider: str
