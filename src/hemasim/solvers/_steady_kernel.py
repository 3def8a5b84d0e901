"""The cohort steady-state Newton with block-eliminated transit chains (numba; imported when a cohort solves).

The iteration is :func:`hemasim.solvers._kernel_numba._newton_solve`'s, step for step: the same residual, the same
coloured finite-difference Jacobian entries (stored by column instead of in an n x n array), the same chord
refreshes, pseudo-transient shifts and positive updates. Only the linear solve differs: block elimination of the
transit states (:mod:`hemasim.solvers._steady_structure`) instead of the dense LU of all states, which gives the same
dx up to rounding at a fraction of the cost (the dense one sweeps n^2 entries several times per Jacobian).

Before it, :func:`steady_state_moving` runs the same iteration on the states that move (the others held where they
start, :func:`hemasim.solvers._steady_structure.moving_states`): the residual, the Jacobian's entries and the updates
of those states are the numbers the iteration of all states computes there (rhs_into's ``part``: the moving rows'
flows only, added in the same order from the same flux law), and only the linear solve differs
(a dense LU of the moving states' block, which is the whole system's up to rounding: no held row depends on a
moving state). :func:`off_balance` finds the states to move.

numba's cache checks only this file; the right-hand side and the Newton helpers are compiled in from
``_kernel_numba.py`` (and through it ``_dopri.py`` and the laws), so an edit there makes
:func:`~hemasim.solvers._cache.rebuild_when_inlined_sources_change` drop this file's cached kernels and numba rebuild
them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from hemasim.model import laws
from hemasim.solvers import _ark, _dopri, _kernel_numba, split
from hemasim.solvers._cache import ensure_numba_cache, rebuild_when_inlined_sources_change
from hemasim.solvers._kernel_numba import (
    CONVERGED,
    NO_REFCOUNT,
    NOT_CONVERGED,
    SINGULAR,
    _gross_flux_into,
    _lu_compress,
    _lu_factor,
    _lu_solve_into,
    _newton_update,
    _relative_residual,
    fluxes_into,
    rhs_into,
)
from hemasim.solvers._threads import equal_ranges, in_threads, patient_ranges

ensure_numba_cache(__file__)  # before the cache=True functions below are defined
rebuild_when_inlined_sources_change(__file__, (_kernel_numba.__file__, _dopri.__file__, _ark.__file__, split.__file__,
                                                *laws.KERNEL_SOURCES))

#: a patient whose eliminated block has a zero, non-finite or too small pivot: solved by the dense path instead
DENSE_NEEDED = 3
_FACTORED = 0


@njit(inline="always")
def _sparse_jacobian_into(t, x, f0, scale, pinned, jac, xe, f1, colouring, entries,
                          rhs_args):  # pragma: no cover - compiled
    """The entries of _kernel_numba._jacobian_into's Jacobian, by column (``entries``: ptr, row, col, fd)."""
    colour_ptr, colour_col = colouring[0], colouring[1]
    entry_ptr, entry_row, entry_col, entry_fd = entries
    n = x.shape[0]
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
            for r in range(entry_ptr[c], entry_ptr[c + 1]):
                j = entry_row[r]
                jac[r] = (f1[j] - f0[j]) / eps if entry_fd[r] else 0.0
    any_pinned = False
    for j in range(n):
        any_pinned = any_pinned or pinned[j]
    if any_pinned:
        for r in range(jac.shape[0]):
            if pinned[entry_row[r]] or pinned[entry_col[r]]:  # pinned states decoupled, with a unit diagonal
                jac[r] = -1.0 if entry_row[r] == entry_col[r] else 0.0


@njit(inline="always")
def _forward_substitute(v, d_unit, d_inverse, d_ptr, d_row):  # pragma: no cover - compiled
    """v = D^-1 v in place. D = L diag(1 / d_inverse), L unit lower triangular in the chain's order (its entries
    below the diagonal ``d_unit``, by column): one multiply-add per entry in the recurrence along a chain."""
    for e in range(d_inverse.shape[0]):
        ve = v[e]
        for q in range(d_ptr[e], d_ptr[e + 1]):
            v[d_row[q]] -= d_unit[q] * ve
    for e in range(d_inverse.shape[0]):
        v[e] *= d_inverse[e]


