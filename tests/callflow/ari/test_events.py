"""Event parsing: every captured Asterisk 22 event parses; unknown types never raise."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from callflow.ari import (
    EVENT_TYPES,
    Application,
    ApplicationReplaced,
    AriEventError,
    AriProtocolError,
    Bridge,
    Channel,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelHangupRequest,
    LiveRecording,
    Playback,
    PlaybackStarted,
    RecordingFailed,
    RecordingFinished,
    StasisStart,
    UnknownEvent,
    Variable,
    parse_event,
    parse_event_text,
)

from .factories import channel, event, samples, stasis_start

SAMPLES = samples()
SAMPLE_EVENTS: list[tuple[str, dict[str, Any]]] = [
    (f"by_type/{t}/{i}", e) for t, es in SAMPLES["by_type"].items() for i, e in enumerate(es)
] + [(f"flows/{f}/{i}", e) for f, es in SAMPLES["flows"].items() for i, e in enumerate(es)]


def test_samples_file_has_events() -> None:
    assert len(SAMPLE_EVENTS) > 100
    assert {"StasisStart", "PlaybackFinished", "ChannelDestroyed"} <= set(SAMPLES["by_type"])


@pytest.mark.parametrize(("where", "data"), SAMPLE_EVENTS, ids=[w for w, _ in SAMPLE_EVENTS])
def test_every_captured_event_parses_to_its_type(where: str, data: dict[str, Any]) -> None:
    parsed = parse_event(data)

    expected = EVENT_TYPES.get(data["type"], UnknownEvent)
    assert type(parsed) is expected
    assert parsed.type == data["type"]
    assert parsed.application == "uc111"
    assert parsed.asterisk_id == "02:fc:00:00:00:01"
    assert isinstance(parsed.timestamp, datetime)
    assert parsed.timestamp.utcoffset() is not None


def test_captured_types_we_model_are_not_unknown() -> None:
    modelled = {"StasisStart", "StasisEnd", "ChannelStateChange", "ChannelDtmfReceived"}
    modelled |= {"ChannelHangupRequest", "ChannelDestroyed", "PlaybackStarted"}
    modelled |= {"PlaybackFinished", "ChannelEnteredBridge", "ChannelLeftBridge"}
    modelled |= {"BridgeDestroyed", "Dial", "ChannelVarset"}
    assert modelled <= set(EVENT_TYPES)
    unknown = {t for t in SAMPLES["by_type"] if t not in EVENT_TYPES}
    assert unknown == {"ChannelCallerId", "ChannelConnectedLine", "ChannelDialplan"}


def test_stasis_start_fields() -> None:
    parsed = parse_event(SAMPLES["by_type"]["StasisStart"][0])

    assert isinstance(parsed, StasisStart)
    assert parsed.args == ["inbound"]
    assert parsed.replace_channel is None
    assert parsed.channel.state == "Ring"
    assert parsed.channel.dialplan.app_name == "Stasis"
    assert parsed.channel.in_stasis_app("uc111")
    assert not parsed.channel.in_stasis_app("uc11")
    assert parsed.timestamp == datetime(2026, 11, 24, 6, 15, 22, 137000, tzinfo=UTC)
    # Extra keys (the capture's "_flow") are kept, not rejected.
    assert parsed.model_extra == {"_flow": "sip_inbound_app_answers_plays_then_hangs_up_on_dtmf"}


def test_stasis_start_with_replace_channel() -> None:
    parsed = parse_event(stasis_start("new.2", "transfer", replace="old.1"))

    assert isinstance(parsed, StasisStart)
    assert parsed.replace_channel is not None
    assert parsed.replace_channel.id == "old.1"


def test_dtmf_fields() -> None:
    parsed = parse_event(SAMPLES["by_type"]["ChannelDtmfReceived"][0])

    assert isinstance(parsed, ChannelDtmfReceived)
    assert (parsed.digit, parsed.duration_ms) == ("1", 280)


def test_hangup_request_without_cause_from_caller_bye() -> None:
    flow = SAMPLES["flows"]["sip_inbound_caller_hangs_up_bye"]
    (data,) = [e for e in flow if e["type"] == "ChannelHangupRequest"]

    parsed = parse_event(data)

    assert isinstance(parsed, ChannelHangupRequest)
    assert parsed.cause is None
    assert parsed.soft is None


def test_hangup_request_after_our_delete_has_soft_flag() -> None:
    parsed = parse_event(SAMPLES["by_type"]["ChannelHangupRequest"][0])

    assert isinstance(parsed, ChannelHangupRequest)
    assert (parsed.cause, parsed.soft) == (32, True)


def test_channel_destroyed_has_q850_cause() -> None:
    parsed = parse_event(SAMPLES["by_type"]["ChannelDestroyed"][0])

    assert isinstance(parsed, ChannelDestroyed)
    assert (parsed.cause, parsed.cause_txt) == (16, "Normal Clearing")


def test_playback_target() -> None:
    parsed = parse_event(SAMPLES["by_type"]["PlaybackStarted"][0])

    assert isinstance(parsed, PlaybackStarted)
    assert parsed.playback.state == "playing"
    assert parsed.playback.target == ("channel", "uc111lab-1795500922.28305")


def test_events_not_in_the_samples_parse_from_their_spec_shape() -> None:
    recording = {
        "name": "msg-1",
        "format": "wav",
        "target_uri": "channel:c.1",
        "state": "done",
        "duration": 4,
    }
    assert isinstance(parse_event(event("ApplicationReplaced")), ApplicationReplaced)
    finished = parse_event(event("RecordingFinished", recording=recording))
    assert isinstance(finished, RecordingFinished)
    assert finished.recording.duration == 4
    failed = parse_event(event("RecordingFailed", recording={**recording, "state": "failed"}))
    assert isinstance(failed, RecordingFailed)


def test_unknown_type_keeps_raw() -> None:
    data = SAMPLES["by_type"]["ChannelDialplan"][0]

    parsed = parse_event(data)

    assert isinstance(parsed, UnknownEvent)
    assert parsed.type == "ChannelDialplan"
    assert parsed.raw == data
    assert parsed.timestamp is not None


def test_new_fields_from_a_newer_asterisk_are_allowed() -> None:
    data = stasis_start("c.1", "inbound")
    data["channel"]["protocol_version"] = 3
    data["brand_new"] = {"x": 1}

    parsed = parse_event(data)

    assert isinstance(parsed, StasisStart)
    assert parsed.model_extra == {"brand_new": {"x": 1}}


def test_malformed_known_event_raises_event_error_without_payload() -> None:
    data = event("ChannelDtmfReceived", digit="5", channel=channel("c.1", number="+447700900999"))

    with pytest.raises(AriEventError) as info:
        parse_event(data)  # duration_ms is missing

    assert info.value.event_type == "ChannelDtmfReceived"
    assert "duration_ms" in info.value.message
    assert "+447700900999" not in str(info.value)
    assert "+447700900999" not in str(info.value.__cause__)


def test_bad_timestamp_is_malformed() -> None:
    data = stasis_start("c.1")
    data["timestamp"] = "yesterday"

    with pytest.raises(AriEventError):
        parse_event(data)


@pytest.mark.parametrize("data", [{}, {"type": 7}, {"type": ""}, {"type": None}])
def test_event_without_string_type_is_malformed(data: dict[str, Any]) -> None:
    with pytest.raises(AriEventError):
        parse_event(data)


def test_event_error_is_an_ari_error() -> None:
    from callflow.ari import AriError

    assert issubclass(AriEventError, AriError)


def test_events_are_frozen() -> None:
    parsed = parse_event(stasis_start("c.1"))
    assert isinstance(parsed, StasisStart)

    with pytest.raises(ValidationError):
        parsed.args = ["other"]  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '"StasisStart"', "null"])
def test_parse_event_text_rejects_non_objects(text: str) -> None:
    with pytest.raises(AriProtocolError):
        parse_event_text(text)


def test_parse_event_text_parses_a_frame() -> None:
    parsed = parse_event_text(json.dumps(stasis_start("c.1", "inbound")).encode())

    assert isinstance(parsed, StasisStart)


def test_malformed_event_log_has_no_payload(caplog: pytest.LogCaptureFixture) -> None:
    # The error's text is what the reader logs; it must not quote callers' numbers.
    data = stasis_start("c.1")
    data["channel"]["caller"]["number"] = {"not": "+447700900999"}
    caplog.set_level(logging.DEBUG)

    with pytest.raises(AriEventError) as info:
        parse_event(data)

    assert "channel.caller.number" in str(info.value)
    assert "+447700900999" not in str(info.value)


# -- property: unknown types never raise -------------------------------------------------

_json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_json = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
_unknown_types = st.text(min_size=1).filter(lambda t: t not in EVENT_TYPES)


@given(event_type=_unknown_types, body=st.dictionaries(st.text(), _json, max_size=6))
def test_any_object_of_unknown_type_parses(event_type: str, body: dict[str, Any]) -> None:
    data = {**body, "type": event_type}

    parsed = parse_event(data)

    assert isinstance(parsed, UnknownEvent)
    assert parsed.type == event_type
    assert parsed.raw == data


@given(
    event_type=st.sampled_from(sorted(EVENT_TYPES)),
    body=st.dictionaries(st.text(), _json, max_size=6),
)
def test_known_type_either_parses_or_raises_event_error(
    event_type: str, body: dict[str, Any]
) -> None:
    try:
        parsed = parse_event({**body, "type": event_type})
    except AriEventError as exc:
        assert exc.event_type == event_type
    else:
        assert type(parsed) is EVENT_TYPES[event_type]


# -- REST reply shapes -------------------------------------------------------------------


def test_rest_reply_samples_parse() -> None:
    replies = SAMPLES["rest_responses"]

    assert Application.model_validate(replies["applications_get"]["body"]).name == "uc111"
    assert Channel.model_validate(replies["channels_originate_with_id"]["body"]).state == "Down"
    assert len([Channel.model_validate(c) for c in replies["channels_list"]["body"]]) == 4
    assert Channel.model_validate(replies["channel_get"]["body"]).id == "uc111-legb-1795501010"
    bridge = Bridge.model_validate(replies["bridge_get"]["body"])
    assert bridge.bridge_type == "mixing"
    assert len(bridge.channels) == 2
    assert Playback.model_validate(replies["bridge_play"]["body"]).target == (
        "bridge",
        "4577c191-26e7-490d-bd19-27017673ec1f",
    )
    assert Variable.model_validate(replies["channel_getvar"]["body"]).value == ""


def test_live_recording_model() -> None:
    rec = LiveRecording.model_validate(
        {"name": "r", "format": "wav", "target_uri": "channel:c", "state": "recording"}
    )
    assert rec.cause is None
