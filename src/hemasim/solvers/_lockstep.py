"""Lock-step batch integration: B patients advance with one shared step, patient index innermost.

With the patient index as the innermost, contiguous axis, every loop over flows runs over a vector of
patients, which the compiler turns into SIMD instructions; chunks of B patients run on all cores (a thread pool;
the chunk kernels release the GIL).
The step is controlled by the worst patient of the chunk, so each patient meets the tolerance.
The Dormand-Prince 5(4) steps (:mod:`hemasim.solvers._dopri`) and the feedback laws (:mod:`hemasim.model.laws`)
are shared with :mod:`hemasim.solvers._kernel`; the flow law is the kernel's, written again over (n, B) arrays
so that the patient loop is innermost.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from hemasim._progress import integrated
from hemasim.model import laws
from hemasim.model.laws import (
    AGE_DECLINE,
    DAYS_PER_YEAR,
    EMAX,
    HILL_RATIO,
    feedback_value,
    register_for_numba,
)
from hemasim.solvers import _ark, _dopri, _vecmath, split
from hemasim.solvers._ark import (
    GAMMA,
    HISTORY_RATIO_MAX,
    HISTORY_RATIO_MIN,
    clip_negative,
    cross_derivative,
    cross_ends,
    hermite_value,
    quintic_value,
    quintic_weights,
    scaled_error_square,
    stage_slope_sum,
    weighted_slope,
)
from hemasim.solvers._ark import N_STAGES as N_ARK_STAGES
from hemasim.solvers._ark import STAGE_TIME as ARK_STAGE_TIME
from hemasim.solvers._ark import grown_step as ark_grown_step
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
from hemasim.solvers._threads import in_threads
from hemasim.solvers._vecmath import fast_exp, fast_pow
from hemasim.solvers.split import MAX_BLOCK

__all__ = ["integrate_lockstep", "integrate_lockstep_imex"]

register_for_numba()  # before anything below is compiled
ensure_numba_cache(__file__)  # a writable cache folder, before the cache=True functions below are defined
# numba's cache checks only this file's stamp: rebuild when a module compiled in here changes
rebuild_when_inlined_sources_change(__file__, (_ark.__file__, _dopri.__file__, _vecmath.__file__, split.__file__, *laws.KERNEL_SOURCES))


#: the largest integer Hill exponent computed by repeated multiplication (larger ones through fast_pow)
MAX_INTEGER_EXPONENT = 16


# error_model="numpy": a division by zero gives inf or NaN instead of raising ZeroDivisionError; numba's check for
# that exception is a branch in every division, which keeps loops over the chunk's patients from vectorising.
@njit(cache=True, fastmath=True, error_model="numpy")
def _feedbacks(t, SIG, fb_kind, fb_signal, FBP, fb_offset, fb_scale, FB, G, fb_same,
               fb_integer_exponent):  # pragma: no cover - compiled
    """FB[k, b] = offset + scale * g for every feedback k and patient b; G keeps g.

    The Hill and age laws are written out here over the chunk's patients with the vectorisable powers and
    exponentials of :mod:`hemasim.solvers._vecmath` (the C library's are scalar calls, most of a right-hand
    side's cost); the other laws go through :func:`hemasim.model.laws.feedback_value`.
    """
    B = SIG.shape[1]
    for k in range(fb_kind.shape[0]):
        off = fb_offset[k]
        sc = fb_scale[k]
        same = fb_same[k]
        if same >= 0:  # the same law as an earlier feedback (e.g. the HSC self-renewal/differentiation pair)
            for b in range(B):
                FB[k, b] = off + sc * G[same, b]
            continue
        kind = fb_kind[k]
        si = fb_signal[k]
        m = fb_integer_exponent[k]
        if kind == AGE_DECLINE:  # the law of hemasim.model.laws.age_decline, with fast_exp
            for b in range(B):
                onset = FBP[k, 2, b]
                age_years = FBP[k, 0, b] + FBP[k, 4, b] * t / DAYS_PER_YEAR
                G[k, b] = fast_exp(-FBP[k, 1, b] * (max(age_years, onset) - max(FBP[k, 3, b], onset)))
        elif si >= 0:  # (a Hill ratio always reads a signal)
            _law_over_patients(kind, m, t, SIG[si], FBP[k], G[k])
        else:  # laws of age or time read no signal
            for b in range(B):
                G[k, b] = feedback_value(kind, t, 0.0, FBP[k, 0, b], FBP[k, 1, b], FBP[k, 2, b], FBP[k, 3, b],
                                         FBP[k, 4, b])
        for b in range(B):
            FB[k, b] = off + sc * G[k, b]


@njit(inline="always")
def _signal_sums(X, sig_ptr, sig_idx, sig_w, SIG):  # pragma: no cover - compiled
    """SIG[i] = the weighted sum of signal i's states (negative states read as 0), for every patient; inlined into
    its callers (:func:`_fluxes`, :func:`_rhs_fused`), so it compiles with their flags."""
    B = X.shape[1]
    for i in range(sig_ptr.shape[0] - 1):
        for b in range(B):
            SIG[i, b] = 0.0
        for k in range(sig_ptr[i], sig_ptr[i + 1]):
            w = sig_w[k]
            j = sig_idx[k]
            for b in range(B):
                SIG[i, b] += w * max(X[j, b], 0.0)


@njit(cache=True, fastmath=True, error_model="numpy")
def _fluxes(t, X, FLUX, src, RATE, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale,
            SIG, FB, G, fb_same, fb_integer_exponent):  # pragma: no cover - compiled
    B = X.shape[1]
    _signal_sums(X, sig_ptr, sig_idx, sig_w, SIG)
    _feedbacks(t, SIG, fb_kind, fb_signal, FBP, fb_offset, fb_scale, FB, G, fb_same, fb_integer_exponent)
    for f in range(RATE.shape[0]):
        s = src[f]
        if s >= 0:
            for b in range(B):
                FLUX[f, b] = RATE[f, b] * max(X[s, b], 0.0)
        else:
            for b in range(B):
                FLUX[f, b] = RATE[f, b]
        for j in range(flow_fb.shape[1]):
            idx = flow_fb[f, j]
            if idx < 0:
                break
            for b in range(B):
                FLUX[f, b] *= FB[idx, b]


@njit(cache=True)
def _feedback_shortcuts(fb_kind, fb_signal, FBP):  # pragma: no cover - compiled
    """Per feedback: the index of an earlier one with the same law and inputs (or -1), and its Hill exponent
    when that is the same integer from 1 to MAX_INTEGER_EXPONENT for every patient of the chunk, or 1 for an Emax
    law whose exponent is 1 for every patient of the chunk (0 otherwise)."""
    nfb, npar, B = FBP.shape
    same = np.full(nfb, -1, dtype=np.int64)
    integer = np.zeros(nfb, dtype=np.int64)
    for k in range(nfb):
        n0 = FBP[k, 2, 0]
        if (fb_kind[k] == HILL_RATIO and n0 == math.floor(n0) and 1.0 <= n0 <= MAX_INTEGER_EXPONENT) or (
                fb_kind[k] == EMAX and n0 == 1.0):
            integer[k] = int(n0)
            for b in range(B):
                if FBP[k, 2, b] != n0:
                    integer[k] = 0
        for q in range(k):
            if same[q] >= 0 or fb_kind[q] != fb_kind[k] or fb_signal[q] != fb_signal[k]:
                continue
            equal = True
            for i in range(npar):
                for b in range(B):
                    if FBP[q, i, b] != FBP[k, i, b]:
                        equal = False
            if equal:
                same[k] = q
                break
    return same, integer


@njit(cache=True, fastmath=True, error_model="numpy")
def _rhs(t, X, OUT, FLUX, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP,
         fb_offset, fb_scale, SIG, FB, G, fb_same, fb_integer_exponent):  # pragma: no cover - compiled
    _fluxes(t, X, FLUX, src, RATE, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale,
            SIG, FB, G, fb_same, fb_integer_exponent)
    OUT[:, :] = 0.0
    B = X.shape[1]
    for f in range(RATE.shape[0]):
        s = src[f]
        d = dst[f]
        c = consume[f]
        if s >= 0 and c != 0.0:
            for b in range(B):
                OUT[s, b] -= c * FLUX[f, b]
        if d >= 0:
            for b in range(B):
                OUT[d, b] += YLD[f, b] * FLUX[f, b]


#: the fewest equal links (:func:`_transit_runs`) the IMEX right-hand side computes as one run
MIN_RUN_LINKS = 4


@njit(cache=True)
def _transit_runs(src, dst, consume, YLD, RATE, flow_fb):  # pragma: no cover - compiled
    """Runs of a transit chain's links in a chunk: consecutive flows each taking its source whole (consume 1,
    yield 1) to the next flow's source, with the same rate for each patient and the same feedbacks (the 80-stage
    neutrophil maturation: 80 of the healthy model's 158 flows). Per flow: the run's length at its first flow,
    0 at its other flows, 1 for a flow outside a run (or in one shorter than MIN_RUN_LINKS)."""
    nf, B = RATE.shape
    links = np.ones(nf, dtype=np.int64)
    f = 0
    while f < nf:
        end = f + 1
        while end < nf and _same_link(f, end, src, dst, consume, YLD, RATE, flow_fb):
            end += 1
        if end - f >= MIN_RUN_LINKS:
            links[f] = end - f
            links[f + 1:end] = 0
        f = end
    return links


@njit(inline="always")
def _same_link(first, f, src, dst, consume, YLD, RATE, flow_fb):  # pragma: no cover - compiled
    """Whether flow f continues the run that starts at flow ``first`` (its previous flow feeds f's source)."""
    if src[f] < 0 or dst[f - 1] != src[f] or src[first] < 0 or consume[f] != 1.0 or consume[first] != 1.0:
        return False
    for j in range(flow_fb.shape[1]):
        if flow_fb[f, j] != flow_fb[first, j]:
            return False
    for b in range(RATE.shape[1]):
        if RATE[f, b] != RATE[first, b] or YLD[f, b] != 1.0 or YLD[first, b] != 1.0:
            return False
    return True


@njit(cache=True, fastmath=True, error_model="numpy")
def _rhs_fused(t, X, OUT, links, FLUX, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
               fb_signal, FBP, fb_offset, fb_scale, SIG, FB, G, fb_same, fb_integer_exponent):  # pragma: no cover
    """:func:`_rhs` for the IMEX kernel: each flow's flux added to its source's and target's slopes as soon as it is
    computed (one pass over the flows instead of two), and a run of equal transit links (``links``:
    :func:`_transit_runs`) with its coefficient (rate times feedbacks) computed once for the run, not once a link.
    The slopes equal :func:`_rhs`'s (outside runs the same operations in the same order; in a run rate x multipliers
    x source instead of rate x source x multipliers: equal to rounding). Leaves SIG, FB and G as :func:`_fluxes`
    does (FLUX: scratch)."""
    B = X.shape[1]
    _signal_sums(X, sig_ptr, sig_idx, sig_w, SIG)
    _feedbacks(t, SIG, fb_kind, fb_signal, FBP, fb_offset, fb_scale, FB, G, fb_same, fb_integer_exponent)
    OUT[:, :] = 0.0
    for f in range(RATE.shape[0]):
        if links[f] == 0:  # inside a run: done with its first link
            continue
        s = src[f]
        d = dst[f]
        c = consume[f]
        F = FLUX[f]
        if links[f] > 1:  # the run's coefficient, then its links
            for b in range(B):
                F[b] = RATE[f, b]
        elif s >= 0:
            for b in range(B):
                F[b] = RATE[f, b] * max(X[s, b], 0.0)
        else:
            for b in range(B):
                F[b] = RATE[f, b]
        for j in range(flow_fb.shape[1]):
            idx = flow_fb[f, j]
            if idx < 0:
                break
            for b in range(B):
                F[b] *= FB[idx, b]
        if links[f] > 1:
            _transit_run(X, OUT, F, src, dst, f, links[f])
            continue
        if s >= 0 and c != 0.0:
            for b in range(B):
                OUT[s, b] -= c * F[b]
        if d >= 0:
            for b in range(B):
                OUT[d, b] += YLD[f, b] * F[b]


@njit(inline="always")
def _transit_run(X, OUT, coefficient, src, dst, first, n_links):  # pragma: no cover - compiled
    """The slopes of a run of transit links (each moves coefficient x its source to its target)."""
    B = X.shape[1]
    for f in range(first, first + n_links):
        s = src[f]
        d = dst[f]
        if d >= 0:
            for b in range(B):
                flux = coefficient[b] * max(X[s, b], 0.0)
                OUT[s, b] -= flux
                OUT[d, b] += flux
        else:  # the last link may leave the model (an egress or death at the chain's rate)
            for b in range(B):
                OUT[s, b] -= coefficient[b] * max(X[s, b], 0.0)


@njit(cache=True, fastmath=True, error_model="numpy")
def _step_slopes(t, h, X, K, TMP, XN, rhs_args):  # pragma: no cover - compiled
    """Slopes K[1..6] of one Dormand-Prince step from (t, X) (K[0] given); XN = the fifth-order new states."""
    n, B = X.shape
    x, k, tmp, xn = X.reshape(n * B), K.reshape(N_STAGES, n * B), TMP.reshape(n * B), XN.reshape(n * B)  # flat views
    # stages as literals (see stage_state); the last one is the new state
    stage_state(1, h, x, k, tmp)
    _rhs(t + STAGE_TIME[1] * h, TMP, K[1], *rhs_args)
    stage_state(2, h, x, k, tmp)
    _rhs(t + STAGE_TIME[2] * h, TMP, K[2], *rhs_args)
    stage_state(3, h, x, k, tmp)
    _rhs(t + STAGE_TIME[3] * h, TMP, K[3], *rhs_args)
    stage_state(4, h, x, k, tmp)
    _rhs(t + STAGE_TIME[4] * h, TMP, K[4], *rhs_args)
    stage_state(5, h, x, k, tmp)
    _rhs(t + STAGE_TIME[5] * h, TMP, K[5], *rhs_args)
    stage_state(6, h, x, k, xn)
    _rhs(t + STAGE_TIME[6] * h, XN, K[6], *rhs_args)


@njit(cache=True, fastmath=True, error_model="numpy")
def _worst_error(h, X, XN, K, ATOL, rtol, TMP, ERR):  # pragma: no cover - compiled
    """The largest per-patient RMS error of the step (the chunk's step must suit its worst patient)."""
    n, B = X.shape
    scaled_error_squares(h, X.reshape(n * B), XN.reshape(n * B), K.reshape(N_STAGES, n * B), ATOL.reshape(n * B),
                         rtol, TMP.reshape(n * B))
    return _worst_patient(TMP, ERR)


@njit(inline="always")
def _worst_patient(TMP, ERR):  # pragma: no cover - compiled
    """The largest per-patient RMS of the squared scaled errors TMP (n, B)."""
    n, B = TMP.shape
    for b in range(B):
        ERR[b] = 0.0
    for j in range(n):
        for b in range(B):
            ERR[b] += TMP[j, b]
    err = 0.0
    for b in range(B):
        err = max(err, math.sqrt(ERR[b] / n))
    return err


@njit(cache=True)
def _nonzero_weights(OBSW, OBSFW):  # pragma: no cover - compiled
    """Which observable weights on states (k, n) and fluxes (k, n_flows) are non-zero for some patient."""
    n_obs, n, B = OBSW.shape
    nf = OBSFW.shape[1]
    obs_nz = np.zeros((n_obs, n), dtype=np.bool_)
    obs_fnz = np.zeros((n_obs, nf), dtype=np.bool_)
    for o in range(n_obs):
        for b in range(B):
            for j in range(n):
                if OBSW[o, j, b] != 0.0:
                    obs_nz[o, j] = True
            for f in range(nf):
                if OBSFW[o, f, b] != 0.0:
                    obs_fnz[o, f] = True
    return obs_nz, obs_fnz


@njit(cache=True, fastmath=True, error_model="numpy", nogil=True)
def _chunk(X0, t0, t_out, rtol, ATOL, h_init, max_step, max_steps, src, dst, RATE, consume, YLD, flow_fb, sig_ptr,
           sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, obs_sel, OBSW, OBSFW, need_flux, obs_out, x_out,
           work):  # pragma: no cover - compiled
    """Integrate one chunk; states are (n, B). Writes obs_out (B, T, k), x_out (B, n) and work (3,): accepted
    steps, rejected steps, right-hand-side evaluations (of the whole chunk). Returns status: 0 ok, 1 step size
    underflow, 2 the budget of ``max_steps`` attempted steps spent."""
    n, B = X0.shape
    n_out = t_out.shape[0]
    args, flux_args = _workspace(B, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal,
                                 FBP, fb_offset, fb_scale)
    recorder = _recorder(t_out, obs_sel, OBSW, OBSFW, need_flux, obs_out, flux_args)
    X = X0.copy()
    XN = np.empty((n, B))
    TMP = np.empty((n, B))
    XO = np.empty((n, B))
    K = np.empty((N_STAGES, n, B))
    ERR = np.empty(B)
    x, xn, xo, k = X.reshape(n * B), XN.reshape(n * B), XO.reshape(n * B), K.reshape(N_STAGES, n * B)
    t = t0
    h = h_init
    t_end = t_out[n_out - 1]
    _rhs(t, X, K[0], *args)
    i_out = _record_reached(t, X, recorder)
    err_old = 1e-4
    attempts = 0
    work[0] = 0
    work[1] = 0
    work[2] = 1
    while i_out < n_out:
        if attempts >= max_steps:
            return 2
        attempts += 1
        work[2] += N_STAGES - 1
        h, last = limit_step(t, h, t_end, max_step)
        _step_slopes(t, h, X, K, TMP, XN, args)
        err = _worst_error(h, X, XN, K, ATOL, rtol, TMP, ERR)
        if err <= 1.0:
            t_new = t_end if last else t + h
            while i_out < n_out and output_due(t_out[i_out], t_new):
                theta = (t_out[i_out] - t) / h
                dense_state(theta, theta >= 1.0 or (last and i_out == n_out - 1), h, x, xn, k, xo)
                _record(i_out, XO, recorder)
                i_out += 1
            t = t_new
            work[0] += 1
            if accept_state(x, xn):
                _rhs(t, X, K[0], *args)
                work[2] += 1
            else:
                reuse_last_slope(k)
            h = grown_step(h, err, err_old)
            err_old = max(err, 1e-4)
        else:
            work[1] += 1
            h = shrunk_step(h, err)
            if step_underflow(h, t):
                return 1
    _store_final(X, x_out)
    return 0


@njit(inline="always")
def _workspace(B, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset,
               fb_scale):  # pragma: no cover - compiled
    """The right-hand side's buffers for a chunk of B patients, bound with the chunk's arrays: (the arguments of
    :func:`_rhs` after OUT, those of :func:`_fluxes` after FLUX). The signals are ``flux_args[12]``, the feedbacks
    ``flux_args[13]``."""
    SIG = np.empty((sig_ptr.shape[0] - 1, B))
    FB = np.empty((fb_kind.shape[0], B))
    G = np.empty((fb_kind.shape[0], B))
    FLUX = np.empty((RATE.shape[0], B))
    fb_same, fb_integer_exponent = _feedback_shortcuts(fb_kind, fb_signal, FBP)
    args = (FLUX, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset,
            fb_scale, SIG, FB, G, fb_same, fb_integer_exponent)
    flux_args = (FLUX, src, RATE, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, SIG,
                 FB, G, fb_same, fb_integer_exponent)
    return args, flux_args


@njit(inline="always")
def _recorder(t_out, obs_sel, OBSW, OBSFW, need_flux, obs_out, flux_args):  # pragma: no cover - compiled
    """What :func:`_record` reads: the output times, the selected observables' weights (and which are non-zero),
    whether they read fluxes, the chunk's output array and the arguments of :func:`_fluxes` after FLUX."""
    obs_nz, obs_fnz = _nonzero_weights(OBSW, OBSFW)
    return t_out, obs_sel, OBSW, OBSFW, obs_nz, obs_fnz, need_flux, obs_out, flux_args


@njit(cache=True, fastmath=True, error_model="numpy")
def _record(i_out, X, recorder):  # pragma: no cover - compiled
    """obs_out[:, i_out] = the selected observables at (t_out[i_out], X) (``recorder``: see :func:`_recorder`);
    fluxes (``_fluxes(t, X, *flux_args)``) if they read any."""
    t_out, obs_sel, OBSW, OBSFW, obs_nz, obs_fnz, need_flux, obs_out, flux_args = recorder
    n, B = X.shape
    FLUX = flux_args[0]
    if need_flux:
        _fluxes(t_out[i_out], X, *flux_args)
    acc = np.zeros(B)
    for a in range(obs_sel.shape[0]):
        o = obs_sel[a]
        acc[:] = 0.0
        for j in range(n):
            if obs_nz[o, j]:  # observables read few states: skip the others
                for b in range(B):
                    acc[b] += OBSW[o, j, b] * X[j, b]
        if need_flux:
            for f in range(FLUX.shape[0]):
                if obs_fnz[o, f]:
                    for b in range(B):
                        acc[b] += OBSFW[o, f, b] * FLUX[f, b]
        for b in range(B):
            obs_out[b, i_out, a] = acc[b]


@njit(inline="always")
def _record_reached(t, X, recorder):  # pragma: no cover - compiled
    """Record the states X at every output time up to t (the start); returns the index of the next output. A loop
    over range: a counter started at the constant 0 would call _record with a literal index, compiling it twice."""
    t_out = recorder[0]
    for i_out in range(t_out.shape[0]):
        if t_out[i_out] > t:
            return i_out
        _record(i_out, X, recorder)
    return t_out.shape[0]


@njit(inline="always")
def _store_final(X, x_out):  # pragma: no cover - compiled
    """x_out (B, n) = the chunk's states X (n, B)."""
    n, B = X.shape
    for j in range(n):
        for b in range(B):
            x_out[b, j] = X[j, b]


@njit(cache=True)
def _patients_last(A, lo, hi):  # pragma: no cover - compiled
    """A[lo:hi].transpose(1, 2, 0) as a new C-ordered array, by loops: np.ascontiguousarray of a 3-d view compiles
    numba's shape-mismatch message (seconds)."""
    out = np.empty((A.shape[1], A.shape[2], hi - lo))
    for i in range(A.shape[1]):
        for j in range(A.shape[2]):
            for b in range(hi - lo):
                out[i, j, b] = A[lo + b, i, j]
    return out


@njit(cache=True)
def _observables_read_fluxes(obs_sel, OBSFW):  # pragma: no cover - compiled
    """Whether a selected observable has a flux weight. A function's result, typed plain bool: a local flag set
    to the constant False would be typed Literal[bool] in the parallel loop's first typing and bool in its
    second, compiling _chunk twice (seconds)."""
    for a in range(obs_sel.shape[0]):
        for f in range(OBSFW.shape[2]):
            if OBSFW[0, obs_sel[a], f] != 0.0:
                return True
    return False


@njit(cache=True)
def _cohort_results(X0, t_out, obs_sel, OBSFW, chunk):  # pragma: no cover - compiled
    """The lock-step kernels' outputs, to be filled chunk by chunk: observables (N, T, k), final states (N, n),
    status per chunk, work per chunk (n_chunks, 3); and whether the selected observables read fluxes."""
    N, n = X0.shape
    n_chunks = (N + chunk - 1) // chunk
    return (np.empty((N, t_out.shape[0], obs_sel.shape[0])), np.empty((N, n)), np.zeros(n_chunks, dtype=np.int64),
            np.zeros((n_chunks, 3), dtype=np.int64), _observables_read_fluxes(obs_sel, OBSFW))


@njit(cache=True, nogil=True)
def _chunk_arrays(lo, hi, X0, ATOL, RATE, YLD, FBP, OBSW, OBSFW):  # pragma: no cover - compiled
    """Patients lo..hi of the patient-first arrays, with the patient index innermost (contiguous: the chunk's loops
    over its patients vectorise)."""
    return (np.ascontiguousarray(X0[lo:hi].T), np.ascontiguousarray(ATOL[lo:hi].T),
            np.ascontiguousarray(RATE[lo:hi].T), np.ascontiguousarray(YLD[lo:hi].T), _patients_last(FBP, lo, hi),
            _patients_last(OBSW, lo, hi), _patients_last(OBSFW, lo, hi))


def integrate_lockstep(X0, t0, t_out, rtol, ATOL, h_init, max_step, max_steps, src, dst, RATE, consume, YLD, flow_fb,
                       sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, obs_sel, OBSW, OBSFW,
                       chunk):
    """Patients in chunks of ``chunk``, chunks in parallel (:func:`_in_chunks`). Arrays are patient-first, as compiled.

    Returns (observables (N, len(t_out), len(obs_sel)), final states (N, n), status per chunk, work per chunk
    (n_chunks, 3): accepted steps, rejected steps, right-hand-side evaluations; a chunk's patients share them).
    """
    return _in_chunks(_chunk, (), X0, t0, t_out, rtol, ATOL, h_init, max_step, max_steps, src, dst, RATE, consume,
                      YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, obs_sel, OBSW,
                      OBSFW, chunk)


def _in_chunks(chunk_kernel: Any, method_arrays: tuple[Any, ...], X0: np.ndarray, t0: float, t_out: np.ndarray,
               rtol: float, ATOL: np.ndarray, h_init: float, max_step: float, max_steps: int, src: np.ndarray,
               dst: np.ndarray, RATE: np.ndarray, consume: np.ndarray, YLD: np.ndarray, flow_fb: np.ndarray,
               sig_ptr: np.ndarray, sig_idx: np.ndarray, sig_w: np.ndarray, fb_kind: np.ndarray, fb_signal: np.ndarray,
               FBP: np.ndarray, fb_offset: np.ndarray, fb_scale: np.ndarray, obs_sel: np.ndarray, OBSW: np.ndarray,
               OBSFW: np.ndarray, chunk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``chunk_kernel`` (:func:`_chunk` or :func:`_chunk_imex`, whose arguments after ``max_steps`` start with
    ``method_arrays``) on each chunk of ``chunk`` patients, in parallel (:func:`hemasim.solvers._threads.in_threads`:
    numba's number of threads, a thread pool; the chunk kernels release the GIL)."""
    obs, x_final, status, work, need_flux = _cohort_results(X0, t_out, obs_sel, OBSFW, chunk)

    def run_chunk(c: int) -> None:
        lo = c * chunk
        hi = min(X0.shape[0], lo + chunk)
        x0c, atolc, ratec, yldc, fbpc, obswc, obsfwc = _chunk_arrays(lo, hi, X0, ATOL, RATE, YLD, FBP, OBSW, OBSFW)
        status[c] = chunk_kernel(x0c, t0, t_out, rtol, atolc, h_init, max_step, max_steps, *method_arrays, src, dst,
                                 ratec, consume, yldc, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fbpc,
                                 fb_offset, fb_scale, obs_sel, obswc, obsfwc, need_flux, obs[lo:hi], x_final[lo:hi],
                                 work[c])

    def chunk_done(c: int) -> None:  # a cohort's progress, told from here (a partition is one call per event)
        integrated(min(X0.shape[0], (c + 1) * chunk) - c * chunk, float(t_out[-1]) - t0)

    in_threads(status.shape[0], run_chunk, chunk_done)
    return obs, x_final, status, work


# ---------------------------------------------------------------------------------------------------------------
# The IMEX additive Runge-Kutta ARK4(3)6L[2]SA (hemasim.solvers._ark) over a chunk: the single-patient kernel's
# algorithm (hemasim.solvers._kernel_numba.ark_imex) with the patient index innermost; the implicit part L is frozen
# per patient, the forward substitution runs over the chunk's patients at once.
@njit(cache=True, fastmath=True, error_model="numpy")
def _freeze_split(t, X, KI0, SIG, FB, RATE, flow_fb, consume, YLD, src, fb_kind, fb_signal, FBP, fb_offset, fb_scale,
                  fb_integer_exponent, split_ptr, split_flow, split_target, self_reads, LEAVE, FEED, RAW,
                  LAWS, cross):  # pragma: no cover - compiled
    """L frozen at the accepted states X (SIG, FB: their signals and feedbacks; see the single-patient
    _split_coefficients, self-reading multipliers and the LINEAR multipliers' entries ``cross`` included), and
    KI0 = L X. LAWS: a (3, B) work array.

    A self-reading multiplier's derivative is a forward difference of its law over the chunk's patients at once,
    with the right-hand side's vectorised laws (:func:`_law_over_patients`): the C library's scalar pow, called per
    patient, took most of this function's time (the HSC crowding's Hill laws)."""
    n, B = X.shape
    self_entry, self_feedback, self_weight = self_reads
    for k in range(split_flow.shape[0]):
        f = split_flow[k]
        for b in range(B):
            FEED[k, b] = RATE[f, b]
        for j in range(flow_fb.shape[1]):
            idx = flow_fb[f, j]
            if idx < 0:
                break
            for b in range(B):
                FEED[k, b] *= FB[idx, b]
        for b in range(B):
            RAW[k, b] = FEED[k, b]
    S1, F0, F1 = LAWS[0], LAWS[1], LAWS[2]
    for q in range(self_entry.shape[0]):  # d flux / d source = c (1 + x sum_j w_j F_j'(s_j) / F_j)
        k = self_entry[q]
        j = self_feedback[q]
        s_state = src[split_flow[k]]
        S0 = SIG[fb_signal[j]]
        for b in range(B):
            S1[b] = S0[b] * (1.0 + 1e-6) if S0[b] > 0.0 else 1e-300
        _law_over_patients(fb_kind[j], fb_integer_exponent[j], t, S0, FBP[j], F0)
        _law_over_patients(fb_kind[j], fb_integer_exponent[j], t, S1, FBP[j], F1)
        off = fb_offset[j]
        sc = fb_scale[j]
        w = self_weight[q]
        for b in range(B):
            xs = X[s_state, b]
            f0 = off + sc * F0[b]
            f1 = off + sc * F1[b]
            ds = S1[b] - S0[b] if S0[b] > 0.0 else 1e-300
            derivative = RAW[k, b] * xs * w * (f1 - f0) / (ds * f0)
            FEED[k, b] += derivative if (xs > 0.0 and f0 != 0.0) else 0.0
    for s in range(n):
        for b in range(B):
            LEAVE[s, b] = 0.0
    for k in range(split_flow.shape[0]):
        f = split_flow[k]
        s = src[f]
        c = consume[f]
        for b in range(B):
            v = max(FEED[k, b], 0.0)
            LEAVE[s, b] += c * v
            FEED[k, b] = YLD[f, b] * v
    for k in range(split_flow.shape[0]):  # a bounded self-renewal lowers its source's rate of leaving (single kernel)
        s = src[split_flow[k]]
        if split_target[k] == s:
            for b in range(B):
                LEAVE[s, b] -= FEED[k, b]
                FEED[k, b] = 0.0
    cross_entry, cross_feedback, cross_weight, CROSS_OUT, CROSS_IN = cross[1], cross[2], cross[3], cross[6], cross[7]
    for e in range(cross_entry.shape[0]):  # as the single-patient _cross_coefficients
        f = split_flow[cross_entry[e]]
        j = cross_feedback[e]
        s = src[f]
        for b in range(B):
            c = cross_derivative(RATE[f, b], X[s, b], fb_scale[j], FBP[j, 0, b], cross_weight[e],
                                 RAW[cross_entry[e], b], flow_fb, f, j, FB, b)
            CROSS_OUT[e, b] = consume[f] * c
            CROSS_IN[e, b] = YLD[f, b] * c
    _apply_split(X, KI0, LEAVE, FEED, split_ptr, split_target, cross)


# called, not inlined, with its callers' flags: inlined, numba typed and lowered its body (with feedback_value's seven
# laws) at each of its three sites (_feedbacks, _freeze_split twice); called, it compiles once (LLVM keeps the call:
# one a feedback and a right-hand side, each a loop over the chunk's patients). The cohort warm-up process -1.8 s CPU
# (interleaved from empty caches), a 2,000-patient year's integration CPU the same within its noise, the cohorts
# equal to ~1e-13 relative, not bit for bit (fastmath: LLVM fuses across a call differently); docs/performance.md,
# the suite, thirty-second session
@njit(cache=True, fastmath=True, error_model="numpy")
def _law_over_patients(kind, integer_exponent, t, S, P, OUT):  # pragma: no cover - compiled
    """OUT[b] = g of a feedback of kind ``kind`` that reads a signal, with parameters P (5, B), at the signals S[b]:
    a Hill ratio (1 + c) / (1 + c u^n) with u^n by multiplications (integer n) or fast_pow; an Emax law of exponent
    1 (``integer_exponent`` 1: the saturable distribution and elimination of the nab-paclitaxel set) as
    1 + emax s / (ec50 + s), the law's own operations with the C library's pow(x, 1.0), which returns x exactly,
    left out (6 scalar pow calls a patient per right-hand side, ~15% of a nab-paclitaxel cohort's CPU; the results
    are bit for bit those of the general law: tests/test_kernel.py); the others through feedback_value.
    :func:`_feedbacks` and :func:`_freeze_split`'s derivatives both evaluate their laws here."""
    B = S.shape[0]
    if kind == HILL_RATIO and integer_exponent > 0:
        for b in range(B):
            u = S[b] / P[0, b]
            p = u
            for _ in range(integer_exponent - 1):
                p *= u
            OUT[b] = (1.0 + P[1, b]) / (1.0 + P[1, b] * p)
    elif kind == HILL_RATIO:
        for b in range(B):
            c = P[1, b]
            OUT[b] = (1.0 + c) / (1.0 + c * fast_pow(S[b] / P[0, b], P[2, b]))
    elif kind == EMAX and integer_exponent == 1:
        for b in range(B):
            OUT[b] = 1.0 + P[0, b] * S[b] / (P[1, b] + S[b])
    else:
        for b in range(B):
            OUT[b] = feedback_value(kind, t, S[b], P[0, b], P[1, b], P[2, b], P[3, b], P[4, b])


@njit(inline="always")
def _apply_split(Y, OUT, LEAVE, FEED, split_ptr, split_target, cross):  # pragma: no cover - compiled
    """OUT = L Y for every patient."""
    n, B = Y.shape
    for s in range(n):
        for b in range(B):
            OUT[s, b] = -LEAVE[s, b] * Y[s, b]
    for s in range(n):
        for k in range(split_ptr[s], split_ptr[s + 1]):
            d = split_target[k]
            if d >= 0:
                for b in range(B):
                    OUT[d, b] += FEED[k, b] * Y[s, b]
        _cross_push(1.0, Y, OUT, s, cross)


@njit(inline="always")
def _cross_push(hg, Y, OUT, s, cross):  # pragma: no cover - compiled
    """OUT += hg (L's entries by state s that LINEAR multipliers read) Y[s] (the single-patient kernel's cross)."""
    cross_ptr, cross_from, cross_into, CROSS_OUT, CROSS_IN = cross[0], cross[4], cross[5], cross[6], cross[7]
    B = Y.shape[1]
    for e in range(cross_ptr[s], cross_ptr[s + 1]):
        a = cross_from[e]
        d = cross_into[e]
        for b in range(B):
            OUT[a, b] -= hg * CROSS_OUT[e, b] * Y[s, b]
            if d >= 0:
                OUT[d, b] += hg * CROSS_IN[e, b] * Y[s, b]


@njit(inline="always")
def _solve_small(M, R, m):  # pragma: no cover - compiled
    """R = M^-1 R for every patient (M (m, m, B), R (m, B); Gaussian elimination without pivoting, as the
    single-patient kernel's _solve_small); M is overwritten."""
    B = R.shape[1]
    for k in range(m):
        for i in range(k + 1, m):
            for b in range(B):
                factor = M[i, k, b] / M[k, k, b]
                for c in range(k + 1, m):
                    M[i, c, b] -= factor * M[k, c, b]
                R[i, b] -= factor * R[k, b]
    for i in range(m - 1, -1, -1):
        for b in range(B):
            acc = R[i, b]
            for c in range(i + 1, m):
                acc -= M[i, c, b] * R[c, b]
            R[i, b] = acc / M[i, i, b]


@njit(inline="always")
def _stage_input_and_copy(stage, h, x, K, KI, out, copy):  # pragma: no cover - compiled
    """:func:`hemasim.solvers._ark.stage_input`, also written to ``copy`` (the stage is solved in place in ``copy``,
    ``out`` kept for the implicit slope: one pass fewer than a copy afterwards)."""
    stage_slope_sum(stage, K, KI, out)
    for j in range(x.shape[0]):
        v = x[j] + h * out[j]
        out[j] = v
        copy[j] = v


@njit(inline="always")
def _new_state_and_error_squares(h, x, K, atol, rtol, xn, out):  # pragma: no cover - compiled
    """:func:`hemasim.solvers._ark.new_state` (into xn) and :func:`~hemasim.solvers._ark.scaled_error_squares` (into
    out) in one pass over the slopes: one read of K instead of two, the same operations on each element."""
    for j in range(x.shape[0]):
        xn[j] = x[j] + h * weighted_slope(K, j)
        out[j] = scaled_error_square(h, x[j], xn[j], K, j, atol[j], rtol)


@njit(inline="always")
def _scale_split(hg, LEAVE, FEED, INV, FEEDH):  # pragma: no cover - compiled
    """The step's factors of the forward substitution, shared by its five stages: INV = 1 / (1 + hg LEAVE) (a
    one-state block's solve becomes a product: a division costs several multiplications, and 127 of the healthy
    model's 128 blocks are one state) and FEEDH = hg FEED."""
    n, B = LEAVE.shape
    for s in range(n):
        for b in range(B):
            INV[s, b] = 1.0 / (1.0 + hg * LEAVE[s, b])
    for k in range(FEED.shape[0]):
        for b in range(B):
            FEEDH[k, b] = hg * FEED[k, b]


@njit(inline="always")
def _implicit_solve(hg, Y, LEAVE, FEED, INV, FEEDH, structure, cross):  # pragma: no cover - compiled
    """Y = (I - hg L)^-1 Y in place for every patient: forward substitution over the flow graph's blocks (INV,
    FEEDH: :func:`_scale_split` of this hg)."""
    order, block_ptr, block_of, local, split_ptr, split_target, M, R = structure
    B = Y.shape[1]
    for bi in range(block_ptr.shape[0] - 1):
        p0 = block_ptr[bi]
        p1 = block_ptr[bi + 1]
        if p1 - p0 == 1:
            s = order[p0]
            for b in range(B):
                Y[s, b] = Y[s, b] * INV[s, b]
        else:
            m = p1 - p0
            for i in range(m):
                for c in range(m):
                    for b in range(B):
                        M[i, c, b] = 0.0
            for i in range(m):
                s = order[p0 + i]
                for b in range(B):
                    M[i, i, b] += 1.0 + hg * LEAVE[s, b]
                    R[i, b] = Y[s, b]
                for k in range(split_ptr[s], split_ptr[s + 1]):
                    d = split_target[k]
                    if d >= 0 and block_of[d] == bi:
                        for b in range(B):
                            M[local[d], i, b] -= hg * FEED[k, b]
            _solve_small(M, R, m)
            for i in range(m):
                for b in range(B):
                    Y[order[p0 + i], b] = R[i, b]
        for p in range(p0, p1):  # into later blocks
            s = order[p]
            for k in range(split_ptr[s], split_ptr[s + 1]):
                d = split_target[k]
                if d >= 0 and block_of[d] != bi:
                    for b in range(B):
                        Y[d, b] += FEEDH[k, b] * Y[s, b]
            _cross_push(hg, Y, Y, s, cross)


@njit(cache=True, fastmath=True, error_model="numpy")
def _imex_step(t, h, X, XN, K, KI, TMP, ATOL, rtol, ERR, split, rhs_args):  # pragma: no cover - compiled
    """One ARK4(3)6L[2]SA step of the chunk from (t, X) (K[0], KI[0] given): XN the new states; returns the worst
    patient's error norm.

    One loop over the stages, the tableau read as data: the body (one forward substitution, one right-hand side)
    is compiled once, not once per stage (unrolled, the five copies took most of the kernel's ~38 s compilation)."""
    structure, LEAVE, FEED, INV, FEEDH, cross = split
    n, B = X.shape
    hg = h * GAMMA
    _scale_split(hg, LEAVE, FEED, INV, FEEDH)
    x, xn, tmp, k = X.reshape(n * B), XN.reshape(n * B), TMP.reshape(n * B), K.reshape(K.shape[0], n * B)
    ki_all = KI.reshape(KI.shape[0], n * B)
    r = xn  # the stages' known parts (XN is free until the new states)
    for stage in range(1, N_ARK_STAGES):
        _stage_input_and_copy(stage, h, x, k, ki_all, r, tmp)
        _implicit_solve(hg, TMP, LEAVE, FEED, INV, FEEDH, structure, cross)
        for j in range(n * B):  # L Y from Y = r + hg L Y: no product with L (the rounding is ~eps |Y| / GAMMA in h L Y)
            ki_all[stage, j] = (tmp[j] - r[j]) / hg
        _rhs_fused(t + ARK_STAGE_TIME[stage] * h, TMP, K[stage], *rhs_args)
    _new_state_and_error_squares(h, x, k, ATOL.reshape(n * B), rtol, xn, tmp)
    return _worst_patient(TMP, ERR)


@njit(inline="always")
def _recorded_states(recorder, n):  # pragma: no cover - compiled
    """The states :func:`_record` reads (int64 indices): those the selected observables weigh, or every state when
    they read fluxes (the fluxes read them all)."""
    obs_sel, obs_nz, need_flux = recorder[1], recorder[4], recorder[6]
    read = np.zeros(n, dtype=np.bool_)
    for a in range(obs_sel.shape[0]):
        for j in range(n):
            if need_flux or obs_nz[obs_sel[a], j]:
                read[j] = True
    rows = np.empty(n, dtype=np.int64)
    count = 0
    for j in range(n):
        if read[j]:
            rows[count] = j
            count += 1
    return rows[:count]


@njit(inline="always")
def _hermite_rows(theta, h, X, XN, F0, F1, XO, rows):  # pragma: no cover - compiled
    """:func:`hemasim.solvers._ark.hermite_state` on the states ``rows`` only (the others of XO are left as they
    are): the daily outputs outnumber the steps, and the observables read a few of the ~130 states."""
    B = X.shape[1]
    for i in range(rows.shape[0]):
        j = rows[i]
        for b in range(B):
            XO[j, b] = hermite_value(theta, h, X[j, b], XN[j, b], F0[j, b], F1[j, b])


@njit(inline="always")
def _quintic_rows(w, h, XP, FP, X, XN, F0, F1, XO, rows):  # pragma: no cover - compiled
    """:func:`_hermite_rows` by the quintic through the previous step's start too (:func:`hemasim.solvers._ark.
    quintic_weights`: ``w``; XP, FP: the states and slopes there)."""
    B = X.shape[1]
    for i in range(rows.shape[0]):
        j = rows[i]
        for b in range(B):
            XO[j, b] = quintic_value(w, h, XP[j, b], FP[j, b], X[j, b], XN[j, b], F0[j, b], F1[j, b])


@njit(inline="always")
def _keep_rows(X, F, XP, FP, rows):  # pragma: no cover - compiled
    """XP, FP = X, F on the states ``rows`` (the step's start, kept for the next step's dense output)."""
    B = X.shape[1]
    for i in range(rows.shape[0]):
        j = rows[i]
        for b in range(B):
            XP[j, b] = X[j, b]
            FP[j, b] = F[j, b]


@njit(cache=True, fastmath=True, error_model="numpy", nogil=True)
def _chunk_imex(X0, t0, t_out, rtol, ATOL, h_init, max_step, max_steps, split_order, split_block_ptr, split_block_of,
                split_local, split_ptr, split_flow, split_target, self_reads, cross_reads, src, dst, RATE, consume, YLD,
                flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, obs_sel, OBSW, OBSFW,
                need_flux, obs_out, x_out, work):  # pragma: no cover
    """:func:`_chunk` by the IMEX method: same outputs, work counters and statuses. ``self_reads``: the split's
    (self_entry, self_feedback, self_weight), ``cross_reads``: its (cross_ptr, cross_entry, cross_feedback,
    cross_weight)."""
    n, B = X0.shape
    n_out = t_out.shape[0]
    args, flux_args = _workspace(B, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal,
                                 FBP, fb_offset, fb_scale)
    recorder = _recorder(t_out, obs_sel, OBSW, OBSFW, need_flux, obs_out, flux_args)
    recorded = _recorded_states(recorder, n)
    fused_args = (_transit_runs(src, dst, consume, YLD, RATE, flow_fb), *args)  # _rhs_fused's, after OUT
    SIG, FB = flux_args[12], flux_args[13]  # the signals and feedbacks the last right-hand side left
    X = X0.copy()
    XN = np.empty((n, B))
    TMP = np.empty((n, B))
    XO = np.empty((n, B))
    XP = np.empty((n, B))  # the previous step's start (the recorded states): the dense output's third node
    KP = np.empty((n, B))  # and the slopes there
    WQ = np.empty(6)  # the quintic's weights at one output time
    h_prev = 0.0  # the previous accepted step (0: none yet in this call, the cubic serves)
    K = np.empty((N_ARK_STAGES, n, B))
    KI = np.empty((N_ARK_STAGES, n, B))
    ERR = np.empty(B)
    structure = (split_order, split_block_ptr, split_block_of, split_local, split_ptr, split_target,
                 np.empty((MAX_BLOCK, MAX_BLOCK, B)), np.empty((MAX_BLOCK, B)))  # and the small blocks' buffers
    cross_ptr, cross_entry, cross_feedback, cross_weight = cross_reads
    cross_from, cross_into = cross_ends(cross_entry, split_flow, split_target, src)
    # the LINEAR multipliers' entries of L (the single-patient kernel's cross_terms), per patient
    cross = (cross_ptr, cross_entry, cross_feedback, cross_weight, cross_from, cross_into,
             np.zeros((cross_entry.shape[0], B)), np.zeros((cross_entry.shape[0], B)))
    split = (structure, np.empty((n, B)), np.empty((split_flow.shape[0], B)), np.empty((n, B)),
             np.empty((split_flow.shape[0], B)), cross)  # L's coefficients (LEAVE, FEED) and the step's INV, FEEDH
    # what _freeze_split reads after the states' signals and feedbacks, and writes (L's coefficients)
    freeze_args = (RATE, flow_fb, consume, YLD, src, fb_kind, fb_signal, FBP, fb_offset, fb_scale, flux_args[16],
                   split_ptr, split_flow, split_target, self_reads, split[1], split[2],
                   np.empty((split_flow.shape[0], B)), np.empty((3, B)), cross)
    t = t0
    h = h_init
    t_end = t_out[n_out - 1]
    _rhs_fused(t, X, K[0], *fused_args)
    _freeze_split(t, X, KI[0], SIG, FB, *freeze_args)
    i_out = _record_reached(t, X, recorder)
    err_old = 1e-4
    attempts = 0
    work[0], work[1], work[2] = 0, 0, 1
    x, xn, k = X.reshape(n * B), XN.reshape(n * B), K.reshape(N_ARK_STAGES, n * B)
    while i_out < n_out:
        if attempts >= max_steps:
            return 2
        attempts += 1
        work[2] += N_ARK_STAGES - 1
        h, last = limit_step(t, h, t_end, max_step)
        err = _imex_step(t, h, X, XN, K, KI, TMP, ATOL, rtol, ERR, split, fused_args)
        if err <= 1.0:
            t_new = t_end if last else t + h
            clip_negative(xn)
            # the slope at the new states: dense output, next step's K[0]
            _rhs_fused(t_new, XN, K[N_ARK_STAGES - 1], *fused_args)
            work[2] += 1
            # L frozen at the new states now (KI[0] is free), before _record's fluxes overwrite the feedbacks
            _freeze_split(t_new, XN, KI[0], SIG, FB, *freeze_args)
            while i_out < n_out and output_due(t_out[i_out], t_new):
                theta = (t_out[i_out] - t) / h
                at_step_end = theta >= 1.0 or (last and i_out == n_out - 1)
                if not at_step_end:
                    ratio = h_prev / h
                    if HISTORY_RATIO_MIN <= ratio <= HISTORY_RATIO_MAX:
                        quintic_weights(theta, ratio, WQ)
                        _quintic_rows(WQ, h, XP, KP, X, XN, K[0], K[N_ARK_STAGES - 1], XO, recorded)
                    else:
                        _hermite_rows(theta, h, X, XN, K[0], K[N_ARK_STAGES - 1], XO, recorded)
                _record(i_out, XN if at_step_end else XO, recorder)
                i_out += 1
            _keep_rows(X, K[0], XP, KP, recorded)
            h_prev = t_new - t
            t = t_new
            work[0] += 1
            for j in range(n * B):
                x[j] = xn[j]
                k[0, j] = k[N_ARK_STAGES - 1, j]
            h = ark_grown_step(h, err, err_old)
            err_old = max(err, 1e-4)
        else:
            work[1] += 1
            h = ark_shrunk_step(h, err)
            if step_underflow(h, t):
                return 1
    _store_final(X, x_out)
    return 0


def integrate_lockstep_imex(X0, t0, t_out, rtol, ATOL, h_init, max_step, max_steps, split_order, split_block_ptr,
                            split_block_of, split_local, split_ptr, split_flow, split_target, self_entry,
                            self_feedback, self_weight, cross_ptr, cross_entry, cross_feedback, cross_weight, src, dst,
                            RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset,
                            fb_scale, obs_sel, OBSW, OBSFW, chunk):
    """:func:`integrate_lockstep` by the IMEX method (``split_*``: :class:`hemasim.solvers.split.ImplicitSplit`)."""
    split_arrays = (split_order, split_block_ptr, split_block_of, split_local, split_ptr, split_flow, split_target,
                    (self_entry, self_feedback, self_weight), (cross_ptr, cross_entry, cross_feedback, cross_weight))
    return _in_chunks(_chunk_imex, split_arrays, X0, t0, t_out, rtol, ATOL, h_init, max_step, max_steps, src, dst,
                      RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset,
                      fb_scale, obs_sel, OBSW, OBSFW, chunk)
