"""The IS read-count model (hemasim.clonal.is_reads): the law of its draws, its fit to Six 2020 WAS5, and the
Shannon index it feeds (targets H1/H2)."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.clonal.gene_therapy import diversity_indices
from hemasim.clonal.is_reads import (
    SIX2020_AMPLIFICATION_SHAPE,
    SIX2020_READS_PER_TEMPLATE,
    ReadCountModel,
    fit_amplification_shape,
    load_six2020_was5,
    relative_reads_cv2_by_abundance,
)


@pytest.mark.parametrize("templates", [1, 4])
def test_reads_follow_the_negative_binomial_law(templates: int) -> None:
    model = ReadCountModel(reads_per_template=200.0, amplification_shape=0.5)
    draws = model.sample_reads(np.full(200_000, templates), np.random.default_rng(0)).astype(np.float64)
    mean, variance = float(model.mean(np.array(templates))), float(model.variance(np.array(templates)))
    assert mean == pytest.approx(200.0 * templates)
    assert variance == pytest.approx(200.0 * templates + templates * 200.0 ** 2 / 0.5)
    standard_error = np.sqrt(variance / len(draws))
    assert abs(draws.mean() - mean) < 4 * standard_error
    assert draws.var() == pytest.approx(variance, rel=0.05)


def test_sites_without_templates_get_no_reads_and_bad_input_is_refused() -> None:
    model = ReadCountModel.six2020()
    reads = model.sample_reads(np.array([0, 3, 0, 1]), np.random.default_rng(1))
    assert reads[0] == 0 and reads[2] == 0 and reads.dtype == np.int64
    with pytest.raises(ValueError):
        model.sample_reads(np.array([-1]), np.random.default_rng(1))
    with pytest.raises(ValueError):
        ReadCountModel(reads_per_template=100.0, amplification_shape=0.0)


def test_same_seed_same_reads() -> None:
    model = ReadCountModel.six2020()
    templates = np.arange(50)
    a = model.sample_reads(templates, np.random.default_rng(7))
    b = model.sample_reads(templates, np.random.default_rng(7))
    assert np.array_equal(a, b)


def test_shannon_of_known_distributions() -> None:
    assert diversity_indices(np.full(40, 7))["shannon"] == pytest.approx(np.log(40))
    p = np.array([0.5, 0.25, 0.25])
    assert diversity_indices(np.array([2, 1, 1, 0]))["shannon"] == pytest.approx(-(p * np.log(p)).sum())


def test_over_dispersed_reads_lower_the_shannon_of_an_even_pool() -> None:
    # 2,000 sites of one template each: PCR-free Shannon log(2000); with gamma amplification of shape k the
    # expected loss per site tends to E[W log W] for W ~ Gamma(k, 1/k), i.e. digamma(k + 1) - log(k)
    from scipy.special import digamma

    k = 0.3
    reads = ReadCountModel(1e6, k).sample_reads(np.ones(2_000, dtype=np.int64), np.random.default_rng(3))
    loss = np.log(2_000) - diversity_indices(reads)["shannon"]
    assert loss == pytest.approx(digamma(k + 1) - np.log(k), abs=0.15)


def test_fit_recovers_a_known_law() -> None:
    rng = np.random.default_rng(5)
    depths = rng.uniform(100, 2_000, size=12)
    reads = np.column_stack([rng.gamma(0.5, d / 0.5, size=300) for d in depths])
    cells = np.ones_like(reads)
    shape, _ = fit_amplification_shape(reads, cells)
    assert shape == pytest.approx(0.5, rel=0.1)


def test_shipped_constants_are_the_fit_to_six2020() -> None:
    reads, cells = load_six2020_was5()
    assert reads.shape == cells.shape == (286, 20)
    assert ((reads > 0) == (cells > 0)).all()  # the two tables describe the same sites and samples
    shape, mean = fit_amplification_shape(reads, cells)
    assert shape == pytest.approx(SIX2020_AMPLIFICATION_SHAPE, abs=5e-4)
    assert mean == pytest.approx(SIX2020_READS_PER_TEMPLATE, abs=0.5)


def test_templates_add_up_independently_in_the_data() -> None:
    # the model's structure: the squared CV of reads per cell falls as 1 / (n k) for sites of n cells; in the data
    # sites of 2 and 3 estimated cells are within 40% of that
    reads, cells = load_six2020_was5()
    for abundance in (2, 3):
        entries, cv2 = relative_reads_cv2_by_abundance(reads, cells, abundance)
        assert entries >= 50
        assert cv2 == pytest.approx(1.0 / (abundance * SIX2020_AMPLIFICATION_SHAPE), rel=0.4)


@pytest.mark.slow
def test_was1004_course_is_seeded_and_reads_lower_the_pcr_free_index() -> None:
    from hemasim.validation.clonal_engine import _was1004_course

    first, second = _was1004_course.__wrapped__(), _was1004_course.__wrapped__()
    assert first == second  # same seeds, same patient, same reads: bit for bit
    for row in first:
        # amplification spreads the reads of equal clones apart and loses sites amplified to no read
        assert float(row["shannon"]) < float(row["shannon_pcr_free"])
        assert int(row["sites"]) <= int(row["sites_pcr_free"])
