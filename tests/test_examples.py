"""Every shipped single-patient example simulates to finite, non-negative states and writes its report."""

from pathlib import Path

import numpy as np
import pytest

from hemasim.io import write_run_outputs

from .conftest import EXAMPLES, example_run

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.parametrize("path", sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.startswith("cohort_")),
                         ids=lambda p: p.name)
def test_every_example_runs_and_writes_its_report(path: Path, tmp_path: Path):
    result = example_run(path.name)  # shared with tests/test_endpoint_units.py
    assert np.all(np.isfinite(result.states)) and np.all(result.states >= -1e-6 * np.abs(result.states).max())
    files = write_run_outputs(result, tmp_path / "out", title=path.stem)
    assert [f.name for f in files] == ["timeseries.csv", "endpoints.json", "run.json", "report.html"]
