"""One run path for 1 or N patients: solvers' Solution, steady-state strategies, Result's patient axis."""

import dataclasses

import numpy as np
import pytest
import yaml

from hemasim.assembly import build_events, build_model, run_scenario
from hemasim.biology import Covariates
from hemasim.cohort.runner import COHORT_RTOL, cohort_rtol, cohort_solver, simulate_partition
from hemasim.scenario import parse_scenario
from hemasim.simulation import Simulation
from hemasim.solvers import DormandPrince, ScipyReference
from hemasim.solvers.steady import GivenState, NewtonSteadyState

from .conftest import EXAMPLES

ANC = "anc_1e9_per_L"


def _chemotherapy_and_donation(solver: dict | None = None) -> dict:
    """Docetaxel q3w with its delay and reduction rules, and a blood donation on day 5 (moves every lineage)."""
    data = yaml.safe_load((EXAMPLES / "cohort_docetaxel.yaml").read_text())
    data["duration_days"] = 60
    data["interventions"].append({"kind": "blood_donation", "day": 5, "volume_mL": 500})
    return data if solver is None else {**data, "solver": solver}


def _one_patient_cohort(scenario):
    """The scenario's patient as a cohort of one (covariates as arrays), and the same patient on its own."""
    p = scenario.patient
    arrays = Covariates(np.array([p.age_years]), np.array([p.sex]), np.array([p.weight_kg]),
                        np.array([p.height_cm]))
    cohort = build_model(scenario, arrays).compile()
    return cohort, build_events(scenario, arrays), cohort.patient(0), build_events(scenario)


@pytest.fixture(scope="module")
def scenario():
    return parse_scenario(_chemotherapy_and_donation())


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
def test_scipy_reference_and_dormand_prince_cohorts_agree():
    """A 2-patient cohort through the runner: the scenario's solver block picks scipy or the lock-step kernel."""
    runs = {}
    for kind, solver in (("dormand_prince", {"kind": "dormand_prince", "rtol": 1e-9}),
                         ("scipy", {"kind": "scipy", "method": "DOP853", "rtol": 1e-9})):
        spec = parse_scenario(_chemotherapy_and_donation(solver))
        assert cohort_rtol(spec) == 1e-9
        assert isinstance(cohort_solver(spec, 1e-9), DormandPrince if kind == "dormand_prince" else ScipyReference)
        runs[kind] = simulate_partition(spec.model_dump(mode="json"), 0, 0, 2, 11, None, True, rtol=1e-9)
    fast, ref = runs["dormand_prince"].timeseries, runs["scipy"].timeseries
    moved = 0
    for name in fast.columns.drop(["patient_id", "time_days"]):
        a, b = fast[name].to_numpy(float), ref[name].to_numpy(float)
        np.testing.assert_allclose(a, b, rtol=1e-5, err_msg=name)
        moved += np.ptp(b) > 0.05 * np.abs(b).max()  # the comparison is not between flat lines
    assert moved >= 3
    endpoints = [c for c in runs["scipy"].endpoints.columns if c.endswith(("_nadir", "_delivered_mg"))]
    np.testing.assert_allclose(runs["dormand_prince"].endpoints[endpoints].to_numpy(float),
                               runs["scipy"].endpoints[endpoints].to_numpy(float), rtol=1e-5)


def test_a_cohort_rtol_is_the_scenarios_when_stated_else_the_cohort_default(scenario):
    assert cohort_rtol(scenario) == COHORT_RTOL
    stated = parse_scenario(_chemotherapy_and_donation({"kind": "dormand_prince", "rtol": 1e-7, "max_step_days": 5}))
    solver = cohort_solver(stated, cohort_rtol(stated))
    assert solver == DormandPrince(rtol=1e-7, max_step_days=5.0)


def test_a_one_patient_cohort_equals_the_single_patient_run(scenario):
    cohort, cohort_events, single, single_events = _one_patient_cohort(scenario)
    assert cohort.n_patients == 1
    solver = DormandPrince(rtol=1e-8)
    alone = Simulation(single, solver, single_events).run(60.0, 0.5)
    together = Simulation(cohort, solver, cohort_events).run(60.0, 0.5)
    assert together.is_cohort and together.n_patients == 1 and together.states.shape == (1, *alone.states.shape)
    one = together.patient(0)
    scale = np.maximum(np.abs(alone.states), np.maximum(np.abs(single.x0), 1.0))  # the solver's own (atol / rtol)
    assert np.max(np.abs(one.states - alone.states) / scale) < 1e-6  # 100 x rtol: steps may differ at round-off
    np.testing.assert_allclose(one.observable(ANC), alone.observable(ANC), rtol=1e-7)
    given = [e["given_ug"] for e in alone.record.administrations if e["action"] == "given"]
    assert given and [e["given_ug"] for e in one.record.administrations if e["action"] == "given"] == \
        pytest.approx(given, rel=1e-12)
    # keeping only observables gives the same series as the full states
    observed = Simulation(cohort, solver, cohort_events).run(60.0, 0.5, observe=[ANC, "platelets_1e9_per_L"])
    assert observed.values.shape == (1, len(alone.times), 2)
    np.testing.assert_allclose(observed.observable(ANC)[0], alone.observable(ANC), rtol=1e-7)
    with pytest.raises(ValueError, match="observables only"):
        _ = observed.states


