"""The ``/ari`` REST surface: auth, routing, Asterisk's error bodies and reply shapes."""

from __future__ import annotations

import asyncio

import pytest

from sip_lab.ari import AriSimulator
from tests.sip_lab.labkit import APP, PASSWORD, SAMPLES, USER, Ari, sample_request

RESPONSES = SAMPLES["rest_responses"]


async def test_no_credentials_is_401_with_asterisks_exact_body(ari: Ari) -> None:
    reply = await ari.request("GET", "/asterisk/info", auth=False)
    assert reply.status == 401
    assert reply.text == RESPONSES["err_bad_credentials"]["body"]
    assert reply.headers["WWW-Authenticate"] == 'Basic realm="Asterisk REST Interface"'


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({"Authorization": "Basic dXJnZW50bGluZTp3cm9uZw=="}, None),  # urgentline:wrong
        ({}, {"api_key": f"{USER}:wrong"}),
        ({}, {"api_key": USER}),
    ],
    ids=["basic-wrong-password", "api-key-wrong-password", "api-key-without-colon"],
)
async def test_wrong_credentials_are_401(
    ari: Ari, headers: dict[str, str], params: dict[str, str] | None
) -> None:
    reply = await ari.request("GET", "/asterisk/info", headers=headers, params=params, auth=False)
    assert (reply.status, reply.text) == (401, RESPONSES["err_bad_credentials"]["body"])


async def test_api_key_and_basic_auth_both_work(ari: Ari) -> None:
    by_key = await ari.request(
        "GET", "/asterisk/ping", params={"api_key": f"{USER}:{PASSWORD}"}, auth=False
    )
    by_basic = await ari.request("GET", "/asterisk/ping")
    assert by_key.status == by_basic.status == 200
    assert set(by_key.json) == set(RESPONSES["asterisk_ping"]["body"])


async def test_a_wrong_basic_header_is_not_rescued_by_a_good_api_key(ari: Ari) -> None:
    """Asterisk uses the Authorization header when there is one."""
    reply = await ari.request(
        "GET",
        "/asterisk/ping",
        headers={"Authorization": "Basic dXJnZW50bGluZTp3cm9uZw=="},
        params={"api_key": f"{USER}:{PASSWORD}"},
        auth=False,
    )
    assert reply.status == 401


async def test_unknown_paths_need_auth_first(ari: Ari) -> None:
    assert (await ari.request("GET", "/no/such/thing", auth=False)).status == 401


async def test_info_has_the_samples_shape(ari: Ari) -> None:
    reply = await ari.request("GET", "/asterisk/info")
    sample = RESPONSES["asterisk_info"]["body"]
    assert reply.status == 200
    assert {k: set(v) for k, v in reply.json.items()} == {k: set(v) for k, v in sample.items()}
    only = await ari.request("GET", "/asterisk/info", params={"only": "system,config"})
    assert set(only.json) == {"system", "config"}


async def test_application_has_the_samples_shape_once_connected(ari: Ari) -> None:
    assert (await ari.request("GET", f"/applications/{APP}")).status == 404
    await ari.events()
    reply = await ari.request("GET", f"/applications/{APP}")
    expected = dict(RESPONSES["applications_get"]["body"], name=APP)
    assert (reply.status, reply.json) == (200, expected)
    listing = await ari.request("GET", "/applications")
    assert [a["name"] for a in listing.json] == [APP]


@pytest.mark.parametrize(
    "name",
    [
        "err_channel_not_found",
        "err_play_channel_not_found",
        "err_bridge_not_found",
        "err_originate_missing_endpoint",
        "err_originate_bad_tech",
    ],
)
async def test_error_replies_match_the_asterisk_samples(loose: Ari, name: str) -> None:
    method, path, params = sample_request(name)
    params = {k: v.replace("uc111", APP) for k, v in params.items()}
    reply = await loose.request(method, path, params=params)
    assert (reply.status, reply.json) == (RESPONSES[name]["status"], RESPONSES[name]["body"])


