"""The cohort runner's histogram files (speedcohort2: deflated at level 1) and its staged pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hemasim.cohort.runner import LocalExecutor, _write_histograms, simulate_partition

from .conftest import EXAMPLES


def test_histogram_file_reads_back(tmp_path):
    hist = np.random.default_rng(4).integers(0, 2000, size=(4, 30, 802))
    path = tmp_path / "part.npz"
    _write_histograms(path, hist)
    back = np.load(path)["hist"]
    assert back.dtype == hist.dtype
    np.testing.assert_array_equal(back, hist)


@pytest.fixture(scope="module")
def short_scenario_data():
    from hemasim.scenario import load_scenario

    s = load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml")
    return s.model_copy(update={"duration_days": 10.0}).model_dump(mode="json")


def test_staged_local_executor_gives_the_partitions_in_order_as_the_plain_function(short_scenario_data):
    jobs = [(short_scenario_data, k, 4 * k, 4 * k + 4, 1, None, False) for k in range(3)]
    staged = list(LocalExecutor().map(simulate_partition, jobs))
    assert [p.index for p in staged] == [0, 1, 2]
    for part, job in zip(staged, jobs, strict=True):
        alone = simulate_partition(*job)
        pd.testing.assert_frame_equal(part.endpoints, alone.endpoints)
        np.testing.assert_array_equal(part.histograms, alone.histograms)


def test_staged_local_executor_raises_a_failing_partition_in_its_place(short_scenario_data):
    bad = {**short_scenario_data, "duration_days": -1.0}  # refused by the scenario schema in the first stage
    jobs = [(short_scenario_data, 0, 0, 3, 1, None, False), (bad, 1, 3, 6, 1, None, False),
            (short_scenario_data, 2, 6, 9, 1, None, False)]
    results = LocalExecutor().map(simulate_partition, jobs)
    assert next(results).index == 0
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the schema raises, in the second partition's place
        next(results)


def test_band_histogram_kernel_counts_as_searchsorted_and_bincount():
    """The numba kernel (e2e) against the runner's first version, on values at, just below and just above every
    edge, outside the range, zero, negative, infinite and NaN, through a strided view as the runner passes it."""
    from hemasim.cohort.runner import BAND_RANGES, N_BINS, _bin_edges

    rng = np.random.default_rng(3)
    for name in BAND_RANGES:
        edges = _bin_edges(name)
        flat = np.exp(rng.uniform(np.log(edges[0]) - 1.0, np.log(edges[-1]) + 1.0, size=60 * 50))
        flat[:3 * len(edges)] = np.concatenate([edges, np.nextafter(edges, 0.0), np.nextafter(edges, np.inf)])
        flat[-5:] = [np.nan, 0.0, -1.0, np.inf, -np.inf]
        table = np.zeros((60, 50, 3))
        table[:, :, 1] = flat.reshape(60, 50)
        values = table[:, :, 1]  # strided, as result.observable gives it
        counted = _assert_counts_as_searchsorted(edges, values, N_BINS)
        assert counted[:, 0].sum() > 0 and counted[:, -1].sum() > 0  # both overflow bins exercised


def test_band_histogram_kernel_counts_smooth_series_as_searchsorted():
    """Rows as a cohort's series are (e2e3: the guess is the previous time's bin): random walks in the logarithm,
    small daily moves and a few jumps of hundreds of bins, leaving the edges' range and coming back, with NaNs."""
    from hemasim.cohort.runner import BAND_RANGES, N_BINS, _bin_edges

    rng = np.random.default_rng(8)
    for name in BAND_RANGES:
        edges = _bin_edges(name)
        lo, hi = np.log(edges[0]), np.log(edges[-1])
        steps = rng.normal(0.0, 0.01, size=(40, 366))
        steps[:, 7] = rng.uniform(-4.0, 4.0, size=40)  # a depletion's or a recovery's jump
        values = np.exp(rng.uniform(lo - 0.5, hi + 0.5, size=(40, 1)) + np.cumsum(steps, axis=1))
        values[3, 100:110] = np.nan
        # strided, as result.observable gives it (a C-contiguous array compiled the kernel a second time, ~0.8 s)
        table = np.zeros((40, 366, 2))
        table[:, :, 0] = values
        _assert_counts_as_searchsorted(edges, table[:, :, 0], N_BINS)


def _assert_counts_as_searchsorted(edges: np.ndarray, values: np.ndarray, n_bins: int) -> np.ndarray:
    """The kernel's per-time counts of ``values`` (patients x times) equal numpy's searchsorted + bincount."""
    from hemasim.cohort._histogram import add_log_bin_counts

    times = values.shape[1]
    bins = np.searchsorted(edges, values, side="right")
    offsets = np.arange(times) * (n_bins + 2)
    expected = np.bincount((bins + offsets).ravel(), minlength=times * (n_bins + 2)).reshape(times, -1)
    counted = np.zeros((times, n_bins + 2), dtype=np.int64)
    add_log_bin_counts(edges, values, counted)
    np.testing.assert_array_equal(counted, expected)
    return counted