@pytest.mark.slow
def test_solver_stats_are_recorded(scenario):
    cohort, cohort_events, single, single_events = _one_patient_cohort(scenario)
    fast = Simulation(single, DormandPrince(rtol=1e-8), single_events).run(30.0).record.solver_stats
    assert fast.integrations > 3  # one per interval between events (doses, infusion ends, the donation)
    assert fast.steps_accepted is not None and fast.steps_accepted > fast.integrations
    assert fast.steps_rejected is not None and fast.steps_rejected >= 0
    ref = Simulation(single, ScipyReference(rtol=1e-6), single_events).run(30.0).record.solver_stats
    assert ref.integrations == fast.integrations and ref.rhs_evaluations is not None and ref.rhs_evaluations > 0
    lockstep = Simulation(cohort, DormandPrince(rtol=1e-8), cohort_events).run(30.0, observe=[ANC])
    assert lockstep.record.solver_stats.integrations == fast.integrations
    assert lockstep.record.solver_stats.steps_accepted is None  # the lock-step kernel does not count its steps
    assert lockstep.record.solver_stats.integrations == fast.integrations


def test_solve_returns_a_solution_with_a_patient_axis(static_reference_model):
    model = static_reference_model
    t = np.linspace(0.0, 5.0, 6)
    sol = DormandPrince(rtol=1e-8).solve(model, model.x0, 0.0, t, observe=[ANC])
    assert sol.values.shape == (1, 6, 1) and sol.final_states.shape == (1, model.n_states)
    assert sol.observed == (ANC,) and sol.stats.steps_accepted > 0
    states = DormandPrince(rtol=1e-8).integrate(model, model.x0, 0.0, t)
    np.testing.assert_allclose(sol.values[0, :, 0], model.observables(t, states)[:, model.observable_names.index(ANC)])
    np.testing.assert_array_equal(sol.final_states[0], states[-1])
    with pytest.raises(KeyError, match="no observable 'nope'"):
        DormandPrince().solve(model, model.x0, 0.0, t, observe=["nope"])
    with pytest.raises(ValueError, match="do not fit"):
        DormandPrince().solve(model, np.ones((2, model.n_states)), 0.0, t)


def test_initial_state_strategies(static_reference_model):
    model = static_reference_model
    x = NewtonSteadyState().states(model)
    perturbed = x * 0.9
    by_strategy = Simulation(model, initial_state=GivenState(perturbed)).run(10.0)
    by_argument = Simulation(model).run(10.0, x0=perturbed)
    np.testing.assert_array_equal(by_strategy.states, by_argument.states)
    np.testing.assert_array_equal(by_strategy.states[0], perturbed)
    np.testing.assert_array_equal(Simulation(model).run(10.0).states[0], x)


def test_run_record_is_typed_and_frozen():
    spec = parse_scenario(yaml.safe_load((EXAMPLES / "blood_donation.yaml").read_text()))
    record = run_scenario(spec).record
    assert record.scenario is spec and record.seed == 0
    assert record.solver["solver"] == "DormandPrince" and record.duration_days == 180.0
    assert len(record.events) == 1 and record.solver_stats.steps_accepted > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.seed = 1  # type: ignore[misc]


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
def test_cohort_result_accessors_and_xarray(scenario):
    xr = pytest.importorskip("xarray")
    spec = scenario.model_copy(update={"duration_days": 20.0})
    vp_cov = Covariates(np.array([40.0, 70.0]), np.array(["female", "male"]), np.array([60.0, 90.0]),
                        np.array([160.0, 185.0]))
    model = build_model(spec, vp_cov).compile()
    result = Simulation(model, DormandPrince(rtol=1e-7), build_events(spec, vp_cov)).run(20.0)
    assert result.n_patients == 2 and result.observable(ANC).shape == (2, len(result.times))
    assert result.state("hsc").shape == (2, len(result.times))
    ds = result.to_xarray()
    assert isinstance(ds, xr.Dataset) and ds[ANC].dims == ("time", "patient")
    assert ds[ANC].attrs["units"] == model.observable_units[model.observable_names.index(ANC)]
    assert ds["time"].attrs["units"] == "day"
    for i in range(2):
        np.testing.assert_allclose(ds[ANC].sel(patient=i).to_numpy(), result.patient(i).observable(ANC))
        np.testing.assert_allclose(ds[ANC].sel(patient=i).to_numpy(), result.observable(ANC)[i])
    with pytest.raises(ValueError, match="a cohort result"):
        _ = result.observables
    table = result.patient(1).observables
    np.testing.assert_allclose(table[ANC].to_numpy(), result.observable(ANC)[1])
