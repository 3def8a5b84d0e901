"""The fit of the naive T-cell pools' decline at the reference age, as a function of the assumed inputs it held.

Law (:func:`hemasim.biology.lymphoid.naive_history_factor`): past the reference age a_r a naive pool follows
dN/dt = theta(t) - k N with k = s d + delta; N(a) / N(a_r) = H(a), 1 up to a_r. Each pool's decline delta is the root
of H(80 y) = 1 / fold, the fold the Italian reference values' reduction of naive counts in 70- to >90-year-olds
against young adults (data/naive_counts_by_age/folds.csv, whose ``fold_central`` column the constants below copy;
docs/model.md, "Naive pools with age: a pool already shrinking at the reference age"). H depends on the reference age
(where the decline starts) and the thymic output's peak age, both Assumed: :func:`refit` solves both declines at other
values of them, the shipped coupling of ``hemasim sensitivity`` and ``hemasim sweep``
(:func:`hemasim.sensitivity.coupling.shipped_couplings`; docs/sensitivity.md). docs/naive_decline_fit.py runs the
fit with its intervals from these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hemasim.biology.lymphoid import NAIVE_DECLINE_PARAMETER, NAIVE_HISTORY_PARAMETERS, naive_history_factor

__all__ = ["CENTRAL_FOLD", "FITTED", "HALF_LIFE", "OLD_AGE", "assumed_inputs", "history_at", "refit", "solve_delta"]

#: each pool's half-life parameter
HALF_LIFE = {"naive_cd4": "naive_cd4_half_life_years", "naive_cd8": "naive_cd8_half_life_years"}
#: the fitted parameter of each pool
FITTED = {pool: NAIVE_DECLINE_PARAMETER[half_life] for pool, half_life in HALF_LIFE.items()}
#: the central fold reduction at OLD_AGE against young adults (data/naive_counts_by_age/folds.csv, fold_central: the
#: abstract's CD4 "4-fold" and the log-scale middle of its CD8 "2- to 3-fold"; a test checks they match the file)
CENTRAL_FOLD = {"naive_cd4": 4.0, "naive_cd8": 2.449}
#: the old class's middle (70 to >90 y), years
OLD_AGE = 80.0
DELTA_BOUNDS = (0.0, 0.1)  # 1/year, the parameters' bounds


def assumed_inputs() -> tuple[str, ...]:
    """The fit's inputs (what H reads besides the declines) whose records are Assumed: the fit held them, so a
    design that varies them refits the declines (:func:`refit`)."""
    from hemasim.parameters import Assumed, healthy_adult_parameters

    table = healthy_adult_parameters()
    return tuple(n for n in (*NAIVE_HISTORY_PARAMETERS, *HALF_LIFE.values()) if isinstance(table[n].provenance, Assumed))


def _reader(pool: str, delta: float, held: Mapping[str, float] | None) -> Callable[[str], float]:
    from hemasim.parameters import healthy_adult_parameters

    params = healthy_adult_parameters().with_values(**{FITTED[pool]: delta, **(held or {})})
    return lambda name: params[name].value


def history_at(pool: str, delta: float, age: float, held: Mapping[str, float] | None = None) -> float:
    """The pool's set point at ``age`` over that at the reference age, for a decline ``delta`` (1/year); ``held``:
    other values of the fit's inputs (the reference age) than the shipped ones."""
    return float(naive_history_factor(_reader(pool, delta, held), HALF_LIFE[pool], age))


def solve_delta(pool: str, fold: float, age: float = OLD_AGE, held: Mapping[str, float] | None = None) -> float:
    """The decline at the reference age (1/year) that makes the pool ``fold`` times smaller at ``age`` (years) than
    in young adults."""
    from scipy.optimize import brentq  # scipy is slow to import: only where a fit runs

    def miss(d: float) -> float:
        return history_at(pool, d, age, held) - 1.0 / fold

    lo, hi = DELTA_BOUNDS
    if miss(lo) * miss(hi) > 0:  # e.g. a reference age of 65 y leaves 15 years for CD4's 4-fold: > 0.1/year
        at = ", ".join(f"{k}={v:g}" for k, v in (held or {}).items())
        raise ValueError(f"no {FITTED[pool]} within its bounds [{lo:g}, {hi:g}] 1/year makes the {pool} pool "
                         f"{fold:g}-fold smaller at {age:g} y than at the reference age{' with ' + at if at else ''}: "
                         "the fit's data exclude this point (narrow the range, or hold the fitted parameters: "
                         "--hold-fitted)")
    return float(brentq(miss, lo, hi, xtol=1e-10))


def refit(held: Mapping[str, float]) -> dict[str, float]:
    """Each pool's central decline (parameter name -> 1/year) with the fit's inputs at ``held`` (the reference age
    and the other assumed inputs, by name) instead of their shipped values: the data's folds at 80 y honoured."""
    return {FITTED[pool]: solve_delta(pool, fold, held=held) for pool, fold in CENTRAL_FOLD.items()}
