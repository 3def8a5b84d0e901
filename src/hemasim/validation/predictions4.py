"""Read-outs of targets Q1-Q9 (branch predict4), each chosen and committed with its band before the model was run
on it: myelosuppression of docetaxel and nab-paclitaxel cohorts on doses and schedules no fit used, engraftment
after autologous grafts in myeloma cohorts, and the day of the ANC peak after one dose of pegfilgrastim in a
healthy adult.

A cohort read-out is the percentage of a virtual cohort (the full model with the drug set's published
between-patient variability, as :mod:`hemasim.validation.chemotherapy_schedules`) whose lowest count over the run
falls below a grade's threshold, banded by the 95% Wilson interval of the trial's proportion
(:func:`~hemasim.validation.chemotherapy_schedules.wilson_interval_pct`; a test recomputes each band).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hemasim.simulation import Result
from hemasim.solvers import AdditiveRungeKutta, Solver
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.chemotherapy_schedules import (
    DOCETAXEL_SOLVER,
    NAB_PACLITAXEL_STATE_SCALES,
    Schedule,
    cohort_lowest_observables,
)
from hemasim.validation.scenario_runs import cached_scenario_run, engraftment_day_after_graft

#: patients per cohort (as chemotherapy_schedules: a binomial share on 500 patients has a Monte Carlo SD of at
#: most 2.2 points)
COHORT_SIZE = 500
HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class LowestCounts:
    """Per patient, the lowest counts over the run (1e9/L)."""

    anc: np.ndarray
    wbc: np.ndarray


def cohort_lowest_counts(schedule: Schedule, n: int = COHORT_SIZE) -> LowestCounts:
    """Each patient's lowest ANC and WBC over the run on ``schedule`` (``n`` patients, full model)."""
    low = cohort_lowest_observables(schedule, ("anc_1e9_per_L", "wbc_1e9_per_L"), n)
    return LowestCounts(anc=low["anc_1e9_per_L"], wbc=low["wbc_1e9_per_L"])


def _cycles(every_days: float, count: int) -> tuple[float, ...]:
    return tuple(every_days * i for i in range(count))


# Q1, Q2: Kellokumpu-Lehtinen 2013, men with castration-resistant prostate cancer: docetaxel 75 mg/m2 every 3
# weeks, or 50 mg/m2 on days 1 and 15 of 4-week cycles; the number of cycles behind the worst grade is not in what
# was read: 12 weeks assumed (4 and 3 cycles). Ages not in what was read: 55-80 assumed.
_PROSTATE_AGES = (55.0, 80.0)
DOCETAXEL_75_Q3W_MEN = Schedule("docetaxel_kloft2006", 75.0, 1.0, _cycles(21.0, 4), (0.0,), 84.0,
                                _PROSTATE_AGES, 4101, female_share=0.0, solver=DOCETAXEL_SOLVER)
DOCETAXEL_50_Q2W_MEN = Schedule("docetaxel_kloft2006", 50.0, 1.0, _cycles(28.0, 3), (0.0, 14.0), 84.0,
                                _PROSTATE_AGES, 4201, female_share=0.0, solver=DOCETAXEL_SOLVER)
# Q3: Yip & Chow 2006, Chinese women with breast cancer aged 33-70: docetaxel 100 mg/m2 every 21 days, median 4
# cycles (3-6).
DOCETAXEL_100_Q3W_CHINESE = Schedule("docetaxel_kloft2006", 100.0, 1.0, _cycles(21.0, 4), (0.0,), 84.0,
                                     (33.0, 70.0), 4301, female_share=1.0,
                                     solver=DOCETAXEL_SOLVER)
# Q4: Taguchi 1994, Japanese women with breast cancer: docetaxel 60 mg/m2 with dose-free intervals of 3-4 weeks
# (every 21 days taken); cycles not in what was read: 3 assumed. Ages not in what was read: 30-75 assumed.
DOCETAXEL_60_Q3W_JAPANESE = Schedule("docetaxel_kloft2006", 60.0, 1.0, _cycles(21.0, 3), (0.0,), 63.0,
                                     (30.0, 75.0), 4401, female_share=1.0,
                                     solver=DOCETAXEL_SOLVER)
#: Q5's cohort on the IMEX lock-step kernel at this rtol, not the other nab-paclitaxel cohorts' 1e-6
#: (chemotherapy_schedules.NAB_PACLITAXEL_SOLVER): by the rule committed before the comparison (docs/performance.md, the
#: suite's twenty-second session, branch testspeed25), the loosest of 2e-6, 3e-6, 5e-6, 1e-5 whose card is main's and
#: whose nadirs (every patient's lowest ANC and WBC, 500 patients) lie within 1e-5 relative of Dormand-Prince's at rtol
#: 1e-8: at 5e-6 within 8.5e-6 (the nearest patient 3.6e-2 from a threshold), at ~0.67 of 1e-6's CPU; at 1e-5 1.8e-5.
#: Since branch testspeed30 at rtol 3e-6 with the central amount's error measured against
#: chemotherapy_schedules.NAB_PACLITAXEL_EFFECT_AMOUNT_UG, by the second rule committed before the comparison
#: (docs/performance.md, the suite's twenty-sixth session: the loosest of 2e-6, 3e-6 within 1e-5, with fewer steps
#: than 5e-6 without it): nadirs within 9.4e-6 (4.6e-6 before; at 5e-6 with it 1.7e-5), 0.55 of the kernel steps
Q5_SOLVER: Solver = AdditiveRungeKutta(rtol=3e-6, state_scales=NAB_PACLITAXEL_STATE_SCALES)
# Q5: Tanaka 2017, chemorefractory NSCLC: nab-paclitaxel 100 mg/m2 (30 min) on days 1, 8 and 15 of 4-week cycles,
# median 5 cycles (1-11). Ages and sex mix not in what was read: 40-80, 30% women assumed.
NAB_PACLITAXEL_100_WEEKLY = Schedule("nab_paclitaxel_chen2014", 100.0, 0.5, _cycles(28.0, 5),
                                     (0.0, 7.0, 14.0), 140.0, (40.0, 80.0), 4501, female_share=0.3,
                                     solver=Q5_SOLVER)


