"""Read-outs of targets O1-O4 (branch predict36, issue 17), each chosen and committed with its band before the model
was run on it.

O1-O3: two doses of an HPV vaccine against three, in girls of the same age (independent groups, so the band is the
published interval of a ratio of two groups' geometric means, not a within-person ratio). O1: Dobson 2013 (JAMA
309:1793), girls of 9-13 randomised to doses at 0 and 6 months or at 0, 2 and 6 months, one month after the last dose
(month 7). O2, O3: Bhatla 2018 (Papillomavirus Res 5:163, Table 3; L6's source), girls given doses on study days 1 and
180 or 1, 60 and 180, 18 months after the first dose, aged 10-14 (O2) and 15-18 (O3). The model has one antigen for
the HPV types, so each band is the envelope of the published 95% intervals of the types' ratios (L5/L6's rule). The
runs are hpv_vaccine_three_doses.yaml varied as data (L5/L6's file and convention: the first dose on run day 7, months
of :data:`~hemasim.validation.months.VACCINE_MONTH_DAYS`); the three-dose runs of O2/O3 at 12 and 16.5 years are
L6's own runs (the same cached runners).

O4: weekly nab-paclitaxel 150 mg/m2 (days 1, 8, 15 of 28-day cycles) in pretreated gastric cancer (PMC5759614: grade
3 neutropenia in 10.2% and grade 4 in 5.1% of 39 patients): the share of a virtual cohort (the full model with the
drug set's published between-patient variability, as :mod:`hemasim.validation.predictions4`'s Q5) whose lowest ANC
over three cycles falls below 1.0 and 0.5e9/L, banded by the 95% Wilson intervals of 6/39 and 2/39.
"""

from __future__ import annotations

from collections.abc import Callable

from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.chemotherapy_schedules import Schedule
from hemasim.validation.months import VACCINE_MONTH_DAYS
from hemasim.validation.predictions4 import Q5_SOLVER, LowestCounts, cohort_lowest_counts
from hemasim.validation.scenario_runs import cached_scenario_run, value_at

_HPV_IGG = "hpv_igg_au"
_FIRST_DOSE_DAY = 7.0  # the file's first dose (L5/L6's convention)


def _month(months: float) -> float:
    return _FIRST_DOSE_DAY + months * VACCINE_MONTH_DAYS


#: age: (kg, cm), about the CDC 2000 medians (L5/L6's values for 12, 16.5 and 21; 11 added here)
_GIRLS = {11: (37.0, 144.0), 12: (41.5, 151), 16.5: (55, 162), 21: (58, 163)}
# O1 (Dobson 2013): months 0 and 6, or 0, 2 and 6; read at month 7
_DOBSON_TWO = (_month(0), _month(6))
_DOBSON_THREE = (_month(0), _month(2), _month(6))
_DOBSON_DAY = _month(7)
# O2, O3 (Bhatla 2018): study days 1 and 180, or 1, 60 and 180 (run days 7, 66, 186: L6's); read at month 18
_BHATLA_TWO = (7.0, 186.0)
_BHATLA_THREE = (7.0, 66.0, 186.0)
_BHATLA_DAY = _month(18)


def _hpv_run(age: float, doses: tuple[float, ...], until_day: float) -> Callable[[], Result]:
    """The girl's (or woman's) run: as :func:`hemasim.validation.predictions9._hpv_run`, so L6's three-dose runs at
    12 and 16.5 years are the same cached runners."""
    weight, height = _GIRLS[age]
    return cached_scenario_run("hpv_vaccine_three_doses", {
        "patient": {"age_years": age, "weight_kg": weight, "height_cm": height}, "duration_days": until_day,
        "interventions": [{"kind": "vaccine", "day": day, "antigen": "hpv"} for day in doses]})


def _hpv_ratio(numerator: tuple[float, tuple[float, ...]], denominator: tuple[float, tuple[float, ...]],
               day: float) -> Readout:
    """IgG on ``day`` of the (age, dose days) ``numerator`` over that of ``denominator``."""
    top = _hpv_run(numerator[0], numerator[1], day + 1.0)
    bottom = _hpv_run(denominator[0], denominator[1], day + 1.0)
    return OwnRun(lambda: value_at(top(), _HPV_IGG, day) / value_at(bottom(), _HPV_IGG, day))


_HPV_DOSES: dict[str, Readout] = {
    "hpv_vaccine_igg_month7_ratio_two_to_three_doses_age11": _hpv_ratio(
        (11, _DOBSON_TWO), (11, _DOBSON_THREE), _DOBSON_DAY),
    "hpv_vaccine_igg_month7_ratio_two_doses_age11_to_three_doses_age21": _hpv_ratio(
        (11, _DOBSON_TWO), (21, _DOBSON_THREE), _DOBSON_DAY),
    "hpv_vaccine_igg_month18_ratio_two_to_three_doses_age12_days_1_60_180": _hpv_ratio(
        (12, _BHATLA_TWO), (12, _BHATLA_THREE), _BHATLA_DAY),
    "hpv_vaccine_igg_month18_ratio_two_to_three_doses_age16p5_days_1_60_180": _hpv_ratio(
        (16.5, _BHATLA_TWO), (16.5, _BHATLA_THREE), _BHATLA_DAY),
}

# O4: nab-paclitaxel 150 mg/m2 (30 min) on days 1, 8 and 15 of 28-day cycles, three cycles (the median progression-free
# survival was 3.0 months; the number of cycles behind the worst grade is not in the abstract); ages 40-80 and 30%
# women assumed (not in the abstract; Q5's assumption for pretreated patients); Q5's solver
NAB_PACLITAXEL_150_WEEKLY = Schedule("nab_paclitaxel_chen2014", 150.0, 0.5, (0.0, 28.0, 56.0), (0.0, 7.0, 14.0), 84.0,
                                     (40.0, 80.0), 3601, female_share=0.3, solver=Q5_SOLVER)


def _pct_anc_below(threshold: float) -> Readout:
    def value() -> float:
        low: LowestCounts = cohort_lowest_counts(NAB_PACLITAXEL_150_WEEKLY)
        return float(100.0 * (low.anc < threshold).mean())
    return OwnRun(value)


_NAB_PACLITAXEL: dict[str, Readout] = {
    "nab_paclitaxel_150_d1_8_15_q4w_grade34_neutropenia_pct": _pct_anc_below(1.0),
    "nab_paclitaxel_150_d1_8_15_q4w_grade4_neutropenia_pct": _pct_anc_below(0.5),
}

PREDICTIONS19: dict[str, Readout] = {**_HPV_DOSES, **_NAB_PACLITAXEL}
