"""Per-call facts, merged from CallEvents in any order and any number of times.

Theory of operation: the stream is read at least once (a restart re-reads
pending entries, and the recent past is re-read from the stream on start), so
one event may be applied twice and events may come late. A call's facts
therefore keep, for each event type that matters to the IUC ADC items, only the
*least* record of that type: a tuple that starts with the event time, so the
earliest event wins and exact ties are settled by the values themselves. The
minimum of a set does not depend on the order its members are seen in, nor on
how often each is seen, so the facts are a pure function of the *set* of events
applied, and every figure computed from them is too.

Attributes are read defensively (the producers may be older or newer than this
code): an unknown number becomes ``UNKNOWN`` (infinity, so records stay totally
ordered) and is replaced by a value derived from the timestamps when the
figures are computed (``row``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from callflow.events import Attribute, CallEvent, CallEventType

UNKNOWN = math.inf
"""A wait that the event did not carry (not NaN: NaN would break the ordering)."""

QUEUE_STAGE = "queue"
IVR_STAGE = "ivr"


class Mark(NamedTuple):
    """An event type whose time is all we need (arrived, ended, callbacks, fallback)."""

    at: float


class Routing(NamedTuple):
    """``call.routing``: the IVR is done, the call joins a pathway's queue."""

    at: float
    pathway: str
    fallback: bool


class Connection(NamedTuple):
    """``call.connected``: a provider's clinician answered (IUC ADC "answered")."""

    at: float
    destination: str
    pathway: str
    wait_s: float
    fallback: bool


class Abandonment(NamedTuple):
    """``call.abandoned``: the caller hung up before an answer."""

    at: float
    stage: str
    wait_s: float
    pathway: str


R = TypeVar("R", Mark, Routing, Connection, Abandonment)


def _least(current: R | None, new: R) -> R:
    return new if current is None or new < current else current


def _text(value: Attribute) -> str:
    return value if isinstance(value, str) else ""


def _flag(value: Attribute) -> bool:
    return value is True


def _seconds(value: Attribute) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return UNKNOWN
    return float(value) if math.isfinite(value) and value >= 0 else UNKNOWN


TRACKED = frozenset(
    {
        CallEventType.ARRIVED,
        CallEventType.ROUTING,
        CallEventType.CONNECTED,
        CallEventType.ABANDONED,
        CallEventType.ENDED,
        CallEventType.FALLBACK,
        CallEventType.CALLBACK_OFFERED,
        CallEventType.CALLBACK_MADE,
    }
)
"""The event types the metrics read; the others leave the facts untouched."""


@dataclass(slots=True)
class CallFacts:
    """What the metrics know about one call: the least record of each event type."""

    arrived: Mark | None = None
    routing: Routing | None = None
    connected: Connection | None = None
    abandoned: Abandonment | None = None
    ended: Mark | None = None
    fallback: Mark | None = None
    callback_offered: Mark | None = None
    callback_made: Mark | None = None

    def apply(self, event: CallEvent) -> bool:
        """Merge one event; ``True`` when the facts changed (never for a duplicate)."""
        at = event.at.timestamp()
        attrs = event.attributes
        before = self.records()
        match event.type:
            case CallEventType.ARRIVED:
                self.arrived = _least(self.arrived, Mark(at))
            case CallEventType.ROUTING:
                record = Routing(at, _text(attrs.get("pathway")), _flag(attrs.get("fallback")))
                self.routing = _least(self.routing, record)
            case CallEventType.CONNECTED:
                connection = Connection(
                    at,
                    _text(attrs.get("destination")),
                    _text(attrs.get("pathway")),
                    _seconds(attrs.get("wait_s")),
                    _flag(attrs.get("fallback")),
                )
                self.connected = _least(self.connected, connection)
            case CallEventType.ABANDONED:
                abandonment = Abandonment(
                    at,
                    _text(attrs.get("stage")),
                    _seconds(attrs.get("wait_s")),
                    _text(attrs.get("pathway")),
                )
                self.abandoned = _least(self.abandoned, abandonment)
            case CallEventType.ENDED:
                self.ended = _least(self.ended, Mark(at))
            case CallEventType.FALLBACK:
                self.fallback = _least(self.fallback, Mark(at))
            case CallEventType.CALLBACK_OFFERED:
                self.callback_offered = _least(self.callback_offered, Mark(at))
            case CallEventType.CALLBACK_MADE:
                self.callback_made = _least(self.callback_made, Mark(at))
            case _:
                return False
        return self.records() != before

    def records(self) -> tuple[Mark | Routing | Connection | Abandonment | None, ...]:
        """Every kept record (``None`` where no event of the type was seen)."""
        return (
            self.arrived,
            self.routing,
            self.connected,
            self.abandoned,
            self.ended,
            self.fallback,
            self.callback_offered,
            self.callback_made,
        )

    def last_seen(self) -> float:
        """The latest time among the kept records (``-inf`` for none)."""
        return max((r.at for r in self.records() if r is not None), default=-math.inf)


