"""Strict mode: what the spec forbids is a 400 naming the parameter; loose mode is Asterisk."""

from __future__ import annotations

import re

import pytest

from sip_lab.ari.spec import INTEGER_TYPES, ApiSpec, Operation
from tests.sip_lab.labkit import APP, Ari

SPEC = ApiSpec()
REST_OPERATIONS = [op for op in SPEC.operations.values() if not op.websocket]


def concrete(path: str) -> str:
    """A spec path with every ``{param}`` filled in."""
    return re.sub(r"\{[^}]+\}", "x", path)


async def in_stasis(ari: Ari) -> str:
    events = await ari.events()
    channel = await ari.call()
    await events.until("StasisStart")
    return channel


@pytest.mark.parametrize("op", REST_OPERATIONS, ids=lambda op: op.key)
async def test_every_operation_refuses_an_unknown_parameter(ari: Ari, op: Operation) -> None:
    reply = await ari.request(op.method, concrete(op.path), params={"bogus_param": "1"})
    assert reply.status == 400
    assert "bogus_param" in reply.json["message"]


INT_PARAMS = [
    (op, p.name)
    for op in REST_OPERATIONS
    for p in op.params
    if p.param_type == "query" and p.data_type in INTEGER_TYPES
]


@pytest.mark.parametrize(
    ("op", "name"), INT_PARAMS, ids=lambda v: v.key if isinstance(v, Operation) else v
)
async def test_every_integer_parameter_refuses_text(ari: Ari, op: Operation, name: str) -> None:
    reply = await ari.request(op.method, concrete(op.path), params={name: "abc"})
    assert reply.status == 400
    assert f"'{name}'" in reply.json["message"]


async def test_wrong_type_is_400_strict_and_ignored_loose(ari: Ari, loose: Ari) -> None:
    channel = await in_stasis(ari)
    strict = await ari.request(
        "POST", f"/channels/{channel}/play", params={"media": "sound:x", "skipms": "abc"}
    )
    assert (strict.status, strict.json) == (
        400,
        {"message": "Parameter 'skipms' must be an integer (int), got 'abc'"},
    )
    relaxed = await loose.request(
        "POST", "/channels/nope/play", params={"media": "sound:x", "skipms": "abc"}
    )
    assert (relaxed.status, relaxed.json) == (404, {"message": "Channel not found"})


async def test_bad_enum_value(ari: Ari, loose: Ari) -> None:
    channel = await in_stasis(ari)
    strict = await ari.request("DELETE", f"/channels/{channel}", params={"reason": "bogus"})
    assert (
        strict.status == 400 and "'reason' must be one of: normal, busy" in strict.json["message"]
    )
    relaxed = await loose.request("DELETE", "/channels/nope", params={"reason": "bogus"})
    assert relaxed.json == {"message": "Channel not found"}


async def test_missing_required_parameter(ari: Ari, loose: Ari) -> None:
    channel = await in_stasis(ari)
    play = await ari.request("POST", f"/channels/{channel}/play")
    assert (play.status, play.json) == (400, {"message": "Missing required parameter 'media'"})
    originate = await ari.request("POST", "/channels", params={"app": APP})
    assert (originate.status, originate.json) == (
        400,
        {"message": "Missing required parameter 'endpoint'"},
    )
    relaxed = await loose.request("POST", "/channels", params={"app": APP})
    assert relaxed.json == {"message": "Endpoint must be specified"}


async def test_unknown_parameter_is_ignored_loose(loose: Ari) -> None:
    reply = await loose.request("GET", "/asterisk/ping", params={"bogus": "1"})
    assert reply.status == 200


async def test_repeated_parameter_is_refused(ari: Ari) -> None:
    channel = await in_stasis(ari)
    reply = await ari.request(
        "POST", f"/channels/{channel}/play", params=[("media", "sound:a"), ("media", "sound:b")]
    )
    assert reply.status == 400
    assert "comma-separated" in reply.json["message"]


async def test_json_body_types_and_keys_are_checked(ari: Ari) -> None:
    wrong_type = await ari.request("POST", "/channels", json_body={"endpoint": 5, "app": APP})
    assert (wrong_type.status, wrong_type.json) == (
        400,
        {"message": "Parameter 'endpoint' must be a JSON string"},
    )
    unknown = await ari.request(
        "POST", "/channels", json_body={"endpoint": "PJSIP/x", "app": APP, "colour": "red"}
    )
    assert unknown.status == 400 and "'colour'" in unknown.json["message"]
    bad_vars = await ari.request(
        "POST", "/channels", json_body={"endpoint": "PJSIP/x", "app": APP, "variables": {"A": 1}}
    )
    assert bad_vars.status == 400 and "'A'" in bad_vars.json["message"]
    timeout = await ari.request(
        "POST", "/channels", json_body={"endpoint": "PJSIP/x", "app": APP, "timeout": "30"}
    )
    assert timeout.json == {"message": "Parameter 'timeout' must be a JSON integer (int)"}


async def test_booleans_and_the_events_socket(ari: Ari) -> None:
    with pytest.raises(Exception, match="400"):
        await ari.events(subscribeAll="maybe")
    with pytest.raises(Exception, match="400"):
        await ari.events(colour="red")
    await ari.events(subscribeAll="yes")  # anything ast_true() reads is fine


async def test_api_key_is_not_an_unknown_parameter(ari: Ari) -> None:
    reply = await ari.request(
        "GET", "/channels", params={"api_key": "urgentline:s3cret-ari"}, auth=False
    )
    assert reply.status == 200
