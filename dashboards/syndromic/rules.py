"""Which alarm proposes which front-end message: rules as data (``messages.yaml``).

Commissioners own the wording and the decision, so both live in a file they
can read, not in code: each rule maps syndromic indicators to the live flag the
IVR scripts branch on (``dv_surge``, ``flu_surge``, ``heat_alert``), the
message callers will hear, how long the flag stays up, and whether it may go
up without a human (``auto_apply``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dashboards.syndromic.errors import RulesError

SHIPPED = Path(__file__).resolve().parent / "messages.yaml"


class MessageRule(BaseModel):
    """One flag, the indicators that propose it, and the message it makes callers hear."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    flag: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    indicators: tuple[str, ...] = Field(min_length=1)
    message: str = Field(min_length=1)
    expires_after_h: float = Field(gt=0, le=24 * 14)
    auto_apply: bool = False

    @property
    def hold(self) -> timedelta:
        """How long an applied flag stays up (and an undecided proposal waits)."""
        return timedelta(hours=self.expires_after_h)


class MessageRules(BaseModel):
    """All rules; an indicator belongs to at most one, so an alarm proposes one flag."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[MessageRule, ...] = ()

    @model_validator(mode="after")
    def _one_rule_per_indicator(self) -> MessageRules:
        seen: dict[str, str] = {}
        for rule in self.rules:
            for indicator in rule.indicators:
                if indicator in seen:
                    raise ValueError(
                        f"indicator '{indicator}' is in rules '{seen[indicator]}' and '{rule.flag}'"
                    )
                seen[indicator] = rule.flag
        return self

    def for_indicator(self, indicator: str) -> MessageRule | None:
        """The rule an alarm on ``indicator`` follows, if any."""
        return next((rule for rule in self.rules if indicator in rule.indicators), None)

    @property
    def flags(self) -> frozenset[str]:
        return frozenset(rule.flag for rule in self.rules)


def load_rules(path: Path | None = None) -> MessageRules:
    """Read message rules from YAML (the shipped ``messages.yaml`` by default).

    Raises:
        RulesError: the file is missing, is not YAML, or breaks the schema.
    """
    source = path or SHIPPED
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        return MessageRules.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise RulesError(f"{source}: {exc}") from exc