class CallRow(NamedTuple):
    """One call as the figures see it: times in epoch seconds, ``nan`` when unknown.

    Rules (``domain/nhs-111-facts.md`` §1.2, §1.3):

    * received (A01) = a ``call.arrived`` was seen; calls known only from later
      events cannot be placed in a window and count for nothing but the live queue;
    * routed through IVR (A02) = a ``call.routing`` was seen; the answer clock starts here;
    * answered (A03) = a ``call.connected`` was seen; ``wait_s`` is the event's own
      ``wait_s``, else connection time minus routing time (minus arrival if never routed);
    * abandoned (B02) = a ``call.abandoned`` at the queue stage of a call that was
      not answered; without a ``stage`` attribute the stage is ``queue`` for a
      routed call and ``ivr`` otherwise; without ``wait_s`` the wait is abandon
      time minus routing time;
    * done = the earliest of connected, abandoned and ended: from then on the call
      no longer waits;
    * pathway = the routing pathway, else the pathway named by the connection or
      the abandonment; provider = the connected destination, and only that.
    """

    arrived: float
    routed: float
    done: float
    pathway: str
    provider: str
    answered: bool
    wait_s: float
    abandoned: bool
    abandon_wait_s: float
    callback_offered: bool
    callback_made: bool
    fallback: bool


def _elapsed(start: float, end: float) -> float:
    """Seconds from ``start`` to ``end``: never negative (clock skew), ``nan`` if unknown."""
    return math.nan if math.isnan(start) else max(0.0, end - start)


def row(facts: CallFacts) -> CallRow:
    """Derive the figures' view of one call from its facts (see ``CallRow``)."""
    arrived = facts.arrived.at if facts.arrived else math.nan
    routing, connected, abandoned = facts.routing, facts.connected, facts.abandoned
    routed = routing.at if routing else math.nan
    clock_start = routed if routing else arrived
    wait = math.nan
    if connected is not None:
        wait = connected.wait_s
        if wait == UNKNOWN:
            wait = _elapsed(clock_start, connected.at)
    is_abandoned = False
    abandon_wait = 0.0
    if abandoned is not None and connected is None:
        stage = abandoned.stage or (QUEUE_STAGE if routing else IVR_STAGE)
        is_abandoned = stage == QUEUE_STAGE
        if is_abandoned:
            abandon_wait = abandoned.wait_s
            if abandon_wait == UNKNOWN:
                abandon_wait = _elapsed(routed, abandoned.at) if routing else 0.0
    ends = [r.at for r in (connected, abandoned, facts.ended) if r is not None]
    pathway = (
        (routing.pathway if routing else "")
        or (connected.pathway if connected else "")
        or (abandoned.pathway if abandoned else "")
    )
    return CallRow(
        arrived=arrived,
        routed=routed,
        done=min(ends) if ends else math.nan,
        pathway=pathway,
        provider=connected.destination if connected else "",
        answered=connected is not None,
        wait_s=wait,
        abandoned=is_abandoned,
        abandon_wait_s=abandon_wait,
        callback_offered=facts.callback_offered is not None,
        callback_made=facts.callback_made is not None,
        fallback=bool(
            facts.fallback is not None
            or (routing and routing.fallback)
            or (connected and connected.fallback)
        ),
    )
