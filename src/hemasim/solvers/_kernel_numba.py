"""The numba kernels for one patient at a time: the flow law, the right-hand side, the adaptive Dormand-Prince 5(4)
integrator (its steps from :mod:`hemasim.solvers._dopri`), the adaptive IMEX additive Runge-Kutta ARK4(3)6L[2]SA
(:mod:`hemasim.solvers._ark`) and the batch Newton steady state.

The feedback laws are those of :mod:`hemasim.model.laws`, made callable from numba at import. Imported only when a
compiled solver runs (numba is slow to import); callers import these names through :mod:`hemasim.solvers._kernel`,
which serves ``dopri5`` from its ahead-of-time compiled copy when there is a current one (:mod:`hemasim.solvers._aot`).
Compiled once and cached on disk (``cache=True``); the same machine code serves every model, since a model is data.
numba's cache checks only this file's own date: after editing ``laws.py`` or ``_dopri.py``, delete
``hemasim/solvers/__pycache__`` so the kernels are rebuilt (the ahead-of-time copy notices such edits itself).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from hemasim.model import laws
from hemasim.model.laws import feedback_value, register_for_numba
from hemasim.solvers import _ark, _dopri, split
from hemasim.solvers._ark import (
    GAMMA,
    HISTORY_RATIO_MAX,
    HISTORY_RATIO_MIN,
    clip_negative,
    cross_derivative,
    cross_ends,
    hermite_state,
    new_state,
    quintic_value,
    quintic_weights,
    stage_input,
)
from hemasim.solvers._ark import N_STAGES as ARK_N_STAGES
from hemasim.solvers._ark import STAGE_TIME as ARK_STAGE_TIME
from hemasim.solvers._ark import grown_step as ark_grown_step
from hemasim.solvers._ark import scaled_error_squares as ark_error_squares
from hemasim.solvers._ark import shrunk_step as ark_shrunk_step
from hemasim.solvers._cache import ensure_numba_cache, rebuild_when_inlined_sources_change
from hemasim.solvers._dopri import (
    N_STAGES,
    STAGE_TIME,
    accept_state,
    dense_state,
    grown_step,
    limit_step,
    output_due,
    reuse_last_slope,
    scaled_error_squares,
    shrunk_step,
    stage_state,
    step_underflow,
)
from hemasim.solvers._threads import patient_ranges
from hemasim.solvers.split import MAX_BLOCK

register_for_numba()  # before anything below is compiled
ensure_numba_cache(__file__)  # a writable cache folder, before the cache=True functions below are defined
# numba's cache checks only this file's stamp: rebuild when a module compiled in here changes
rebuild_when_inlined_sources_change(__file__, (_ark.__file__, _dopri.__file__, split.__file__, *laws.KERNEL_SOURCES))


#: numba's flag for a function compiled without reference counting (NRT): numba increments and decrements each
#: array argument's count (an atomic update) at every call and view, which cost the steady state's Newton of the
#: moving states more than its sums (docs/performance.md, goal 4, seventeenth session). Only for functions that
#: allocate nothing (numba refuses to compile an allocation there) and return no array: the arithmetic is the same.
#: (A keyword of numba's target options that its type stubs do not list.)
NO_REFCOUNT: dict[str, Any] = {"_nrt": False}


@njit(cache=True, **NO_REFCOUNT)
def fluxes_into(t, x, flux, src, rate, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_params, fb_offset,
                fb_scale, sig_buf, fb_buf, part=None):  # pragma: no cover - compiled
    """Every flow's flux (cells/day) at state x, time t; the one place the flow law is written. ``part`` (states,
    signals, feedbacks, flows): only those signals, feedbacks and flows, each as for all (the others' entries left
    as they were; numba compiles the call without ``part`` apart, its index loops plain ranges)."""
    for q in range(sig_ptr.shape[0] - 1 if part is None else part[1].shape[0]):
        i = q if part is None else part[1][q]
        acc = 0.0
        for k in range(sig_ptr[i], sig_ptr[i + 1]):
            xj = x[sig_idx[k]]
            if xj > 0.0:
                acc += sig_w[k] * xj
        sig_buf[i] = acc
    for q in range(fb_kind.shape[0] if part is None else part[2].shape[0]):
        k = q if part is None else part[2][q]
        si = fb_signal[k]
        s = sig_buf[si] if si >= 0 else 0.0  # laws of age or time read no signal
        g = feedback_value(fb_kind[k], t, s, fb_params[k, 0], fb_params[k, 1], fb_params[k, 2], fb_params[k, 3],
                           fb_params[k, 4])
        fb_buf[k] = fb_offset[k] + fb_scale[k] * g
    for q in range(rate.shape[0] if part is None else part[3].shape[0]):
        f = q if part is None else part[3][q]
        v = rate[f]
        s = src[f]
        if s >= 0:
            xs = x[s]
            v = v * xs if xs > 0.0 else 0.0
        for j in range(flow_fb.shape[1]):
            idx = flow_fb[f, j]
            if idx < 0:
                break
            v *= fb_buf[idx]
        flux[f] = v


@njit(cache=True, **NO_REFCOUNT)  # called ~20 times a patient by the steady state
def rhs_into(t, x, out, src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal,
             fb_params, fb_offset, fb_scale, sig_buf, fb_buf, flux, part=None):  # pragma: no cover - compiled
    """out = dx/dt at state x, time t. ``part`` (states, signals, feedbacks, flows: the flows whose source or target
    is one of the states, and the feedbacks and signals they read): only those states' entries, the same numbers
    (each state's terms are added in the flows' order either way; the steady state's Newton of the moving states
    uses it, :mod:`hemasim.solvers._steady_kernel`)."""
    fluxes_into(t, x, flux, src, rate, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_params, fb_offset,
                fb_scale, sig_buf, fb_buf, part)
    for q in range(x.shape[0] if part is None else part[0].shape[0]):
        out[q if part is None else part[0][q]] = 0.0
    for q in range(rate.shape[0] if part is None else part[3].shape[0]):
        f = q if part is None else part[3][q]
        v = flux[f]
        if v == 0.0:
            continue
        s = src[f]
        if s >= 0:
            out[s] -= consume[f] * v
        d = dst[f]
        if d >= 0:
            out[d] += yld[f] * v


@njit(inline="always")
def _rhs_arguments(src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_params,
                   fb_offset, fb_scale):  # pragma: no cover - compiled
    """The arguments of :func:`rhs_into` after ``out``: the model's arrays and the right-hand side's buffers."""
    return (src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_params, fb_offset,
            fb_scale, np.empty(sig_ptr.shape[0] - 1), np.empty(fb_kind.shape[0]), np.empty(rate.shape[0]))


@njit(inline="always")
def _outputs_reached(t, x, t_out, res):  # pragma: no cover - compiled
    """res[i] = x for every output time up to t (the start); returns the index of the next output."""
    i_out = 0
    while i_out < t_out.shape[0] and t_out[i_out] <= t:
        for j in range(x.shape[0]):  # a loop: slice assignment compiles numba's shape-mismatch message (seconds)
            res[i_out, j] = x[j]
        i_out += 1
    return i_out


@njit(inline="always")
def _root_mean(squares):  # pragma: no cover - compiled
    """The root mean of the squared scaled errors: the step's error norm."""
    total = 0.0
    for j in range(squares.shape[0]):
        total += squares[j]
    return math.sqrt(total / squares.shape[0])


