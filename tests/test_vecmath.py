"""The vectorisable exp, log and pow of the lock-step kernel against numpy's (the C library's)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from hemasim.solvers._vecmath import fast_exp, fast_log, fast_pow

pytestmark = pytest.mark.slow  # compiling the helpers takes seconds


@njit(error_model="numpy")
def _apply(which, x, y):  # pragma: no cover - compiled
    """0: log x, 1: exp x, 2: x^y, elementwise (one compiled function: each costs seconds to compile)."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = fast_log(x[i]) if which == 0 else (fast_exp(x[i]) if which == 1 else fast_pow(x[i], y[i]))
    return out


def _log_all(x):
    return _apply(0, x, x)


def _exp_all(y):
    return _apply(1, y, y)


def _pow_all(x, y):
    return _apply(2, x, y)


RNG = np.random.default_rng(20)


def test_log_is_within_an_ulp_or_two_over_the_double_range():
    x = np.concatenate([np.exp(RNG.uniform(-740, 709, 20_000)), RNG.uniform(0.5, 2.0, 20_000),
                        np.nextafter(1.0, [0.0, 2.0]), [np.sqrt(2.0), 5e-324, 2.2e-308, 1.7e308]])
    expected = np.log(x)
    scale = np.maximum(np.abs(expected), 1e-300)
    assert np.max(np.abs(_log_all(x) - expected) / scale) < 5e-16


def test_exp_is_within_an_ulp_or_two_down_to_underflow():
    y = np.concatenate([RNG.uniform(-708, 709, 20_000), RNG.uniform(-1.0, 1.0, 20_000), [0.0, -0.0, 709.7]])
    expected = np.exp(y)
    assert np.max(np.abs(_exp_all(y) - expected) / expected) < 5e-16
    sub = np.array([-720.0, -740.0, -745.0])  # subnormal results: absolute agreement
    assert np.allclose(_exp_all(sub), np.exp(sub), rtol=1e-6, atol=0.0)


def test_pow_of_hill_law_arguments_matches_numpy():
    u = np.exp(RNG.uniform(-10, 10, 20_000))
    n = RNG.uniform(0.1, 10.0, 20_000)
    expected = u ** n
    # the log's rounding is multiplied by n log u (up to ~100 here): a few ulp of the result
    assert np.max(np.abs(_pow_all(u, n) - expected) / expected) < 2e-14
    u, n = RNG.uniform(0.3, 3.0, 20_000), RNG.uniform(0.3, 0.4, 20_000)  # the fitted Hill exponents, near balance
    assert np.max(np.abs(_pow_all(u, n) - u ** n) / u ** n) < 5e-16


@pytest.mark.parametrize(("function", "argument", "expected"), [
    (_log_all, 0.0, -math.inf), (_log_all, math.inf, math.inf), (_log_all, -1.0, math.nan),
    (_log_all, math.nan, math.nan), (_log_all, 1.0, 0.0),
    (_exp_all, 1000.0, math.inf), (_exp_all, -1000.0, 0.0), (_exp_all, math.nan, math.nan), (_exp_all, 0.0, 1.0),
])
def test_special_values(function, argument, expected):
    got = function(np.array([argument]))[0]
    assert (math.isnan(got) and math.isnan(expected)) or got == expected


def test_pow_special_values():
    got = _pow_all(np.array([0.0, 0.0, 2.0, 0.0, math.inf, 4.0]), np.array([0.5, -1.0, 0.0, 0.0, 0.5, 0.5]))
    np.testing.assert_allclose(got, [0.0, math.inf, 1.0, 1.0, math.inf, 2.0], rtol=1e-15)
