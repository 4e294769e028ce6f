"""Notification channels: signed webhook, email (SMTP) and SMS (a Notify-style API).

Each channel delivers one ``Notice`` to one target and either returns or
raises ``DeliveryError`` with a short code (``http-500``, ``connect-error``,
``smtp-error``): the ``Notifier`` owns deadlines, retries and counting. The
dashboard is not a channel here: the service publishes to the in-process
``Hub`` itself, which cannot fail.

What goes out is the alert as a supervisor sees it (rule, scope, figure,
threshold, times): codes and numbers only, so no channel can carry patient data.
People are paged (email, SMS) when an alert is raised, acknowledged or cleared;
webhooks, read by machines, also get every "updated" figure.

Webhook signatures match the handoff webhooks', so a provider verifies both the
same way: ``v1=`` + hex HMAC-SHA256 over ``timestamp + "." + body``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol

import aiohttp
import aiosmtplib

from dashboards.alerts.engine import TransitionKind
from dashboards.alerts.errors import DeliveryError
from dashboards.views import AlertView

TIMESTAMP_HEADER = "X-Urgentline-Timestamp"
SIGNATURE_HEADER = "X-Urgentline-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"

EVERY_KIND = frozenset(TransitionKind)
PAGING_KINDS = frozenset(
    {TransitionKind.RAISED, TransitionKind.ACKNOWLEDGED, TransitionKind.CLEARED}
)


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The ``X-Urgentline-Signature`` value for ``body`` sent at ``timestamp``."""
    message = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret, message, hashlib.sha256).hexdigest()


def alert_json(view: AlertView) -> dict[str, Any]:
    """An ``AlertView`` as JSON-able values (times in ISO 8601)."""
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in asdict(view).items()
    }


@dataclass(frozen=True, slots=True)
class Notice:
    """One transition of one alert, as the channels deliver it."""

    kind: TransitionKind
    alert: AlertView
    transition_id: int

    def as_json(self) -> dict[str, Any]:
        return {
            "event": f"alert.{self.kind.value}",
            "transition_id": self.transition_id,
            "alert": alert_json(self.alert),
        }

    def summary(self) -> str:
        """One line for a subject or a text message."""
        alert = self.alert
        return (
            f"{self.kind.value.upper()} [{alert.severity}] {alert.title}: "
            f"{alert.scope_kind} {alert.scope} "
            f"{format_value(alert.metric, alert.value)} "
            f"(threshold {format_value(alert.metric, alert.threshold)})"
        )


def format_value(metric: str, value: float | None) -> str:
    """A figure as people read it: rates in per cent, times in seconds."""
    if value is None:
        return "n/a"
    if metric.endswith("_rate"):
        return f"{value * 100:.1f} %"
    if metric.endswith("_s"):
        return f"{value:.0f} s"
    return f"{value:g}"


class Channel(Protocol):
    """Delivers notices to targets of one scheme (``webhook``, ``email``, ``sms``)."""

    @property
    def scheme(self) -> str: ...

    @property
    def kinds(self) -> frozenset[TransitionKind]:
        """The transitions this channel's recipients hear about."""
        ...

    async def send(self, target: str, notice: Notice) -> None:
        """Deliver once.

        Raises:
            DeliveryError: not delivered; the code says why.
        """
        ...


async def _post_json(
    http: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]
) -> None:
    """POST and expect a 2xx; aiohttp's errors become ``DeliveryError`` codes."""
    try:
        async with http.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", **headers},
            allow_redirects=False,
        ) as response:
            if not 200 <= response.status < 300:
                raise DeliveryError(f"http-{response.status}")
    except aiohttp.ClientConnectionError as exc:
        raise DeliveryError("connect-error") from exc
    except aiohttp.ClientError as exc:
        raise DeliveryError("client-error") from exc


class WebhookChannel:
    """POSTs the notice as JSON, signed; the idempotency key is the transition's id."""

    scheme = "webhook"
    kinds = EVERY_KIND

    def __init__(
        self,
        http: aiohttp.ClientSession,
        secret: bytes,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self._secret = secret
        self._clock = clock

    async def send(self, target: str, notice: Notice) -> None:
        body = json.dumps(notice.as_json(), separators=(",", ":"), sort_keys=True).encode()
        timestamp = int(self._clock())
        headers = {
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
            IDEMPOTENCY_HEADER: f"alert-transition-{notice.transition_id}",
        }
        await _post_json(self._http, target, body, headers)


class SmsChannel:
    """Texts through a GOV.UK Notify-style API: ``POST <base>/v2/notifications/sms``.

    The body is ``{"phone_number", "template_id", "personalisation", "reference"}``
    with a bearer API key; the template lays out the personalisation fields.
    """

    scheme = "sms"
    kinds = PAGING_KINDS

    def __init__(
        self, http: aiohttp.ClientSession, base_url: str, api_key: str, template_id: str
    ) -> None:
        self._http = http
        self._url = base_url.rstrip("/") + "/v2/notifications/sms"
        self._api_key = api_key
        self._template_id = template_id

    async def send(self, target: str, notice: Notice) -> None:
        alert = notice.alert
        payload = {
            "phone_number": target,
            "template_id": self._template_id,
            "personalisation": {
                "kind": notice.kind.value,
                "title": alert.title,
                "severity": alert.severity,
                "scope": f"{alert.scope_kind} {alert.scope}",
                "value": format_value(alert.metric, alert.value),
                "threshold": format_value(alert.metric, alert.threshold),
                "summary": notice.summary(),
            },
            "reference": f"alert-transition-{notice.transition_id}",
        }
        body = json.dumps(payload).encode()
        await _post_json(self._http, self._url, body, {"Authorization": f"Bearer {self._api_key}"})


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None


class EmailChannel:
    """A plain-text email per notice, through one SMTP server."""

    scheme = "email"
    kinds = PAGING_KINDS

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config

    async def send(self, target: str, notice: Notice) -> None:
        config = self._config
        alert = notice.alert
        message = EmailMessage()
        message["From"] = config.sender
        message["To"] = target
        message["Subject"] = f"[urgentline] {notice.summary()}"
        message.set_content(
            "\n".join(
                [
                    notice.summary(),
                    "",
                    f"Alert:     {alert.id} (rule {alert.rule})",
                    f"State:     {alert.state}",
                    f"Scope:     {alert.scope_kind} {alert.scope}",
                    f"Figure:    {alert.metric} = {format_value(alert.metric, alert.value)}",
                    f"Threshold: {format_value(alert.metric, alert.threshold)}",
                    f"Raised at: {alert.raised_at.isoformat()}",
                    f"Updated:   {alert.updated_at.isoformat()}",
                ]
            )
            + "\n"
        )
        try:
            await aiosmtplib.send(
                message,
                hostname=config.host,
                port=config.port,
                start_tls=config.starttls,
                username=config.username,
                password=config.password,
            )
        except aiosmtplib.SMTPConnectError as exc:
            raise DeliveryError("connect-error") from exc
        except aiosmtplib.SMTPException as exc:
            raise DeliveryError("smtp-error") from exc
        except OSError as exc:
            raise DeliveryError("connect-error") from exc
