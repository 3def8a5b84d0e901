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


@njit(cache=True, inline="always")
def _binomial_attempt(u, n, p, r, q_to_n):  # pragma: no cover - compiled
    """One pass of NumPy's binomial inversion (``random_binomial_inversion``) for Binomial(n, p) with
    0 < n < len(q_to_n) and n r <= 30, from the uniform ``u``: the draw, or -1 where NumPy's walk passes its
    bound and starts again with a fresh uniform. (1 - r)^n comes from :func:`_binomial_table`.

    The uniform is drawn by the caller: inlined, a function that is passed the generator costs a reference
    count on every call, more than the draw itself."""
    q = 1.0 - r
    qn = q_to_n[n]
    mean = n * r
    bound = min(n, mean + 10.0 * math.sqrt(mean * q + 1))
    x = 0
    px = qn
    while u > px:
        x += 1
        if x > bound:
            return -1
        u -= px
        px = ((n - x + 1) * r * px) / (x * q)
    return x if p <= 0.5 else n - x


@njit(cache=True, inline="always")
def _by_table(n, p, r, q_to_n):  # pragma: no cover - compiled
    """Whether Binomial(n, p) is drawn by :func:`_binomial_attempt` (else 0 when n or p is 0, else NumPy's)."""
    return n > 0 and p != 0.0 and n < q_to_n.shape[0] and r * n <= 30.0


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
        if _by_table(k, p_renew, r_renew, q_renew):
            renew = -1
            while renew < 0:
                renew = _binomial_attempt(rng.random(), k, p_renew, r_renew, q_renew)
        else:
            renew = rng.binomial(k, p_renew)
        rest = k - renew
        diff = 0
        if rest > 0:
            if _by_table(rest, p_asym, r_asym, q_asym):
                asym = -1
                while asym < 0:
                    asym = _binomial_attempt(rng.random(), rest, p_asym, r_asym, q_asym)
            else:
                asym = rng.binomial(rest, p_asym)
            rest -= asym
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
            if _by_table(div[i], p_renew0, r_renew0, q_renew):
                renew_i = -1
                while renew_i < 0:
                    renew_i = _binomial_attempt(rng.random(), div[i], p_renew0, r_renew0, q_renew)
            else:
                renew_i = rng.binomial(div[i], p_renew0)
            renew[i] = renew_i
        else:
            ai = min(a * (1.0 + advantage[i]), 1.0)
            renew[i] = rng.binomial(div[i], ai * ai)
    change = 0
    for j in range(n_dividers):
        i = dividers[j]
        if advantage[i] == 0.0:
            rest = div[i] - renew[i]
            if _by_table(rest, p_diff0, r_diff0, q_diff):
                diff = -1
                while diff < 0:
                    diff = _binomial_attempt(rng.random(), rest, p_diff0, r_diff0, q_diff)
            else:
                diff = rng.binomial(rest, p_diff0)
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


# --- CH populations (hemasim.clonal.ch): the whole Kendall step of a chunk of people, compiled -----------------
# Not the numpy path's stream: each clone's exact (Kendall 1948) size is drawn cell by cell for small clones
# (one uniform per founder cell, a logarithm only when its family grew), and as binomial survivors plus a
# negative binomial for larger ones; the new drivers' selection comes from the truncated gamma law by rejection.
# Same law, other numbers: tests/test_clonal_kernels.py compares the two paths' distributions.

#: clones up to this many cells have each founder cell's family drawn in turn (above it: binomial + neg. binomial)
_CELL_BY_CELL = 16
#: how :func:`_selection` draws a gamma law truncated to s >= s_min (chosen by :func:`selection_method`)
SELECT_GAMMA, SELECT_EXPONENTIAL, SELECT_TILTED_EXPONENTIAL = 0, 1, 2


@njit(cache=True, inline="always")
def _kendall_coefficients(birth, death, t):  # pragma: no cover - compiled
    """(alpha, gamma) of :func:`hemasim.clonal.ch.kendall_coefficients`, for one clone."""
    lam_t = (birth - death) * t
    if abs(lam_t) < 1e-8:
        critical = birth * t / (1.0 + birth * t)
        alpha = gamma = critical
    else:
        em1 = math.expm1(lam_t)
        denom = birth * (em1 + 1.0) - death
        scale = em1 / denom if denom != 0.0 else em1
        alpha = death * scale
        gamma = birth * scale
    return min(max(alpha, 0.0), 1.0), min(max(gamma, 0.0), 1.0 - 1e-15)


