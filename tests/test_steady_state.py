"""The steady-state Newton (hemasim.solvers.steady, hemasim.solvers._kernel): a coloured finite-difference
Jacobian that is the column-by-column one, and fixed points that are not isolated or do not exist."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hemasim.biology import healthy_human_model
from hemasim.simulation import steady_state
from hemasim.solvers import SolverError
from hemasim.solvers.steady import balance_residual, jacobian_colouring


def _one_patient_cohort(model, **arrays):
    """``model`` (one patient) as a one-patient cohort model, with some of its arrays replaced."""
    fields = {"x0": model.x0, "rate": model.rate, "yield_": model.yield_, "fb_params": model.fb_params}
    fields.update(arrays)
    return replace(model, n_patients=1, obs_state_w=model.obs_state_w[None], obs_flux_w=model.obs_flux_w[None],
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


def test_a_fixed_point_that_is_not_isolated_is_found_not_a_system_error(static_reference_model):
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
    x = steady_state(cohort)[0]
    assert np.max(balance_residual(replace(model, fb_params=fbp), x)) < 1e-10
    assert x[hsc] == pytest.approx(x0[hsc], rel=1e-6)  # the neutral pool stays where it was put
    assert x[blood] != x0[blood]  # while the blood pool balanced


def test_no_fixed_point_is_a_clear_solver_error(static_reference_model):
    model = static_reference_model
    rate = model.rate.copy()
    rate[0] = np.nan  # a non-finite flux: the linear system cannot be solved
    with pytest.raises(SolverError, match=r"steady state not found for 1 patient\(s\); first: index 0: .*singular"):
        steady_state(_one_patient_cohort(model, rate=rate))


def test_a_cohort_steady_state_balances_every_patient():
    model = healthy_human_model(per_patient={"neutrophil_blood_half_life_days": np.array([0.25, 0.3, 0.5])},
                                aging=False).compile()
    x = steady_state(model)
    for i in range(3):
        assert np.max(balance_residual(model.patient(i), x[i])) < 1e-10


def test_the_status_codes_are_the_kernels():
    from hemasim.solvers import _kernel, steady

    assert (_kernel.CONVERGED, _kernel.NOT_CONVERGED, _kernel.SINGULAR) == (0, 1, steady.SINGULAR)
