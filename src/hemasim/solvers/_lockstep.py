"""Lock-step batch integration: B patients advance with one shared step, patient index innermost.

With the patient index as the innermost, contiguous axis, every loop over flows runs over a vector of
patients, which the compiler turns into SIMD instructions; chunks of B patients run on all cores.
The step is controlled by the worst patient of the chunk, so each patient meets the tolerance.
Same Dormand-Prince 5(4) tableau and dense output as :mod:`hemasim.solvers._kernel`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from hemasim.solvers._kernel import (
    A21,
    A31,
    A32,
    A41,
    A42,
    A43,
    A51,
    A52,
    A53,
    A54,
    A61,
    A62,
    A63,
    A64,
    A65,
    AGE_DECLINE,
    B1,
    B3,
    B4,
    B5,
    B6,
    C2,
    C3,
    C4,
    C5,
    D1,
    D3,
    D4,
    D5,
    D6,
    D7,
    DAYS_PER_YEAR,
    E1,
    E3,
    E4,
    E5,
    E6,
    E7,
    EMAX,
    HILL_RATIO,
    LINEAR,
    LINEAR_INHIBITION,
    PI_BETA,
    WINDOW,
    _pi_factor,
)

__all__ = ["AGE_DECLINE", "EMAX", "HILL_RATIO", "LINEAR_INHIBITION", "integrate_lockstep"]


@njit(cache=True, fastmath=True)
def _fluxes(t, X, FLUX, src, RATE, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale,
            SIG, FB, G, fb_same, fb_unit_exponent):  # pragma: no cover - compiled
    B = X.shape[1]
    for i in range(sig_ptr.shape[0] - 1):
        for b in range(B):
            SIG[i, b] = 0.0
        for k in range(sig_ptr[i], sig_ptr[i + 1]):
            w = sig_w[k]
            j = sig_idx[k]
            for b in range(B):
                SIG[i, b] += w * max(X[j, b], 0.0)
    for k in range(fb_kind.shape[0]):
        off = fb_offset[k]
        sc = fb_scale[k]
        same = fb_same[k]
        if same >= 0:  # the same law as an earlier feedback (e.g. the HSC self-renewal/differentiation pair)
            for b in range(B):
                FB[k, b] = off + sc * G[same, b]
            continue
        if fb_kind[k] == HILL_RATIO:
            si = fb_signal[k]
            m = fb_unit_exponent[k]
            if m == 1:  # integer Hill exponents (the same for every patient): no pow, and the loops vectorise
                for b in range(B):
                    c = FBP[k, 1, b]
                    G[k, b] = (1.0 + c) / (1.0 + c * (SIG[si, b] / FBP[k, 0, b]))
            elif m == 2:
                for b in range(B):
                    c = FBP[k, 1, b]
                    u = SIG[si, b] / FBP[k, 0, b]
                    G[k, b] = (1.0 + c) / (1.0 + c * (u * u))
            else:
                for b in range(B):
                    c = FBP[k, 1, b]
                    G[k, b] = (1.0 + c) / (1.0 + c * (SIG[si, b] / FBP[k, 0, b]) ** FBP[k, 2, b])
        elif fb_kind[k] == AGE_DECLINE:
            for b in range(B):
                age = FBP[k, 0, b] + FBP[k, 4, b] * t / DAYS_PER_YEAR
                onset = FBP[k, 2, b]
                G[k, b] = math.exp(-FBP[k, 1, b] * (max(age, onset) - max(FBP[k, 3, b], onset)))
        elif fb_kind[k] == LINEAR_INHIBITION:
            si = fb_signal[k]
            for b in range(B):
                G[k, b] = max(0.0, 1.0 - FBP[k, 0, b] * max(SIG[si, b], 0.0))
        elif fb_kind[k] == EMAX:
            si = fb_signal[k]
            for b in range(B):
                s = max(SIG[si, b], 0.0) ** FBP[k, 2, b]
                G[k, b] = 1.0 + FBP[k, 0, b] * s / (FBP[k, 1, b] ** FBP[k, 2, b] + s)
        elif fb_kind[k] == WINDOW:
            for b in range(B):
                G[k, b] = 1.0 if FBP[k, 0, b] <= t < FBP[k, 1, b] else 0.0
        elif fb_kind[k] == LINEAR:
            si = fb_signal[k]
            for b in range(B):
                G[k, b] = FBP[k, 0, b] * max(SIG[si, b], 0.0)
        else:  # POWER
            si = fb_signal[k]
            for b in range(B):
                G[k, b] = (max(SIG[si, b], FBP[k, 2, b]) / FBP[k, 0, b]) ** FBP[k, 1, b]
        for b in range(B):
            FB[k, b] = off + sc * G[k, b]
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
    when that is 1 or 2 for every patient of the chunk (0 otherwise)."""
    nfb, npar, B = FBP.shape
    same = np.full(nfb, -1, dtype=np.int64)
    unit = np.zeros(nfb, dtype=np.int64)  # 1 or 2: that integer exponent for every patient; 0 otherwise
    for k in range(nfb):
        if fb_kind[k] == HILL_RATIO and (FBP[k, 2, 0] == 1.0 or FBP[k, 2, 0] == 2.0):
            unit[k] = int(FBP[k, 2, 0])
            for b in range(B):
                if FBP[k, 2, b] != FBP[k, 2, 0]:
                    unit[k] = 0
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
    return same, unit


