"""EARS, Poisson CUSUM and NSSP EWMA against hand-worked values and plain re-implementations.

The expected values are computed here, independently of the module: with the
``statistics`` module on explicit vectors (EARS), and with straightforward
loops transcribed from the published definitions (CUSUM: Lucas 1985; EWMA:
``Rnssp::alert_ewma``'s ``ewma_loop``, kept in its 1-based index form).
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from dashboards.syndromic.detectors import (
    EwmaLevel,
    ears_c1,
    ears_c2,
    ears_c3,
    ewma_nssp,
    poisson_cusum,
)

Z_999 = statistics.NormalDist().inv_cdf(0.999)
Z_975 = statistics.NormalDist().inv_cdf(0.975)

counts_lists = st.lists(st.integers(min_value=0, max_value=60), min_size=0, max_size=40)


def test_c1_worked_example_by_hand() -> None:
    # Baseline 2,3,4,3,2,5,2: mean 3, sd sqrt(8/6) = 1.1547; with the CDC's
    # classic z = 3 the upper bound is 3 + 3 * 1.1547 = 6.464: 7 alarms, 6 does not.
    baseline = [2, 3, 4, 3, 2, 5, 2]
    upper = 3 + 3 * math.sqrt(8 / 6)
    for today, alarms in ((7, True), (6, False)):
        result = ears_c1([*baseline, today], z=3, min_sigma=0)
        assert result.upper[7] == pytest.approx(upper)
        assert result.expected[7] == pytest.approx(3.0)
        assert result.statistic[7] == pytest.approx((today - 3) / math.sqrt(8 / 6))
        assert bool(result.alarm[7]) is alarms
        assert np.all(np.isnan(result.upper[:7])) and not result.alarm[:7].any()


def test_c1_and_c2_use_their_own_baselines_with_n_minus_1_sd() -> None:
    y = [4, 0, 3, 7, 1, 2, 5, 9, 6, 2, 8, 3, 12, 1]
    c1 = ears_c1(y, min_sigma=0.5)
    c2 = ears_c2(y, min_sigma=0.5)
    for t in range(len(y)):
        if t >= 7:
            window = y[t - 7 : t]
            sigma = max(statistics.stdev(window), 0.5)
            assert c1.upper[t] == pytest.approx(statistics.mean(window) + Z_999 * sigma)
            assert bool(c1.alarm[t]) == bool(y[t] > c1.upper[t])
        else:
            assert math.isnan(c1.upper[t])
        if t >= 9:
            window = y[t - 9 : t - 2]
            sigma = max(statistics.stdev(window), 0.5)
            assert c2.expected[t] == pytest.approx(statistics.mean(window))
            assert c2.upper[t] == pytest.approx(statistics.mean(window) + Z_999 * sigma)
            assert c2.statistic[t] == pytest.approx((y[t] - statistics.mean(window)) / sigma)
        else:
            assert math.isnan(c2.upper[t]) and not c2.alarm[t]


def test_min_sigma_floors_a_flat_baseline() -> None:
    # Seven zeros: sd 0, so sigma is min_sigma; upper = z * 0.5 = 1.545 and 2 calls alarm.
    y = [0] * 9 + [2]
    assert ears_c2(y, min_sigma=0.5).upper[9] == pytest.approx(Z_999 * 0.5)
    assert ears_c2(y, min_sigma=0.5).alarm[9]
    assert not ears_c2(y, min_sigma=1.0).alarm[9]  # upper 3.09
    flat = ears_c2(y, min_sigma=0.0)  # R's default: sd 0 means any rise alarms
    assert flat.upper[9] == 0.0 and flat.statistic[9] == math.inf and flat.alarm[9]


def test_c3_sums_three_days_of_c2_excess() -> None:
    y = [3, 4, 2, 5, 3, 4, 3, 2, 4, 3, 6, 7, 9, 4, 3]
    c3 = ears_c3(y, min_sigma=0.5)

    def c2stat(t: int) -> float:
        window = y[t - 9 : t - 2]
        return (y[t] - statistics.mean(window)) / max(statistics.stdev(window), 0.5)

    for t in range(len(y)):
        if t < 11:
            assert math.isnan(c3.statistic[t]) and not c3.alarm[t]
            continue
        parts = [max(0.0, c2stat(t - k) - 1) for k in range(3)]
        assert c3.statistic[t] == pytest.approx(sum(parts))
        assert bool(c3.alarm[t]) == (sum(parts) > Z_975)
        # upper: the count on day t at which its own part makes the sum reach z.
        window = y[t - 9 : t - 2]
        mean, sigma = statistics.mean(window), max(statistics.stdev(window), 0.5)
        remaining = Z_975 - parts[1] - parts[2]
        expected_upper = max(mean + sigma * (1 + remaining), 0.0) if remaining > 0 else 0.0
        assert c3.upper[t] == pytest.approx(expected_upper)
    assert c3.alarm.any(), "the 6, 7, 9 run must alarm"


def test_c3_counts_the_current_day_unlike_rs_upper_bound() -> None:
    # Quiet days t-2 and t-1, a jump on day t: C3 includes day t's own excess.
    y = [2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 2, 20]
    c3 = ears_c3(y, min_sigma=0.5)
    assert c3.alarm[12]
    assert not ears_c3([*y[:-1], 2], min_sigma=0.5).alarm[12]


@pytest.mark.parametrize("detector", [ears_c1, ears_c2, ears_c3])
def test_bad_parameters_are_refused(detector: object) -> None:
    assert callable(detector)
    with pytest.raises(ValueError):
        detector([1, 2, -1])
    with pytest.raises(ValueError):
        detector([[1, 2], [3, 4]])
    with pytest.raises(ValueError):
        detector([1, 2, 3], baseline=2)
    with pytest.raises(ValueError):
        detector([1, 2, 3], min_sigma=-1)
    with pytest.raises(ValueError):
        detector([1, 2, 3], alpha=1.5)


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=40))
def test_c2_never_alarms_on_a_constant_series(value: int, length: int) -> None:
    for min_sigma in (0.0, 0.5):
        assert not ears_c2([value] * length, min_sigma=min_sigma).alarm.any()
        assert not ears_c3([value] * length, min_sigma=min_sigma).alarm.any()


@given(
    counts_lists,
    st.floats(min_value=0.1, max_value=50),
    st.floats(min_value=0, max_value=100),
)
def test_ears_statistics_do_not_depend_on_units_or_offset(
    counts: list[int], scale: float, shift: float
) -> None:
    # (a·y + b - (a·mean + b)) / (a·sd) is the same statistic: alarms too,
    # as long as min_sigma is scaled with the counts.
    for detector in (ears_c1, ears_c2, ears_c3):
        base = detector(counts, min_sigma=0.5)
        moved = detector([scale * c + shift for c in counts], min_sigma=0.5 * scale)
        np.testing.assert_allclose(moved.statistic, base.statistic, rtol=1e-6, atol=1e-9)
        clear = np.abs(np.nan_to_num(base.statistic) - Z_999) > 1e-6
        assert np.array_equal(moved.alarm[clear], base.alarm[clear])


@given(counts_lists)
def test_an_alarm_is_a_count_above_its_upper_bound(counts: list[int]) -> None:
    for detector in (ears_c1, ears_c2):
        result = detector(counts)
        tested = ~np.isnan(result.upper)
        assert np.array_equal(
            result.alarm[tested], np.asarray(counts)[tested] > result.upper[tested]
        )
        assert not result.alarm[~tested].any()


def plain_cusum(
    counts: list[int], mu0: list[float], shift: list[float], h: list[float]
) -> tuple[list[float], list[bool]]:
    """Lucas' Poisson CUSUM, written out."""
    s = 0.0
    sums, alarms = [], []
    for y, m0, d, limit in zip(counts, mu0, shift, h, strict=True):
        k = d / (math.log(m0 + d) - math.log(m0))
        s = max(0.0, s + y - k)
        sums.append(s)
        alarms.append(s > limit)
        if s > limit:
            s = 0.0
    return sums, alarms


