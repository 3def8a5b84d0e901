"""The numba kernel: right-hand side and an adaptive Dormand-Prince 5(4) integrator.

Imported only when a compiled solver runs (numba is slow to import). Compiled once and cached
on disk (``cache=True``); the same machine code serves every model, since a model is data.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

DAYS_PER_YEAR = 365.25
HILL_RATIO = 0
AGE_DECLINE = 1
LINEAR_INHIBITION = 2
EMAX = 3
WINDOW = 4
LINEAR = 5
POWER = 6


@njit(cache=True)
def fluxes_into(t, x, flux, src, rate, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_params, fb_offset,
                fb_scale, sig_buf, fb_buf):  # pragma: no cover - compiled
    """Every flow's flux (cells/day) at state x, time t; the one place the flow law is written."""
    for i in range(sig_ptr.shape[0] - 1):
        acc = 0.0
        for k in range(sig_ptr[i], sig_ptr[i + 1]):
            xj = x[sig_idx[k]]
            if xj > 0.0:
                acc += sig_w[k] * xj
        sig_buf[i] = acc
    for k in range(fb_kind.shape[0]):
        if fb_kind[k] == HILL_RATIO:
            s = sig_buf[fb_signal[k]]
            if s < 0.0:
                s = 0.0
            c = fb_params[k, 1]
            g = (1.0 + c) / (1.0 + c * (s / fb_params[k, 0]) ** fb_params[k, 2])
        elif fb_kind[k] == AGE_DECLINE:
            age = fb_params[k, 0] + fb_params[k, 4] * t / DAYS_PER_YEAR
            onset = fb_params[k, 2]
            g = math.exp(-fb_params[k, 1] * (max(age, onset) - max(fb_params[k, 3], onset)))
        elif fb_kind[k] == LINEAR_INHIBITION:
            g = max(0.0, 1.0 - fb_params[k, 0] * max(sig_buf[fb_signal[k]], 0.0))
        elif fb_kind[k] == EMAX:
            s = max(sig_buf[fb_signal[k]], 0.0) ** fb_params[k, 2]
            g = 1.0 + fb_params[k, 0] * s / (fb_params[k, 1] ** fb_params[k, 2] + s)
        elif fb_kind[k] == WINDOW:
            g = 1.0 if fb_params[k, 0] <= t < fb_params[k, 1] else 0.0
        elif fb_kind[k] == LINEAR:
            g = fb_params[k, 0] * max(sig_buf[fb_signal[k]], 0.0)
        else:  # POWER
            g = (max(sig_buf[fb_signal[k]], fb_params[k, 2]) / fb_params[k, 0]) ** fb_params[k, 1]
        fb_buf[k] = fb_offset[k] + fb_scale[k] * g
    for f in range(rate.shape[0]):
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


@njit(cache=True)
def rhs_into(t, x, out, src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal,
             fb_params, fb_offset, fb_scale, sig_buf, fb_buf, flux):  # pragma: no cover - compiled
    fluxes_into(t, x, flux, src, rate, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_params, fb_offset,
                fb_scale, sig_buf, fb_buf)
    for i in range(x.shape[0]):
        out[i] = 0.0
    for f in range(rate.shape[0]):
        v = flux[f]
        if v == 0.0:
            continue
        s = src[f]
        if s >= 0:
            out[s] -= consume[f] * v
        d = dst[f]
        if d >= 0:
            out[d] += yld[f] * v


# Dormand-Prince 5(4) tableau
C2, C3, C4, C5 = 1 / 5, 3 / 10, 4 / 5, 8 / 9
A21 = 1 / 5
A31, A32 = 3 / 40, 9 / 40
A41, A42, A43 = 44 / 45, -56 / 15, 32 / 9
A51, A52, A53, A54 = 19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729
A61, A62, A63, A64, A65 = 9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656
B1, B3, B4, B5, B6 = 35 / 384, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84
E1, E3, E4, E5, E6, E7 = 71 / 57600, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40


# Step-size control: the PI controller of Hairer's DOPRI5 (beta = 0.08, advised near the stability limit,
# where this model's steps sit: its fastest eigenvalues are about -1.5/day)
PI_BETA = 0.08


@njit(cache=True)
def _pi_factor(err, err_old):  # pragma: no cover - compiled
    if err == 0.0:
        return 10.0
    fac = 0.9 * err ** -(0.2 - 0.75 * PI_BETA) * err_old**PI_BETA
    return min(10.0, max(0.2, fac))


# Dense output (continuous extension of order 4; Hairer, Norsett & Wanner, Solving ODEs I, DOPRI5 code)
D1, D3, D4, D5 = -12715105075 / 11282082432, 87487479700 / 32700410799, -10690763975 / 1880347072, \
    701980252875 / 199316789632
D6, D7 = -1453857185 / 822651844, 69997945 / 29380423