@njit(cache=True, fastmath=True)
def _rhs(t, X, OUT, FLUX, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP,
         fb_offset, fb_scale, SIG, FB, G, fb_same, fb_unit_exponent):  # pragma: no cover - compiled
    _fluxes(t, X, FLUX, src, RATE, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale,
            SIG, FB, G, fb_same, fb_unit_exponent)
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


@njit(cache=True, fastmath=True)
def _chunk(X0, t0, t_out, rtol, ATOL, h_init, max_step, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx,
           sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, obs_sel, OBSW, OBSFW, need_flux, obs_out, x_out
           ):  # pragma: no cover - compiled
    """Integrate one chunk; states are (n, B). Writes obs_out (B, T, k) and x_out (B, n). Returns status."""
    n, B = X0.shape
    nf = RATE.shape[0]
    n_out = t_out.shape[0]
    SIG = np.empty((sig_ptr.shape[0] - 1, B))
    FB = np.empty((fb_kind.shape[0], B))
    G = np.empty((fb_kind.shape[0], B))
    FLUX = np.empty((nf, B))
    fb_same, fb_unit_exponent = _feedback_shortcuts(fb_kind, fb_signal, FBP)
    X = X0.copy()
    XN = np.empty((n, B))
    TMP = np.empty((n, B))
    XO = np.empty((n, B))
    K1 = np.empty((n, B))
    K2 = np.empty((n, B))
    K3 = np.empty((n, B))
    K4 = np.empty((n, B))
    K5 = np.empty((n, B))
    K6 = np.empty((n, B))
    K7 = np.empty((n, B))
    ERR = np.empty(B)
    args = (FLUX, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset,
            fb_scale, SIG, FB, G, fb_same, fb_unit_exponent)
    obs_nz = np.zeros(OBSW.shape[:2], dtype=np.bool_)  # which weights are non-zero for some patient
    obs_fnz = np.zeros(OBSFW.shape[:2], dtype=np.bool_)
    for o in range(OBSW.shape[0]):
        for b in range(B):
            for j in range(n):
                if OBSW[o, j, b] != 0.0:
                    obs_nz[o, j] = True
            for f in range(nf):
                if OBSFW[o, f, b] != 0.0:
                    obs_fnz[o, f] = True
    fb_extra = (G, fb_same, fb_unit_exponent, obs_nz, obs_fnz)
    t = t0
    h = h_init
    t_end = t_out[n_out - 1]
    _rhs(t, X, K1, *args)
    i_out = 0
    while i_out < n_out:
        if t_out[i_out] > t:
            break
        _record(t_out[i_out], X, i_out, obs_sel, OBSW, OBSFW, need_flux, obs_out, FLUX, src, RATE, flow_fb, sig_ptr,
                sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, SIG, FB, fb_extra)
        i_out += 1
    n_steps = 0
    err_old = 1e-4
    while i_out < n_out:
        if h > max_step:
            h = max_step
        last = False
        if t + h >= t_end - 1e-12 * max(1.0, abs(t_end)):
            h = t_end - t
            last = True
        for j in range(n):
            for b in range(B):
                TMP[j, b] = X[j, b] + h * A21 * K1[j, b]
        _rhs(t + C2 * h, TMP, K2, *args)
        for j in range(n):
            for b in range(B):
                TMP[j, b] = X[j, b] + h * (A31 * K1[j, b] + A32 * K2[j, b])
        _rhs(t + C3 * h, TMP, K3, *args)
        for j in range(n):
            for b in range(B):
                TMP[j, b] = X[j, b] + h * (A41 * K1[j, b] + A42 * K2[j, b] + A43 * K3[j, b])
        _rhs(t + C4 * h, TMP, K4, *args)
        for j in range(n):
            for b in range(B):
                TMP[j, b] = X[j, b] + h * (A51 * K1[j, b] + A52 * K2[j, b] + A53 * K3[j, b] + A54 * K4[j, b])
        _rhs(t + C5 * h, TMP, K5, *args)
        for j in range(n):
            for b in range(B):
                TMP[j, b] = X[j, b] + h * (A61 * K1[j, b] + A62 * K2[j, b] + A63 * K3[j, b] + A64 * K4[j, b]
                                           + A65 * K5[j, b])
        _rhs(t + h, TMP, K6, *args)
        for j in range(n):
            for b in range(B):
                XN[j, b] = X[j, b] + h * (B1 * K1[j, b] + B3 * K3[j, b] + B4 * K4[j, b] + B5 * K5[j, b]
                                          + B6 * K6[j, b])
        _rhs(t + h, XN, K7, *args)
        for b in range(B):
            ERR[b] = 0.0
        for j in range(n):
            for b in range(B):
                e = h * (E1 * K1[j, b] + E3 * K3[j, b] + E4 * K4[j, b] + E5 * K5[j, b] + E6 * K6[j, b]
                         + E7 * K7[j, b])
                sc = ATOL[j, b] + rtol * max(abs(X[j, b]), abs(XN[j, b]))
                ERR[b] += (e / sc) ** 2
        err = 0.0
        for b in range(B):
            err = max(err, math.sqrt(ERR[b] / n))
        if err <= 1.0:
            t_new = t_end if last else t + h
            while i_out < n_out and t_out[i_out] <= t_new + 1e-12 * max(1.0, abs(t_new)):
                theta = (t_out[i_out] - t) / h
                if theta >= 1.0 or (last and i_out == n_out - 1):
                    for j in range(n):
                        for b in range(B):
                            XO[j, b] = max(XN[j, b], 0.0)
                else:
                    th1 = 1.0 - theta
                    for j in range(n):
                        for b in range(B):
                            r2 = XN[j, b] - X[j, b]
                            r3 = h * K1[j, b] - r2
                            r4 = r2 - h * K7[j, b] - r3
                            r5 = h * (D1 * K1[j, b] + D3 * K3[j, b] + D4 * K4[j, b] + D5 * K5[j, b] + D6 * K6[j, b]
                                      + D7 * K7[j, b])
                            XO[j, b] = max(X[j, b] + theta * (r2 + th1 * (r3 + theta * (r4 + th1 * r5))), 0.0)
                _record(t_out[i_out], XO, i_out, obs_sel, OBSW, OBSFW, need_flux, obs_out, FLUX, src, RATE, flow_fb,
                        sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, SIG, FB, fb_extra)
                i_out += 1
            clipped = False
            for j in range(n):
                for b in range(B):
                    v = XN[j, b]
                    if v < 0.0:
                        v = 0.0  # positivity projection
                        clipped = True
                    X[j, b] = v
            t = t_new
            if clipped:
                _rhs(t, X, K1, *args)
            else:
                for j in range(n):
                    for b in range(B):
                        K1[j, b] = K7[j, b]
            n_steps += 1
            h = h * _pi_factor(err, err_old)
            err_old = max(err, 1e-4)
        else:
            h = h * max(0.2, 0.9 * err ** -(0.2 - 0.75 * PI_BETA))
            if h < 1e-12 * max(1.0, abs(t)):
                return 1
    for j in range(n):
        for b in range(B):
            x_out[b, j] = X[j, b]
    return 0


