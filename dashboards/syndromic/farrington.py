"""Farrington Flexible: a seasonal, outbreak-robust threshold for weekly counts.

Published definition followed: Noufaily et al., "An improved algorithm for
outbreak detection in multiple surveillance systems", Stat Med 32 (2013),
building on Farrington et al., JRSS A 159 (1996), with the defaults of R
``surveillance::farringtonFlexible`` (cran/surveillance
``R/farringtonFlexible.R``):

1. Reference values: the weeks within ``w`` of the same week in each of the
   past ``b`` years. With ``periods=1`` only those windows are used (the
   original design); with ``periods=10`` (Noufaily's variant, also CDC
   ``Rnssp::alert_farrington(method="modified")``) every week from the oldest
   window on is used, the weeks between windows split into 9 blocks, each
   with its own seasonal factor level, the windows sharing the tenth.
2. The most recent ``past_excluded`` weeks (default ``w``; 26 in Noufaily's
   variant) are left out, so a rising outbreak does not raise its own baseline.
3. A quasi-Poisson log-linear GLM (statsmodels), with a linear trend kept
   only if it is significant (p < 0.05), at least 3 years are used, and the
   prediction does not exceed every reference count (no over-extrapolation).
   Dispersion ``phi = max(1, phi_hat)``.
4. Past outbreaks are down-weighted: standardised Anscombe residuals
   ``s_i = 3/2 (y^{2/3} μ^{-1/6} - μ^{1/2}) / sqrt(phi (1 - h_i))`` give weight
   ``gamma s_i^{-2}`` above 2.58 and ``gamma`` otherwise (gamma makes the
   weights average 1), and the model is refitted once.
5. Threshold on the 2/3-power scale (:func:`farrington_upper`, R's
   ``thresholdMethod="delta"``); alarm when the count exceeds it, is not zero,
   and at least 5 cases fell in the last 4 weeks (``limit54``).

Time is the week index, as R does for series without dates. The negative
binomial thresholds of Noufaily's paper are not implemented.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationError

__all__ = ["LIMIT54", "FarringtonResult", "farrington_flexible", "farrington_upper"]

Floats = NDArray[np.float64]
_UNUSED = -1
LIMIT54 = (5, 4)
"""No alarm unless at least 5 cases fell in the last 4 weeks (the current one included)."""


@dataclass(frozen=True, slots=True)
class FarringtonResult:
    """The verdict on the last week of a series.

    ``expected`` is the model's mean μ0 for the week, ``upper`` the threshold,
    ``score`` is ``(observed - μ0) / (upper - μ0)`` (above 1 means above the
    threshold), ``enough_cases`` the ``limit54`` rule, ``trend`` whether the
    time trend was kept, ``references`` how many weeks the model was fitted on.
    """

    observed: float
    expected: float
    upper: float
    score: float
    alarm: bool
    enough_cases: bool
    phi: float
    trend: bool
    references: int


@dataclass(frozen=True, slots=True)
class _Model:
    params: Floats
    cov: Floats
    mu: Floats
    hat: Floats
    phi: float
    pvalues: Floats


def farrington_upper(mu0: float, se_mu0: float, phi: float, *, alpha: float = 0.05) -> float:
    """The upper threshold on the 2/3-power scale (Farrington 1996, eq. 4).

    ``tau = phi + se²/μ0``, ``se_t = sqrt(4/9 · μ0^{1/3} · tau)``,
    ``upper = (μ0^{2/3} + z_{1-alpha} · se_t)^{3/2}``.

    Args:
        mu0: predicted mean for the week (> 0).
        se_mu0: standard error of that prediction on the count scale.
        phi: dispersion (at least 1 in Farrington's use).
        alpha: one-sided false-alarm probability.
    """
    tau = phi + se_mu0**2 / mu0
    se_transformed = np.sqrt(4.0 / 9.0 * mu0 ** (1.0 / 3.0) * tau)
    z = stats.norm.ppf(1.0 - alpha)
    return float((mu0 ** (2.0 / 3.0) + z * se_transformed) ** 1.5)


def farrington_flexible(
    counts: ArrayLike,
    *,
    freq: int = 52,
    b: int = 5,
    w: int = 3,
    alpha: float = 0.05,
    reweight: bool = True,
    weights_threshold: float = 2.58,
    trend: bool = True,
    p_trend: float = 0.05,
    limit54: tuple[int, int] = LIMIT54,
    periods: int = 1,
    past_excluded: int | None = None,
) -> FarringtonResult | None:
    """Test the last value of ``counts`` (weekly, oldest first) against its seasonal baseline.

    Args:
        counts: counts per week; the last one is tested.
        freq: periods per year (52 for weeks).
        b: years of history to use.
        w: half-width of the reference windows, in weeks.
        alpha: one-sided false-alarm probability of the threshold.
        reweight: down-weight past outbreaks (Anscombe residuals).
        weights_threshold: residual above which a week is down-weighted.
        trend: allow a linear time trend.
        p_trend: significance level for keeping the trend.
        limit54: ``(cases, weeks)``: no alarm unless ``cases`` fell in the last ``weeks``.
        periods: seasonal factor levels per year (1: windows only; 10: Noufaily).
        past_excluded: most recent weeks left out of the fit (default ``w``).

    Returns:
        The verdict, or ``None`` when the model cannot be fitted (e.g. every
        reference week is zero), as R returns ``NA``.

    Raises:
        ValueError: fewer than ``b·freq + w + 1`` weeks, or bad parameters.
    """
    y = np.asarray(counts, dtype=np.float64)
    if y.ndim != 1 or not np.all(np.isfinite(y)) or np.any(y < 0):
        raise ValueError("counts must be a 1-D series of non-negative numbers")
    if b < 1 or w < 0 or periods < 1 or not 0 < alpha < 1:
        raise ValueError("need b >= 1, w >= 0, periods >= 1 and 0 < alpha < 1")
    if y.size < b * freq + w + 1:
        raise ValueError(f"need {b * freq + w + 1} weeks of history, got {y.size}")
    now = y.size - 1
    factors = _factors(y.size, freq=freq, b=b, w=w, periods=periods)
    factors[max(0, now - (w if past_excluded is None else past_excluded)) :] = _UNUSED
    used = np.flatnonzero(factors != _UNUSED)
    response = y[used]
    levels = [level for level in range(1, periods) if np.any(factors[used] == level)]
    # Columns: intercept, week index (the trend), one dummy per seasonal block;
    # the windows' level is the reference, so the prediction has all dummies 0.
    design = np.column_stack(
        [np.ones(used.size), used.astype(np.float64)]
        + [(factors[used] == level).astype(np.float64) for level in levels]
    )
    point = np.concatenate([[1.0, float(now)], np.zeros(len(levels))])

    def fit(with_trend: bool) -> tuple[_Model, bool] | None:
        columns = slice(None) if with_trend else np.r_[0, 2 : design.shape[1]]
        model = _fit_reweighted(response, design[:, columns], reweight, weights_threshold)
        if model is None and with_trend:
            return fit(False)
        return None if model is None else (model, with_trend)

    fitted = fit(trend)
    if fitted is None:
        return None
    model, with_trend = fitted
    if with_trend:
        mu0, _ = _predict(model, point)
        keep = model.pvalues[1] < p_trend and b >= 3 and mu0 <= response.max()
        if not keep:
            fitted = fit(False)
            if fitted is None:
                return None
            model, with_trend = fitted
    mu0, se = _predict(model, point if with_trend else np.r_[point[0], point[2:]])
    upper = farrington_upper(mu0, se, model.phi, alpha=alpha)
    observed = float(y[now])
    enough = float(y[now - limit54[1] + 1 :].sum()) >= limit54[0]
    score = (observed - mu0) / (upper - mu0)
    return FarringtonResult(
        observed=observed,
        expected=mu0,
        upper=upper,
        score=score,
        alarm=bool(enough and score > 1 and observed != 0),
        enough_cases=enough,
        phi=model.phi,
        trend=with_trend,
        references=int(used.size),
    )


def _factors(n: int, *, freq: int, b: int, w: int, periods: int) -> NDArray[np.int64]:
    """The seasonal level of every week (``periods`` for the windows), ``-1`` if unused.

    Mirrors ``blocks()`` in R ``farringtonFlexible``: windows of ``2w+1`` weeks
    around the same week of each past year (and the current week), and, when
    ``periods > 1``, the weeks between consecutive windows cut into
    ``periods - 1`` blocks, the longer blocks first.
    """
    now = n - 1
    factors = np.full(n, _UNUSED, dtype=np.int64)
    factors[now - w : now + 1] = periods
    for year in range(1, b + 1):
        centre = now - year * freq
        factors[centre - w : centre + w + 1] = periods
        if periods == 1:
            continue
        gap = (now - (year - 1) * freq) - centre - 2 * w - 1
        if gap < periods - 1:
            raise ValueError("too many seasonal periods for the gap between windows")
        sizes = np.full(periods - 1, gap // (periods - 1))
        sizes[: gap % (periods - 1)] += 1
        start = centre + w + 1
        for level, size in enumerate(sizes, start=1):
            factors[start : start + size] = level
            start += int(size)
    return factors


def _fit(y: Floats, design: Floats, weights: Floats | None) -> _Model | None:
    """One quasi-Poisson fit; ``None`` when it fails or does not converge.

    The Poisson fit runs with scale 1 and the quasi-Poisson dispersion (Pearson
    chi-square over residual degrees of freedom, as R's ``summary.glm``) is
    applied afterwards: statsmodels' ``scale="X2"`` fails on a perfect fit.
    """
    glm = sm.GLM(y, design, family=sm.families.Poisson(), var_weights=weights)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = glm.fit()
        except (ValueError, np.linalg.LinAlgError, PerfectSeparationError):
            return None
    # A perfect fit (every reference week equal) draws a PerfectSeparationWarning
    # from statsmodels; R fits it without complaint, and so do we.
    failed = not result.converged or any(issubclass(w.category, ConvergenceWarning) for w in caught)
    dof = int(result.df_resid)
    if failed or dof <= 0 or not np.all(np.isfinite(result.params)):
        return None
    mu = np.asarray(result.mu, dtype=np.float64)
    prior = np.ones_like(y) if weights is None else weights
    dispersion = float(np.sum(prior * (y - mu) ** 2 / mu) / dof)
    params = np.asarray(result.params, dtype=np.float64)
    cov = np.asarray(result.cov_params(), dtype=np.float64) * dispersion
    with np.errstate(divide="ignore", invalid="ignore"):  # a perfect fit has se 0
        t_values = params / np.sqrt(np.diag(cov))
    return _Model(
        params=params,
        cov=cov,
        mu=mu,
        hat=np.asarray(result.get_hat_matrix_diag(), dtype=np.float64),
        phi=max(1.0, dispersion),
        pvalues=2 * stats.t.sf(np.abs(t_values), dof),
    )


def _fit_reweighted(y: Floats, design: Floats, reweight: bool, threshold: float) -> _Model | None:
    """Fit, then (optionally) refit once with past outbreaks down-weighted."""
    model = _fit(y, design, None)
    if model is None or not reweight:
        return model
    with np.errstate(divide="ignore", invalid="ignore"):  # leverage 1: no residual
        residuals = (
            1.5
            * (y ** (2 / 3) * model.mu ** (-1 / 6) - model.mu**0.5)
            / np.sqrt(model.phi * (1 - model.hat))
        )
        inverse_square = np.where(residuals > threshold, residuals**-2.0, 1.0)
    weights = inverse_square * (y.size / inverse_square.sum())
    return _fit(y, design, weights)


def _predict(model: _Model, point: Floats) -> tuple[float, float]:
    """Mean and its standard error (delta method) at ``point``, as R's ``predict.glm``."""
    mu = float(np.exp(point @ model.params))
    return mu, mu * float(np.sqrt(point @ model.cov @ point))
