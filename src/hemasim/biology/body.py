"""Patient covariates and body-size relations (blood volume, body surface area)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from hemasim.parameters import ParameterSet

Sex = Literal["male", "female"]

# Nadler 1962 (Surgery 51:224), blood volume in litres from height (m) and weight (kg):
# men 0.3669 H^3 + 0.03219 W + 0.6041; women 0.3561 H^3 + 0.03308 W + 0.1833.
_NADLER = {"male": (0.3669, 0.03219, 0.6041), "female": (0.3561, 0.03308, 0.1833)}


@dataclass(frozen=True)
class Covariates:
    """What the biology needs to know about a patient (or, with arrays, about each patient of a cohort)."""

    age_years: float | np.ndarray
    sex: Sex | np.ndarray
    weight_kg: float | np.ndarray
    height_cm: float | np.ndarray | None = None


#: The reference healthy adult of the validation targets (35-year-old man, 70 kg, 175 cm).
REFERENCE_ADULT = Covariates(age_years=35.0, sex="male", weight_kg=70.0, height_cm=175.0)


# Linderkamp, Versmold, Riegel & Betke 1977 (Eur J Pediatr 125:227, Table 1 p. 228; read at medicalalgorithms.com,
# "Estimated blood volume for infants and children based on height and weight by Linderkamp et al", pages corpus):
# mean blood volume, mL/kg, of 160 healthy German infants and children (1 hour to 14 years) by age class; one row
# below 2 years, by sex from 2 years. The classes are in completed days, months or years (0-1 d, 2-30 d, 1-2 mo,
# 3-6 mo, 7-12 mo, 13-24 mo, 2-3, 4-6, 7-10, 11-14 y), each placed at its centre: [0, 2) d at 1 d, [2, 31) d at
# 16.5 d, [1, 3) mo at 2 mo, [3, 7) at 5, [7, 13) at 10, [13, 25) at 19 mo, [2, 4) y at 3, [4, 7) at 5.5, [7, 11)
# at 9, [11, 15) at 13 y. docs/model.md, "Blood volume of infants and children".
_DAY = 1.0 / 365.25
_CHILD_BV_AGES = (1 * _DAY, 16.5 * _DAY, 2 / 12, 5 / 12, 10 / 12, 19 / 12, 3.0, 5.5, 9.0, 13.0)
_CHILD_BV_ML_PER_KG = {"male": (81.9, 84.4, 79.4, 76.6, 82.4, 86.1, 80.5, 76.7, 79.6, 74.4),
                       "female": (81.9, 84.4, 79.4, 76.6, 82.4, 86.1, 79.0, 77.4, 72.7, 68.3)}


def blood_volume_L(cov: Covariates, params: ParameterSet, per_patient: Mapping[str, np.ndarray] | None = None
                   ) -> float | np.ndarray:
    """Blood volume: Nadler 1962 when height is known, otherwise mL/kg by sex (textbook); below
    ``blood_volume_child_end_age_years`` (with or without a height) weight times Linderkamp 1977's mean mL/kg at
    the patient's age and sex (piecewise linear between the class centres above, held beyond the first and last;
    0 switches it off). Nadler's is an adult regression: it gives a 6-kg, 61-cm infant 147 mL/kg.

    Covariates may be arrays (one entry per patient of a cohort), and so may the parameters: ``per_patient`` (a
    cohort's or a sensitivity design's values, as the model's builder takes them) before ``params``.
    """
    def value(name: str) -> float | np.ndarray:
        return per_patient[name] if per_patient and name in per_patient else params.value(name)

    female = np.asarray(cov.sex) == "female"
    if cov.height_cm is not None:
        a, b, c = (np.where(female, f, m) for m, f in zip(_NADLER["male"], _NADLER["female"], strict=True))
        h = np.asarray(cov.height_cm) / 100.0
        out = a * h**3 + b * np.asarray(cov.weight_kg) + c
    else:
        per_kg = np.where(female, value("blood_volume_mL_per_kg_female"), value("blood_volume_mL_per_kg_male"))
        out = per_kg * np.asarray(cov.weight_kg) / 1000.0
    age = np.asarray(cov.age_years, dtype=np.float64)
    child = age < value("blood_volume_child_end_age_years")
    if np.any(child):  # adults keep the expressions above bit for bit
        per_kg_child = np.where(female, np.interp(age, _CHILD_BV_AGES, _CHILD_BV_ML_PER_KG["female"]),
                                np.interp(age, _CHILD_BV_AGES, _CHILD_BV_ML_PER_KG["male"]))
        out = np.where(child, per_kg_child * np.asarray(cov.weight_kg, dtype=np.float64) / 1000.0, out)
    return float(out) if np.ndim(out) == 0 else out


def stem_pool_size_fraction(value: Callable[[str], float | np.ndarray], cov: Covariates) -> float | np.ndarray:
    """The patient's stem and progenitor pools over the adult ones (``hsc_count`` and the pools derived from it).

    During growth (age below ``stem_pool_growth_end_age_years``) the active HSC pool scales linearly with body
    mass (Dingli & Pacheco 2007, Proc R Soc B 274:2497): ``min(1, weight_kg / stem_pool_adult_body_mass_kg)``;
    from that age on it is 1 at every body mass (the adult pool of Lee-Six 2018). ``value`` reads a parameter
    (``BuildContext.p`` or ``ParameterSet.value``); covariates may be arrays (a cohort).
    """
    age = np.asarray(cov.age_years, dtype=np.float64)
    weight = np.asarray(cov.weight_kg, dtype=np.float64)
    growing = age < value("stem_pool_growth_end_age_years")
    out = np.where(growing, np.minimum(1.0, weight / value("stem_pool_adult_body_mass_kg")), 1.0)
    return float(out) if np.ndim(out) == 0 else out


def set_point_age_factor(rate_per_year: float | np.ndarray, age_years: float | np.ndarray) -> float | np.ndarray:
    """Factor on a blood count's set point at ``age_years``: exp(-rate (max(0, age - 35))), 1 at the reference
    adult's age (35 y, :data:`REFERENCE_ADULT`) and below it (docs/model.md, "Age trend of the red-cell and platelet
    set points"; the rates are fitted by docs/agetrend_fit.py). Arrays give one factor per patient of a cohort."""
    past = np.maximum(0.0, np.asarray(age_years, dtype=np.float64) - float(REFERENCE_ADULT.age_years))
    out = np.exp(-np.asarray(rate_per_year, dtype=np.float64) * past)
    return float(out) if np.ndim(out) == 0 else out


# Dallman 1977 (Rudolph's Pediatrics, 16th ed., p. 1111; read in Nathan & Oski's reproduction of the table,
# munstermom.tripod.com/HematologicValues.htm, pages corpus): mean Hb, g/dL, by age. Node ages in years: a single age
# is its own node (birth, 1 and 2 weeks, 1 and 2 months), a class its centre (1-3 days, 3-6 months, 0.5-2, 2-6, 6-12,
# 12-18 years); the adult class (18-49 y) is the last node, placed at rbc_setpoint_adult_age_years. One row per sex:
# the table splits by sex from 12 years. docs/model.md, "Red-cell set point of infants and children".
_CHILD_HB_AGES = (0.0, 2 * _DAY, 7 * _DAY, 14 * _DAY, 1 / 12, 2 / 12, 4.5 / 12, 1.25, 4.0, 9.0, 15.0)
_CHILD_HB_MEANS = {"male": (16.5, 18.5, 17.5, 16.5, 14.0, 11.5, 11.5, 12.0, 12.5, 13.5, 14.5),
                   "female": (16.5, 18.5, 17.5, 16.5, 14.0, 11.5, 11.5, 12.0, 12.5, 13.5, 14.0)}
_ADULT_HB_MEAN = {"male": 15.5, "female": 14.0}  # the 18-49-year class
# The same table's mean MCH, pg, at the same nodes (one value for both sexes at every age; the adult class 30 pg):
# docs/model.md, "Mean cell haemoglobin of infants and children".
_CHILD_MCH_MEANS = dict.fromkeys(("male", "female"), (34.0, 34.0, 34.0, 34.0, 34.0, 30.0, 30.0, 27.0, 27.0, 29.0, 30.0))
_ADULT_MCH_MEAN = {"male": 30.0, "female": 30.0}


def _dallman_ratio(value: Callable[[str], float | np.ndarray], cov: Covariates, adult_age_name: str,
                   means: Mapping[str, Sequence[float]], adult_mean: Mapping[str, float]) -> float | np.ndarray:
    """Dallman 1977's mean at the patient's age over the adult mean of the sex, piecewise linear in age between the
    nodes of ``_CHILD_HB_AGES``, exactly 1 from the age the parameter ``adult_age_name`` gives on (the adult node sits
    there), and everywhere when that is 0."""
    age = np.asarray(cov.age_years, dtype=np.float64)
    female = np.asarray(cov.sex) == "female"
    adult_age = np.asarray(value(adult_age_name), dtype=np.float64)
    out = np.ones(np.broadcast_shapes(age.shape, female.shape, adult_age.shape))
    # the nodes past the adult age give way to the adult node (a set, not np.unique, which imports numpy.ma at a run's
    # start: tests/test_cli_startup.py)
    for adult in sorted(set(np.ravel(adult_age).tolist())):
        ages = [*(a for a in _CHILD_HB_AGES if a < adult), adult]
        n = len(ages) - 1
        ratio = {sex: np.interp(age, ages, [*means[sex][:n], adult_mean[sex]]) / adult_mean[sex]
                 for sex in ("male", "female")}
        out = np.where((adult_age == adult) & (age < adult), np.where(female, ratio["female"], ratio["male"]), out)
    return float(out) if np.ndim(out) == 0 else out


def child_red_cell_factor(value: Callable[[str], float | np.ndarray], cov: Covariates) -> float | np.ndarray:
    """Factor on the Hb set point of a child: the mean Hb at the patient's age over the adult mean of the sex
    (Dallman 1977, piecewise linear in age between the nodes above), exactly 1 from ``rbc_setpoint_adult_age_years``
    on, and everywhere when that is 0. Taken at the starting age (a child does not grow during a run). ``value``
    reads a parameter; covariates (and that parameter) may be arrays (a cohort). The red-cell count's set point is
    the adult one times this over :func:`child_mch_factor`."""
    return _dallman_ratio(value, cov, "rbc_setpoint_adult_age_years", _CHILD_HB_MEANS, _ADULT_HB_MEAN)


def child_mch_factor(value: Callable[[str], float | np.ndarray], cov: Covariates) -> float | np.ndarray:
    """Factor on the mean cell Hb (``mean_cell_hemoglobin_pg``) of a child: Dallman 1977's mean MCH at the age over
    the adult 30 pg, as :func:`child_red_cell_factor` (same nodes, same form), exactly 1 from
    ``mch_adult_age_years`` on, and everywhere when that is 0."""
    return _dallman_ratio(value, cov, "mch_adult_age_years", _CHILD_MCH_MEANS, _ADULT_MCH_MEAN)


def body_surface_area_m2(cov: Covariates) -> float | np.ndarray:
    """Body surface area by Mosteller 1987 (N Engl J Med 317:1098): sqrt(height_cm * weight_kg / 3600).

    Chemotherapy doses in mg/m2 need it; a patient without a height has none.
    """
    if cov.height_cm is None or np.any(~np.isfinite(np.asarray(cov.height_cm, dtype=np.float64))):
        raise ValueError("patient.height_cm is needed for doses per m2 (body surface area, Mosteller 1987); "
                         "give the patient's height, or dose per kg")
    out = np.sqrt(np.asarray(cov.height_cm, dtype=np.float64) * np.asarray(cov.weight_kg, dtype=np.float64) / 3600.0)
    return float(out) if np.ndim(out) == 0 else out
