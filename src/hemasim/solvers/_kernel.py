"""The numba kernel: right-hand side and an adaptive Dormand-Prince 5(4) integrator.

Imported only when a compiled solver runs (numba is slow to import). Compiled once and cached
on disk (``cache=True``); the same machine code serves every model, since a model is data.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

DAYS_PER_YEAR = 365.25
HILL_RATIO = 0
AGE_DECLINE = 1


@njit(cache=True, fastmath=False)
def rhs_into(t, x, out, src, dst, rate, consume, yld, flow_fb, signal_w, fb_kind, fb_signal, fb_params,
             fb_offset, fb_scale, sig_buf, fb_buf):  # pragma: no cover - compiled
    n = x.shape[0]
    for i in range(signal_w.shape[0]):
        acc = 0.0
        for j in range(n):
            w = signal_w[i, j]
            if w != 0.0:
                xj = x[j]
                if xj > 0.0:
                    acc += w * xj
        sig_buf[i] = acc
    for k in range(fb_kind.shape[0]):
        kind = fb_kind[k]
        if kind == HILL_RATIO:
            s = sig_buf[fb_signal[k]]
            if s < 0.0:
                s = 0.0
            c = fb_params[k, 1]
            g = (1.0 + c) / (1.0 + c * (s / fb_params[k, 0]) ** fb_params[k, 2])
        else:  # AGE_DECLINE
            age = fb_params[k, 0] + fb_params[k, 4] * t / DAYS_PER_YEAR
            onset = fb_params[k, 2]
            g = math.exp(-fb_params[k, 1] * (max(age, onset) - max(fb_params[k, 3], onset)))
        fb_buf[k] = fb_offset[k] + fb_scale[k] * g
    for i in range(n):
        out[i] = 0.0
    for f in range(rate.shape[0]):
        flux = rate[f]
        s = src[f]
        if s >= 0:
            xs = x[s]
            if xs <= 0.0:
                continue
            flux *= xs
        for j in range(flow_fb.shape[1]):
            idx = flow_fb[f, j]
            if idx < 0:
                break
            flux *= fb_buf[idx]
        if s >= 0:
            out[s] -= consume[f] * flux
        d = dst[f]
        if d >= 0:
            out[d] += yld[f] * flux


# Dormand-Prince 5(4) tableau
C2, C3, C4, C5 = 1 / 5, 3 / 10, 4 / 5, 8 / 9
A21 = 1 / 5
A31, A32 = 3 / 40, 9 / 40
A41, A42, A43 = 44 / 45, -56 / 15, 32 / 9
A51, A52, A53, A54 = 19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729
A61, A62, A63, A64, A65 = 9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656
B1, B3, B4, B5, B6 = 35 / 384, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84
E1, E3, E4, E5, E6, E7 = 71 / 57600, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40


@njit(cache=True)
def dopri5(x0, t0, t_out, rtol, atol, h_init, max_step, fixed_step, src, dst, rate, consume, yld, flow_fb,
           signal_w, fb_kind, fb_signal, fb_params, fb_offset, fb_scale):  # pragma: no cover - compiled
    """Integrate from t0 and return states at each of the increasing times ``t_out``.

    Returns (states (len(t_out), n), n_steps, n_rejected, status); status 0 = ok, 1 = step underflow.
    With ``fixed_step`` true, steps of ``h_init`` are taken without error control (used by the
    convergence-order tests).
    """
    n = x0.shape[0]
    n_out = t_out.shape[0]
    res = np.empty((n_out, n))
    sig_buf = np.empty(signal_w.shape[0])
    fb_buf = np.empty(fb_kind.shape[0])
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
    args = (src, dst, rate, consume, yld, flow_fb, signal_w, fb_kind, fb_signal, fb_params, fb_offset,
            fb_scale, sig_buf, fb_buf)
    t = t0
    h = h_init
    rhs_into(t, x, k1, *args)
    n_steps = 0
    n_rej = 0
    i_out = 0
    while i_out < n_out and t_out[i_out] <= t:
        for j in range(n):
            res[i_out, j] = x[j]
        i_out += 1
    while i_out < n_out:
        t_target = t_out[i_out]
        hit = False
        if h > max_step:
            h = max_step
        h_prop = h
        if t + h >= t_target - 1e-12 * max(1.0, abs(t_target)):
            h = t_target - t
            hit = True
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
        if fixed_step:
            err = 0.0
        else:
            err = 0.0
            for j in range(n):
                e = h * (E1 * k1[j] + E3 * k3[j] + E4 * k4[j] + E5 * k5[j] + E6 * k6[j] + E7 * k7[j])
                sc = atol[j] + rtol * max(abs(x[j]), abs(xn[j]))
                err += (e / sc) ** 2
            err = math.sqrt(err / n)
        if err <= 1.0:
            t = t_target if hit else t + h
            clipped = False
            for j in range(n):
                if xn[j] < 0.0:
                    xn[j] = 0.0  # positivity projection: cell numbers cannot be negative
                    clipped = True
                x[j] = xn[j]
            if clipped:
                rhs_into(t, x, k1, *args)
            else:
                for j in range(n):
                    k1[j] = k7[j]
            n_steps += 1
            while i_out < n_out and t_out[i_out] <= t + 1e-12 * max(1.0, abs(t)):
                for j in range(n):
                    res[i_out, j] = x[j]
                i_out += 1
            if not fixed_step:
                fac = 10.0 if err == 0.0 else min(10.0, max(0.2, 0.9 * err ** -0.2))
                # after a step shortened to land on an output time, resume the proposed step
                h = max(h * fac, h_prop) if hit and fac >= 1.0 else h * fac
        else:
            n_rej += 1
            h = h * max(0.2, 0.9 * err ** -0.2)
            if h < 1e-12 * max(1.0, abs(t)):
                return res, n_steps, n_rej, 1
    return res, n_steps, n_rej, 0
