"""numba kernels of the clonal engines: the weekly division step of :class:`hemasim.clonal.NeutralHSCPool` and the
Kendall step of the CH populations (:mod:`hemasim.clonal.ch`).

They draw from the caller's ``numpy.random.Generator`` (numba shares its PCG64 state and uses NumPy's own
algorithms for Poisson, binomial, gamma and uniform draws), in exactly the order the numpy code they replace drew,
with the same floating-point expressions: same seed, same clones, bit for bit (tests/test_clonal_kernels.py
checks it against the numpy reference kept in those modules). Where NumPy draws a multinomial, the kernel draws
the binomials NumPy's ``random_multinomial`` draws. The Poisson draw for small means (NumPy's multiplication
method) is written out here so that exp(-mean), a function of the integer clone size only, is computed once
per size; it consumes the same uniforms as NumPy's.

Imported only when a clonal run starts (numba is slow to import); compiled once and cached on disk.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from hemasim.solvers._cache import ensure_numba_cache

ensure_numba_cache(__file__)  # a writable cache folder, before the cache=True functions below are defined

#: clone sizes up to this have exp(-mean) of their Poisson division count tabulated (larger ones compute it)
_TABLE_SIZE = 4096


#: binomial draws of up to this many trials, with a probability fixed over a step, use tabulated (1 - p)^n
_BINOMIAL_TABLE_SIZE = 64


@njit(cache=True)
def _binomial_table(p, out):  # pragma: no cover - compiled
    """For NumPy's ``random_binomial(n, p)``: the probability its inversion method uses (p or 1 - p, whichever
    is <= 1/2) and, per n, (1 - that)^n, computed as NumPy computes it. Returns the probability used."""
    r = p if p <= 0.5 else 1.0 - p
    log_q = math.log(1.0 - r)
    for n in range(out.shape[0]):
        out[n] = math.exp(n * log_q)
    return r


@njit(cache=True, inline="always")  # inlined: a call passing the generator costs more than the draw
def _binomial(rng, n, p, r, q_to_n):  # pragma: no cover - compiled
    """NumPy's ``random_binomial(n, p)`` (same uniforms, same result), with (1 - r)^n from :func:`_binomial_table`
    for small n; the rest (large n, the BTPE method) is NumPy's own through numba."""
    if n == 0 or p == 0.0:
        return 0
    if n >= q_to_n.shape[0] or r * n > 30.0:
        return rng.binomial(n, p)
    q = 1.0 - r
    qn = q_to_n[n]
    mean = n * r
    bound = min(n, mean + 10.0 * math.sqrt(mean * q + 1))
    x = 0
    px = qn
    u = rng.random()
    while u > px:
        x += 1
        if x > bound:
            x = 0
            px = qn
            u = rng.random()
        else:
            u -= px
            px = ((n - x + 1) * r * px) / (x * q)
    return x if p <= 0.5 else n - x


@njit(cache=True)
def poisson_exp_table(rate_dt):  # pragma: no cover - compiled
    """exp(-rate_dt * size) for sizes 0 .. _TABLE_SIZE - 1, as NumPy's Poisson draw computes it."""
    table = np.empty(_TABLE_SIZE)
    for s in range(_TABLE_SIZE):
        table[s] = math.exp(-(rate_dt * float(s)))
    return table


@njit(cache=True)
def _divisions(rng, sizes, alive, n_alive, rate_dt, exp_table, div, dividers):  # pragma: no cover - compiled
    """Poisson(rate_dt * size) divisions of each listed clone, drawn in array order as NumPy's ``poisson`` of the
    size array draws them (a clone of size 0 draws nothing). The clones that divide go to ``dividers``; returns
    (how many, total divisions)."""
    n_dividers = 0
    total = 0
    for j in range(n_alive):
        i = alive[j]
        size = sizes[i]
        if size == 0:
            continue
        lam = rate_dt * float(size)
        if lam < 10.0:  # NumPy's multiplication method, written out: exp(-lam) from the table
            exp_minus_lam = exp_table[size] if size < exp_table.shape[0] else math.exp(-lam)
            k = 0
            prod = rng.random()
            while prod > exp_minus_lam:
                k += 1
                prod *= rng.random()
        else:
            k = rng.poisson(lam)
        if k > 0:
            div[i] = k
            dividers[n_dividers] = i
            n_dividers += 1
            total += k
    return n_dividers, total


@njit(cache=True)
def _stay_probability(total, niche_feedback, a_max, hill, n_star):  # pragma: no cover - compiled
    """NeutralHSCPool.stay_probability, the same expression."""
    if not niche_feedback:
        return 0.5
    c = 2.0 * a_max - 1.0
    return 0.5 * ((1.0 + c) / (1.0 + c * (float(total) / n_star) ** hill))


