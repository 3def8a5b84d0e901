"""The lock-step IMEX kernel's parts (branch cohort21): L frozen over a chunk of patients, with the self-reading
multipliers' derivatives taken over the chunk at once, equals L computed patient by patient; the one-pass
right-hand side with its transit runs equals the two-pass one; the forward substitution with the step's reciprocals
solves (I - hg L) Y = r; the dense output of the observed states equals that of every state."""

import numpy as np
import pytest

from hemasim.solvers import _kernel_ready as ready
from hemasim.solvers.split import implicit_split


def _nab_paclitaxel_model():
    """The healthy adult with nab-paclitaxel (Chen 2014: saturable elimination, a self-reading multiplier that is no
    Hill law) beside the HSC crowding's self-reading Hill laws."""
    import yaml

    from hemasim.assembly import build_model
    from hemasim.scenario import parse_scenario

    from .conftest import EXAMPLES

    data = yaml.safe_load((EXAMPLES / "docetaxel_q3w.yaml").read_text())
    data["interventions"][0]["drug_set"] = "nab_paclitaxel_chen2014"
    data["interventions"][0]["dose_mg_per_m2"] = 260
    data["interventions"][0]["infusion_hours"] = 0.5
    return build_model(parse_scenario(data)).compile()


def _chunk_states(model, n_patients=3):
    """States of a chunk (n, B): the healthy state scaled differently per state and patient, with drug in every
    compartment (so each self-reading law sees a signal of its own)."""
    rng = np.random.default_rng(7)
    x = np.maximum(model.x0, 1.0)[:, None] * rng.uniform(0.3, 1.7, size=(model.n_states, n_patients))
    return np.ascontiguousarray(x)


def _chunk_model_arrays(model, B):
    """The patient-innermost arrays of a chunk of B copies of the one-patient model."""
    def tile(a):
        return np.ascontiguousarray(np.repeat(np.asarray(a, dtype=np.float64)[..., None], B, axis=-1))

    return tile(model.rate), tile(model.yield_), tile(model.fb_params)


def _reference_split(model, x, t, split):
    """L at the state x of one patient, in plain Python: each implicit flow's rate times its multipliers (the laws of
    hemasim.model.laws), a self-reading multiplier's derivative by a forward difference of 1e-6 of its signal."""
    from hemasim.model.laws import feedback_value

    sig = [sum(w * max(x[j], 0.0) for j, w in zip(model.sig_idx[lo:hi], model.sig_w[lo:hi], strict=True))
           for lo, hi in zip(model.sig_ptr[:-1], model.sig_ptr[1:], strict=True)]

    def multiplier(j, signal):
        return model.fb_offset[j] + model.fb_scale[j] * feedback_value(int(model.fb_kind[j]), t, signal,
                                                                         *model.fb_params[j])

    fb = [multiplier(j, sig[model.fb_signal[j]] if model.fb_signal[j] >= 0 else 0.0) for j in range(len(model.fb_kind))]
    raw = np.array([model.rate[f] * np.prod([fb[j] for j in model.flow_fb[f] if j >= 0]) for f in split.flow])
    feed = raw.copy()
    for k, j, w in zip(split.self_entry, split.self_feedback, split.self_weight, strict=True):
        xs, sv = x[model.src[split.flow[k]]], sig[model.fb_signal[j]]
        ds = 1e-6 * sv if sv > 0.0 else 1e-300
        f0, f1 = multiplier(j, sv), multiplier(j, sv + ds)
        if xs > 0.0 and f0 != 0.0:
            feed[k] += raw[k] * xs * w * (f1 - f0) / (ds * f0)
    feed = np.maximum(feed, 0.0)
    leave = np.zeros(model.n_states)
    np.add.at(leave, model.src[split.flow], model.consume[split.flow] * feed)
    feed = model.yield_[split.flow] * feed
    # a bounded self-renewal (a progenitor pool's) lowers its source's rate of leaving instead of feeding it
    own = split.target == model.src[split.flow]
    np.subtract.at(leave, model.src[split.flow][own], feed[own])
    return leave, np.where(own, 0.0, feed)


def _feedback_values(model, x, t):
    """Every feedback's multiplier at the state x of one patient, in plain Python (the laws of hemasim.model.laws)."""
    from hemasim.model.laws import feedback_value

    sig = [sum(w * max(x[j], 0.0) for j, w in zip(model.sig_idx[lo:hi], model.sig_w[lo:hi], strict=True))
           for lo, hi in zip(model.sig_ptr[:-1], model.sig_ptr[1:], strict=True)]
    return np.array([model.fb_offset[j] + model.fb_scale[j] * feedback_value(
        int(model.fb_kind[j]), t, sig[model.fb_signal[j]] if model.fb_signal[j] >= 0 else 0.0, *model.fb_params[j])
        for j in range(len(model.fb_kind))])