@pytest.mark.parametrize(
    "name",
    [
        "err_channel_not_found",
        "err_play_channel_not_found",
        "err_bridge_not_found",
        "err_originate_bad_tech",
    ],
)
async def test_strict_mode_keeps_asterisks_answers_for_valid_requests(ari: Ari, name: str) -> None:
    method, path, params = sample_request(name)
    reply = await ari.request(
        method, path, params={k: v.replace("uc111", APP) for k, v in params.items()}
    )
    assert (reply.status, reply.json) == (RESPONSES[name]["status"], RESPONSES[name]["body"])


async def test_unknown_path_is_404_and_wrong_method_is_405(ari: Ari) -> None:
    missing = await ari.request("GET", "/no/such/thing")
    assert (missing.status, missing.json) == (404, {"message": "Resource not found"})
    deep = await ari.request("POST", "/channels/create/answer")  # literal segment, no backtracking
    assert deep.status == 404
    wrong = await ari.request("PUT", "/channels")
    assert (wrong.status, wrong.json) == (405, {"message": "Invalid method"})
    assert wrong.headers["Allow"] == "OPTIONS,GET,POST"
    slash = await ari.request("GET", "/channels/")
    assert slash.json == {"message": "ARI URLs do not end with a slash. Try /ari/channels"}


async def test_unimplemented_operations_say_so(ari: Ari) -> None:
    reply = await ari.request("GET", "/endpoints")
    assert (reply.status, reply.json) == (501, {"message": "Method not implemented"})


async def test_api_docs_are_served_with_the_request_host_and_need_auth(
    ari: Ari, sim: AriSimulator
) -> None:
    assert (await ari.request("GET", "/api-docs/resources.json", auth=False)).status == 401
    listing = await ari.request("GET", "/api-docs/resources.json")
    assert listing.json["basePath"] == f"http://127.0.0.1:{sim.port}/ari"
    channels = await ari.request("GET", "/api-docs/channels.json")
    assert channels.json["basePath"] == f"http://127.0.0.1:{sim.port}/ari"
    assert channels.json["resourcePath"] == "/api-docs/channels.{format}"
    assert (await ari.request("GET", "/api-docs/asterisk-22-samples.json")).status == 404
    assert (await ari.request("POST", "/api-docs/channels.json")).json == {
        "message": "Unsupported method"
    }


async def test_originate_reply_and_channel_list_have_the_samples_shape(ari: Ari) -> None:
    await ari.events()
    reply = await ari.request(
        "POST",
        "/channels",
        params={"endpoint": "PJSIP/dental", "app": APP, "callerId": '"Patient" <5551001>'},
    )
    sample = RESPONSES["channels_originate"]["body"]
    assert reply.status == 200
    assert list(reply.json) == list(sample)
    assert (reply.json["state"], reply.json["caller"]) == (
        "Down",
        {"name": "Patient", "number": "5551001"},
    )
    assert reply.json["dialplan"]["app_name"] == "AppDial2"
    listed = await ari.request("GET", "/channels")
    assert [c["id"] for c in listed.json] == [reply.json["id"]]
    again = await ari.request(
        "POST", f"/channels/{reply.json['id']}", params={"endpoint": "PJSIP/x", "app": APP}
    )
    assert (again.status, again.json) == (
        409,
        {"message": "Channel with given unique ID already exists"},
    )


async def test_originate_accepts_a_json_body_with_variables(ari: Ari) -> None:
    await ari.events()
    body = {
        "endpoint": "PJSIP/dental",
        "app": APP,
        "variables": {"UC_TAG": "triage", "X": {"value": "1"}},
    }
    reply = await ari.request("POST", "/channels/leg-1", json_body=body)
    assert (reply.status, reply.json["id"]) == (200, "leg-1")
    var = await ari.request("GET", "/channels/leg-1/variable", params={"variable": "UC_TAG"})
    assert (var.status, var.json) == (200, {"value": "triage"})
    missing = await ari.request("GET", "/channels/leg-1/variable", params={"variable": "NOPE"})
    assert (missing.status, missing.json) == (404, {"message": "Provided variable was not found"})


