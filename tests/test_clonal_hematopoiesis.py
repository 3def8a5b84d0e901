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
    ({"n_people": 5, "max_age_years": 500}, "max_age_years"), ({"n_people": 5, "competition": "end"}, "competition")])
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


def _toy_pool():
    from hemasim.clonal.ch import _PoolDynamics

    land = DriverLandscape(8e-4, 0.78, 35.6, 0.04)
    weak_s, weak_p = land.weak_bins(0.05)
    r = 365.25 / 280.0
    return _PoolDynamics(n_star=1e5, divisions_per_year=r, landscape=land, min_selection_per_year=0.05,
                         strong_arrivals_per_cell_year=0.0, weak_probability=weak_p, weak_advantage=weak_s / r)


def test_midpoint_competition_is_the_expected_drift():
    """The midpoint scheme's a_p and wild-type cells are those of the expected pool half a step on (a_p held at
    its start value over that half step, exact means of the birth-death processes), to second order in the
    step: much closer to them than the start values are. The compiled version computes the same numbers."""
    from hemasim.clonal import _kernels
    from hemasim.clonal.ch import _midpoint_competition

    pool = _toy_pool()
    r, n_star, weak_adv = pool.divisions_per_year, pool.n_star, pool.weak_advantage
    sizes, adv = np.array([30_000.0, 5_000.0, 100.0]), np.array([0.3, 0.1, 0.05])
    weak_mass = np.linspace(500.0, 1500.0, len(weak_adv))
    load0 = float(sizes @ adv + weak_mass @ weak_adv)
    a0 = 0.5 * n_star / (n_star + load0)
    wild0 = n_star - sizes.sum() - weak_mass.sum()
    h = 0.5
    a_mid, wild_mid = _midpoint_competition(pool, np.array([a0]), np.array([wild0]), np.array([sizes @ adv]),
                                            np.array([sizes @ adv ** 2]), np.array([sizes.sum()]), weak_mass[None, :], h)
    # the exact expected pool at h/2 with a_p held at a0
    lam, lam_weak = r * (2 * a0 * (1 + adv) - 1), r * (2 * a0 * (1 + weak_adv) - 1)
    strong = sizes * np.exp(lam * h / 2)
    arrivals = pool.landscape.rate_per_hsc_year * pool.weak_probability * wild0
    weak = weak_mass * np.exp(lam_weak * h / 2) + arrivals * np.expm1(lam_weak * h / 2) / lam_weak
    a_exact = 0.5 * n_star / (n_star + strong @ adv + weak @ weak_adv)
    wild_exact = n_star - strong.sum() - weak.sum()
    assert abs(a0 - a_exact) > 1e-3 * a_exact  # the load moves within the half step: the check has power
    assert abs(a_mid[0] - a_exact) < 0.05 * abs(a0 - a_exact)
    assert abs(wild_mid[0] - wild_exact) < 0.05 * abs(wild0 - wild_exact)
    compiled = _kernels.midpoint_values(a0, wild0, n_star, r, h, float(sizes @ adv), float(sizes @ adv ** 2),
                                        float(sizes.sum()), float(weak_mass @ weak_adv), float(weak_mass.sum()),
                                        weak_mass, pool.landscape.rate_per_hsc_year, pool.weak_probability, weak_adv)
    np.testing.assert_allclose(compiled, (a_mid[0], wild_mid[0]), rtol=1e-12)


@pytest.mark.slow
def test_midpoint_competition_removes_the_step_lag():
    """The convergence claim of the one-year default (docs/performance_clonal.md, branch chstep) where it is
    easiest to break: a 2,000-HSC pool with fit drivers (mean s 0.2 per year) that fill it within 20-30 years,
    so a_p falls fast. Holding a_p over one-year steps lags the load and overgrows the drivers (driver share at
    15-25 years ~8 SE above the 1/8-year midpoint run); predicting it at the step's middle removes that (within
    3 SE). 2,000 lifespans per run, fixed seeds."""
    land = DriverLandscape(2e-3, 4.0, 20.0, 0.5)
    kwargs = {"max_age_years": 30, "pool_size": 2_000, "landscape": land, "snapshot_ages": ()}

    def share(seed: int, step: float, competition: str) -> tuple[float, float]:
        res = simulate_ch_cohort(2_000, seed=seed, step_years=step, competition=competition, **kwargs)
        per_person = res.driver_share[:, 15:26].mean(axis=1)
        return float(per_person.mean()), float(per_person.std(ddof=1) / np.sqrt(len(per_person)))

    ref, ref_se = share(1, 0.125, "midpoint")
    for step, competition, lags in ((1.0, "midpoint", False), (1.0, "held", True)):
        value, se = share(2, step, competition)
        z = (value - ref) / np.hypot(se, ref_se)
        assert (z > 3) if lags else (abs(z) < 3), (step, competition, value, ref, z)
