"""The compiled kernel against the numpy reference path, analytic solutions and convergence order."""

import math

import numpy as np
import pytest

from hemasim.model import Model, Module
from hemasim.parameters import ParameterSet
from hemasim.solvers import DormandPrince, ScipyReference
from hemasim.solvers._kernel import rhs_into


def kernel_rhs(model, t, x):
    # a contiguous copy (the same values): a column of a cohort's states is not, and would compile rhs_into and
    # fluxes_into a second time (for 'A' arrays) in the suite; the warm-up compiled them for the C arrays runs pass
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    rhs_into(t, x, out, *model.kernel_arrays(), np.empty(len(model.signal_names)), np.empty(len(model.fb_kind)),
             np.empty(len(model.flow_names)))
    return out


def test_kernel_equals_numpy_reference_path(reference_model):
    model = reference_model
    rng = np.random.default_rng(1)
    for t in (0.0, 100.0, 3000.0):
        for _ in range(20):
            x = model.x0 * rng.uniform(0.05, 3.0, size=model.n_states)
            ref = model.rhs(t, x)
            fast = kernel_rhs(model, t, x)
            # relative to the gross flux through each state (net dx/dt may cancel to ~0)
            gross = np.abs(model.fluxes(t, x)[0]) @ (np.abs(np.eye(model.n_states)[model.src.clip(0)]) +
                                                     np.abs(np.eye(model.n_states)[model.dst.clip(0)]))
            np.testing.assert_array_less(np.abs(fast - ref), 1e-9 * gross + 1e-300)


def _decay_model(k=0.3, n=1, mean=None):
    m = Module("test")
    if n == 1:
        m.compartment("a", "decaying", 1.0)
        m.flow("a_out", "death", "a", None, k)
    else:
        first = m.chain("c", "chain", n, mean, 0.0, None)
        m.compartments[0] = type(m.compartments[0])(first[0], "chain", 1.0)
    return Model([m], ParameterSet("empty", {})).compile()


def test_single_compartment_decay_matches_exponential():
    model = _decay_model(k=0.3)
    t = np.linspace(0, 30, 31)
    x = DormandPrince(rtol=1e-10).integrate(model, model.x0, 0.0, t)[:, 0]
    np.testing.assert_allclose(x, np.exp(-0.3 * t), rtol=1e-8, atol=1e-9)  # atol: rtol x initial size


def test_transit_chain_matches_erlang_solution():
    from scipy.stats import gamma

    n, mean = 4, 5.8
    model = _decay_model(n=n, mean=mean)
    t = np.linspace(0, 40, 81)
    x = DormandPrince(rtol=1e-10).integrate(model, model.x0, 0.0, t)
    remaining = x.sum(axis=1)  # still in the chain = 1 - Erlang CDF
    np.testing.assert_allclose(remaining, gamma.sf(t, a=n, scale=mean / n), rtol=1e-7, atol=1e-9)


def test_fixed_step_dormand_prince_converges_at_fifth_order():
    model = _decay_model(n=3, mean=2.0)
    t_end = np.array([4.0])
    from scipy.stats import gamma

    exact = gamma.sf(4.0, a=3, scale=2.0 / 3)
    errs = []
    for h in (0.2, 0.1, 0.05):  # asymptotic regime (larger steps cross the error's zero)
        x = DormandPrince(fixed_step_days=h).integrate(model, model.x0, 0.0, t_end)
        errs.append(abs(x[0].sum() - exact))
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(orders > 4.5) and np.all(orders < 6.0), orders


@pytest.mark.slow
def test_compiled_and_scipy_trajectories_agree_after_a_perturbation(static_reference_model):
    from hemasim.events import CellDepletion

    model = static_reference_model
    x0 = CellDepletion(0.0, ("marrow",), 0.2, ("hsc",)).apply(model, model.x0, np.random.default_rng(0))
    t = np.linspace(0, 60, 61)
    fast = DormandPrince(rtol=1e-10).integrate(model, x0, 0.0, t)
    ref = ScipyReference(rtol=1e-10, method="DOP853").integrate(model, x0, 0.0, t)
    np.testing.assert_allclose(fast, ref, rtol=1e-6, atol=1e-6 * model.x0.max())


