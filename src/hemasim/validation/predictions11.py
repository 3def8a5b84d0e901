"""Read-outs of targets U1-U5 (branch predict30b), each chosen and committed with its band before the model was run
on it: the donor's platelet count in the days after one plateletpheresis, relative to his count before it - 7 days
after (U1, 25 donors on MCS+, bloodjournal.ir a_id 1239), 3 and 5 days after (U2, Hans 2019, 29 donors on Trima and
Amicus) and its rebound above the count before 8-11 days after (U3, Transfusion 1981, 352 donors on Haemonetics
Model 30); and blood CD34+ under filgrastim 6 and 8 ug/kg every 12 hours over 10 ug/kg once a day in healthy
donors (U4, U5, Arbona 1998); blood CD34+ after one 12-mg pegfilgrastim injection in healthy donors, its peak (U6,
Kroschinsky 2005) and its rise from day 4 to day 5 (U7, Li 2020), branch predict32d.

The collection is on run day 10 (scenario plateletpheresis_one_collection_follow_up.yaml); "before" is the last
output before it, as W1-W3 read theirs (:mod:`hemasim.validation.predictions6`).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.predictions6 import FIRST_COLLECTION_DAY, Run, ratio_after_first_collection, value_before
from hemasim.validation.predictions10 import cd34_at, peak_cd34
from hemasim.validation.scenario_runs import cached_scenario_run

PLATELETS = "platelets_1e9_per_L"
_FOLLOW_UP = cached_scenario_run("plateletpheresis_one_collection_follow_up")


def highest_ratio_between(run: Run, observable: str, first_day_after: float, last_day_after: float) -> float:
    """The highest ``observable`` from ``first_day_after`` to ``last_day_after`` days after the collection (outputs in
    that window, ends included) over its value before the collection."""
    r = run()
    days_after = r.times - FIRST_COLLECTION_DAY
    window = (days_after >= first_day_after - 1e-9) & (days_after <= last_day_after + 1e-9)
    return float(np.max(r.observable(observable)[window]) / value_before(r, observable, FIRST_COLLECTION_DAY))


_PLATELETPHERESIS: dict[str, Readout] = {
    **{f"plateletpheresis_platelet_ratio_day{d}": OwnRun(
        partial(ratio_after_first_collection, _FOLLOW_UP, PLATELETS, float(d))) for d in (3, 5, 7)},
    "plateletpheresis_highest_platelet_ratio_days_8_to_11": OwnRun(
        lambda: highest_ratio_between(_FOLLOW_UP, PLATELETS, 8.0, 11.0)),
}

# U4, U5: filgrastim for five days (filgrastim_mobilisation.yaml: the 75-kg donor, doses from run day 0) once a day at
# 10 ug/kg (the file) or every 12 hours at 6 or 8 ug/kg (ten doses, days 0-4.5); blood CD34+ at the output nearest run
# day 4, the morning of the fifth day, where a donor's pre-apheresis count is taken (as G1 and Z3 read theirs).
TWELVE_HOURLY_VARIATIONS = {ug: {"interventions": {0: {"dose_ug_per_kg": ug, "schedule": {"days": [0.5 * k for k in
                                                                                              range(10)]}}}}
                            for ug in (6, 8)}
_TWELVE_HOURLY = {ug: cached_scenario_run("filgrastim_mobilisation", v) for ug, v in TWELVE_HOURLY_VARIATIONS.items()}
_ONCE_DAILY_10UG = cached_scenario_run("filgrastim_mobilisation")
_FIFTH_MORNING_RUN_DAY = 4.0


def _fifth_morning_ratio(ug: int) -> float:
    """CD34+ on the fifth morning, ``ug`` every 12 hours over 10 ug/kg once a day."""
    return cd34_at(_TWELVE_HOURLY[ug], _FIFTH_MORNING_RUN_DAY) / cd34_at(_ONCE_DAILY_10UG, _FIFTH_MORNING_RUN_DAY)


def _peak_ratio(ug: int) -> float:
    """The highest CD34+, ``ug`` every 12 hours over 10 ug/kg once a day."""
    return peak_cd34(_TWELVE_HOURLY[ug]) / peak_cd34(_ONCE_DAILY_10UG)


# functools.partial binds the dose (mypy cannot type a lambda's default argument)
_SCHEDULES: dict[str, Readout] = {
    **{f"filgrastim_{ug}ug_every_12h_over_10ug_daily_cd34_ratio_day5": OwnRun(partial(_fifth_morning_ratio, ug))
       for ug in (6, 8)},
    **{f"filgrastim_{ug}ug_every_12h_over_10ug_daily_peak_cd34_ratio": OwnRun(partial(_peak_ratio, ug))
       for ug in (6, 8)},
}

# U6, U7: one 12-mg pegfilgrastim injection s.c. on run day 0 (pegfilgrastim_single_dose.yaml, the healthy 75-kg man,
# hourly outputs for ten days, the dose as data). The sources count days from the injection's day 1, so their day 4 and
# day 5 are run days 3 and 4, read at the injection's hour (the counts' hour is not in the abstracts).
PEGFILGRASTIM_12MG = {"interventions": {0: {"dose_mg": 12}},
                      "description": "A healthy 30-year-old 75-kg man given pegfilgrastim 12 mg s.c. on day 0 (U6, U7); "
                                     "blood CD34+ over ten days."}
_PEGFILGRASTIM_12MG = cached_scenario_run("pegfilgrastim_single_dose", PEGFILGRASTIM_12MG)
SOURCE_DAY_4_RUN_DAY = 3.0
SOURCE_DAY_5_RUN_DAY = 4.0


def run_day_of_cd34_peak(run: Run) -> float:
    """The run day of the highest blood CD34+ (the first output at the maximum)."""
    r = run()
    return float(r.times[int(np.argmax(r.observable("cd34_blood_per_uL")))])


_PEGFILGRASTIM: dict[str, Readout] = {
    "pegfilgrastim_12mg_peak_cd34_per_uL": OwnRun(lambda: peak_cd34(_PEGFILGRASTIM_12MG)),
    "pegfilgrastim_12mg_run_day_of_cd34_peak": OwnRun(lambda: run_day_of_cd34_peak(_PEGFILGRASTIM_12MG)),
    "pegfilgrastim_12mg_cd34_ratio_day5_to_day4": OwnRun(
        lambda: cd34_at(_PEGFILGRASTIM_12MG, SOURCE_DAY_5_RUN_DAY) / cd34_at(_PEGFILGRASTIM_12MG, SOURCE_DAY_4_RUN_DAY)),
}

PREDICTIONS11: dict[str, Readout] = {**_PLATELETPHERESIS, **_SCHEDULES, **_PEGFILGRASTIM}