@njit(cache=True)
def _step_slopes(t, h, x, K, tmp, xn, rhs_args):  # pragma: no cover - compiled
    """Slopes K[1..6] of one Dormand-Prince step from (t, x) (K[0] given); xn = the fifth-order new state."""
    # stages as literals (see stage_state); the last one is the new state
    stage_state(1, h, x, K, tmp)
    rhs_into(t + STAGE_TIME[1] * h, tmp, K[1], *rhs_args)
    stage_state(2, h, x, K, tmp)
    rhs_into(t + STAGE_TIME[2] * h, tmp, K[2], *rhs_args)
    stage_state(3, h, x, K, tmp)
    rhs_into(t + STAGE_TIME[3] * h, tmp, K[3], *rhs_args)
    stage_state(4, h, x, K, tmp)
    rhs_into(t + STAGE_TIME[4] * h, tmp, K[4], *rhs_args)
    stage_state(5, h, x, K, tmp)
    rhs_into(t + STAGE_TIME[5] * h, tmp, K[5], *rhs_args)
    stage_state(6, h, x, K, xn)
    rhs_into(t + STAGE_TIME[6] * h, xn, K[6], *rhs_args)


@njit(cache=True)
def dopri5(x0, t0, t_out, rtol, atol, h_init, max_step, fixed_step, max_steps, src, dst, rate, consume, yld, flow_fb,
           sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_params, fb_offset, fb_scale):  # pragma: no cover
    """Integrate from t0 and return states at each of the increasing times ``t_out``.

    Steps are chosen by error control alone (``max_step`` caps them); outputs inside a step come from
    the order-4 dense output, so a fine output grid costs no extra steps. Returns (states
    (len(t_out), n), n_steps, n_rejected, status); status 0 = ok, 1 = step size underflow, 2 = the budget of
    ``max_steps`` attempted steps (accepted and rejected) spent before the last output. With ``fixed_step`` true,
    steps of ``h_init`` are taken without error control (convergence tests).
    """
    n = x0.shape[0]
    n_out = t_out.shape[0]
    res = np.empty((n_out, n))
    rhs_args = _rhs_arguments(src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal,
                              fb_params, fb_offset, fb_scale)
    x = x0.copy()
    xn = np.empty(n)
    tmp = np.empty(n)
    K = np.empty((N_STAGES, n))
    t = t0
    h = h_init
    t_end = t_out[n_out - 1]
    rhs_into(t, x, K[0], *rhs_args)
    n_steps = 0
    n_rej = 0
    err_old = 1e-4
    i_out = _outputs_reached(t, x, t_out, res)
    while i_out < n_out:
        if n_steps + n_rej >= max_steps:
            return res, n_steps, n_rej, 2
        h, last = limit_step(t, h, t_end, max_step)
        _step_slopes(t, h, x, K, tmp, xn, rhs_args)
        err = 0.0
        if not fixed_step:
            scaled_error_squares(h, x, xn, K, atol, rtol, tmp)
            err = _root_mean(tmp)
        if err <= 1.0:
            t_new = t_end if last else t + h
            while i_out < n_out and output_due(t_out[i_out], t_new):
                theta = (t_out[i_out] - t) / h
                dense_state(theta, theta >= 1.0 or last and i_out == n_out - 1, h, x, xn, K, res[i_out])
                i_out += 1
            t = t_new
            if accept_state(x, xn):
                rhs_into(t, x, K[0], *rhs_args)
            else:
                reuse_last_slope(K)
            n_steps += 1
            if not fixed_step:
                h = grown_step(h, err, err_old)
                err_old = max(err, 1e-4)
        else:
            n_rej += 1
            h = shrunk_step(h, err)
            if step_underflow(h, t):
                return res, n_steps, n_rej, 1
    return res, n_steps, n_rej, 0


