"""HSC cycling after an allogeneic graft against a human measurement, one at a time over `hsc_max_division_fold`'s
sourced range (issue 17 item 2, twenty-second session; docs/sensitivity_screen.md, "Sources for the remaining
movers").

The datum (Blood 2002;99(7):2387, abstract, pages corpus; 25 allogeneic HSCT recipients and their donors): the share
of marrow CD34+CD90+ cells in S/G2/M was 4.3% in the donors, 15.7% 2-6 months after the graft and 11.5% at 12
months. Read as a division rate (a share in S/G2/M is the rate times the time in S/G2/M, which is taken as the same
at rest and after a graft) the primitive compartment divides 3.65 times faster than at rest 2-6 months after the
graft and 2.67 times at 12 months. The model's read-out: the HSC pool's divisions per day per HSC (observables
``hsc_divisions_per_day`` over ``hsc_count_cells``) in examples/allo_hsct_pbsc.yaml, averaged over months 2-6 and
11-12 after the graft, over the resting rate 1 / ``hsc_division_interval_days``. No fitted parameter acts on the HSC
pool (the engraftment fit's four values act downstream of it), so the fits are not rerun.

    nice -n 10 env PYTHONPATH=src python bench/hsc_cycling_check.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "allo_hsct_pbsc.yaml"
FOLDS = (3.8, 5.0, 7.0, 10.0, 14.0, 20.5)  # the sourced range 3.8-20.5, the shipped 10 among them
DATUM = {"months 2-6": 15.7 / 4.3, "month 12": 11.5 / 4.3}
WINDOWS = {"months 2-6": (61.0, 183.0), "month 12": (335.0, 366.0)}  # days after the graft


def ratios(fold: float) -> dict[str, float]:
    """The model's HSC division rate per cell over its resting rate in each window, and the HSC pool (share of its
    resting size) at 4 and 12 months, with ``hsc_max_division_fold`` at ``fold``."""
    from hemasim import load_scenario, run_scenario
    from hemasim.parameters import healthy_adult_parameters

    base = load_scenario(SCENARIO)
    graft_day = next(float(i.day) for i in base.interventions if i.kind == "transplant")
    scenario = base.model_copy(update={"parameters": {**(base.parameters or {}), "hsc_max_division_fold": fold}})
    result = run_scenario(scenario)
    frame = result.observables
    t = np.asarray(result.times, dtype=float) - graft_day
    count = frame["hsc_count_cells"].to_numpy()
    rate = frame["hsc_divisions_per_day"].to_numpy() / count
    rest = 1.0 / healthy_adult_parameters().value("hsc_division_interval_days")
    out = {name: float(rate[(t >= lo) & (t <= hi)].mean() / rest) for name, (lo, hi) in WINDOWS.items()}
    resting_pool = healthy_adult_parameters().value("hsc_count")
    for label, day in (("pool at 4 months", 122.0), ("pool at 12 months", 365.0)):
        out[label] = float(count[int(np.argmin(abs(t - day)))] / resting_pool)
    return out


def main() -> int:
    rows = {fold: ratios(fold) for fold in FOLDS}
    print("| `hsc_max_division_fold` | HSC division rate / rest, months 2-6 (datum 3.65) | month 12 (datum 2.67) "
          "| HSC pool / rest at 4 months | at 12 months |")
    print("|---|---|---|---|---|")
    for fold, row in rows.items():
        print(f"| {fold:g} | {row['months 2-6']:.2f} | {row['month 12']:.2f} | {row['pool at 4 months']:.2f} "
              f"| {row['pool at 12 months']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
