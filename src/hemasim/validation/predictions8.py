"""Read-outs of targets N1-N4 (branch predict29a), each chosen and committed with its band before the model was run
on it: grade 3-4 myelosuppression in the two arms of the DISTAL-01 trial of second-line docetaxel in NSCLC (Gridelli
2004), 75 mg/m2 every 3 weeks against 33.3 mg/m2 weekly for 6 weeks, and the ratio of the two arms' neutropenia;
the lowest lymphocyte count in the 48 hours after one whole-body exposure (Mettler & Voelz 2002).

Each arm is a virtual cohort in the full model with the drug set's published between-patient variability, read as
Q1-Q5 read theirs (:func:`hemasim.validation.predictions4.cohort_lowest_counts` with Hb added); an incidence is
banded by the 95% Wilson interval of the arm's share (:func:`~hemasim.validation.chemotherapy_schedules.
wilson_interval_pct`) and the ratio by :func:`ratio_of_proportions_interval` (a test recomputes each band).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.chemotherapy_schedules import DOCETAXEL_SOLVER, Schedule, cohort_lowest_observables
from hemasim.validation.reconstitution_and_ageing import ratio_interval_from_standard_errors
from hemasim.validation.scenario_runs import cached_scenario_run

#: patients per cohort (as predictions4: a binomial share on 500 patients has a Monte Carlo SD of at most 2.2 points)
COHORT_SIZE = 500


def ratio_of_proportions_interval(a: float, n_a: float, c: float, n_c: float) -> tuple[float, float]:
    """95% log (Katz) interval of the ratio (a/n_a)/(c/n_c) of two independent proportions, a and c events: the
    ratio interval of two estimates with their standard errors (:func:`~hemasim.validation.reconstitution_and_ageing.
    ratio_interval_from_standard_errors`), a proportion's relative error squared being 1/a - 1/n."""
    def estimate(events: float, n: float) -> tuple[float, float]:
        share = events / n
        return share, math.sqrt(share * (1.0 - share) / n)

    return ratio_interval_from_standard_errors(estimate(a, n_a), estimate(c, n_c))


# N1, N2: DISTAL-01 (Gridelli 2004), patients of 75 or under (40-75 assumed), 20% women (assumed); both arms read
# over their first 8-9 weeks at equal dose intensity (the trial's numbers of cycles were not in what was read).
_AGES = (40.0, 75.0)
_FEMALE_SHARE = 0.2
DOCETAXEL_75_Q3W_NSCLC = Schedule("docetaxel_kloft2006", 75.0, 1.0, (0.0, 21.0, 42.0), (0.0,), 63.0, _AGES, 2901,
                                  female_share=_FEMALE_SHARE, solver=DOCETAXEL_SOLVER)
DOCETAXEL_33_WEEKLY_X6_NSCLC = Schedule("docetaxel_kloft2006", 33.3, 1.0, (0.0,), (0.0, 7.0, 14.0, 21.0, 28.0, 35.0),
                                        56.0, _AGES, 2902, female_share=_FEMALE_SHARE, solver=DOCETAXEL_SOLVER)
_OBSERVED = ("anc_1e9_per_L", "wbc_1e9_per_L", "hemoglobin_g_per_dL")
# grade 3-4 (NCI-CTC): ANC < 1.0e9/L, WBC < 2.0e9/L, Hb < 8.0 g/dL
_GRADE3 = {"anc_1e9_per_L": 1.0, "wbc_1e9_per_L": 2.0, "hemoglobin_g_per_dL": 8.0}


def share_below_pct(schedule: Schedule, observable: str) -> float:
    """Percentage of the cohort on ``schedule`` whose lowest ``observable`` falls below its grade-3 threshold."""
    lowest = cohort_lowest_observables(schedule, _OBSERVED, COHORT_SIZE)[observable]
    return float(100.0 * np.mean(lowest < _GRADE3[observable]))


def _pct(schedule: Schedule, observable: str) -> Readout:
    return OwnRun(lambda: share_below_pct(schedule, observable))


def _ratio(numerator: Schedule, denominator: Schedule, observable: str) -> Callable[[], float]:
    return lambda: share_below_pct(numerator, observable) / share_below_pct(denominator, observable)


_DISTAL_01: dict[str, Readout] = {
    "docetaxel_75_q3w_nsclc_grade34_neutropenia_pct": _pct(DOCETAXEL_75_Q3W_NSCLC, "anc_1e9_per_L"),
    "docetaxel_75_q3w_nsclc_grade34_leukopenia_pct": _pct(DOCETAXEL_75_Q3W_NSCLC, "wbc_1e9_per_L"),
    "docetaxel_75_q3w_nsclc_grade34_anaemia_pct": _pct(DOCETAXEL_75_Q3W_NSCLC, "hemoglobin_g_per_dL"),
    "docetaxel_33_weekly_x6_nsclc_grade34_neutropenia_pct": _pct(DOCETAXEL_33_WEEKLY_X6_NSCLC, "anc_1e9_per_L"),
    "docetaxel_33_weekly_x6_nsclc_grade34_leukopenia_pct": _pct(DOCETAXEL_33_WEEKLY_X6_NSCLC, "wbc_1e9_per_L"),
    "docetaxel_weekly_over_3_weekly_nsclc_grade34_neutropenia_ratio": OwnRun(
        _ratio(DOCETAXEL_33_WEEKLY_X6_NSCLC, DOCETAXEL_75_Q3W_NSCLC, "anc_1e9_per_L")),
}

# N4: one whole-body exposure on day 1 (scenario whole_body_radiation_single_exposure), the lowest lymphocyte count
# in the 48 hours after it, at the middle of each dose range of Mettler & Voelz 2002's triage table.
_EXPOSURE_DAY = 1.0
_HOURS_48 = 2.0  # days


def lowest_lymphocytes_48h(dose_Gy: float) -> Callable[[], float]:
    """The lowest blood lymphocyte count (1e9/L) in the 48 hours after one whole-body exposure to ``dose_Gy``."""
    run = cached_scenario_run("whole_body_radiation_single_exposure", {"interventions": {0: {"total_dose_Gy": dose_Gy}}})

    def value() -> float:
        r = run()
        after = (r.times > _EXPOSURE_DAY) & (r.times <= _EXPOSURE_DAY + _HOURS_48 + 1e-9)
        return float(r.observable("lymphocytes_1e9_per_L")[after].min())

    return value


_RADIATION: dict[str, Readout] = {
    f"whole_body_{label}gy_lowest_lymphocytes_48h": OwnRun(lowest_lymphocytes_48h(dose))
    for label, dose in (("0p4", 0.4), ("1p2", 1.2), ("3p0", 3.0), ("6p0", 6.0))
}

PREDICTIONS8: dict[str, Readout] = {**_DISTAL_01, **_RADIATION}