def test_model_refuses_unknown_names():
    m = Module("bad")
    m.compartment("a", "a", 1.0)
    m.flow("f", "death", "b", None, 1.0)
    with pytest.raises(ValueError, match="unknown compartment 'b'"):
        Model([m], ParameterSet("empty", {}))


@pytest.mark.slow
def test_scenario_solver_choice_gives_the_same_run():
    from hemasim.assembly import run_scenario
    from hemasim.scenario import parse_scenario

    base = {"name": "x", "patient": {"age_years": 50, "sex": "male", "weight_kg": 80}, "duration_days": 40,
            "aging": False,
            "interventions": [{"kind": "cell_depletion", "day": 3, "groups": ["marrow"], "except_groups": ["hsc"],
                               "surviving_fraction": 0.2}]}
    fast = run_scenario(parse_scenario({**base, "solver": {"kind": "dormand_prince", "rtol": 1e-10}}))
    ref = run_scenario(parse_scenario({**base, "solver": {"kind": "scipy", "method": "DOP853", "rtol": 1e-10}}))
    np.testing.assert_allclose(fast.observables.to_numpy(), ref.observables.to_numpy(), rtol=1e-6)


def test_dense_output_between_long_steps_is_accurate():
    model = _decay_model(k=0.3)
    t = np.linspace(0, 20, 201)  # outputs every 0.1 day, steps of several days
    x = DormandPrince(rtol=1e-6, max_step_days=10.0).integrate(model, model.x0, 0.0, t)[:, 0]
    np.testing.assert_allclose(x, np.exp(-0.3 * t), rtol=0, atol=2e-5)


def test_kernel_arrays_are_named_in_the_kernels_argument_order():
    import inspect

    from hemasim.model.compiled import KernelArrays
    from hemasim.solvers._kernel_numba import dopri5

    assert list(inspect.signature(dopri5.py_func).parameters)[9:] == list(KernelArrays._fields)  # after 9 settings
    assert list(inspect.signature(rhs_into.py_func).parameters)[3:17] == list(KernelArrays._fields)


def test_negative_signal_weights_are_refused():
    from hemasim.model import Signal

    m = Module("bad")
    m.compartment("a", "a", 1.0)
    m.signals.append(Signal("s", {"a": -1.0}))
    with pytest.raises(ValueError, match="negative or non-finite weight"):
        Model([m], ParameterSet("empty", {}))



@pytest.mark.parametrize("bad", [-0.5, math.nan, math.inf], ids=["negative", "nan", "inf"])
@pytest.mark.parametrize("per_patient", [False, True], ids=["number", "per_patient"])
@pytest.mark.parametrize("where", ["initial", "rate", "yield", "weight", None])
def test_a_negative_value_is_refused_as_a_number_and_in_one_patient(where: str | None, per_patient: bool,
                                                                    bad: float):
    """Model's checks of plain numbers (compared directly, not through numpy) and of per-patient values (one of
    three patients negative, NaN or infinite: the last two passed, harden15); nothing bad: the model builds."""
    from hemasim.model import Signal

    def value(name: str) -> float | np.ndarray:
        v = bad if name == where else 0.5
        return np.array([1.0, v, 2.0]) if per_patient else v

    m = Module("m")
    m.compartment("a", "a", value("initial"))
    m.flow("f", "death", "a", None, value("rate"), yield_=value("yield"))
    m.signals.append(Signal("s", {"a": value("weight")}))
    if where is None:
        Model([m], ParameterSet("empty", {}))
    else:
        with pytest.raises(ValueError, match="negative or non-finite"):
            Model([m], ParameterSet("empty", {}))

