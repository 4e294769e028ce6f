"""Syndromic surveillance: indicator counts per area, aberration detectors, proposed messages.

Wiring (the composition root)::

    monitor = SyndromicMonitor(db, rules=load_rules(), clock=clock,
                               raise_flag=..., on_alarm=...)
    setup_syndromic(app, monitor)
    # stream consumer: await monitor.handle(event) for every CallEvent
    # a periodic task:  await monitor.evaluate(clock())

Detectors (EARS C1/C2/C3, Poisson CUSUM, NSSP EWMA, Farrington Flexible) are
pure functions in :mod:`dashboards.syndromic.detectors`.
"""

from dashboards.syndromic.alarms import Alarm
from dashboards.syndromic.cells import Cell
from dashboards.syndromic.counts import CountStore
from dashboards.syndromic.errors import NoSuchProposal, ProposalNotOpen, RulesError
from dashboards.syndromic.http import MONITOR, setup_syndromic
from dashboards.syndromic.monitor import AUTO, OnAlarm, RaiseFlag, SyndromicMonitor
from dashboards.syndromic.rules import MessageRule, MessageRules, load_rules
from dashboards.syndromic.settings import SyndromicSettings

__all__ = [
    "AUTO",
    "MONITOR",
    "Alarm",
    "Cell",
    "CountStore",
    "MessageRule",
    "MessageRules",
    "NoSuchProposal",
    "OnAlarm",
    "ProposalNotOpen",
    "RaiseFlag",
    "RulesError",
    "SyndromicMonitor",
    "SyndromicSettings",
    "load_rules",
    "setup_syndromic",
]
