"""Handoff settings (``URGENTLINE_HANDOFF_*``), ready to merge into ``callflow.settings``.

Every field is named ``handoff_*`` with the service's ``URGENTLINE_`` prefix,
so merging is a copy of the fields into ``callflow.settings.Settings``; the
handoff package only reads them through ``HandoffConfig``, which both classes
satisfy.

Provider webhooks come from ``URGENTLINE_HANDOFF_WEBHOOKS`` (a JSON object,
provider id -> URL) and/or a YAML file (``URGENTLINE_HANDOFF_PROVIDERS_PATH``)::

    providers:
      dental: {url: "https://dental.example.nhs.uk/urgentline/handoffs"}
      crisis: {url: "https://crisis.example.nhs.uk/hooks/111"}

Entries of the environment variable win over the file's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEFAULT_SECRET = "change-me-in-production"


class HandoffConfig(Protocol):
    """What the handoff package reads from settings (``HandoffSettings`` or the merged
    ``callflow.settings.Settings``)."""

    @property
    def handoff_secret(self) -> SecretStr: ...
    @property
    def handoff_provider_secrets(self) -> dict[str, SecretStr]: ...
    @property
    def handoff_webhooks(self) -> dict[str, str]: ...
    @property
    def handoff_providers_path(self) -> str: ...
    @property
    def handoff_provider_accounts(self) -> dict[str, str]: ...
    @property
    def handoff_max_attempts(self) -> int: ...
    @property
    def handoff_backoff_base_s(self) -> float: ...
    @property
    def handoff_backoff_max_s(self) -> float: ...
    @property
    def handoff_timeout_s(self) -> float: ...
    @property
    def handoff_lease_s(self) -> float: ...
    @property
    def handoff_poll_s(self) -> float: ...
    @property
    def handoff_batch_size(self) -> int: ...
    @property
    def handoff_concurrency(self) -> int: ...
    @property
    def handoff_source_endpoint(self) -> str: ...
    @property
    def handoff_worker_enabled(self) -> bool: ...


class HandoffSettings(BaseSettings):
    """Delivery of handoffs to provider webhooks (outbox worker) and the pull API."""

    model_config = SettingsConfigDict(
        env_prefix="URGENTLINE_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,  # secrets must not reach the terminal with a typo
    )

    handoff_secret: SecretStr = Field(
        SecretStr(_DEFAULT_SECRET),
        description="HMAC-SHA256 key signing webhook deliveries (shared with providers)",
    )
    handoff_provider_secrets: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="JSON object provider id -> signing key, for providers with their own key",
    )
    handoff_webhooks: dict[str, str] = Field(
        default_factory=dict, description="JSON object provider id -> webhook URL (https://…)"
    )
    handoff_providers_path: str = Field(
        "", description="YAML file of providers' webhook URLs (providers: {id: {url: …}})"
    )
    handoff_provider_accounts: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "JSON object username -> provider id: which provider's handoffs a provider "
            "account may pull (default: the provider whose id is the username)"
        ),
    )
    handoff_max_attempts: int = Field(
        15, ge=1, le=1000, description="delivery attempts before a handoff is dead-lettered"
    )
    handoff_backoff_base_s: float = Field(
        2.0, gt=0, description="first retry delay, seconds; doubles per attempt, with jitter"
    )
    handoff_backoff_max_s: float = Field(
        900.0, gt=0, description="longest delay between two delivery attempts, seconds"
    )
    handoff_timeout_s: float = Field(
        10.0, gt=0, description="deadline of one webhook POST, seconds"
    )
    handoff_lease_s: float = Field(
        60.0,
        gt=0,
        description=(
            "how long a claimed handoff stays with its worker; a crashed worker's handoffs "
            "are retried after this (must be at least twice the timeout)"
        ),
    )
    handoff_poll_s: float = Field(
        1.0, gt=0, description="how often the outbox worker looks for due handoffs, seconds"
    )
    handoff_batch_size: int = Field(
        20, ge=1, le=1000, description="handoffs claimed per outbox query"
    )
    handoff_concurrency: int = Field(
        8, ge=1, le=256, description="webhook POSTs in flight per service instance"
    )
    handoff_source_endpoint: str = Field(
        "urn:urgentline:overlay",
        description="MessageHeader.source.endpoint of bundles (the sender's endpoint id)",
    )
    handoff_worker_enabled: bool = Field(
        True, description="run the outbox worker in this instance (the pull API always runs)"
    )

    @model_validator(mode="after")
    def _lease_outlives_a_post(self) -> HandoffSettings:
        check_timings(self)
        return self


def check_timings(config: HandoffConfig) -> None:
    """Reject timings under which two workers could hold one handoff at once.

    Raises:
        ValueError: the lease is shorter than twice the POST timeout, or the
            backoff cap is below its base.
    """
    if config.handoff_lease_s < 2 * config.handoff_timeout_s:
        raise ValueError("handoff_lease_s must be at least twice handoff_timeout_s")
    if config.handoff_backoff_max_s < config.handoff_backoff_base_s:
        raise ValueError("handoff_backoff_max_s must not be below handoff_backoff_base_s")


class _ProviderEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str


class _ProvidersFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    providers: dict[str, _ProviderEntry] = Field(default_factory=dict)


def webhook_map(config: HandoffConfig) -> dict[str, str]:
    """Provider id -> webhook URL, from the YAML file then the environment.

    Raises:
        ValueError: the YAML file does not have the documented shape.
        OSError: the file cannot be read.
    """
    urls: dict[str, str] = {}
    if config.handoff_providers_path:
        data = yaml.safe_load(Path(config.handoff_providers_path).read_text(encoding="utf-8"))
        parsed = _ProvidersFile.model_validate(data or {})
        urls.update({key: entry.url for key, entry in parsed.providers.items()})
    urls.update(config.handoff_webhooks)
    return urls


def secret_for(config: HandoffConfig, provider: str) -> bytes:
    """The signing key of ``provider``: its own if configured, else the shared one."""
    own = config.handoff_provider_secrets.get(provider)
    secret = own if own is not None else config.handoff_secret
    return secret.get_secret_value().encode()


def uses_default_secret(config: HandoffConfig) -> bool:
    return config.handoff_secret.get_secret_value() == _DEFAULT_SECRET
