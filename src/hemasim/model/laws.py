"""The feedback laws, each written once: its value function and its SBML formula.

A feedback's value is ``offset + scale * g``; ``g`` is given by the feedback's :class:`FeedbackKind`. Every law
is one function ``g(t, s, p0, p1, p2, p3, p4)`` of time ``t`` (days), the signal ``s`` it reads (ignored by
laws of age or time) and the five feedback parameters. It is written with numpy ufuncs only, so the same
source serves both implementations of the equations:

* the numpy reference path (:meth:`hemasim.model.compiled.CompiledModel.feedback_values`) calls it with
  arrays of times and signals;
* the numba kernels (:mod:`hemasim.solvers._kernel`, :mod:`hemasim.solvers._lockstep`) compile it, with the
  dispatcher :func:`feedback_value`, on scalars once :func:`register_for_numba` has run.

:data:`LAWS` maps each kind to its value function and its SBML formula builder (used by
:mod:`hemasim.model.sbml`). Adding a law means: a member of ``FeedbackKind``, a value function, an SBML builder,
an entry in ``LAWS`` and a branch in ``feedback_value``; tests/test_laws.py checks the three agree.

numba caches compiled kernels per source file: after editing a law here, delete the ``__pycache__`` folder of
``hemasim/solvers`` (or touch ``_kernel.py`` and ``_lockstep.py``) so the kernels are rebuilt.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hemasim.model.core import FeedbackKind

DAYS_PER_YEAR = 365.25
#: How many parameters every feedback law receives (unused ones are zero).
N_FEEDBACK_PARAMS = 5

# The kind numbers as plain ints, derived from the enum, for the numba dispatcher (numba folds module-level
# ints into constants).
#: the kind numbers the kernels fold in, as bytes to hash: FeedbackKind's names and values, all a kernel takes from
#: model/core.py
FEEDBACK_KIND_NUMBERS = repr([(kind.name, int(kind)) for kind in FeedbackKind]).encode()
#: what a kernel compiling these laws in is made of: this file and the kind numbers it folds in (a changed kind
#: number must rebuild the cached kernels; hemasim.solvers._cache.rebuild_when_inlined_sources_change, and the
#: ahead-of-time module's name, hemasim.solvers._aot.fingerprint). Not the whole of model/core.py, which holds the
#: enum: any edit there (a docstring, Model's checks) made numba recompile every kernel (~75 s CPU from empty) and
#: the warm-up rebuild the ahead-of-time module (docs/performance.md, the suite's twenty-sixth session)
KERNEL_SOURCES: tuple[str | bytes, ...] = (__file__, FEEDBACK_KIND_NUMBERS)
HILL_RATIO = int(FeedbackKind.HILL_RATIO)
AGE_DECLINE = int(FeedbackKind.AGE_DECLINE)
LINEAR_INHIBITION = int(FeedbackKind.LINEAR_INHIBITION)
EMAX = int(FeedbackKind.EMAX)
WINDOW = int(FeedbackKind.WINDOW)
LINEAR = int(FeedbackKind.LINEAR)
POWER = int(FeedbackKind.POWER)

# ---------------------------------------------------------------------------------------------- value functions
# A signal is never negative (a sum of non-negative weights times states clamped at zero; Model checks the
# weights), so the laws need not clamp it.


def hill_ratio(t: Any, s: Any, ref: Any, c: Any, n: Any, p3: Any, p4: Any) -> Any:
    """(1 + c) / (1 + c (s/ref)^n): 1 at s = ref, 1 + c at s = 0, towards 0 for large s."""
    return (1.0 + c) / (1.0 + c * (s / ref) ** n)


def age_decline(t: Any, s: Any, age0_years: Any, rate_per_year: Any, onset_years: Any, ref_age_years: Any,
                aging: Any) -> Any:
    """exp(-rate (max(age, onset) - max(ref_age, onset))), age = age0 + aging t / 365.25 (aging 0 or 1)."""
    age_years = age0_years + aging * t / DAYS_PER_YEAR
    return np.exp(-rate_per_year * (np.maximum(age_years, onset_years) - np.maximum(ref_age_years, onset_years)))


def linear_inhibition(t: Any, s: Any, slope: Any, p1: Any, p2: Any, p3: Any, p4: Any) -> Any:
    """max(0, 1 - slope s): a linear drug effect, capped so the flow never reverses."""
    return np.maximum(0.0, 1.0 - slope * s)


def emax(t: Any, s: Any, e_max: Any, ec50: Any, h: Any, p3: Any, p4: Any) -> Any:
    """1 + emax s^h / (ec50^h + s^h) (emax < 0 inhibits, > 0 stimulates)."""
    s_h = s**h
    return 1.0 + e_max * s_h / (ec50**h + s_h)


def window(t: Any, s: Any, start_day: Any, end_day: Any, p2: Any, p3: Any, p4: Any) -> Any:
    """1 while start <= t < end, else 0."""
    return 1.0 * ((t >= start_day) & (t < end_day))


def linear(t: Any, s: Any, slope: Any, p1: Any, p2: Any, p3: Any, p4: Any) -> Any:
    """slope s, unbounded."""
    return slope * s


def power(t: Any, s: Any, ref: Any, exponent: Any, floor: Any, p3: Any, p4: Any) -> Any:
    """(max(s, floor) / ref)^exponent."""
    return (np.maximum(s, floor) / ref) ** exponent


def feedback_value(kind: int, t: Any, s: Any, p0: Any, p1: Any, p2: Any, p3: Any, p4: Any) -> Any:
    """g of a feedback of kind ``kind`` (the numba kernels' dispatcher; NaN for an unknown kind)."""
    if kind == HILL_RATIO:
        # exponent 1 (most of the model's Hill laws): u ** 1 by numba's integer power is u, which the C library's
        # pow(u, 1.0) returns too (exactly: within its 0.52 ulp of u), without the ~15 ns of its log and exp
        return hill_ratio(t, s, p0, p1, 1, p3, p4) if p2 == 1.0 else hill_ratio(t, s, p0, p1, p2, p3, p4)
    if kind == AGE_DECLINE:
        return age_decline(t, s, p0, p1, p2, p3, p4)
    if kind == LINEAR_INHIBITION:
        return linear_inhibition(t, s, p0, p1, p2, p3, p4)
    if kind == EMAX:
        return emax(t, s, p0, p1, p2, p3, p4)
    if kind == WINDOW:
        return window(t, s, p0, p1, p2, p3, p4)
    if kind == LINEAR:
        return linear(t, s, p0, p1, p2, p3, p4)
    if kind == POWER:
        return power(t, s, p0, p1, p2, p3, p4)
    return math.nan


# ---------------------------------------------------------------------------------------------- SBML formulas
# Each builder takes the SBML id of the signal (empty for laws of age or time) and the ids of the five parameters.
# SBML has no max(): piecewise(a, a > b, b) is max(a, b). Time is in days (the model's time unit).


def _sbml_hill_ratio(s: str, p: Sequence[str]) -> str:
    return f"(1 dimensionless + {p[1]}) / (1 dimensionless + {p[1]} * pow({s} / {p[0]}, {p[2]}))"


def _sbml_age_decline(s: str, p: Sequence[str]) -> str:
    age = f"({p[0]} + {p[4]} * time / {float(DAYS_PER_YEAR)!r} day)"
    return f"exp(-{p[1]} * (piecewise({age}, {age} > {p[2]}, {p[2]}) - piecewise({p[3]}, {p[3]} > {p[2]}, {p[2]})))"


def _sbml_linear_inhibition(s: str, p: Sequence[str]) -> str:
    return f"piecewise(1 dimensionless - {p[0]} * {s}, {p[0]} * {s} < 1 dimensionless, 0 dimensionless)"


def _sbml_emax(s: str, p: Sequence[str]) -> str:
    # s^h / (ec50^h + s^h) as u / (1 + u), u = (s / ec50)^h: the same value, with a power of a number only (a power of
    # a count to a parameter's exponent has no unit libSBML can check: it warned on every drug and immune law)
    u = f"pow({s} / {p[1]}, {p[2]})"
    return f"1 dimensionless + {p[0]} * {u} / (1 dimensionless + {u})"


def _sbml_window(s: str, p: Sequence[str]) -> str:
    return f"piecewise(1 dimensionless, {p[0]} * 1 day <= time && time < {p[1]} * 1 day, 0 dimensionless)"


def _sbml_linear(s: str, p: Sequence[str]) -> str:
    return f"{p[0]} * {s}"


def _sbml_power(s: str, p: Sequence[str]) -> str:
    return f"pow(piecewise({s}, {s} > {p[2]}, {p[2]}) / {p[0]}, {p[1]})"


# ---------------------------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class FeedbackLaw:
    """One feedback law: its value function (numpy and numba), its SBML formula and its parameter units."""

    kind: FeedbackKind
    value: Callable[..., Any]  # g(t, s, p0, p1, p2, p3, p4)
    sbml_formula: Callable[[str, Sequence[str]], str]  # (signal id, parameter ids) -> SBML L3 formula of g
    reads_signal: bool
    #: SBML units of p0, p1, ... (the rest dimensionless): a reference or an EC50 is in the signal's unit, a slope per
    #: it, so that g is dimensionless. Every signal is declared "item" and its weights dimensionless (model.sbml), so
    #: "item" stands for whatever the signal is: a number of cells, a drug's concentration in ug/L (its amount in ug
    #: times a 1/V weight), an antigen's AU. libSBML's clean unit check shows each law consistent in those declared
    #: units; it does not check a signal's physical unit, nor that an EC50 is in the one its signal has
    parameter_units: tuple[str, ...] = ()


LAWS: Mapping[FeedbackKind, FeedbackLaw] = {law.kind: law for law in (
    FeedbackLaw(FeedbackKind.HILL_RATIO, hill_ratio, _sbml_hill_ratio, True, parameter_units=("item",)),
    FeedbackLaw(FeedbackKind.AGE_DECLINE, age_decline, _sbml_age_decline, False),
    FeedbackLaw(FeedbackKind.LINEAR_INHIBITION, linear_inhibition, _sbml_linear_inhibition, True,
                parameter_units=("per_item",)),
    FeedbackLaw(FeedbackKind.EMAX, emax, _sbml_emax, True, parameter_units=("dimensionless", "item")),
    FeedbackLaw(FeedbackKind.WINDOW, window, _sbml_window, False),
    FeedbackLaw(FeedbackKind.LINEAR, linear, _sbml_linear, True, parameter_units=("per_item",)),
    FeedbackLaw(FeedbackKind.POWER, power, _sbml_power, True, parameter_units=("item", "dimensionless", "item")),
)}
if set(LAWS) != set(FeedbackKind):  # pragma: no cover - a new kind without its law
    raise ImportError(f"feedback kinds without a law: {sorted(set(FeedbackKind) - set(LAWS))}")


def law(kind: int) -> FeedbackLaw:
    """The law of a feedback kind (an enum member or its number)."""
    return LAWS[FeedbackKind(int(kind))]


_registered = False


def register_for_numba() -> None:
    """Make the value functions and :func:`feedback_value` callable from numba-compiled code.

    numba is imported here, not at module level, so the numpy reference path and the SBML export never load it.
    Called by :mod:`hemasim.solvers._kernel` at import, before anything is compiled.
    """
    global _registered
    if _registered:
        return
    from numba.extending import register_jitable

    # Not inline="always": numba-IR inlining retypes every law at every call site, which doubled the kernels'
    # first compilation. Each law compiles once per caller flags (fastmath is inherited from the caller) and
    # LLVM inlines it when it links the kernel, so constant arguments still fold (pow(u, 2.0) -> u * u).
    for fn in (*(entry.value for entry in LAWS.values()), feedback_value):
        register_jitable(fn)
    _registered = True
