"""Aberration detectors for syndromic counts: pure NumPy/SciPy, no I/O, no clock.

Each detector takes a count series (oldest first, one value per day or per
hour) and returns, for every time point, its statistic, the count above which
that point alarms (``upper``), the expected count and the alarm itself. Points
without enough history get ``NaN`` and never alarm, so a new area or a new
indicator starts quietly instead of alarming on nothing.

Published definitions followed:

* **EARS C1, C2, C3**: Hutwagner et al., "The bioterrorism preparedness and
  response Early Aberration Reporting System (EARS)", J Urban Health 80 (2003),
  with the parameters of R ``surveillance::earsC`` (cran/surveillance
  ``R/earsC.R``): a 7-value baseline (C1: t-7…t-1; C2 and C3: t-9…t-3, a 2-day
  guard band), the sample standard deviation (n-1),
  ``sigma = max(sd, min_sigma)`` (Burkom's floor for sparse data),
  ``upper = mean + z·sigma``, and an alarm when the count *exceeds* it, with
  ``z = Φ⁻¹(1-alpha)`` (alpha 0.001 for C1 and C2, 0.025 for C3). C3 is
  ``Σ_{k=0..2} max(0, C2_{t-k} - 1)`` and alarms when it exceeds ``z``, as
  published. One departure from R: ``earsC`` reports for C3 an upper bound of
  ``y_t + sigma·(z - the two lag terms)``, so its alarm ignores day t's own
  excess; here day t counts, and ``upper`` is the count on day t that would
  make C3 exceed ``z``.
* **Poisson CUSUM**: Lucas, "Counted data CUSUM's", Technometrics 27 (1985):
  ``S_t = max(0, S_{t-1} + y_t - k)`` with ``k = (μ1 - μ0) / (ln μ1 - ln μ0)``
  for the in-control mean μ0 and the shifted mean μ1 = μ0 + shift; alarm when
  ``S_t > h``, after which the sum restarts at zero. μ0, the shift and h may
  vary in time (an hour-of-day baseline profile).
* **EWMA**: CDC NSSP/ESSENCE as in R ``Rnssp::alert_ewma``: two smoothers (0.4
  for gradual and 0.9 for sudden rises), a baseline that grows from 11 to 28
  values and ends a guard band of 2 before the tested point, ESSENCE's sigma
  correction and floor, Student-t p-values on n-1 degrees of freedom, the
  smaller p-value of the two smoothers, red below 0.01, yellow below 0.05, and
  outlying smoothed values pulled back to the alert limit. (``Rnssp`` fixes the
  longest baseline at 28 whatever ``B`` says; here ``baseline`` sets it.)
* **Farrington Flexible**: :mod:`dashboards.syndromic.farrington`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from dashboards.syndromic.farrington import (
    FarringtonResult,
    farrington_flexible,
    farrington_upper,
)

__all__ = [
    "Detection",
    "EwmaDetection",
    "EwmaLevel",
    "FarringtonResult",
    "ears_c1",
    "ears_c2",
    "ears_c3",
    "ewma_nssp",
    "farrington_flexible",
    "farrington_upper",
    "poisson_cusum",
]

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Detection:
    """Per-time-point output of a detector; ``NaN`` where a point cannot be tested.

    ``alarm[t]`` is true exactly when the point was tested and alarmed;
    ``expected`` is the in-control mean the point was compared with.
    """

    statistic: Floats
    upper: Floats
    expected: Floats
    alarm: Bools


class EwmaLevel(StrEnum):
    """NSSP's colours for a day: red is an alert, yellow a warning."""

    RED = "red"
    YELLOW = "yellow"
    BLUE = "blue"
    GREY = "grey"
    """Not tested: the baseline is not available yet."""


@dataclass(frozen=True, slots=True)
class EwmaDetection:
    """EWMA output: ``detection.alarm`` is the red level; ``p_value`` the smaller one."""

    detection: Detection
    p_value: Floats
    level: tuple[EwmaLevel, ...]


