"""Which term carries the lymphocyte recovery after a depletion in adults, target by target (twenty-sixth session,
branch `lymphrec30`; P7, P8, Y4, L3, R6, R7; the findings are in docs/lymphocyte_regrowth.md). An exploration, not
a fit: no shipped value is changed, and the prediction targets' read-outs are recomputed here as diagnostics only
(nothing was chosen by looking at them).

Four validation scenarios, each read as its targets read it:

- alemtuzumab_lymphodepletion (P7, P8, Y4): peripheral T, B and NK pools to 5% on day 10, a woman of 40;
- dose_intense_chemotherapy_lymphodepletion (L3): the same pools to 40% on day 10, a woman of 51;
- auto_hsct_melphalan_myeloma (R6): high-dose melphalan on day 0, autologous graft on day 2, a man of 57;
- ms_autologous_hsct (R7): Cy/ATG from day 30, CD34-selected autologous graft on day 35, a woman of 35.

For each it gives (1) the target read-outs on the shipped model, (2) every peripheral lymphocyte pool's blood count
before the depletion, just after it and at the read-out, (3) the pool's balance from the depletion to the read-out:
cells made outside the periphery (marrow B and NK precursors, thymic export), division at the resting per-cell rate,
the extra division the lymphopenic feedback adds, conversion in from another pool (naive -> memory, CM -> EM), and
every loss, and (4) the read-outs with one lymphopenic term switched off at a time (its maximum fold 1: the pool
divides at its resting rate whatever its size), all of them off, and - for the alemtuzumab scenario - the depletion
held for the ~30 days the antibody stays in serum (Li 2018 Clin Exp Immunol 194:295, abstract, pages corpus:
concentrations "mostly fell below the limit of quantitation by day 30"), as the most that the antibody's stay can
delay the refill. Last, the calibration targets of the memory folds (T3, T4, T6) with each memory term off.

Run: PYTHONPATH=src python docs/lymphocyte_regrowth_diagnosis.py (about two minutes of CPU).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hemasim.assembly import run_scenario
from hemasim.biology.origins import DONOR, HOST, origin_name
from hemasim.endpoints import evaluate_endpoints
from hemasim.scenario import parse_scenario
from hemasim.simulation import Result
from hemasim.validation.months import CALENDAR_MONTH_DAYS, VACCINE_MONTH_DAYS
from hemasim.validation.predictions_misc import _first_time_at_or_above as _first_at_or_above  # P7/P8's own crossing
from hemasim.validation.scenario_runs import varied_scenario_data

DAYS_PER_MONTH = CALENDAR_MONTH_DAYS  # the alemtuzumab and R7 read-outs' month, 365.25 / 12
CHEMO_MONTH = VACCINE_MONTH_DAYS  # L3's month, 30.44 (the scenario's comment)


@dataclass(frozen=True)
class Pool:
    """A peripheral lymphocyte pool and the flows that change it (names as in hemasim.biology.lymphoid)."""

    name: str
    compartment: str
    production: tuple[str, ...]  # made outside the periphery (marrow, thymus)
    division: str
    conversion_in: tuple[str, ...]
    losses: tuple[str, ...]  # death and conversion out


POOLS = (
    Pool("NK", "nk_cells", ("nk_precursor_maturation",), "nk_cells_proliferation", (), ("nk_cells_death",)),
    Pool("B", "b_cells", ("b_precursor_2_out",), "b_cells_proliferation", (), ("b_cells_death",)),
    Pool("naive CD4", "naive_cd4", ("thymic_export_cd4",), "naive_cd4_proliferation", (),
         ("naive_cd4_death", "naive_cd4_to_memory")),
    Pool("CM CD4", "cm_cd4", (), "cm_cd4_proliferation", ("naive_cd4_to_memory",),
         ("cm_cd4_death", "cm_cd4_to_em_cd4")),
    Pool("EM CD4", "em_cd4", (), "em_cd4_proliferation", ("cm_cd4_to_em_cd4",), ("em_cd4_death",)),
    Pool("naive CD8", "naive_cd8", ("thymic_export_cd8",), "naive_cd8_proliferation", (),
         ("naive_cd8_death", "naive_cd8_to_memory")),
    Pool("memory CD8", "memory_cd8", (), "memory_cd8_proliferation", ("naive_cd8_to_memory",), ("memory_cd8_death",)),
)

#: the lymphopenic terms (each a maximum fold of a HILL_RATIO feedback on division; 1 switches it off)
LYMPHOPENIC_TERMS = {
    "CD8 memory (IL-15-like, max 8)": "cd8_memory_lymphopenia_max_fold",
    "CD4 memory (max 1.7)": "cd4_memory_lymphopenia_max_fold",
    "NK (max 10)": "nk_lymphopenia_max_fold",
    "naive T (IL-7-like, max 10)": "il7_max_fold",
    "thymic rebound (max 3)": "thymic_lymphopenia_max_fold",
    "B (BAFF-like, max 1: already off)": "b_lymphopenia_max_fold",
}


@dataclass(frozen=True)
class Case:
    """A validation scenario, the days its pool balance runs between and how its targets read it."""

    scenario: str
    duration_days: float
    every_days: float
    after_day: float  # just after the depletion (or the graft)
    readout_day: Callable[[Result], float]  # the day the pool balance runs to
    readouts: Callable[[Result], dict[str, float]]


def _before(r: Result, observable: str, day: float) -> float:
    return float(r.observable(observable)[r.times < day][-1])


def _at(r: Result, observable: str, day: float) -> float:
    return float(np.interp(day, r.times, r.observable(observable)))


# ---------------------------------------------------------------------------------------------------- read-outs
ALEM_DAY = 10.0


def _months_to(r: Result, observable: str, level: float) -> float:
    """As predictions_misc._months_to_reach: months from the depletion until ``observable`` is back at ``level``."""
    after = r.times >= ALEM_DAY
    times, values = r.times[after], r.observable(observable)[after]
    below = np.flatnonzero(values < level)
    if below.size == 0:
        return 0.0
    reached = _first_at_or_above(times[int(below[0]):], values[int(below[0]):], level)
    return ((reached if reached is not None else float(r.times[-1])) - ALEM_DAY) / DAYS_PER_MONTH


def _alemtuzumab(r: Result) -> dict[str, float]:
    b0 = _before(r, "b_cells_per_uL", ALEM_DAY)
    return {"P7 months to B 100/uL [5.3, 9.5]": _months_to(r, "b_cells_per_uL", 100.0),
            "P8 months to lymphocytes 1e9/L [8.8, 18.2]": _months_to(r, "lymphocytes_1e9_per_L", 1.0),
            "P8 info: months to CD8 200/uL (median 20)": _months_to(r, "cd8_per_uL", 200.0),
            "P8 info: months to CD4 400/uL (median 35)": _months_to(r, "cd4_per_uL", 400.0),
            "label: CD4/uL month 1 (mean 40)": _at(r, "cd4_per_uL", ALEM_DAY + DAYS_PER_MONTH),
            "label: CD4/uL month 12 (mean 270)": _at(r, "cd4_per_uL", ALEM_DAY + 12 * DAYS_PER_MONTH),
            "Y4 info: B month 3 / before (Thompson ~1)": _at(r, "b_cells_per_uL", ALEM_DAY + 3 * DAYS_PER_MONTH) / b0,
            "Y4 B month 12 / before [1.01, -]": _at(r, "b_cells_per_uL", ALEM_DAY + 12 * DAYS_PER_MONTH) / b0}


CHEMO_DAY = 10.0


def _chemo(r: Result) -> dict[str, float]:
    c0 = _before(r, "cd4_per_uL", CHEMO_DAY)
    return {f"L3 CD4 month {m} / before [0, 0.5]": _at(r, "cd4_per_uL", CHEMO_DAY + m * CHEMO_MONTH) / c0
            for m in (3, 6, 12, 14)}


MYELOMA_GRAFT = 2.0


def _engraftment_day(r: Result) -> float:
    day = {e.name: e.value for e in evaluate_endpoints(r)}["neutrophil_engraftment_day"]
    return math.nan if day is None else float(day)


def _myeloma(r: Result) -> dict[str, float]:
    day = _engraftment_day(r)
    return {"R6 neutrophil engraftment day after graft": day,
            "R6 CD4/uL at it [100, 200]": _at(r, "cd4_per_uL", MYELOMA_GRAFT + day),
            "R6 info: naive CD4/uL at it": _at(r, "naive_cd4_per_uL", MYELOMA_GRAFT + day)}


MS_CONDITIONING, MS_GRAFT = 30.0, 35.0


def _ms(r: Result) -> dict[str, float]:
    n0, c0 = _before(r, "naive_cd4_per_uL", MS_CONDITIONING), _before(r, "cd4_per_uL", MS_CONDITIONING)
    return {"R7 naive CD4 month 12 / before [1, -]": _at(r, "naive_cd4_per_uL", MS_GRAFT + 12 * DAYS_PER_MONTH) / n0,
            "R7 CD4 month 24 / before [0, 0.999]": _at(r, "cd4_per_uL", MS_GRAFT + 24 * DAYS_PER_MONTH) / c0,
            "R7 info: naive CD4 month 3 / before": _at(r, "naive_cd4_per_uL", MS_GRAFT + 3 * DAYS_PER_MONTH) / n0}


CASES = {
    "alemtuzumab (P7, P8, Y4)": Case("alemtuzumab_lymphodepletion", ALEM_DAY + 37 * DAYS_PER_MONTH, 1.0,
                                     ALEM_DAY + 0.5, lambda r: ALEM_DAY + 12 * DAYS_PER_MONTH, _alemtuzumab),
    "dose-intense chemotherapy (L3)": Case("dose_intense_chemotherapy_lymphodepletion",
                                           CHEMO_DAY + 14 * CHEMO_MONTH + 1, 1.0, CHEMO_DAY + 0.5,
                                           lambda r: CHEMO_DAY + 12 * CHEMO_MONTH, _chemo),
    "melphalan + autologous graft (R6)": Case("auto_hsct_melphalan_myeloma", 60.0, 0.25, MYELOMA_GRAFT,
                                              lambda r: MYELOMA_GRAFT + _engraftment_day(r), _myeloma),
    "Cy/ATG + autologous graft (R7)": Case("ms_autologous_hsct", MS_GRAFT + 24.5 * DAYS_PER_MONTH, 1.0,
                                           MS_GRAFT, lambda r: MS_GRAFT + 12 * DAYS_PER_MONTH, _ms),
}


def run(case: Case, parameters: dict[str, float] | None = None, antibody_days: float = 0.0) -> Result:
    """The case's validation scenario with ``parameters`` (its ``parameters:``); ``antibody_days`` > 0 repeats the
    alemtuzumab scenario's depletion every 2 days for that long (a kill that lasts as the antibody does)."""
    variation: dict = {"duration_days": case.duration_days, "output": {"every_days": case.every_days}}
    if parameters:
        variation["parameters"] = parameters
    data = varied_scenario_data(case.scenario, variation)
    if antibody_days > 0:
        first = data["interventions"][0]
        data["interventions"] = [dict(first, day=first["day"] + k) for k in np.arange(0.0, antibody_days + 1e-9, 2.0)]
    return run_scenario(parse_scenario(data, case.scenario))