async def test_channel_operations_answer_like_the_samples(ari: Ari) -> None:
    events = await ari.events()
    channel = await ari.call()
    await events.until("StasisStart")
    for name in (
        "channel_answer_already_up",
        "channel_ring_in_stasis",
        "channel_moh_start",
        "channel_moh_stop",
    ):
        method, path, params = sample_request(name)
        path = path.replace("uc111-legb-1795501010", channel)
        if name == "channel_answer_already_up":
            await ari.request("POST", f"/channels/{channel}/answer")
        reply = await ari.request(method, path, params=params)
        assert (reply.status, reply.text) == (RESPONSES[name]["status"], ""), name
    getvar = await ari.request(
        "GET", f"/channels/{channel}/variable", params={"variable": "CALLERID(num)"}
    )
    assert getvar.json == {"value": "+447700900123"}
    setvar = await ari.request(
        "POST", f"/channels/{channel}/variable", params={"variable": "UC111_TAG", "value": "x"}
    )
    assert setvar.status == RESPONSES["channel_setvar"]["status"]
    hangup = await ari.request("DELETE", f"/channels/{channel}", params={"reason": "normal"})
    assert hangup.status == RESPONSES["channel_hangup"]["status"] == 204
    gone = await ari.request("DELETE", f"/channels/{channel}")
    assert (gone.status, gone.json) == (404, {"message": "Channel not found"})


async def test_bridge_replies_have_the_samples_shape(ari: Ari) -> None:
    events = await ari.events()
    channel = await ari.call()
    await events.until("StasisStart")
    created = await ari.request("POST", "/bridges", params={"type": "mixing", "name": "room-1"})
    assert list(created.json) == list(RESPONSES["bridges_create"]["body"])
    assert (created.json["technology"], created.json["bridge_class"]) == ("simple_bridge", "stasis")
    bridge = created.json["id"]
    added = await ari.request("POST", f"/bridges/{bridge}/addChannel", params={"channel": channel})
    assert added.status == 204
    got = await ari.request("GET", f"/bridges/{bridge}")
    assert got.json["channels"] == [channel]
    played = await ari.request(
        "POST", f"/bridges/{bridge}/play", params={"media": "sound:hello-world"}
    )
    assert played.status == 201
    assert list(played.json) == list(RESPONSES["bridge_play"]["body"])
    assert (played.json["target_uri"], played.json["state"]) == (f"bridge:{bridge}", "queued")
    assert played.headers["Location"] == f"/playbacks/{played.json['id']}"
    not_member = await ari.request(
        "POST", f"/bridges/{bridge}/removeChannel", params={"channel": "nope"}
    )
    assert (not_member.status, not_member.json) == (400, {"message": "Channel not found"})
    removed = await ari.request(
        "POST", f"/bridges/{bridge}/removeChannel", params={"channel": channel}
    )
    assert removed.status == 204
    again = await ari.request(
        "POST", f"/bridges/{bridge}/removeChannel", params={"channel": channel}
    )
    assert (again.status, again.json) == (422, {"message": "Channel not in this bridge"})
    assert (await ari.request("DELETE", f"/bridges/{bridge}")).status == 204
    assert (await ari.request("GET", f"/bridges/{bridge}")).json == {"message": "Bridge not found"}