def test_cusum_worked_example() -> None:
    # mu0 = 1, mu1 = 2: k = 1/ln 2 = 1.4427; h = 3.
    # y = 0, 3, 2, 1, 4 -> S = 0, 1.557, 2.115, 1.672, 4.229 (alarm, restart)
    result = poisson_cusum([0, 3, 2, 1, 4, 2], mu0=1.0, shift=1.0, h=3.0)
    k = 1 / math.log(2)
    expected = [0, 3 - k, 5 - 2 * k, 6 - 3 * k, 10 - 4 * k, 2 - k]
    np.testing.assert_allclose(result.statistic, expected)
    assert result.alarm.tolist() == [False, False, False, False, True, False]
    assert result.upper[4] == pytest.approx(3 + k - (6 - 3 * k))


@settings(max_examples=60)
@given(st.data())
def test_cusum_matches_a_plain_implementation(data: st.DataObject) -> None:
    counts = data.draw(st.lists(st.integers(min_value=0, max_value=30), max_size=60))
    n = len(counts)
    positive = st.floats(min_value=0.05, max_value=20)
    mu0 = data.draw(st.lists(positive, min_size=n, max_size=n))
    shift = data.draw(st.lists(positive, min_size=n, max_size=n))
    h = data.draw(st.lists(st.floats(min_value=0.5, max_value=20), min_size=n, max_size=n))
    result = poisson_cusum(counts, mu0=mu0, shift=shift, h=h)
    sums, alarms = plain_cusum(counts, mu0, shift, h)
    np.testing.assert_allclose(result.statistic, sums, rtol=1e-9, atol=1e-9)
    assert result.alarm.tolist() == alarms
    # the alarm is exactly "the count exceeded upper"
    assert result.alarm.tolist() == [y > u for y, u in zip(counts, result.upper, strict=True)]