@njit(cache=True, fastmath=True)
def _record(t, X, i_out, obs_sel, OBSW, OBSFW, need_flux, obs_out, FLUX, src, RATE, flow_fb, sig_ptr, sig_idx, sig_w,
            fb_kind, fb_signal, FBP, fb_offset, fb_scale, SIG, FB, fb_extra):  # pragma: no cover - compiled
    n, B = X.shape
    obs_nz, obs_fnz = fb_extra[3], fb_extra[4]
    if need_flux:
        _fluxes(t, X, FLUX, src, RATE, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale,
                SIG, FB, fb_extra[0], fb_extra[1], fb_extra[2])
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


@njit(parallel=True, cache=True)
def integrate_lockstep(X0, t0, t_out, rtol, ATOL, h_init, max_step, src, dst, RATE, consume, YLD, flow_fb, sig_ptr,
                       sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, obs_sel, OBSW, OBSFW, chunk
                       ):  # pragma: no cover - compiled
    """Patients in chunks of ``chunk``, chunks in parallel. Arrays are patient-first, as compiled.

    Returns (observables (N, len(t_out), len(obs_sel)), final states (N, n), status per chunk).
    """
    N, n = X0.shape
    n_out = t_out.shape[0]
    k = obs_sel.shape[0]
    obs = np.empty((N, n_out, k))
    x_final = np.empty((N, n))
    n_chunks = (N + chunk - 1) // chunk
    status = np.zeros(n_chunks, dtype=np.int64)
    need_flux = False
    for a in range(k):
        for f in range(OBSFW.shape[2]):
            if OBSFW[0, obs_sel[a], f] != 0.0:
                need_flux = True
    for c in prange(n_chunks):
        lo = c * chunk
        hi = min(N, lo + chunk)
        # patient index innermost (contiguous) for SIMD
        x0c = np.ascontiguousarray(X0[lo:hi].T)
        atolc = np.ascontiguousarray(ATOL[lo:hi].T)
        ratec = np.ascontiguousarray(RATE[lo:hi].T)
        yldc = np.ascontiguousarray(YLD[lo:hi].T)
        fbpc = np.ascontiguousarray(FBP[lo:hi].transpose(1, 2, 0))
        obswc = np.ascontiguousarray(OBSW[lo:hi].transpose(1, 2, 0))
        obsfwc = np.ascontiguousarray(OBSFW[lo:hi].transpose(1, 2, 0))
        status[c] = _chunk(x0c, t0, t_out, rtol, atolc, h_init, max_step, src, dst, ratec, consume, yldc, flow_fb,
                           sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fbpc, fb_offset, fb_scale, obs_sel, obswc,
                           obsfwc, need_flux, obs[lo:hi], x_final[lo:hi])
    return obs, x_final, status