_ROTATE_23, _ROTATE_45, _SHIFT_17, _SHIFT_11 = np.uint64(23), np.uint64(45), np.uint64(17), np.uint64(11)


@njit(cache=True, inline="always")
def _rotl(x, k):  # pragma: no cover - compiled
    return (x << k) | (x >> (np.uint64(64) - k))


@njit(cache=True, inline="always")
def _uniform(state):  # pragma: no cover - compiled
    """A uniform on [0, 1) from xoshiro256++ (Blackman & Vigna 2019), its 4-word state updated in place: the
    cohort kernel's many plain uniforms, inline (NumPy's generator, called through a pointer, costs ~3x more).
    The state is seeded from the cohort's NumPy generator, so a seed still fixes every number."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    result = _rotl(s0 + s3, _ROTATE_23) + s0
    t = s1 << _SHIFT_17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, _ROTATE_45)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3
    return float(result >> _SHIFT_11) * (1.0 / 9007199254740992.0)


#: counts drawn by inversion (one uniform, walking the probabilities) while their mean is below this
_INVERSION_MEAN = 30.0
#: 1 / (k + 1) for the inversion walks (a walk stops before mean + 10 sqrt(mean + 1) + 10 < 100 steps)
_RECIPROCALS = 1.0 / np.arange(1.0, 129.0)


@njit(cache=True, inline="always")
def _count_by_inversion(state, first, negative, n, p, mean):  # pragma: no cover - compiled
    """A count k >= 0 by inversion from P(0) = ``first``: Binomial(n, p) deaths, or (``negative``) the
    NegativeBinomial failures before n successes of probability 1 - p. A walk that outruns round-off (past
    mean + 10 sd + 10) restarts with a fresh uniform, as NumPy's binomial inversion does."""
    bound = mean + 10.0 * math.sqrt(mean + 1.0) + 10.0
    odds = p if negative else p / (1.0 - p)
    step = 1 if negative else -1
    while True:
        u = _uniform(state)
        k = 0
        pk = first
        while u > pk and k <= bound:
            u -= pk
            pk *= (n + step * k) * _RECIPROCALS[k] * odds
            k += 1
        if k <= bound:
            return k


@njit(cache=True, inline="always")
def _kendall_size(state, cells, alpha, gamma):  # pragma: no cover - compiled
    """A clone of ``cells`` cells after the step: each founder's family is extinct with probability alpha,
    else geometric on {1, 2, ...} with P(n) proportional to gamma^(n - 1). Small clones: founder by founder
    (one uniform each, a logarithm only when the family grew). Larger: deaths among the founders binomial,
    then the survivors' extra cells negative binomial, each by inversion. Returns -1 where a mean is too
    large for inversion: :func:`_kendall_size_large` draws those (a separate function: a call that passes
    NumPy's generator costs about as much as a small clone's whole step)."""
    if cells <= _CELL_BY_CELL:
        total = 0
        per_survivor = 1.0 / (1.0 - alpha) if alpha < 1.0 else 0.0
        log_gamma = 0.0
        for _ in range(cells):
            u = _uniform(state)
            if u < alpha:
                continue
            w = 1.0 - (u - alpha) * per_survivor  # uniform on (0, 1]: the family has >= k + 1 cells if w <= gamma^k
            if w > gamma:
                total += 1
            else:
                if log_gamma == 0.0:
                    log_gamma = math.log(gamma)
                total += 1 + int(math.floor(math.log(max(w, 1e-300)) / log_gamma))
        return total
    if cells * alpha >= _INVERSION_MEAN or cells * gamma >= _INVERSION_MEAN * (1.0 - gamma):
        return -1
    survivors = cells - _count_by_inversion(state, math.exp(cells * math.log1p(-alpha)), False, cells, alpha,
                                            cells * alpha)
    if survivors == 0:
        return 0
    return survivors + _count_by_inversion(state, math.exp(survivors * math.log1p(-gamma)), True, survivors, gamma,
                                           survivors * gamma / (1.0 - gamma))


@njit(cache=True)
def _kendall_size_large(rng, state, cells, alpha, gamma):  # pragma: no cover - compiled
    """:func:`_kendall_size` for large clones: survivors and extra cells by inversion while their means are
    small, else by NumPy's algorithms (BTPE binomial, gamma-Poisson negative binomial)."""
    if cells * alpha < _INVERSION_MEAN:
        survivors = cells - _count_by_inversion(state, math.exp(cells * math.log1p(-alpha)), False, cells, alpha,
                                                cells * alpha)
    else:
        survivors = rng.binomial(cells, 1.0 - alpha)
    if survivors == 0:
        return 0
    extra_mean = survivors * gamma / (1.0 - gamma)
    if extra_mean < _INVERSION_MEAN:
        return survivors + _count_by_inversion(state, math.exp(survivors * math.log1p(-gamma)), True, survivors,
                                               gamma, extra_mean)
    return survivors + rng.negative_binomial(survivors, 1.0 - gamma)


