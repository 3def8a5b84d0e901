"""Designs and estimators on problems with known answers (no simulation): Ishigami, linear and power laws."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.sensitivity.design import Factor, grid, latin_hypercube, morris_trajectories, saltelli, to_values
from hemasim.sensitivity.estimators import local_normalised, morris_indices, sobol_indices


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first and total order indices (Ishigami & Homma 1990; Sobol' & Levitan 1999)."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_sobol_indices_of_the_ishigami_function():
    k, n = 3, 4096
    factors = [Factor(f"x{i}", -np.pi, np.pi) for i in range(k)]
    y = ishigami(to_values(saltelli(n, k, seed=3), factors))
    s = sobol_indices(y, n, k)
    first, total = ishigami_indices()
    np.testing.assert_allclose(s.first, first, atol=0.03)
    np.testing.assert_allclose(s.total, total, atol=0.03)


def test_morris_on_a_linear_model_gives_the_slopes_times_the_range_and_no_spread():
    k = 4
    slopes = np.array([3.0, -1.0, 0.0, 0.5])
    factors = [Factor(f"x{i}", 0.0, 2.0) for i in range(k)]
    unit, delta = morris_trajectories(12, k, levels=4, seed=1)
    y = to_values(unit, factors) @ slopes
    m = morris_indices(unit, y, k)
    np.testing.assert_allclose(m.mu_star, np.abs(slopes) * 2.0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m.mu, slopes * 2.0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m.sigma, 0.0, atol=1e-12)
    assert delta == pytest.approx(2 / 3)


def test_morris_ranks_the_ishigami_inputs_and_sees_the_interaction():
    k = 3
    factors = [Factor(f"x{i}", -np.pi, np.pi) for i in range(k)]
    unit, _ = morris_trajectories(200, k, levels=8, seed=0)
    m = morris_indices(unit, ishigami(to_values(unit, factors)), k)
    assert m.mu_star[2] > 0  # x3 acts only through its interaction with x1
    assert m.sigma[2] > m.mu[2]  # ... so its effects change sign and size: sigma large against mu
    assert np.argsort(m.mu_star)[-1] in (0, 1)


def test_morris_trajectories_move_one_factor_at_a_time_inside_the_cube():
    unit, delta = morris_trajectories(5, 6, levels=6, seed=2)
    assert unit.min() >= 0 and unit.max() <= 1 + 1e-12
    for t in range(5):
        steps = np.diff(unit[t * 7:(t + 1) * 7], axis=0)
        assert np.all(np.sum(np.abs(steps) > 1e-12, axis=1) == 1)
        np.testing.assert_allclose(np.abs(steps).sum(axis=1), delta)
        assert sorted(np.argmax(np.abs(steps), axis=1)) == list(range(6))
    with pytest.raises(ValueError, match="even"):
        morris_trajectories(2, 2, levels=3, seed=0)


def test_designs_are_seeded_and_latin_hypercubes_are_stratified():
    a, b = latin_hypercube(20, 3, seed=5), latin_hypercube(20, 3, seed=5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, latin_hypercube(20, 3, seed=6))
    for j in range(3):
        assert sorted(np.floor(a[:, j] * 20).astype(int)) == list(range(20))
    np.testing.assert_array_equal(saltelli(8, 2, seed=1), saltelli(8, 2, seed=1))
    g = grid([3, 2])
    assert g.shape == (6, 2) and set(g[:, 0]) == {0.0, 0.5, 1.0}


def test_log_factors_map_the_cube_geometrically():
    v = to_values(np.array([[0.0], [0.5], [1.0]]), [Factor("p", 0.5, 2.0, log=True)])
    np.testing.assert_allclose(v[:, 0], [0.5, 1.0, 2.0])


def test_local_normalised_sensitivity_of_a_power_law_is_its_exponent():
    p, h = 3.0, 0.01
    for exponent in (-1.5, 0.0, 2.0):
        s = local_normalised(np.array([(p * (1 + h)) ** exponent]), np.array([(p * (1 - h)) ** exponent]),
                             np.array([p**exponent]), h)
        assert s[0] == pytest.approx(exponent, rel=1e-3, abs=1e-12)
    assert np.isnan(local_normalised(np.array([1.0]), np.array([0.0]), np.array([0.0]), h)[0])


def test_sobol_indices_of_an_output_that_does_not_move_are_undefined():
    n, k = 64, 2
    y = 4.75 * (1 + 1e-14 * np.random.default_rng(0).standard_normal(n * (k + 2)))  # round-off only
    s = sobol_indices(y, n, k)
    assert np.isnan(s.first).all() and np.isnan(s.total).all()
    # the integrator's error (a healthy adult's platelet nadir, steady to 3.5e-9 of 275e9/L over the design) gave
    # a first-order index of -2e7; a response of 1e-4 of the value still has indices
    noise = 275 * (1 + 3.5e-9 * np.random.default_rng(1).standard_normal(n * (k + 2)))
    assert np.isnan(sobol_indices(noise, n, k).first).all()
    response = 275 * (1 + 1e-4 * np.random.default_rng(2).standard_normal(n * (k + 2)))
    assert np.isfinite(sobol_indices(response, n, k).total).all()
