"""Builders of ARI event dicts shaped like Asterisk 22's (see asterisk-22-samples.json)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

SAMPLES_PATH = (
    Path(__file__).resolve().parents[3]
    / "sip_lab"
    / "ari"
    / "api-docs"
    / "asterisk-22-samples.json"
)
TS = "2026-11-24T06:15:22.137+0000"


@cache
def _samples() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLES_PATH.read_text())
    return data


def samples() -> dict[str, Any]:
    """A fresh deep copy of the captured samples (tests may mutate it)."""
    return copy.deepcopy(_samples())


def channel(channel_id: str, *, number: str = "+447700900123", state: str = "Up") -> dict[str, Any]:
    return {
        "id": channel_id,
        "name": f"PJSIP/sipp-{channel_id}",
        "state": state,
        "protocol_id": "1-8129@127.0.0.1",
        "caller": {"name": "Caller", "number": number},
        "connected": {"name": "", "number": ""},
        "accountcode": "",
        "dialplan": {
            "context": "urgentline-inbound",
            "exten": "111",
            "priority": 2,
            "app_name": "Stasis",
            "app_data": "urgentline,inbound",
        },
        "creationtime": TS,
        "language": "en",
    }


def bridge(bridge_id: str, channels: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": bridge_id,
        "technology": "simple_bridge",
        "bridge_type": "mixing",
        "bridge_class": "stasis",
        "creator": "Stasis",
        "name": bridge_id,
        "channels": channels or [],
        "creationtime": TS,
        "video_mode": "talker",
    }


def playback(playback_id: str, target: str, state: str = "playing") -> dict[str, Any]:
    return {
        "id": playback_id,
        "media_uri": "sound:hello-world",
        "target_uri": target,
        "language": "en",
        "state": state,
    }


def event(event_type: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": event_type,
        "timestamp": TS,
        "asterisk_id": "02:fc:00:00:00:01",
        "application": "urgentline",
        **fields,
    }


def stasis_start(channel_id: str, *args: str, replace: str | None = None) -> dict[str, Any]:
    data = event("StasisStart", args=list(args), channel=channel(channel_id, state="Ring"))
    if replace is not None:
        data["replace_channel"] = channel(replace)
    return data
