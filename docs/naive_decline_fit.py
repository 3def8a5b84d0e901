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

H depends on the fit's other inputs (the reference age among them, where the decline starts): the solver and
``refit`` (both declines at other values of the assumed inputs) live in the library,
hemasim.biology.naive_decline_fit, whose refit is the shipped coupling of ``hemasim sensitivity``, ``hemasim sweep``
and bench/sensitivity_screen.py (docs/sensitivity.md, "Fitted parameters refitted with the assumed parameters their
fit held"); this script runs the fit with its intervals.

    PYTHONPATH=src python docs/naive_decline_fit.py     # prints the fitted declines and intervals
"""

from __future__ import annotations

import csv
from pathlib import Path

from hemasim.biology.naive_decline_fit import (
    CENTRAL_FOLD,
    FITTED,
    HALF_LIFE,
    OLD_AGE,
    assumed_inputs,
    history_at,
    refit,
    solve_delta,
)

__all__ = ["CENTRAL_FOLD", "DATA", "FITTED", "HALF_LIFE", "OLD_AGE", "OLD_AGE_SENSITIVITY", "assumed_inputs", "fit",
           "history_at", "read_data", "refit", "solve_delta"]

DATA = Path(__file__).resolve().parents[1] / "data" / "naive_counts_by_age" / "folds.csv"
#: the ages tried for the old class's sensitivity (its middle, OLD_AGE, is the fit's)
OLD_AGE_SENSITIVITY = (75.0, 85.0)


def read_data() -> list[dict[str, str]]:
    lines = [ln for ln in DATA.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


def fit() -> dict[str, dict[str, float]]:
    """Per pool: the central decline, its interval over the stated fold range, and the old-age sensitivity."""
    out: dict[str, dict[str, float]] = {}
    for row in read_data():
        pool, low, high, central = (row["pool"], float(row["fold_low"]), float(row["fold_high"]),
                                    float(row["fold_central"]))
        if central != CENTRAL_FOLD[pool]:  # the library's copy (hemasim.biology.naive_decline_fit) is the data's
            raise SystemExit(f"{DATA}: {pool} fold_central {central} != the library's CENTRAL_FOLD {CENTRAL_FOLD[pool]}")
        out[pool] = {"fold": central, "delta": solve_delta(pool, central),
                     "delta_low": solve_delta(pool, low), "delta_high": solve_delta(pool, high),
                     **{f"delta_at_{a:g}": solve_delta(pool, central, a) for a in OLD_AGE_SENSITIVITY}}
    return out


def main() -> None:
    for pool, r in fit().items():
        d = r["delta"]
        print(f"{pool}: fold {r['fold']:.3f} at {OLD_AGE:g} y -> delta {d:.5f}/year "
              f"(fold range -> [{r['delta_low']:.5f}, {r['delta_high']:.5f}]; old class at "
              + ", ".join(f"{a:g} y: {r[f'delta_at_{a:g}']:.5f}" for a in OLD_AGE_SENSITIVITY)
              + f"); H(100) = {history_at(pool, d, 100.0):.4f} (delta 0: {history_at(pool, 0.0, 100.0):.4f})")


if __name__ == "__main__":
    main()
