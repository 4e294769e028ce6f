"""Fan-out of alert notices to their recipients, with retries that block no one.

``Notifier.notify(notice, recipients)`` returns at once: each recipient gets
its own task, which tries its channel up to ``max_attempts`` times, each
attempt under a deadline, with jittered exponential backoff between them. A
channel that fails (500s, refused port, slow SMTP) delays and fails only its
own deliveries. Outcomes are counted per channel (``stats``) and logged with
the alert id, the channel and a short code: never a recipient's address.

The notifier owns its tasks: ``drain()`` waits for them, ``aclose()`` cancels
and awaits what is left. ``open_notifier(settings)`` builds the channels from
``AlertSettings`` with one HTTP session, and closes both on exit.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from dashboards.alerts.channels import (
    Channel,
    EmailChannel,
    Notice,
    SmsChannel,
    SmtpConfig,
    WebhookChannel,
)
from dashboards.alerts.errors import DeliveryError
from dashboards.alerts.settings import DEFAULT_SECRET, AlertSettings

log = logging.getLogger(__name__)

DASHBOARD = "dashboard"
"""The in-process recipient: the service publishes to the Hub, the notifier skips it."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one recipient is tried: attempts, deadline, and backoff between attempts."""

    max_attempts: int = 4
    timeout_s: float = 5.0
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0

    def delay(self, failed_attempts: int) -> float:
        """Wait before the next attempt: base x 2^(n-1), capped, the upper half jittered."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2.0 ** (failed_attempts - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


class Notifier:
    """Delivers notices to webhook, email and SMS recipients (see the module docstring).

    Args:
        channels: one per scheme; a scheme with no channel is "unconfigured".
        policy: attempts, deadline and backoff.
        sleep: the backoff's sleep (tests pass a fast one).
    """

    def __init__(
        self,
        channels: Iterable[Channel],
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._channels = {channel.scheme: channel for channel in channels}
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.stats: Counter[tuple[str, str]] = Counter()
        """(scheme, outcome) -> count; outcomes: delivered, retried, failed, unconfigured."""

    def notify(self, notice: Notice, recipients: Sequence[str]) -> None:
        """Start delivering ``notice`` to each recipient that hears of its kind; returns at once."""
        if self._closed:
            raise RuntimeError("the notifier is closed")
        for recipient in recipients:
            scheme, _, target = recipient.partition(":")
            if scheme == DASHBOARD:
                continue
            channel = self._channels.get(scheme)
            if channel is None:
                self.stats[scheme, "unconfigured"] += 1
                log.error("alert %s: no %s channel is configured", notice.alert.id, scheme)
                continue
            if notice.kind not in channel.kinds:
                continue
            task = asyncio.create_task(self._deliver(channel, target, notice))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every delivery started so far has succeeded or given up."""
        while self._tasks:
            await asyncio.gather(*self._tasks)

    async def aclose(self) -> None:
        """Stop: cancel the deliveries still in progress and wait for them to end."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _deliver(self, channel: Channel, target: str, notice: Notice) -> None:
        policy = self._policy
        for attempt in range(1, policy.max_attempts + 1):
            try:
                async with asyncio.timeout(policy.timeout_s):
                    await channel.send(target, notice)
            except DeliveryError as exc:
                code = exc.code
            except TimeoutError:
                code = "timeout"
            except Exception as exc:  # a worker's loop: log, count, back off
                code = type(exc).__name__
            else:
                self.stats[channel.scheme, "delivered"] += 1
                return
            if attempt == policy.max_attempts:
                break
            self.stats[channel.scheme, "retried"] += 1
            log.warning(
                "alert %s %s: %s delivery failed (%s), attempt %d of %d",
                notice.alert.id,
                notice.kind.value,
                channel.scheme,
                code,
                attempt,
                policy.max_attempts,
            )
            await self._sleep(policy.delay(attempt))
        self.stats[channel.scheme, "failed"] += 1
        log.error(
            "alert %s %s: %s delivery given up after %d attempts (%s)",
            notice.alert.id,
            notice.kind.value,
            channel.scheme,
            policy.max_attempts,
            code,
        )


def notifier_for(settings: AlertSettings, http: aiohttp.ClientSession) -> Notifier:
    """A ``Notifier`` with the channels ``settings`` configure, over ``http`` (caller closes)."""
    if settings.alert_webhook_secret.get_secret_value() == DEFAULT_SECRET:
        log.warning("URGENTLINE_ALERT_WEBHOOK_SECRET is the default: set it before going live")
    channels: list[Channel] = [
        WebhookChannel(http, settings.alert_webhook_secret.get_secret_value().encode())
    ]
    if settings.alert_smtp_host:
        password = settings.alert_smtp_password.get_secret_value()
        smtp = SmtpConfig(
            host=settings.alert_smtp_host,
            port=settings.alert_smtp_port,
            sender=settings.alert_smtp_from,
            starttls=settings.alert_smtp_starttls,
            username=settings.alert_smtp_username or None,
            password=password or None,
        )
        channels.append(EmailChannel(smtp))
    if settings.alert_notify_base_url:
        channels.append(
            SmsChannel(
                http,
                settings.alert_notify_base_url,
                settings.alert_notify_api_key.get_secret_value(),
                settings.alert_notify_template_id,
            )
        )
    policy = RetryPolicy(
        max_attempts=settings.alert_max_attempts,
        timeout_s=settings.alert_timeout_s,
        backoff_base_s=settings.alert_backoff_base_s,
        backoff_max_s=settings.alert_backoff_max_s,
    )
    return Notifier(channels, policy)


@asynccontextmanager
async def open_notifier(settings: AlertSettings) -> AsyncIterator[Notifier]:
    """A ``Notifier`` with the channels ``settings`` configure; closed on exit.

    Usage::

        async with open_notifier(AlertSettings()) as notifier:
            service = AlertService(db, engine, notifier, hub)
    """
    timeout = aiohttp.ClientTimeout(total=settings.alert_timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        notifier = notifier_for(settings, http)
        try:
            yield notifier
        finally:
            await notifier.aclose()