@njit(inline="always")
def _safe_pivots(jac, shift, gross, pinned, d_inverse, blocks, threshold):  # pragma: no cover - compiled
    """d_inverse = 1 / the diagonal of D - shift I; False when a pivot is unsafe (``threshold``: see
    :data:`hemasim.solvers._steady_structure.PIVOT_THRESHOLD`)."""
    order, d_diag, d_ptr, d_row, d_entry, b_ptr, b_row, b_entry = (blocks[0], blocks[1], blocks[2], blocks[3],
                                                                   blocks[4], blocks[9], blocks[10], blocks[11])
    m = d_diag.shape[0]
    for e in range(m):
        diagonal = jac[d_diag[e]] - (0.0 if pinned[order[e]] else shift)
        pivot = abs(diagonal)
        if not (pivot > 0.0 and pivot < math.inf):  # noqa: SIM201 - also catches NaN
            return False
        d_inverse[e] = 1.0 / diagonal
        if pinned[order[e]]:  # a pinned state's pivot is -1 and its column empty
            continue
        # threshold pivoting on the rows equilibrated by their gross flux (cells/day through the state): a stage
        # that yields 10^6 cells per cell it loses is as safe a pivot as a transit stage; one whose self-renewal
        # nearly cancels its outflow is not (the dense LU pivots there)
        for q in range(d_ptr[e], d_ptr[e + 1]):
            if not pivot * gross[order[d_row[q]]] >= threshold * abs(jac[d_entry[q]]) * gross[order[e]]:
                return False
        for q in range(b_ptr[e], b_ptr[e + 1]):
            if not pivot * gross[order[m + b_row[q]]] >= threshold * abs(jac[b_entry[q]]) * gross[order[e]]:
                return False
    return True


@njit(inline="always")
def _reduced_factor(jac, shift, gross, pinned, d_inverse, d_unit, w, bd, S, perm, lu_ptr, lu_col, lu_val, blocks,
                    threshold):  # pragma: no cover - compiled
    """Factors of (J - shift I) by blocks: D's diagonal (d_inverse, d_unit), the rows of B D^-1 (bd: each a backward
    substitution over the stages upstream of that row of B, a handful of rows) and the Schur complement
    S = A - (B D^-1) C by the dense LU. Returns _FACTORED,
    SINGULAR (S is singular, hence J: det J = det D det S) or DENSE_NEEDED (a pivot of D is unsafe)."""
    order, d_diag, d_ptr, d_row, d_entry = blocks[0], blocks[1], blocks[2], blocks[3], blocks[4]
    b_rows, bt_ptr, bt_col, bt_entry, a_row, a_col, a_entry = (blocks[12], blocks[13], blocks[14], blocks[15],
                                                               blocks[16], blocks[17], blocks[18])
    up_ptr, up_position, bc_ptr, bc_col, bc_row, bc_entry = (blocks[19], blocks[20], blocks[21], blocks[22],
                                                             blocks[23], blocks[24])
    m, k = d_diag.shape[0], S.shape[0]
    if not _safe_pivots(jac, shift, gross, pinned, d_inverse, blocks, threshold):
        return DENSE_NEEDED
    for e in range(m):
        for q in range(d_ptr[e], d_ptr[e + 1]):
            d_unit[q] = jac[d_entry[q]] * d_inverse[e]
    for i in range(k):
        for c in range(k):
            S[i, c] = 0.0
    for q in range(a_entry.shape[0]):
        S[a_row[q], a_col[q]] = jac[a_entry[q]]
    for i in range(k):
        if not pinned[order[m + i]]:
            S[i, i] -= shift
    for e in range(m):
        w[e] = 0.0
    for bi in range(b_rows.shape[0]):
        for q in range(bt_ptr[bi], bt_ptr[bi + 1]):
            w[bt_col[q]] = jac[bt_entry[q]] * d_inverse[bt_col[q]]
        for u in range(up_ptr[bi], up_ptr[bi + 1]):  # w = (row bi of B) D^-1 = L^-T (diag^-1 row): backward over
            e = up_position[u]  # the upstream positions
            acc = w[e]
            for q in range(d_ptr[e], d_ptr[e + 1]):
                acc -= d_unit[q] * w[d_row[q]]
            w[e] = acc
        for q in range(bc_ptr[bi], bc_ptr[bi + 1]):
            S[b_rows[bi], bc_col[q]] -= w[bc_row[q]] * jac[bc_entry[q]]
        for u in range(up_ptr[bi], up_ptr[bi + 1]):  # kept for the solves (B D^-1 b_E), w cleared for the next row
            bd[u] = w[up_position[u]]
            w[up_position[u]] = 0.0
    if not _lu_factor(S, perm):
        return SINGULAR
    _lu_compress(S, lu_ptr, lu_col, lu_val)
    return _FACTORED


