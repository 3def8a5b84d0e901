"""Fit of the naive T-cell pools' decline at the reference age (docs/model.md, "Naive pools with age: a pool already
shrinking at the reference age"; issue 17, eighteenth session, branch naiveage; rule committed before this fit).

Law (hemasim.biology.lymphoid.naive_history_factor): past the reference age a_r (35 y) a naive pool follows
dN/dt = theta(t) - k N with k = s d + delta, s d the thymus's share of the per-cell loss at a_r (den Braber 2012,
Vrisekoop 2008) and delta the pool's decline at a_r; N(a) / N(a_r) = H(a), 1 up to a_r.

Data (data/naive_counts_by_age/folds.csv; no validation target's source): the fold reduction of naive CD4 and naive CD8
counts in 70- to >90-year-olds against young adults (Italian reference values, 288 healthy subjects 20-107 y,
abstract). Read-out: H(80), the old class's middle, against young adults (<= a_r, H = 1). Each delta is solved so
that H(80) = 1 / fold, the central fold the stated one (CD4 4) or the log-scale middle of a stated range (CD8 2- to
3-fold: 2.449); the range's ends (CD4 "4-fold" read as 3.5-4.5) give the interval, and the old class's age at 75 and
85 the sensitivity. The abstract gives no standard errors: two data, two parameters, no likelihood.

H depends on the fit's other inputs (the reference age among them, where the decline starts): ``refit`` solves both
declines with other values of the assumed ones, the coupling bench/sensitivity_screen.py declares so that its screen
refits the declines at each reference age it runs (docs/sensitivity.md, "Fitted parameters refitted with the assumed
parameters their fit held").

    PYTHONPATH=src python docs/naive_decline_fit.py     # prints the fitted declines and intervals
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from pathlib import Path

from scipy.optimize import brentq

from hemasim.biology.lymphoid import NAIVE_DECLINE_PARAMETER, NAIVE_HISTORY_PARAMETERS, naive_history_factor
from hemasim.parameters import Assumed, healthy_adult_parameters

DATA = Path(__file__).resolve().parents[1] / "data" / "naive_counts_by_age" / "folds.csv"
HALF_LIFE = {"naive_cd4": "naive_cd4_half_life_years", "naive_cd8": "naive_cd8_half_life_years"}
#: the old class's middle (70 to >90 y) and the ages tried for its sensitivity
OLD_AGE, OLD_AGE_SENSITIVITY = 80.0, (75.0, 85.0)
DELTA_BOUNDS = (0.0, 0.1)  # 1/year, the parameters' bounds


#: the fitted parameter of each pool
FITTED = {pool: NAIVE_DECLINE_PARAMETER[half_life] for pool, half_life in HALF_LIFE.items()}


def assumed_inputs() -> tuple[str, ...]:
    """The fit's inputs (what H reads besides the declines) whose records are Assumed: the fit held them, so a
    screen that varies them refits the declines (``refit``)."""
    table = healthy_adult_parameters()
    return tuple(n for n in (*NAIVE_HISTORY_PARAMETERS, *HALF_LIFE.values()) if isinstance(table[n].provenance, Assumed))


def _reader(pool: str, delta: float, held: Mapping[str, float] | None) -> Callable[[str], float]:
    params = healthy_adult_parameters().with_values(**{NAIVE_DECLINE_PARAMETER[HALF_LIFE[pool]]: delta, **(held or {})})
    return lambda name: params[name].value


def history_at(pool: str, delta: float, age: float, held: Mapping[str, float] | None = None) -> float:
    """The pool's set point at ``age`` over that at the reference age, for a decline ``delta`` (1/year); ``held``:
    other values of the fit's inputs (the reference age) than the shipped ones."""
    return float(naive_history_factor(_reader(pool, delta, held), HALF_LIFE[pool], age))


def solve_delta(pool: str, fold: float, age: float = OLD_AGE, held: Mapping[str, float] | None = None) -> float:
    """The decline at the reference age that makes the pool ``fold`` times smaller at ``age`` than in young adults."""
    return float(brentq(lambda d: history_at(pool, d, age, held) - 1.0 / fold, *DELTA_BOUNDS, xtol=1e-10))


def read_data() -> list[dict[str, str]]:
    lines = [ln for ln in DATA.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


def fit() -> dict[str, dict[str, float]]:
    """Per pool: the central decline, its interval over the stated fold range, and the old-age sensitivity."""
    out: dict[str, dict[str, float]] = {}
    for row in read_data():
        pool, low, high, central = (row["pool"], float(row["fold_low"]), float(row["fold_high"]),
                                    float(row["fold_central"]))
        out[pool] = {"fold": central, "delta": solve_delta(pool, central),
                     "delta_low": solve_delta(pool, low), "delta_high": solve_delta(pool, high),
                     **{f"delta_at_{a:g}": solve_delta(pool, central, a) for a in OLD_AGE_SENSITIVITY}}
    return out


def refit(held: Mapping[str, float]) -> dict[str, float]:
    """Each pool's central decline (parameter name -> 1/year) with the fit's inputs at ``held`` (the reference age
    and the other assumed inputs, by name) instead of their shipped values: the data's folds at 80 y honoured."""
    return {FITTED[row["pool"]]: solve_delta(row["pool"], float(row["fold_central"]), held=held) for row in read_data()}


def main() -> None:
    for pool, r in fit().items():
        d = r["delta"]
        print(f"{pool}: fold {r['fold']:.3f} at {OLD_AGE:g} y -> delta {d:.5f}/year "
              f"(fold range -> [{r['delta_low']:.5f}, {r['delta_high']:.5f}]; old class at "
              + ", ".join(f"{a:g} y: {r[f'delta_at_{a:g}']:.5f}" for a in OLD_AGE_SENSITIVITY)
              + f"); H(100) = {history_at(pool, d, 100.0):.4f} (delta 0: {history_at(pool, 0.0, 100.0):.4f})")


if __name__ == "__main__":
    main()
