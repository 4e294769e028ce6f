"""One simulated Asterisk: configuration, spec, engine, apps, faults and the lab's logs.

The HTTP layers (``rest.py``, ``ws.py``, ``control.py``) all work on this one
object, stored on the aiohttp application under ``SIMULATION``.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from aiohttp import web

from sip_lab.ari.apps import AppRegistry
from sip_lab.ari.callers import Callers
from sip_lab.ari.config import SimConfig
from sip_lab.ari.engine import Engine
from sip_lab.ari.faults import Faults
from sip_lab.ari.spec import ApiSpec
from sip_lab.ari.types import JsonObject

REQUEST_LOG_SIZE = 1000


@dataclass(slots=True)
class Simulation:
    """Everything one simulator instance owns."""

    config: SimConfig
    user: str
    password: str
    spec: ApiSpec
    apps: AppRegistry
    engine: Engine
    callers: Callers
    faults: Faults = field(default_factory=Faults)
    requests: deque[JsonObject] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE))
    rest_counts: Counter[str] = field(default_factory=Counter)
    webhooks: dict[str, list[str]] = field(default_factory=dict)
    """Simulated providers' webhook inbox: provider -> idempotency keys received."""

    @classmethod
    def create(cls, config: SimConfig, user: str, password: str, spec: ApiSpec) -> Simulation:
        """Wire the parts together."""
        apps = AppRegistry(config.entity_id)
        engine = Engine(config, apps)
        return cls(
            config=config,
            user=user,
            password=password,
            spec=spec,
            apps=apps,
            engine=engine,
            callers=Callers(engine),
        )


SIMULATION = web.AppKey("sip_lab_simulation", Simulation)
