"""Dormand-Prince 5(4), written once for both numba integrators.

The tableau, the stage combinations, the error estimate, the order-4 dense output, the positivity projection
and the PI step-size control, shared by the single-patient integrator (:func:`hemasim.solvers._kernel.dopri5`)
and the lock-step cohort one (:func:`hemasim.solvers._lockstep.integrate_lockstep`). The helpers work on flat
state vectors: a lock-step chunk passes C-ordered views of its (n, B) arrays, so one loop serves both. Slopes are
stacked: ``K[i]`` is the slope of stage i (0..6; ``K[6]`` is the slope at the new state, reused as the next
step's ``K[0]``).

``inline="always"`` inlines them in numba's IR, so each caller compiles them with its own flags (the lock-step
kernel uses fastmath).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Dormand-Prince 5(4) tableau: stage i evaluates the slope at t + STAGE_TIME[i] h, x + h sum_k STAGE_A[i, k] K[k].
# Row 6 is the fifth-order solution (the new state; first same as last).
STAGE_TIME = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
STAGE_A = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [1 / 5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3 / 40, 9 / 40, 0.0, 0.0, 0.0, 0.0, 0.0],
    [44 / 45, -56 / 15, 32 / 9, 0.0, 0.0, 0.0, 0.0],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729, 0.0, 0.0, 0.0],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656, 0.0, 0.0],
    [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0],
])
N_STAGES = 7
# Error estimate (fifth- minus fourth-order solution), per unit step
E1, E3, E4, E5, E6, E7 = 71 / 57600, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40
# Dense output (continuous extension of order 4; Hairer, Norsett & Wanner, Solving ODEs I, DOPRI5 code)
D1, D3, D4, D5 = -12715105075 / 11282082432, 87487479700 / 32700410799, -10690763975 / 1880347072, \
    701980252875 / 199316789632
D6, D7 = -1453857185 / 822651844, 69997945 / 29380423

# Step-size control: the PI controller of Hairer's DOPRI5 (beta = 0.08, advised near the stability limit,
# where this model's steps sit: its fastest eigenvalues are about -1.5/day)
PI_BETA = 0.08
# Steps smaller than this fraction of |t| (or of one day) count as an underflow
MIN_RELATIVE_STEP = 1e-12


@njit(inline="always")
def stage_state(stage, h, x, K, out):  # pragma: no cover - compiled
    """out = x + h * sum_k STAGE_A[stage, k] K[k] (k < stage): where stage ``stage`` takes its slope.

    Callers pass ``stage`` as a literal: the compiler then unrolls the sum with the coefficients as constants.
    """
    for j in range(x.shape[0]):
        acc = STAGE_A[stage, 0] * K[0, j]
        for k in range(1, stage):
            if STAGE_A[stage, k] != 0.0:
                acc += STAGE_A[stage, k] * K[k, j]
        out[j] = x[j] + h * acc


@njit(inline="always")
def scaled_error_squares(h, x, xn, K, atol, rtol, out):  # pragma: no cover - compiled
    """out[j] = (error estimate of x[j] / (atol[j] + rtol max(|x[j]|, |xn[j]|)))^2."""
    for j in range(x.shape[0]):
        e = h * (E1 * K[0, j] + E3 * K[2, j] + E4 * K[3, j] + E5 * K[4, j] + E6 * K[5, j] + E7 * K[6, j])
        sc = atol[j] + rtol * max(abs(x[j]), abs(xn[j]))
        out[j] = (e / sc) ** 2


@njit(inline="always")
def dense_state(theta, at_step_end, h, x, xn, K, out):  # pragma: no cover - compiled
    """The state at t + theta h inside an accepted step (order-4 dense output), clipped at zero (cell numbers
    cannot be negative); the new state itself when ``at_step_end``."""
    if at_step_end:
        for j in range(x.shape[0]):
            out[j] = max(xn[j], 0.0)
        return
    th1 = 1.0 - theta
    for j in range(x.shape[0]):
        r2 = xn[j] - x[j]
        r3 = h * K[0, j] - r2
        r4 = r2 - h * K[6, j] - r3
        r5 = h * (D1 * K[0, j] + D3 * K[2, j] + D4 * K[3, j] + D5 * K[4, j] + D6 * K[5, j] + D7 * K[6, j])
        v = x[j] + theta * (r2 + th1 * (r3 + theta * (r4 + th1 * r5)))
        out[j] = v if v > 0.0 else 0.0  # noqa: FURB136 - as before the split (max() may differ on NaN)


@njit(inline="always")
def accept_state(x, xn):  # pragma: no cover - compiled
    """x = xn projected on x >= 0; True if a component was clipped (its slope must then be recomputed)."""
    clipped = False
    for j in range(x.shape[0]):
        v = xn[j]
        if v < 0.0:
            v = 0.0
            clipped = True
        xn[j] = v
        x[j] = v
    return clipped


@njit(inline="always")
def reuse_last_slope(K):  # pragma: no cover - compiled
    """First same as last: the slope at the new state is the next step's first slope."""
    for j in range(K.shape[1]):
        K[0, j] = K[N_STAGES - 1, j]


@njit(inline="always")
def limit_step(t, h, t_end, max_step):  # pragma: no cover - compiled
    """The step to try from t: at most max_step, and landing exactly on t_end when close. Returns (h, last)."""
    h = min(h, max_step)
    if t + h >= t_end - MIN_RELATIVE_STEP * max(1.0, abs(t_end)):
        return t_end - t, True
    return h, False


@njit(inline="always")
def output_due(t_output, t_new):  # pragma: no cover - compiled
    """Whether an output time lies inside the step that has just reached t_new."""
    return t_output <= t_new + MIN_RELATIVE_STEP * max(1.0, abs(t_new))


@njit(inline="always")
def grown_step(h, err, err_old):  # pragma: no cover - compiled
    """The next step after an accepted one (PI control on the error norms of this and the last accepted step)."""
    if err == 0.0:
        return h * 10.0
    fac = 0.9 * err ** -(0.2 - 0.75 * PI_BETA) * err_old**PI_BETA
    return h * min(10.0, max(0.2, fac))


@njit(inline="always")
def shrunk_step(h, err):  # pragma: no cover - compiled
    """The step to retry after a rejected one."""
    return h * max(0.2, 0.9 * err ** -(0.2 - 0.75 * PI_BETA))


@njit(inline="always")
def step_underflow(h, t):  # pragma: no cover - compiled
    return h < MIN_RELATIVE_STEP * max(1.0, abs(t))


__all__ = ["N_STAGES", "STAGE_TIME", "accept_state", "dense_state", "grown_step", "limit_step", "output_due",
           "reuse_last_slope", "scaled_error_squares", "shrunk_step", "stage_state", "step_underflow"]
