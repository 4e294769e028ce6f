"""Event builders for the metrics tests: calls at offsets (seconds) from ``T0``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callflow.events import Attribute, CallEvent, CallEventType

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
IVR_S = 20.0


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def event(call_id: str, kind: CallEventType, t: float, **attrs: Attribute) -> CallEvent:
    return CallEvent(call_id, kind, at(t), attrs)


def answered_call(
    call_id: str,
    arrive: float,
    wait_s: float,
    *,
    pathway: str = "default111",
    provider: str | None = None,
    end_after_s: float = 300.0,
) -> list[CallEvent]:
    """Arrive, IVR for ``IVR_S``, queue ``wait_s``, answered by ``provider`` (default: pathway)."""
    routed = arrive + IVR_S
    answered = routed + wait_s
    return [
        event(call_id, CallEventType.ARRIVED, arrive, repeat=False),
        event(call_id, CallEventType.ANSWERED, arrive + 1),
        event(call_id, CallEventType.ROUTING, routed, pathway=pathway, fallback=False),
        event(
            call_id,
            CallEventType.CONNECTED,
            answered,
            destination=provider or pathway,
            pathway=pathway,
            wait_s=wait_s,
            fallback=False,
        ),
        event(call_id, CallEventType.ENDED, answered + end_after_s, outcome="routed"),
    ]


def abandoned_call(
    call_id: str, arrive: float, wait_s: float, *, pathway: str = "default111"
) -> list[CallEvent]:
    """Arrive, IVR, queue ``wait_s``, hang up in the queue."""
    routed = arrive + IVR_S
    gone = routed + wait_s
    return [
        event(call_id, CallEventType.ARRIVED, arrive),
        event(call_id, CallEventType.ROUTING, routed, pathway=pathway, fallback=False),
        event(
            call_id, CallEventType.ABANDONED, gone, stage="queue", wait_s=wait_s, pathway=pathway
        ),
        event(call_id, CallEventType.ENDED, gone, outcome="abandoned"),
    ]


def ivr_hangup(call_id: str, arrive: float) -> list[CallEvent]:
    """Arrive and hang up during the IVR (received, not abandoned)."""
    return [
        event(call_id, CallEventType.ARRIVED, arrive),
        event(call_id, CallEventType.ABANDONED, arrive + 5, stage="ivr", wait_s=0, pathway=""),
        event(call_id, CallEventType.ENDED, arrive + 5, outcome="abandoned"),
    ]


def waiting_call(call_id: str, arrive: float, *, pathway: str = "default111") -> list[CallEvent]:
    """Arrive and join the queue; still waiting."""
    return [
        event(call_id, CallEventType.ARRIVED, arrive),
        event(call_id, CallEventType.ROUTING, arrive + IVR_S, pathway=pathway, fallback=False),
    ]
