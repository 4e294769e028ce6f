"""Threshold alerts on the IUC ADC figures: rules as data, a pure engine, SQL, channels.

Wiring (the composition root)::

    settings = AlertSettings()
    default = load_rules(settings.alert_rules_path or SHIPPED_RULES)
    rules_store = RuleStore(db, default)
    async with open_notifier(settings) as notifier:
        service = AlertService(db, AlertEngine((await rules_store.current()).rules), notifier, hub)
        await service.start()                       # restore open alerts from SQL
        setup_alerts(app, service, rules_store)     # /api/alerts, /api/alert-rules
        ...
        await service.tick(datetime.now(UTC), figures)  # after each event batch, every 0.25 s
"""

from dashboards.alerts.channels import (
    Channel,
    EmailChannel,
    Notice,
    SmsChannel,
    SmtpConfig,
    WebhookChannel,
    alert_json,
    sign,
)
from dashboards.alerts.engine import (
    AlertEngine,
    AlertKey,
    AlertState,
    FigureSource,
    Transition,
    TransitionKind,
)
from dashboards.alerts.errors import (
    AlertApiError,
    AlertNotRaised,
    DeliveryError,
    InvalidRules,
    NoSuchAlert,
    NotRaisedError,
    RulesError,
)
from dashboards.alerts.http import ALERT_RULES, ALERTS, setup_alerts
from dashboards.alerts.notifier import Notifier, RetryPolicy, open_notifier
from dashboards.alerts.rules import METRICS, SHIPPED_RULES, Rule, load_rules, parse_rules
from dashboards.alerts.services import AlertService
from dashboards.alerts.settings import AlertSettings
from dashboards.alerts.store import RuleSet, RuleStore

__all__ = [
    "ALERTS",
    "ALERT_RULES",
    "METRICS",
    "SHIPPED_RULES",
    "AlertApiError",
    "AlertEngine",
    "AlertKey",
    "AlertNotRaised",
    "AlertService",
    "AlertSettings",
    "AlertState",
    "Channel",
    "DeliveryError",
    "EmailChannel",
    "FigureSource",
    "InvalidRules",
    "NoSuchAlert",
    "NotRaisedError",
    "Notice",
    "Notifier",
    "RetryPolicy",
    "Rule",
    "RuleSet",
    "RuleStore",
    "RulesError",
    "SmsChannel",
    "SmtpConfig",
    "Transition",
    "TransitionKind",
    "WebhookChannel",
    "alert_json",
    "load_rules",
    "open_notifier",
    "parse_rules",
    "setup_alerts",
    "sign",
]
