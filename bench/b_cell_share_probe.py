"""What a B-cell recovery course would have to measure to fix the two assumed B-cell movers (branch bfit36).

Issue 17 asks for `b_marrow_share_of_production` and `b_precursor_residence_days` to be fitted on published B-cell
recovery courses that no target uses. None with its uncertainty was found (docs/sensitivity.md, "B-cell fit (branch
bfit36)"), so nothing is fitted; this probe says, before any such data are read, how much blood B counts after an
autologous transplant change when either parameter is halved or doubled, i.e. how precise counts at which months
would have to be to bound them. It reads no target's read-out and chooses no value.

Scenarios: the shipped autologous ones (T5's high-dose melphalan graft, run for 400 days; M1/M2's Cy/ATG and
CD34-selected graft, its first 400 days after the graft). Output: blood B cells per uL at months 1, 2, 3, 6, 9 and 12
after the graft, as a share of the same patient's count untreated (day 0).

    PYTHONPATH=src python bench/b_cell_share_probe.py
"""

from __future__ import annotations

import numpy as np

from hemasim.validation.scenario_runs import scenario_run

_MONTH_DAYS = 30.44
_MONTHS = (1, 2, 3, 6, 9, 12)
# (scenario, conditioning day, graft day, duration in days); the conditioning day is for the reader
_SCENARIOS = (("auto_hsct_melphalan", 0.0, 2.0, 400), ("ms_autologous_hsct", 30.0, 35.0, 440))
_PROBES = (
    ("shipped", {}),
    ("marrow share x0.5 (1/6)", {"b_marrow_share_of_production": 1.0 / 6.0}),
    ("marrow share x2 (2/3)", {"b_marrow_share_of_production": 2.0 / 3.0}),
    ("precursor residence x0.5 (7 d)", {"b_precursor_residence_days": 7.0}),
    ("precursor residence x2 (28 d)", {"b_precursor_residence_days": 28.0}),
)


def _b_share(result, untreated, graft_day: float) -> list[float]:
    days = np.asarray(result.times)
    b = np.asarray(result.observable("b_cells_per_uL"))
    # the same patient untreated, on day 0: a conditioning that starts on day 0 has acted by the first output
    before = float(np.asarray(untreated.observable("b_cells_per_uL"))[0])
    return [float(np.interp(graft_day + m * _MONTH_DAYS, days, b)) / before for m in _MONTHS]


def main() -> None:
    for name, _conditioning_day, graft_day, duration in _SCENARIOS:
        print(f"\n{name}: blood B cells / untreated, months after the graft {_MONTHS}")
        for label, params in _PROBES:
            result = scenario_run(name, {"duration_days": duration, "output": {"every_days": 1},
                                         "parameters": params})
            untreated = scenario_run(name, {"duration_days": 1, "interventions": [], "parameters": params})
            shares = _b_share(result, untreated, graft_day)
            print(f"  {label:34s} " + " ".join(f"{s:6.3f}" for s in shares))


if __name__ == "__main__":
    main()
