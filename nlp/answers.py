"""Spoken yes / no, for read-backs ("I heard SE15 4QT: is that right?").

A short answer needs no model: ASR output is lower case without punctuation,
and callers answer with a small set of words. A negation anywhere ("that's
not right", "no it isn't") wins over an affirmative word, because keeping a
wrong date of birth is worse than asking again; anything else is ``None``.
"""

from __future__ import annotations

import re

YES = frozenset({"yes", "yeah", "yep", "yup", "aye", "correct", "right", "ok", "okay", "sure"})
NO = frozenset({"no", "nope", "nah", "wrong", "incorrect", "not", "isnt", "isn't", "wasnt"})
_WORD = re.compile(r"[a-z']+")


def yes_no(text: str) -> bool | None:
    """True for yes, False for no, None when the words say neither.

    >>> yes_no("yes that's right"), yes_no("no that's not right"), yes_no("pardon")
    (True, False, None)
    """
    words = set(_WORD.findall(text.lower()))
    if words & NO:
        return False
    if words & YES:
        return True
    return None
