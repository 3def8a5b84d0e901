"""Additive Runge-Kutta ARK4(3)6L[2]SA (Kennedy & Carpenter 2003), written once for both numba IMEX integrators.

The right-hand side is split f(y) = f_E(y) + f_I(y) with f_I(y) = L y linear: L holds the first-order flows whose
graph (source -> target) has no cycle (the transit chains, maturation, death, drug elimination; see
:mod:`hemasim.solvers.split`), each with its rate times its feedback multipliers frozen at the start of the step,
and f_E = f - L y the rest (zero-order sources, self-renewal and proliferation, and the change of the feedbacks
within the step). The explicit part is integrated with the ERK tableau, the implicit one with the ESDIRK tableau;
every implicit stage solves (I - h GAMMA L) Y = r, a lower-triangular system once the states are in the order of
the flow graph: one forward substitution, O(states + flows). Both tableaux share b and the embedded weights, so the
new state and the error estimate need only the total slopes K[i] = f(Y_i); the implicit slopes KI[i] = L Y_i are
kept for the next stages.

Coefficients: C. A. Kennedy and M. H. Carpenter, "Additive Runge-Kutta schemes for convection-diffusion-reaction
equations", Appl. Numer. Math. 44 (2003) 139-181, ARK4(3)6L[2]SA, as SUNDIALS ARKODE ships them
(``src/arkode/arkode_butcher_erk.def``: ARKODE_ARK436L2SA_ERK_6_3_4; ``arkode_butcher_dirk.def``:
ARKODE_ARK436L2SA_DIRK_6_3_4; LLNL/sundials, BSD-3-Clause). Order 4, embedded order 3; the ESDIRK part is
L-stable and stiffly accurate. tests/test_imex.py checks the order conditions to order 4 (coupling included).

Dense output: the quintic Hermite interpolant through the previous step's start and this step's ends (states and
slopes at the three; error O(h^6), :func:`quintic_weights`), which needs the slope at the new state, computed anyway
for the next step (the method is not first-same-as-last: its explicit last row differs from b); on a call's first
step, or after a step more than 5x shorter or 10x longer than the previous one, the cubic Hermite between the step's
ends (order 3, error ~h^4 x''''/384; the only dense output until the tenth session, ~1e-4 off the ANC between the
steps of a marrow depletion's first days, where the steps' own error is 2-5e-5 at rtol 3e-6: docs/performance.md,
goal 2, eighth round). Step control: the PI controller of :mod:`hemasim.solvers._dopri`, with the exponent of an
order-3 error estimate.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hemasim.solvers._dopri import PI_BETA

N_STAGES = 6
#: the diagonal of the ESDIRK tableau
GAMMA = 0.25
STAGE_TIME = np.array([0.0, 1 / 2, 83 / 250, 31 / 50, 17 / 20, 1.0])
# explicit (ERK) tableau, strictly lower triangular
EXPLICIT_A = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [1 / 2, 0.0, 0.0, 0.0, 0.0, 0.0],
    [13861 / 62500, 6889 / 62500, 0.0, 0.0, 0.0, 0.0],
    [-116923316275 / 2393684061468, -2731218467317 / 15368042101831, 9408046702089 / 11113171139209, 0.0, 0.0,
     0.0],
    [-451086348788 / 2902428689909, -2682348792572 / 7519795681897, 12662868775082 / 11960479115383,
     3355817975965 / 11060851509271, 0.0, 0.0],
    [647845179188 / 3216320057751, 73281519250 / 8382639484533, 552539513391 / 3454668386233,
     3354512671639 / 8306763924573, 4040 / 17871, 0.0],
])
# implicit (ESDIRK) tableau below the diagonal (the diagonal is GAMMA, the first row zero: an explicit first stage)
IMPLICIT_A = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [1 / 4, 0.0, 0.0, 0.0, 0.0, 0.0],
    [8611 / 62500, -1743 / 31250, 0.0, 0.0, 0.0, 0.0],
    [5012029 / 34652500, -654441 / 2922500, 174375 / 388108, 0.0, 0.0, 0.0],
    [15267082809 / 155376265600, -71443401 / 120774400, 730878875 / 902184768, 2285395 / 8070912, 0.0, 0.0],
    [82889 / 524892, 0.0, 15625 / 83664, 69875 / 102672, -2260 / 8211, 0.0],
])
#: the order-4 weights (both tableaux)
WEIGHTS = np.array([82889 / 524892, 0.0, 15625 / 83664, 69875 / 102672, -2260 / 8211, 1 / 4])
#: the embedded order-3 weights (both tableaux)
EMBEDDED_WEIGHTS = np.array([4586570599 / 29645900160, 0.0, 178811875 / 945068544, 814220225 / 1159782912,
                             -3700637 / 11593932, 61727 / 225920])
ERROR_WEIGHTS = WEIGHTS - EMBEDDED_WEIGHTS
#: PI step control for an error estimate of order 3 (local error ~ h^4)
ERROR_EXPONENT = 0.25 - 0.75 * PI_BETA


@njit(inline="always")
def stage_input(stage, h, x, K, KI, out):  # pragma: no cover - compiled
    """out = x + h sum_{k < stage} (EXPLICIT_A[stage, k] (K[k] - KI[k]) + IMPLICIT_A[stage, k] KI[k]): the known
    part of stage ``stage`` (K: total slopes, KI: implicit ones; ``out`` must not be one of the inputs).

    ``stage`` is a variable (the caller's stage loop): the coefficients are read as data, and the sum runs one slope
    at a time over every state (a loop the compiler vectorises), adding the terms in the same order as a sum per
    state."""
    stage_slope_sum(stage, K, KI, out)
    for j in range(x.shape[0]):
        out[j] = x[j] + h * out[j]


@njit(inline="always")
def stage_slope_sum(stage, K, KI, out):  # pragma: no cover - compiled
    """out = sum_{k < stage} (EXPLICIT_A[stage, k] (K[k] - KI[k]) + IMPLICIT_A[stage, k] KI[k]) (:func:`stage_input`
    before x + h out)."""
    m = out.shape[0]
    for j in range(m):
        out[j] = 0.0
    for k in range(stage):
        ae = EXPLICIT_A[stage, k]
        ai_minus_ae = IMPLICIT_A[stage, k] - ae
        for j in range(m):
            out[j] += ae * K[k, j] + ai_minus_ae * KI[k, j]


@njit(inline="always")
def new_state(h, x, K, out):  # pragma: no cover - compiled
    """out = x + h sum_k WEIGHTS[k] K[k] (the order-4 solution)."""
    for j in range(x.shape[0]):
        out[j] = x[j] + h * weighted_slope(K, j)


@njit(inline="always")
def weighted_slope(K, j):  # pragma: no cover - compiled
    """sum_k WEIGHTS[k] K[k, j]: the order-4 solution's slope of state j."""
    acc = 0.0
    for k in range(N_STAGES):
        if WEIGHTS[k] != 0.0:
            acc += WEIGHTS[k] * K[k, j]
    return acc


@njit(inline="always")
def scaled_error_squares(h, x, xn, K, atol, rtol, out):  # pragma: no cover - compiled
    """out[j] = (error estimate of x[j] / (atol[j] + rtol max(|x[j]|, |xn[j]|)))^2."""
    for j in range(x.shape[0]):
        out[j] = scaled_error_square(h, x[j], xn[j], K, j, atol[j], rtol)


@njit(inline="always")
def scaled_error_square(h, x, xn, K, j, atol, rtol):  # pragma: no cover - compiled
    """(h sum_k ERROR_WEIGHTS[k] K[k, j] / (atol + rtol max(|x|, |xn|)))^2 for state j (x, xn: its old and new
    values)."""
    e = 0.0
    for k in range(N_STAGES):
        if ERROR_WEIGHTS[k] != 0.0:
            e += ERROR_WEIGHTS[k] * K[k, j]
    sc = atol + rtol * max(abs(x), abs(xn))
    return (h * e / sc) ** 2


@njit(inline="always")
def clip_negative(xn):  # pragma: no cover - compiled
    """xn projected on xn >= 0 (cell numbers cannot be negative)."""
    for j in range(xn.shape[0]):
        if xn[j] < 0.0:
            xn[j] = 0.0


@njit(inline="always")
def hermite_state(theta, h, x, xn, f0, f1, out):  # pragma: no cover - compiled
    """The state at t + theta h inside an accepted step (cubic Hermite through x, xn with slopes f0, f1), clipped
    at zero."""
    for j in range(x.shape[0]):
        out[j] = hermite_value(theta, h, x[j], xn[j], f0[j], f1[j])


@njit(inline="always")
def hermite_value(theta, h, x, xn, f0, f1):  # pragma: no cover - compiled
    """One state of :func:`hermite_state` (x, xn: its values at the step's ends; f0, f1: its slopes there)."""
    d = xn - x
    v = x + theta * d + theta * (theta - 1.0) * ((1.0 - 2.0 * theta) * d + (theta - 1.0) * h * f0 + theta * h * f1)
    return v if v > 0.0 else 0.0  # noqa: FURB136 - as the Dormand-Prince dense output


@njit(inline="always")
def cross_ends(cross_entry, split_flow, split_target, src):  # pragma: no cover - compiled
    """The source and target (-1: none) of each LINEAR multiplier entry's flow (both kernels)."""
    m = cross_entry.shape[0]
    cross_from = np.empty(m, dtype=np.int64)
    cross_into = np.empty(m, dtype=np.int64)
    for e in range(m):
        cross_from[e] = src[split_flow[cross_entry[e]]]
        cross_into[e] = split_target[cross_entry[e]]
    return cross_from, cross_into


@njit(inline="always")
def cross_derivative(rate, x_source, scale, slope, weight, raw, flow_fb, f, j, FB, b):  # pragma: no cover - compiled
    """d flux / d x_q of flow f by a state q its LINEAR multiplier j reads with weight ``weight`` (both kernels'
    entries of L, hemasim.solvers.split.ImplicitSplit.cross_*): the flux rate x_source prod_i F_i with
    F_j = offset + scale slope s_j gains rate x_source prod_(i != j) F_i scale slope w_q. FB[:, b]: the multipliers
    (b: the patient, 0 for one patient). Zero where the flow's coefficient ``raw`` is negative (L leaves such a flow
    out: its coefficient counts as zero there), but not where it is 0: a multiplier that is 0 at the step's start (a
    drug's kill slope C at C = 0, when an infusion starts) still has its slope, and the flux grows by it within the
    step (docs/performance.md, "A multiplier that is 0")."""
    c = rate * x_source * scale * slope * weight
    for i in range(flow_fb.shape[1]):
        if flow_fb[f, i] < 0:
            break
        c *= FB[flow_fb[f, i], b] if flow_fb[f, i] != j else 1.0
    if not raw >= 0.0:  # also NaN
        c = 0.0
    return c


#: the shortest and longest previous step, relative to the current one, with which the dense output uses it (the
#: quintic's weights grow like 1/r^3 for a previous step r times the current one; the controller grows a step by at
#: most 10x, and after a restart the first steps double)
HISTORY_RATIO_MIN = 0.2
HISTORY_RATIO_MAX = 10.0


@njit(inline="always")
def quintic_weights(theta, r, w):  # pragma: no cover - compiled
    """w[:] = the weights of the quintic Hermite interpolant at t + theta h through the previous step's start (at
    theta = -r: value, slope) and this step's ends (theta = 0, 1: values, slopes), in the order x_prev, h f_prev,
    x, h f0, xn, h f1 (the slopes scaled by this step h). Its error is O(h^6) (the cubic's: O(h^4)); derived with
    sympy as the Hermite basis polynomials of the nodes -r, 0, 1."""
    a = theta * theta * (theta - 1.0) * (theta - 1.0)  # theta^2 (theta - 1)^2
    b = (r + theta) * (r + theta)
    r1 = r + 1.0
    w[0] = a * (5.0 * r * r + 4.0 * r * theta + 3.0 * r + 2.0 * theta) / (r * r * r * r1 * r1 * r1)
    w[1] = a * (r + theta) / (r * r * r1 * r1)
    w[2] = b * (theta - 1.0) * (theta - 1.0) * (2.0 * r * theta + r - 2.0 * theta) / (r * r * r)
    w[3] = theta * b * (theta - 1.0) * (theta - 1.0) / (r * r)
    w[4] = -theta * theta * b * (2.0 * r * theta - 3.0 * r + 4.0 * theta - 5.0) / (r1 * r1 * r1)
    w[5] = theta * theta * b * (theta - 1.0) / (r1 * r1)


@njit(inline="always")
def quintic_value(w, h, xp, fp, x, xn, f0, f1):  # pragma: no cover - compiled
    """One state at the point whose :func:`quintic_weights` are ``w`` (xp, fp: its value and slope at the previous
    step's start; x, xn, f0, f1 as :func:`hermite_value`), clipped at zero."""
    v = w[0] * xp + w[2] * x + w[4] * xn + h * (w[1] * fp + w[3] * f0 + w[5] * f1)
    return v if v > 0.0 else 0.0  # noqa: FURB136 - as the cubic


@njit(inline="always")
def grown_step(h, err, err_old):  # pragma: no cover - compiled
    """The next step after an accepted one (PI control)."""
    if err == 0.0:
        return h * 10.0
    fac = 0.9 * err ** -ERROR_EXPONENT * err_old**PI_BETA
    return h * min(10.0, max(0.2, fac))


@njit(inline="always")
def shrunk_step(h, err):  # pragma: no cover - compiled
    """The step to retry after a rejected one."""
    return h * max(0.2, 0.9 * err ** -ERROR_EXPONENT)


__all__ = ["EMBEDDED_WEIGHTS", "EXPLICIT_A", "GAMMA", "HISTORY_RATIO_MAX", "HISTORY_RATIO_MIN", "IMPLICIT_A",
           "N_STAGES", "STAGE_TIME", "WEIGHTS", "clip_negative", "cross_derivative", "cross_ends", "grown_step",
           "hermite_state", "hermite_value", "new_state", "quintic_value", "quintic_weights", "scaled_error_square",
           "scaled_error_squares", "shrunk_step", "stage_input", "stage_slope_sum", "weighted_slope"]
