"""Service settings, read from ``URGENTLINE_*`` environment variables (and ``.env``).

Every field's description is what ``urgentline --help`` prints next to its variable,
so operators learn the configuration from the CLI rather than from the source.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of one urgentline instance; embedded defaults need no setup."""

    model_config = SettingsConfigDict(
        env_prefix="URGENTLINE_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,  # secrets must not reach the terminal with a typo
    )

    database_url: str = Field(
        "sqlite:///var/urgentline.db",
        description="SQLAlchemy URL; SQLite file by default, postgresql+psycopg://… in production",
    )
    redis_url: str | None = Field(
        None, description="redis://host:port/db; in-process fakeredis when unset"
    )
    redis_prefix: str = Field(
        "urgentline", description="prefix of every Redis key (tests give each run its own)"
    )
    ari_url: str = Field(
        "http://127.0.0.1:8088/ari", description="base URL of Asterisk's ARI (ends in /ari)"
    )
    ari_user: str = Field("urgentline", description="ARI user (ari.conf)")
    ari_password: SecretStr = Field(SecretStr("urgentline"), description="ARI password")
    ari_app: str = Field("urgentline", description="Stasis application name (one per instance)")
    ari_timeout_s: float = Field(5.0, description="deadline of every ARI REST request, seconds")
    http_host: str = Field("127.0.0.1", description="address the service's HTTP port binds")
    http_port: int = Field(8080, description="the service's HTTP port")
    migrate_on_start: bool = Field(
        True, description="apply database migrations when the service starts"
    )
    script_path: str = Field(
        "", description="routing script file; the shipped London front end when empty"
    )
    destinations_path: str = Field(
        "", description="destinations YAML; the shipped destinations when empty"
    )
    drain_timeout_s: float = Field(
        10.0,
        description="on shutdown, seconds calls may take to finish before the dialplan takes them",
    )
    instance: str = Field(
        "", description="this instance's name in the shared queue; the ARI app name when empty"
    )
    queue_max_wait_s: float = Field(
        600.0, description="seconds in a pathway's queue before the call overflows to the fallback"
    )
    queue_overflow_expected_s: float = Field(
        0.0,
        ge=0,
        description=(
            "overflow to the fallback pathway when the expected wait (from the queue's recent "
            "pace) is longer than this, seconds (0: only after URGENTLINE_QUEUE_MAX_WAIT_S)"
        ),
    )
    callback_offer_after_s: float = Field(
        120.0, description="seconds of waiting before a caller is offered a call back (0: never)"
    )
    callback_endpoint: str = Field(
        "PJSIP/{number}@national111",
        description="ARI endpoint that rings a caller back; {number} is their E.164 number",
    )
    callback_caller_id: str = Field(
        '"NHS 111" <111>',
        description="caller id a call back presents, so the caller knows who is ringing",
    )
    queue_announce_first_s: float = Field(
        30.0, description="seconds in the queue before a caller first hears their place"
    )
    queue_announce_every_s: float = Field(
        60.0,
        description="seconds between place / expected-wait announcements (0: never announce)",
    )
    queue_capture_after_s: float = Field(
        3.0, description="seconds in the queue before the caller is asked for their details"
    )
    queue_capture_fields: str = Field(
        "name,date_of_birth,postcode",
        description=(
            "details asked while queuing, unless the script captured them (comma-separated "
            "capture fields; empty: never ask)"
        ),
    )
    readback_below: float = Field(
        0.85,
        ge=0,
        le=1,
        description="details heard with less confidence are read back for a yes / no (1 / 2)",
    )

    @field_validator("queue_capture_fields")
    @classmethod
    def _known_capture_fields(cls, value: str) -> str:
        """A typo here would silently ask callers nothing: refuse it at start-up."""
        known = {"name", "date_of_birth", "postcode", "nhs_number", "callback_number", "reason"}
        unknown = {f.strip() for f in value.split(",") if f.strip()} - known
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}; known: {sorted(known)}")
        return value

    dashboards_enabled: bool = Field(
        True,
        description=(
            "run metrics, alerts, syndromic surveillance and the supervisors' pages here; "
            "safe on every instance (each change is announced once); off where calls only"
        ),
    )
    public_health_recipients: str = Field(
        "",
        description=(
            "where syndromic alarms are sent besides the dashboard, comma-separated "
            "(email:addr, webhook:https://…, sms:+44…)"
        ),
    )
    lookup_deadline_ms: int = Field(
        150, description="deadline of each lookup at call start (repeat callers, plans), ms"
    )
    asr_engine: str = Field(
        "lab",
        description=(
            "speech recogniser for capture nodes: lab (the simulator's transcripts), "
            "pocketsphinx, or http (URGENTLINE_ASR_URL)"
        ),
    )
    asr_url: str | None = Field(None, description="endpoint of the http speech recogniser")
    asr_timeout_s: float = Field(5.0, description="seconds a recogniser may take before skipping")
    dial_timeout_s: int = Field(30, description="seconds a destination may ring before fallback")
    cookie_secure: bool = Field(
        True,
        description=(
            "send session cookies with the Secure flag (HTTPS only; Chromium also keeps them "
            "on http://localhost); turn off only for plain HTTP on another host or in tests"
        ),
    )
    session_ttl_s: int = Field(
        8 * 3600, ge=60, description="lifetime of a browser session from sign-in, seconds"
    )
    secret_key: SecretStr = Field(
        SecretStr("change-me-in-production"),
        description="key for signing browser sessions and CSRF tokens",
    )