async def test_channel_outside_stasis_is_409(ari: Ari, sim: AriSimulator) -> None:
    sim.config.dialplan_hold_ms = 5000
    channel = await ari.call()  # no app connected: Stasis fails, the dialplan keeps the call
    reply = await ari.request("POST", f"/channels/{channel}/answer")
    assert (reply.status, reply.json) == (409, {"message": "Channel not in Stasis application"})
    play = await ari.request("POST", f"/channels/{channel}/play", params={"media": "sound:x"})
    assert play.status == 409
    bridge = (await ari.request("POST", "/bridges")).json["id"]
    add = await ari.request("POST", f"/bridges/{bridge}/addChannel", params={"channel": channel})
    assert (add.status, add.json) == (422, {"message": "Channel not in Stasis application"})


async def test_undialled_outbound_channel_is_412_for_media(ari: Ari) -> None:
    await ari.events()
    created = await ari.request(
        "POST", "/channels/create", params={"endpoint": "PJSIP/dental", "app": APP}
    )
    await asyncio.sleep(0.05)
    play = await ari.request(
        "POST", f"/channels/{created.json['id']}/play", params={"media": "sound:x"}
    )
    assert (play.status, play.json) == (412, {"message": "Channel in invalid state"})


async def test_hangup_reasons_follow_asterisk(loose: Ari) -> None:
    await loose.events()
    channels = [await loose.call(), await loose.call()]
    both = await loose.request(
        "DELETE", f"/channels/{channels[0]}", params={"reason": "busy", "reason_code": "17"}
    )
    assert both.json == {"message": "The reason and reason_code can't both be specified"}
    bad = await loose.request("DELETE", f"/channels/{channels[0]}", params={"reason": "bogus"})
    assert (bad.status, bad.json) == (400, {"message": "Invalid reason for hangup reason provided"})
    code = await loose.request("DELETE", f"/channels/{channels[0]}", params={"reason_code": "x"})
    assert code.json == {"message": "Invalid reason for hangup reason code provided"}
    assert (
        await loose.request("DELETE", f"/channels/{channels[0]}", params={"reason": "busy"})
    ).status == 204
    assert (
        await loose.request("DELETE", f"/channels/{channels[1]}", params={"reason_code": "21"})
    ).status == 204


async def test_missing_variable_name_is_400(loose: Ari) -> None:
    await loose.events()
    channel = await loose.call()
    for method in ("GET", "POST"):
        reply = await loose.request(method, f"/channels/{channel}/variable")
        assert (reply.status, reply.json) == (400, {"message": "Variable name is required"})


async def test_playbacks_can_be_read_and_stopped_until_they_finish(ari: Ari) -> None:
    events = await ari.events()
    channel = await ari.call()
    await events.until("StasisStart")
    played = await ari.request(
        "POST", f"/channels/{channel}/play/pb-1", params={"media": "sound:a,sound:b"}
    )
    assert (played.status, played.json["id"], played.json["next_media_uri"]) == (
        201,
        "pb-1",
        "sound:b",
    )
    assert (await ari.request("GET", "/playbacks/pb-1")).status == 200
    await events.until("PlaybackStarted")
    assert (await ari.request("DELETE", "/playbacks/pb-1")).status == 204
    finished = await events.until("PlaybackFinished")
    assert finished["playback"]["state"] == "done"
    gone = await ari.request("DELETE", "/playbacks/pb-1")
    assert (gone.status, gone.json) == (404, {"message": "Playback not found"})


async def test_form_encoded_parameters_count_like_query_ones(ari: Ari) -> None:
    async with ari.http.post(
        ari.base + "/channels", data={"endpoint": "Nope/1", "app": APP}, headers=ari.auth
    ) as response:
        assert response.status == 500
        assert await response.json() == {"error": "Allocation failed"}


async def test_a_broken_json_body_is_400(ari: Ari) -> None:
    async with ari.http.post(
        ari.base + "/bridges",
        data="{nope",
        headers={**ari.auth, "Content-Type": "application/json"},
    ) as response:
        assert (response.status, await response.json()) == (
            400,
            {"message": "Error parsing request body"},
        )
