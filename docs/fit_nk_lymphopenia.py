"""Profile interval of nk_lymphopenia_max_fold on T3's NK read-outs (branch refit31; docs/sensitivity.md, "The
reach screen's calibration movers with their fits redone"). Run: PYTHONPATH=src python docs/fit_nk_lymphopenia.py

Rule (committed before it ran). Data: T3 (calibration; Storek 2008, Bosch 2012): after Cy/TBI and an allogeneic
PBSC graft (5e6 CD34+/kg) NK cells reach half of the adult reference count within "weeks" - T3's NK band, days 7-60
(its info check allo_pbsc_nk_50pct_normal_day) - and before CD8 T cells (its check allo_pbsc_50pct_normal_day_ratio_
cd8_to_nk > 1.01). No prediction target enters. The band has no centre (a published "weeks", no mean or SD), so
the data give an interval of values, not a point: the profile interval is every value within the record's bounds
(1-100) at which both read-outs meet their bands, from a scan of :data:`GRID` values (geometric, 1-100) with each
edge refined by bisection to 1% of the value. Where the interval holds the shipped 10, the value stays (a choice
inside what the data admit, like the threshold calibrations I1 and D3) and its record becomes Calibrated on T3
with the interval; where T3's bands hold at every value in the bounds, T3 does not bound it and it stays assumed.
"""

from __future__ import annotations

import json
import sys

import numpy as np

NAME = "nk_lymphopenia_max_fold"
NK_DAY_BAND = (7.0, 60.0)  # T3's info check allo_pbsc_nk_50pct_normal_day (targets.yaml)
RATIO_LOW = 1.01  # T3's check allo_pbsc_50pct_normal_day_ratio_cd8_to_nk
GRID = 25


def t3_nk(fold: float) -> tuple[float, float]:
    """T3's NK read-outs with the fold set: (days to half the NK reference count, CD8 day over NK day), as the
    validation reads them (hemasim.validation.transplant)."""
    from hemasim.validation import transplant
    from hemasim.validation.scenario_runs import scenario_run

    run = scenario_run("cy_tbi_pbsc", {"duration_days": 5 * 365.25 + 7, "parameters": {NAME: fold},
                                       "interventions": {1: {"donor": "allogeneic", "cd34_per_kg": 5e6}}})
    nk = transplant._half_normal_day(lambda: run, "nk")
    cd8 = transplant._half_normal_day(lambda: run, "cd8")
    return nk, cd8 / nk


def admitted(fold: float) -> bool:
    nk, ratio = t3_nk(fold)
    return NK_DAY_BAND[0] <= nk <= NK_DAY_BAND[1] and ratio > RATIO_LOW


def _edge(inside: float, outside: float) -> float:
    """The edge of the interval between an admitted and a refused value, by bisection in log to 1%."""
    while abs(np.log(outside / inside)) > np.log(1.01):
        mid = float(np.sqrt(inside * outside))
        inside, outside = (mid, outside) if admitted(mid) else (inside, mid)
    return inside


def profile() -> dict:
    from hemasim.parameters import healthy_adult_parameters

    lo, hi = healthy_adult_parameters()[NAME].bounds
    grid = np.geomspace(lo, hi, GRID)
    rows = [(float(f), *t3_nk(float(f))) for f in grid]
    ok = [NK_DAY_BAND[0] <= nk <= NK_DAY_BAND[1] and ratio > RATIO_LOW for _, nk, ratio in rows]
    if not any(ok):
        return {"scan": rows, "interval": None}
    first, last = ok.index(True), len(ok) - 1 - ok[::-1].index(True)
    if not all(ok[first:last + 1]):
        raise SystemExit(f"the admitted values are not one interval: {list(zip(grid, ok, strict=True))}")
    low = float(grid[first]) if first == 0 else _edge(float(grid[first]), float(grid[first - 1]))
    high = float(grid[last]) if last == len(grid) - 1 else _edge(float(grid[last]), float(grid[last + 1]))
    return {"scan": rows, "interval": [low, high], "at_interval": {"low": t3_nk(low), "high": t3_nk(high)},
            "bounded": not (first == 0 and last == len(grid) - 1)}


if __name__ == "__main__":
    out = profile()
    for f, nk, ratio in out["scan"]:
        print(f"{NAME} {f:8.3g}: NK half-normal day {nk:6.1f}, CD8/NK {ratio:6.2f}")
    print("profile interval:", out["interval"], "at its ends:", out.get("at_interval"),
          "bounded by T3:", out.get("bounded"))
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)