def _series(counts: ArrayLike) -> Floats:
    values = np.asarray(counts, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError("counts must be one-dimensional")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError("counts must be finite and non-negative")
    return values


def _z(alpha: float, z: float | None) -> float:
    if z is not None:
        return float(z)
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must be in (0, 1)")
    return float(stats.norm.ppf(1.0 - alpha))


def _check_ears(baseline: int, min_sigma: float) -> None:
    if baseline < 3:
        raise ValueError("the baseline needs at least 3 values")
    if min_sigma < 0:
        raise ValueError("min_sigma cannot be negative")


def _standardised(y: Floats, mean: Floats, sigma: Floats) -> Floats:
    """``(y - mean) / sigma``; ±inf (0 when equal) where sigma is 0, NaN where untested."""
    diff = y - mean
    out = np.full_like(diff, np.nan)
    positive = sigma > 0
    out[positive] = diff[positive] / sigma[positive]
    flat = sigma == 0
    out[flat] = np.select([diff[flat] > 0, diff[flat] < 0], [np.inf, -np.inf], 0.0)
    return out


def _baseline(y: Floats, *, lag: int, size: int, min_sigma: float) -> tuple[Floats, Floats]:
    """Mean and ``max(sd, min_sigma)`` of ``y[t-lag-size+1 … t-lag]`` for every t.

    Points whose window would reach before the start of the series get ``NaN``.
    """
    n = y.size
    last = lag + size - 1
    mean = np.full(n, np.nan)
    sigma = np.full(n, np.nan)
    if n > last:
        # windows[j] is y[j … j+size-1]: the baseline of t = j + last.
        windows = np.lib.stride_tricks.sliding_window_view(y, size)[: n - last]
        mean[last:] = windows.mean(axis=1)
        sigma[last:] = np.maximum(windows.std(axis=1, ddof=1), min_sigma)
    return mean, sigma


def _shewhart(y: Floats, *, lag: int, baseline: int, z: float, min_sigma: float) -> Detection:
    _check_ears(baseline, min_sigma)
    mean, sigma = _baseline(y, lag=lag, size=baseline, min_sigma=min_sigma)
    upper = mean + z * sigma
    alarm = np.isfinite(upper) & (y > upper)
    return Detection(
        statistic=_standardised(y, mean, sigma), upper=upper, expected=mean, alarm=alarm
    )


def ears_c1(
    counts: ArrayLike,
    *,
    alpha: float = 0.001,
    z: float | None = None,
    min_sigma: float = 0.5,
    baseline: int = 7,
) -> Detection:
    """EARS C1: day t against the mean and sd of the ``baseline`` days just before it.

    Args:
        counts: counts per day, oldest first.
        alpha: one-sided false-alarm probability per day; ``z = Φ⁻¹(1 - alpha)``.
        z: use this multiplier instead of ``alpha`` (the CDC's classic 3).
        min_sigma: floor for the standard deviation (0.5 to 1 for sparse counts).
        baseline: number of baseline days (at least 3).

    Returns:
        A :class:`Detection`; the first ``baseline`` days are untested.

    Raises:
        ValueError: counts negative or not 1-D, alpha outside (0, 1), baseline < 3,
            negative ``min_sigma``.
    """
    y = _series(counts)
    return _shewhart(y, lag=1, baseline=baseline, z=_z(alpha, z), min_sigma=min_sigma)


def ears_c2(
    counts: ArrayLike,
    *,
    alpha: float = 0.001,
    z: float | None = None,
    min_sigma: float = 0.5,
    baseline: int = 7,
) -> Detection:
    """EARS C2: like C1 with a 2-day guard band (baseline t-9…t-3 by default).

    The guard band keeps the first days of an outbreak out of its own
    baseline. Arguments, return value and errors as :func:`ears_c1`; the first
    ``baseline + 2`` days are untested.
    """
    y = _series(counts)
    return _shewhart(y, lag=3, baseline=baseline, z=_z(alpha, z), min_sigma=min_sigma)


def ears_c3(
    counts: ArrayLike,
    *,
    alpha: float = 0.025,
    z: float | None = None,
    min_sigma: float = 0.5,
    baseline: int = 7,
) -> Detection:
    """EARS C3: the C2 excesses over 1 of days t-2, t-1 and t, summed; alarm above ``z``.

    It catches a rise that stays moderately high for three days, which C2
    alone may miss. ``upper[t]`` is the count on day t that would make the sum
    exceed ``z`` given the two days before (0 when those alone already do).

    Arguments and errors as :func:`ears_c1`; ``alpha`` defaults to 0.025 as in
    R ``earsC`` (the CDC's classic threshold is ``z=2``). The first
    ``baseline + 4`` days are untested.
    """
    y = _series(counts)
    threshold = _z(alpha, z)
    _check_ears(baseline, min_sigma)
    mean, sigma = _baseline(y, lag=3, size=baseline, min_sigma=min_sigma)
    excess = np.maximum(_standardised(y, mean, sigma) - 1.0, 0.0)  # NaN stays NaN
    before = np.full_like(y, np.nan)  # the excesses of days t-1 and t-2
    before[2:] = excess[1:-1] + excess[:-2]
    statistic = before + excess
    remaining = threshold - before  # what day t alone must add
    with np.errstate(invalid="ignore"):  # 0·∞ where sigma is 0 and the lags are infinite
        upper = np.where(remaining > 0, np.maximum(mean + sigma * (1.0 + remaining), 0.0), 0.0)
    upper[np.isnan(statistic)] = np.nan
    alarm = statistic > threshold
    return Detection(statistic=statistic, upper=upper, expected=mean, alarm=alarm)


def poisson_cusum(
    counts: ArrayLike, *, mu0: ArrayLike, shift: ArrayLike, h: ArrayLike
) -> Detection:
    """Lucas' Poisson CUSUM, restarting at zero after each alarm.

    Args:
        counts: counts per period, oldest first.
        mu0: in-control mean per period (a scalar or one per period), > 0.
        shift: the rise to detect, ``μ1 = μ0 + shift`` (scalar or per period), > 0.
        h: decision interval (scalar or per period), > 0.

    Returns:
        A :class:`Detection` whose ``statistic`` is ``S_t`` before any restart,
        ``expected`` is μ0, and ``upper[t]`` is the count at t that would make
        ``S_t`` exceed ``h``.

    Raises:
        ValueError: a non-positive mean, shift or decision interval.
    """
    y = _series(counts)
    m0 = np.broadcast_to(np.asarray(mu0, dtype=np.float64), y.shape)
    delta = np.broadcast_to(np.asarray(shift, dtype=np.float64), y.shape)
    limit = np.broadcast_to(np.asarray(h, dtype=np.float64), y.shape)
    if not (np.all(m0 > 0) and np.all(delta > 0) and np.all(limit > 0)):
        raise ValueError("mu0, shift and h must be positive")
    k = delta / (np.log(m0 + delta) - np.log(m0))
    statistic = np.empty_like(y)
    upper = np.empty_like(y)
    alarm = np.zeros(y.shape, dtype=np.bool_)
    s = 0.0
    for t in range(y.size):
        upper[t] = limit[t] + k[t] - s
        s = max(0.0, s + y[t] - k[t])
        statistic[t] = s
        if s > limit[t]:
            alarm[t] = True
            s = 0.0
    return Detection(statistic=statistic, upper=upper, expected=m0.copy(), alarm=alarm)


def ewma_nssp(
    counts: ArrayLike,
    *,
    baseline: int = 28,
    min_baseline: int = 11,
    guard: int = 2,
    smoothing: tuple[float, ...] = (0.4, 0.9),
    red: float = 0.01,
    yellow: float = 0.05,
) -> EwmaDetection:
    """NSSP/ESSENCE EWMA with a gradual and a sudden smoother; red is the alarm.

    Args:
        counts: counts per day, oldest first.
        baseline: longest baseline (days); it grows from ``min_baseline``.
        min_baseline: the first tested day needs this many baseline days.
        guard: days between the baseline and the tested day.
        smoothing: the EWMA weights (gradual, sudden).
        red: p-value below which a day is red (an alarm).
        yellow: p-value below which a day is yellow (a warning).

    Returns:
        An :class:`EwmaDetection`; ``upper[t]`` is the count at t that would turn it red.

    Raises:
        ValueError: weights outside (0, 1], or ``3 <= min_baseline <= baseline`` broken.
    """
    y = _series(counts)
    if min_baseline < 3 or baseline < min_baseline or guard < 0:
        raise ValueError("need 3 <= min_baseline <= baseline and guard >= 0")
    weights = np.asarray(smoothing, dtype=np.float64)
    if weights.size == 0 or np.any(weights <= 0) or np.any(weights > 1):
        raise ValueError("smoothing weights must be in (0, 1]")
    n = y.size
    expected, statistic, upper, p_value = (np.full(n, np.nan) for _ in range(4))
    smoothed = np.full(weights.size, y[0] if n else 0.0)
    for t in range(1, n):
        previous = smoothed
        smoothed = weights * y[t] + (1 - weights) * previous
        if t < min_baseline + guard:
            continue
        window = y[max(0, t - guard - baseline) : t - guard]
        mean = float(window.mean())
        dof = window.size - 1
        sigma = _ewma_sigma(weights, float(window.std(ddof=1)), window.size, guard, dof)
        z_stats = (smoothed - mean) / sigma
        p_values = stats.t.sf(z_stats, dof)
        best = p_values.size - 1 - int(np.argmin(p_values[::-1]))  # ties: the later smoother
        expected[t], statistic[t], p_value[t] = mean, z_stats[best], p_values[best]
        red_limit = float(stats.t.ppf(1 - red, dof))
        upper[t] = float(np.min((mean + red_limit * sigma - (1 - weights) * previous) / weights))
        alert_limit = round(float(stats.t.ppf(0.99, dof)), 5)
        outlying = np.abs(z_stats) > alert_limit
        smoothed = np.where(outlying, mean + np.sign(z_stats) * alert_limit * sigma, smoothed)
    levels = tuple(_level(float(p), red, yellow) for p in p_value)
    alarm = np.array([level is EwmaLevel.RED for level in levels], dtype=np.bool_)
    detection = Detection(statistic=statistic, upper=upper, expected=expected, alarm=alarm)
    return EwmaDetection(detection=detection, p_value=p_value, level=levels)


def _ewma_sigma(weights: Floats, sd: float, size: int, guard: int, dof: int) -> Floats:
    """ESSENCE's standard error of each smoother: corrected, offset and floored."""
    warning_limit = round(float(stats.t.ppf(0.95, dof)), 5)
    decay = 1 - weights
    correction = np.sqrt(
        weights / (2 - weights) + 1 / size - 2 * decay ** (guard + 1) * (1 - decay**size) / size
    )
    constant = (0.1289 - (0.2414 - 0.1826 * decay**4) * np.log(10 * 0.05)) * (
        weights / warning_limit
    )
    floor = (weights / warning_limit) * (1 + 0.5 * decay**2)
    return np.asarray(np.maximum(floor, sd * correction + constant), dtype=np.float64)


def _level(p: float, red: float, yellow: float) -> EwmaLevel:
    if np.isnan(p):
        return EwmaLevel.GREY
    if p < red:
        return EwmaLevel.RED
    if p < yellow:
        return EwmaLevel.YELLOW
    return EwmaLevel.BLUE