@njit(inline="always")
def _reduced_solve_into(b, out, jac, d_inverse, d_unit, bd, S, perm, lu_ptr, lu_col, lu_val, y, rest_b, rest_x,
                        blocks):  # pragma: no cover - compiled
    """out = (J - shift I)^-1 b from the factors of :func:`_reduced_factor`."""
    order, d_ptr, d_row, coupled, c_ptr, c_row, c_entry = (blocks[0], blocks[2], blocks[3], blocks[5], blocks[6],
                                                           blocks[7], blocks[8])
    b_rows, up_ptr, up_position = blocks[12], blocks[19], blocks[20]
    m, k = d_inverse.shape[0], S.shape[0]
    for i in range(k):
        rest_b[i] = b[order[m + i]]
    for bi in range(b_rows.shape[0]):  # b_R - B D^-1 b_E
        acc = 0.0
        for u in range(up_ptr[bi], up_ptr[bi + 1]):
            acc += bd[u] * b[order[up_position[u]]]
        rest_b[b_rows[bi]] -= acc
    _lu_solve_into(S, perm, lu_ptr, lu_col, lu_val, rest_b, rest_x)  # x_R
    for e in range(m):
        y[e] = b[order[e]]
    for ci in range(coupled.shape[0]):
        v = rest_x[coupled[ci]]
        for q in range(c_ptr[ci], c_ptr[ci + 1]):
            y[c_row[q]] -= jac[c_entry[q]] * v
    _forward_substitute(y, d_unit, d_inverse, d_ptr, d_row)  # x_E = D^-1 (b_E - C x_R)
    for e in range(m):
        out[order[e]] = y[e]
    for i in range(k):
        out[order[m + i]] = rest_x[i]


# cached like _newton_solve: a caller compiled for new argument types (or in another process) loads it instead of
# compiling it again (~10 s CPU when cold)
# called, not inlined: numba copies an inlined function's IR block by block (seconds here); no reference counting
# (it allocates nothing: its two buffers come from _reduced_range, once a range)
@njit(cache=True, **NO_REFCOUNT)
def _reduced_newton(x, t, scale, pinned, tol, max_iter, first_step_days, colouring, entries, blocks, threshold,
                    rhs_args, work, indices):  # pragma: no cover - compiled
    """_kernel_numba._newton_solve with the block-eliminated linear solves; also returns DENSE_NEEDED. ``work``,
    ``indices``: :func:`_reduced_buffers`, carved into the buffers here."""
    n, m = x.shape[0], blocks[1].shape[0]
    k = n - m
    n_jac, n_unit, n_bd = entries[1].shape[0], blocks[4].shape[0], blocks[20].shape[0]
    gross, f0, f1, xe, dx = work[:n], work[n:2 * n], work[2 * n:3 * n], work[3 * n:4 * n], work[4 * n:5 * n]
    at = 5 * n
    jac, at = work[at:at + n_jac], at + n_jac
    d_inverse, w, y, at = work[at:at + m], work[at + m:at + 2 * m], work[at + 2 * m:at + 3 * m], at + 3 * m
    d_unit, at = work[at:at + n_unit], at + n_unit
    bd, at = work[at:at + n_bd], at + n_bd
    S, at = work[at:at + k * k].reshape((k, k)), at + k * k
    lu_val, at = work[at:at + k * k], at + k * k
    rest_b, rest_x = work[at:at + k], work[at + k:at + 2 * k]
    perm, lu_ptr, lu_col = indices[:k], indices[k:3 * k + 1], indices[3 * k + 1:]
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
            _sparse_jacobian_into(t, x, f0, scale, pinned, jac, xe, f1, colouring, entries, rhs_args)
        if refresh or h > 0.0:  # Newton: J dx = -f; implicit Euler step of length h: (J - I/h) dx = -f
            status = _reduced_factor(jac, 1.0 / h if h > 0.0 else 0.0, gross, pinned, d_inverse, d_unit, w, bd, S,
                                     perm, lu_ptr, lu_col, lu_val, blocks, threshold)
            if status != _FACTORED:
                return status
        _reduced_solve_into(f0, dx, jac, d_inverse, d_unit, bd, S, perm, lu_ptr, lu_col, lu_val, y, rest_b, rest_x,
                            blocks)
        _newton_update(x, dx, pinned, h)
    return NOT_CONVERGED