@njit(inline="always")
def _split_coefficients(t, x, fb_buf, sig_buf, rate, flow_fb, consume, yld, src, fb_kind, fb_signal, fb_params,
                        fb_offset, fb_scale, split_flow, self_reads, leave, feed, raw,
                        cross):  # pragma: no cover - compiled
    """The implicit part L at state x (``fb_buf``, ``sig_buf``: its feedbacks and signals, as rhs_into left them):
    leave[s] = the rate at which the implicit flows take from state s, feed[k] = the rate at which implicit flow k
    adds to its target, per cell of its source. Each flow's coefficient is its rate times its feedback multipliers;
    where a multiplier reads the source itself (``self_reads``), the flux's derivative by the source instead (a
    saturable elimination: L then takes its stiffness). A negative coefficient counts as zero. ``cross``: the
    entries by other states a LINEAR multiplier reads (:func:`_cross_coefficients`)."""
    self_entry, self_feedback, self_weight = self_reads
    for k in range(split_flow.shape[0]):
        f = split_flow[k]
        c = rate[f]
        for j in range(flow_fb.shape[1]):
            idx = flow_fb[f, j]
            if idx < 0:
                break
            c *= fb_buf[idx]
        raw[k] = c
        feed[k] = c
    for q in range(self_entry.shape[0]):  # d flux / d source = c (1 + x sum_j w_j F_j'(s_j) / F_j)
        k = self_entry[q]
        j = self_feedback[q]
        xs = x[src[split_flow[k]]]
        sv = sig_buf[fb_signal[j]]
        ds = 1e-6 * sv if sv > 0.0 else 1e-300
        p = fb_params[j]
        f0 = fb_offset[j] + fb_scale[j] * feedback_value(fb_kind[j], t, sv, p[0], p[1], p[2], p[3], p[4])
        f1 = fb_offset[j] + fb_scale[j] * feedback_value(fb_kind[j], t, sv + ds, p[0], p[1], p[2], p[3], p[4])
        if xs > 0.0 and f0 != 0.0:
            feed[k] += raw[k] * xs * self_weight[q] * (f1 - f0) / (ds * f0)
    for s in range(leave.shape[0]):
        leave[s] = 0.0
    for k in range(split_flow.shape[0]):
        f = split_flow[k]
        c = feed[k]
        if not c > 0.0:  # also NaN
            c = 0.0
        leave[src[f]] += consume[f] * c
        feed[k] = yld[f] * c
    _cross_coefficients(x, fb_buf, rate, flow_fb, consume, yld, src, fb_params, fb_scale, split_flow, raw, cross)


@njit(inline="always")
def _cross_coefficients(x, fb_buf, rate, flow_fb, consume, yld, src, fb_params, fb_scale, split_flow, raw,
                        cross):  # pragma: no cover - compiled
    """L's entries by the states a LINEAR multiplier reads (hemasim.solvers.split.ImplicitSplit.cross_*): d flux / d q
    (:func:`hemasim.solvers._ark.cross_derivative`); cross_out = consume times it (what the source loses per cell of
    q), cross_in = yield times it (what the target gains)."""
    cross_entry, cross_feedback, cross_weight, cross_out, cross_in = cross[1], cross[2], cross[3], cross[6], cross[7]
    fb = fb_buf.reshape((fb_buf.shape[0], 1))  # the multipliers as the lock-step kernel's, one patient
    for e in range(cross_entry.shape[0]):
        f = split_flow[cross_entry[e]]
        j = cross_feedback[e]
        c = cross_derivative(rate[f], x[src[f]], fb_scale[j], fb_params[j, 0], cross_weight[e], raw[cross_entry[e]],
                             flow_fb, f, j, fb, 0)
        cross_out[e] = consume[f] * c
        cross_in[e] = yld[f] * c


