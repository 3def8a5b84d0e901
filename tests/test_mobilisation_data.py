"""Blood CD34+ under filgrastim against the cited daily courses (docs/literature/, "Item 2").

Calibration (used by docs/fit_mobilisation.py): Transfus Med 1997 days 4-6 (validation target G1). Everything else
here is a prediction (targets G2-G7 of the report card; G8 and G9 there add the ANC and WBC), checked against the published spread; known misses are
strict xfails that say why.
Day 1 of a course in the papers is the day of the first dose (day 0 here).
"""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.assembly import run_scenario
from hemasim.interventions.apheresis import filgrastim_course
from hemasim.scenario import parse_scenario

FIVE_DAYS = [0, 1, 2, 3, 4]


@pytest.fixture(scope="module")
def ten_ug_course():
    return filgrastim_course(10.0, FIVE_DAYS, 10.0, every_days=0.25)


def at(course, day: float) -> float:
    t, v = course
    return float(v[int(np.argmin(np.abs(t - day)))])


@pytest.mark.parametrize(("day", "mean", "sd", "n"), [(3.0, 60.7, 40.2, 22), (4.0, 128.0, 136.0, 22),
                                                      (5.0, 107.0, 104.0, 22)])
def test_calibration_transfus_med_1997_daily_course(ten_ug_course, day, mean, sd, n):
    """Calibration target: inside the 95% CI of each day's mean (mean +- 1.96 SD/sqrt(n))."""
    half = 1.96 * sd / np.sqrt(n)
    assert mean - half <= at(ten_ug_course, day) <= mean + half


def test_prediction_j_hematother_1996_peak_at_16_ug_per_kg():
    """J Hematother 1996;5:391: 16 ug/kg/d x5, peak median 187 cells/uL (range 51.2-1127, n = 9)."""
    _, cd34 = filgrastim_course(16.0, FIVE_DAYS, 10.0, every_days=0.25)
    assert 51.2 <= cd34.max() <= 1127.0


def test_prediction_transfus_med_2005_split_dose_day_4():
    """Transfus Med 2005;15:323: 10 ug/kg/d in two doses for 3 days; day 4, 12 h after the last dose, median
    35.6 cells/uL (range 3.1-185, n = 68)."""
    course = filgrastim_course(5.0, [0, 0.5, 1, 1.5, 2, 2.5], 4.0, every_days=0.25)
    assert 3.1 <= at(course, 3.0) <= 185.0


def test_prediction_repeated_mobilisation_day_5(ten_ug_course):
    """Repeated-mobilisation study (10 donors, 10 ug/kg/d): day 5 median 81.2 cells/uL at the first
    mobilisation; no spread is given, so the Transfus Med 1997 day-5 SD (136) bounds it."""
    assert 81.2 - 1.96 * 136.0 / np.sqrt(10) <= at(ten_ug_course, 4.0) <= 81.2 + 1.96 * 136.0 / np.sqrt(10)


def test_prediction_twenty_donor_collected_dose():
    """20-donor study (filgrastim 10 ug/kg/d): 5.5 (SD 2.3) x10^6 CD34+/kg collected, median 2 aphereses and
    20 L processed: two 10-L sessions on days 5 and 6 of G-CSF; a typical donor within mean +- 1.96 SD."""
    scenario = parse_scenario({
        "name": "20 donors", "aging": False, "duration_days": 6.0, "output": {"every_days": 0.25},
        "patient": {"age_years": 35, "sex": "male", "weight_kg": 75, "height_cm": 178},
        "interventions": [{"kind": "gcsf", "drug_set": "filgrastim_wang2001", "dose_ug_per_kg": 10,
                           "route": "subcutaneous", "schedule": {"days": FIVE_DAYS}},
                          {"kind": "apheresis", "day": 4, "litres": 10}, {"kind": "apheresis", "day": 5, "litres": 10}]})
    collected = run_scenario(scenario).observable("collected_cd34_per_kg")[-1]
    assert 5.5e6 - 1.96 * 2.3e6 <= collected <= 5.5e6 + 1.96 * 2.3e6


@pytest.mark.xfail(strict=True, reason="known miss: the delayed drive keeps rising for days after the last dose, so "
                   "blood CD34+ peaks on course day 7-8 of a 5-day course; the 20-donor study saw day 5-6 and Cytometry B "
                   "(Eidenschink) 80-110 h. The model has no decline under continued G-CSF (docs/mobilisation.md)")
def test_prediction_day_of_peak(ten_ug_course):
    t, v = ten_ug_course
    assert 4.0 <= t[int(np.argmax(v))] <= 5.0


@pytest.mark.xfail(strict=True, reason="known miss: J Hematother 1996 reports a 13-fold rise, implying a resting "
                   "count of about 14/uL; the model's resting count is the assumed 3/uL, so its fold is about 57")
def test_prediction_j_hematother_1996_fold_over_baseline():
    _, cd34 = filgrastim_course(16.0, FIVE_DAYS, 10.0, every_days=0.25)
    assert 6.5 <= cd34.max() / cd34[0] <= 26.0
