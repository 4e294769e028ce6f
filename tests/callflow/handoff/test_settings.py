"""Handoff settings: environment, providers file, safe timings; and the bench smoke run."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from pydantic import ValidationError

from callflow.handoff.bench import run_handoff_bench
from callflow.handoff.settings import (
    HandoffConfig,
    HandoffSettings,
    secret_for,
    webhook_map,
)


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("URGENTLINE_HANDOFF_SECRET", "shared")
    monkeypatch.setenv("URGENTLINE_HANDOFF_PROVIDER_SECRETS", '{"crisis": "own"}')
    monkeypatch.setenv("URGENTLINE_HANDOFF_WEBHOOKS", '{"dental": "https://d.example/hook"}')
    monkeypatch.setenv("URGENTLINE_HANDOFF_MAX_ATTEMPTS", "7")
    settings = HandoffSettings(_env_file=None)
    assert settings.handoff_max_attempts == 7
    assert webhook_map(settings) == {"dental": "https://d.example/hook"}
    assert secret_for(settings, "crisis") == b"own"
    assert secret_for(settings, "dental") == b"shared"
    assert "shared" not in repr(settings)


def test_providers_file_and_environment_merge(tmp_path: Path) -> None:
    path = tmp_path / "providers.yaml"
    path.write_text(
        "providers:\n"
        "  dental: {url: 'https://file.example/dental'}\n"
        "  crisis: {url: 'https://file.example/crisis'}\n"
    )
    settings = HandoffSettings(
        _env_file=None,
        handoff_providers_path=str(path),
        handoff_webhooks={"dental": "https://env.example/dental"},
    )
    assert webhook_map(settings) == {
        "dental": "https://env.example/dental",
        "crisis": "https://file.example/crisis",
    }
    path.write_text("providers:\n  dental: {endpoint: 'x'}\n")
    with pytest.raises(ValidationError):
        webhook_map(settings)


def test_a_lease_shorter_than_two_timeouts_is_refused() -> None:
    with pytest.raises(ValidationError, match="twice"):
        HandoffSettings(_env_file=None, handoff_timeout_s=10, handoff_lease_s=15)
    with pytest.raises(ValidationError):
        HandoffSettings(_env_file=None, handoff_backoff_base_s=5, handoff_backoff_max_s=1)


def test_every_setting_is_ready_to_merge() -> None:
    """All fields are ``handoff_*`` and are exactly what ``HandoffConfig`` reads."""
    fields = set(HandoffSettings.model_fields)
    assert all(name.startswith("handoff_") for name in fields)
    wanted = {name for name, value in vars(HandoffConfig).items() if isinstance(value, property)}
    assert wanted == fields
    assert all(HandoffSettings.model_fields[f].description for f in fields)
    typing.get_type_hints(HandoffSettings)


async def test_bench_delivers_everything_once() -> None:
    result = await run_handoff_bench(handoffs=40, concurrency=4)
    assert result["handoffs"] == 40 and result["posts"] == 40
    assert result["duplicates"] == 0 and result["rejected_signatures"] == 0
    assert result["deliveries_per_s"] > 0 and result["bundle_builds_per_s"] > 0
