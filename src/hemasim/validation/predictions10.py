"""Read-outs of targets Z1-Z7 (branch predict30), each chosen and committed with its band before the model was run
on it: the granulocytes after one whole-body exposure (the lowest count by dose, Z1, and the days below 0.5e9/L, Z2,
against the Chernobyl database of Soloviev et al. 2013), blood CD34+ on day 5 of filgrastim 5 ug/kg/d in healthy
donors (Z3, Bonig 2014's table of donor studies), the ANC under ten daily doses of filgrastim 75-600 ug in healthy
volunteers (its rise with the dose, Z4; the hour of its peak after the first dose, Z5; its return within 48 hours
of the last, Z6; Borleffs 1998), and the blood CD34+ peak under filgrastim 10 ug/kg/d in an older donor over a
younger one (Z7, Motllo 2014).

Days are run days; a scenario's day 0 is its first dose (filgrastim) or its start (radiation: the exposure on day 1).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.scenario_runs import cached_scenario_run

ANC = "anc_1e9_per_L"
HOURS_PER_DAY = 24.0

# Z1, Z2: one whole-body exposure on day 1 (whole_body_radiation_granulocytes.yaml), the dose varied as data; the
# lowest ANC and the days it spends below 0.5e9/L over the 90 days after it.
_EXPOSURE_DAY = 1.0
AGRANULOCYTOSIS_1E9_PER_L = 0.5  # Soloviev 2013's agranulocytosis: granulocytes < 0.5e9/L


def _exposure(dose_Gy: float) -> Callable[[], Result]:
    return cached_scenario_run("whole_body_radiation_granulocytes", {"interventions": {0: {"total_dose_Gy": dose_Gy}}})


def lowest_anc_after_exposure(run: Callable[[], Result]) -> float:
    """The lowest ANC (1e9/L) after the exposure, to the end of the run."""
    r = run()
    return float(r.observable(ANC)[r.times > _EXPOSURE_DAY].min())


def days_below(times: np.ndarray, values: np.ndarray, level: float) -> float:
    """The time (days) ``values`` spend below ``level``: each output interval counts by the share of its two ends
    below (an interval that crosses the level counts half)."""
    below = (values < level).astype(np.float64)
    return float(np.sum(np.diff(times) * 0.5 * (below[1:] + below[:-1])))


def days_anc_below_after_exposure(run: Callable[[], Result], level: float = AGRANULOCYTOSIS_1E9_PER_L) -> float:
    """Days with ANC below ``level`` after the exposure (a lower bound if the count has not recovered by the end)."""
    r = run()
    after = r.times >= _EXPOSURE_DAY
    return days_below(r.times[after], r.observable(ANC)[after], level)


def _gy(dose_Gy: float) -> str:
    return f"{dose_Gy:.1f}".replace(".", "p")


_RADIATION: dict[str, Readout] = {
    **{f"whole_body_{_gy(d)}gy_lowest_anc_90d": OwnRun(partial(lowest_anc_after_exposure, _exposure(d)))
       for d in (1.0, 1.6, 3.0)},
    **{f"whole_body_{_gy(d)}gy_days_anc_below_0p5": OwnRun(partial(days_anc_below_after_exposure, _exposure(d)))
       for d in (3.0, 5.0)},
}

# Z3: filgrastim 5 ug/kg/d on days 0-4 (filgrastim_mobilisation.yaml at half its dose); blood CD34+ on the papers'
# day 5 of the course (run day 4, the morning of the first apheresis), the output nearest it.
_FIVE_UG = cached_scenario_run("filgrastim_mobilisation", {"interventions": {0: {"dose_ug_per_kg": 5}}})
_COURSE_DAY_5 = 4.0


def cd34_at(run: Callable[[], Result], day: float) -> float:
    """Blood CD34+ (cells/uL) at the output nearest run ``day`` (predictions11's U4/U5 read it too)."""
    r = run()
    return float(r.observable("cd34_blood_per_uL")[int(np.argmin(np.abs(r.times - day)))])


# Z7: filgrastim 10 ug/kg/d on days 0-4 (filgrastim_mobilisation.yaml as shipped) in a donor of 65 and of 40 (the
# middles of Motllo 2014's older, > 55 y, and younger groups as adults); the highest blood CD34+ of each run.
_AGED = {age: cached_scenario_run("filgrastim_mobilisation", {"patient": {"age_years": age}}) for age in (40.0, 65.0)}


def peak_cd34(run: Callable[[], Result]) -> float:
    """The highest blood CD34+ (cells/uL) of the run."""
    return float(run().observable("cd34_blood_per_uL").max())


_MOBILISATION: dict[str, Readout] = {
    "filgrastim_5ug_cd34_per_uL_course_day_5": OwnRun(lambda: cd34_at(_FIVE_UG, _COURSE_DAY_5)),
    "filgrastim_10ug_peak_cd34_ratio_age65_to_age40": OwnRun(lambda: peak_cd34(_AGED[65.0]) / peak_cd34(_AGED[40.0])),
}

# Z4-Z6: filgrastim once daily on days 0-9 (filgrastim_daily_ten_days.yaml), Borleffs 1998's fixed doses over the
# scenario's 75 kg
_WEIGHT_KG = 75.0
_LAST_DOSE_DAY = 9.0
_DAILY = {ug: cached_scenario_run("filgrastim_daily_ten_days", {"interventions": {0: {"dose_ug_per_kg": ug / _WEIGHT_KG}}})
          for ug in (75, 150, 300, 600)}


def peak_anc(run: Callable[[], Result]) -> float:
    """The highest ANC of the run (the ten doses and the five days after them)."""
    return float(run().observable(ANC).max())


def hours_to_first_peak(run: Callable[[], Result]) -> float:
    """Hours from the first dose (day 0) to the highest ANC before the second (day 1)."""
    r = run()
    first_day = r.times < 1.0
    return float(r.times[first_day][int(np.argmax(r.observable(ANC)[first_day]))] * HOURS_PER_DAY)


def anc_48h_after_last_dose_over_before(run: Callable[[], Result]) -> float:
    """ANC 48 hours after the tenth dose over the ANC before the first."""
    r = run()
    anc = r.observable(ANC)
    return float(np.interp(_LAST_DOSE_DAY + 2.0, r.times, anc) / anc[0])


_FILGRASTIM_DAILY: dict[str, Readout] = {
    "filgrastim_daily_x10_peak_anc_ratio_150_to_75ug": OwnRun(lambda: peak_anc(_DAILY[150]) / peak_anc(_DAILY[75])),
    "filgrastim_daily_x10_peak_anc_ratio_300_to_150ug": OwnRun(lambda: peak_anc(_DAILY[300]) / peak_anc(_DAILY[150])),
    **{f"filgrastim_daily_x10_{ug}ug_hours_to_first_anc_peak": OwnRun(partial(hours_to_first_peak, _DAILY[ug]))
       for ug in (75, 600)},
    **{f"filgrastim_daily_x10_{ug}ug_anc_48h_after_last_dose_over_before": OwnRun(
        partial(anc_48h_after_last_dose_over_before, _DAILY[ug])) for ug in (75, 600)},
}

PREDICTIONS10: dict[str, Readout] = {**_RADIATION, **_MOBILISATION, **_FILGRASTIM_DAILY}