@njit(inline="always")
def cross_terms(cross_ptr, cross_entry, cross_feedback, cross_weight, split_flow, split_target,
                src):  # pragma: no cover - compiled
    """The LINEAR multipliers' entries of L (hemasim.solvers.split.ImplicitSplit.cross_*) as the kernels read them:
    (ptr by read state, entry, feedback, weight, the flow's source, its target, cross_out, cross_in), the last two
    filled by :func:`_cross_coefficients` at each step's start."""
    m = cross_entry.shape[0]
    cross_from, cross_into = cross_ends(cross_entry, split_flow, split_target, src)
    return (cross_ptr, cross_entry, cross_feedback, cross_weight, cross_from, cross_into, np.zeros(m), np.zeros(m))


@njit(inline="always")
def _fold_self_renewal(leave, feed, split_flow, split_target, src):  # pragma: no cover - compiled
    """A bounded self-renewal (hemasim.solvers.split) feeds its own source: it lowers that state's rate of leaving
    (which stays positive) instead of feeding it, so the forward substitution's diagonal carries it."""
    for k in range(split_flow.shape[0]):
        s = src[split_flow[k]]
        if split_target[k] == s:
            leave[s] -= feed[k]
            feed[k] = 0.0


@njit(inline="always")
def _solve_small(M, r, m):  # pragma: no cover - compiled
    """r = M^-1 r for the leading m x m block of M (Gaussian elimination without pivoting: a block of I - hg L is
    column diagonally dominant, see hemasim.solvers.split); M is overwritten."""
    for k in range(m):
        for i in range(k + 1, m):
            factor = M[i, k] / M[k, k]
            if factor != 0.0:
                for c in range(k + 1, m):
                    M[i, c] -= factor * M[k, c]
                r[i] -= factor * r[k]
    for i in range(m - 1, -1, -1):
        acc = r[i]
        for c in range(i + 1, m):
            acc -= M[i, c] * r[c]
        r[i] = acc / M[i, i]


@njit(inline="always")
def _implicit_solve(hg, y, leave, feed, split, cross):  # pragma: no cover - compiled
    """y = (I - hg L)^-1 y in place: forward substitution over the flow graph's blocks (one state each, or a small
    cycle solved whole), sources before targets; a state a LINEAR multiplier reads before the flow's source and
    target (``cross``: :func:`_cross_coefficients`)."""
    order, block_ptr, block_of, local, split_ptr, split_target, M, r = split
    for bi in range(block_ptr.shape[0] - 1):
        p0 = block_ptr[bi]
        p1 = block_ptr[bi + 1]
        if p1 - p0 == 1:
            s = order[p0]
            y[s] = y[s] / (1.0 + hg * leave[s])
        else:
            m = p1 - p0
            for i in range(m):
                for c in range(m):
                    M[i, c] = 0.0
            for i in range(m):
                s = order[p0 + i]
                M[i, i] += 1.0 + hg * leave[s]
                r[i] = y[s]
                for k in range(split_ptr[s], split_ptr[s + 1]):
                    d = split_target[k]
                    if d >= 0 and block_of[d] == bi:
                        M[local[d], i] -= hg * feed[k]
            _solve_small(M, r, m)
            for i in range(m):
                y[order[p0 + i]] = r[i]
        for p in range(p0, p1):  # into later blocks
            s = order[p]
            v = y[s]
            for k in range(split_ptr[s], split_ptr[s + 1]):
                d = split_target[k]
                if d >= 0 and block_of[d] != bi:
                    y[d] += hg * feed[k] * v
            _cross_push(hg, v, y, s, cross)


@njit(inline="always")
def _cross_push(hg, v, out, s, cross):  # pragma: no cover - compiled
    """out += hg (L's entries by state s that LINEAR multipliers read) v, v the value of state s (``cross``:
    :func:`_cross_coefficients`; the forward substitution's, and L y's with hg = 1)."""
    cross_ptr, cross_from, cross_into, cross_out, cross_in = cross[0], cross[4], cross[5], cross[6], cross[7]
    for e in range(cross_ptr[s], cross_ptr[s + 1]):
        out[cross_from[e]] -= hg * cross_out[e] * v
        if cross_into[e] >= 0:
            out[cross_into[e]] += hg * cross_in[e] * v


@njit(inline="always")
def _apply_implicit(y, out, leave, feed, split_ptr, split_target, cross):  # pragma: no cover - compiled
    """out = L y."""
    for s in range(y.shape[0]):
        out[s] = -leave[s] * y[s]
    for s in range(y.shape[0]):
        for k in range(split_ptr[s], split_ptr[s + 1]):
            d = split_target[k]
            if d >= 0:
                out[d] += feed[k] * y[s]
        _cross_push(1.0, y[s], out, s, cross)


@njit(cache=True)
def _ark_step_slopes(t, h, x, K, KI, Y, r, split, rhs_args):  # pragma: no cover - compiled
    """Slopes K[1..5] (and KI[1..5]) of one ARK4(3)6L[2]SA step from (t, x); K[0], KI[0] given. Each stage: its
    state Y (one forward substitution), implicit slope KI[stage] = L Y and total slope K[stage] = f(Y). One loop
    over the stages with the tableau as data, so its body compiles once (not once per stage)."""
    structure, leave, feed, cross = split[0], split[1], split[2], split[6]
    hg = h * GAMMA
    for stage in range(1, ARK_N_STAGES):
        stage_input(stage, h, x, K, KI, r)
        for j in range(x.shape[0]):
            Y[j] = r[j]
        _implicit_solve(hg, Y, leave, feed, structure, cross)
        for j in range(x.shape[0]):  # L Y from Y = r + hg L Y: no product with L (rounding ~eps |Y| / GAMMA in h L Y)
            KI[stage, j] = (Y[j] - r[j]) / hg
        rhs_into(t + ARK_STAGE_TIME[stage] * h, Y, K[stage], *rhs_args)