@njit(cache=True)
def dopri5(x0, t0, t_out, rtol, atol, h_init, max_step, fixed_step, src, dst, rate, consume, yld, flow_fb,
           sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_params, fb_offset, fb_scale):  # pragma: no cover
    """Integrate from t0 and return states at each of the increasing times ``t_out``.

    Steps are chosen by error control alone (``max_step`` caps them); outputs inside a step come from
    the order-4 dense output, so a fine output grid costs no extra steps. Returns (states
    (len(t_out), n), n_steps, n_rejected, status); status 0 = ok, 1 = step size underflow. With
    ``fixed_step`` true, steps of ``h_init`` are taken without error control (convergence tests).
    """
    n = x0.shape[0]
    n_out = t_out.shape[0]
    res = np.empty((n_out, n))
    sig_buf = np.empty(sig_ptr.shape[0] - 1)
    fb_buf = np.empty(fb_kind.shape[0])
    flux = np.empty(rate.shape[0])
    x = x0.copy()
    xn = np.empty(n)
    tmp = np.empty(n)
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    k5 = np.empty(n)
    k6 = np.empty(n)
    k7 = np.empty(n)
    args = (src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_params,
            fb_offset, fb_scale, sig_buf, fb_buf, flux)
    t = t0
    h = h_init
    t_end = t_out[n_out - 1]
    rhs_into(t, x, k1, *args)
    n_steps = 0
    n_rej = 0
    err_old = 1e-4
    i_out = 0
    while i_out < n_out and t_out[i_out] <= t:
        for j in range(n):
            res[i_out, j] = x[j]
        i_out += 1
    while i_out < n_out:
        if h > max_step:
            h = max_step
        last = False
        if t + h >= t_end - 1e-12 * max(1.0, abs(t_end)):
            h = t_end - t
            last = True
        for j in range(n):
            tmp[j] = x[j] + h * A21 * k1[j]
        rhs_into(t + C2 * h, tmp, k2, *args)
        for j in range(n):
            tmp[j] = x[j] + h * (A31 * k1[j] + A32 * k2[j])
        rhs_into(t + C3 * h, tmp, k3, *args)
        for j in range(n):
            tmp[j] = x[j] + h * (A41 * k1[j] + A42 * k2[j] + A43 * k3[j])
        rhs_into(t + C4 * h, tmp, k4, *args)
        for j in range(n):
            tmp[j] = x[j] + h * (A51 * k1[j] + A52 * k2[j] + A53 * k3[j] + A54 * k4[j])
        rhs_into(t + C5 * h, tmp, k5, *args)
        for j in range(n):
            tmp[j] = x[j] + h * (A61 * k1[j] + A62 * k2[j] + A63 * k3[j] + A64 * k4[j] + A65 * k5[j])
        rhs_into(t + h, tmp, k6, *args)
        for j in range(n):
            xn[j] = x[j] + h * (B1 * k1[j] + B3 * k3[j] + B4 * k4[j] + B5 * k5[j] + B6 * k6[j])
        rhs_into(t + h, xn, k7, *args)
        err = 0.0
        if not fixed_step:
            for j in range(n):
                e = h * (E1 * k1[j] + E3 * k3[j] + E4 * k4[j] + E5 * k5[j] + E6 * k6[j] + E7 * k7[j])
                sc = atol[j] + rtol * max(abs(x[j]), abs(xn[j]))
                err += (e / sc) ** 2
            err = math.sqrt(err / n)
        if err <= 1.0:
            t_new = t_end if last else t + h
            # outputs inside (t, t_new]: dense output, clipped at zero (cell numbers cannot be negative)
            while i_out < n_out and t_out[i_out] <= t_new + 1e-12 * max(1.0, abs(t_new)):
                theta = (t_out[i_out] - t) / h
                if theta >= 1.0 or last and i_out == n_out - 1:
                    for j in range(n):
                        res[i_out, j] = max(xn[j], 0.0)
                else:
                    th1 = 1.0 - theta
                    for j in range(n):
                        r2 = xn[j] - x[j]
                        r3 = h * k1[j] - r2
                        r4 = r2 - h * k7[j] - r3
                        r5 = h * (D1 * k1[j] + D3 * k3[j] + D4 * k4[j] + D5 * k5[j] + D6 * k6[j] + D7 * k7[j])
                        v = x[j] + theta * (r2 + th1 * (r3 + theta * (r4 + th1 * r5)))
                        res[i_out, j] = v if v > 0.0 else 0.0
                i_out += 1
            clipped = False
            for j in range(n):
                if xn[j] < 0.0:
                    xn[j] = 0.0  # positivity projection
                    clipped = True
                x[j] = xn[j]
            t = t_new
            if clipped:
                rhs_into(t, x, k1, *args)
            else:
                for j in range(n):
                    k1[j] = k7[j]
            n_steps += 1
            if not fixed_step:
                h = h * _pi_factor(err, err_old)
                err_old = max(err, 1e-4)
        else:
            n_rej += 1
            h = h * max(0.2, 0.9 * err ** -(0.2 - 0.75 * PI_BETA))
            if h < 1e-12 * max(1.0, abs(t)):
                return res, n_steps, n_rej, 1
    return res, n_steps, n_rej, 0


