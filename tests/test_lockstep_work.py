"""The lock-step kernel's work counts (speedcohort2): a chunk of one patient takes the single-patient kernel's steps."""

from __future__ import annotations

import numpy as np
import pytest

import hemasim.solvers._lockstep as lockstep
from hemasim.assembly import build_events, build_model
from hemasim.biology import Covariates
from hemasim.scenario import load_scenario
from hemasim.simulation import Simulation
from hemasim.solvers import DormandPrince

from .conftest import EXAMPLES


@pytest.mark.slow  # ~2-4 s: two models built, two integrations
def test_a_chunk_of_one_patient_counts_the_steps_of_the_single_patient_kernel(monkeypatch):
    scenario = load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml").model_copy(update={"duration_days": 60.0})
    p = scenario.patient
    arrays = Covariates(np.array([p.age_years]), np.array([p.sex]), np.array([p.weight_kg]), np.array([p.height_cm]))
    cohort = build_model(scenario, arrays).compile()
    work: list[np.ndarray] = []
    kernel = lockstep.integrate_lockstep

    def counting(*args):  # noqa: ANN002, ANN202
        out = kernel(*args)
        work.append(out[3])
        return out

    monkeypatch.setattr(lockstep, "integrate_lockstep", counting)
    Simulation(cohort, DormandPrince(rtol=1e-6), build_events(scenario, arrays)).run(60.0, observe=["anc_1e9_per_L"])
    single = Simulation(cohort.patient(0), DormandPrince(rtol=1e-6), build_events(scenario)).run(60.0)
    accepted, rejected, evaluations = np.sum([w.sum(axis=0) for w in work], axis=0)
    stats = single.record.solver_stats
    # the same method and tolerances; the lock-step kernel is compiled with fastmath (rounding may move a step)
    assert abs(int(accepted) - stats.steps_accepted) <= 2 and abs(int(rejected) - stats.steps_rejected) <= 2
    attempts = accepted + rejected
    assert 6 * attempts + len(work) <= evaluations <= 7 * attempts + len(work)  # 6 per attempt, FSAL, clipping
