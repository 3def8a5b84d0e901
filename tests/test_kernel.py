"""The compiled kernel against the numpy reference path, analytic solutions and convergence order."""

import numpy as np
import pytest

from hemasim.model import Model, Module
from hemasim.parameters import ParameterSet
from hemasim.solvers import DormandPrince, ScipyReference
from hemasim.solvers._kernel import rhs_into


def kernel_rhs(model, t, x):
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