def _every_law_cohort(emax_exponent: float | np.ndarray = 1.5):
    """Three patients; one flow per feedback law, Hill exponents 1 and 2 for all (the lock-step shortcut), one that
    differs between patients, and a repeated law (the lock-step reuses its value); the Emax law's exponent
    ``emax_exponent`` (1 for all: the lock-step's Emax shortcut)."""
    from hemasim.model import Feedback, FeedbackKind, Signal

    per_patient = np.array([0.8, 1.0, 1.3])
    m = Module("laws")
    for name, initial in (("a", 50.0), ("b", 200.0), ("c", 30.0)):
        m.compartment(name, name, initial * per_patient)
    m.signals += [Signal("sa", {"a": 1.0}), Signal("sbc", {"b": 0.5, "c": 2.0})]
    laws = {
        "hill1": (FeedbackKind.HILL_RATIO, (40.0 * per_patient, 2.0, 1.0), "sa"),
        "hill1_again": (FeedbackKind.HILL_RATIO, (40.0 * per_patient, 2.0, 1.0), "sa"),
        "hill2": (FeedbackKind.HILL_RATIO, (60.0, 1.5 * per_patient, 2.0), "sa"),
        "hill_varied": (FeedbackKind.HILL_RATIO, (150.0, 3.0, np.array([0.5, 1.0, 2.7])), "sbc"),
        "age": (FeedbackKind.AGE_DECLINE, (30.0 * per_patient, 0.03, 40.0, 50.0, 1.0), None),
        "inhibition": (FeedbackKind.LINEAR_INHIBITION, (0.004 * per_patient,), "sbc"),
        "emax": (FeedbackKind.EMAX, (-0.5, 20.0 * per_patient, emax_exponent), "sa"),
        "window": (FeedbackKind.WINDOW, (1.0, 4.0 * per_patient), None),
        "linear": (FeedbackKind.LINEAR, (0.002 * per_patient,), "sbc"),
        "power": (FeedbackKind.POWER, (100.0 * per_patient, -0.7, 1.0), "sbc"),
    }
    for name, (kind, params, signal) in laws.items():
        m.feedbacks.append(Feedback(name, kind, params, signal=signal, offset=0.1, scale=0.9))
    m.flow("in", "production", None, "a", 30.0 * per_patient, feedbacks=["hill1", "window"])
    m.flow("a_b", "differentiation", "a", "b", 0.5, yield_=2.0 * per_patient, feedbacks=["hill1_again", "hill2"])
    m.flow("b_c", "maturation", "b", "c", 0.2 * per_patient, feedbacks=["hill_varied", "age", "emax"])
    m.flow("b_out", "death", "b", None, 0.05, feedbacks=["inhibition", "power"])
    m.flow("c_out", "death", "c", None, 0.3, feedbacks=["linear"])
    return Model([m], ParameterSet("empty", {})).compile()


#: the position of the Emax law among :func:`_every_law_cohort`'s feedbacks
EMAX_FEEDBACK = 6