def _cross_derivatives(model, split, x):
    """d flux / d x_q of each of L's entries by a state q a LINEAR multiplier reads, in plain Python: flux = rate
    x_source prod_i F_i with F_j = offset + scale slope s, so d flux / d x_q = rate x_source prod_(i != j) F_i scale
    slope w_q (hemasim.solvers.split.ImplicitSplit.cross_*); zero for a flow whose coefficient is negative (L leaves
    it out), not for one whose coefficient is 0."""
    fb = _feedback_values(model, x, 0.5)
    out = np.empty(len(split.cross_entry))
    for e, (k, j, w) in enumerate(zip(split.cross_entry, split.cross_feedback, split.cross_weight, strict=True)):
        f = split.flow[k]
        others = [fb[i] for i in model.flow_fb[f] if i >= 0 and i != j]
        whole = model.rate[f] * np.prod([fb[i] for i in model.flow_fb[f] if i >= 0])
        c = model.rate[f] * x[model.src[f]] * np.prod(others) * model.fb_scale[j] * model.fb_params[j][0] * w
        out[e] = c if whole >= 0.0 else 0.0
    return out


def _add_cross_entries(model, split, x, out):
    """out += L's entries by the states a LINEAR multiplier reads times those states (:func:`_cross_derivatives`)."""
    for e, (k, c) in enumerate(zip(split.cross_entry, _cross_derivatives(model, split, x), strict=True)):
        q = int(np.searchsorted(split.cross_ptr, e, side="right")) - 1
        f = split.flow[k]
        out[model.src[f]] -= model.consume[f] * c * x[q]
        if split.target[k] >= 0:
            out[split.target[k]] += model.yield_[f] * c * x[q]


def _lockstep_links(model, B):
    from hemasim.solvers import _lockstep as lock

    RATE, YLD, _ = _chunk_model_arrays(model, B)
    return lock._transit_runs(ready(model.src), ready(model.dst), ready(model.consume), YLD, RATE,
                              ready(model.flow_fb))


def _lockstep_split(model, X, t, split):
    from hemasim.solvers import _lockstep as lock

    n, B = X.shape
    RATE, YLD, FBP = _chunk_model_arrays(model, B)
    n_fb = len(model.fb_kind)
    same, integer = lock._feedback_shortcuts(ready(model.fb_kind), ready(model.fb_signal), FBP)
    SIG, FB, G = np.empty((len(model.sig_ptr) - 1, B)), np.empty((n_fb, B)), np.empty((n_fb, B))
    args = (np.empty((len(model.flow_names), B)), ready(model.src), ready(model.dst), RATE, ready(model.consume), YLD,
            ready(model.flow_fb), ready(model.sig_ptr), ready(model.sig_idx), ready(model.sig_w), ready(model.fb_kind),
            ready(model.fb_signal), FBP, ready(model.fb_offset), ready(model.fb_scale), SIG, FB, G, same, integer)
    slopes = np.empty((n, B))
    lock._rhs_fused(t, X, slopes, _lockstep_links(model, B), *args)
    reference = np.empty((n, B))
    lock._rhs(t, X, reference, *args)
    LEAVE, FEED = np.empty((n, B)), np.empty((len(split.flow), B))
    KI0 = np.empty((n, B))
    cross_from, cross_into = lock.cross_ends(split.cross_entry, split.flow, split.target, ready(model.src))
    cross = (split.cross_ptr, split.cross_entry, split.cross_feedback, split.cross_weight, cross_from, cross_into,
             np.zeros((len(split.cross_entry), B)), np.zeros((len(split.cross_entry), B)))
    lock._freeze_split(t, X, KI0, SIG, FB, RATE, ready(model.flow_fb), ready(model.consume), YLD, ready(model.src),
                       ready(model.fb_kind), ready(model.fb_signal), FBP, ready(model.fb_offset),
                       ready(model.fb_scale), integer, split.ptr, split.flow, split.target,
                       (split.self_entry, split.self_feedback, split.self_weight), LEAVE, FEED,
                       np.empty((len(split.flow), B)), np.empty((3, B)), cross)
    return LEAVE, FEED, KI0, slopes, reference, cross


