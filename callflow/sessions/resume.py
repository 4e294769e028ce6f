"""A promised call back that outlives the instance that made the promise.

When a caller accepts a call back, their line is released and only the queue
entry holds their place. If the owning instance then stops (deploy) or dies
(crash), whichever instance's dispatcher claims the entry must still ring them
back and hand over a complete record. So at acceptance the session stores, in
the entry itself, what a new session needs to carry on: the call's facts, the
script's decision (the handoff's answers and caller-stated details among it)
and the number to ring. It is patient data, so it lives only as long as the
queue entry (with an expiry), never in logs.

Care plans are looked up again on the new instance rather than copied.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callflow.ari import CallQueue
from callflow.routing.policy import PriorityClass, RepeatStatus
from callflow.routing.queues import Claim
from callflow.sessions import synthetic
from callflow.sessions.record import Outcome, utcnow
from ivr_scripts import Script, commands

if TYPE_CHECKING:
    from callflow.sessions.deps import SessionDeps
    from callflow.sessions.session import CallSession

VERSION = 1


def resume_state(session: CallSession) -> str:
    """What another instance needs to keep this call's promised call back (JSON)."""
    facts = session.facts
    decision = session.decision
    route = decision if isinstance(decision, commands.Route) else None
    state: dict[str, Any] = {
        "v": VERSION,
        "channel_id": facts.channel_id,
        "asterisk_id": facts.asterisk_id,
        "caller": facts.caller,
        "callback": session.callbacks.number,
        "script": facts.script,
        "script_version": facts.script_version,
        "arrived_at": facts.arrived_at.isoformat(),
        "answered_at": _iso(facts.answered_at),
        "routed_at": _iso(facts.routed_at),
        "menu_path": list(facts.menu_path),
        "captured": list(facts.captured),
        "fallback_reason": facts.fallback_reason,
        "chosen": session.chosen,
        "score": session.score,
        "classes": sorted(session.classes),
        "handoff_id": session.handoff_id,
        "repeat": {
            "identified": session.repeat.identified,
            "count": session.repeat.count,
            "repeat": session.repeat.repeat,
            "frequent": session.repeat.frequent,
        },
        "route": None
        if route is None
        else {
            "destination": route.destination,
            "priority_s": route.priority_s,
            "tags": list(route.tags),
            "answers": [list(a) for a in route.answers],
            "caller_data": [list(c) for c in route.caller_data],
            "pathway": route.pathway,
        },
    }
    return json.dumps(state, separators=(",", ":"))


def resumed_session(
    deps: SessionDeps, claim: Claim, script: Script, queue: CallQueue
) -> CallSession:
    """A session on this instance for ``claim``'s released caller (see the module docstring)."""
    from callflow.sessions.session import CallSession

    assert claim.resume is not None
    state = json.loads(claim.resume)
    start = synthetic.released_caller(deps.app, state["channel_id"], state["caller"])
    session = CallSession(
        deps, call_id=claim.call_id, start_event=start, script=script, queue=queue
    )
    facts = session.facts
    facts.asterisk_id = state["asterisk_id"]
    facts.script, facts.script_version = state["script"], state["script_version"]
    facts.arrived_at = datetime.fromisoformat(state["arrived_at"])
    facts.answered_at = _parse(state["answered_at"])
    facts.routed_at = _parse(state["routed_at"]) or utcnow()
    facts.menu_path = list(state["menu_path"])
    facts.captured = list(state["captured"])
    facts.fallback_reason = state["fallback_reason"]
    facts.outcome = Outcome.IN_PROGRESS
    session.channel_id = ""  # released: the call back makes the new line
    session.callbacks.number = state["callback"]
    session.callbacks.offer_made = True
    session.chosen = state["chosen"]
    session.score = float(state["score"])
    session.classes = {PriorityClass(c) for c in state["classes"]}
    session.handoff_id = state["handoff_id"]
    session.repeat = RepeatStatus(**state["repeat"])
    route = state["route"]
    if route is not None:
        session.decision = commands.Route(
            route["destination"],
            priority_s=route["priority_s"],
            tags=tuple(route["tags"]),
            answers=tuple((q, a) for q, a in route["answers"]),
            caller_data=tuple((n, v) for n, v in route["caller_data"]),
            pathway=route["pathway"],
        )
    waited = (utcnow() - facts.routed_at).total_seconds()
    session.queued_since = asyncio.get_running_loop().time() - max(0.0, waited)
    return session


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
