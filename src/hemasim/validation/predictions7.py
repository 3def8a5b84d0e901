"""Read-outs of targets Y1-Y6 (branch predict7), each chosen and committed with its band before the model was run
on it: the antibody months after one dose of a hepatitis A vaccine and one month after a booster at month 6 (Keeffe
1998), CD4 T cells after an allogeneic peripheral-blood graft against a marrow graft (Storek 2001, Petersen 2003),
B cells a year after an alemtuzumab-like depletion relative to before it (Thompson 2010), and the antibody's
half-life after two mRNA vaccine doses and its level at older ages (Doria-Rose 2021).

Antibody units are arbitrary, so every vaccine read-out is a ratio of the same run's IgG at two times; the band of a
ratio of two geometric means is computed from their published 95% intervals by :func:`ratio_interval_from_cis`
(a test recomputes each band).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from hemasim._confidence import Z_95
from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.months import CALENDAR_MONTH_DAYS, VACCINE_MONTH_DAYS
from hemasim.validation.scenario_runs import cached_scenario_run, value_at


def ratio_interval_from_cis(numerator: tuple[float, float, float], denominator: tuple[float, float, float],
                            ) -> tuple[float, float]:
    """95% interval of a ratio of two geometric means, each given as (estimate, lower, upper) of its own 95%
    interval: log-scale standard errors (interval width over 2 z) combined as independent."""
    def log_se(lower: float, upper: float) -> float:
        return (math.log(upper) - math.log(lower)) / (2.0 * Z_95)

    ratio = numerator[0] / denominator[0]
    se = math.hypot(log_se(*numerator[1:]), log_se(*denominator[1:]))
    return ratio * math.exp(-Z_95 * se), ratio * math.exp(Z_95 * se)


# Y1, Y2: doses on day 7 and 6 months later (scenario hepatitis_a_vaccine_two_doses.yaml); IgG read in months of
# 30.44 days after the first dose. The month-6 value is read on the day of the second dose: the dose adds antigen,
# and the antibody it brings takes days to come, so the value on that day is the one before the booster.
_FIRST_DOSE_DAY = 7.0
_HEPATITIS_A = cached_scenario_run("hepatitis_a_vaccine_two_doses")
_HEPATITIS_A_IGG = "hepatitis_a_igg_au"


def _hepatitis_a_igg_ratio(months: float, reference_months: float) -> Readout:
    def value() -> float:
        def igg(m: float) -> float:
            return value_at(_HEPATITIS_A(), _HEPATITIS_A_IGG, _FIRST_DOSE_DAY + m * VACCINE_MONTH_DAYS)

        return igg(months) / igg(reference_months)

    return OwnRun(value)


_VACCINE: dict[str, Readout] = {
    "hepatitis_a_igg_ratio_month2_to_month1": _hepatitis_a_igg_ratio(2.0, 1.0),
    "hepatitis_a_igg_ratio_month6_to_month1": _hepatitis_a_igg_ratio(6.0, 1.0),
    "hepatitis_a_igg_ratio_month7_to_month1": _hepatitis_a_igg_ratio(7.0, 1.0),
    "hepatitis_a_igg_ratio_month7_to_month6": _hepatitis_a_igg_ratio(7.0, 6.0),
}

# Y3: Cy/TBI and an allogeneic graft on day 6 (validation scenario cy_tbi_pbsc), one year and a day after the graft:
# PBSC at 5e6 CD34+/kg against marrow at 3e6 CD34+/kg, each with its source's default T-cell content.
_GRAFT_DAY = 6.0
_ONE_YEAR_AFTER_GRAFT = _GRAFT_DAY + 366.25
_ALLO_PBSC = cached_scenario_run("cy_tbi_pbsc", {"duration_days": _ONE_YEAR_AFTER_GRAFT, "interventions": {1: {
    "source": "peripheral_blood", "donor": "allogeneic", "cd34_per_kg": 5e6}}})
_ALLO_MARROW = cached_scenario_run("cy_tbi_pbsc", {"duration_days": _ONE_YEAR_AFTER_GRAFT, "interventions": {1: {
    "source": "bone_marrow", "donor": "allogeneic", "cd34_per_kg": 3e6}}})


def _cd4_subset_per_uL(run: Callable[[], Result], subset: str, day_after_graft: float) -> float:
    """Blood CD4 T cells of ``subset`` (``all``, ``naive`` or ``memory``: CD4 minus naive CD4) per uL."""
    day = _GRAFT_DAY + day_after_graft
    total = value_at(run(), "cd4_per_uL", day)
    naive = value_at(run(), "naive_cd4_per_uL", day)
    return {"all": total, "naive": naive, "memory": total - naive}[subset]


def _pbsc_over_marrow(subset: str, day_after_graft: float) -> Readout:
    return OwnRun(lambda: _cd4_subset_per_uL(_ALLO_PBSC, subset, day_after_graft)
                  / _cd4_subset_per_uL(_ALLO_MARROW, subset, day_after_graft))


_GRAFT_SOURCE: dict[str, Readout] = {
    "allo_pbsc_over_marrow_naive_cd4_ratio_day180": _pbsc_over_marrow("naive", 180.0),
    "allo_pbsc_over_marrow_memory_cd4_ratio_day180": _pbsc_over_marrow("memory", 180.0),
    "allo_pbsc_over_marrow_cd4_ratio_month4": _pbsc_over_marrow("all", 4 * CALENDAR_MONTH_DAYS),
    "allo_pbsc_over_marrow_cd4_ratio_month12": _pbsc_over_marrow("all", 12 * CALENDAR_MONTH_DAYS),
}

# Y4: the P7/P8 scenario (peripheral lymphocytes depleted to 5% on day 10), 13 months long; the count before the
# depletion is the last output before day 10.
_DEPLETION_DAY = 10.0
_ALEMTUZUMAB_13_MONTHS = cached_scenario_run("alemtuzumab_lymphodepletion",
                                             {"duration_days": _DEPLETION_DAY + 13 * CALENDAR_MONTH_DAYS})


def _b_cells_ratio_to_before(months_after: float) -> Readout:
    def value() -> float:
        r = _ALEMTUZUMAB_13_MONTHS()
        b = r.observable("b_cells_per_uL")
        before = float(b[r.times < _DEPLETION_DAY][-1])
        return float(np.interp(_DEPLETION_DAY + months_after * CALENDAR_MONTH_DAYS, r.times, b)) / before

    return OwnRun(value)


_DEPLETION: dict[str, Readout] = {
    "alemtuzumab_b_cells_ratio_month12_to_before": _b_cells_ratio_to_before(12.0),
    "alemtuzumab_b_cells_ratio_month3_to_before": _b_cells_ratio_to_before(3.0),
}

# Y5, Y6: doses on study days 1 and 29 (scenario mrna_vaccine_two_doses.yaml: the study's day numbers are the run's);
# Y5 fits the log of IgG on the study's sampling days after day 43 with a line, as an exponential decay model does.
_MRNA_SAMPLING_DAYS = (43.0, 57.0, 119.0, 209.0)
_MRNA_IGG = "sars_cov_2_spike_igg_au"
_MRNA = {age: cached_scenario_run("mrna_vaccine_two_doses", {"patient": {"age_years": age}}) for age in (35, 63, 75)}


def _mrna_igg_half_life_days() -> float:
    log_igg = [math.log(value_at(_MRNA[35](), _MRNA_IGG, day)) for day in _MRNA_SAMPLING_DAYS]
    slope = float(np.polyfit(_MRNA_SAMPLING_DAYS, log_igg, 1)[0])
    return math.log(2.0) / -slope


def _mrna_igg_day209_ratio(age: int) -> Readout:
    return OwnRun(lambda: value_at(_MRNA[age](), _MRNA_IGG, 209.0) / value_at(_MRNA[35](), _MRNA_IGG, 209.0))


_MRNA_VACCINE: dict[str, Readout] = {
    "mrna_vaccine_igg_half_life_days_43_to_209": OwnRun(_mrna_igg_half_life_days),
    "mrna_vaccine_igg_day209_ratio_63_to_35": _mrna_igg_day209_ratio(63),
    "mrna_vaccine_igg_day209_ratio_75_to_35": _mrna_igg_day209_ratio(75),
}

PREDICTIONS7: dict[str, Readout] = {**_VACCINE, **_GRAFT_SOURCE, **_DEPLETION, **_MRNA_VACCINE}
