"""Clonal haematopoiesis across lifespans: the exact birth-death stepping against Kendall's solution, the
cohort engine against the analytic expectation and against the clone-resolved engine, reproducibility,
the held pool, the calibration of the panel fraction, and bad input."""

import numpy as np
import pytest

from hemasim.clonal import NeutralHSCPool
from hemasim.clonal.ch import (
    DriverLandscape,
    calibrate_panel_fraction,
    expected_ch_drivers,
    kendall_coefficients,
    kendall_step,
    simulate_ch_cohort,
)
from hemasim.parameters import healthy_adult_parameters


@pytest.mark.parametrize(("birth", "death"), [(0.4, 0.25), (0.3, 0.3), (0.2, 0.35), (0.5, 0.0)])
def test_kendall_step_matches_the_birth_death_moments(birth, death):
    """From n0 cells after t: E[n] = n0 e^(lambda t); P(one founder's family extinct) = alpha."""
    rng = np.random.default_rng(0)
    t, n0, reps = 3.0, 5, 200_000
    sizes = kendall_step(rng, np.full(reps, n0), np.full(reps, birth), np.full(reps, death), t)
    lam = birth - death
    assert sizes.mean() == pytest.approx(n0 * np.exp(lam * t), rel=0.02)
    alpha, _ = kendall_coefficients(np.array([birth]), np.array([death]), t)
    assert np.mean(sizes == 0) == pytest.approx(alpha[0] ** n0, abs=5 * np.sqrt(alpha[0] ** n0 / reps) + 1e-4)
    # two half steps give the same law as one step (the Markov property of the exact solution)
    half = kendall_step(rng, kendall_step(rng, np.full(reps, n0), np.full(reps, birth), np.full(reps, death), t / 2),
                        np.full(reps, birth), np.full(reps, death), t / 2)
    assert half.mean() == pytest.approx(sizes.mean(), rel=0.03)
    assert np.var(half) == pytest.approx(np.var(sizes), rel=0.06)


def test_cohort_matches_the_analytic_expectation_when_competition_is_negligible():
    """Rare, strongly selected drivers in a small pool: the clones at VAF >= 2% per person follow the
    integral of Kendall's probability over arrival times (no other clone takes space)."""
    land = DriverLandscape(rate_per_hsc_year=2e-6, selection_shape=60.0, selection_rate_years=60.0 / 0.12,
                           panel_fraction=1.0)
    n = 12_000
    res = simulate_ch_cohort(n, max_age_years=50, seed=1, pool_size=20_000, landscape=land,
                             min_selection_per_year=0.0)
    for age in (40, 50):
        expected = expected_ch_drivers(age, landscape=land, pool_size=20_000, n_quadrature=200_000)[0]
        observed = res.clones_above_threshold[:, age].mean()
        se = np.sqrt(expected / n)
        assert abs(observed - expected) < 4 * se + 0.02 * expected, (age, observed, expected)


@pytest.mark.slow
@pytest.mark.integration
def test_cohort_agrees_with_the_clone_resolved_engine():
    """The same landscape in the tau-leaping, clone-resolved pool and in the exact cohort engine: the share
    of the pool held by drivers at 40 years agrees (mean over people)."""
    land = DriverLandscape.from_parameters()
    shares = []
    for seed in range(40):
        pool = NeutralHSCPool(2_000, seed=seed, drivers=land)
        shares.append(pool.run(40, sample_every_years=40).driver_share[-1])
    res = simulate_ch_cohort(2000, max_age_years=40, seed=0, pool_size=2_000, min_selection_per_year=0.0)
    engine, cohort = np.mean(shares), res.driver_share[:, 40].mean()
    se = np.std(shares) / np.sqrt(len(shares))
    assert abs(engine - cohort) < 4 * se + 0.02, (engine, cohort)


@pytest.mark.slow
def test_same_seed_same_people_different_seed_different_people():
    a = simulate_ch_cohort(100, max_age_years=80, seed=5, step_years=0.5)
    b = simulate_ch_cohort(100, max_age_years=80, seed=5, step_years=0.5)
    c = simulate_ch_cohort(100, max_age_years=80, seed=6, step_years=0.5)
    assert np.array_equal(a.max_driver_vaf, b.max_driver_vaf)
    assert np.array_equal(a.snapshots["vaf"], b.snapshots["vaf"])
    assert not np.array_equal(a.max_driver_vaf, c.max_driver_vaf)


@pytest.mark.slow
def test_the_pool_is_held_and_clones_grow_with_age():
    res = simulate_ch_cohort(300, seed=2, step_years=0.5)
    assert np.all(res.driver_share >= 0) and np.all(res.driver_share <= 1.0 + 1e-9)
    assert np.all(res.max_panel_vaf <= res.max_driver_vaf)
    assert np.all(res.max_driver_vaf <= 0.5 + 1e-9)
    median_share = np.median(res.driver_share, axis=0)
    assert np.all(np.diff(median_share[::10]) > 0)  # drivers hold more of the pool every decade
    table = res.prevalence_table()
    assert table["ch_prevalence"].iloc[-1] > table["ch_prevalence"].iloc[1]


@pytest.mark.slow
def test_shipped_panel_fraction_is_what_the_calibration_gives():
    """ch_panel_driver_fraction is calibrated on A1 (70-79 band): recomputing it on a smaller cohort lands
    near the shipped value (a changed model would move it and this test says so)."""
    res = simulate_ch_cohort(600, seed=11, step_years=0.5)
    shipped = healthy_adult_parameters().value("ch_panel_driver_fraction")
    assert calibrate_panel_fraction(res) == pytest.approx(shipped, rel=0.3)


@pytest.mark.slow
def test_weak_driver_threshold_is_a_numerical_choice():
    """Following drivers below min_selection by their mean rather than as clones changes nothing
    measurable: CH prevalence at 70-79 with thresholds 0.03 and 0.06."""
    lo = simulate_ch_cohort(500, seed=3, step_years=0.5, min_selection_per_year=0.03).prevalence(70, 80)
    hi = simulate_ch_cohort(500, seed=4, step_years=0.5, min_selection_per_year=0.06).prevalence(70, 80)
    assert hi == pytest.approx(lo, rel=0.2)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"n_people": 0}, "n_people"), ({"n_people": 5, "step_years": 0.3}, "step_years"),
    ({"n_people": 5, "max_age_years": 500}, "max_age_years")])
def test_bad_cohort_input_names_the_field(kwargs, field):
    n = kwargs.pop("n_people")
    with pytest.raises(ValueError, match=field):
        simulate_ch_cohort(n, **kwargs)


def test_bad_landscape_names_the_field():
    with pytest.raises(ValueError, match="panel_fraction"):
        DriverLandscape(1e-3, 1.0, 30.0, panel_fraction=1.5)


def test_chunked_population_does_not_depend_on_workers_and_extends_a_smaller_one():
    from hemasim.clonal.ch import simulate_ch_population

    one = simulate_ch_population(90, seed=4, chunk_size=40, workers=1, max_age_years=60, step_years=0.5)
    two = simulate_ch_population(90, seed=4, chunk_size=40, workers=2, max_age_years=60, step_years=0.5)
    assert np.array_equal(one.max_driver_vaf, two.max_driver_vaf)
    assert np.array_equal(one.snapshots["person"], two.snapshots["person"])
    smaller = simulate_ch_population(80, seed=4, chunk_size=40, workers=1, max_age_years=60, step_years=0.5)
    assert np.array_equal(smaller.max_driver_vaf, one.max_driver_vaf[:80])
    assert one.n_people == 90 and one.snapshots["person"].max() < 90