@pytest.mark.parametrize("emax_exponent", [1.5, 1.0])
def test_lockstep_rhs_equals_the_single_patient_kernel_for_every_law(emax_exponent):
    from hemasim.solvers._lockstep import _feedback_shortcuts, _rhs

    model = _every_law_cohort(emax_exponent)
    a = model.kernel_arrays()
    rates, ylds, fbp = np.ascontiguousarray(a.rate.T), np.ascontiguousarray(a.yld.T), \
        np.ascontiguousarray(a.fb_params.transpose(1, 2, 0))
    same, unit_exponent = _feedback_shortcuts(a.fb_kind, a.fb_signal, fbp)
    assert same[1] == 0 and unit_exponent[0] == 1 and unit_exponent[2] == 2 and unit_exponent[3] == 0
    assert unit_exponent[EMAX_FEEDBACK] == (1 if emax_exponent == 1.0 else 0)
    n_sig, n_fb, n_flows, n_patients = len(model.signal_names), len(model.fb_kind), len(model.flow_names), 3
    rng = np.random.default_rng(2)
    for t in (0.0, 2.0, 5000.0):
        x = np.ascontiguousarray((model.x0 * rng.uniform(0.2, 3.0, size=model.x0.shape)).T)  # (n, patients)
        out = np.empty_like(x)
        _rhs(t, x, out, np.empty((n_flows, n_patients)), a.src, a.dst, rates, a.consume, ylds, a.flow_fb, a.sig_ptr,
             a.sig_idx, a.sig_w, a.fb_kind, a.fb_signal, fbp, a.fb_offset, a.fb_scale, np.empty((n_sig, n_patients)),
             np.empty((n_fb, n_patients)), np.empty((n_fb, n_patients)), same, unit_exponent)
        for b in range(n_patients):
            one = model.patient(b)
            expected = kernel_rhs(one, t, x[:, b])
            np.testing.assert_allclose(out[:, b], expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
            np.testing.assert_allclose(expected, one.rhs(t, x[:, b]), rtol=1e-12, atol=1e-12 * np.abs(expected).max())


def test_lockstep_emax_of_exponent_one_is_the_general_law_bit_for_bit():
    """The lock-step evaluates an Emax law whose exponent is 1 for the whole chunk without pow (the nab-paclitaxel
    set's saturable distribution and elimination): its slopes and feedback values are those of the general law to
    the last bit, signals of 0 and far above and below EC50 included; an exponent that differs for one patient
    keeps the general law."""
    from hemasim.solvers._lockstep import _feedback_shortcuts, _rhs

    uneven = _every_law_cohort(np.array([1.0, 1.0, 1.2])).kernel_arrays()
    assert _feedback_shortcuts(uneven.fb_kind, uneven.fb_signal,
                               np.ascontiguousarray(uneven.fb_params.transpose(1, 2, 0)))[1][EMAX_FEEDBACK] == 0
    model = _every_law_cohort(1.0)
    a = model.kernel_arrays()
    rates, ylds, fbp = np.ascontiguousarray(a.rate.T), np.ascontiguousarray(a.yld.T), \
        np.ascontiguousarray(a.fb_params.transpose(1, 2, 0))
    same, shortcut = _feedback_shortcuts(a.fb_kind, a.fb_signal, fbp)
    assert shortcut[EMAX_FEEDBACK] == 1
    general = shortcut.copy()
    general[EMAX_FEEDBACK] = 0
    n_sig, n_fb, n_flows, n_patients = len(model.signal_names), len(model.fb_kind), len(model.flow_names), 3
    a_state = model.state_names.index("a")
    rng = np.random.default_rng(5)
    for scale in (0.0, 1e-9, 0.01, 1.0, 50.0, 1e6):  # the Emax signal (state a) from 0 to far above EC50 (20)
        for t in (0.0, 3.0):
            x = np.ascontiguousarray((model.x0 * rng.uniform(0.2, 3.0, size=model.x0.shape)).T)  # (n, patients)
            x[a_state] *= scale * rng.uniform(0.5, 2.0, size=n_patients) / 50.0
            slopes, feedbacks = [], []
            for exponents in (shortcut, general):
                out, fb = np.empty_like(x), np.empty((n_fb, n_patients))
                _rhs(t, x, out, np.empty((n_flows, n_patients)), a.src, a.dst, rates, a.consume, ylds, a.flow_fb,
                     a.sig_ptr, a.sig_idx, a.sig_w, a.fb_kind, a.fb_signal, fbp, a.fb_offset, a.fb_scale,
                     np.empty((n_sig, n_patients)), fb, np.empty((n_fb, n_patients)), same, exponents)
                slopes.append(out)
                feedbacks.append(fb)
            assert np.array_equal(feedbacks[0], feedbacks[1]) and np.array_equal(slopes[0], slopes[1])


def test_one_flows_flux_is_its_column_of_all_the_fluxes_bit_for_bit(reference_model):
    """``CompiledModel.flux`` (what ``Result.flux`` reads) computes one flow from its own feedbacks: the same numbers
    as that flow's column of ``fluxes``, to the last bit, for every law, a zero-order source, an outflow, negative
    states (clamped) and a cohort's patients; and on the healthy model's states."""
    from hemasim.simulation import Simulation

    cohort = _every_law_cohort()
    rng = np.random.default_rng(3)
    times = np.array([0.0, 0.5, 1.0, 2.0, 3.99, 4.0, 5000.0])
    for b in range(3):
        one = cohort.patient(b)
        x = one.x0 * rng.uniform(-0.5, 3.0, size=(len(times), one.n_states))
        x[0, 0] = 0.0
        whole = one.fluxes(times, x)
        for j in range(len(one.flow_names)):
            assert one.flux(j, times, x).tobytes() == whole[:, j].tobytes()
    result = Simulation(cohort).run(6.0, output_every_days=0.25, x0=cohort.x0)
    for j, name in enumerate(cohort.flow_names):
        expected = np.stack([cohort.patient(b).fluxes(result.times, result.states[b])[:, j] for b in range(3)])
        assert result.flux(name).tobytes() == expected.tobytes()
    x = reference_model.x0 * rng.uniform(0.05, 3.0, size=(5, reference_model.n_states))
    whole = reference_model.fluxes(times[:5], x)
    assert all(reference_model.flux(j, times[:5], x).tobytes() == whole[:, j].tobytes()
               for j in range(len(reference_model.flow_names)))
