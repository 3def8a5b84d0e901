"""exp, log and pow in plain arithmetic, so that loops over a lock-step chunk's patients vectorise.

numba compiles ``math.exp`` and ``x ** y`` into calls of the C library's scalar functions, which the compiler
cannot turn into SIMD instructions (numba vectorises them only with Intel's SVML, not a dependency here). In the
lock-step kernel those calls were most of a right-hand side's cost: 5 powers and one exponential per patient and
evaluation against ~80 flows of multiplications. The functions here use only multiplications, additions and bit
operations on the IEEE-754 representation (a bit cast, which costs nothing), so a loop that calls them on every
patient of a chunk runs 8 patients per instruction on AVX-512.

Accuracy: within a few units in the last place of the C library's results over the whole double range (tested in
tests/test_vecmath.py), i.e. relative differences of ~1e-15, far below any tolerance the integrators use.

Method (Cody & Waite's argument reduction, as in every libm): log x = e ln 2 + log m with x = m 2^e and m in
[sqrt(1/2), sqrt(2)), log m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (m - 1)/(m + 1), |s| <= 0.172, summed
to s^23; exp y = 2^k exp(r), k = round(y / ln 2), |r| <= ln(2)/2, exp(r) by its Taylor series to r^14. ln 2 is
split in a high part with trailing zero bits and a low part so that k ln 2 is exact enough. These helpers are
compiled without fastmath (the reduction must not be reassociated, the special cases must see NaN); inlined
into a fastmath caller they keep their own flags. They are ``inline="always"`` (inlined in numba's IR), so each
caller compiles them into its own loop; numba's on-disk cache checks only the caller's file, so ``_lockstep.py``
lists this file among the modules whose change rebuilds its kernels (``_cache.rebuild_when_inlined_sources_change``).
Callers need ``error_model="numpy"``: numba's default checks every division for a zero divisor, a branch that
keeps the loop from vectorising.
"""

from __future__ import annotations

import math

from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["fast_exp", "fast_log", "fast_pow"]

_LN2_HI = 6.93147180369123816490e-01  # ln 2 with its last 32 bits zero: k * _LN2_HI is exact for |k| < 2^20
_LN2_LO = 1.90821492927058770002e-10  # ln 2 - _LN2_HI
_INV_LN2 = 1.44269504088896338700e00
_SQRT2 = 1.4142135623730951
_MANTISSA = 0x000FFFFFFFFFFFFF
_EXPONENT_OF_ONE = 0x3FF0000000000000
_EXP_MAX = 709.782712893384  # above: exp overflows
_EXP_MIN = -745.1332191019412  # below: exp underflows to zero


@intrinsic
def _bits(typingctx, x):  # pragma: no cover - compiled
    """The IEEE-754 bits of a float64, as an int64 (a bit cast: no instruction)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return sig, codegen


@intrinsic
def _from_bits(typingctx, b):  # pragma: no cover - compiled
    """The float64 whose IEEE-754 bits are the int64 ``b``."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@njit(inline="always")
def _log_finite(x):  # pragma: no cover - compiled
    """log x for a finite x > 0 that is not subnormal (other x give a finite number without meaning)."""
    bits = _bits(x)
    m = _from_bits((bits & _MANTISSA) | _EXPONENT_OF_ONE)  # x = m 2^e, m in [1, 2)
    big = m > _SQRT2
    m = m * 0.5 if big else m
    ef = float((bits >> 52) - 1022) if big else float((bits >> 52) - 1023)
    f = m - 1.0  # exact for m in [sqrt(1/2), sqrt(2))
    s = f / (2.0 + f)
    z = s * s
    series = 1.0 + z * (1 / 3 + z * (1 / 5 + z * (1 / 7 + z * (1 / 9 + z * (1 / 11 + z * (1 / 13 + z * (
        1 / 15 + z * (1 / 17 + z * (1 / 19 + z * (1 / 21 + z * (1 / 23)))))))))))
    return ef * _LN2_HI + (2.0 * s * series + ef * _LN2_LO)  # log m = 2 s series


@njit(inline="always")
def _exp_bounded(y):  # pragma: no cover - compiled
    """e^y for y in [_EXP_MIN, _EXP_MAX] (other y give a number without meaning)."""
    k = math.floor(y * _INV_LN2 + 0.5)
    r = (y - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 + r * (1.0 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (
        1 / 5040 + r * (1 / 40320 + r * (1 / 362880 + r * (1 / 3628800 + r * (1 / 39916800 + r * (
            1 / 479001600 + r * (1 / 6227020800 + r * (1 / 87178291200))))))))))))))
    ki = int(k)
    half = ki >> 1  # 2^k as two factors: k down to -1075 (subnormal results) and up to 1024 stay representable
    return p * _from_bits((half + 1023) << 52) * _from_bits((ki - half + 1023) << 52)


# The public functions compute the regular result and choose the special cases with selects, not branches: the
# loops that call them then have one path, which the compiler vectorises.
@njit(inline="always")
def fast_log(x):  # pragma: no cover - compiled
    """Natural logarithm (log 0 = -inf, log of a negative number or NaN = NaN, log inf = inf)."""
    subnormal = x < 2.2250738585072014e-308
    v = _log_finite(x * 18014398509481984.0 if subnormal else x)  # subnormals scaled by 2^54 first
    v = v - 54.0 * 0.6931471805599453 if subnormal else v
    v = -math.inf if x == 0.0 else v
    v = math.inf if x == math.inf else v
    return math.nan if (x != x or x < 0.0) else v


@njit(inline="always")
def fast_exp(y):  # pragma: no cover - compiled
    """e^y (0 below the underflow limit, inf above the overflow limit, NaN for NaN)."""
    v = _exp_bounded(min(max(y, _EXP_MIN), _EXP_MAX))
    v = math.inf if y > _EXP_MAX else v
    v = 0.0 if y < _EXP_MIN else v
    return y if y != y else v


@njit(inline="always")
def fast_pow(x, y):  # pragma: no cover - compiled
    """x^y for x >= 0 (a power of a cell count or a concentration): exp(y log x), with x^0 = 1, 0^y = 0 (y > 0)
    or inf (y < 0); NaN for x < 0 or NaN."""
    v = fast_exp(y * fast_log(x))
    v = (0.0 if y > 0.0 else math.inf) if x == 0.0 else v
    return 1.0 if y == 0.0 else v