@njit(parallel=True, cache=True)
def steady_state_batch(X0, t, SCALE, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
                       fb_signal, FB_PARAMS, fb_offset, fb_scale, tol, max_iter, first_step_days):  # pragma: no cover
    """Newton's method on dx/dt = 0 for every patient (states scaled by SCALE, time frozen at t).

    ``first_step_days`` > 0 turns it into pseudo-transient continuation: each step is an implicit Euler step
    (I/h - J) dx = f whose length h starts there and doubles while the residual does not blow up, so the
    iteration follows the dynamics towards the attracting fixed point before it turns into Newton; for fixed
    points whose slow modes (decades) mislead plain Newton. 0 = plain (chord) Newton.

    Returns (states (N, n), status (N,)): status 0 = converged (largest |dx/dt| / gross flux < tol).
    States that start at exactly zero (drug amounts, donor cells before a graft, lineages a genotype
    cannot make) are pinned there: nothing feeds them at the fixed point, and leaving them free would
    make the Jacobian singular.
    """
    N, n = X0.shape
    X = X0.copy()
    status = np.ones(N, dtype=np.int64)
    for p in prange(N):
        sig_buf = np.empty(sig_ptr.shape[0] - 1)
        fb_buf = np.empty(fb_kind.shape[0])
        flux = np.empty(RATE.shape[1])
        x = X0[p].copy()
        sc = SCALE[p]
        f0 = np.empty(n)
        f1 = np.empty(n)
        xe = np.empty(n)
        J = np.empty((n, n))
        Jinv = np.empty((n, n))
        dx = np.empty(n)
        h = first_step_days
        last_worst = -1.0
        for it in range(max_iter + 1):
            rhs_into(t, x, f0, src, dst, RATE[p], consume, YLD[p], flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
                     fb_signal, FB_PARAMS[p], fb_offset, fb_scale, sig_buf, fb_buf, flux)
            # residual relative to the gross flux through each state
            worst = 0.0
            for j in range(n):
                gross = 0.0
                for f in range(flux.shape[0]):
                    if src[f] == j:
                        gross += consume[f] * flux[f]
                    if dst[f] == j:
                        gross += YLD[p, f] * flux[f]
                r = abs(f0[j]) / gross if gross > 0.0 else abs(f0[j])
                if X0[p, j] != 0.0:
                    worst = max(worst, r)
            if worst < tol:
                status[p] = 0
                break
            if it == max_iter:
                break
            if h > 0.0:
                if last_worst > 0.0:  # longer steps while the residual does not blow up, shorter if it does
                    h = min(2.0 * h, 1e15) if worst < 2.0 * last_worst else max(0.25 * h, first_step_days)
                last_worst = worst
            if it % 6 == 0:  # chord Newton: refresh the finite-difference Jacobian every few iterations
                for c in range(n):
                    for j in range(n):
                        xe[j] = x[j]
                    eps = 1e-7 * max(abs(x[c]), sc[c])
                    xe[c] += eps
                    rhs_into(t, xe, f1, src, dst, RATE[p], consume, YLD[p], flow_fb, sig_ptr, sig_idx, sig_w,
                             fb_kind, fb_signal, FB_PARAMS[p], fb_offset, fb_scale, sig_buf, fb_buf, flux)
                    for j in range(n):
                        J[j, c] = (f1[j] - f0[j]) / eps
                for j in range(n):  # pinned states: decoupled, unit diagonal
                    if X0[p, j] == 0.0:
                        for c in range(n):
                            J[j, c] = 0.0
                            J[c, j] = 0.0
                        J[j, j] = -1.0
                if h <= 0.0:
                    Jinv[:, :] = np.linalg.inv(J)
            if h > 0.0:  # implicit Euler step of length h: (J - I/h) dx = -f
                for j in range(n):
                    for c in range(n):
                        Jinv[j, c] = J[j, c]
                    if X0[p, j] != 0.0:
                        Jinv[j, j] -= 1.0 / h
                Jinv[:, :] = np.linalg.inv(Jinv)
            for j in range(n):
                acc = 0.0
                for c in range(n):
                    acc -= Jinv[j, c] * f0[c]
                dx[j] = acc
            for j in range(n):  # pinned states stay at zero (the line search below skips them)
                if X0[p, j] == 0.0:
                    dx[j] = 0.0
            step = 1.0
            for _ in range(30):  # keep every state positive
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
        for j in range(n):
            X[p, j] = x[j]
    return X, status
