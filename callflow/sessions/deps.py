"""What a session is given: its collaborators and settings, built once by the service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from callflow.ari import AriClient, EventRouter
from callflow.flags import LiveFlags
from callflow.handoff.services import HandoffService
from callflow.metrics import ServiceMetrics
from callflow.notifier import CallEventPublisher
from callflow.plans.services import PlanService
from callflow.routing.book import DestinationBook
from callflow.routing.queues import QueueStore
from callflow.routing.repeat import RepeatCallers
from callflow.sessions.waiting import WaitingSettings
from callflow.storage import Database
from nlp.asr import SpeechEngine


@dataclass(frozen=True, slots=True)
class SessionDeps:
    """Everything a session talks to, injected by the manager."""

    ari: AriClient
    router: EventRouter
    app: str
    destinations: DestinationBook
    publisher: CallEventPublisher
    db: Database
    metrics: ServiceMetrics
    queues: QueueStore
    poke_dispatcher: Callable[[], None]
    plans: PlanService
    handoffs: HandoffService
    flags: LiveFlags
    asr: SpeechEngine
    repeat: RepeatCallers
    instance: str
    asr_timeout_s: float = 5.0
    dial_timeout_s: float = 30.0
    queue_max_wait_s: float = 600.0
    queue_overflow_expected_s: float = 0.0
    """Overflow to the fallback pathway when the expected wait is longer (0: never)."""
    expected_wait_check_s: float = 15.0
    callback_offer_after_s: float = 0.0
    callback_endpoint: str = "PJSIP/{number}@national111"
    callback_caller_id: str = '"NHS 111" <111>'
    callback_context: str = "urgentline-callback"
    """Dialplan context a call back is originated into (it runs ``Stasis()``)."""
    lookup_deadline_s: float = 0.15
    waiting: WaitingSettings = field(default_factory=WaitingSettings)