# ---------------------------------------------------------------------------------------------------- balances
def _names(r: Result, name: str) -> list[str]:
    """The compartment's or flow's names in this model: itself, or its host and donor copies."""
    split = [origin_name(name, HOST), origin_name(name, DONOR)]
    return split if origin_name("b_cells", HOST) in r.model.state_names else [name]


def _state(r: Result, name: str) -> np.ndarray:
    return sum(np.asarray(r.state(n)) for n in _names(r, name))


def _flux(r: Result, name: str) -> np.ndarray:
    return sum(np.asarray(r.flux(n)) for n in _names(r, name))


def _integral(r: Result, series: np.ndarray, start: float, end: float) -> float:
    keep = (r.times >= start - 1e-9) & (r.times <= end + 1e-9)
    return float(np.trapezoid(series[keep], r.times[keep]))


def per_uL(r: Result) -> float:
    """Blood cells/uL per whole-body cell of a lymphocyte pool (the model's nk_cells_per_uL weight)."""
    i = r.model.observable_names.index("nk_cells_per_uL")
    return float(r.model.obs_state_w[i][r.model.index(_names(r, "nk_cells")[0])])


def at_rest(case: Case) -> Result:
    """The case's patient with no intervention, one day (the pools at their set points, every feedback 1)."""
    data = varied_scenario_data(case.scenario, {"duration_days": 1.0, "output": {"every_days": 1.0}})
    data["interventions"] = []
    return run_scenario(parse_scenario(data, case.scenario))


