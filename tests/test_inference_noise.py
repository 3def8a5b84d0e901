"""Noise models and censoring against analytic (scipy.stats) likelihood values; the objective's sum."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hemasim.inference.noise import negative_log_likelihood, standard_deviation, weighted_residuals

Y = np.array([0.3, 1.0, 4.2, 7.5])
Z = np.array([0.25, 1.4, 3.9, 9.0])
NO = np.zeros(4, dtype=bool)


def test_additive_is_the_normal_density():
    got = negative_log_likelihood("additive", Y, Z, NO, np.full(4, 0.5))
    np.testing.assert_allclose(got, -stats.norm.logpdf(Z, loc=Y, scale=0.5), rtol=1e-12)


def test_proportional_and_combined_standard_deviations():
    got = negative_log_likelihood("proportional", Y, Z, NO, np.full(4, 0.2))
    np.testing.assert_allclose(got, -stats.norm.logpdf(Z, loc=Y, scale=0.2 * Y), rtol=1e-12)
    sd = np.sqrt(0.1**2 + (0.2 * Y) ** 2)
    got = negative_log_likelihood("combined", Y, Z, NO, np.full(4, 0.1), np.full(4, 0.2))
    np.testing.assert_allclose(got, -stats.norm.logpdf(Z, loc=Y, scale=sd), rtol=1e-12)
    np.testing.assert_allclose(standard_deviation("combined", Y, np.full(4, 0.1), np.full(4, 0.2)), sd)


def test_lognormal_is_the_density_of_z():
    got = negative_log_likelihood("lognormal", Y, Z, NO, np.full(4, 0.3))
    np.testing.assert_allclose(got, -stats.lognorm.logpdf(Z, s=0.3, scale=Y), rtol=1e-12)


@pytest.mark.parametrize("kind", ["additive", "proportional", "lognormal"])
def test_censored_is_the_probability_below_the_limit(kind: str):
    limit = np.full(4, 0.5)
    cens = np.ones(4, dtype=bool)
    got = negative_log_likelihood(kind, Y, limit, cens, np.full(4, 0.3))
    if kind == "lognormal":
        want = -stats.lognorm.logcdf(limit, s=0.3, scale=Y)
    else:
        want = -stats.norm.logcdf(limit, loc=Y, scale=0.3 if kind == "additive" else 0.3 * Y)
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_least_squares_form_matches_the_likelihood_up_to_a_constant():
    for kind in ("additive", "lognormal"):
        r = weighted_residuals(kind, Y, Z, np.full(4, 0.4))
        nll = negative_log_likelihood(kind, Y, Z, NO, np.full(4, 0.4))
        r2 = weighted_residuals(kind, Y * 1.1, Z, np.full(4, 0.4))
        nll2 = negative_log_likelihood(kind, Y * 1.1, Z, NO, np.full(4, 0.4))
        assert nll2.sum() - nll.sum() == pytest.approx(0.5 * (r2 @ r2 - r @ r), rel=1e-12)
    with pytest.raises(ValueError, match="no least-squares form"):
        weighted_residuals("proportional", Y, Z, np.full(4, 0.4))