def test_cusum_refuses_non_positive_parameters() -> None:
    for kwargs in ({"mu0": 0.0}, {"shift": 0.0}, {"h": -1.0}):
        arguments = {"mu0": 1.0, "shift": 1.0, "h": 1.0} | kwargs
        with pytest.raises(ValueError):
            poisson_cusum([1, 2], **arguments)


def plain_ewma(y: list[float], *, g: int = 2, w1: float = 0.4, w2: float = 0.9) -> list[float]:
    """``Rnssp:::ewma_loop`` transcribed with its 1-based indices; returns the p-values."""
    n = len(y)
    min_baseline, max_baseline = 11, 28
    y1 = [math.nan, *y]  # y1[i] is R's y[i]
    z1 = [math.nan] * (n + 1)
    z2 = [math.nan] * (n + 1)
    p = [math.nan] * (n + 1)
    z1[1] = z2[1] = y1[1]
    for i in range(2, min_baseline + g + 1):
        if i <= n:
            z1[i] = w1 * y1[i] + (1 - w1) * z1[i - 1]
            z2[i] = w2 * y1[i] + (1 - w2) * z2[i - 1]
    ndx = list(range(1, min_baseline))
    for i in range(min_baseline + g + 1, n + 1):
        if ndx[-1] < max_baseline:
            ndx = [0, *ndx]
        ndx = [j + 1 for j in ndx]
        base = [y1[j] for j in ndx]
        dof = len(ndx) - 1
        expected, sigma = statistics.mean(base), statistics.stdev(base)
        length = len(ndx)
        ucl_alert = round(float(stats.t.ppf(0.99, dof)), 5)
        ucl_warning = round(float(stats.t.ppf(0.95, dof)), 5)
        sigmas = []
        for w in (w1, w2):
            correction = math.sqrt(
                w / (2 - w) + 1 / length - 2 * (1 - w) ** (g + 1) * (1 - (1 - w) ** length) / length
            )
            floor = (w / ucl_warning) * (1 + 0.5 * (1 - w) ** 2)
            constant = (0.1289 - (0.2414 - 0.1826 * (1 - w) ** 4) * math.log(10 * 0.05)) * (
                w / ucl_warning
            )
            sigmas.append(max(floor, sigma * correction + constant))
        z1[i] = w1 * y1[i] + (1 - w1) * z1[i - 1]
        z2[i] = w2 * y1[i] + (1 - w2) * z2[i - 1]
        t1 = (z1[i] - expected) / sigmas[0]
        t2 = (z2[i] - expected) / sigmas[1]
        if abs(t1) > ucl_alert:
            z1[i] = expected + math.copysign(1, t1) * ucl_alert * sigmas[0]
        if abs(t2) > ucl_alert:
            z2[i] = expected + math.copysign(1, t2) * ucl_alert * sigmas[1]
        p1 = 1 - float(stats.t.cdf(t1, dof))
        p2 = 1 - float(stats.t.cdf(t2, dof))
        p[i] = p1 if p1 < p2 else p2
    return p[1:]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ewma_matches_rnssp_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.poisson(6, 70).astype(float)
    y[50:53] += [12, 15, 9]  # a sudden rise and its tail
    y[60:] += np.arange(10) * 2  # a gradual rise
    result = ewma_nssp(y)
    expected = plain_ewma(list(y))
    np.testing.assert_allclose(result.p_value, expected, rtol=1e-7, atol=1e-12, equal_nan=True)
    levels = [
        EwmaLevel.GREY
        if math.isnan(p)
        else EwmaLevel.RED
        if p < 0.01
        else EwmaLevel.YELLOW
        if p < 0.05
        else EwmaLevel.BLUE
        for p in expected
    ]
    assert list(result.level) == levels
    assert result.detection.alarm[51] or result.detection.alarm[50]
    assert list(result.level[:13]) == [EwmaLevel.GREY] * 13


def test_ewma_upper_is_the_count_that_turns_the_day_red() -> None:
    rng = np.random.default_rng(7)
    y = list(rng.poisson(5, 40).astype(float))
    upper = ewma_nssp(y).detection.upper[-1]
    assert not ewma_nssp([*y[:-1], math.floor(upper)]).detection.alarm[-1]
    assert ewma_nssp([*y[:-1], math.floor(upper) + 1]).detection.alarm[-1]


@given(st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=45))
def test_ewma_never_alarms_on_a_constant_series(value: int, length: int) -> None:
    result = ewma_nssp([value] * length)
    assert not result.detection.alarm.any()
    assert EwmaLevel.YELLOW not in result.level


def test_ewma_refuses_bad_parameters() -> None:
    with pytest.raises(ValueError):
        ewma_nssp([1, 2, 3], smoothing=(0.0, 0.9))
    with pytest.raises(ValueError):
        ewma_nssp([1, 2, 3], baseline=5, min_baseline=11)
