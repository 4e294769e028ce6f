"""The live calls as columns (numpy arrays), one slot per call.

Figures for a scope and a window are a few vectorised masks and sums over
these columns, so the alert engine can ask for dozens of them several times a
second without walking Python objects. A call's slot is rewritten whenever its
facts change; a pruned call's slot is blanked (unknown times, no scope) and
reused, so a blank slot falls out of every window and out of the live queue
without a separate "valid" mask.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dashboards.metrics.facts import CallRow

NO_CODE = -1
"""The code of "no pathway" / "no provider"."""

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
Codes = NDArray[np.int32]


class CallColumns:
    """One slot per live call; pathway and provider names interned as small ints."""

    def __init__(self, capacity: int = 1024) -> None:
        self._slots: dict[str, int] = {}
        self._free: list[int] = []
        self._used = 0
        self._codes: dict[str, int] = {}
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        old = getattr(self, "arrived", None)
        fresh = {
            "arrived": np.full(capacity, np.nan),
            "routed": np.full(capacity, np.nan),
            "done": np.full(capacity, np.nan),
            "wait_s": np.full(capacity, np.nan),
            "abandon_wait_s": np.zeros(capacity),
            "pathway": np.full(capacity, NO_CODE, dtype=np.int32),
            "provider": np.full(capacity, NO_CODE, dtype=np.int32),
            "answered": np.zeros(capacity, dtype=np.bool_),
            "abandoned": np.zeros(capacity, dtype=np.bool_),
            "callback_offered": np.zeros(capacity, dtype=np.bool_),
            "callback_made": np.zeros(capacity, dtype=np.bool_),
            "fallback": np.zeros(capacity, dtype=np.bool_),
        }
        if old is not None:
            for name, array in fresh.items():
                array[: self._used] = getattr(self, name)[: self._used]
        self.arrived: Floats = fresh["arrived"]
        self.routed: Floats = fresh["routed"]
        self.done: Floats = fresh["done"]
        self.wait_s: Floats = fresh["wait_s"]
        self.abandon_wait_s: Floats = fresh["abandon_wait_s"]
        self.pathway: Codes = fresh["pathway"]
        self.provider: Codes = fresh["provider"]
        self.answered: Bools = fresh["answered"]
        self.abandoned: Bools = fresh["abandoned"]
        self.callback_offered: Bools = fresh["callback_offered"]
        self.callback_made: Bools = fresh["callback_made"]
        self.fallback: Bools = fresh["fallback"]

    def __len__(self) -> int:
        return len(self._slots)

    @property
    def used(self) -> int:
        """Slots in use or blank below the high-water mark: the length of every view."""
        return self._used

    def code(self, name: str) -> int:
        """The small int standing for a pathway or provider name (``NO_CODE`` for "")."""
        if not name:
            return NO_CODE
        found = self._codes.get(name)
        if found is None:
            found = self._codes[name] = len(self._codes)
        return found

    def known_code(self, name: str) -> int | None:
        """The code of a name seen before, else ``None`` (never interns)."""
        return self._codes.get(name)

    def put(self, call_id: str, row: CallRow) -> None:
        """Write (or rewrite) the call's slot from its row."""
        slot = self._slots.get(call_id)
        if slot is None:
            slot = self._take_slot()
            self._slots[call_id] = slot
        self._write(slot, row)

    def remove(self, call_id: str) -> None:
        """Blank the call's slot and keep it for reuse."""
        slot = self._slots.pop(call_id, None)
        if slot is None:
            return
        self._write(slot, _BLANK)
        self._free.append(slot)

    def _take_slot(self) -> int:
        if self._free:
            return self._free.pop()
        if self._used == len(self.arrived):
            self._allocate(2 * len(self.arrived))
        self._used += 1
        return self._used - 1

    def _write(self, slot: int, row: CallRow) -> None:
        self.arrived[slot] = row.arrived
        self.routed[slot] = row.routed
        self.done[slot] = row.done
        self.wait_s[slot] = row.wait_s
        self.abandon_wait_s[slot] = row.abandon_wait_s
        self.pathway[slot] = self.code(row.pathway)
        self.provider[slot] = self.code(row.provider)
        self.answered[slot] = row.answered
        self.abandoned[slot] = row.abandoned
        self.callback_offered[slot] = row.callback_offered
        self.callback_made[slot] = row.callback_made
        self.fallback[slot] = row.fallback


_BLANK = CallRow(
    arrived=np.nan,
    routed=np.nan,
    done=np.nan,
    pathway="",
    provider="",
    answered=False,
    wait_s=np.nan,
    abandoned=False,
    abandon_wait_s=0.0,
    callback_offered=False,
    callback_made=False,
    fallback=False,
)
