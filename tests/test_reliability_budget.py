"""The run budget: a solve call that cannot finish within ``max_steps`` steps ends with a SolverError (one line
from the CLI) instead of hanging; results are unchanged when the budget is not hit."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from hemasim.solvers import DEFAULT_MAX_STEPS, DormandPrince, ScipyReference, SolverError
from tests.conftest import invoke_hemasim

HANG = """name: tiny steps
duration_days: 3650
patient: {age_years: 40, sex: female, weight_kg: 70}
solver: {kind: dormand_prince, max_step_days: 0.005}
"""
# 730,000 forced steps: inside the schema's floor on max_step_days (duration / 1e6, which refuses 1e-9 before anything
# runs: tests/hostile/) but over the solver's budget of 500,000, so the budget is what stops this run


@pytest.mark.cli
def test_a_run_that_would_hang_ends_at_once_with_one_line(tmp_path: Path):
    scen = tmp_path / "hang.yaml"
    scen.write_text(HANG)
    out = tmp_path / "out"
    started = time.monotonic()
    res = invoke_hemasim("run", str(scen), "--out", str(out))
    assert time.monotonic() - started < 60  # the steady state and a cold compile included; the check itself is instant
    assert res.exit_code == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "over the budget of 500,000" in lines[0] and "max_step_days" in lines[0]
    assert not out.exists()


def test_the_single_patient_kernel_stops_when_the_budget_is_spent(static_reference_model):
    model = static_reference_model
    t_out = np.arange(0.0, 366.0)
    with pytest.raises(SolverError, match="spent its budget of 20 steps between day 0 and day 365"):
        DormandPrince(max_steps=20).solve(model, model.x0, 0.0, t_out)
    with pytest.raises(SolverError, match="over the budget of 100"):  # refused before integrating
        DormandPrince(max_steps=100, max_step_days=1.0).solve(model, model.x0, 0.0, t_out)
    full = DormandPrince().solve(model, model.x0, 0.0, t_out)
    assert full.stats.steps_accepted is not None and full.stats.steps_accepted < DEFAULT_MAX_STEPS / 100


def test_the_scipy_reference_stops_when_the_budget_is_spent(static_reference_model):
    model = static_reference_model
    with pytest.raises(SolverError, match="scipy DOP853 spent its budget of 3 steps"):
        ScipyReference(max_steps=3).solve(model, model.x0, 0.0, np.array([0.0, 30.0]))


@pytest.mark.integration
def test_the_lockstep_kernel_stops_when_the_budget_is_spent():
    from hemasim.cohort import simulate_partition
    from hemasim.scenario import load_scenario
    from tests.conftest import EXAMPLES

    data = load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml").model_dump(mode="json")
    data["duration_days"] = 30.0
    data["solver"] = {"kind": "dormand_prince", "max_steps": 5}
    with pytest.raises(SolverError, match="lock-step chunk of patients\\) spent its budget of 5 steps"):
        simulate_partition(data, 0, 0, 3, 0, None, False)