def balance(r: Result, rest: Result, case: Case) -> list[tuple[str, ...]]:
    """Per pool (blood cells/uL): count at rest (before), just after the depletion, at the read-out; from just
    after the depletion to the read-out, cells made outside the periphery, division at the resting per-cell rate,
    the lymphopenic extra, conversion in, and losses."""
    k = per_uL(r)
    start, end = case.after_day, case.readout_day(r)
    rows = []
    for p in POOLS:
        x = _state(r, p.compartment)
        x_rest = float(_state(rest, p.compartment)[0])
        p0 = float(_flux(rest, p.division)[0]) / x_rest  # the resting per-cell rate (every feedback 1 at rest)
        division = _flux(r, p.division)
        made = sum(_integral(r, _flux(r, f), start, end) for f in p.production)
        div = _integral(r, division, start, end)
        resting = _integral(r, p0 * x, start, end)
        conv = sum(_integral(r, _flux(r, f), start, end) for f in p.conversion_in)
        lost = sum(_integral(r, _flux(r, f), start, end) for f in p.losses)
        rows.append((p.name, *(f"{k * v:.0f}" for v in (x_rest, np.interp(start, r.times, x),
                                                           np.interp(end, r.times, x), made, resting,
                                                           div - resting, conv, lost))))
    return rows