@njit(cache=True, inline="always")
def _selection(state, shape, s_min, method, proposal_rate):  # pragma: no cover - compiled
    """A selection coefficient (per year) from Gamma(shape, rate) restricted to s >= s_min, exactly, by
    rejection: s_min + an exponential of ``proposal_rate`` accepted with the density's ratio to it (the
    exponential methods of :func:`selection_method`; SELECT_GAMMA is :func:`_selection_gamma`)."""
    while True:
        y = -math.log(1.0 - _uniform(state)) / proposal_rate  # exponential
        accept = (1.0 + y / s_min) ** (shape - 1.0)
        if method == SELECT_TILTED_EXPONENTIAL:
            accept *= math.exp(-(shape - 1.0) * y / s_min)
        if _uniform(state) < accept:
            return s_min + y


@njit(cache=True)
def _selection_gamma(rng, shape, rate, s_min):  # pragma: no cover - compiled
    """A selection coefficient from Gamma(shape, rate) restricted to s >= s_min: gamma draws until one is."""
    while True:
        s = rng.standard_gamma(shape) / rate
        if s >= s_min:
            return s


def selection_method(shape: float, rate: float, s_min: float) -> tuple[int, float]:
    """(method, proposal rate) for :func:`_selection`, the one that accepts more draws: the gamma law itself
    while s_min is low (P(s >= s_min) is large), else an exponential proposal from s_min (over s_min the density
    is at most (1 + y / s_min)^(shape - 1) e^(-rate y) times its value there; for shape >= 1 the proposal's
    rate is lowered by (shape - 1) / s_min to cover the power)."""
    if shape < 1.0:
        if s_min > 0.0 and rate * s_min >= 0.5:
            return SELECT_EXPONENTIAL, rate
        return SELECT_GAMMA, rate
    if s_min > 0.0 and rate * s_min >= shape:  # from the mean up: the tilted rate is >= rate / shape
        return SELECT_TILTED_EXPONENTIAL, rate - (shape - 1.0) / s_min
    return SELECT_GAMMA, rate


@njit(cache=True)
def draw_selections(rng, state, n, shape, rate, s_min, method, proposal_rate):  # pragma: no cover - compiled
    """``n`` draws of :func:`_selection` (for tests)."""
    out = np.empty(n)
    for i in range(n):
        if method == SELECT_GAMMA:
            out[i] = _selection_gamma(rng, shape, rate, s_min)
        else:
            out[i] = _selection(state, shape, s_min, method, proposal_rate)
    return out


@njit(cache=True)
def kendall_sizes(rng, state, cells, birth, death, t):  # pragma: no cover - compiled
    """:func:`_kendall_size` for arrays of clones (for tests; the cohort kernel calls it inline)."""
    out = np.empty(cells.shape[0], dtype=np.int64)
    for i in range(cells.shape[0]):
        alpha, gamma = _kendall_coefficients(birth[i], death[i], t[i])
        size = _kendall_size(state, cells[i], alpha, gamma)
        out[i] = size if size >= 0 else _kendall_size_large(rng, state, cells[i], alpha, gamma)
    return out


#: the scalars of a cohort's pool dynamics, in the order :func:`ch_steps` reads them from its ``pool`` array
POOL_FIELDS = ("n_star", "divisions_per_year", "strong_arrivals_per_cell_year", "weak_arrivals_per_cell_year",
               "selection_shape", "selection_rate_years", "min_selection_per_year", "proposal_rate",
               "panel_fraction")


@njit(cache=True, inline="always")
def _poisson_small(state, lam):  # pragma: no cover - compiled
    """Poisson(lam) by multiplying uniforms (Knuth) below a mean of 10; -1 above (the caller draws NumPy's)."""
    if lam >= 10.0:
        return -1
    limit = math.exp(-lam)
    k = 0
    prod = _uniform(state)
    while prod > limit:
        k += 1
        prod *= _uniform(state)
    return k


