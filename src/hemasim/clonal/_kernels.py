"""numba kernels of the clonal engines: the weekly division step of :class:`hemasim.clonal.NeutralHSCPool` and
whole lifespans of the CH populations (:mod:`hemasim.clonal.ch`).

The clone engine's step draws from the caller's ``numpy.random.Generator`` (numba shares its PCG64 state and uses
NumPy's own algorithms for Poisson, binomial and uniform draws), in exactly the order the numpy code it replaces
drew, with the same floating-point expressions: same seed, same clones, bit for bit (tests/test_clonal_kernels.py
checks it against the numpy reference kept in engine.py). Where NumPy draws a multinomial, the kernel draws
the binomials NumPy's ``random_multinomial`` draws. The Poisson draw for small means (NumPy's multiplication
method) is written out here so that exp(-mean), a function of the integer clone size only, is computed once
per size; it consumes the same uniforms as NumPy's.

The CH lifespans draw the same laws as the numpy step in ch.py from other numbers (a stream per person; see the
section below), one lifespan per parallel task.

Imported only when a clonal run starts (numba is slow to import); compiled once and cached on disk.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

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
    total = np.int64(0)  # int64 from the start: a literal 0 compiled _stay_probability a second time
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


# --- CH populations (hemasim.clonal.ch): whole lifespans, compiled, one lifespan per parallel task -------------
# Not the numpy path's stream: each person's lifespan draws from its own xoshiro256++ stream, seeded from the
# cohort's SeedSequence key and the person's index (so a person's clones depend neither on the thread that runs
# them nor on how people are chunked); each clone's exact (Kendall 1948) size is drawn cell by cell for small
# clones (one uniform per founder cell, a logarithm only when its family grew), as binomial survivors plus a
# negative binomial for larger ones (by inversion while the means are small, else by exact rejection samplers);
# the new drivers' selection comes from the truncated gamma law by rejection. Same law, other numbers:
# tests/test_clonal_kernels.py compares the two paths' distributions.

#: how :func:`_selection` draws a gamma law truncated to s >= s_min (chosen by :func:`selection_method`)
SELECT_GAMMA, SELECT_EXPONENTIAL, SELECT_TILTED_EXPONENTIAL = 0, 1, 2


#: |x| up to which :func:`_expm1` sums its series (a quarter-year step has |lambda t| <= r t / 2 ... r t < 0.35)
_EXPM1_SERIES_RANGE = 0.35
#: 1 / k! for k = 1 .. 14: the series' terms (the first left out, x^15 / 15!, is < 1e-18 |x| on the range)
_INVERSE_FACTORIALS = tuple(1.0 / math.factorial(k) for k in range(1, 15))


@njit(cache=True, inline="always")
def _expm1(x):  # pragma: no cover - compiled
    """e^x - 1 to within a few units in the last place (tests: <= 4e-16 relative to libm's ``expm1``): its
    Taylor series to x^14 in Estrin's scheme for |x| <= _EXPM1_SERIES_RANGE, else ``math.expm1``. libm's
    ``expm1`` was ~15% of the CH kernel's CPU (``perf``), one per clone-step; the series has no branch and its
    multiplications run side by side. The coefficients it gives Kendall's law differ from libm's by ~1e-16
    relative, so a draw can change only where a uniform falls within ~1e-16 of a threshold."""
    if abs(x) > _EXPM1_SERIES_RANGE:
        return math.expm1(x)
    return _expm1_series(x)


@njit(cache=True, inline="always")
def _expm1_series(x):  # pragma: no cover - compiled
    """The series of :func:`_expm1` (for |x| <= _EXPM1_SERIES_RANGE)."""
    c = _INVERSE_FACTORIALS
    x2 = x * x
    x4 = x2 * x2
    low = (c[0] + c[1] * x) + (c[2] + c[3] * x) * x2 + ((c[4] + c[5] * x) + (c[6] + c[7] * x) * x2) * x4
    high = (c[8] + c[9] * x) + (c[10] + c[11] * x) * x2 + (c[12] + c[13] * x) * x4
    return x * (low + high * (x4 * x4))


@njit(cache=True)
def expm1_values(x):  # pragma: no cover - compiled
    """:func:`_expm1` of each value (for tests)."""
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = _expm1(x[i])
    return out


@njit(cache=True, inline="always")
def _kendall_coefficients(birth, death, t):  # pragma: no cover - compiled
    """(alpha, gamma) of :func:`hemasim.clonal.ch.kendall_coefficients`, for one clone."""
    lam_t = (birth - death) * t
    if abs(lam_t) < 1e-8:
        critical = birth * t / (1.0 + birth * t)
        alpha = gamma = critical
    else:
        em1 = _expm1(lam_t)
        denom = birth * (em1 + 1.0) - death
        scale = em1 / denom if denom != 0.0 else em1
        alpha = death * scale
        gamma = birth * scale
    return min(max(alpha, 0.0), 1.0), min(max(gamma, 0.0), 1.0 - 1e-15)


_ROTATE_23, _ROTATE_45, _SHIFT_17, _SHIFT_11 = np.uint64(23), np.uint64(45), np.uint64(17), np.uint64(11)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1, _MIX_2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_SHIFT_30, _SHIFT_27, _SHIFT_31 = np.uint64(30), np.uint64(27), np.uint64(31)


@njit(cache=True, inline="always")
def _rotl(x, k):  # pragma: no cover - compiled
    return (x << k) | (x >> (np.uint64(64) - k))


@njit(cache=True, inline="always")
def _mix64(z):  # pragma: no cover - compiled
    """SplitMix64's output function (Steele, Lea & Flood 2014): a bijection of the 64-bit words."""
    z = (z ^ (z >> _SHIFT_30)) * _MIX_1
    z = (z ^ (z >> _SHIFT_27)) * _MIX_2
    return z ^ (z >> _SHIFT_31)


# The CH lifespan and its samplers are compiled with NumPy's error model (``error_model="numpy"``): under Python's,
# numba tests every divisor for zero before dividing, to raise ZeroDivisionError, a compare and a branch per division
# that also keeps LLVM from moving or vectorising code around it (~4% of the lifespan's CPU). The divisors are
# positive rates, probabilities, counts or sizes, or guarded where they can vanish, so the results are the same bit
# for bit; the one exception is BTRS's and PTRS's 2a / us with us = 0.5 - |u| = 0 (a uniform of exactly 0,
# probability 2^-53 per draw), which raised ZeroDivisionError and now gives an infinite proposal that is rejected
# (k < 0), as in NumPy's own C samplers.

#: a lifespan's xoshiro256++ state as a record: numba counts references to an array that is passed into an
#: inlined helper or a compiled function, two atomic operations per clone-step (~24% of the kernel's CPU,
#: measured with ``perf``) that its pruning pass fails to remove in the clone loop; a record has no reference
#: count. Same words, same draws as the 4-word array that tests pass.
_STATE_DTYPE = np.dtype([("s0", np.uint64), ("s1", np.uint64), ("s2", np.uint64), ("s3", np.uint64)])


@njit(cache=True)
def lifespan_state(key, person, state):  # pragma: no cover - compiled
    """The xoshiro256++ state of person ``person`` of a cohort whose SeedSequence gave the 64-bit words ``key``:
    a seed that is a bijection of the person's index (so two people never share one), expanded by SplitMix64
    as xoshiro's authors recommend."""
    seed = _mix64(key[0] ^ _mix64(np.uint64(person) + key[1]))
    state[0] = _mix64(seed + _GOLDEN)  # literal indices: ``state`` may be a record (:data:`_STATE_DTYPE`)
    state[1] = _mix64(seed + np.uint64(2) * _GOLDEN)
    state[2] = _mix64(seed + np.uint64(3) * _GOLDEN)
    state[3] = _mix64(seed + np.uint64(4) * _GOLDEN)
    if state[0] == 0 and state[1] == 0 and state[2] == 0 and state[3] == 0:
        state[0] = np.uint64(1)


@njit(cache=True, inline="always")
def _uniform(state):  # pragma: no cover - compiled
    """A uniform on [0, 1) from xoshiro256++ (Blackman & Vigna 2019), its 4-word state updated in place: the
    CH kernel's uniforms, inline (a generator called through a pointer costs ~3x more)."""
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


# --- exact samplers on the xoshiro stream, for the rare draws with large means ---------------------------------

@njit(cache=True, error_model="numpy")
def _normal(state):  # pragma: no cover - compiled
    """A standard normal (Marsaglia's polar method; the second variate is not kept)."""
    while True:
        x = 2.0 * _uniform(state) - 1.0
        y = 2.0 * _uniform(state) - 1.0
        r2 = x * x + y * y
        if 0.0 < r2 < 1.0:
            return x * math.sqrt(-2.0 * math.log(r2) / r2)


@njit(cache=True, error_model="numpy")
def _standard_gamma(state, shape):  # pragma: no cover - compiled
    """Gamma(shape, 1), exactly: Marsaglia & Tsang (2000) for shape >= 1; below 1, Gamma(shape + 1) U^(1/shape)."""
    boost = 1.0
    if shape < 1.0:
        boost = (1.0 - _uniform(state)) ** (1.0 / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = _normal(state)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = 1.0 - _uniform(state)  # (0, 1]
        if u < 1.0 - 0.0331 * x * x * x * x or math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return d * v * boost


#: log(j!) = lgamma(j + 1) is tabulated for j + 1 below this (the rejection samplers' full tests; clones above it
#: call libm)
_LGAMMA_TABLE_SIZE = 8192


@njit(cache=True)
def _lgamma_values(n):  # pragma: no cover - compiled
    """lgamma(j) for j = 0 .. n - 1, from the libm function the kernels call (``math.lgamma`` in numba)."""
    out = np.empty(n)
    for j in range(n):
        out[j] = math.lgamma(float(j))
    return out


def _libm_lgamma_values(n: int) -> np.ndarray:
    """lgamma(j) for j = 0 .. n - 1 from the C library's ``lgamma``, the symbol numba's ``math.lgamma`` calls, through
    ctypes (~5 ms; calling a compiled function at import would start numba's dispatch, ~0.4 s); where no C math
    library is found, compiled. tests/test_clonal_kernels.py checks every value against numba's own call."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("m")
    if name is None:  # pragma: no cover - platform dependent
        return _lgamma_values(n)
    lgamma = ctypes.CDLL(name).lgamma
    lgamma.restype, lgamma.argtypes = ctypes.c_double, [ctypes.c_double]
    return np.array([lgamma(float(j)) for j in range(n)])


#: lgamma(j) for integers j < _LGAMMA_TABLE_SIZE, computed by the function the kernels called before: the same values
_LGAMMA_TABLE = _libm_lgamma_values(_LGAMMA_TABLE_SIZE)


@njit(cache=True, inline="always")
def _lgamma_of_integer(x):  # pragma: no cover - compiled
    """``math.lgamma(x)`` for an integer-valued x >= 1, from :data:`_LGAMMA_TABLE` where it has it: the same value,
    ~10x cheaper (BTRS's full test takes four, PTRS's one)."""
    return _LGAMMA_TABLE[int(x)] if x < _LGAMMA_TABLE_SIZE else math.lgamma(x)


@njit(cache=True, error_model="numpy")
def _poisson(state, lam):  # pragma: no cover - compiled
    """Poisson(lam), exactly: multiplying uniforms (Knuth) below a mean of 10, Hormann's (1993) PTRS above (the
    transformed rejection NumPy uses)."""
    if lam < 10.0:
        limit = math.exp(-lam)
        k = 0
        prod = _uniform(state)
        while prod > limit:
            k += 1
            prod *= _uniform(state)
        return k
    b = 0.931 + 2.53 * math.sqrt(lam)
    a = -0.059 + 0.02483 * b
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    ready = False  # the full test's logarithms: computed when it first runs (most draws stop before it)
    log_lam = log_inv_alpha = 0.0
    while True:
        u = _uniform(state) - 0.5
        v = _uniform(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= v_r:
            return int(k)
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        if not ready:  # the same expressions as before, so the same values: the same draws bit for bit
            log_lam = math.log(lam)
            log_inv_alpha = math.log(1.1239 + 1.1328 / (b - 3.4))
            ready = True
        if (math.log(v) + log_inv_alpha - math.log(a / (us * us) + b)
                <= -lam + k * log_lam - _lgamma_of_integer(k + 1.0)):
            return int(k)


@njit(cache=True, error_model="numpy")
def _binomial(state, n, p):  # pragma: no cover - compiled
    """Binomial(n, p) with p <= 1/2 and n p >= 10, exactly: Hormann's (1993) BTRS transformed rejection."""
    q = 1.0 - p
    spq = math.sqrt(n * p * q)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    v_r = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    m = math.floor((n + 1) * p)
    ready = False  # the full test's log-gammas and logarithm: computed when it first runs (~10% of draws)
    h = log_odds = 0.0
    while True:
        u = _uniform(state) - 0.5
        v = _uniform(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0.0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return int(k)
        if not ready:  # the same expressions as before, so the same values: the same draws bit for bit
            log_odds = math.log(p / q)
            h = _lgamma_of_integer(m + 1.0) + _lgamma_of_integer(n - m + 1.0)
            ready = True
        if (math.log(v * alpha / (a / (us * us) + b))
                <= h - _lgamma_of_integer(k + 1.0) - _lgamma_of_integer(n - k + 1.0) + (k - m) * log_odds):
            return int(k)


#: counts drawn by inversion (one uniform, walking the probabilities) while their mean is below this
_INVERSION_MEAN = 30.0
#: an inversion walk that passes this count (round-off: the mean is < 30) starts again with a fresh uniform
_INVERSION_BOUND = 120
#: 1 / (k + 1) for the inversion walks
_RECIPROCALS = 1.0 / np.arange(1.0, _INVERSION_BOUND + 2.0)


@njit(cache=True, inline="always")
def _count_by_inversion(state, first, negative, n, p):  # pragma: no cover - compiled
    """A count k >= 0 by inversion from P(0) = ``first``: Binomial(n, p), or (``negative``) the NegativeBinomial
    failures before n successes of probability 1 - p; the mean must be < :data:`_INVERSION_MEAN`. A walk that
    outruns round-off restarts with a fresh uniform, as NumPy's binomial inversion does (the tail it drops
    past mean + 15 sd has probability < 1e-30)."""
    while True:
        k = _walk(_uniform(state), first, negative, n, p)
        if k >= 0:
            return k


@njit(cache=True, error_model="numpy")
def _count_called(state, first, negative, n, p):  # pragma: no cover - compiled
    """:func:`_count_by_inversion` compiled once and called, for the draws off the clone step's common path (the
    fallbacks of :func:`_walk_pair`, the large clones): inlined at each of those sites, its copies cost ~1 s of
    the CH warm-up's compile. :func:`_small_clone_size` keeps it inlined: called there, a lifespan took ~2% more
    CPU (docs/performance.md, "The clone engine's compile, nineteenth session")."""
    return _count_by_inversion(state, first, negative, n, p)


@njit(cache=True, inline="always")
def _walk(u, first, negative, n, p):  # pragma: no cover - compiled
    """One inversion walk of :func:`_count_by_inversion` from the uniform ``u``: the count, or -1 where the walk
    outruns round-off (the caller draws again)."""
    odds = p if negative else p / (1.0 - p)
    step = 1 if negative else -1
    k = 0
    pk = first
    while u > pk and k <= _INVERSION_BOUND:
        u -= pk
        pk *= (n + step * k) * _RECIPROCALS[k] * odds
        k += 1
    return k if k <= _INVERSION_BOUND else -1


@njit(cache=True, error_model="numpy")
def _walk_pair(state, n, death, first_death, gamma, first_extra):  # pragma: no cover - compiled
    """Binomial(n, death) and NegativeBinomial(n, gamma) failures, each by its inversion walk from its own uniform
    exactly as two calls of :func:`_count_by_inversion` in turn draw them (the same uniforms, the same
    arithmetic, the same counts bit for bit), but with the two walks' steps side by side while both go on: each
    walk is a chain of dependent multiplications, so the CPU runs the two chains at once. Returns (deaths, extra).

    Compiled once and called (it serves clones of more than :data:`_CELL_BY_CELL` cells only): inlined, it was
    copied with its fallback walks into both sites of :func:`_kendall_size`, ~2 s of the CH warm-up's compile;
    the call costs no CPU that a lifespan shows (docs/performance.md, nineteenth session)."""
    odds_death = death / (1.0 - death)  # as _walk computes it
    u_death = _uniform(state)
    second = _uniform(state)
    u_extra = second
    p_death = first_death
    p_extra = first_extra
    k = 0
    while u_death > p_death and u_extra > p_extra and k <= _INVERSION_BOUND:
        u_death -= p_death
        p_death *= (n + -1 * k) * _RECIPROCALS[k] * odds_death
        u_extra -= p_extra
        p_extra *= (n + 1 * k) * _RECIPROCALS[k] * gamma
        k += 1
    deaths = k
    while u_death > p_death and deaths <= _INVERSION_BOUND:
        u_death -= p_death
        p_death *= (n + -1 * deaths) * _RECIPROCALS[deaths] * odds_death
        deaths += 1
    if deaths > _INVERSION_BOUND:  # (never seen: the mean is < 30) as in turn: the deaths' next walk gets the
        deaths = _walk(second, first_death, False, n, death)  # second uniform, the extra cells fresh ones
        if deaths < 0:
            deaths = _count_called(state, first_death, False, n, death)
        return deaths, _count_called(state, first_extra, True, n, gamma)
    extra = k
    while u_extra > p_extra and extra <= _INVERSION_BOUND:
        u_extra -= p_extra
        p_extra *= (n + 1 * extra) * _RECIPROCALS[extra] * gamma
        extra += 1
    if extra > _INVERSION_BOUND:
        extra = _count_called(state, first_extra, True, n, gamma)
    return deaths, extra


#: clones up to this many cells have each founder cell's fate drawn in turn (above: a binomial and a negative
#: binomial for the whole clone)
_CELL_BY_CELL = 32


@njit(cache=True, inline="always")
def _small_clone_size(state, cells, alpha, gamma):  # pragma: no cover - compiled
    """A clone of ``cells`` founder cells after the step, founder by founder: each family is extinct with
    probability alpha, else geometric on {1, 2, ...} with P(size >= k + 1) = gamma^k. One uniform per founder
    (counted without branches: died, stayed one cell, or grew); a family that grew has 2 + Geometric(gamma) cells
    (memoryless), so the grown families add a NegativeBinomial(grown, gamma) number of cells, by inversion (the
    caller checks that cells * gamma / (1 - gamma), the largest mean it can have, is below _INVERSION_MEAN).

    It calls no compiled function: a call that takes ``state`` inside the inlined clone step makes numba count
    references to ``state`` on every clone-step (two atomic operations, measured at ~24% of the kernel's CPU
    with ``perf``); the rare draws are left to the caller."""
    just_one = alpha + (1.0 - alpha) * (1.0 - gamma)  # below: a family of exactly the founder
    dead = 0
    grown = 0
    for _ in range(cells):
        u = _uniform(state)
        dead += u < alpha
        grown += u >= just_one
    total = cells - dead + grown
    if grown == 0:
        return total
    first = 1.0 - gamma  # (1 - gamma)^grown: grown is small
    for _ in range(grown - 1):
        first *= 1.0 - gamma
    return total + _count_by_inversion(state, first, True, grown, gamma)


@njit(cache=True, inline="always")
def _kendall_size(state, cells, alpha, gamma):  # pragma: no cover - compiled
    """Kendall's (1948) exact size after the step of a clone of ``cells`` cells with coefficients (alpha, gamma):
    founder by founder up to :data:`_CELL_BY_CELL` cells. Above, a founder's family, of generating function
    (alpha + (1 - alpha - gamma) s) / (1 - gamma s), is a Bernoulli(1 - alpha / (1 - gamma)) cell plus an
    independent Geometric(gamma) number (when alpha + gamma <= 1), so the clone is cells - Binomial(cells,
    alpha / (1 - gamma)) + NegativeBinomial(cells, gamma): two independent draws by inversion (their set-up runs
    side by side). Returns -1 where a mean is too large for inversion or alpha + gamma > 1:
    :func:`_large_clone_size` draws those (a separate function: a call that passes arrays costs their
    reference counts, about as much as a small clone's whole step)."""
    if cells <= _CELL_BY_CELL:
        if cells * gamma >= _INVERSION_MEAN * (1.0 - gamma):  # only for steps long against the clone's growth
            return -1
        return _small_clone_size(state, cells, alpha, gamma)
    if alpha + gamma > 1.0:
        return -1
    death = alpha / (1.0 - gamma)
    if cells * death >= _INVERSION_MEAN or cells * gamma >= _INVERSION_MEAN * (1.0 - gamma):
        return -1
    first_death = math.exp(cells * math.log1p(-death))
    first_extra = math.exp(cells * math.log1p(-gamma))
    deaths, extra = _walk_pair(state, cells, death, first_death, gamma, first_extra)
    return cells - deaths + extra


@njit(cache=True, error_model="numpy")
def _large_clone_size(state, cells, alpha, gamma):  # pragma: no cover - compiled
    """:func:`_kendall_size` for large clones: as there, or, when alpha + gamma > 1, the binomial survivors
    among the founders and their NegativeBinomial(survivors, gamma) extra cells; each count by inversion while
    its mean is small, else by the exact rejection samplers above (BTRS; gamma-Poisson with PTRS)."""
    if alpha + gamma <= 1.0:
        death = alpha / (1.0 - gamma)
        n_extra = cells
        survivors = cells - _binomial_any(state, cells, death)
    else:
        survivors = cells - _binomial_any(state, cells, alpha)
        n_extra = survivors
    if n_extra == 0:
        return survivors
    if n_extra * gamma < _INVERSION_MEAN * (1.0 - gamma):
        return survivors + _count_called(state, math.exp(n_extra * math.log1p(-gamma)), True, n_extra, gamma)
    return survivors + _negative_binomial_large(state, n_extra, gamma)


@njit(cache=True, error_model="numpy")
def _negative_binomial_large(state, n, p):  # pragma: no cover - compiled
    """The NegativeBinomial failures before n successes of probability 1 - p, as a gamma-Poisson mixture."""
    return _poisson(state, _standard_gamma(state, float(n)) * (p / (1.0 - p)))


@njit(cache=True, inline="always")
def _binomial_any(state, n, p):  # pragma: no cover - compiled
    """Binomial(n, p): by inversion below a mean of :data:`_INVERSION_MEAN` (on the smaller of p, 1 - p), else
    BTRS."""
    flip = p > 0.5
    r = 1.0 - p if flip else p
    if n * r < _INVERSION_MEAN:
        k = _count_called(state, math.exp(n * math.log1p(-r)), False, n, r)
    else:
        k = _binomial(state, n, r)
    return n - k if flip else k


#: the squeeze of :func:`_selection` (exponential proposal, shape e = 1 - shape in (0, 1), x = y / s_min >= 0):
#: 1 / (1 + e x) <= (1 + x)^(-e) <= 1 / (1 + e ln(1 + x)) <= 1 / (1 + 2 e x / (2 + x)) (Bernoulli's inequality;
#: exp(-t) <= 1 / (1 + t); ln(1 + x) >= 2x / (2 + x)), each widened by 1e-12 relative, far more than the few units
#: in the last place by which the bounds and libm's ``pow`` can be off: a uniform below the lower bound is below the
#: power as computed, one above the upper bound above it, so the squeeze decides as the power would
_SQUEEZE_LOW, _SQUEEZE_HIGH = 1.0 - 1e-12, 1.0 + 1e-12


@njit(cache=True, inline="always")
def _selection(state, shape, rate, s_min, method, proposal_rate):  # pragma: no cover - compiled
    """A selection coefficient (per year) from Gamma(shape, rate) restricted to s >= s_min, exactly: gamma draws
    until one is >= s_min (SELECT_GAMMA), or by rejection from s_min + an exponential of ``proposal_rate``
    accepted with the density's ratio to it (the exponential methods of :func:`selection_method`)."""
    if method == SELECT_GAMMA:
        while True:
            s = _standard_gamma(state, shape) / rate
            if s >= s_min:
                return s
    squeeze = method == SELECT_EXPONENTIAL and shape < 1.0
    while True:
        y = -math.log(1.0 - _uniform(state)) / proposal_rate  # exponential
        base = 1.0 + y / s_min
        u = _uniform(state)
        if squeeze:  # bounds on base^(shape - 1) that decide ~97% of the draws without the power (same draws)
            x = base - 1.0
            e = 1.0 - shape  # in (0, 1)
            if u < _SQUEEZE_LOW / (1.0 + e * x):
                return s_min + y
            if u >= _SQUEEZE_HIGH / (1.0 + e * (2.0 * x / (2.0 + x))):
                continue
        accept = base ** (shape - 1.0)
        if method == SELECT_TILTED_EXPONENTIAL:
            accept *= math.exp(-(shape - 1.0) * y / s_min)
        if u < accept:
            return s_min + y


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


# The functions "for tests" below take a person's state as the 4-word array of :func:`person_state` and draw from
# it as a record (:data:`_STATE_DTYPE`), the form the lifespan kernel passes: the samplers they call that are not
# inlined (``_large_clone_size``, ``_poisson``, ``_binomial``, ...) then run the very compiled functions the CH
# cohort runs, found in the cache the warm-up wrote, instead of being compiled a second time for an array state in
# the test suite (~5 s of CPU). The words are copied in and back, so the draws and the state left are the same.

@njit(cache=True, inline="always")
def _record_state(words):  # pragma: no cover - compiled
    """A one-record buffer holding the 4 words of ``words`` (its record: ``buffer[0]``)."""
    buffer = np.empty(1, _STATE_DTYPE)
    state = buffer[0]
    state[0], state[1], state[2], state[3] = words[0], words[1], words[2], words[3]
    return buffer


@njit(cache=True, inline="always")
def _store_words(state, words):  # pragma: no cover - compiled
    """The record ``state``'s 4 words back into the array ``words``."""
    words[0], words[1], words[2], words[3] = state[0], state[1], state[2], state[3]


@njit(cache=True)
def draw_selections(words, n, shape, rate, s_min, method, proposal_rate):  # pragma: no cover - compiled
    """``n`` draws of :func:`_selection` (for tests)."""
    buffer = _record_state(words)
    state = buffer[0]
    out = np.empty(n)
    for i in range(n):
        out[i] = _selection(state, shape, rate, s_min, method, proposal_rate)
    _store_words(state, words)
    return out


@njit(cache=True)
def kendall_sizes(words, cells, birth, death, t):  # pragma: no cover - compiled
    """:func:`_kendall_size` for arrays of clones (for tests; the lifespan kernel calls it inline)."""
    buffer = _record_state(words)
    state = buffer[0]
    out = np.empty(cells.shape[0], dtype=np.int64)
    for i in range(cells.shape[0]):
        alpha, gamma = _kendall_coefficients(birth[i], death[i], t[i])
        size = _kendall_size(state, cells[i], alpha, gamma)
        out[i] = size if size >= 0 else _large_clone_size(state, cells[i], alpha, gamma)
    _store_words(state, words)
    return out


@njit(cache=True)
def draw_walk_pairs(words, n, death, first_death, gamma, first_extra, size, side_by_side):  # pragma: no cover
    """``size`` (deaths, extra cells) pairs (for tests): by :func:`_walk_pair` (``side_by_side``) or by two calls of
    :func:`_count_by_inversion` in turn, as the kernel drew them before."""
    buffer = _record_state(words)
    state = buffer[0]
    out = np.empty((size, 2), np.int64)
    for i in range(size):
        if side_by_side:
            out[i, 0], out[i, 1] = _walk_pair(state, n, death, first_death, gamma, first_extra)
        else:
            out[i, 0] = _count_by_inversion(state, first_death, False, n, death)
            out[i, 1] = _count_by_inversion(state, first_extra, True, n, gamma)
    _store_words(state, words)
    return out


@njit(cache=True)
def coefficients_both_ways(advantage, a_p, r, step_years):  # pragma: no cover - compiled
    """Kendall's coefficients of clones (for tests): by :func:`_coefficients_of_clones` and one clone at a time by
    :func:`_kendall_coefficients`. Returns (alphas, gammas, alphas one by one, gammas one by one)."""
    n = advantage.shape[0]
    alphas, gammas, alphas_one, gammas_one = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    _coefficients_of_clones(advantage, n, a_p, r, step_years, alphas, gammas)
    for i in range(n):
        birth, death = _rates(a_p * (1.0 + advantage[i]), r)
        alphas_one[i], gammas_one[i] = _kendall_coefficients(birth, death, step_years)
    return alphas, gammas, alphas_one, gammas_one


@njit(cache=True)
def lgamma_both_ways(x):  # pragma: no cover - compiled
    """``_lgamma_of_integer`` and ``math.lgamma`` of each value (for tests)."""
    out = np.empty((x.shape[0], 2))
    for i in range(x.shape[0]):
        out[i, 0], out[i, 1] = _lgamma_of_integer(x[i]), math.lgamma(x[i])
    return out


@njit(cache=True)
def draw_counts(words, kind, n, p, size):  # pragma: no cover - compiled
    """``size`` draws of the exact samplers (for tests): kind 0 Binomial(n, p), 1 Poisson(p), 2 Gamma(p, 1),
    3 the failures before n successes of probability 1 - p (NegativeBinomial)."""
    buffer = _record_state(words)
    state = buffer[0]
    out = np.empty(size)
    for i in range(size):
        if kind == 0:
            out[i] = _binomial_any(state, n, p)
        elif kind == 1:
            out[i] = _poisson(state, p)
        elif kind == 2:
            out[i] = _standard_gamma(state, p)
        else:
            out[i] = _negative_binomial_large(state, n, p)
    _store_words(state, words)
    return out


#: the scalars of a cohort's pool dynamics, in the order :func:`ch_lifespans` reads them from its ``pool`` array
POOL_FIELDS = ("n_star", "divisions_per_year", "strong_arrivals_per_cell_year", "weak_arrivals_per_cell_year",
               "selection_shape", "selection_rate_years", "min_selection_per_year", "proposal_rate",
               "panel_fraction")


@njit(cache=True, inline="always")
def _rates(stay, divisions_per_year):  # pragma: no cover - compiled
    """hemasim.clonal.ch.birth_death_rates for one clone."""
    a = min(max(stay, 0.0), 1.0)
    return divisions_per_year * a * a, divisions_per_year * (1.0 - a) * (1.0 - a)


@njit(cache=True)
def _grow_weak(weak_mass, a_p, wild, r, weak_rate, weak_probability, weak_advantage,
               step_years):  # pragma: no cover - compiled
    """The weak drivers' expected cells: the mean of the same process, arrivals spread over the step.
    Returns their load (cells x advantage) and their cells."""
    load = 0.0
    cells = 0.0
    for b in range(weak_advantage.shape[0]):
        lam_dt = r * (2.0 * a_p * (1.0 + weak_advantage[b]) - 1.0) * step_years
        growth_minus_one = math.expm1(lam_dt)
        grown = growth_minus_one / lam_dt if abs(lam_dt) > 1e-12 else 1.0
        arrivals = weak_rate * weak_probability[b] * wild * step_years
        weak_mass[b] = weak_mass[b] * (growth_minus_one + 1.0) + arrivals * grown
        load += weak_mass[b] * weak_advantage[b]
        cells += weak_mass[b]
    return load, cells


@njit(cache=True, inline="always")
def _midpoint(a_p, wild, n_star, r, step_years, strong_load, strong_load2, strong_cells, weak_load, weak_cells,
              weak_mass, weak_rate, weak_probability, weak_advantage):  # pragma: no cover - compiled
    """hemasim.clonal.ch._midpoint_competition for one person: the wild type's stay probability and the wild-type
    cells at the middle of the step, from the expected drift of the load and of the driver cells at its start."""
    r2a = 2.0 * a_p * r
    load_drift = r2a * (strong_load + strong_load2) - r * strong_load
    cells_drift = r2a * (strong_cells + strong_load) - r * strong_cells
    for b in range(weak_advantage.shape[0]):
        growth = (r2a * (1.0 + weak_advantage[b]) - r) * weak_mass[b] + weak_rate * weak_probability[b] * wild
        load_drift += growth * weak_advantage[b]
        cells_drift += growth
    load = strong_load + weak_load + 0.5 * step_years * load_drift
    driver_cells = strong_cells + weak_cells + 0.5 * step_years * cells_drift
    return 0.5 * n_star / (n_star + max(load, 0.0)), min(max(n_star - driver_cells, 0.0), n_star)


@njit(cache=True)
def midpoint_values(a_p, wild, n_star, r, step_years, strong_load, strong_load2, strong_cells, weak_load, weak_cells,
                    weak_mass, weak_rate, weak_probability, weak_advantage):  # pragma: no cover - compiled
    """:func:`_midpoint` called on its own (for tests)."""
    return _midpoint(a_p, wild, n_star, r, step_years, strong_load, strong_load2, strong_cells, weak_load, weak_cells,
                     weak_mass, weak_rate, weak_probability, weak_advantage)


@njit(cache=True)
def _enlarged(sizes, advantage, selection, panel, n_clones, capacity):  # pragma: no cover - compiled
    """The clone arrays copied into arrays of ``capacity`` entries. Copied element by element: a slice assignment
    compiles numba's shape-mismatch error (its message formatting, ~1.2 s of compile time) for shapes that are
    equal by construction."""
    new_sizes, new_advantage = np.empty(capacity, np.int64), np.empty(capacity)
    new_selection, new_panel = np.empty(capacity), np.empty(capacity, np.bool_)
    for i in range(n_clones):
        new_sizes[i], new_advantage[i], new_selection[i], new_panel[i] = sizes[i], advantage[i], selection[i], panel[i]
    return new_sizes, new_advantage, new_selection, new_panel


@njit(cache=True, error_model="numpy")
def _coefficients_of_clones(advantage, n_clones, a_p, r, step_years, alphas, gammas):  # pragma: no cover
    """alphas[i], gammas[i] = _kendall_coefficients(*_rates(a_p * (1 + advantage[i]), r), step_years) for every
    clone, the same values bit for bit, in a loop without branches that the compiler vectorises (four clones per
    AVX2 instruction; ~3.3 against ~10 ns per clone): the common case (1e-8 <= |lambda t| <= _EXPM1_SERIES_RANGE, a
    denominator that is not 0) with the same expressions as there; if any clone is outside it, every clone again by
    :func:`_kendall_coefficients` itself. No fast-math: vector arithmetic rounds as scalar arithmetic does.

    A function of its own (one call per person-step, so its arrays' reference counts cost nothing that matters),
    compiled with NumPy's error model: under Python's, a division checks its divisor for 0 to raise, and that exit
    from the loop keeps LLVM from vectorising it (a zero divisor here gives inf or nan, is flagged, and the clones
    are computed again)."""
    special = False
    for i in range(n_clones):
        birth, death = _rates(a_p * (1.0 + advantage[i]), r)
        lam_t = (birth - death) * step_years
        em1 = _expm1_series(lam_t)
        denom = birth * (em1 + 1.0) - death
        scale = em1 / denom
        alphas[i] = min(max(death * scale, 0.0), 1.0)
        gammas[i] = min(max(birth * scale, 0.0), 1.0 - 1e-15)
        special |= (abs(lam_t) < 1e-8) | (abs(lam_t) > _EXPM1_SERIES_RANGE) | (denom == 0.0)
    if special:  # rare (a clone growing by more than ~40% a year, or one critical to 1e-8): all again, as they were
        for i in range(n_clones):
            birth, death = _rates(a_p * (1.0 + advantage[i]), r)
            alphas[i], gammas[i] = _kendall_coefficients(birth, death, step_years)


@njit(cache=True, inline="always")
def _grow_clones(state, sizes, advantage, selection, panel, n_clones, a_p, r, step_years, alphas,
                 gammas):  # pragma: no cover
    """Every strong clone of one person over the step, exactly; the extinct are dropped (order kept). Returns
    (clones alive, their load (cells x advantage), cells x advantage^2, their cells).

    Kendall's coefficients of every clone are computed first, in a loop of their own (``alphas``, ``gammas``: room
    for ``n_clones``), then the sizes drawn: the same expressions, so the same values. In one loop with the draws,
    each clone's coefficients (a chain of ~40 dependent operations and a division) started only after the
    previous clone's draw had resolved its data-dependent branches, which the CPU mispredicts: ~29% of the
    lifespan's own samples (``perf``, one-year steps) sat in that chain. On their own, the chains of successive
    clones run side by side."""
    _coefficients_of_clones(advantage, n_clones, a_p, r, step_years, alphas, gammas)
    m = np.int64(0)  # int64 from the start: a literal 0 returned as the count compiled _enlarged twice
    load = 0.0
    load2 = 0.0
    cells = 0
    for i in range(n_clones):
        alpha, gamma = alphas[i], gammas[i]
        size = _kendall_size(state, sizes[i], alpha, gamma)
        if size < 0:
            size = _large_clone_size(state, sizes[i], alpha, gamma)
        # kept without a branch (whether a clone died is a branch the CPU mispredicts): the clone is written to slot
        # m either way and m moves on only if it lives; an extinct clone adds 0.0 to the sums, which leaves them
        # as they were (they start at +0.0 and only grow), so the sums are the same bit for bit
        sizes[m], advantage[m], selection[m], panel[m] = size, advantage[i], selection[i], panel[i]
        load += size * advantage[i]
        load2 += size * advantage[i] * advantage[i]
        cells += size
        m += size > 0
    return m, load, load2, cells


@njit(cache=True, inline="always")
def _hold_pool(sizes, advantage, n_clones, weak_mass, weak_advantage, n_star, driver_cells):  # pragma: no cover
    """Where drivers overfill the pool (a rare overshoot within a step) they are scaled down to it, as in the
    numpy path. Returns (strong load, strong cells x advantage^2, strong cells, weak load, weak cells) after it."""
    scale = n_star / max(driver_cells, 1.0)
    load = 0.0
    load2 = 0.0
    cells = 0
    for i in range(n_clones):
        sizes[i] = max(int(math.floor(sizes[i] * scale)), 1)
        load += sizes[i] * advantage[i]
        load2 += sizes[i] * advantage[i] * advantage[i]
        cells += sizes[i]
    weak_load = 0.0
    weak_cells = 0.0
    for b in range(weak_mass.shape[0]):
        weak_mass[b] *= scale
        weak_load += weak_mass[b] * weak_advantage[b]
        weak_cells += weak_mass[b]
    return load, load2, cells, weak_load, weak_cells


@njit(cache=True, inline="always")
def _record_year(j, sizes, panel, n_clones, driver_cells, n_star, max_panel, max_any, share, above,
                 above_cells):  # pragma: no cover - compiled
    """hemasim.clonal.ch._CohortRecord.year for one person: largest VAFs, the pool's driver share, clones at
    VAF >= 2% (``above_cells``: the fewest cells whose VAF is, :func:`_fewest_cells_at`).

    On the clones' integer sizes: a VAF is size / (2 n_star), which never decreases as the size grows (the
    conversion to float and a correctly rounded division by a positive number are monotone), so the largest VAF
    is the largest size's VAF and VAF >= 2% is size >= ``above_cells``: the values of one division per clone,
    bit for bit, from one division per year (the loop was a division and a store per clone, ~5% of the lifespan's
    samples with yearly steps)."""
    largest = 0
    largest_panel = 0
    count = 0
    for i in range(n_clones):
        largest = max(largest, sizes[i])
        largest_panel = max(largest_panel, sizes[i] if panel[i] else 0)
        count += sizes[i] >= above_cells
    if largest > 0:
        max_any[j] = max(max_any[j], largest / (2.0 * n_star))
    if largest_panel > 0:
        max_panel[j] = max(max_panel[j], largest_panel / (2.0 * n_star))
    above[j] += count
    share[j] = driver_cells / n_star


@njit(cache=True)
def _fewest_cells_at(vaf, n_star):  # pragma: no cover - compiled
    """The smallest clone size whose VAF, computed as :func:`_record_year` computes it, is >= ``vaf``."""
    cells = np.int64(math.ceil(vaf * 2.0 * n_star))
    while cells > 0 and (cells - 1) / (2.0 * n_star) >= vaf:
        cells -= 1
    while cells / (2.0 * n_star) < vaf:
        cells += 1
    return cells


@njit(cache=True, inline="always")
def _snapshot(j, sizes, selection, panel, n_clones, n_star, count, vaf, selection_out, panel_out):  # pragma: no cover
    """hemasim.clonal.ch._CohortRecord.snapshot for one person: the clones at VAF >= 0.1% into row ``j`` of the
    buffers; ``count[j]`` counts them all, also those past the buffers' end (the caller then runs the person
    again with room for them)."""
    for i in range(n_clones):
        if sizes[i] >= 0.001 * 2.0 * n_star:
            c = count[j]
            if c < vaf.shape[1]:
                vaf[j, c], selection_out[j, c], panel_out[j, c] = sizes[i] / (2.0 * n_star), selection[i], panel[i]
            count[j] = c + 1


@njit(cache=True, error_model="numpy")
def _lifespan(state, n_steps, steps_per_year, step_years, midpoint, pool, weak_probability, weak_advantage, method,
              snapshot_steps, max_panel, max_any, share, above, snap_count, snap_vaf, snap_selection,
              snap_panel):  # pragma: no cover - compiled
    """One person's HSC pool from birth over ``n_steps`` steps (:func:`hemasim.clonal.ch._step`, the same law),
    drawing from the xoshiro256++ ``state``; writes the person's rows of the records. ``midpoint``: the
    competition (the wild type's stay probability) and the wild-type cells of each step are predicted at its middle
    (:func:`hemasim.clonal.ch._midpoint_competition`), else held at their values at its start."""
    n_star, r, strong_rate, weak_rate = pool[0], pool[1], pool[2], pool[3]
    shape, rate, s_min, proposal_rate, panel_fraction = pool[4], pool[5], pool[6], pool[7], pool[8]
    sizes, advantage = np.empty(64, np.int64), np.empty(64)
    selection, panel = np.empty(64), np.empty(64, np.bool_)
    alphas, gammas = np.empty(64), np.empty(64)  # the clones' Kendall coefficients within a step (_grow_clones)
    above_cells = _fewest_cells_at(0.02, n_star)  # a clone at VAF >= 2% (_record_year)
    weak_mass = np.zeros(weak_advantage.shape[0])
    n_clones = np.int64(0)  # int64 from the start: a literal 0 compiled _coefficients_of_clones and _enlarged twice
    one_cell = np.int64(1)  # a founder, typed int64: a literal 1 would compile _large_clone_size a second time
    strong_load = strong_load2 = weak_load = driver_cells = 0.0
    strong_cells = weak_cells = 0.0
    next_snapshot = 0
    for k in range(1, n_steps + 1):
        a_p = 0.5 * n_star / (n_star + strong_load + weak_load)  # the wild type's stay probability holding the pool
        wild = max(n_star - driver_cells, 0.0)
        if midpoint:  # both at the step's middle, predicted from their expected drift at its start
            a_p, wild = _midpoint(a_p, wild, n_star, r, step_years, strong_load, strong_load2, strong_cells,
                                  weak_load, weak_cells, weak_mass, weak_rate, weak_probability, weak_advantage)
        n_clones, strong_load, strong_load2, strong_cells = _grow_clones(state, sizes, advantage, selection, panel,
                                                                         n_clones, a_p, r, step_years, alphas, gammas)
        weak_load, weak_cells = _grow_weak(weak_mass, a_p, wild, r, weak_rate, weak_probability, weak_advantage,
                                           step_years)
        n_new = _poisson(state, strong_rate * wild * step_years)
        if n_clones + n_new > sizes.shape[0]:
            sizes, advantage, selection, panel = _enlarged(sizes, advantage, selection, panel, n_clones,
                                                           2 * (n_clones + n_new))
            alphas, gammas = np.empty(sizes.shape[0]), np.empty(sizes.shape[0])
        for _ in range(n_new):  # new strong drivers: arrival uniform in the step, grown exactly to its end
            s = _selection(state, shape, rate, s_min, method, proposal_rate)
            adv = s * (1.0 / r)
            birth, death = _rates(a_p * (1.0 + adv), r)
            alpha, gamma = _kendall_coefficients(birth, death, step_years * _uniform(state))
            size = _kendall_size(state, 1, alpha, gamma)
            if size < 0:
                size = _large_clone_size(state, one_cell, alpha, gamma)
            in_panel = _uniform(state) < panel_fraction
            if size > 0:
                sizes[n_clones], advantage[n_clones], selection[n_clones], panel[n_clones] = size, adv, s, in_panel
                strong_load += size * adv
                strong_load2 += size * adv * adv
                strong_cells += size
                n_clones += 1
        driver_cells = strong_cells + weak_cells
        if driver_cells > n_star:
            strong_load, strong_load2, strong_cells, weak_load, weak_cells = _hold_pool(
                sizes, advantage, n_clones, weak_mass, weak_advantage, n_star, driver_cells)
            driver_cells = strong_cells + weak_cells
        if k % steps_per_year == 0:
            _record_year(k // steps_per_year, sizes, panel, n_clones, driver_cells, n_star, max_panel, max_any, share,
                         above, above_cells)
        if next_snapshot < snapshot_steps.shape[0] and snapshot_steps[next_snapshot] == k:
            _snapshot(next_snapshot, sizes, selection, panel, n_clones, n_star, snap_count, snap_vaf, snap_selection,
                      snap_panel)
            next_snapshot += 1


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def ch_lifespans(key, people, n_steps, steps_per_year, step_years, midpoint, pool, weak_probability, weak_advantage,
                 method, snapshot_steps, max_panel, max_any, share, above, snap_count, snap_vaf, snap_selection,
                 snap_panel):  # pragma: no cover - compiled
    """The lifespans of ``people`` (indices in the cohort whose SeedSequence gave ``key``), one parallel task each:
    row q of every output is person ``people[q]``, drawn from :func:`lifespan_state` of that index, so the
    result depends neither on the number of threads nor on which people are run together. ``pool`` holds
    :data:`POOL_FIELDS`; the outputs must come zeroed; ``snapshot_steps`` ascending."""
    for q in prange(people.shape[0]):
        state_buffer = np.empty(1, _STATE_DTYPE)
        state = state_buffer[0]  # a record: no reference counts in the clone loop (see _STATE_DTYPE)
        lifespan_state(key, people[q], state)
        _lifespan(state, n_steps, steps_per_year, step_years, midpoint, pool, weak_probability, weak_advantage,
                  method, snapshot_steps, max_panel[q], max_any[q], share[q], above[q], snap_count[q], snap_vaf[q],
                  snap_selection[q], snap_panel[q])


def cohort_key(seed: int | np.random.SeedSequence) -> np.ndarray:
    """The two 64-bit words from the SeedSequence of ``seed`` that seed every lifespan of a CH cohort."""
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return sequence.generate_state(2, np.uint64)


def person_state(seed: int | np.random.SeedSequence, person: int = 0) -> np.ndarray:
    """The xoshiro256++ state that person ``person`` of a cohort of ``seed`` starts from (tests draw from it), as
    4 words; computed in the record the lifespan kernel uses (the compiled :func:`lifespan_state` it runs)."""
    buffer = np.empty(1, _STATE_DTYPE)
    lifespan_state(cohort_key(seed), person, buffer[0])
    return buffer.view(np.uint64).copy()