#: the calibration targets the memory folds were chosen on, with the memory terms off (each run in a process of its
#: own by docs/validation_challenges.py's measure: the validation read-outs keep their runs for a process)
CALIBRATION_TARGETS = ["T3", "T4", "T6"]
CALIBRATION_WHAT_IFS = {"shipped": {}, "CD4 memory off": {"cd4_memory_lymphopenia_max_fold": 1.0},
                        "CD8 memory off": {"cd8_memory_lymphopenia_max_fold": 1.0}}


def calibration() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from validation_challenges import _measured_apart

    measured = {label: _measured_apart(CALIBRATION_TARGETS, values) for label, values in CALIBRATION_WHAT_IFS.items()}
    print("\n## The calibration targets of the memory folds (T3, T4, T6) with a memory term off\n")
    print("| target | check | band | " + " | ".join(measured) + " |")
    print("|---|---|---|" + "---|" * len(measured))
    for target in CALIBRATION_TARGETS:
        for i, check in enumerate(measured["shipped"][target]):
            cells = []
            for label in measured:
                c = measured[label][target][i]
                cells.append(f"{c['value']:.3g}" + (" (fail)" if c["status"] == "fail" else ""))
            print(f"| {target} | {check['readout']} | {check['band'][0]:g}-{check['band'][1]:g} | " + " | ".join(cells)
                  + " |")


def main() -> None:
    for title, case in CASES.items():
        base = run(case)
        print(f"\n## {title}: {case.scenario}\n")
        print(f"Pool balance from day {case.after_day:g} to day {case.readout_day(base):.1f} (blood cells/uL; "
              "'before': the patient at rest)\n")
        print("| pool | before | just after | at read-out | made (marrow/thymus) | resting division | "
              "lymphopenic extra division | conversion in | lost |")
        print("|---|---|---|---|---|---|---|---|---|")
        for row in balance(base, at_rest(case), case):
            print("| " + " | ".join(row) + " |")
        variants: list[tuple[str, Result]] = [("shipped", base)]
        for label, parameter in LYMPHOPENIC_TERMS.items():
            if parameter == "b_lymphopenia_max_fold":
                continue
            variants.append((f"{label} off", run(case, {parameter: 1.0})))
        variants.append(("CD4 and CD8 memory off", run(case, {"cd4_memory_lymphopenia_max_fold": 1.0,
                                                              "cd8_memory_lymphopenia_max_fold": 1.0})))
        variants.append(("every lymphopenic term off", run(case, {p: 1.0 for p in LYMPHOPENIC_TERMS.values()})))
        if case.scenario == "alemtuzumab_lymphodepletion":
            variants.append(("depletion held 30 days (antibody's stay)", run(case, antibody_days=30.0)))
        values = [(label, case.readouts(r)) for label, r in variants]
        print("\n| read-out | " + " | ".join(label for label, _ in values) + " |")
        print("|---|" + "---|" * len(values))
        for key in values[0][1]:
            print(f"| {key} | " + " | ".join(f"{v[key]:.3g}" for _, v in values) + " |")
    calibration()


if __name__ == "__main__":
    main()
