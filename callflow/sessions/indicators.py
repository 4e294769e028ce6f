"""What a call tells syndromic surveillance: indicators and an area, no patient data.

The indicators come from two places, both already coded: the labels of the
caller's spoken reason (a ``capture`` of ``reason``; the words themselves are
never kept) and the commissioner's label of the way the call went in
(``dental-pain`` is toothache, ``mental-health-crisis`` mental health). The
area is the postcode *district* (``SE15``), coarse enough to publish, and only
when the caller gave a postcode.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from nlp.reasons import classify_choice

OTHER = "other"


@lru_cache(maxsize=256)
def _pathway_labels(pathway: str) -> tuple[str, ...]:
    """A script has a handful of pathway labels: classify each once per process."""
    return classify_choice(pathway)


def call_indicators(reasons: Iterable[str], pathway: str | None) -> tuple[str, ...]:
    """The call's indicator labels, sorted; ``("other",)`` when nothing specific is known."""
    labels = set(reasons)
    if pathway:
        labels.update(_pathway_labels(pathway))
    if len(labels) > 1:
        labels.discard(OTHER)
    return tuple(sorted(labels)) or (OTHER,)


def postcode_district(caller_data: Iterable[tuple[str, str]]) -> str:
    """The outward code of the last postcode the caller gave (``SE15 4QT`` -> ``SE15``)."""
    district = ""
    for name, value in caller_data:
        if name == "postcode" and value.strip():
            district = value.strip().split()[0].upper()
    return district