@pytest.fixture(scope="module")
def drug_model():
    return _nab_paclitaxel_model()


def test_the_chunk_freezes_l_as_patient_by_patient_self_reading_laws_included(drug_model):
    model = drug_model
    split = implicit_split(model)
    links = _lockstep_links(model, 3)
    # the neutrophil maturation (79 links between its 80 stages and the last stage's egress) is one run
    assert 80 in links.tolist()
    kinds = {int(model.fb_kind[j]) for j in split.self_feedback}
    assert len(kinds) >= 2  # the HSC crowding's Hill laws and the drug's saturable elimination (another law)
    assert len(split.cross_entry) > 0  # the drug's LINEAR kills read its concentration: L's entries by it
    X = _chunk_states(model)
    LEAVE, FEED, KI0, slopes, reference, _ = _lockstep_split(model, X, 0.5, split)
    for b in range(X.shape[1]):
        leave, feed = _reference_split(model, X[:, b], 0.5, split)
        # the derivatives are forward differences (1e-6 of the signal) of laws the chunk computes with fast_pow,
        # the reference with the C library's pow: equal to ~1e-9 of the coefficients
        np.testing.assert_allclose(LEAVE[:, b], leave, rtol=1e-7, atol=0.0)
        np.testing.assert_allclose(FEED[:, b], feed, rtol=1e-7, atol=0.0)
        l_times_x = -leave * X[:, b]  # KI0 = L X
        into = split.target >= 0
        np.add.at(l_times_x, split.target[into], (feed * X[_sources(model, split), b])[into])
        _add_cross_entries(model, split, X[:, b], l_times_x)
        np.testing.assert_allclose(KI0[:, b], l_times_x, rtol=1e-7, atol=1e-12 * np.abs(l_times_x).max())
    # the IMEX kernel's right-hand side (one pass, the transit runs' coefficients once a run): the two-pass one's
    # slopes to rounding, on each state's own scale (its outflow)
    scale = np.maximum(np.abs(LEAVE * X), np.abs(reference)) + 1e-300
    assert np.max(np.abs(slopes - reference) / scale) < 1e-13


def _sources(model, split):
    return model.src[split.flow]


def test_a_linear_multiplier_that_is_0_keeps_its_derivative_in_l(drug_model):
    """At C = 0 (the step an infusion starts from no drug) a kill's flux slope C x_cells is 0, and so is its
    coefficient in L, but not its derivative by C: both kernels' L keep it (until the twenty-third session they put 0
    there, so the kill's growth within that step was explicit; docs/performance.md, "A multiplier that is 0")."""
    from hemasim.solvers import _kernel_numba as kernel

    model = drug_model
    split = implicit_split(model)
    X = _chunk_states(model)
    read = np.searchsorted(split.cross_ptr, np.arange(len(split.cross_entry)), side="right") - 1
    X[read] = 0.0  # no drug: every LINEAR multiplier with a cross entry (the kills' slope C) is 0
    *_, cross = _lockstep_split(model, X, 0.5, split)
    flow = split.flow[split.cross_entry]
    for b in range(X.shape[1]):
        expected = _cross_derivatives(model, split, X[:, b])
        assert np.all(expected > 0.0)
        np.testing.assert_allclose(cross[6][:, b], model.consume[flow] * expected, rtol=1e-12)
        np.testing.assert_allclose(cross[7][:, b], model.yield_[flow] * expected, rtol=1e-12)
        # the single-patient kernel's, from the multipliers and coefficients as its right-hand side leaves them
        fb = _feedback_values(model, X[:, b], 0.5)
        raw = np.array([model.rate[f] * np.prod([fb[j] for j in model.flow_fb[f] if j >= 0]) for f in split.flow])
        assert np.all(raw[split.cross_entry] == 0.0)
        single = (*cross[:6], np.zeros(len(flow)), np.zeros(len(flow)))
        kernel._cross_coefficients.py_func(X[:, b], fb, model.rate, model.flow_fb, model.consume, model.yield_,
                                           model.src, model.fb_params, model.fb_scale, split.flow, raw, single)
        np.testing.assert_allclose(single[6], model.consume[flow] * expected, rtol=1e-12)
        np.testing.assert_allclose(single[7], model.yield_[flow] * expected, rtol=1e-12)


