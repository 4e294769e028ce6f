"""Farrington Flexible: the threshold by hand, the fit on simple cases, seasonal outbreaks."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from dashboards.syndromic.farrington import farrington_flexible, farrington_upper

Z_95 = statistics.NormalDist().inv_cdf(0.95)


def seasonal_weeks(years: int, *, seed: int, extra: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Weekly Poisson counts with a winter peak: mean 20 ± 12 over the year."""
    weeks = np.arange(years * 52 + extra)
    mean = 20 + 12 * np.cos(2 * np.pi * weeks / 52)
    return np.random.default_rng(seed).poisson(mean).astype(float), mean


def test_threshold_formula_by_hand() -> None:
    # mu0 = 10, se(mu0) = 1, phi = 1.5: tau = 1.5 + 1/10 = 1.6,
    # sd on the 2/3 scale = sqrt(4/9 * 10^(1/3) * 1.6) = sqrt(1.5320) = 1.2378,
    # upper = (10^(2/3) + 1.6449 * 1.2378)^(3/2) = (4.6416 + 2.0360)^1.5 = 17.26.
    sd = math.sqrt(4 / 9 * 10 ** (1 / 3) * 1.6)
    assert sd == pytest.approx(1.2378, abs=1e-4)
    expected = (10 ** (2 / 3) + Z_95 * sd) ** 1.5
    assert expected == pytest.approx(17.26, abs=0.01)
    assert farrington_upper(10.0, 1.0, 1.5) == pytest.approx(expected)
    assert farrington_upper(10.0, 1.0, 1.5, alpha=0.01) > expected


def test_constant_references_give_the_textbook_threshold() -> None:
    # Every reference week is 10: the fit is exact, so mu0 = 10, se = 0,
    # phi = max(1, 0) = 1 and upper = (10^(2/3) + z * sqrt(4/9 * 10^(1/3)))^(3/2).
    counts = np.full(2 * 52 + 4, 10.0)
    counts[-1] = 16
    result = farrington_flexible(counts, b=2)
    assert result is not None
    upper = (10 ** (2 / 3) + Z_95 * math.sqrt(4 / 9 * 10 ** (1 / 3))) ** 1.5
    assert result.expected == pytest.approx(10.0)
    assert result.phi == 1.0
    assert result.upper == pytest.approx(upper)  # 15.63
    assert result.alarm and result.score == pytest.approx((16 - 10) / (upper - 10))
    counts[-1] = 15
    quiet = farrington_flexible(counts, b=2)
    assert quiet is not None and not quiet.alarm


def test_intercept_only_fit_is_the_mean_and_phi_the_pearson_dispersion() -> None:
    # No trend (b < 3), no seasonal blocks, no outliers: the quasi-Poisson mean is
    # the mean of the 2 * (2w + 1) = 14 reference weeks, phi their Pearson X2 / 13.
    counts, _ = seasonal_weeks(2, seed=4)
    now = counts.size - 1
    references = [counts[now - year * 52 + d] for year in (1, 2) for d in range(-3, 4)]
    mean = statistics.fmean(references)
    pearson = sum((r - mean) ** 2 / mean for r in references) / (len(references) - 1)
    result = farrington_flexible(counts, b=2, reweight=False)
    assert result is not None
    assert result.references == 14
    assert result.expected == pytest.approx(mean)
    assert result.phi == pytest.approx(max(1.0, pearson))
    se = mean * math.sqrt(pearson / sum(references))  # delta method: mu * sd(log mu)
    assert result.upper == pytest.approx(farrington_upper(mean, se, max(1.0, pearson)))


@pytest.mark.parametrize(
    ("periods", "past_excluded"), [(1, None), (10, 26)], ids=["windows", "noufaily"]
)
def test_an_injected_outbreak_week_alarms_and_a_quiet_week_does_not(
    periods: int, past_excluded: int | None
) -> None:
    counts, mean = seasonal_weeks(5, seed=11)
    expected_now = mean[-1]
    counts[-1] = round(expected_now)
    quiet = farrington_flexible(counts, b=5, periods=periods, past_excluded=past_excluded)
    assert quiet is not None and not quiet.alarm
    assert quiet.expected == pytest.approx(expected_now, rel=0.25)
    counts[-1] = round(expected_now * 2.2)
    outbreak = farrington_flexible(counts, b=5, periods=periods, past_excluded=past_excluded)
    assert outbreak is not None and outbreak.alarm and outbreak.score > 1
    assert outbreak.upper == pytest.approx(quiet.upper)


