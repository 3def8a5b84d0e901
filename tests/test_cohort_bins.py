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