@njit(inline="always")
def _reduced_buffers(n, n_jac, blocks):  # pragma: no cover - compiled
    """:func:`_reduced_newton`'s two buffers (float64 and int64), to be carved there."""
    m = blocks[1].shape[0]
    k = n - m
    return (np.empty(5 * n + n_jac + 3 * m + blocks[4].shape[0] + blocks[20].shape[0] + 2 * k * k + 2 * k),
            np.empty(k + 2 * k + 1 + k * k, dtype=np.int64))


@njit(cache=True, nogil=True)  # nogil: threads run the ranges, and a cohort's writer thread runs meanwhile
def _reduced_range(lo, hi, X0, X, status, t, SCALE, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w,
                   fb_kind, fb_signal, FB_PARAMS, fb_offset, fb_scale, tol, max_iter, first_step_days, colouring,
                   entries, blocks, threshold):  # pragma: no cover - compiled
    """Patients lo..hi-1 of :func:`steady_state_reduced`: X[p] = patient p's steady state from X0[p], status[p]."""
    n = X0.shape[1]
    sig_buf, fb_buf, flux = np.empty(sig_ptr.shape[0] - 1), np.empty(fb_kind.shape[0]), np.empty(RATE.shape[1])
    pinned = np.empty(n, dtype=np.bool_)
    work, indices = _reduced_buffers(n, entries[1].shape[0], blocks)  # one allocation each cost a chord solve
    for p in range(lo, hi):
        rhs_args = (src, dst, RATE[p], consume, YLD[p], flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal,
                    FB_PARAMS[p], fb_offset, fb_scale, sig_buf, fb_buf, flux)
        x = X[p]
        for j in range(n):
            x[j] = X0[p, j]
            pinned[j] = X0[p, j] == 0.0
        status[p] = _reduced_newton(x, t, SCALE[p], pinned, tol, max_iter, first_step_days, colouring, entries, blocks,
                                    threshold, rhs_args, work, indices)


