"""Alert settings (``URGENTLINE_ALERT_*``): where the channels deliver, and how hard they try.

A channel without its settings (no SMTP host, no Notify base URL) is off: a
rule that names it gets its notices counted as failed ("unconfigured") and
logged, and every other recipient still gets theirs.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-in-production"


class AlertSettings(BaseSettings):
    """Notification channels of threshold alerts, and their retry policy."""

    model_config = SettingsConfigDict(
        env_prefix="URGENTLINE_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,  # secrets must not reach the terminal with a typo
    )

    alert_rules_path: str = Field(
        "",
        description=(
            "YAML file of alert rules used until an admin saves a set (PUT /api/alert-rules); "
            "the shipped national-standard rules when empty"
        ),
    )
    alert_webhook_secret: SecretStr = Field(
        SecretStr(DEFAULT_SECRET),
        description="HMAC-SHA256 key signing alert webhooks (X-Urgentline-Signature)",
    )
    alert_smtp_host: str = Field("", description="SMTP server for email: recipients (off if empty)")
    alert_smtp_port: int = Field(25, ge=1, le=65535, description="SMTP port")
    alert_smtp_from: str = Field(
        "urgentline-alerts@localhost", description="From address of alert emails"
    )
    alert_smtp_starttls: bool = Field(False, description="upgrade SMTP with STARTTLS")
    alert_smtp_username: str = Field("", description="SMTP user (no login if empty)")
    alert_smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password")
    alert_notify_base_url: str = Field(
        "",
        description=(
            "base URL of the GOV.UK Notify-style SMS API for sms: recipients (off if empty); "
            "texts are POSTed to <base>/v2/notifications/sms"
        ),
    )
    alert_notify_api_key: SecretStr = Field(
        SecretStr(""), description="bearer API key of the SMS API"
    )
    alert_notify_template_id: str = Field(
        "", description="SMS template id; personalisation: kind, title, severity, scope, …"
    )
    alert_timeout_s: float = Field(
        5.0, gt=0, description="deadline of one delivery attempt (webhook, email, SMS), seconds"
    )
    alert_max_attempts: int = Field(
        4, ge=1, le=20, description="delivery attempts per recipient before a notice is dropped"
    )
    alert_backoff_base_s: float = Field(
        1.0, gt=0, description="first retry delay, seconds; doubles per attempt, with jitter"
    )
    alert_backoff_max_s: float = Field(
        30.0, gt=0, description="longest delay between two attempts, seconds"
    )

    @model_validator(mode="after")
    def _backoff_cap_above_base(self) -> AlertSettings:
        if self.alert_backoff_max_s < self.alert_backoff_base_s:
            raise ValueError("alert_backoff_max_s must not be below alert_backoff_base_s")
        return self