@njit(inline="always")
def _freeze_split(t, x, KI, split, rhs_args):  # pragma: no cover - compiled
    """At an accepted state x whose slope rhs_into has just computed: the implicit part L frozen at its feedbacks,
    and KI[0] = L x."""
    structure, leave, feed, split_flow, self_reads, raw, cross = split
    (src, _, rate, consume, yld, flow_fb, _, _, _, fb_kind, fb_signal, fb_params, fb_offset, fb_scale, sig_buf,
     fb_buf, _) = rhs_args
    _split_coefficients(t, x, fb_buf, sig_buf, rate, flow_fb, consume, yld, src, fb_kind, fb_signal, fb_params,
                        fb_offset, fb_scale, split_flow, self_reads, leave, feed, raw, cross)
    _fold_self_renewal(leave, feed, split_flow, structure[5], src)
    _apply_implicit(x, KI[0], leave, feed, structure[4], structure[5], cross)


@njit(cache=True)
def ark_imex(x0, t0, t_out, rtol, atol, h_init, max_step, fixed_step, max_steps, split_order, split_block_ptr,
             split_block_of, split_local, split_ptr, split_flow, split_target, self_entry, self_feedback, self_weight,
             cross_ptr, cross_entry, cross_feedback, cross_weight, src, dst, rate, consume, yld, flow_fb, sig_ptr,
             sig_idx, sig_w, fb_kind, fb_signal, fb_params, fb_offset, fb_scale):  # pragma: no cover
    """As :func:`dopri5` (same arguments, results and statuses), by the IMEX method of :mod:`hemasim.solvers._ark`;
    ``split_*``: the implicit flows (:class:`hemasim.solvers.split.ImplicitSplit`)."""
    n = x0.shape[0]
    n_out = t_out.shape[0]
    res = np.empty((n_out, n))
    rhs_args = _rhs_arguments(src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal,
                              fb_params, fb_offset, fb_scale)
    structure = (split_order, split_block_ptr, split_block_of, split_local, split_ptr, split_target,
                 np.empty((MAX_BLOCK, MAX_BLOCK)), np.empty(MAX_BLOCK))  # and the small blocks' buffers
    split = (structure, np.empty(n), np.empty(split_flow.shape[0]), split_flow, (self_entry, self_feedback, self_weight),
             np.empty(split_flow.shape[0]), cross_terms(cross_ptr, cross_entry, cross_feedback, cross_weight, split_flow,
                                                        split_target, src))
    x = x0.copy()
    xn = np.empty(n)
    tmp = np.empty(n)
    K = np.empty((6, n))
    KI = np.empty((6, n))
    xp = np.empty(n)  # the previous step's start and its slope: the dense output's third node
    fp = np.empty(n)
    wq = np.empty(6)  # the quintic's weights at one output time
    h_prev = 0.0  # the previous accepted step (0: none yet in this call, the cubic serves)
    t = t0
    h = h_init
    t_end = t_out[n_out - 1]
    rhs_into(t, x, K[0], *rhs_args)
    _freeze_split(t, x, KI, split, rhs_args)
    n_steps = 0
    n_rej = 0
    err_old = 1e-4
    i_out = _outputs_reached(t, x, t_out, res)
    while i_out < n_out:
        if n_steps + n_rej >= max_steps:
            return res, n_steps, n_rej, 2
        h, last = limit_step(t, h, t_end, max_step)
        _ark_step_slopes(t, h, x, K, KI, tmp, xn, split, rhs_args)  # xn: the stages' known parts until the new state
        new_state(h, x, K, xn)
        err = 0.0
        if not fixed_step:
            ark_error_squares(h, x, xn, K, atol, rtol, tmp)
            err = _root_mean(tmp)
        if err <= 1.0:
            t_new = t_end if last else t + h
            clip_negative(xn)
            rhs_into(t_new, xn, K[5], *rhs_args)  # the slope at the new state: dense output, next step's K[0]
            while i_out < n_out and output_due(t_out[i_out], t_new):
                theta = (t_out[i_out] - t) / h
                if theta >= 1.0 or last and i_out == n_out - 1:
                    for j in range(n):
                        res[i_out, j] = xn[j]
                elif HISTORY_RATIO_MIN <= h_prev / h <= HISTORY_RATIO_MAX:
                    quintic_weights(theta, h_prev / h, wq)
                    for j in range(n):
                        res[i_out, j] = quintic_value(wq, h, xp[j], fp[j], x[j], xn[j], K[0, j], K[5, j])
                else:
                    hermite_state(theta, h, x, xn, K[0], K[5], res[i_out])
                i_out += 1
            h_prev = t_new - t
            t = t_new
            for j in range(n):
                xp[j] = x[j]
                fp[j] = K[0, j]
                x[j] = xn[j]
                K[0, j] = K[5, j]
            _freeze_split(t, x, KI, split, rhs_args)  # rhs_into's feedbacks are those at the new state
            n_steps += 1
            if not fixed_step:
                h = ark_grown_step(h, err, err_old)
                err_old = max(err, 1e-4)
        else:
            n_rej += 1
            h = ark_shrunk_step(h, err)
            if step_underflow(h, t):
                return res, n_steps, n_rej, 1
    return res, n_steps, n_rej, 0


