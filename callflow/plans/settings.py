"""Care-plan settings (``URGENTLINE_PLAN_*``, ``URGENTLINE_WEBHOOK_SECRET``), ready to merge.

Merging is a copy of these fields into ``callflow.settings.Settings``. Until
then ``plan_settings(settings)`` reads them from the environment and lets any
field of the same name on the service's ``Settings`` win, so ``setup_plans``
works before and after the merge. The call lookup's deadline falls back to the
service-wide ``lookup_deadline_ms`` when ``plan_lookup_deadline_ms`` is unset.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DEADLINE_MS = 150


class PlanSettings(BaseSettings):
    """Care-plan lookup, imports and plan-available notifications."""

    model_config = SettingsConfigDict(
        env_prefix="URGENTLINE_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,  # secrets must not reach the terminal with a typo
    )

    plan_lookup_deadline_ms: int | None = Field(
        None,
        ge=1,
        description=(
            "deadline of the care-plan lookup on a call, ms; the call goes on without it "
            "(default: URGENTLINE_LOOKUP_DEADLINE_MS, else 150)"
        ),
    )
    plan_cache_ttl_s: int = Field(
        300, ge=1, description="how long a care-plan lookup stays in the Redis cache, seconds"
    )
    plan_notify_url: str | None = Field(
        None,
        description=(
            "webhook of the ambulance service / provider devices for plan-available "
            "notifications; none sent when unset"
        ),
    )
    webhook_secret: SecretStr | None = Field(
        None, description="HMAC-SHA256 key signing plan-available notifications (needs a URL)"
    )
    plan_view_base_url: str = Field(
        "http://127.0.0.1:8080",
        description="public base URL of this service, for the 'view the plan' link",
    )
    plan_notify_timeout_s: float = Field(
        5.0, gt=0, description="deadline of one plan-available webhook POST, seconds"
    )
    plan_notify_max_age_s: int = Field(
        86400,
        ge=60,
        description="retry a notification until acknowledged or this old (then dead-lettered), s",
    )
    plan_notify_backoff_cap_s: float = Field(
        300.0, gt=0, description="longest delay between two notification attempts, seconds"
    )
    plan_import_max_mb: int = Field(
        50, ge=1, description="largest body POST /api/careplans/import accepts, MiB"
    )

    @property
    def deadline_s(self) -> float:
        return (self.plan_lookup_deadline_ms or DEFAULT_DEADLINE_MS) / 1000


def plan_settings(settings: object | None = None) -> PlanSettings:
    """The care-plan settings: environment, overridden by same-named fields of ``settings``.

    Args:
        settings: the service's ``Settings`` (merged or not), a ``PlanSettings``, or ``None``.
    """
    if isinstance(settings, PlanSettings):
        return settings
    base = PlanSettings()
    overrides: dict[str, Any] = {}
    for name in PlanSettings.model_fields:
        if settings is not None and hasattr(settings, name):
            overrides[name] = getattr(settings, name)
    if overrides.get("plan_lookup_deadline_ms", base.plan_lookup_deadline_ms) is None:
        fallback = getattr(settings, "lookup_deadline_ms", None)
        if isinstance(fallback, int) and fallback > 0:
            overrides["plan_lookup_deadline_ms"] = fallback
    return base.model_copy(update=overrides) if overrides else base
