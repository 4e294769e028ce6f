"""What the shell knows about a call when it starts, handed to ``start``.

The shell looks these facts up in parallel with deadlines (repeat-caller
history, care plans, live flags) and passes what it found; a lookup that missed
its deadline is simply absent. Conditions on a fact that is not known are
false, so an empty context sends every caller down the plain path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class CallContext:
    """The call's context; every field is optional.

    Attributes:
        call_id: the call's id (drives the stable percentage split of pilots).
        now: when the call arrived (tz-aware; naive values are taken as UTC).
            Time, day, bank-holiday and date conditions, and message windows,
            are judged against it; without it they are false.
        withheld: the caller's number is withheld or absent.
        repeat_caller: the repeat-caller policy recognised this caller.
        care_plans: types of care plan found for the caller (e.g. ``end_of_life``).
        age: the caller's age in years, when known.
        language: the caller's language preference (e.g. ``cy``), when known.
        flags: live flags raised now (e.g. ``flu_surge``).
        reasons: labels of the caller's spoken reason, once a capture classified it.
    """

    call_id: str = ""
    now: datetime | None = None
    withheld: bool = False
    repeat_caller: bool = False
    care_plans: frozenset[str] = frozenset()
    age: int | None = None
    language: str | None = None
    flags: frozenset[str] = frozenset()
    reasons: frozenset[str] = frozenset()

    def aware_now(self) -> datetime | None:
        """``now`` with a time zone (UTC when it had none)."""
        if self.now is None or self.now.tzinfo is not None:
            return self.now
        return self.now.replace(tzinfo=UTC)


EMPTY_CONTEXT = CallContext()