@njit(cache=True)
def _stay_probabilities(owner, sizes, advantage, n_clones, weak_mass, weak_advantage, n_star, driver_cells, a_p,
                        wild):  # pragma: no cover - compiled
    """Each person's wild-type stay probability that holds the pool, and wild-type cells."""
    n_people = a_p.shape[0]
    load = np.zeros(n_people)
    for i in range(n_clones):
        load[owner[i]] += sizes[i] * advantage[i]
    for p in range(n_people):
        for b in range(weak_advantage.shape[0]):
            load[p] += weak_mass[p, b] * weak_advantage[b]
        a_p[p] = 0.5 * n_star / (n_star + load[p])
        wild[p] = max(n_star - driver_cells[p], 0.0)


@njit(cache=True, inline="always")
def _rates(stay, divisions_per_year):  # pragma: no cover - compiled
    """hemasim.clonal.ch.birth_death_rates for one clone."""
    a = min(max(stay, 0.0), 1.0)
    return divisions_per_year * a * a, divisions_per_year * (1.0 - a) * (1.0 - a)


@njit(cache=True, inline="always")
def _grow_clones(rng, state, owner, sizes, advantage, selection, panel, n_clones, a_p, r, step_years):  # pragma: no cover
    """Every strong clone over the step, exactly; the extinct are dropped (order kept). Returns how many live."""
    m = 0
    for i in range(n_clones):
        birth, death = _rates(a_p[owner[i]] * (1.0 + advantage[i]), r)
        alpha, gamma = _kendall_coefficients(birth, death, step_years)
        size = _kendall_size(state, sizes[i], alpha, gamma)
        if size < 0:
            size = _kendall_size_large(rng, state, sizes[i], alpha, gamma)
        if size > 0:
            owner[m], sizes[m], advantage[m] = owner[i], size, advantage[i]
            selection[m], panel[m] = selection[i], panel[i]
            m += 1
    return m


@njit(cache=True)
def _grow_weak(weak_mass, a_p, wild, r, weak_rate, weak_probability, weak_advantage,
               step_years):  # pragma: no cover - compiled
    """The weak drivers' expected cells: the mean of the same process, arrivals spread over the step."""
    for p in range(a_p.shape[0]):
        for b in range(weak_advantage.shape[0]):
            lam_dt = r * (2.0 * a_p[p] * (1.0 + weak_advantage[b]) - 1.0) * step_years
            grown = math.expm1(lam_dt) / lam_dt if abs(lam_dt) > 1e-12 else 1.0
            arrivals = weak_rate * weak_probability[b] * wild[p] * step_years
            weak_mass[p, b] = weak_mass[p, b] * math.exp(lam_dt) + arrivals * grown


@njit(cache=True)
def _enlarged(owner, sizes, advantage, selection, panel, n_clones, capacity):  # pragma: no cover - compiled
    """The clone arrays copied into arrays of ``capacity`` entries."""
    new_owner, new_sizes = np.empty(capacity, np.int64), np.empty(capacity, np.int64)
    new_advantage, new_selection = np.empty(capacity), np.empty(capacity)
    new_panel = np.empty(capacity, np.bool_)
    new_owner[:n_clones], new_sizes[:n_clones] = owner[:n_clones], sizes[:n_clones]
    new_advantage[:n_clones], new_selection[:n_clones] = advantage[:n_clones], selection[:n_clones]
    new_panel[:n_clones] = panel[:n_clones]
    return new_owner, new_sizes, new_advantage, new_selection, new_panel


@njit(cache=True, inline="always")
def _add_drivers(rng, state, n_new, owner, sizes, advantage, selection, panel, n_clones, a_p, pool, method,
                 step_years):  # pragma: no cover - compiled
    """The new strong drivers of each person: selection drawn, arrival uniform in the step, grown exactly to
    its end from one cell; those still alive are appended. Returns the number of clones."""
    r, shape, rate, s_min, proposal_rate, panel_fraction = pool[1], pool[4], pool[5], pool[6], pool[7], pool[8]
    for p in range(n_new.shape[0]):
        for _ in range(n_new[p]):
            if method == SELECT_GAMMA:
                s = _selection_gamma(rng, shape, rate, s_min)
            else:
                s = _selection(state, shape, s_min, method, proposal_rate)
            adv = s * (1.0 / r)
            birth, death = _rates(a_p[p] * (1.0 + adv), r)
            alpha, gamma = _kendall_coefficients(birth, death, step_years * _uniform(state))
            size = _kendall_size(state, 1, alpha, gamma)
            in_panel = _uniform(state) < panel_fraction
            if size > 0:
                owner[n_clones], sizes[n_clones], advantage[n_clones] = p, size, adv
                selection[n_clones], panel[n_clones] = s, in_panel
                n_clones += 1
    return n_clones