def test_the_forward_substitution_with_the_steps_reciprocals_solves_the_stage_system(drug_model, monkeypatch):
    from hemasim.solvers import _lockstep as lock
    from hemasim.solvers.split import MAX_BLOCK

    model = drug_model
    split = implicit_split(model)
    X = _chunk_states(model)
    n, B = X.shape
    LEAVE, FEED, *_ = _lockstep_split(model, X, 0.5, split)
    # the solve's Python source, run as Python: the inlined functions compiled on their own for this test took
    # ~1.7 s CPU (twentieth session); the kernel that inlines them is compiled, and checked, by the IMEX tests
    monkeypatch.setattr(lock, "_solve_small", lock._solve_small.py_func)

    monkeypatch.setattr(lock, "_cross_push", lock._cross_push.py_func)
    sources = _sources(model, split)
    cross_from, cross_into = lock.cross_ends(split.cross_entry, split.flow, split.target, model.src)
    rng = np.random.default_rng(3)
    CROSS_OUT, CROSS_IN = (rng.uniform(0.0, 5.0, (len(split.cross_entry), B)) for _ in range(2))
    read = np.searchsorted(split.cross_ptr, np.arange(len(split.cross_entry)), side="right") - 1

    def solve(hg, Y, with_cross):
        INV, FEEDH = np.empty_like(LEAVE), np.empty_like(FEED)
        lock._scale_split.py_func(hg, LEAVE, FEED, INV, FEEDH)
        structure = (split.order, split.block_ptr, split.block_of, split.local, split.ptr, split.target,
                     np.empty((MAX_BLOCK, MAX_BLOCK, Y.shape[1])), np.empty((MAX_BLOCK, Y.shape[1])))
        scale = 1.0 if with_cross else 0.0
        cross = (split.cross_ptr, split.cross_entry, split.cross_feedback, split.cross_weight, cross_from, cross_into,
                 scale * CROSS_OUT, scale * CROSS_IN)
        lock._implicit_solve.py_func(hg, Y, LEAVE, FEED, INV, FEEDH, structure, cross)

    r = np.ascontiguousarray(X * 1.3)
    hg = 0.07
    for with_cross in (False, True):
        Y = r.copy()
        solve(hg, Y, with_cross)
        for b in range(B):  # (I - hg L) Y = r, L assembled densely
            L = np.diag(-LEAVE[:, b])
            for k, d in enumerate(split.target):
                if d >= 0:
                    L[d, sources[k]] += FEED[k, b]
            if with_cross:  # the columns of the states LINEAR multipliers read
                np.add.at(L, (cross_from, read), -CROSS_OUT[:, b])
                into = cross_into >= 0
                np.add.at(L, (cross_into[into], read[into]), CROSS_IN[into, b])
            np.testing.assert_allclose((np.eye(n) - hg * L) @ Y[:, b], r[:, b], rtol=1e-12,
                                       atol=1e-12 * np.abs(r[:, b]).max())
        if not with_cross:  # an M-matrix's inverse keeps non-negative right-hand sides non-negative
            assert np.all(Y >= 0.0)


@pytest.mark.parametrize("observed", [("anc_1e9_per_L", "platelets_1e9_per_L", "cd4_per_uL"),
                                      ("anc_1e9_per_L", "neutrophil_production_per_day")])
def test_observables_interpolate_only_the_states_they_read_and_equal_those_of_the_full_states(observed):
    """The dense output between steps interpolates only the states the observables read (all of them when one reads
    a flux): the observed values equal those computed from the full states of the same chunk (same steps)."""
    from hemasim.biology import healthy_human_model
    from hemasim.cohort.sampling import draw_patients
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import load_scenario
    from hemasim.simulation import steady_state
    from hemasim.solvers import AdditiveRungeKutta

    from .conftest import EXAMPLES

    scenario = load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml")
    params = healthy_adult_parameters()
    patients = draw_patients(scenario.population, scenario.patient, params, 0, 4, 0)
    model = healthy_human_model(patients.covariates, params, aging=scenario.aging,
                                per_patient=patients.parameters).compile()
    x0 = steady_state(model)
    x0[:, : model.n_states // 2] *= 0.3  # a depletion of the first half of the states: a recovery to follow
    t = np.linspace(0.0, 20.0, 81)  # outputs between the steps
    solver = AdditiveRungeKutta(rtol=1e-5)
    ours = solver.solve(model, x0, 0.0, t, observe=observed).values
    states = solver.solve(model, x0, 0.0, t).values  # every state (identity observables)
    index = [model.observable_names.index(o) for o in observed]
    for b in range(x0.shape[0]):
        full = model.patient(b).observables(t, states[b])[:, index]
        np.testing.assert_allclose(ours[b], full, rtol=1e-12, atol=0.0)