def _pct_below(schedule: Schedule, counts: Callable[[LowestCounts], np.ndarray], threshold: float) -> Readout:
    return OwnRun(lambda: float(100.0 * np.mean(counts(cohort_lowest_counts(schedule)) < threshold)))


def _anc(c: LowestCounts) -> np.ndarray:
    return c.anc


def _wbc(c: LowestCounts) -> np.ndarray:
    return c.wbc


# Grade 3/4 (CTCAE): ANC < 1.0e9/L, WBC < 2.0e9/L.
_ANC_GRADE3, _WBC_GRADE3 = 1.0, 2.0

_CHEMOTHERAPY: dict[str, Readout] = {
    "docetaxel_75_q3w_men_grade34_neutropenia_pct": _pct_below(DOCETAXEL_75_Q3W_MEN, _anc, _ANC_GRADE3),
    "docetaxel_75_q3w_men_grade34_leukopenia_pct": _pct_below(DOCETAXEL_75_Q3W_MEN, _wbc, _WBC_GRADE3),
    "docetaxel_50_d1_15_q4w_men_grade34_neutropenia_pct": _pct_below(DOCETAXEL_50_Q2W_MEN, _anc, _ANC_GRADE3),
    "docetaxel_100_q3w_women_33_70_grade34_neutropenia_pct": _pct_below(DOCETAXEL_100_Q3W_CHINESE, _anc,
                                                                         _ANC_GRADE3),
    "docetaxel_100_q3w_women_33_70_grade34_leukopenia_pct": _pct_below(DOCETAXEL_100_Q3W_CHINESE, _wbc, _WBC_GRADE3),
    "docetaxel_60_q3w_women_grade34_neutropenia_pct": _pct_below(DOCETAXEL_60_Q3W_JAPANESE, _anc, _ANC_GRADE3),
    "docetaxel_60_q3w_women_grade34_leukopenia_pct": _pct_below(DOCETAXEL_60_Q3W_JAPANESE, _wbc, _WBC_GRADE3),
    "nab_paclitaxel_100_d1_8_15_q4w_grade34_neutropenia_pct": _pct_below(NAB_PACLITAXEL_100_WEEKLY, _anc,
                                                                          _ANC_GRADE3),
}

# Q6-Q8: an autologous PBSC graft after myeloablative conditioning, read as the engraftment fit and T9-T11 read
# it (the validation scenario cy_tbi_pbsc, graft on day 6: the model's graft is the same whatever conditioning came
# before it), for a man of 55 (the myeloma cohorts' median age 54.8; under 65 for Q8) at the cohorts' doses.
_GRAFT_DAY = 6.0
_MYELOMA_AGE = 55.0


def _autologous_run(cd34_per_kg: float) -> Callable[[], Result]:
    return cached_scenario_run("cy_tbi_pbsc", {"duration_days": 120, "patient": {"age_years": _MYELOMA_AGE},
                                               "interventions": {1: {"donor": "autologous",
                                                                     "cd34_per_kg": cd34_per_kg}}})


_AUTO_5P94E6 = _autologous_run(5.94e6)
_AUTO_2E6 = _autologous_run(2.0e6)


def engraftment_day(run: Callable[[], Result], name: str, did_not_fall: float = 0.0) -> float:
    """Days after this module's graft day of engraftment endpoint ``name``
    (:func:`~hemasim.validation.scenario_runs.engraftment_day_after_graft`)."""
    return engraftment_day_after_graft(run, name, _GRAFT_DAY, did_not_fall)


_ENGRAFTMENT: dict[str, Readout] = {
    "auto_myeloma_neutrophil_engraftment_day_5p94e6": OwnRun(
        lambda: engraftment_day(_AUTO_5P94E6, "neutrophil_engraftment_day")),
    "auto_myeloma_platelet_engraftment_day_5p94e6": OwnRun(
        lambda: engraftment_day(_AUTO_5P94E6, "platelet_engraftment_day")),
    "auto_myeloma_platelet_engraftment_day_2e6": OwnRun(
        lambda: engraftment_day(_AUTO_2E6, "platelet_engraftment_day")),
}

# Q9: a healthy man given pegfilgrastim 6 mg s.c. on day 0 (scenario pegfilgrastim_single_dose).
_PEGFILGRASTIM = cached_scenario_run("pegfilgrastim_single_dose")
_PEGFILGRASTIM_DOSE_DAY = 0.0


def hours_to_anc_peak(result: Result, dose_day: float) -> float:
    """Hours from the dose to the highest ANC after it (the first output at the maximum)."""
    after = result.times >= dose_day
    if not after.any():
        return math.nan
    anc = result.observable("anc_1e9_per_L")[after]
    return float((result.times[after][int(np.argmax(anc))] - dose_day) * HOURS_PER_DAY)


_GCSF: dict[str, Readout] = {
    "pegfilgrastim_6mg_healthy_hours_to_anc_peak": OwnRun(
        lambda: hours_to_anc_peak(_PEGFILGRASTIM(), _PEGFILGRASTIM_DOSE_DAY)),
}

PREDICTIONS4: dict[str, Readout] = {**_CHEMOTHERAPY, **_ENGRAFTMENT, **_GCSF}
