"""Where the naive CD4 shortfall 12 months after Cy/ATG and an autologous graft comes from (target R7; sixteenth
session, branch `thymreb`, issue 17; the findings are in docs/transplant.md, "Naive CD4 recovery after Cy/ATG:
diagnosis"). An exploration, not a fit: no shipped value is changed.

The run is R7's scenario (src/hemasim/validation/scenarios/ms_autologous_hsct.yaml: a woman of 35, Cy/ATG from day
30, CD34-selected graft on day 35) with daily output. For each what-if (the IL-7-driven thymic rebound's maximum
``thymic_lymphopenia_max_fold`` at 1, 3 (shipped), 10 and 20, and the naive pool's lymphopenic division
``il7_max_fold``, and the steepness ``il7_hill`` of the IL-7-like law, alone and with the largest rebound) it gives naive CD4 over its level before conditioning at 1, 3, 6 and 12 months, thymic CD4
export over its baseline, thymocytes over their resting number, and the naive CD4 cells gained in the first year by
source (thymic export, division of naive cells already in the periphery) and lost (death, conversion to memory).

Run: PYTHONPATH=src python docs/thymic_rebound_diagnosis.py (a few minutes of CPU).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from hemasim.biology.origins import DONOR, HOST, origin_name
from hemasim.simulation import Result

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "src" / "hemasim" / "validation" / "scenarios" / "ms_autologous_hsct.yaml"
CONDITIONING_DAY, GRAFT_DAY = 30.0, 35.0
MONTHS = (1.0, 3.0, 6.0, 12.0)
DAYS_PER_MONTH = 365.25 / 12.0

#: what-ifs (explorations, none adopted): (label, parameter overrides)
WHAT_IFS: tuple[tuple[str, dict[str, float]], ...] = (
    ("thymic rebound max 1 (none)", {"thymic_lymphopenia_max_fold": 1.0}),
    ("shipped (thymic rebound max 3)", {}),
    ("thymic rebound max 10", {"thymic_lymphopenia_max_fold": 10.0}),
    ("thymic rebound max 20 (upper bound)", {"thymic_lymphopenia_max_fold": 20.0}),
    ("naive lymphopenic division max 10 -> 100", {"il7_max_fold": 100.0}),
    ("IL-7-like Hill 1 -> 4 (every pool)", {"il7_hill": 4.0}),
    ("rebound max 20 and Hill 4", {"thymic_lymphopenia_max_fold": 20.0, "il7_hill": 4.0}),
)


def run(overrides: dict[str, float]) -> Result:
    """R7's scenario to 12.5 months after the graft, daily output, with ``overrides`` (its ``parameters:``)."""
    from hemasim.assembly import run_scenario
    from hemasim.scenario import parse_scenario

    data = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    data["duration_days"] = GRAFT_DAY + 12.5 * DAYS_PER_MONTH
    data["output"] = {"every_days": 1.0}
    if overrides:
        data["parameters"] = {**data.get("parameters", {}), **overrides}
    return run_scenario(parse_scenario(data, SCENARIO.name))


def _both(result: Result, name: str, flux: bool) -> np.ndarray:
    """A compartment's cells (or a flow's rate), host plus graft-derived."""
    get = result.flux if flux else result.state
    return np.asarray(get(origin_name(name, HOST)) + get(origin_name(name, DONOR)))


def _at(result: Result, series: np.ndarray, day: float) -> float:
    return float(np.interp(day, result.times, series))


def _integral(result: Result, flow: str, start: float, end: float) -> float:
    keep = (result.times >= start - 1e-9) & (result.times <= end + 1e-9)
    return float(np.trapezoid(_both(result, flow, True)[keep], result.times[keep]))


def summary(result: Result) -> dict[str, float]:
    """Naive CD4 and thymus read-outs of one run (ratios to the last output before conditioning)."""
    before = CONDITIONING_DAY - 1.0
    naive = _both(result, "naive_cd4", False)
    export = _both(result, "thymic_export_cd4", True)
    thymocytes = _both(result, "thymocyte_1", False) + _both(result, "thymocyte_2", False)
    n0, e0, t0 = _at(result, naive, before), _at(result, export, before), _at(result, thymocytes, before)
    out = {"naive CD4 after the kill / before": _at(result, naive, GRAFT_DAY) / n0,
           "thymocytes after the kill / before": _at(result, thymocytes, GRAFT_DAY) / t0}
    for mo in MONTHS:
        day = GRAFT_DAY + mo * DAYS_PER_MONTH
        out[f"naive CD4 m{mo:g} / before"] = _at(result, naive, day) / n0
        out[f"thymic CD4 export m{mo:g} / before"] = _at(result, export, day) / e0
        out[f"thymocytes m{mo:g} / before"] = _at(result, thymocytes, day) / t0
    end = GRAFT_DAY + 12.0 * DAYS_PER_MONTH
    # first-year naive CD4 balance, as shares of the pool before conditioning
    out["year 1: thymic export / pool before"] = _integral(result, "thymic_export_cd4", GRAFT_DAY, end) / n0
    out["year 1: division / pool before"] = _integral(result, "naive_cd4_proliferation", GRAFT_DAY, end) / n0
    out["year 1: lost / pool before"] = sum(_integral(result, f, GRAFT_DAY, end)
                                           for f in ("naive_cd4_death", "naive_cd4_to_memory")) / n0
    out["baseline thymic export / pool, per day"] = e0 / n0
    return out


def main() -> None:
    rows = [(label, summary(run(overrides))) for label, overrides in WHAT_IFS]
    keys = list(rows[0][1])
    print("| read-out | " + " | ".join(label for label, _ in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for key in keys:
        print(f"| {key} | " + " | ".join(f"{values[key]:.3g}" for _, values in rows) + " |")


if __name__ == "__main__":
    main()