# The Newton helpers below are inlined in numba's IR into _steady_state_patient, the one compiled function per
# patient: every separately compiled function has LLVM re-optimise everything it calls (the right-hand side
# included), which made the kernels' first compilation seconds slower. An inlined function cannot be called
# with *args, hence rhs_args passed whole.
@njit(inline="always")
def _gross_flux_into(gross, rhs_args, part=None):  # pragma: no cover - compiled
    """gross[j] = everything flowing out of and into state j (cells/day), from the fluxes rhs_into left in its
    ``flux`` buffer (``rhs_args``: the arguments of rhs_into after ``out``; ``part``: rhs_into's, those states')."""
    src, dst, consume, yld, flux = rhs_args[0], rhs_args[1], rhs_args[3], rhs_args[4], rhs_args[16]
    for p in range(gross.shape[0] if part is None else part[0].shape[0]):
        gross[p if part is None else part[0][p]] = 0.0
    for p in range(flux.shape[0] if part is None else part[3].shape[0]):
        q = p if part is None else part[3][p]
        if src[q] >= 0:
            gross[src[q]] += consume[q] * flux[q]
        if dst[q] >= 0:
            gross[dst[q]] += yld[q] * flux[q]


@njit(inline="always")
def _relative_residual(f, gross, pinned):  # pragma: no cover - compiled
    """The largest |dx/dt| of a free state relative to the gross flux through it (net dx/dt may cancel to ~0);
    infinite if one is NaN."""
    worst = 0.0
    for j in range(f.shape[0]):
        r = abs(f[j]) / gross[j] if gross[j] > 0.0 else abs(f[j])
        if not pinned[j]:
            if math.isnan(r):  # max() would pass over it: a NaN flux must not read as balanced
                return math.inf
            worst = max(worst, r)
    return worst


@njit(inline="always")
def _jacobian_into(t, x, f0, scale, pinned, J, xe, f1, colour_ptr, colour_col, col_ptr, col_row,
                   rhs_args):  # pragma: no cover - compiled
    """Finite-difference Jacobian of the right-hand side at x; pinned states decoupled with a unit diagonal.

    Columns are perturbed together, one group ("colour") per right-hand-side evaluation: the columns of a
    colour touch disjoint rows (``col_row[col_ptr[c]:col_ptr[c + 1]]``: the rows column c can reach), so
    every entry is the same number a one-column-at-a-time difference gives (a row sums the same fluxes,
    computed from the same values), in a handful of evaluations instead of n.
    """
    n = x.shape[0]
    for j in range(n):
        for c in range(n):
            J[j, c] = 0.0
    for g in range(colour_ptr.shape[0] - 1):
        for j in range(n):
            xe[j] = x[j]
        for q in range(colour_ptr[g], colour_ptr[g + 1]):
            c = colour_col[q]
            xe[c] += 1e-7 * max(abs(x[c]), scale[c])
        rhs_into(t, xe, f1, *rhs_args)
        for q in range(colour_ptr[g], colour_ptr[g + 1]):
            c = colour_col[q]
            eps = 1e-7 * max(abs(x[c]), scale[c])
            for r in range(col_ptr[c], col_ptr[c + 1]):
                j = col_row[r]
                J[j, c] = (f1[j] - f0[j]) / eps
    for j in range(n):
        if pinned[j]:
            for c in range(n):
                J[j, c] = 0.0
                J[c, j] = 0.0
            J[j, j] = -1.0


@njit(inline="always")
def _lu_factor(A, perm):  # pragma: no cover - compiled
    """A = P L U in place (Gaussian elimination with partial pivoting; perm[k] = the row swapped into k).

    Returns False when a pivot is zero or not finite (a singular matrix: no isolated fixed point, or a state
    that went non-finite). Zero multipliers are skipped, which makes the sparse Jacobians here cheap.
    """
    n = A.shape[0]
    for k in range(n):
        p = k
        big = abs(A[k, k])
        for i in range(k + 1, n):
            if abs(A[i, k]) > big:
                big = abs(A[i, k])
                p = i
        if not (big > 0.0 and big < math.inf):  # noqa: SIM201 - also catches NaN
            return False
        perm[k] = p
        if p != k:
            for c in range(n):
                v = A[k, c]
                A[k, c] = A[p, c]
                A[p, c] = v
        pivot = A[k, k]
        for i in range(k + 1, n):
            if A[i, k] != 0.0:
                m = A[i, k] / pivot
                A[i, k] = m
                for c in range(k + 1, n):
                    A[i, c] -= m * A[k, c]
    return True


