"""Sensitivity estimators on evaluated designs (no simulation here: plain arrays in, indices out).

* Morris elementary effects (Morris 1991; mu* of Campolongo et al. 2007): EE_i = (y(x + e_i Delta) - y(x)) /
  Delta in unit-cube coordinates, mu*_i = mean |EE_i|, sigma_i = standard deviation of EE_i.
* Sobol' indices from Saltelli's design (Saltelli et al. 2010, table 2): first order
  S_i = mean(f(B) (f(A_B^i) - f(A))) / V, total order S_Ti = mean((f(A) - f(A_B^i))^2) / (2 V) (Jansen 1999),
  V the variance of f over A and B together.
* Local normalised sensitivities by central differences: S_i = (y(p_i (1+h)) - y(p_i (1-h))) / (2 h y(p)).
* A percentile bootstrap interval of mu* over the trajectories (each trajectory gives one independent elementary
  effect of every factor, so trajectories are the units resampled; Efron & Tibshirani 1993, ch. 13).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MorrisIndices", "SobolIndices", "elementary_effects", "local_normalised", "morris_indices",
           "mu_star_interval", "sobol_indices"]


@dataclass(frozen=True)
class MorrisIndices:
    mu: np.ndarray  # mean elementary effect (k,)
    mu_star: np.ndarray  # mean absolute elementary effect (k,)
    sigma: np.ndarray  # standard deviation of the elementary effects (k,)


def elementary_effects(unit: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Elementary effects (r, k): row t holds trajectory t's effect of each factor (rows of ``unit`` r*(k+1) x k
    in unit coordinates, as :func:`morris_trajectories` makes them; outputs ``y`` (r*(k+1),)); NaN where a step
    has a NaN end."""
    r = len(y) // (k + 1)
    out = np.full((r, k), np.nan)
    for t in range(r):
        xs, ys = unit[t * (k + 1):(t + 1) * (k + 1)], y[t * (k + 1):(t + 1) * (k + 1)]
        dx = np.diff(xs, axis=0)
        moved = np.argmax(np.abs(dx), axis=1)
        with np.errstate(invalid="ignore"):
            out[t, moved] = np.diff(ys) / dx[np.arange(k), moved]
    out[~np.isfinite(out)] = np.nan
    return out


def morris_indices(unit: np.ndarray, y: np.ndarray, k: int) -> MorrisIndices:
    """Indices from trajectories (rows r*(k+1) x k in unit coordinates, as :func:`morris_trajectories` makes
    them) and outputs ``y`` (r*(k+1),); trajectories with a NaN step leave that effect out."""
    ee = elementary_effects(unit, y, k)
    n = np.sum(np.isfinite(ee), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.where(n > 0, np.nansum(ee, axis=0) / np.maximum(n, 1), np.nan)
        mu_star = np.where(n > 0, np.nansum(np.abs(ee), axis=0) / np.maximum(n, 1), np.nan)
        sq = np.nansum((ee - mu) ** 2, axis=0)
        sigma = np.where(n > 1, np.sqrt(sq / np.maximum(n - 1, 1)), np.nan)
    return MorrisIndices(mu, mu_star, sigma)


def mu_star_interval(effects: np.ndarray, level: float = 0.95, resamples: int = 2000, seed: int = 0
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval (low, high) of each factor's mu* from its elementary effects (r, k, as
    :func:`elementary_effects`): trajectories drawn with replacement, NaN effects left out of each mean; NaN for
    a factor with no finite effect."""
    r, k = effects.shape
    rng = np.random.default_rng(seed)
    times_drawn = np.zeros((resamples, r))  # how often each resample holds each trajectory
    np.add.at(times_drawn, (np.repeat(np.arange(resamples), r), rng.integers(0, r, size=resamples * r)), 1.0)
    finite = np.isfinite(effects)
    sums = times_drawn @ np.where(finite, np.abs(effects), 0.0)
    counts = times_drawn @ finite.astype(np.float64)
    means = np.divide(sums, counts, out=np.full((resamples, k), np.nan), where=counts > 0)
    tail = 100.0 * (1.0 - level) / 2.0
    low, high = np.full(k, np.nan), np.full(k, np.nan)
    some = np.isfinite(means).any(axis=0)
    if some.any():
        low[some], high[some] = np.nanpercentile(means[:, some], [tail, 100.0 - tail], axis=0)
    return low, high


@dataclass(frozen=True)
class SobolIndices:
    first: np.ndarray  # S_i (k,)
    total: np.ndarray  # S_Ti (k,)
    variance: float


#: a spread of an output below this fraction of its size is the integrator's error, not a response (a scenario's
#: default rtol is 1e-6)
NOISE_RELATIVE = 1e-6


def sobol_indices(y: np.ndarray, n: int, k: int) -> SobolIndices:
    """Indices from outputs of Saltelli's design ([A; B; A_B^(1..k)], n rows each); NaN when the output's
    variance is the integrator's error (standard deviation at most :data:`NOISE_RELATIVE` of its mean
    magnitude)."""
    fa, fb = y[:n], y[n:2 * n]
    both = np.concatenate([fa, fb])
    v = float(np.var(both))
    first, total = np.full(k, np.nan), np.full(k, np.nan)
    # an output that does not move beyond the solver's error has no indices (ratios of noise would look like
    # answers: a healthy adult's platelet nadir, steady to 3.5e-9 of its value, had a first-order index of -2e7)
    if v > (NOISE_RELATIVE * float(np.mean(np.abs(both)))) ** 2 and v > 0:
        for i in range(k):
            fab = y[(2 + i) * n:(3 + i) * n]
            first[i] = np.mean(fb * (fab - fa)) / v
            total[i] = 0.5 * np.mean((fa - fab) ** 2) / v
    return SobolIndices(first, total, v)


def local_normalised(y_plus: np.ndarray, y_minus: np.ndarray, y0: np.ndarray, h: float) -> np.ndarray:
    """d log y / d log p by central differences at relative step ``h`` (NaN where y(p) is 0 or not finite)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (y_plus - y_minus) / (2.0 * h * y0)
    return np.where(np.isfinite(s) & (y0 != 0), s, np.nan)