@njit(cache=True)
def _outcomes_neutral(rng, a, sizes, div, dividers, n_dividers, q_renew, q_asym):  # pragma: no cover - compiled
    """Every clone's self-renewing and differentiating divisions as NumPy's multinomial (renew, asymmetric,
    differentiate) draws them: two binomials per clone in turn. Returns the change of the pool size."""
    p_renew = a * a
    p_asym = 2.0 * a * (1.0 - a) / (1.0 - p_renew)  # the multinomial's second probability, given not the first
    r_renew = _binomial_table(p_renew, q_renew)
    r_asym = _binomial_table(p_asym, q_asym)
    change = 0
    for j in range(n_dividers):
        i = dividers[j]
        k = div[i]
        renew = _binomial(rng, k, p_renew, r_renew, q_renew)
        rest = k - renew
        diff = 0
        if rest > 0:
            rest -= _binomial(rng, rest, p_asym, r_asym, q_asym)
            if rest > 0:
                diff = rest
        new = max(sizes[i] + renew - diff, 0)
        change += new - sizes[i]
        sizes[i] = new
    return change


@njit(cache=True)
def _outcomes_advantage(rng, a, sizes, advantage, div, dividers, n_dividers, renew, q_renew,
                        q_diff):  # pragma: no cover - compiled
    """As :func:`_outcomes_neutral` when some clone has an advantage: NumPy's path draws every clone's
    self-renewals (binomial), then every clone's differentiations among the rest. Returns the pool size change."""
    p_renew0 = a * a  # a clone without advantage: ai = a, tabulated
    p_diff0 = (1.0 - a) * (1.0 - a) / max(1.0 - a * a, 1e-300) if a < 1.0 else 0.0
    r_renew0 = _binomial_table(p_renew0, q_renew)
    r_diff0 = _binomial_table(p_diff0, q_diff)
    for j in range(n_dividers):
        i = dividers[j]
        if advantage[i] == 0.0:
            renew[i] = _binomial(rng, div[i], p_renew0, r_renew0, q_renew)
        else:
            ai = min(a * (1.0 + advantage[i]), 1.0)
            renew[i] = rng.binomial(div[i], ai * ai)
    change = 0
    for j in range(n_dividers):
        i = dividers[j]
        if advantage[i] == 0.0:
            diff = _binomial(rng, div[i] - renew[i], p_diff0, r_diff0, q_diff)
        else:
            ai = min(a * (1.0 + advantage[i]), 1.0)
            q = (1.0 - ai) * (1.0 - ai) / max(1.0 - ai * ai, 1e-300) if ai < 1.0 else 0.0
            diff = rng.binomial(div[i] - renew[i], q)
        new = max(sizes[i] + renew[i] - diff, 0)
        change += new - sizes[i]
        sizes[i] = new
    return change


@njit(cache=True)
def _compact(sizes, advantage, alive, n_alive):  # pragma: no cover - compiled
    """Drop the clones of size 0 from ``alive[:n_alive]`` (order kept); returns (n alive, how many of them have an
    advantage)."""
    m = 0
    with_advantage = 0
    for j in range(n_alive):
        i = alive[j]
        if sizes[i] > 0:
            alive[m] = i
            m += 1
            if advantage[i] != 0.0:
                with_advantage += 1
    return m, with_advantage


@njit(cache=True)
def pool_steps(rng, sizes, advantage, alive, n_alive, n_steps, rate_dt, exp_table, dt_days, niche_feedback,
               a_max, hill, n_star, cell_days):  # pragma: no cover - compiled
    """``n_steps`` division steps of a clone-resolved HSC pool (NeutralHSCPool's step without driver arrivals
    or mutations): ``sizes`` updated in place, ``alive[:n]`` the indices of the clones alive after the last
    step, in order. Returns (n, divisions, cell-days lived so far).

    As in NumPy's step, the first step sees every clone given (size 0 too: NumPy drops them after a step) and
    later steps only the living; dead clones stay listed until a fair share has died (they draw nothing)."""
    n = sizes.shape[0]
    div = np.zeros(n, dtype=np.int64)
    renew = np.zeros(n, dtype=np.int64)
    dividers = np.empty(n, dtype=np.int64)
    q_renew = np.empty(_BINOMIAL_TABLE_SIZE)
    q_other = np.empty(_BINOMIAL_TABLE_SIZE)
    total = 0
    with_advantage = 0
    for j in range(n_alive):
        total += sizes[alive[j]]
        if advantage[alive[j]] != 0.0:
            with_advantage += 1
    listed_dead = 0
    divisions = 0
    for step in range(n_steps):
        a = _stay_probability(total, niche_feedback, a_max, hill, n_star)
        n_dividers, step_divisions = _divisions(rng, sizes, alive, n_alive, rate_dt, exp_table, div, dividers)
        divisions += step_divisions
        cell_days += float(total) * dt_days
        if with_advantage > 0:
            total += _outcomes_advantage(rng, a, sizes, advantage, div, dividers, n_dividers, renew, q_renew, q_other)
        else:
            total += _outcomes_neutral(rng, a, sizes, div, dividers, n_dividers, q_renew, q_other)
        for j in range(n_dividers):
            i = dividers[j]
            div[i] = 0
            if sizes[i] == 0:
                listed_dead += 1
                if advantage[i] != 0.0:
                    with_advantage -= 1
        if step == 0 or listed_dead * 8 > n_alive or step == n_steps - 1:
            n_alive, with_advantage = _compact(sizes, advantage, alive, n_alive)
            listed_dead = 0
    return n_alive, divisions, cell_days
