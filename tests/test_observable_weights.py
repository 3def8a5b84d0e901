"""Observable weights built from their terms when read (hemasim.model.compiled.ObservableWeights): the whole arrays,
some observables' rows and some patients' weights are the same numbers as the weights filled in one go, and a
cohort integrated with only the observed rows gives the same observables, bit for bit, as with every row."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hemasim.biology import healthy_human_model
from hemasim.cohort.sampling import draw_patients
from hemasim.events import CellDepletion
from hemasim.model.compiled import ObservableWeights
from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology.dosing import observable_of_state
from hemasim.scenario import Patient, Population
from hemasim.simulation import Simulation
from hemasim.solvers import AdditiveRungeKutta


@pytest.fixture(scope="module")
def cohort():
    """(uncompiled, compiled) full model of 40 patients who differ in age, sex, weight, height and parameters."""
    params = healthy_adult_parameters()
    population = Population(age_years={"min": 20, "max": 80}, female_fraction=0.5,
                            weight_kg={"male": {"mean": 80, "sd": 12}, "female": {"mean": 67, "sd": 12}},
                            height_cm={"male": {"mean": 176, "sd": 7}, "female": {"mean": 163, "sd": 7}})
    patient = Patient(age_years=50, sex="male", weight_kg=75, height_cm=172)
    vp = draw_patients(population, patient, params, 0, 40, 3)
    model = healthy_human_model(vp.covariates, params, aging=False, per_patient=vp.parameters)
    return model, model.compile()


def _filled_in_one_go(model, n_patients):
    """The weights as CompiledModel.from_model filled them before they were terms (an independent reference)."""
    s_idx = {c.name: i for i, c in enumerate(model.compartments)}
    f_idx = {f.name: i for i, f in enumerate(model.flows)}
    state = np.zeros((n_patients, len(model.observables), len(s_idx)))
    flux = np.zeros((n_patients, len(model.observables), len(f_idx)))
    for i, o in enumerate(model.observables):
        for name, w in o.compartments.items():
            state[..., i, s_idx[name]] += np.asarray(w) * np.asarray(o.scale)
        for name, w in o.fluxes.items():
            flux[..., i, f_idx[name]] += np.asarray(w) * np.asarray(o.scale)
    return state, flux


def test_the_weights_are_those_filled_in_one_go_and_differ_between_patients(cohort):
    model, compiled = cohort
    state, flux = _filled_in_one_go(model, 40)
    i = compiled.observable_names.index("anc_1e9_per_L")
    assert len(np.unique(state[:, i][state[:, i] != 0])) > 1  # the check below sees per-patient weights
    assert np.array_equal(compiled.obs_state_w, state)
    assert np.array_equal(compiled.obs_flux_w, flux)
    assert np.any(flux)  # the production observables weigh fluxes


def test_rows_and_patients_are_slices_of_the_whole_whichever_is_built_first(cohort):
    model, _ = cohort
    state, flux = _filled_in_one_go(model, 40)
    picked = np.array([13, 3, 8, 3])  # any order, repeats allowed
    which = np.array([5, 0, 39, 5])
    for whole_first in (False, True):
        compiled = model.compile()
        if whole_first:
            compiled.obs_state_w  # noqa: B018 - builds the whole arrays
        rows = compiled.obs_weights.rows(picked)
        assert all(r.flags.c_contiguous for r in rows)
        assert np.array_equal(rows[0], state[:, picked]) and np.array_equal(rows[1], flux[:, picked])
        some = compiled.obs_weights.patients(which)
        assert some.n_patients == 4
        assert np.array_equal(some.state, state[which]) and np.array_equal(some.flux, flux[which])
        assert np.array_equal(some.rows(picked)[0], state[which][:, picked])
        one = compiled.patient(39)
        assert one.obs_weights.n_patients is None
        assert np.array_equal(one.obs_state_w, state[39]) and np.array_equal(one.obs_flux_w, flux[39])
        x = np.abs(np.random.default_rng(0).normal(size=(40, compiled.n_states))) * 1e9
        i = compiled.observable_names.index("platelets_1e9_per_L")
        assert np.array_equal(observable_of_state(compiled, x, "platelets_1e9_per_L"),
                              np.einsum("pn,pn->p", state[:, i], x))


def test_from_arrays_keeps_the_arrays_and_checks_their_shapes():
    state, flux = np.arange(24.0).reshape(2, 3, 4), np.arange(30.0).reshape(2, 3, 5)
    w = ObservableWeights.from_arrays(state, flux)
    assert w.state is state and w.flux is flux and w.n_patients == 2 and w.n_observables == 3
    assert np.array_equal(w.rows([2, 0])[0], state[:, [2, 0]])
    assert np.array_equal(w.patients(1).state, state[1]) and w.patients(1).n_patients is None
    with pytest.raises(ValueError, match="do not fit"):
        ObservableWeights.from_arrays(state, flux[:, :2])


def test_a_cohort_observed_on_some_rows_gives_the_same_numbers_as_on_every_row(cohort):
    model, _ = cohort
    watched = ["platelets_1e9_per_L", "anc_1e9_per_L", "neutrophil_production_per_day", "hemoglobin_g_per_dL"]
    events = [CellDepletion(3.0, ("marrow",), 0.3, ("hsc",))]
    solver = AdditiveRungeKutta(rtol=1e-5)
    compiled = model.compile()
    x0 = Simulation(compiled, solver, events).initial_state.states(compiled)
    some = Simulation(compiled, solver, events).run(20.0, 1.0, x0=x0, observe=watched)
    # every observable, the kernel given the whole arrays (the weights of a model built from them)
    whole = replace(compiled, obs_weights=ObservableWeights.from_arrays(compiled.obs_state_w, compiled.obs_flux_w))
    every = Simulation(whole, solver, events).run(20.0, 1.0, x0=x0, observe=whole.observable_names)
    for name in watched:
        assert np.array_equal(some.observable(name), every.observable(name)), name
    # and the numpy reference path's observables of one patient's states agree with the kernel's read-out
    states = Simulation(compiled, solver, events).run(20.0, 1.0, x0=x0)
    one = compiled.patient(7)
    reference = one.observables(states.times, states.values[7])
    for name in watched:
        j = one.observable_names.index(name)
        assert np.allclose(some.observable(name)[7], reference[:, j], rtol=1e-12, atol=0.0), name
