"""What the detectors monitor: one series per indicator and area."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

Counts = NDArray[np.int64]
"""Calls per period (day or hour), oldest first."""


class Cell(NamedTuple):
    """One monitored series: an indicator (``nlp.reasons`` label) in an area."""

    indicator: str
    area: str
