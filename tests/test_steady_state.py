"""The steady-state Newton (hemasim.solvers.steady, hemasim.solvers._kernel): a coloured finite-difference
Jacobian that is the column-by-column one, and fixed points that are not isolated or do not exist."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hemasim.biology import healthy_human_model
from hemasim.model.compiled import ObservableWeights
from hemasim.simulation import steady_state
from hemasim.solvers import SolverError
from hemasim.solvers.steady import NewtonSteadyState, balance_residual, jacobian_colouring


def _one_patient_cohort(model, **arrays):
    """``model`` (one patient) as a one-patient cohort model, with some of its arrays replaced."""
    fields = {"x0": model.x0, "rate": model.rate, "yield_": model.yield_, "fb_params": model.fb_params}
    fields.update(arrays)
    weights = ObservableWeights.from_arrays(model.obs_state_w[None], model.obs_flux_w[None])
    return replace(model, n_patients=1, obs_weights=weights,
                   **{k: np.ascontiguousarray(v[None]) for k, v in fields.items()})


def _finite_differences(model, x, columns, scale):
    """(rhs(x + sum of eps_c e_c over columns) - rhs(x)) and each column's eps, by the numpy reference path."""
    xe = x.copy()
    eps = {c: 1e-7 * max(abs(x[c]), scale[c]) for c in columns}
    for c in columns:
        xe[c] += eps[c]
    return model.rhs(0.0, xe) - model.rhs(0.0, x), eps


def test_coloured_jacobian_is_the_column_by_column_one(static_reference_model):
    model = static_reference_model
    x = model.x0 * np.linspace(0.9, 1.1, model.n_states)  # off the fixed point: every flux term non-trivial
    scale = np.maximum(model.x0, 1.0)
    colour_ptr, colour_col, col_ptr, col_row = jacobian_colouring(model)
    n_colours = len(colour_ptr) - 1
    assert n_colours < model.n_states / 4  # the point of it: a handful of evaluations instead of n
    assert sorted(colour_col) == list(range(model.n_states))  # every column in exactly one colour
    for g in range(n_colours):
        cols = colour_col[colour_ptr[g]:colour_ptr[g + 1]]
        together, eps = _finite_differences(model, x, cols, scale)
        for c in cols:
            alone, _ = _finite_differences(model, x, [c], scale)
            rows = col_row[col_ptr[c]:col_ptr[c + 1]]
            # the rows a column reaches are read from the grouped difference, bit for bit
            np.testing.assert_array_equal(together[rows], alone[rows])
            outside = np.setdiff1d(np.arange(model.n_states), rows)
            assert not np.any(alone[outside])  # and the column reaches no other row


