"""The traffic generator: a seeded, realistic plan, placed at a rate, and its CLI."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest
from click.testing import CliRunner

from callflow.cli.lab import lab
from sip_lab.ari import AriSimulator
from sip_lab.traffic import (
    GEOGRAPHIC_DRAMA_RANGE,
    MOBILE_DRAMA_RANGE,
    TrafficMix,
    plan_calls,
    run_traffic,
    wait_for_calls_to_end,
)
from tests.sip_lab.labkit import APP, Ari

QUICK = TrafficMix(
    input_after_ms=(20, 60), early_hangup_ms=(10, 30), max_call_ms=150, ring_timeout_ms=2000
)


def in_drama_ranges(number: str) -> bool:
    value = int(number.lstrip("+"))
    return any(low <= value <= high for low, high in (MOBILE_DRAMA_RANGE, GEOGRAPHIC_DRAMA_RANGE))


def test_plan_is_seeded_and_has_the_expected_mix() -> None:
    plan = plan_calls(2000, seed=7)
    assert plan == plan_calls(2000, seed=7)
    assert plan != plan_calls(2000, seed=8)
    share = {kind: n / len(plan) for kind, n in Counter(p.kind for p in plan).items()}
    expected = {
        "press_1": 0.40,
        "press_2": 0.25,
        "invalid_key": 0.15,
        "no_input": 0.10,
        "early_hangup": 0.10,
    }
    for kind, target in expected.items():
        assert abs(share[kind] - target) < 0.04, (kind, share[kind])
    assert abs(sum(p.repeat for p in plan) / len(plan) - 0.15) < 0.04
    assert abs(sum(p.withheld for p in plan) / len(plan) - 0.03) < 0.015
    numbers = [p.caller for p in plan if not p.withheld]
    assert all(in_drama_ranges(n) for n in numbers)
    assert {p.caller for p in plan if p.withheld} <= {"", "anonymous"}
    repeaters = Counter(p.caller for p in plan if p.repeat)
    assert len(repeaters) <= TrafficMix().repeat_pool and min(repeaters.values()) > 10


def test_scripts_follow_the_call_kind() -> None:
    for planned in plan_calls(300, seed=3, mix=QUICK):
        script = planned.body["script"]
        keys = "".join(step.get("dtmf", "") for step in script)
        assert script[-1]["hangup"] is True
        if planned.kind == "press_1":
            assert keys == "1"
        elif planned.kind == "press_2":
            assert keys == "2"
        elif planned.kind == "invalid_key":
            assert keys and keys not in "12"
        else:
            assert keys == ""
        assert sum(step["after_ms"] for step in script) <= QUICK.max_call_ms


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        TrafficMix(press_1=-1)
    with pytest.raises(ValueError):
        plan_calls(-1)
    with pytest.raises(ValueError):
        asyncio.run(run_traffic("http://127.0.0.1:9/_lab", calls=1, rate=0))


async def answer_everything(ari: Ari) -> None:
    """A minimal app: answer each caller, let them hang up."""
    events = await ari.events()
    while True:
        event = await events.next(within=10)
        if event["type"] == "StasisStart":
            await ari.request("POST", f"/channels/{event['channel']['id']}/answer")


async def test_calls_are_placed_at_the_rate_and_all_end(ari: Ari, sim: AriSimulator) -> None:
    app = asyncio.create_task(answer_everything(ari))
    await asyncio.sleep(0.05)
    placed: list[str] = []
    loop = asyncio.get_running_loop()
    started = loop.time()
    ids = await run_traffic(
        sim.control_url,
        calls=12,
        rate=60,
        seed=5,
        mix=QUICK,
        on_call=lambda cid, _p: placed.append(cid),
    )
    assert loop.time() - started >= 11 / 60
    assert ids == placed and len(set(ids)) == 12
    records = await wait_for_calls_to_end(sim.control_url, ids, timeout_s=5)
    app.cancel()
    assert [r["channel_id"] for r in records] == ids
    assert all(r["outcome"] == "hung_up_by_caller" and r["app"] == APP for r in records)


async def test_waiting_gives_up_with_a_timeout(ari: Ari, sim: AriSimulator) -> None:
    await ari.events()
    ids = await run_traffic(sim.control_url, calls=1, rate=10, mix=QUICK)
    with pytest.raises(TimeoutError):
        await wait_for_calls_to_end(sim.control_url, ids, timeout_s=0.1)


async def test_traffic_command_places_calls(ari: Ari, sim: AriSimulator) -> None:
    result = await asyncio.to_thread(
        CliRunner().invoke,
        lab,
        [
            "traffic",
            "--control-url",
            sim.control_url,
            "--calls",
            "3",
            "--rate",
            "50",
            "--seed",
            "2",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.splitlines()[0])
    assert summary["placed"] == 3 and sum(summary["kinds"].values()) == 3
    assert len((await ari.lab("GET", "/calls")).json) == 3


def test_the_outbreak_profile_is_callers_describing_diarrhoea_and_vomiting() -> None:
    from nlp.reasons import classify

    plan = plan_calls(200, seed=5, mix=TrafficMix.outbreak())
    spoken = [s["say"] for p in plan for s in p.body["script"] if "say" in s]
    assert len(spoken) > 150  # ~90 % of callers say why they call
    for words in set(spoken):
        labels = set(classify(words).labels)
        assert labels & {"diarrhoea", "vomiting"}, words
    assert plan_calls(200, seed=5) == plan_calls(200, seed=5, mix=TrafficMix(speak_reason=0.0))
    with pytest.raises(ValueError, match="reason"):
        TrafficMix(speak_reason=0.5, reasons=())


def test_everyday_reasons_are_not_an_outbreak() -> None:
    from nlp.reasons import classify
    from sip_lab.traffic import EVERYDAY_REASONS

    dv = [w for w in EVERYDAY_REASONS if {"diarrhoea", "vomiting"} & set(classify(w).labels)]
    assert dv == []
