"""Direction 1 of goal 2, the cheapest experiment: does an exact treatment of the neutrophil chain cut the IMEX steps?

A one-patient ARK4(3)6L[2]SA in numpy (the tableau of :mod:`hemasim.solvers._ark`, the implicit flows of
:mod:`hemasim.solvers.split` as a dense matrix L frozen at each step's start, the PI control and cubic Hermite
output of the kernels), run as is ("ark") or with the 80-stage neutrophil maturation chain integrated exactly
("exact chain"): within a step the chain is x1' = u(t) - k(t) x1, xi' = k(t) (x(i-1) - xi), with one rate k(t) for
every stage (the maturation rate times its G-CSF-like speed-up, a Hill law of the blood neutrophils) and the
inflow u(t) (the last precursor's division). In the time tau = int k dt its solution is a Poisson propagator:
xm(h) = sum_j P(tau_h; m - j) xj(0) + int_0^h P(tau_h - tau(s); m - 1) u(s) ds, the integral by Gauss-Legendre
(exact up to rounding for the rate and inflow given: tested against Radau at 1e-12).

What the chain's exact value needs (docs/performance.md, goal 2, seventh round): k(s) and u(s) inside the step from
the step's ends (values and slopes: a cubic Hermite each, k's slope by a directional difference along the state's
slope), NOT interpolated through the ARK's stage values - the explicit tableau's stage values are only first-order
accurate, and an interpolant through them carries that error into the chain (~h^2 relative, never seen by an
error estimate built on the same values). The rest of the system needs only the last stage at the ARK's stage
times (the blood's inflow); those come from the same propagator with k and u interpolated through the stages so far.
Mass: the inflow's Hermite cubic is shifted so that its integral is the ARK's quadrature h sum b_j u_j (what the
precursor lost). Error estimate of the chain: its value with k linear between the step's ends instead of the
Hermite cubic.

Run: ``python bench/exponential_chain_prototype.py 4 3e-5,1e-5 [32]`` (patients, relative tolerances, patients
sharing each step as in a lock-step chunk; 1 unless given): steps per patient and the largest relative error of the four observables against the lock-step IMEX solver at rtol 1e-9.
Slow (numpy, ~10-40 s a run of 4 patients): an experiment, not a solver.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import gammaln

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_cohort  # noqa: E402

from hemasim.solvers import (  # noqa: E402
    AdditiveRungeKutta,
    Solution,
    SolverStats,
    _ark,
    observable_indices,
    patient_states,
    split,
)
from hemasim.solvers._dopri import PI_BETA  # noqa: E402

A_E, A_I, B, B_LOW, C = _ark.EXPLICIT_A, _ark.IMPLICIT_A, _ark.WEIGHTS, _ark.EMBEDDED_WEIGHTS, _ark.STAGE_TIME
GL_X, GL_W = np.polynomial.legendre.leggauss(24)
NODES = 0.5 * (GL_X + 1.0)  # Gauss-Legendre nodes on [0, 1]
#: the steps' accepted and rejected counts of the last solve, per patient
STEPS: list[float] = []


def linear_matrix(m: Any, sp: split.ImplicitSplit, t: float, x: np.ndarray) -> np.ndarray:
    """L at (t, x): the implicit flows' coefficients, multipliers frozen (a self-reading flow: its flux's derivative)."""
    fb = np.append(m.feedback_values(t, x)[0], 1.0)
    L = np.zeros((m.n_states, m.n_states))
    self_reading = set(sp.flow[sp.self_entry].tolist())
    flux0 = m.fluxes(t, x)[0]
    for f in sp.flow:
        s, d = m.src[f], m.dst[f]
        coef = m.rate[f] * np.prod(fb[m.flow_fb[f]])
        if f in self_reading and x[s] > 0:
            xp = x.copy()
            xp[s] += 1e-6 * x[s]
            coef = max((m.fluxes(t, xp)[0][f] - flux0[f]) / (1e-6 * x[s]), 0.0)
        L[s, s] -= m.consume[f] * coef
        if d >= 0:
            L[d, s] += m.yield_[f] * coef
    return L


def poisson_weights(tau: float, n: int) -> np.ndarray:
    """e^-tau tau^j / j!, j < n."""
    if tau <= 0.0:
        return np.eye(1, n)[0]
    j = np.arange(n)
    return np.exp(-tau + j * math.log(tau) - gammaln(j + 1))


def hermite(a0: float, a1: float, d0: float, d1: float):
    """The cubic on [0, 1] with values a0, a1 and slopes d0, d1 (per unit of theta) at its ends."""
    return lambda th: a0 + th * (a1 - a0) + th * (th - 1) * ((1 - 2 * th) * (a1 - a0) + (th - 1) * d0 + th * d1)


class ChainBlock:
    """The model's one long transit chain (:func:`hemasim.solvers.split.transit_chains_and_pools`)."""

    def __init__(self, m: Any) -> None:
        ((chain, pool),) = split.transit_chains_and_pools(m)
        self.stages, self.pool, self.n = chain, pool, len(chain)
        self.inflow = next(f for f in range(len(m.src)) if m.dst[f] == chain[0] and m.src[f] not in chain)
        if np.any(m.flow_fb[self.inflow] >= 0):
            raise ValueError("the prototype takes the chain's inflow as its rate times the precursor (no multiplier)")
        self.link = next(f for f in range(len(m.src)) if m.src[f] == chain[0] and m.dst[f] == chain[1])
        self.others = np.setdiff1d(np.arange(m.n_states), chain)

    def rate_and_inflow(self, m: Any, t: float, y: np.ndarray) -> tuple[float, float]:
        """k (/day) and u (cells/day) at (t, y)."""
        fb = np.append(m.feedback_values(t, y)[0], 1.0)
        flux_in = m.fluxes(t, y)[0][self.inflow]
        return m.rate[self.link] * np.prod(fb[m.flow_fb[self.link]]), m.yield_[self.inflow] * flux_in

    def propagate(self, x0: np.ndarray, h: float, rate, inflow) -> np.ndarray:
        return propagate_chain(x0, h, rate, inflow)