def test_the_colouring_kept_for_a_structure_is_that_structures_and_each_caller_gets_its_own(static_reference_model):
    """jacobian_colouring is computed once for each structure: a caller's changes to its arrays never reach the
    next caller, a model of another structure (one flow's target moved, sizes alike) gets its own colouring, and
    rates or states do not enter it."""
    from hemasim.solvers.steady import _colouring_of_structure

    model = static_reference_model
    first = jacobian_colouring(model)
    expected = [a.copy() for a in first]
    for a in first:
        a[:] = -1
    again = jacobian_colouring(replace(model, rate=model.rate * 2.0, x0=model.x0 * 0.5))
    assert all(np.array_equal(a, b) and a.flags.writeable for a, b in zip(again, expected, strict=True))
    dst = model.dst.copy()
    flow = int(np.nonzero((model.src >= 0) & (model.dst >= 0))[0][0])
    dst[flow] = (dst[flow] + model.n_states // 2) % model.n_states  # its source's column reaches another row
    other = jacobian_colouring(replace(model, dst=dst))
    fresh = _colouring_of_structure.__wrapped__(
        (model.n_states, model.flow_fb.shape, *(a.tobytes() for a in (model.src, dst, model.flow_fb,
                                                                       model.fb_signal, model.sig_ptr, model.sig_idx))))
    assert all(np.array_equal(a, b) for a, b in zip(other, fresh, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(other, expected, strict=True))


@pytest.mark.parametrize("linear_solve", ["auto", "reduced"])  # one patient: the dense kernel, unless forced
def test_a_fixed_point_that_is_not_isolated_is_found_not_a_system_error(static_reference_model, linear_solve):
    # Without niche feedback (gain 0: a corner of the sensitivity screen's box) HSC self-renewal equals
    # differentiation at every pool size: a line of fixed points, a singular Jacobian. Plain Newton used to
    # raise inside numba's parallel loop (seen as a SystemError); the pseudo-transient fallback converges.
    model = static_reference_model
    fbp = model.fb_params.copy()
    for name in ("niche_self_renewal", "niche_differentiation"):
        fbp[model.feedback_names.index(name), 1] = 0.0
    x0 = model.x0.copy()
    hsc, blood = model.index("hsc"), model.index("neutrophil_blood_1")
    x0[hsc] *= 1.05  # any pool size is a fixed point now
    x0[blood] *= 1.05  # and off balance elsewhere, so that Newton has work to do
    cohort = _one_patient_cohort(model, fb_params=fbp, x0=x0)
    x = NewtonSteadyState(linear_solve=linear_solve).states(cohort)[0]
    assert np.max(balance_residual(replace(model, fb_params=fbp), x)) < 1e-10
    assert x[hsc] == pytest.approx(x0[hsc], rel=1e-6)  # the neutral pool stays where it was put
    assert x[blood] != x0[blood]  # while the blood pool balanced


@pytest.mark.parametrize("linear_solve", ["auto", "reduced"])
def test_no_fixed_point_is_a_clear_solver_error(static_reference_model, linear_solve):
    model = static_reference_model
    rate = model.rate.copy()
    rate[0] = np.nan  # a non-finite flux: the linear system cannot be solved
    with pytest.raises(SolverError, match=r"steady state not found for 1 patient\(s\); first: index 0: .*singular"):
        NewtonSteadyState(linear_solve=linear_solve).states(_one_patient_cohort(model, rate=rate))


def test_a_cohort_steady_state_balances_every_patient():
    model = healthy_human_model(per_patient={"neutrophil_blood_half_life_days": np.array([0.25, 0.3, 0.5])},
                                aging=False).compile()
    x = steady_state(model)
    for i in range(3):
        assert np.max(balance_residual(model.patient(i), x[i])) < 1e-10


def test_the_status_codes_are_the_kernels():
    from hemasim.solvers import _kernel, steady

    assert (_kernel.CONVERGED, _kernel.NOT_CONVERGED, _kernel.SINGULAR) == (0, 1, steady.SINGULAR)
    from hemasim.solvers import _steady_kernel

    assert _steady_kernel.DENSE_NEEDED not in (_kernel.CONVERGED, _kernel.NOT_CONVERGED, _kernel.SINGULAR)


# ------------------------------------------------------------------ block elimination of the transit chains
def _cohort_of(model, x0s, **arrays):
    """A cohort of copies of the one-patient ``model``, patient i starting from x0s[i] (its other arrays
    replaced by ``arrays``, each (N, ...))."""
    n = len(x0s)
    fields = {"rate": model.rate, "yield_": model.yield_, "fb_params": model.fb_params}
    stacked = {k: np.ascontiguousarray(arrays.get(k, np.repeat(v[None], n, axis=0))) for k, v in fields.items()}
    weights = ObservableWeights.from_arrays(np.repeat(model.obs_state_w[None], n, 0),
                                            np.repeat(model.obs_flux_w[None], n, 0))
    return replace(model, n_patients=n, x0=np.ascontiguousarray(x0s), obs_weights=weights, **stacked)


def test_the_eliminated_states_are_the_transit_stages_in_the_order_cells_pass(static_reference_model):
    from hemasim.solvers._steady_structure import chain_elimination

    model = static_reference_model
    blocks = chain_elimination(model, jacobian_colouring(model))
    chain = [model.state_names[s] for s in blocks.order[:blocks.n_eliminated]]
    maturing = [f"neutrophil_maturing_{i}" for i in range(1, 81)]
    assert [s for s in chain if s.startswith("neutrophil_maturing_")] == maturing  # all 80, upstream first
    assert chain.index("neutrophil_precursor_8") < chain.index("neutrophil_maturing_1")
    read = {model.state_names[j] for j in model.sig_idx}  # what feedbacks read closes the loops: kept
    assert not read & set(chain)
    assert {"mpp", "blood_hspc"}.isdisjoint(chain)  # HSPC egress and homing: a cycle, kept
    assert sorted(blocks.order) == list(range(model.n_states))
    position = {s: p for p, s in enumerate(blocks.order[:blocks.n_eliminated])}
    assert all(position[blocks.order[r]] > e for e in range(blocks.n_eliminated)
               for r in blocks.d_row[blocks.d_ptr[e]:blocks.d_ptr[e + 1]])  # D lower triangular


def _perturbed_rates(model, rng, n):
    """(n, n_flows) factors U(0.7, 1.4) on the rates, except that a flow returning cells to their own pool
    (proliferation, self-renewal, expansion: src == dst) takes the consumption-weighted mean of the factors of the
    flows that take cells out of that pool: each pool's self-renewal to loss ratio stays the healthy one, and with it
    the fixed point's existence. Drawn independently, that ratio decides it: B-cell proliferation (no feedback) at
    2/3 of its death draws above it in about 8% of patients (the B pool grows without bound: no finite fixed point,
    pseudo-transient continuation fails too), and the CD4 memory pools (proliferation 0.99 and 0.86 of the loss, one
    shallow niche feedback) move to 0.007-0.1 (central) and 2-8 times (effector) their size, out of plain Newton's
    reach from x0 (the continuation finds them). Over seeds 0-11, 37 of 60 perturbed patients failed: 9 without a
    fixed point (B proliferation above death), the rest far fixed points (mostly CD4 memory, some naive T)."""
    u = rng.uniform(0.7, 1.4, (n, len(model.rate)))
    for f in np.nonzero((model.src == model.dst) & (model.src >= 0))[0]:
        out = np.nonzero((model.src == model.src[f]) & (model.dst != model.src[f]) & (model.consume > 0.0))[0]
        w = model.consume[out] * model.rate[out]
        u[:, f] = u[:, out] @ w / w.sum()
    return u


def _perturbed_patients(model, seed=0):
    """The healthy patient, others with their states and rates moved, and one with a pinned transit state."""
    # The tests below need every patient of the draw to converge in plain Newton (dense and reduced kernels). With
    # every rate drawn independently, 380 of 1000 perturbed patients did (seeds 0-199) and no seed of 0-199 gave six:
    # the seed was re-picked 3 -> 52 -> 369 as the model changed, the last the only one of 0-400. A pool's
    # proliferation drawn above its loss has no finite fixed point, or one far away (see _perturbed_rates). With the
    # self-renewal to loss ratios kept, 970 of 1000 converge and all six do for 170 of seeds 0-199. The other 30 have
    # a fixed point near x0 (6 checked: every state within 2.5x; the continuation finds it) that plain Newton misses
    # from the perturbed thymocyte pools (the steep thymic niche-access law: 27 of 29 converge with thymocyte_2 put
    # back at x0). Seed 0 is one of many, so a model change is unlikely to need a new one.
    rng = np.random.default_rng(seed)
    x0s = [model.x0] + [model.x0 * rng.uniform(0.8, 1.25, model.n_states) for _ in range(4)]
    pinned = model.x0.copy()
    pinned[model.index("trec_cd4")] = 0.0  # an eliminated state pinned at zero (nothing reads it)
    x0s.append(pinned)
    rate = model.rate[None] * _perturbed_rates(model, rng, len(x0s))
    rate[0] = model.rate
    return _cohort_of(model, np.array(x0s), rate=rate)


def test_the_reduced_solve_finds_the_dense_solves_fixed_points(static_reference_model):
    cohort = _perturbed_patients(static_reference_model)
    dense = NewtonSteadyState(linear_solve="dense").states(cohort)
    reduced = NewtonSteadyState(linear_solve="reduced").states(cohort)
    np.testing.assert_allclose(reduced, dense, rtol=1e-10, atol=0.0)
    assert np.all(reduced >= 0.0) and reduced[-1, static_reference_model.index("trec_cd4")] == 0.0
    for i in range(cohort.n_patients):
        free = cohort.x0[i] != 0.0  # a pinned state's inflow has nowhere to go: it is left out of the balance
        assert np.max(balance_residual(cohort.patient(i), reduced[i])[free]) < 1e-10
    assert np.array_equal(NewtonSteadyState().states(cohort), reduced)  # a cohort's default


def test_a_patient_with_unsafe_eliminated_pivots_is_solved_densely(static_reference_model, monkeypatch):
    from hemasim.solvers import _kernel_numba, _steady_kernel, steady

    cohort = _perturbed_patients(static_reference_model)
    blocks = steady.chain_elimination(cohort, jacobian_colouring(cohort))
    everything_unsafe = replace(blocks, pivot_threshold=np.inf)  # no pivot is safe: every patient to the dense LU
    arrays = everything_unsafe.kernel_arrays()
    _, status = _steady_kernel.steady_state_reduced(
        cohort.x0, 0.0, np.maximum(cohort.x0, 1.0), *cohort.kernel_arrays(), 1e-10, 60, 0.0,
        jacobian_colouring(cohort), arrays[:4], arrays[4:], everything_unsafe.pivot_threshold)
    # the healthy patient is balanced where it starts (no linear solve); every other one is sent to the dense LU
    assert status[0] == _kernel_numba.CONVERGED and np.all(status[1:] == _steady_kernel.DENSE_NEEDED)
    solved_densely = []
    dense_kernel = _kernel_numba.steady_state_batch

    def counting(x0, *args):
        solved_densely.append(len(x0))
        return dense_kernel(x0, *args)

    monkeypatch.setattr(_kernel_numba, "steady_state_batch", counting)
    monkeypatch.setattr(steady, "chain_elimination", lambda *_: everything_unsafe)
    x = steady.NewtonSteadyState(linear_solve="reduced").states(cohort)
    assert solved_densely == [cohort.n_patients - 1]
    np.testing.assert_array_equal(x, steady.NewtonSteadyState(linear_solve="dense").states(cohort))


def test_a_model_without_transit_stages_is_solved_densely():
    from hemasim.model import Feedback, FeedbackKind, Model, Module, Signal
    from hemasim.parameters import ParameterSet
    from hemasim.solvers.steady import chain_elimination

    m = Module("toy")  # two pools, each read by the feedback on its own flows: nothing to eliminate
    m.compartment("a", "a pool", 2.0)
    m.compartment("b", "b pool", 1.0)
    m.signals += [Signal("a_pool", {"a": 1.0}), Signal("b_pool", {"b": 1.0})]
    m.feedbacks += [Feedback("a_law", FeedbackKind.POWER, (2.0, -0.5, 1e-9), "a_pool"),
                    Feedback("b_law", FeedbackKind.POWER, (1.0, -0.5, 1e-9), "b_pool")]
    m.flow("a_in", "source", None, "a", 1.0, feedbacks=("a_law",))
    m.flow("a_to_b", "maturation", "a", "b", 0.5)
    m.flow("b_out", "death", "b", None, 0.5, feedbacks=("b_law",))
    model = Model([m], ParameterSet("empty", {})).compile()
    assert chain_elimination(model, jacobian_colouring(model)) is None
    x = NewtonSteadyState(linear_solve="reduced").states(_cohort_of(model, np.array([model.x0, 2 * model.x0])))
    np.testing.assert_allclose(x, [[2.0, 4.0], [2.0, 4.0]], rtol=1e-9)  # a_in = a_to_b = b_out = 1 cell/day


@pytest.mark.parametrize("kernel", ["reduced", "dense"])
def test_each_patient_is_solved_alike_in_any_split_of_the_cohort(static_reference_model, kernel):
    """The steady-state kernels run the cohort as equal ranges of patients in threads
    (hemasim.solvers._threads.patient_ranges): every patient is solved once, and its state and status do not depend
    on the split, bit for bit (a patient alone included)."""
    from hemasim.solvers import _kernel_numba, _steady_kernel, steady
    from hemasim.solvers._threads import patient_ranges

    cohort = _perturbed_patients(static_reference_model)
    colouring = jacobian_colouring(cohort)
    settings = (1e-10, 60, 0.0, colouring)
    if kernel == "reduced":
        blocks = steady.chain_elimination(cohort, colouring)
        arrays = blocks.kernel_arrays()
        solve, extra = _steady_kernel._reduced_range, (arrays[:4], arrays[4:], blocks.pivot_threshold)
    else:
        solve, extra = _kernel_numba._steady_state_range, ()

    def solved(model, ranges):
        return patient_ranges(solve, model.x0, 0.0, np.maximum(model.x0, 1.0),
                              (*model.kernel_arrays(), *settings, *extra), ranges)

    x, status = solved(cohort, 1)
    assert np.all(status == 0)  # every patient converged (not DENSE_NEEDED, not left unset)
    for ranges in (2, 3, cohort.n_patients, cohort.n_patients + 4):
        x_split, status_split = solved(cohort, ranges)
        assert np.array_equal(x_split, x) and np.array_equal(status_split, status)
    for i in (0, cohort.n_patients - 1):
        alone = _cohort_of(static_reference_model, cohort.x0[i:i + 1], rate=cohort.rate[i:i + 1])
        assert np.array_equal(solved(alone, 1)[0][0], x[i])


# ------------------------------------------------------------------ the moving states alone (the others held)
def _aged_cohort():
    """Adults of several ages with their parameters varied: the built states are balanced except where the age
    moves the T-cell pools."""
    from hemasim.biology import Covariates

    rng = np.random.default_rng(7)
    n = 12
    ages = np.concatenate([[20.0, 35.0, 80.0], rng.uniform(20.0, 80.0, n - 3)])
    covariates = Covariates(ages, np.array(["male", "female"] * (n // 2)), rng.uniform(55.0, 95.0, n),
                            rng.uniform(155.0, 190.0, n))
    per_patient = {"neutrophil_blood_half_life_days": rng.uniform(0.25, 0.5, n)}
    return healthy_human_model(covariates, per_patient=per_patient, aging=False).compile()


def _moving(model):
    from hemasim.solvers._steady_kernel import off_balance
    from hemasim.solvers._steady_structure import HELD_RESIDUAL_FRACTION, moving_states

    colouring = jacobian_colouring(model)
    off = off_balance(model.x0, 0.0, *model.kernel_arrays(), HELD_RESIDUAL_FRACTION * 1e-10)
    return off, moving_states(model, colouring, off), colouring


def test_the_moving_states_are_the_aged_t_cell_pools_and_what_they_reach():
    model = _aged_cohort()
    off, moving, (_, _, col_ptr, col_row) = _moving(model)
    names = {model.state_names[j] for j in np.nonzero(off)[0]}
    assert names == {"naive_cd4", "naive_cd8"}  # what the age moves; everything else balanced where it starts
    states = set(moving.states.tolist())
    assert {model.index(s) for s in ("naive_cd4", "naive_cd8", "memory_cd8", "trec_cd4")} <= states
    assert {model.index(s) for s in ("hsc", "neutrophil_blood_1", "neutrophil_maturing_40")}.isdisjoint(states)
    for c in states:  # no held state's dx/dt depends on a moving state
        assert set(col_row[col_ptr[c]:col_ptr[c + 1]].tolist()) <= states
    for i in range(model.n_patients):  # and every held state is balanced to rounding where it starts
        held = np.setdiff1d(np.arange(model.n_states), moving.states)
        assert np.max(balance_residual(model.patient(i), model.x0[i])[held]) < 1e-14


def test_the_partial_right_hand_side_is_the_whole_ones_on_the_moving_rows():
    from hemasim.solvers import _kernel_numba

    model = _aged_cohort()
    _, moving, _ = _moving(model)
    p = model.patient(4)
    rng = np.random.default_rng(1)
    x = p.x0 * rng.uniform(0.5, 1.5, p.n_states)  # off every fixed point
    buffers = (np.empty(len(p.sig_ptr) - 1), np.empty(len(p.fb_kind)), np.empty(len(p.rate)))
    whole, part = np.empty(p.n_states), np.full(p.n_states, np.nan)
    _kernel_numba.rhs_into(0.0, x, whole, *p.kernel_arrays(), *buffers)
    _kernel_numba.rhs_into(0.0, x, part, *p.kernel_arrays(), *buffers, moving.part)
    np.testing.assert_array_equal(part[moving.states], whole[moving.states])  # bit for bit
    np.testing.assert_allclose(whole, p.rhs(0.0, x), rtol=1e-12, atol=1e-12 * np.max(np.abs(whole)))


def test_the_moving_states_newton_finds_the_dense_solves_fixed_points():
    model = _aged_cohort()
    _, moving, _ = _moving(model)
    assert moving is not None and len(moving.states) < model.n_states / 4
    held = NewtonSteadyState().states(model)
    dense = NewtonSteadyState(linear_solve="dense").states(model)
    reduced = NewtonSteadyState(hold_balanced=False).states(model)
    np.testing.assert_allclose(held, dense, rtol=1e-10, atol=0.0)
    np.testing.assert_allclose(held, reduced, rtol=1e-10, atol=0.0)
    rest = np.setdiff1d(np.arange(model.n_states), moving.states)
    assert np.array_equal(held[:, rest], model.x0[:, rest])  # held where they start
    assert not np.array_equal(held[:, moving.states], model.x0[:, moving.states])
    for i in range(model.n_patients):
        assert np.max(balance_residual(model.patient(i), held[i])) < 1e-10


def test_too_many_moving_states_leave_the_newton_to_every_state(static_reference_model):
    cohort = _perturbed_patients(static_reference_model)  # every state moved in some patient
    off, moving, _ = _moving(cohort)
    assert off.sum() > cohort.n_states / 2 and moving is None


def test_patients_the_moving_states_newton_does_not_converge_are_solved_as_without_it(monkeypatch):
    from hemasim.solvers import steady

    model = _aged_cohort()
    solved_by_every_state = []
    newton = steady._newton

    def counting(sub, *args):
        solved_by_every_state.append(sub.n_patients)
        return newton(sub, *args)

    monkeypatch.setattr(steady, "_newton", counting)
    x = NewtonSteadyState(newton_iterations=2).states(model)  # too few for most: the fallbacks take them
    assert solved_by_every_state[0] > 0  # the plain Newton of every state, then continuation
    assert len(solved_by_every_state) == 2 and solved_by_every_state[1] <= solved_by_every_state[0]
    for i in range(model.n_patients):
        assert np.max(balance_residual(model.patient(i), x[i])) < 1e-10


def test_the_hot_steady_state_kernels_run_without_reference_counting():
    """The right-hand side and the moving states' Newton and pre-pass are compiled without numba's reference
    counting (``_nrt=False``): its atomic updates of every array's count at each call and view cost more than their
    sums (the 10,000-patient steady state took 2.2x the CPU; docs/performance.md, goal 4, seventeenth session). They
    allocate nothing (numba refuses to compile an allocation there), and the arithmetic is the same: the other
    tests here hold their results."""
    import numba

    from hemasim.solvers import _kernel_numba, _steady_kernel

    kernels = (_kernel_numba.rhs_into, _kernel_numba.fluxes_into, _steady_kernel._moving_newton,
               _steady_kernel._off_balance_range, _steady_kernel._reduced_newton)
    for kernel in kernels:
        assert isinstance(kernel, numba.core.registry.CPUDispatcher)
        assert kernel.targetoptions.get("_nrt") is False, kernel.py_func.__name__
