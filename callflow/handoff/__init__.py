"""The enriched handoff: a FHIR R4 message Bundle, delivered once through a durable outbox.

Pure parts (imported eagerly, no I/O): ``bundle`` (``HandoffFacts`` ->
Bundle) and ``signing`` (HMAC headers, ``verify``). The rest (``outbox``,
``services``, ``http``, ``wiring``) is imported on first use, so importing the
builder never pulls in aiohttp or SQL. ``docs/handoff.md`` is the providers'
integration guide.

Usage::

    handoffs = setup_handoff(app, db, settings)          # routes + worker with the app
    row = handoffs.row_for(facts)                         # facts: HandoffFacts
    await db.run(lambda s: write_record_and_handoff(s, record, row))
    handoffs.written()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from callflow.handoff.bundle import (
    Answer,
    BundleError,
    CarePlanFlag,
    HandoffFacts,
    Priority,
    ReasonCode,
    RepeatCaller,
    StatedDemographics,
    build_bundle,
    validate_bundle,
)
from callflow.handoff.leg import HANDOFF_SIP_HEADER, leg_variables
from callflow.handoff.signing import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    verify,
)

if TYPE_CHECKING:
    from callflow.handoff.models import HandoffOutbox, OutboxState
    from callflow.handoff.outbox import (
        OutboxStore,
        OutboxWorker,
        new_handoff_id,
        outbox_row,
        write_handoff,
        write_record_and_handoff,
    )
    from callflow.handoff.services import HandoffService
    from callflow.handoff.settings import HandoffConfig, HandoffSettings
    from callflow.handoff.wiring import setup_handoff

_LAZY = {
    "HandoffOutbox": "callflow.handoff.models",
    "OutboxState": "callflow.handoff.models",
    "OutboxStore": "callflow.handoff.outbox",
    "OutboxWorker": "callflow.handoff.outbox",
    "new_handoff_id": "callflow.handoff.outbox",
    "outbox_row": "callflow.handoff.outbox",
    "write_handoff": "callflow.handoff.outbox",
    "write_record_and_handoff": "callflow.handoff.outbox",
    "HandoffService": "callflow.handoff.services",
    "HandoffConfig": "callflow.handoff.settings",
    "HandoffSettings": "callflow.handoff.settings",
    "setup_handoff": "callflow.handoff.wiring",
}

__all__ = [
    "HANDOFF_SIP_HEADER",
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Answer",
    "BundleError",
    "CarePlanFlag",
    "HandoffConfig",
    "HandoffFacts",
    "HandoffOutbox",
    "HandoffService",
    "HandoffSettings",
    "OutboxState",
    "OutboxStore",
    "OutboxWorker",
    "Priority",
    "ReasonCode",
    "RepeatCaller",
    "SignatureError",
    "StatedDemographics",
    "build_bundle",
    "leg_variables",
    "new_handoff_id",
    "outbox_row",
    "setup_handoff",
    "validate_bundle",
    "verify",
    "write_handoff",
    "write_record_and_handoff",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