def steady_state_reduced(X0: np.ndarray, t: float, SCALE: np.ndarray, *args: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`hemasim.solvers._kernel_numba.steady_state_batch` with block-eliminated linear solves (``args``: the
    model's kernel arrays from ``src`` on, then ``tol``, ``max_iter``, ``first_step_days``, ``colouring``,
    ``entries``, ``blocks``: :meth:`hemasim.solvers._steady_structure.ChainElimination.kernel_arrays`, its first
    four and the rest, and ``threshold``: its pivot_threshold). Returns (states (N, n), status (N,)); status
    DENSE_NEEDED (3): the patient's eliminated block had an unsafe pivot, its state is to be solved by the dense
    kernel. The patients run in numba's number of threads equal ranges
    (:func:`hemasim.solvers._threads.patient_ranges`)."""
    return patient_ranges(_reduced_range, X0, t, SCALE, args)


# ------------------------------------------------------------------ the moving states alone
@njit(cache=True, nogil=True, **NO_REFCOUNT)  # the buffers come from the caller
def _off_balance_range(off, lo, hi, X0, t, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
                       fb_signal, FB_PARAMS, fb_offset, fb_scale, threshold, buffers):  # pragma: no cover - compiled
    """off[j] |= state j of a patient lo..hi-1 is free (not zero) and its |dx/dt| at X0[p] exceeds ``threshold``
    times the gross flux through it (or is not finite). ``buffers``: (n,), (n,) and rhs_into's three."""
    n = X0.shape[1]
    f, gross, sig_buf, fb_buf, flux = buffers
    for p in range(lo, hi):
        rhs_args = (src, dst, RATE[p], consume, YLD[p], flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal,
                    FB_PARAMS[p], fb_offset, fb_scale, sig_buf, fb_buf, flux)
        rhs_into(t, X0[p], f, *rhs_args)
        _gross_flux_into(gross, rhs_args)
        for j in range(n):
            r = abs(f[j]) / gross[j] if gross[j] > 0.0 else abs(f[j])  # as _relative_residual
            if X0[p, j] != 0.0 and not r <= threshold:
                off[j] = True


def off_balance(X0: np.ndarray, t: float, *args: Any) -> np.ndarray:
    """A boolean per state: whether it is off balance where some patient starts (``args``: the model's kernel
    arrays from ``src`` on, then the threshold: |dx/dt| relative to the gross flux through the state). Zero states
    (pinned by the Newton) do not count. The patients run in numba's number of threads equal ranges."""
    N, n = X0.shape
    bounds = equal_ranges(N)
    off = np.zeros((len(bounds) - 1, n), dtype=np.bool_)
    sizes = (n, n, len(args[6]) - 1, len(args[9]), args[2].shape[1])  # states twice, signals, feedbacks, flows

    def run(i: int) -> None:
        buffers = tuple(np.empty(size) for size in sizes)
        _off_balance_range(off[i], bounds[i], bounds[i + 1], X0, t, *args, buffers)

    in_threads(len(bounds) - 1, run)
    return np.any(off, axis=0)


@njit(inline="always")
def _moving_jacobian_into(t, x, f0, scale, pinned, J, xe, f1, saved, col_ptr, col_row, moving,
                          rhs_args):  # pragma: no cover - compiled
    """The moving states' block of _kernel_numba._jacobian_into's Jacobian (J[local row, local column]), the same
    entries: each group's columns perturbed as there, and its rows summed from the fluxes the perturbation changes
    and the others at x (rhs_into with the group's part; the feedbacks and signals it recomputes are restored
    after it, from ``saved``). ``xe`` = x on entry and on return; rhs_into's buffers as the right-hand side at x
    left them."""
    part, local, colours = moving[0], moving[2], moving[3]
    colour_ptr, colour_col, row_ptr, rows, sg_ptr, sg, fb_ptr, fb, fl_ptr, fl = colours
    states = part[0]
    sig_buf, fb_buf = rhs_args[14], rhs_args[15]
    saved_sig, saved_fb = saved
    k = states.shape[0]
    for i in range(k):
        for c in range(k):
            J[i, c] = 0.0
    for q in range(part[1].shape[0]):
        saved_sig[part[1][q]] = sig_buf[part[1][q]]
    for q in range(part[2].shape[0]):
        saved_fb[part[2][q]] = fb_buf[part[2][q]]
    for g in range(colour_ptr.shape[0] - 1):
        for q in range(colour_ptr[g], colour_ptr[g + 1]):
            c = colour_col[q]
            xe[c] += 1e-7 * max(abs(x[c]), scale[c])
        rhs_into(t, xe, f1, *rhs_args, (rows[row_ptr[g]:row_ptr[g + 1]], sg[sg_ptr[g]:sg_ptr[g + 1]],
                                        fb[fb_ptr[g]:fb_ptr[g + 1]], fl[fl_ptr[g]:fl_ptr[g + 1]]))
        for q in range(colour_ptr[g], colour_ptr[g + 1]):
            c = colour_col[q]
            eps = 1e-7 * max(abs(x[c]), scale[c])
            for r in range(col_ptr[c], col_ptr[c + 1]):
                j = col_row[r]
                J[local[j], local[c]] = (f1[j] - f0[j]) / eps
            xe[c] = x[c]
        for q in range(sg_ptr[g], sg_ptr[g + 1]):
            sig_buf[sg[q]] = saved_sig[sg[q]]
        for q in range(fb_ptr[g], fb_ptr[g + 1]):
            fb_buf[fb[q]] = saved_fb[fb[q]]
    for i in range(k):
        if pinned[states[i]]:
            for c in range(k):
                J[i, c] = 0.0
                J[c, i] = 0.0
            J[i, i] = -1.0


@njit(cache=True, **NO_REFCOUNT)  # called, not inlined (see _reduced_newton)
def _moving_newton(x, t, scale, pinned, tol, max_iter, col_ptr, col_row, moving, rhs_args,
                   work):  # pragma: no cover - compiled
    """_kernel_numba._newton_solve (plain chord Newton) on the moving states, the others held; ``work``: the
    buffers, allocated once for a range of patients."""
    gross, f0, f1, xe, J, LU, perm, lu_ptr, lu_col, lu_val, b, dx, saved, x_moving, pinned_moving = work
    part = moving[0]
    states = part[0]
    k = states.shape[0]
    for i in range(k):
        xe[states[i]] = x[states[i]]  # the held states' entries of xe are x's already
        pinned_moving[i] = pinned[states[i]]
    for it in range(max_iter + 1):
        rhs_into(t, x, f0, *rhs_args, part)  # the moving states' entries
        _gross_flux_into(gross, rhs_args, part)
        worst = 0.0  # _relative_residual over the moving states (the held ones are balanced to rounding)
        for i in range(k):
            j = states[i]
            r = abs(f0[j]) / gross[j] if gross[j] > 0.0 else abs(f0[j])
            if not pinned[j]:
                if math.isnan(r):
                    worst = math.inf
                    break
                worst = max(worst, r)
        if worst < tol:
            return CONVERGED
        if not worst < math.inf:
            return SINGULAR
        if it == max_iter:
            break
        if it % 6 == 0:  # the chord refreshes of _newton_solve
            _moving_jacobian_into(t, x, f0, scale, pinned, J, xe, f1, saved, col_ptr, col_row, moving, rhs_args)
            for i in range(k):
                for c in range(k):
                    LU[i, c] = J[i, c]
            if not _lu_factor(LU, perm):
                return SINGULAR
            _lu_compress(LU, lu_ptr, lu_col, lu_val)
        for i in range(k):
            b[i] = f0[states[i]]
        _lu_solve_into(LU, perm, lu_ptr, lu_col, lu_val, b, dx)
        # the plain Newton step of _newton_solve (pinned states held, NEWTON_STEP_CAP, kept positive) on the moving
        # states gathered, the same arithmetic as over x in place (the cohort's steady state unchanged bit for bit)
        for i in range(k):
            x_moving[i] = x[states[i]]
        _newton_update(x_moving, dx, pinned_moving, 0.0)
        for i in range(k):
            x[states[i]] = x_moving[i]
            xe[states[i]] = x_moving[i]
    return NOT_CONVERGED


@njit(cache=True, nogil=True)
def _moving_range(lo, hi, X0, X, status, t, SCALE, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w,
                  fb_kind, fb_signal, FB_PARAMS, fb_offset, fb_scale, tol, max_iter, col_ptr, col_row,
                  moving):  # pragma: no cover - compiled
    """Patients lo..hi-1 of :func:`steady_state_moving`: X[p], status[p]."""
    n, k = X0.shape[1], moving[0][0].shape[0]
    sig_buf, fb_buf, flux = np.empty(sig_ptr.shape[0] - 1), np.empty(fb_kind.shape[0]), np.empty(RATE.shape[1])
    work = (np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty((k, k)), np.empty((k, k)),
            np.empty(k, dtype=np.int64), np.empty(2 * k + 1, dtype=np.int64), np.empty(k * k, dtype=np.int64),
            np.empty(k * k), np.empty(k), np.empty(k), (np.empty(sig_buf.shape[0]), np.empty(fb_buf.shape[0])),
            np.empty(k), np.empty(k, dtype=np.bool_))
    xe = work[3]
    held = moving[1]
    pinned = np.empty(n, dtype=np.bool_)
    for p in range(lo, hi):
        rhs_args = (src, dst, RATE[p], consume, YLD[p], flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal,
                    FB_PARAMS[p], fb_offset, fb_scale, sig_buf, fb_buf, flux)
        x = X[p]
        for j in range(n):
            x[j] = X0[p, j]
            xe[j] = X0[p, j]
            pinned[j] = X0[p, j] == 0.0
        # the feedbacks that read held states only (or age): their values at X0[p] serve every iteration
        fluxes_into(t, x, flux, src, RATE[p], flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FB_PARAMS[p],
                    fb_offset, fb_scale, sig_buf, fb_buf, held)
        status[p] = _moving_newton(x, t, SCALE[p], pinned, tol, max_iter, col_ptr, col_row, moving, rhs_args, work)


def steady_state_moving(X0: np.ndarray, t: float, SCALE: np.ndarray, *args: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`hemasim.solvers._kernel_numba.steady_state_batch` (plain Newton) on the moving states, the others
    held at X0 (``args``: the model's kernel arrays from ``src`` on, then ``tol``, ``max_iter``, the colouring's
    ``col_ptr`` and ``col_row``, and :meth:`hemasim.solvers._steady_structure.MovingStates.kernel_arrays`). Returns
    (states (N, n), status (N,)); the patients run in numba's number of threads equal ranges."""
    return patient_ranges(_moving_range, X0, t, SCALE, args)
