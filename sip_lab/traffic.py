"""Traffic generator: inbound calls with a realistic NHS-111-like mix, via the lab's control plane.

The plan (who calls, what they press, when they hang up) is pure and seeded,
so a run can be repeated exactly; placing the calls is the only I/O. Caller
numbers come only from Ofcom's ranges reserved for drama (07700 900000-900999
mobile, 01632 960000-960999 geographic), never from real subscribers.

Usage::

    ids = await run_traffic(sim.control_url, calls=50, rate=5, seed=7)
    records = await wait_for_calls_to_end(sim.control_url, ids, timeout_s=180)
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

MOBILE_DRAMA_RANGE = (447700900000, 447700900999)
GEOGRAPHIC_DRAMA_RANGE = (441632960000, 441632960999)
INVALID_KEYS = "034567890*#"
REQUEST_TIMEOUT_S = 10.0

CallKind = Literal["press_1", "press_2", "invalid_key", "no_input", "speak_reason", "early_hangup"]

EVERYDAY_REASONS = (
    "i've had a really bad cough for about a week",
    "my son has a temperature of thirty nine and he's very hot",
    "she's come out in a rash all over her arms",
    "i have terrible toothache and my face is swollen",
    "i think i've got the flu, aching all over and shivery",
    "my eye is red and sticky and it hurts",
    "i hurt my back lifting a box and i can't move",
    "i need to know if i can take ibuprofen with my tablets",
    "my daughter has an earache and won't stop crying",
    "i've been feeling really low and i don't know who to talk to",
)
"""What callers in an ordinary hour say when asked why they are calling."""

OUTBREAK_REASONS = (
    "my little boy has been sick all night and now he's got diarrhoea",
    "we've all got diarrhoea and vomiting since the party on saturday",
    "i keep being sick and i've had the runs since last night",
    "my mum has had diarrhoea and vomiting for two days and she's really weak",
    "i can't keep anything down, i've been throwing up all morning",
    "my husband has stomach cramps and diarrhoea and he's been sick twice",
)
"""What callers say in a diarrhoea-and-vomiting outbreak (the syndromic loop's test)."""


class TrafficError(Exception):
    """The control plane refused a call (the simulator is down or the body is wrong)."""


@dataclass(frozen=True, slots=True)
class TrafficMix:
    """What callers do, as weights (normalised) and timings (ms after the answer)."""

    press_1: float = 0.40
    press_2: float = 0.25
    invalid_key: float = 0.15
    no_input: float = 0.10
    speak_reason: float = 0.0
    """Callers who press nothing and say why they are calling when asked."""
    early_hangup: float = 0.10
    repeat_callers: float = 0.15
    """Share of calls from a small set of numbers that call again."""
    repeat_pool: int = 5
    withheld: float = 0.03
    app: str = "urgentline"
    args: tuple[str, ...] = ("inbound",)
    exten: str = "111"
    input_after_ms: tuple[int, int] = (1200, 4000)
    """When a caller presses a key: during or just after the menu prompt."""
    early_hangup_ms: tuple[int, int] = (200, 1500)
    """When an impatient caller hangs up: during the front-end message."""
    max_call_ms: int = 120_000
    """A caller hangs up at the latest this long after the answer (bounds every call)."""
    ring_timeout_ms: int = 60_000
    reasons: tuple[str, ...] = EVERYDAY_REASONS
    """What ``speak_reason`` callers say (one picked per call)."""

    @classmethod
    def outbreak(cls, **overrides: Any) -> TrafficMix:
        """Mostly callers describing diarrhoea and vomiting: the syndromic loop's profile."""
        values: dict[str, Any] = {
            "press_1": 0.05,
            "press_2": 0.05,
            "invalid_key": 0.0,
            "no_input": 0.0,
            "speak_reason": 0.9,
            "early_hangup": 0.0,
            "repeat_callers": 0.0,
            "reasons": OUTBREAK_REASONS,
        }
        values.update(overrides)
        return cls(**values)

    def __post_init__(self) -> None:
        weights = self.weights()
        if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
            raise ValueError("call kind weights must be non-negative with a positive sum")
        for name in ("repeat_callers", "withheld"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.repeat_pool < 1:
            raise ValueError("repeat_pool must be at least 1")
        if self.speak_reason > 0 and not self.reasons:
            raise ValueError("speak_reason callers need at least one reason to say")

    def weights(self) -> dict[CallKind, float]:
        """The weight of each kind of call."""
        return {
            "press_1": self.press_1,
            "press_2": self.press_2,
            "invalid_key": self.invalid_key,
            "no_input": self.no_input,
            "speak_reason": self.speak_reason,
            "early_hangup": self.early_hangup,
        }


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """One call of a plan: who, what kind, and the body for ``POST /_lab/calls``."""

    index: int
    kind: CallKind
    caller: str
    repeat: bool
    withheld: bool
    body: dict[str, Any] = field(repr=False)


def drama_number(rng: random.Random, mobile_share: float = 0.7) -> str:
    """A caller number from Ofcom's drama ranges (mostly mobile)."""
    low, high = MOBILE_DRAMA_RANGE if rng.random() < mobile_share else GEOGRAPHIC_DRAMA_RANGE
    return f"+{rng.randint(low, high)}"


def plan_calls(calls: int, *, seed: int = 1, mix: TrafficMix | None = None) -> list[PlannedCall]:
    """The deterministic plan of ``calls`` calls for ``seed``."""
    return list(iter_plan(calls, seed=seed, mix=mix))


def iter_plan(calls: int, *, seed: int = 1, mix: TrafficMix | None = None) -> Iterator[PlannedCall]:
    """The same plan, one call at a time: a long demo never builds it whole."""
    if calls < 0:
        raise ValueError("calls must be non-negative")
    mix = mix or TrafficMix()
    rng = random.Random(seed)
    pool = [f"+{rng.randint(*MOBILE_DRAMA_RANGE)}" for _ in range(mix.repeat_pool)]
    kinds = list(mix.weights())
    weights = list(mix.weights().values())
    for index in range(calls):
        kind = rng.choices(kinds, weights)[0]
        withheld = rng.random() < mix.withheld
        repeat = not withheld and rng.random() < mix.repeat_callers
        if withheld:
            caller = rng.choice(["", "anonymous"])
        elif repeat:
            caller = rng.choice(pool)
        else:
            caller = drama_number(rng)
        body = {
            "caller": caller,
            "caller_name": "Anonymous" if caller == "anonymous" else "",
            "exten": mix.exten,
            "app": mix.app,
            "args": list(mix.args),
            "script": _script(kind, rng, mix),
            "ring_timeout_ms": mix.ring_timeout_ms,
        }
        yield PlannedCall(index, kind, caller, repeat, withheld, body)


def _script(kind: CallKind, rng: random.Random, mix: TrafficMix) -> list[dict[str, Any]]:
    if kind == "early_hangup":
        return [{"after_ms": rng.randint(*mix.early_hangup_ms), "hangup": True}]
    if kind == "no_input":
        return [{"after_ms": mix.max_call_ms, "hangup": True}]
    if kind == "speak_reason":
        # Said early, the words wait for the next recording: the caller answers
        # "why are you calling?" whenever the script asks it.
        spoken = min(rng.randint(*mix.input_after_ms), mix.max_call_ms)
        return [
            {"after_ms": spoken, "say": rng.choice(mix.reasons)},
            {"after_ms": mix.max_call_ms - spoken, "hangup": True},
        ]
    digit = {"press_1": "1", "press_2": "2"}.get(kind) or rng.choice(INVALID_KEYS)
    pressed = min(rng.randint(*mix.input_after_ms), mix.max_call_ms)
    return [
        {"after_ms": pressed, "dtmf": digit},
        {"after_ms": mix.max_call_ms - pressed, "hangup": True},
    ]


async def run_traffic(
    control_url: str,
    *,
    calls: int,
    rate: float,
    seed: int = 1,
    mix: TrafficMix | None = None,
    on_call: Callable[[str, PlannedCall], None] | None = None,
) -> list[str]:
    """Place ``calls`` inbound calls at ``rate`` per second; return their channel ids.

    Args:
        control_url: The simulator's control plane (``AriSimulator.control_url``).
        calls: How many calls to place.
        rate: New calls per second (the run lasts about ``calls / rate`` seconds).
        seed: Seed of the plan (same seed, same callers and keys).
        mix: What callers do; the default is a plausible 111 mix.
        on_call: Called with each placed call's channel id and plan.

    Raises:
        ValueError: for a non-positive rate or a negative count.
        TrafficError: when the control plane refuses a call.
    """
    if rate <= 0:
        raise ValueError("rate must be positive")
    if calls < 0:
        raise ValueError("calls must be non-negative")
    plan = iter_plan(calls, seed=seed, mix=mix)
    loop = asyncio.get_running_loop()
    start = loop.time()
    channel_ids: list[str] = []
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for planned in plan:
            delay = start + planned.index / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            async with http.post(f"{control_url}/calls", json=planned.body) as response:
                if response.status != 201:
                    text = await response.text()
                    raise TrafficError(f"POST /calls answered {response.status}: {text[:200]}")
                channel_id = str((await response.json())["channel_id"])
            channel_ids.append(channel_id)
            if on_call is not None:
                on_call(channel_id, planned)
    return channel_ids


async def wait_for_calls_to_end(
    control_url: str, channel_ids: list[str], timeout_s: float, poll_s: float = 0.1
) -> list[dict[str, Any]]:
    """Wait until the simulator records every call as ended; return their records in order.

    Raises:
        TimeoutError: if some calls are still going after ``timeout_s``.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    wanted = set(channel_ids)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        while True:
            async with http.get(f"{control_url}/calls") as response:
                response.raise_for_status()
                records = {
                    r["channel_id"]: r for r in await response.json() if r["channel_id"] in wanted
                }
            pending = [c for c in channel_ids if records.get(c, {}).get("state") != "ended"]
            if not pending:
                return [records[c] for c in channel_ids]
            if loop.time() >= deadline:
                raise TimeoutError(f"{len(pending)} of {len(channel_ids)} calls still going")
            await asyncio.sleep(poll_s)