def propagate_chain(x0: np.ndarray, h: float, rate, inflow) -> np.ndarray:
    """A transit chain (len(x0) stages, one rate k for all, inflow u into the first) at t + h from x0 at t; rate
    and inflow: functions of theta in [0, 1] (k a polynomial of degree <= 5 there: its integral is exact from 6
    samples). What passes the last stage leaves."""
    n = len(x0)
    theta = np.linspace(0.0, 1.0, 6)
    tau_poly = np.polyint(np.polyfit(theta, rate(theta), 5))
    tau_h = h * np.polyval(tau_poly, 1.0)
    out = np.convolve(poisson_weights(tau_h, n), x0)[:n]
    tau_left = tau_h - h * np.polyval(tau_poly, NODES)
    u = inflow(NODES)
    for q in range(len(NODES)):
        out += 0.5 * h * GL_W[q] * u[q] * poisson_weights(tau_left[q], n)
    return out


def through(nodes: np.ndarray, values: np.ndarray, at: float, degree: int | None = None):
    """The interpolant through (nodes, values) as a function of theta in [0, 1] of the interval [0, at]."""
    deg = len(nodes) - 1 if degree is None else min(degree, len(nodes) - 1)
    poly = np.polyfit(nodes[-deg - 1:] / at, values[-deg - 1:], deg)
    return lambda th: np.polyval(poly, th)


def chain_stage(m: Any, ch: ChainBlock, t: float, h: float, i: int, x: np.ndarray, y: np.ndarray, r: np.ndarray,
                M: np.ndarray, L: np.ndarray, ks: list[float], us: list[float]) -> None:
    """Stage i's chain from the propagator (k extrapolated from the earlier stages, u through them and this one,
    whose precursor the solve has given), then the states after the chain solved again with it fixed."""
    u_i = ch.rate_and_inflow(m, t + C[i] * h, y)[1]
    rate = through(C[:i], np.array(ks), C[i], degree=2)
    inflow = through(C[: i + 1], np.append(us, u_i), C[i])
    y[ch.stages] = ch.propagate(x[ch.stages], C[i] * h, rate, inflow)
    rest = ch.others
    y[rest] = np.linalg.solve(M[np.ix_(rest, rest)], r[rest] + h * _ark.GAMMA * (L[np.ix_(rest, ch.stages)]
                                                                               @ y[ch.stages]))


