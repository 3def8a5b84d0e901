"""Read-outs of targets L1-L6 (branch predict29b), each chosen and committed with its band before the model was run
on it: a Japanese encephalitis vaccine booster 11 months after a two-dose primary series in children and the
antibody's fall over the two years after it (L1, Kadlecek 2018), the booster response five years after one dose of a
live chimeric Japanese encephalitis vaccine given to toddlers (L2, Kosalaraksa 2017), CD4 T cells a year after the
lymphocyte loss of dose-intense chemotherapy, relative to before it (L3, Hakim 1997), the antibody after two full doses
of a pandemic H5N1 vaccine over two half doses in adults and in the elderly (L4, Frey 2019), and the antibody after
three HPV vaccine doses in young women over girls (L5, Hum Vaccin Immunother 2014) and in older over younger girls
(L6, Bhatla 2018).

Antibody units are arbitrary, so every vaccine read-out is a ratio of the same run's IgG at two times or in two
patients, banded by the 95% interval of the ratio of two published geometric means (:func:`~hemasim.validation.
predictions7.ratio_interval_from_cis`; a test recomputes each band) or by the published interval of the ratio.
"""

from __future__ import annotations

from collections.abc import Callable

from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.months import VACCINE_MONTH_DAYS
from hemasim.validation.scenario_runs import cached_scenario_run, value_at

_VISIT_AFTER_BOOSTER_DAYS = 28.0  # a trial's "1 month after the booster" visit (Kosalaraksa 2017: 28 days)


def _igg_ratio(run: Callable[[], Result], observable: str, day: float, reference_day: float) -> Readout:
    """IgG on ``day`` over IgG on ``reference_day`` of the same run (the booster's day reads the level before it:
    the antibody a dose brings takes days to come)."""
    return OwnRun(lambda: value_at(run(), observable, day) / value_at(run(), observable, reference_day))


# L1: doses on days 7 and 35, a booster on day 35 + 11 months (scenario je_vaccine_booster_child.yaml)
_JE_VC_BOOSTER_DAY = 35.0 + 11 * VACCINE_MONTH_DAYS
_JE_VC_CHILD = cached_scenario_run("je_vaccine_booster_child")
_JE_VC_IGG = "japanese_encephalitis_igg_au"


def _after_je_vc_booster(months: float) -> float:
    return _JE_VC_BOOSTER_DAY + (_VISIT_AFTER_BOOSTER_DAYS if months == 1 else months * VACCINE_MONTH_DAYS)


_JE_VC: dict[str, Readout] = {
    "je_vc_child_igg_ratio_booster_month1_to_prebooster": _igg_ratio(
        _JE_VC_CHILD, _JE_VC_IGG, _after_je_vc_booster(1), _JE_VC_BOOSTER_DAY),
    "je_vc_child_igg_ratio_booster_month12_to_month1": _igg_ratio(
        _JE_VC_CHILD, _JE_VC_IGG, _after_je_vc_booster(12), _after_je_vc_booster(1)),
    "je_vc_child_igg_ratio_booster_month24_to_month12": _igg_ratio(
        _JE_VC_CHILD, _JE_VC_IGG, _after_je_vc_booster(24), _after_je_vc_booster(12)),
}

# L2: one dose on day 7 at 15 months of age, a booster five years later (je_chimeric_vaccine_toddler_booster.yaml)
_JE_CV_BOOSTER_DAY = 7.0 + 5 * 365.25
_JE_CV_TODDLER = cached_scenario_run("je_chimeric_vaccine_toddler_booster")

_JE_CV: dict[str, Readout] = {
    "je_cv_toddler_igg_ratio_day28_after_year5_booster_to_prebooster": _igg_ratio(
        _JE_CV_TODDLER, "japanese_encephalitis_chimeric_igg_au", _JE_CV_BOOSTER_DAY + _VISIT_AFTER_BOOSTER_DAYS,
        _JE_CV_BOOSTER_DAY),
}

# L3: lymphocytes depleted to 40% on day 10 (dose_intense_chemotherapy_lymphodepletion.yaml); the count before it is
# the last output before day 10
_CHEMO_DEPLETION_DAY = 10.0
_CHEMO_DEPLETION = cached_scenario_run("dose_intense_chemotherapy_lymphodepletion")


