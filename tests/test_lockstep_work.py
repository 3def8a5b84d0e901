"""The lock-step kernel's work counts (speedcohort2): a chunk of one patient takes the single-patient kernel's steps;
the chunks' thread pool (solvers)."""

from __future__ import annotations

import numpy as np
import pytest

import hemasim.solvers._lockstep as lockstep
from hemasim.assembly import build_events, build_model
from hemasim.biology import Covariates, healthy_human_model
from hemasim.scenario import load_scenario
from hemasim.simulation import Simulation
from hemasim.solvers import AdditiveRungeKutta, DormandPrince

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
    # the same method and tolerances; the lock-step kernel is compiled with fastmath (rounding may move a step, and
    # a moved step moves the rejections after it: with the lymphocyte reference counts the Chng 2004 medians, branch
    # refcounts, 388 accepted in both and 2 against 5 rejected). A miscount is a whole chunk's or step kind's worth:
    # each count within 2 or 1% of the attempts
    attempts = accepted + rejected
    slack = max(2, int(0.01 * attempts))
    assert abs(int(accepted) - stats.steps_accepted) <= slack and abs(int(rejected) - stats.steps_rejected) <= slack
    assert 6 * attempts + len(work) <= evaluations <= 7 * attempts + len(work)  # 6 per attempt, FSAL, clipping


@pytest.mark.parametrize("solver_class", [DormandPrince, AdditiveRungeKutta])
def test_chunks_give_the_same_results_on_one_thread_or_several(solver_class, monkeypatch):
    """The chunks run in a thread pool of numba's thread count (branch solvers): each chunk's results are its own,
    whichever thread ran it and in whatever order; and the chunks' work counts land in their own rows."""
    import numba

    two = Covariates(np.array([35.0, 60.0, 48.0]), np.array(["male", "female", "female"]),
                     np.array([70.0, 60.0, 66.0]), np.array([175.0, 165.0, 160.0]))
    model = healthy_human_model(two).compile()
    x0 = model.x0 * np.array([[1.0], [0.7], [1.2]])  # three different recoveries, one patient a chunk
    one_a_chunk = type("OneAChunk", (solver_class,), {"LOCKSTEP_CHUNK": 1})(rtol=1e-6)
    work: list[np.ndarray] = []
    kernel_name = "integrate_lockstep_imex" if solver_class is AdditiveRungeKutta else "integrate_lockstep"
    kernel = getattr(lockstep, kernel_name)

    def counting(*args):  # noqa: ANN002, ANN202
        out = kernel(*args)
        work.append(out[3])
        return out

    monkeypatch.setattr(lockstep, kernel_name, counting)
    before = numba.get_num_threads()
    results = []
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            results.append(one_a_chunk.solve(model, x0, 0.0, np.linspace(0.0, 20.0, 5), observe=["anc_1e9_per_L"]))
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(results[0].values, results[1].values)
    np.testing.assert_array_equal(results[0].final_states, results[1].final_states)
    np.testing.assert_array_equal(work[0], work[1])
    assert work[0].shape == (3, 3) and len(set(work[0][:, 0])) > 1  # per chunk: the recoveries take their own steps
