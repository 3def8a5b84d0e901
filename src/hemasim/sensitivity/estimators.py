"""Sensitivity estimators on evaluated designs (no simulation here: plain arrays in, indices out).

* Morris elementary effects (Morris 1991; mu* of Campolongo et al. 2007): EE_i = (y(x + e_i Delta) - y(x)) /
  Delta in unit-cube coordinates, mu*_i = mean |EE_i|, sigma_i = standard deviation of EE_i.
* Sobol' indices from Saltelli's design (Saltelli et al. 2010, table 2): first order
  S_i = mean(f(B) (f(A_B^i) - f(A))) / V, total order S_Ti = mean((f(A) - f(A_B^i))^2) / (2 V) (Jansen 1999),
  V the variance of f over A and B together.
* Local normalised sensitivities by central differences: S_i = (y(p_i (1+h)) - y(p_i (1-h))) / (2 h y(p)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MorrisIndices", "SobolIndices", "local_normalised", "morris_indices", "sobol_indices"]


@dataclass(frozen=True)
class MorrisIndices:
    mu: np.ndarray  # mean elementary effect (k,)
    mu_star: np.ndarray  # mean absolute elementary effect (k,)
    sigma: np.ndarray  # standard deviation of the elementary effects (k,)


def morris_indices(unit: np.ndarray, y: np.ndarray, k: int) -> MorrisIndices:
    """Indices from trajectories (rows r*(k+1) x k in unit coordinates, as :func:`morris_trajectories` makes
    them) and outputs ``y`` (r*(k+1),); trajectories with a NaN step leave that effect out."""
    r = len(y) // (k + 1)
    effects: list[list[float]] = [[] for _ in range(k)]
    for t in range(r):
        xs, ys = unit[t * (k + 1):(t + 1) * (k + 1)], y[t * (k + 1):(t + 1) * (k + 1)]
        for step in range(k):
            dx = xs[step + 1] - xs[step]
            j = int(np.argmax(np.abs(dx)))
            ee = (ys[step + 1] - ys[step]) / dx[j]
            if np.isfinite(ee):
                effects[j].append(float(ee))
    arrays = [np.asarray(e) for e in effects]
    nan = float("nan")
    return MorrisIndices(np.array([e.mean() if e.size else nan for e in arrays]),
                         np.array([np.abs(e).mean() if e.size else nan for e in arrays]),
                         np.array([e.std(ddof=1) if e.size > 1 else nan for e in arrays]))


@dataclass(frozen=True)
class SobolIndices:
    first: np.ndarray  # S_i (k,)
    total: np.ndarray  # S_Ti (k,)
    variance: float


def sobol_indices(y: np.ndarray, n: int, k: int) -> SobolIndices:
    """Indices from outputs of Saltelli's design ([A; B; A_B^(1..k)], n rows each); NaN when the output's
    variance is round-off (standard deviation below 1e-9 of its mean magnitude)."""
    fa, fb = y[:n], y[n:2 * n]
    both = np.concatenate([fa, fb])
    v = float(np.var(both))
    first, total = np.full(k, np.nan), np.full(k, np.nan)
    # an output that does not move beyond round-off has no indices (ratios of noise would look like answers)
    if v > (1e-9 * float(np.mean(np.abs(both)))) ** 2 and v > 0:
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
