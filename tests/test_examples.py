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


def test_the_shared_example_run_refuses_writes_and_keeps_a_callers_changes_to_itself():
    """conftest.example_run hands every test the same simulation: a write into its arrays fails, and a change to a
    call's record or model (solver dict, event log, lists of names) does not reach the next call's."""
    first = example_run("docetaxel_q3w.yaml")
    for array in (first.times, first.values, first.final_states, first.model.x0, first.model.rate,
                  first.model.obs_state_w, first.model.obs_flux_w):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0.0
    solver, events = dict(first.record.solver), [dict(event) for event in first.record.administrations]
    names = list(first.model.state_names)
    assert events  # the example gives doses: an event log to change
    first.record.solver["method"] = "changed"
    first.record.administrations.append({"day": -1.0})
    first.record.administrations[0]["changed"] = True
    first.model.state_names.append("changed")
    again = example_run("docetaxel_q3w.yaml")
    assert again.record.solver == solver and again.record.administrations == events
    assert again.model.state_names == names