def _cd4_ratio_to_before(months_after: float) -> Readout:
    def value() -> float:
        r = _CHEMO_DEPLETION()
        before = value_at(r, "cd4_per_uL", float(r.times[r.times < _CHEMO_DEPLETION_DAY][-1]))
        return value_at(r, "cd4_per_uL", _CHEMO_DEPLETION_DAY + months_after * VACCINE_MONTH_DAYS) / before

    return OwnRun(value)


_CHEMO: dict[str, Readout] = {
    "dose_intense_chemo_cd4_ratio_month12_to_before": _cd4_ratio_to_before(12.0),
    "dose_intense_chemo_cd4_ratio_month14_to_before": _cd4_ratio_to_before(14.0),
}

# L4: doses on days 1 and 22 (h5n1_vaccine_two_doses.yaml) at 40 and 72 years, full (1) or half (0.5) doses; IgG on
# day 43, full over half at the same age (the arms' titres before vaccination were alike: their ratio of fold-rises is
# a ratio of titres after)
_H5N1_DAY = 43.0
_H5N1 = {(age, dose): cached_scenario_run("h5n1_vaccine_two_doses", {
    "patient": {"age_years": age}, "interventions": {0: {"dose": dose}, 1: {"dose": dose}}})
    for age in (40, 72) for dose in (1.0, 0.5)}


def _h5n1_full_over_half(age: int) -> Readout:
    def igg(dose: float) -> float:
        return value_at(_H5N1[(age, dose)](), "influenza_h5n1_igg_au", _H5N1_DAY)

    return OwnRun(lambda: igg(1.0) / igg(0.5))


_H5N1_DOSE: dict[str, Readout] = {
    "h5n1_vaccine_igg_day43_ratio_full_to_half_dose_age40": _h5n1_full_over_half(40),
    "h5n1_vaccine_igg_day43_ratio_full_to_half_dose_age72": _h5n1_full_over_half(72),
}

# L5, L6: three HPV vaccine doses (hpv_vaccine_three_doses.yaml) in two groups of ages, each patient with about the
# CDC 2000 median weight and height of her age (girls) or of 20-21 (women); IgG of the older over the younger group
_HPV_IGG = "hpv_igg_au"
_HPV_CHINA_DAYS = (7.0, 37.44, 189.64)  # 0, 1 and 6 months of 30.44 days (the file's schedule)
_HPV_INDIA_DAYS = (7.0, 66.0, 186.0)  # study days 1, 60 and 180
_HPV_GIRLS = {12: (41.5, 151), 13: (46, 157), 16.5: (55, 162), 21: (58, 163)}  # age: (kg, cm)


def _hpv_run(age: float, doses: tuple[float, ...], until_day: float) -> Callable[[], Result]:
    weight, height = _HPV_GIRLS[age]
    return cached_scenario_run("hpv_vaccine_three_doses", {
        "patient": {"age_years": age, "weight_kg": weight, "height_cm": height}, "duration_days": until_day,
        "interventions": [{"kind": "vaccine", "day": day, "antigen": "hpv"} for day in doses]})


def _hpv_age_ratio(older: float, younger: float, doses: tuple[float, ...], day: float) -> Readout:
    runs = {age: _hpv_run(age, doses, day + 1.0) for age in (older, younger)}
    return OwnRun(lambda: value_at(runs[older](), _HPV_IGG, day) / value_at(runs[younger](), _HPV_IGG, day))


_HPV_AGE: dict[str, Readout] = {
    "hpv_vaccine_igg_month7_ratio_21_to_13": _hpv_age_ratio(21, 13, _HPV_CHINA_DAYS, 7.0 + 7 * VACCINE_MONTH_DAYS),
    "hpv_vaccine_igg_month18_ratio_16p5_to_12_days_1_60_180": _hpv_age_ratio(
        16.5, 12, _HPV_INDIA_DAYS, 7.0 + 18 * VACCINE_MONTH_DAYS),
}

PREDICTIONS9: dict[str, Readout] = {**_JE_VC, **_JE_CV, **_CHEMO, **_H5N1_DOSE, **_HPV_AGE}
