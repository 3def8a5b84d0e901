"""Noise models and the per-measurement negative log-likelihood, censoring included.

For a prediction ``y`` and a measurement ``z`` of one observable (both in the observable's unit):

* ``additive``      z = y + e,           e ~ N(0, sigma^2)
* ``proportional``  z = y + e,           e ~ N(0, (sigma y)^2)
* ``combined``      z = y + e,           e ~ N(0, sigma^2 + (sigma_proportional y)^2)
* ``lognormal``     log z = log y + e,   e ~ N(0, sigma^2)   (sigma ~ the coefficient of variation when small)

Minus the log density of ``z`` (the log-normal one includes its Jacobian ``log z``, so that every noise model
is a density of the same ``z`` and objective values can be compared across models):

    normal:    0.5 log(2 pi sd^2) + 0.5 ((z - y) / sd)^2
    lognormal: 0.5 log(2 pi sigma^2) + log z + 0.5 ((log z - log y) / sigma)^2

A measurement left-censored at an assay limit ``L`` (the assay only says z < L) contributes minus the log of
the probability of being below it: ``-log Phi((L - y) / sd)`` (normal), ``-log Phi((log L - log y) / sigma)``
(log-normal), Phi the standard normal distribution function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["NOISE_KINDS", "NoiseKind", "NoiseModel", "negative_log_likelihood", "standard_deviation",
           "weighted_residuals"]

NoiseKind = Literal["additive", "proportional", "combined", "lognormal"]
NOISE_KINDS: tuple[str, ...] = ("additive", "proportional", "combined", "lognormal")
#: predictions are floored here before logarithms and proportional standard deviations (a count of zero)
TINY = 1e-12
_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)


@dataclass(frozen=True)
class NoiseModel:
    """How one observable's measurements scatter around the prediction.

    ``sigma`` and ``sigma_proportional`` are numbers (fixed) or the id of a problem parameter (estimated
    or fixed there); ``sigma_proportional`` is used by ``combined`` only.
    """

    kind: NoiseKind
    sigma: float | str
    sigma_proportional: float | str | None = None

    def parameter_ids(self) -> tuple[str, ...]:
        return tuple(s for s in (self.sigma, self.sigma_proportional) if isinstance(s, str))


def standard_deviation(kind: str, y: np.ndarray, sigma: np.ndarray, sigma_proportional: np.ndarray | None = None
                       ) -> np.ndarray:
    """The standard deviation of ``z`` (normal kinds) or of ``log z`` (lognormal) for predictions ``y``."""
    if kind == "additive" or kind == "lognormal":
        return np.broadcast_to(sigma, np.shape(y)).astype(np.float64)
    if kind == "proportional":
        return sigma * np.maximum(np.abs(y), TINY)
    if kind == "combined":
        sp = np.zeros_like(y) if sigma_proportional is None else sigma_proportional
        # y floored as proportional's: with the additive part at 0 (allowed while the proportional one is > 0), a
        # prediction of 0 would give sd 0
        return np.sqrt(sigma**2 + (sp * np.maximum(np.abs(y), TINY)) ** 2)
    raise ValueError(f"unknown noise model {kind!r}; allowed: {', '.join(NOISE_KINDS)}")


def negative_log_likelihood(kind: str, y: np.ndarray, z: np.ndarray, censored: np.ndarray, sigma: np.ndarray,
                            sigma_proportional: np.ndarray | None = None) -> np.ndarray:
    """Minus the log-likelihood of each measurement ``z`` given predictions ``y`` (broadcast together);
    where ``censored`` is true, ``z`` is the assay limit and the term is the censored one."""
    from scipy.special import log_ndtr  # lazily: scipy.special is slow to import

    y = np.asarray(y, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    sd = standard_deviation(kind, y, sigma, sigma_proportional)
    if kind == "lognormal":
        log_y = np.log(np.maximum(y, TINY))
        log_z = np.log(np.maximum(z, TINY))
        u = (log_z - log_y) / sd
        observed = _HALF_LOG_2PI + np.log(sd) + log_z + 0.5 * u**2
    else:
        u = (z - y) / sd
        observed = _HALF_LOG_2PI + np.log(sd) + 0.5 * u**2
    return np.where(censored, -log_ndtr(u), observed)


def weighted_residuals(kind: str, y: np.ndarray, z: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """(z - y) / sigma (additive) or (log z - log y) / sigma (lognormal): half their sum of squares is the
    negative log-likelihood up to a constant when ``sigma`` is fixed (the least-squares form)."""
    if kind == "additive":
        return (np.asarray(z) - y) / sigma
    if kind == "lognormal":
        return (np.log(np.maximum(z, TINY)) - np.log(np.maximum(y, TINY))) / sigma
    raise ValueError(f"noise model {kind!r} has no least-squares form (its sd depends on the prediction)")