def test_seasonality_sets_the_bar_summer_and_winter() -> None:
    # The same count is an outbreak in summer and ordinary in winter.
    counts, mean = seasonal_weeks(3, seed=5, extra=27)  # ends mid-summer (trough)
    counts[-1] = 25
    summer = farrington_flexible(counts, b=3)
    winter_counts, winter_mean = seasonal_weeks(4, seed=5, extra=1)  # ends at the peak
    winter_counts[-1] = 25
    winter = farrington_flexible(winter_counts, b=3)
    assert summer is not None and winter is not None
    assert mean[-1] < 10 < 30 < winter_mean[-1]
    assert summer.alarm and not winter.alarm


def test_reweighting_keeps_a_past_outbreak_from_raising_the_bar() -> None:
    counts, _ = seasonal_weeks(5, seed=0)
    now = counts.size - 1
    counts[now - 52] *= 4  # last year's outbreak week sits in this week's reference window
    counts[now] = 50
    plain = farrington_flexible(counts, b=5, reweight=False)
    robust = farrington_flexible(counts, b=5)
    assert plain is not None and robust is not None
    assert robust.phi < plain.phi
    assert robust.expected < plain.expected
    assert robust.upper < 50 < plain.upper
    assert robust.alarm and not plain.alarm


def test_no_alarm_without_five_cases_in_four_weeks() -> None:
    counts = np.zeros(52 + 4)
    counts[: 52 - 3] = np.tile([0.0, 1.0], 25)[: 52 - 3]  # ~0.5 a week
    counts[-4:] = [0, 0, 0, 4]
    result = farrington_flexible(counts, b=1)
    assert result is not None
    assert result.observed > result.upper
    assert not result.enough_cases and not result.alarm
    counts[-2] = 1
    assert (result := farrington_flexible(counts, b=1)) is not None and result.alarm


def test_a_trend_is_kept_only_with_three_years_and_significance() -> None:
    weeks = np.arange(4 * 52 + 4)
    mean = 40 * np.exp(0.0015 * weeks)  # +8% a year
    rising = np.random.default_rng(0).poisson(mean).astype(float)
    with_trend = farrington_flexible(rising, b=4)
    without = farrington_flexible(rising, b=4, trend=False)
    short = farrington_flexible(rising[-(2 * 52 + 4) :], b=2)  # significant, but 2 years
    assert with_trend is not None and without is not None and short is not None
    assert with_trend.trend and not without.trend and not short.trend
    assert without.expected < mean[-1] < with_trend.expected
    flat = np.random.default_rng(0).poisson(np.full(weeks.size, 40.0)).astype(float)
    assert (result := farrington_flexible(flat, b=4)) is not None and not result.trend


def test_a_trend_that_overshoots_every_reference_is_dropped() -> None:
    # A steep, steady rise: the trend is significant but its prediction for
    # this week is above every reference week, so it is not trusted.
    weeks = np.arange(4 * 52 + 4)
    steep = np.random.default_rng(3).poisson(100 * np.exp(0.01 * weeks)).astype(float)
    result = farrington_flexible(steep, b=4)
    assert result is not None and not result.trend


def test_history_and_parameters_are_checked() -> None:
    with pytest.raises(ValueError, match="weeks of history"):
        farrington_flexible(np.ones(52 + 3), b=1)
    with pytest.raises(ValueError):
        farrington_flexible(np.ones(60), b=0)
    with pytest.raises(ValueError):
        farrington_flexible(-np.ones(60), b=1)
    with pytest.raises(ValueError, match="seasonal periods"):
        farrington_flexible(np.ones(60), b=1, periods=60)


def test_all_zero_references_cannot_be_fitted() -> None:
    counts = np.zeros(52 + 4)
    counts[-1] = 6
    assert farrington_flexible(counts, b=1) is None
