"""The neutral clone-resolved HSC engine against theory, and its reproducibility."""

import numpy as np
import pytest

from hemasim.clonal import NeutralHSCPool, clone_size_summary
from hemasim.parameters import healthy_adult_parameters


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
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


# ------------------------------------------------------------------------------------------ gene therapy
from hemasim.clonal import GeneTherapy, diversity_indices, simulate_gene_therapy  # noqa: E402


def _gt(**kw):
    base = dict(graft_hsc=5_000, transduction_efficiency=0.6, mean_vcn=1.5, host_surviving_fraction=0.1)
    return GeneTherapy(**{**base, **kw})


def test_marking_follows_conditioning_and_transduction():
    full = simulate_gene_therapy(_gt(transduction_efficiency=1.0, host_surviving_fraction=0.0), n_host=5_000,
                                 months=(3, 12), seed=1)
    assert min(full.transduced_fraction) > 0.999
    fractions = [simulate_gene_therapy(_gt(host_surviving_fraction=h), n_host=5_000, months=(12,), seed=1)
                 .transduced_fraction[0] for h in (0.0, 0.3, 0.8)]
    assert fractions[0] > fractions[1] > fractions[2]
    assert fractions[0] == pytest.approx(0.6, abs=0.05)


def test_selective_advantage_lets_corrected_cells_take_over():
    neutral = simulate_gene_therapy(_gt(host_surviving_fraction=0.5), n_host=5_000, months=(1, 48), seed=2)
    favoured = simulate_gene_therapy(_gt(host_surviving_fraction=0.5, corrected_advantage=0.2), n_host=5_000,
                                     months=(1, 48), seed=2)
    assert favoured.transduced_fraction[1] > favoured.transduced_fraction[0] + 0.15
    assert abs(neutral.transduced_fraction[1] - neutral.transduced_fraction[0]) < 0.05


def test_integration_site_table_has_the_study_layout_and_is_reproducible():
    a = simulate_gene_therapy(_gt(), n_host=5_000, months=(6, 12), markers=("CD15", "CD3"), seed=3,
                              cells_per_sample=20_000)
    b = simulate_gene_therapy(_gt(), n_host=5_000, months=(6, 12), markers=("CD15", "CD3"), seed=3,
                              cells_per_sample=20_000)
    assert a.is_table.equals(b.is_table)
    samples = ["SIM001_CD15_PB_06", "SIM001_CD3_PB_06", "SIM001_CD15_PB_12", "SIM001_CD3_PB_12"]
    assert list(a.is_table.columns) == ["chr", "integration_locus", "strand", "clone_id", *samples]
    reads = a.is_table[samples].to_numpy()
    assert reads.min() >= 0 and (reads.sum(axis=0) > 0).all()
    # reads come from sampled cells of transduced clones, one per vector copy
    assert (reads.sum(axis=0) <= 20_000 * 10).all()
    assert {s["marker"] for s in a.summary} == {"CD15", "CD3"}


def test_diversity_indices_and_bad_input():
    d = diversity_indices(np.array([10, 10, 10, 10, 0]))
    assert d["sites"] == 4 and d["shannon"] == pytest.approx(np.log(4)) and d["clonality"] == pytest.approx(0.0)
    assert diversity_indices(np.array([5]))["clonality"] == 1.0
    with pytest.raises(ValueError, match="transduction_efficiency"):
        _gt(transduction_efficiency=1.5)
    with pytest.raises(ValueError, match="mean_vcn"):
        _gt(mean_vcn=0.5)


def test_tracked_clone_histories_match_the_pool_and_plot():
    from hemasim.report.clonal_plots import clone_history_figure

    pool = NeutralHSCPool(2_000, seed=5)
    hist = pool.run(30, sample_every_years=2, track_top=10)
    assert all(len(v) == len(hist.times_days) for v in hist.tracked.values())
    now = dict(zip(pool.clone_ids.tolist(), pool.sizes.tolist(), strict=True))
    for cid, sizes in hist.tracked.items():
        assert sizes[-1] == now.get(cid, 0)
    assert clone_history_figure(hist).axes
    with pytest.raises(ValueError, match="track_top"):
        clone_history_figure(NeutralHSCPool(100, seed=1).run(1))


# ------------------------------------------------------------------------------------------ drivers
@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
def test_driver_advantage_follows_the_cited_growth_rate():
    from hemasim.clonal import driver_advantage, measured_driver_growth

    params = healthy_adult_parameters()
    adv = driver_advantage("SRSF2_P95H")
    assert adv == pytest.approx(0.5 * params.value("hsc_division_interval_days") / 365.25)
    growth = np.mean([measured_driver_growth("DNMT3A", seed=s, n_cells=50_000, clone_cells=5_000) for s in (0, 1, 2)])
    assert growth == pytest.approx(0.05, rel=0.2)
    assert measured_driver_growth("SRSF2_P95H", seed=0) == pytest.approx(0.5, rel=0.1)
    with pytest.raises(ValueError, match="unknown driver"):
        driver_advantage("NOTAGENE")


def test_displacing_a_clone_keeps_the_pool_size():
    pool = NeutralHSCPool(10_000, seed=3)
    pool.add_clones(np.array([1_000]), advantage=0.0, displace=True)
    assert pool.pool_size == 10_000


def test_lineages_the_disease_blocks_come_from_corrected_clones_only():
    """X-SCID: uncorrected cells make no T or NK cells, so every sampled CD3/CD56 cell carries the vector,
    while myeloid and B cells are marked in proportion to the corrected share of HSCs."""
    gt = GeneTherapy.for_disease("x_scid", graft_hsc=3_000, transduction_efficiency=0.3, mean_vcn=1.5,
                                 host_surviving_fraction=0.5)
    res = simulate_gene_therapy(gt, n_host=5_000, months=(12,), markers=("CD15", "CD19", "CD3", "CD56"), seed=4,
                                cells_per_sample=20_000)
    marked = {row["marker"]: row["vector_marked_fraction"] for row in res.summary}
    assert marked["CD3"] == 1.0 and marked["CD56"] == 1.0
    for myeloid_or_b in ("CD15", "CD19"):
        assert marked[myeloid_or_b] == pytest.approx(res.transduced_fraction[0], abs=0.02)
    assert res.transduced_fraction[0] < 0.5
    with pytest.raises(ValueError, match="known: x_scid"):
        GeneTherapy.for_disease("wiskott_aldrich", graft_hsc=10, transduction_efficiency=0.5, mean_vcn=1.0,
                                host_surviving_fraction=0.0)
