"""The neutral clone-resolved HSC engine against theory, and its reproducibility."""

import numpy as np
import pytest

from hemasim.clonal import NeutralHSCPool, clone_size_summary
from hemasim.parameters import healthy_adult_parameters


def test_critical_birth_death_clone_sizes_match_the_analytic_distribution():
    """Without niche feedback each clone is a critical linear birth-death process with per-cell birth and
    death rate b = lambda/4 (lambda = division rate): P(extinct by t) = bt/(1+bt), and surviving clones are
    geometric, P(n) = (1/(1+bt)) (bt/(1+bt))^(n-1)."""
    n0, years = 40_000, 8.0
    pool = NeutralHSCPool(n0, seed=3, dt_days=1.0, niche_feedback=False)
    pool.run(years, sample_every_years=years)
    b = pool.division_rate / 4.0
    bt = b * years * 365.25
    extinct = 1.0 - len(pool.sizes) / n0
    assert extinct == pytest.approx(bt / (1 + bt), abs=4 * np.sqrt(0.25 / n0))
    q = bt / (1 + bt)
    sizes = pool.sizes
    for n in range(1, 8):
        expected = (1 - q) * q ** (n - 1)
        observed = np.mean(sizes == n)
        se = np.sqrt(expected * (1 - expected) / len(sizes))
        assert abs(observed - expected) < 4.5 * se, (n, observed, expected)
    assert np.mean(sizes) == pytest.approx(1 + bt, rel=0.05)


def test_niche_feedback_holds_the_pool_over_a_lifetime():
    pool = NeutralHSCPool(20_000, seed=1)
    hist = pool.run(80, sample_every_years=10)
    sizes = np.array(hist.pool_size)
    assert np.all(np.abs(sizes / 20_000 - 1) < 0.03)
    # clonal diversity falls and the largest clone grows with age (neutral drift)
    assert hist.shannon_diversity[-1] < hist.shannon_diversity[1] < hist.shannon_diversity[0]
    assert hist.n_clones[-1] < hist.n_clones[0]
    assert hist.largest_clone_fraction[-1] > hist.largest_clone_fraction[0]


def test_niche_refills_a_depleted_pool():
    pool = NeutralHSCPool(10_000, seed=2)
    pool.sizes = pool.sizes.copy()
    pool.sizes[: 7_000] = 0  # lose 70% of the cells; clones with no cells drop out on the next step
    hist = pool.run(6, sample_every_years=1)
    assert hist.pool_size[0] == 3_000 and hist.pool_size[-1] > 9_000


def test_same_seed_same_clones_different_seed_different_clones():
    a = NeutralHSCPool(5_000, seed=7)
    b = NeutralHSCPool(5_000, seed=7)
    c = NeutralHSCPool(5_000, seed=8)
    for p in (a, b, c):
        p.run(20)
    assert np.array_equal(a.sizes, b.sizes) and np.array_equal(a.clone_ids, b.clone_ids)
    assert not (len(a.sizes) == len(c.sizes) and np.array_equal(a.clone_ids, c.clone_ids))


def test_measured_division_interval_and_mutation_rate_follow_their_sources():
    params = healthy_adult_parameters()
    pool = NeutralHSCPool(20_000, seed=4)
    hist = pool.run(30, sample_every_years=10)
    assert pool.measured_division_interval_days() == pytest.approx(params.value("hsc_division_interval_days"),
                                                                   rel=0.02)
    slope = np.polyfit(np.array(hist.times_days) / 365.25, hist.mean_mutations_per_cell, 1)[0]
    assert slope == pytest.approx(params.value("hsc_mutations_per_year"), rel=0.01)


def test_summary_of_clone_sizes():
    largest, shannon = clone_size_summary(np.array([1.0, 1.0, 2.0, 0.0]))
    assert largest == 0.5 and shannon == pytest.approx(-(0.25 * np.log(0.25) * 2 + 0.5 * np.log(0.5)))


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="n_cells"):
        NeutralHSCPool(0)
    with pytest.raises(ValueError, match="dt_days"):
        NeutralHSCPool(100, dt_days=0)
