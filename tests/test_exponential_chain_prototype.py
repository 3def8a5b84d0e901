"""The exact transit-chain propagator of bench/exponential_chain_prototype.py (goal 2, direction 1's experiment)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from exponential_chain_prototype import hermite, propagate_chain  # noqa: E402


def _rate(theta: np.ndarray) -> np.ndarray:
    return 13.2 * (1.0 + 0.3 * theta - 0.1 * theta**3)  # /day over a step of h days: a G-CSF-like speed-up


def _inflow(theta: np.ndarray) -> np.ndarray:
    return 5.0 + 3.0 * theta - 2.0 * theta**2


@pytest.mark.slow
def test_the_poisson_propagator_solves_the_chain_with_varying_rate_and_inflow():
    """80 stages, k(t) and u(t) varying within the step: the propagator equals Radau at rtol 1e-12."""
    rng = np.random.default_rng(0)
    x0 = rng.uniform(0.5, 1.5, 80)
    for h in (0.2, 1.0):
        def slopes(t: float, x: np.ndarray, h: float = h) -> np.ndarray:
            k = _rate(np.array(t / h))
            d = np.empty_like(x)
            d[0] = _inflow(np.array(t / h)) - k * x[0]
            d[1:] = k * (x[:-1] - x[1:])
            return d

        reference = solve_ivp(slopes, (0.0, h), x0, method="Radau", rtol=1e-12, atol=1e-14).y[:, -1]
        assert np.max(np.abs(propagate_chain(x0, h, _rate, _inflow) - reference) / reference) < 1e-10


def test_the_propagator_conserves_cells_and_keeps_them_non_negative():
    """A chain long enough that nothing leaves within the step: its content grows by the inflow's integral exactly;
    the Poisson weights and a non-negative inflow keep every stage non-negative."""
    x0 = np.zeros(200)
    x0[:80] = np.linspace(1.0, 2.0, 80)
    h = 0.5
    new = propagate_chain(x0, h, _rate, _inflow)
    inflow_integral = h * (5.0 + 3.0 / 2 - 2.0 / 3)
    assert abs(new.sum() - (x0.sum() + inflow_integral)) < 1e-12 * x0.sum()
    assert np.all(new >= 0.0)


def test_the_hermite_cubic_meets_its_end_values_and_slopes():
    cubic = hermite(2.0, 5.0, 0.5, -1.0)
    eps = 1e-7
    assert cubic(0.0) == 2.0 and cubic(1.0) == 5.0
    assert abs((cubic(eps) - cubic(0.0)) / eps - 0.5) < 1e-5
    assert abs((cubic(1.0) - cubic(1.0 - eps)) / eps + 1.0) < 1e-5