@njit(inline="always")
def _lu_compress(LU, ptr, col, val):  # pragma: no cover - compiled
    """The non-zero off-diagonal factors of :func:`_lu_factor` by rows: row i of L in entries ptr[i]:ptr[i + 1],
    row i of U in ptr[n + i]:ptr[n + i + 1] (the sparse Jacobians leave most of both zero)."""
    n = LU.shape[0]
    q = 0
    for part in range(2):
        for i in range(n):
            ptr[part * n + i] = q
            lo, hi = (0, i) if part == 0 else (i + 1, n)
            for c in range(lo, hi):
                if LU[i, c] != 0.0:
                    col[q] = c
                    val[q] = LU[i, c]
                    q += 1
    ptr[2 * n] = q


@njit(inline="always")
def _lu_solve_into(LU, perm, ptr, col, val, b, out):  # pragma: no cover - compiled
    """out = A^-1 b from the factors of :func:`_lu_factor` (off-diagonal ones compressed by :func:`_lu_compress`)."""
    n = b.shape[0]
    for j in range(n):
        out[j] = b[j]
    for k in range(n):
        p = perm[k]
        if p != k:
            v = out[k]
            out[k] = out[p]
            out[p] = v
    for i in range(n):
        acc = out[i]
        for q in range(ptr[i], ptr[i + 1]):
            acc -= val[q] * out[col[q]]
        out[i] = acc
    for i in range(n - 1, -1, -1):
        acc = out[i]
        for q in range(ptr[n + i], ptr[n + i + 1]):
            acc -= val[q] * out[col[q]]
        out[i] = acc / LU[i, i]


#: the most one plain Newton step moves a state, as a fraction of its value (the whole step is shortened to it): a
#: child's built state lies ~10% from its fixed point along slow T-cell modes whose rate changes several-fold on the
#: way, and full steps from there diverged (the 0.6-y infant; docs/performance.md, "Goal 4, twenty-third session")
NEWTON_STEP_CAP = 0.2


@njit(inline="always")
def _capped_fraction(fraction, x_j, dx_j):  # pragma: no cover - compiled
    """``fraction`` of a Newton step, lowered where it would move state j by more than NEWTON_STEP_CAP of x_j."""
    if abs(dx_j) * fraction > NEWTON_STEP_CAP * x_j:
        return NEWTON_STEP_CAP * x_j / abs(dx_j)
    return fraction


@njit(inline="always")
def _positive_update(x, dx):  # pragma: no cover - compiled
    """x += step dx with the step halved (up to 30 times) until every moving state stays positive."""
    n = x.shape[0]
    step = 1.0
    for _ in range(30):
        ok = True
        for j in range(n):
            if x[j] + step * dx[j] <= 0.0 and dx[j] != 0.0:
                ok = False
                break
        if ok:
            break
        step *= 0.5
    for j in range(n):
        x[j] += step * dx[j]


@njit(inline="always")
def _newton_update(x, dx, pinned, h):  # pragma: no cover - compiled
    """x -= dx (the linear solve's solution) for the states not pinned, the plain Newton step (h = 0; the
    pseudo-transient step has its own length) capped by NEWTON_STEP_CAP, then kept positive."""
    n = x.shape[0]
    fraction = 1.0
    for j in range(n):
        dx[j] = 0.0 if pinned[j] else -dx[j]  # pinned states stay at zero
        if h == 0.0:
            fraction = _capped_fraction(fraction, x[j], dx[j])
    if fraction < 1.0:
        for j in range(n):
            dx[j] *= fraction
    _positive_update(x, dx)


#: status of one patient's Newton solve: converged, out of iterations, singular or non-finite linear system
CONVERGED, NOT_CONVERGED, SINGULAR = 0, 1, 2


