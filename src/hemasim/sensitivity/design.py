"""Sampling designs on the unit hypercube and their mapping to factor ranges (all seeded).

Every design returns points in [0, 1]^k; :func:`to_values` maps them to each factor's range, linearly or on
a log scale. Morris trajectories follow Morris (1991) on a ``levels``-level grid; Saltelli's design gives the
matrices A, B and A_B^(i) of Saltelli et al. (2010) from one Sobol'-sequence (or random) sample of 2k columns.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Factor", "grid", "latin_hypercube", "morris_trajectories", "saltelli", "to_values"]


@dataclass(frozen=True)
class Factor:
    """A swept quantity: a parameter of the healthy model or a scenario field (dotted path), its range in its
    own unit, and whether it is sampled on a log scale."""

    name: str
    low: float
    high: float
    log: bool = False
    is_field: bool = False
    base: float = float("nan")  # the scenario's value (the point local sensitivities are taken at)


def to_values(unit: np.ndarray, factors: Sequence[Factor]) -> np.ndarray:
    """Points in [0, 1]^k (rows) as factor values, within [low, high]: exp(log(18)) is 17.999999999999996, which a
    parameter record bounded at 18 refuses where a coupling's fit builds a table at the point."""
    out = np.empty_like(unit, dtype=np.float64)
    for j, f in enumerate(factors):
        if f.log:
            out[:, j] = np.exp(np.log(f.low) + unit[:, j] * (np.log(f.high) - np.log(f.low)))
        else:
            out[:, j] = f.low + unit[:, j] * (f.high - f.low)
        out[:, j] = np.clip(out[:, j], f.low, f.high)
    return out


def grid(n_points: Sequence[int]) -> np.ndarray:
    """The full grid with ``n_points[j]`` evenly spaced levels (ends included) of factor j."""
    axes = [np.linspace(0.0, 1.0, n) if n > 1 else np.array([0.5]) for n in n_points]
    return np.array(list(itertools.product(*axes)), dtype=np.float64).reshape(-1, len(n_points))


def latin_hypercube(n: int, k: int, seed: int) -> np.ndarray:
    """``n`` points, one in each of n equal strata of every factor (McKay et al. 1979), placed at random."""
    rng = np.random.default_rng(seed)
    strata = np.stack([rng.permutation(n) for _ in range(k)], axis=1)
    return (strata + rng.random((n, k))) / n


def morris_trajectories(r: int, k: int, levels: int, seed: int) -> tuple[np.ndarray, float]:
    """``r`` one-at-a-time trajectories of k + 1 points each (rows r*(k+1) x k) on a ``levels``-level grid, and
    the step Delta = levels / (2 (levels - 1)) (Morris 1991; Saltelli et al. 2008, section 3.3)."""
    if levels < 2 or levels % 2:
        raise ValueError("Morris levels must be an even number >= 2")
    rng = np.random.default_rng(seed)
    delta = levels / (2.0 * (levels - 1))
    starts = np.arange(levels // 2) / (levels - 1)  # base values from which +Delta stays in [0, 1]
    out = np.empty((r * (k + 1), k))
    for t in range(r):
        x = rng.choice(starts, size=k)
        direction = rng.choice([-1.0, 1.0], size=k)
        x = np.where(direction < 0, x + delta, x)  # a step down starts delta higher
        rows = [x.copy()]
        for j in rng.permutation(k):
            x = x.copy()
            x[j] += direction[j] * delta
            rows.append(x)
        out[t * (k + 1):(t + 1) * (k + 1)] = rows
    return out, delta


def saltelli(n: int, k: int, seed: int) -> np.ndarray:
    """Rows [A; B; A_B^(1); ...; A_B^(k)] (n (k + 2) x k): A and B the two halves of a scrambled Sobol'
    sample of 2k dimensions, A_B^(i) equal to A with column i taken from B (Saltelli et al. 2010)."""
    from scipy.stats import qmc

    base = qmc.Sobol(d=2 * k, scramble=True, seed=seed).random(n)
    a, b = base[:, :k], base[:, k:]
    blocks = [a, b]
    for i in range(k):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    return np.concatenate(blocks)