def chain_step_end(m: Any, ch: ChainBlock, t: float, h: float, x: np.ndarray, xn: np.ndarray, f0: np.ndarray,
                   us: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """The chain's new value (k and u Hermite cubics between the step's ends, u's integral the ARK's h sum b u)
    and its error estimate (k linear instead)."""
    f1 = m.rhs(t + h, xn)
    delta = 1e-7  # days: k's slope along the state's slope
    k0, k1 = ch.rate_and_inflow(m, t, x)[0], ch.rate_and_inflow(m, t + h, xn)[0]
    dk0 = (ch.rate_and_inflow(m, t + delta, x + delta * f0)[0] - k0) / delta * h
    dk1 = (ch.rate_and_inflow(m, t + h + delta, xn + delta * f1)[0] - k1) / delta * h
    rate = hermite(k0, k1, dk0, dk1)
    q = m.src[ch.inflow]
    per_cell = m.yield_[ch.inflow] * m.rate[ch.inflow]  # the division's flux is its rate times the precursor
    u = hermite(per_cell * x[q], per_cell * xn[q], per_cell * h * f0[q], per_cell * h * f1[q])
    shift = B @ np.array(us) - (per_cell * (x[q] + xn[q]) / 2 + per_cell * h * (f0[q] - f1[q]) / 12)

    def inflow(th: np.ndarray) -> np.ndarray:
        return u(th) + shift

    new = ch.propagate(x[ch.stages], h, rate, inflow)
    low = ch.propagate(x[ch.stages], h, lambda th: k0 + th * (k1 - k0), inflow)
    return new, new - low


def ark_step(m: Any, sp: split.ImplicitSplit, ch: ChainBlock | None, t: float, h: float, x: np.ndarray,
             f0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One step: the new state and its error estimate."""
    n = m.n_states
    L = linear_matrix(m, sp, t, x)
    M = np.eye(n) - h * _ark.GAMMA * L
    K, KI = np.zeros((6, n)), np.zeros((6, n))
    K[0], KI[0] = f0, L @ x
    ks, us = ([*ch.rate_and_inflow(m, t, x)[:1]], [ch.rate_and_inflow(m, t, x)[1]]) if ch else ([], [])
    for i in range(1, 6):
        r = x + h * ((A_E[i, :i, None] * (K[:i] - KI[:i])).sum(0) + (A_I[i, :i, None] * KI[:i]).sum(0))
        y = np.linalg.solve(M, r)
        if ch:
            chain_stage(m, ch, t, h, i, x, y, r, M, L, ks, us)
        KI[i] = L @ y
        K[i] = m.rhs(t + C[i] * h, y)
        if ch:
            k_i, u_i = ch.rate_and_inflow(m, t + C[i] * h, y)
            ks.append(k_i)
            us.append(u_i)
    xn = x + h * (B[:, None] * K).sum(0)
    err = h * ((B - B_LOW)[:, None] * K).sum(0)
    if ch:
        xn[ch.stages], err[ch.stages] = chain_step_end(m, ch, t, h, x, xn, f0, us)
    return np.maximum(xn, 0.0), err


def ark_run(ms: list[Any], x0: np.ndarray, t0: float, t_out: np.ndarray, rtol: float, atol: np.ndarray,
            exact_chain: bool, max_step: float = 7.0, h: float = 0.05) -> tuple[np.ndarray, int, int]:
    """Patients ``ms`` (one-patient models; x0, atol: (patients, states)) from t0 in lock step, as a lock-step chunk:
    one shared step, controlled by the worst patient's error norm. The states at t_out (patients, times, states),
    accepted and rejected steps."""
    sp = split.implicit_split(ms[0])
    chains = [ChainBlock(m) if exact_chain else None for m in ms]
    x, t, t_end = x0.copy(), t0, t_out[-1]
    out = np.empty((len(ms), len(t_out), x0.shape[1]))
    i_out = int(np.searchsorted(t_out, t, side="right"))
    out[:, :i_out] = x[:, None]
    err_old, steps, rejected = 1e-4, 0, 0
    f0 = np.array([m.rhs(t, xi) for m, xi in zip(ms, x, strict=True)])
    while i_out < len(t_out):
        h = min(h, max_step)
        last = t + h >= t_end - 1e-12 * max(1.0, abs(t_end))
        if last:
            h = t_end - t
        new = [ark_step(m, sp, ch, t, h, xi, fi) for m, ch, xi, fi in zip(ms, chains, x, f0, strict=True)]
        xn = np.array([state for state, _ in new])
        e = np.array([estimate for _, estimate in new])
        err = float(np.max(np.sqrt(np.mean((e / (atol + rtol * np.maximum(np.abs(x), np.abs(xn)))) ** 2, axis=1))))
        if err > 1.0:
            rejected += 1
            h *= max(0.2, 0.9 * err ** -_ark.ERROR_EXPONENT)
            continue
        t_new = t_end if last else t + h
        f1 = np.array([m.rhs(t_new, xi) for m, xi in zip(ms, xn, strict=True)])
        while i_out < len(t_out) and t_out[i_out] <= t_new + 1e-12 * max(1.0, t_new):
            theta = (t_out[i_out] - t) / h
            at_end = theta >= 1.0 or (last and i_out == len(t_out) - 1)
            out[:, i_out] = xn if at_end else np.maximum(hermite(x, xn, h * f0, h * f1)(theta), 0.0)
            i_out += 1
        t, x, f0, steps = t_new, xn, f1, steps + 1
        fac = 10.0 if err == 0 else 0.9 * err ** -_ark.ERROR_EXPONENT * err_old**PI_BETA
        h *= min(10.0, max(0.2, fac))
        err_old = max(err, 1e-4)
    return out, steps, rejected


@dataclass(frozen=True)
class Prototype(AdditiveRungeKutta):
    """The numpy ARK above as a solver: groups of ``group`` patients share their steps (1: each patient alone; 32:
    as the lock-step kernel's chunks)."""

    exact_chain: bool = False
    group: int = 1

    def solve(self, model: Any, x0: np.ndarray, t0: float, t_out: np.ndarray, observe: Any = None) -> Solution:
        x = patient_states(model, x0)
        sel = None if observe is None else observable_indices(model, tuple(observe))
        n_patients = model.n_patients or 1
        values = np.empty((n_patients, len(t_out), model.n_states if sel is None else len(sel)))
        final = np.empty_like(x)
        atol = np.atleast_2d(self.atol(model))
        steps = 0.0
        for lo in range(0, n_patients, self.group):
            group = range(lo, min(n_patients, lo + self.group))
            ones = [model.patient(i) if model.n_patients else model for i in group]
            states, accepted, rejected = ark_run(ones, x[lo:lo + len(ones)], t0, np.asarray(t_out, float),
                                                 self.rtol, atol[lo:lo + len(ones)], self.exact_chain,
                                                 self.max_step_days)
            for i, one, st in zip(group, ones, states, strict=True):
                values[i] = st if sel is None else one.observables(t_out, st)[:, sel]
                final[i] = st[-1]
            steps += (accepted + rejected) * len(ones)
        STEPS.append(steps / n_patients)
        return Solution(np.asarray(t_out), values, final, SolverStats(integrations=1),
                        None if observe is None else tuple(observe))


def main(n: int, rtols: list[float], group: int = 1) -> None:
    from hemasim.assembly import build_events
    from hemasim.simulation import Simulation

    scenario, model, x0 = bench_cohort.prepare(n)

    def run(solver: Any) -> np.ndarray:
        STEPS.clear()
        return Simulation(model, solver, build_events(scenario)).run(
            scenario.duration_days, scenario.output.every_days, x0=x0, observe=list(bench_cohort.OBS)).values

    exact = run(AdditiveRungeKutta(rtol=1e-9))
    print("| variant | rtol | steps per patient | max relative error (patient, day, observable) |")
    print("| --- | --- | --- | --- |")
    for rtol in rtols:
        for chain in (False, True):
            cpu = time.process_time()
            values = run(Prototype(rtol=rtol, exact_chain=chain, group=group))
            err = np.abs(values - exact) / np.maximum(np.abs(exact), 1e-12)
            where = tuple(int(i) for i in np.unravel_index(err.argmax(), err.shape))
            print(f"| {'exact chain' if chain else 'ark'} | {rtol:g} | {sum(STEPS):.1f} | {err.max():.2e} {where} |"
                  f" <!-- {time.process_time() - cpu:.0f} s -->", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), [float(r) for r in sys.argv[2].split(",")], int(sys.argv[3]) if len(sys.argv) > 3 else 1)