@njit(cache=True)
def _hold_pool(owner, sizes, n_clones, weak_mass, driver_cells, n_star):  # pragma: no cover - compiled
    """Driver cells per person; where drivers overfill the pool (a rare overshoot within a step) they are
    scaled down to it, as in the numpy path."""
    n_people = driver_cells.shape[0]
    scale = np.ones(n_people)
    for rescale in range(2):
        driver_cells[:] = 0.0
        for i in range(n_clones):
            driver_cells[owner[i]] += sizes[i]
        over = False
        for p in range(n_people):
            driver_cells[p] += weak_mass[p].sum()
            if driver_cells[p] > n_star:
                scale[p] = n_star / max(driver_cells[p], 1.0)
                over = True
        if rescale == 1 or not over:
            return
        for i in range(n_clones):
            sizes[i] = max(int(math.floor(sizes[i] * scale[owner[i]])), 1)
        for p in range(n_people):
            weak_mass[p] *= scale[p]


@njit(cache=True)
def _record_year(j, owner, sizes, panel, n_clones, driver_cells, n_star, max_panel, max_any, share,
                 above):  # pragma: no cover - compiled
    """hemasim.clonal.ch._CohortRecord.year: largest VAFs, the pool's driver share, clones at VAF >= 2%."""
    for i in range(n_clones):
        vaf = sizes[i] / (2.0 * n_star)
        p = owner[i]
        max_any[p, j] = max(max_any[p, j], vaf)
        if panel[i]:
            max_panel[p, j] = max(max_panel[p, j], vaf)
        if vaf >= 0.02:
            above[p, j] += 1
    for p in range(driver_cells.shape[0]):
        share[p, j] = driver_cells[p] / n_star


@njit(cache=True, nogil=True)
def ch_steps(rng, state, first_step, last_step, steps_per_year, step_years, owner, sizes, advantage, selection, panel,
             n_clones, weak_mass, driver_cells, pool, weak_probability, weak_advantage, method, max_panel, max_any,
             share, above):  # pragma: no cover - compiled
    """Steps ``first_step + 1 .. last_step`` of a CH cohort (:func:`hemasim.clonal.ch.simulate_ch_cohort`), each
    whole year recorded; ``state`` is the xoshiro256++ state of the plain uniforms. The clone arrays hold ``n_clones`` clones and may be replaced by larger ones: returns
    (owner, sizes, advantage, selection, panel, n_clones). ``pool`` holds :data:`POOL_FIELDS`."""
    n_star, r, strong_rate, weak_rate = pool[0], pool[1], pool[2], pool[3]
    n_people = driver_cells.shape[0]
    a_p, wild = np.empty(n_people), np.empty(n_people)
    n_new = np.empty(n_people, np.int64)
    for k in range(first_step + 1, last_step + 1):
        _stay_probabilities(owner, sizes, advantage, n_clones, weak_mass, weak_advantage, n_star, driver_cells,
                            a_p, wild)
        n_clones = _grow_clones(rng, state, owner, sizes, advantage, selection, panel, n_clones, a_p, r, step_years)
        _grow_weak(weak_mass, a_p, wild, r, weak_rate, weak_probability, weak_advantage, step_years)
        total_new = 0
        for p in range(n_people):
            lam = strong_rate * wild[p] * step_years
            n_new[p] = _poisson_small(state, lam)
            if n_new[p] < 0:
                n_new[p] = rng.poisson(lam)
            total_new += n_new[p]
        if n_clones + total_new > sizes.shape[0]:
            owner, sizes, advantage, selection, panel = _enlarged(owner, sizes, advantage, selection, panel,
                                                                  n_clones, 2 * (n_clones + total_new))
        n_clones = _add_drivers(rng, state, n_new, owner, sizes, advantage, selection, panel, n_clones, a_p, pool, method,
                                step_years)
        _hold_pool(owner, sizes, n_clones, weak_mass, driver_cells, n_star)
        if k % steps_per_year == 0:
            _record_year(k // steps_per_year, owner, sizes, panel, n_clones, driver_cells, n_star, max_panel,
                         max_any, share, above)
    return owner, sizes, advantage, selection, panel, n_clones


def uniform_state(rng: np.random.Generator) -> np.ndarray:
    """A xoshiro256++ state for :func:`_uniform`, drawn from ``rng`` (never all zero)."""
    state = rng.integers(0, 2**64, size=4, dtype=np.uint64, endpoint=False)
    if not state.any():
        state[0] = 1
    return state