# cached like its callers: the dense Newton (steady_state_range) and the ahead-of-time build of _steady_state_patient
# both call it, in the two warm-up processes of `make test`, and each compiled it (~3.5 s CPU); now the later loads it
@njit(cache=True)  # called, not inlined: numba copies an inlined function's IR block by block (seconds here)
def _newton_solve(x, t, scale, pinned, tol, max_iter, first_step_days, colouring, rhs_args):  # pragma: no cover
    """Chord Newton (or pseudo-transient continuation when first_step_days > 0) on one patient (``rhs_args``: the
    arguments of rhs_into after ``out``; ``colouring``: the Jacobian's column groups, see :func:`_jacobian_into`);
    x is updated in place. Returns CONVERGED, NOT_CONVERGED or SINGULAR (see :func:`steady_state_batch`)."""
    colour_ptr, colour_col, col_ptr, col_row = colouring
    n = x.shape[0]
    gross = np.empty(n)
    f0 = np.empty(n)
    f1 = np.empty(n)
    xe = np.empty(n)
    J = np.empty((n, n))
    LU = np.empty((n, n))
    perm = np.empty(n, dtype=np.int64)
    lu_ptr = np.empty(2 * n + 1, dtype=np.int64)
    lu_col = np.empty(n * n, dtype=np.int64)
    lu_val = np.empty(n * n)
    dx = np.empty(n)
    h = first_step_days
    last_worst = -1.0
    for it in range(max_iter + 1):
        rhs_into(t, x, f0, *rhs_args)
        _gross_flux_into(gross, rhs_args)
        worst = _relative_residual(f0, gross, pinned)
        if worst < tol:
            return CONVERGED
        if not worst < math.inf:  # a state or a flux went non-finite
            return SINGULAR
        if it == max_iter:
            break
        if h > 0.0:
            if last_worst > 0.0:  # longer steps while the residual does not blow up, shorter if it does
                h = min(2.0 * h, 1e15) if worst < 2.0 * last_worst else max(0.25 * h, first_step_days)
            last_worst = worst
        refresh = it % 6 == 0  # chord Newton: refresh the finite-difference Jacobian every few iterations
        if refresh:
            _jacobian_into(t, x, f0, scale, pinned, J, xe, f1, colour_ptr, colour_col, col_ptr, col_row, rhs_args)
        if refresh or h > 0.0:  # Newton: J dx = -f; implicit Euler step of length h: (J - I/h) dx = -f
            for j in range(n):
                for c in range(n):
                    LU[j, c] = J[j, c]
                if h > 0.0 and not pinned[j]:
                    LU[j, j] -= 1.0 / h
            if not _lu_factor(LU, perm):
                return SINGULAR
            _lu_compress(LU, lu_ptr, lu_col, lu_val)
        _lu_solve_into(LU, perm, lu_ptr, lu_col, lu_val, f0, dx)
        _newton_update(x, dx, pinned, h)
    return NOT_CONVERGED


@njit(cache=True)
def _steady_state_patient(x0, x, t, scale, src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
                          fb_signal, fb_params, fb_offset, fb_scale, tol, max_iter, first_step_days,
                          colouring):  # pragma: no cover
    """One patient of :func:`steady_state_batch`: x = its steady state from x0; returns its status."""
    rhs_args = _rhs_arguments(src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal,
                              fb_params, fb_offset, fb_scale)
    pinned = np.empty(x.shape[0], dtype=np.bool_)
    for j in range(x.shape[0]):
        x[j] = x0[j]
        pinned[j] = x0[j] == 0.0
    return _newton_solve(x, t, scale, pinned, tol, max_iter, first_step_days, colouring, rhs_args)


@njit(cache=True, nogil=True)  # nogil: threads run the ranges, and a cohort's writer thread runs meanwhile
def _steady_state_range(lo, hi, X0, X, status, t, SCALE, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx,
                        sig_w, fb_kind, fb_signal, FB_PARAMS, fb_offset, fb_scale, tol, max_iter, first_step_days,
                        colouring):  # pragma: no cover
    """Patients lo..hi-1 of :func:`steady_state_batch` (each as :func:`_steady_state_patient`): X[p], status[p]."""
    n = X0.shape[1]
    for p in range(lo, hi):
        rhs_args = _rhs_arguments(src, dst, RATE[p], consume, YLD[p], flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
                                  fb_signal, FB_PARAMS[p], fb_offset, fb_scale)
        x = X[p]
        pinned = np.empty(n, dtype=np.bool_)
        for j in range(n):
            x[j] = X0[p, j]
            pinned[j] = X0[p, j] == 0.0
        status[p] = _newton_solve(x, t, SCALE[p], pinned, tol, max_iter, first_step_days, colouring, rhs_args)


def steady_state_batch(X0: np.ndarray, t: float, SCALE: np.ndarray, *args: Any) -> tuple[np.ndarray, np.ndarray]:
    """Newton's method on dx/dt = 0 for every patient (states scaled by SCALE, time frozen at t).

    ``first_step_days`` > 0 turns it into pseudo-transient continuation: each step is an implicit Euler step
    (I/h - J) dx = f whose length h starts there and doubles while the residual does not blow up, so the
    iteration follows the dynamics towards the attracting fixed point before it turns into Newton; for fixed
    points whose slow modes (decades) mislead plain Newton, or that are not isolated (a singular Jacobian).
    0 = plain (chord) Newton. ``colouring`` = (colour_ptr, colour_col, col_ptr, col_row), the Jacobian's
    structure (:func:`hemasim.solvers.steady.jacobian_colouring`).

    Returns (states (N, n), status (N,)): CONVERGED (0: largest |dx/dt| / gross flux < tol), NOT_CONVERGED (1)
    or SINGULAR (2: a singular linear system, or a state that went non-finite; never an exception). States that
    start at exactly zero (drug amounts, donor cells before a graft, lineages a genotype cannot make) are pinned
    there: nothing feeds them at the fixed point, and leaving them free would make the Jacobian singular.

    ``args``: the model's kernel arrays from ``src`` on, then ``tol``, ``max_iter``, ``first_step_days``,
    ``colouring``. The patients are split into numba's number of threads equal ranges, one compiled call per range
    in a thread pool (:func:`hemasim.solvers._threads.patient_ranges`), as numba's ``prange`` split them before.
    """
    return patient_ranges(_steady_state_range, X0, t, SCALE, args)
