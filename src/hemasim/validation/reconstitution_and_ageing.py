"""Read-outs of immune reconstitution after autologous HSCT and of blood counts at old age (targets R1-R8, branch
predict3), each chosen and committed with its band before the model was run on it.

Ageing read-outs settle the check's patient at other ages (:class:`~hemasim.validation.base.AtAges`, age frozen
during the settling year, as A4-A7); transplant read-outs run the scenarios ``auto_hsct_lymphoma_day15``,
``auto_hsct_melphalan_myeloma`` (new) and ``ms_autologous_hsct`` (M1/M2's scenario, unchanged).

The bands derived from a published mean and its standard error, or from a p-value, are computed by the helpers
below and held to the targets by a test (tests/test_validation_reconstitution.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist

from hemasim._confidence import Z_95
from hemasim.endpoints import value_before_day
from hemasim.simulation import Result
from hemasim.validation.base import AtAges, OwnRun, Readout
from hemasim.validation.months import CALENDAR_MONTH_DAYS
from hemasim.validation.scenario_runs import cached_scenario_run, endpoints_of, value_after_graft
from hemasim.validation.steady_state import _flux, _naive_cd8_per_uL, _proliferation_pct


def ratio_interval_from_standard_errors(numerator: tuple[float, float], denominator: tuple[float, float],
                                        ) -> tuple[float, float]:
    """95% interval of a ratio of two independent group means, each given as (mean, standard error): the relative
    errors combined on the log scale (delta method)."""
    ratio = numerator[0] / denominator[0]
    log_se = math.hypot(numerator[1] / numerator[0], denominator[1] / denominator[0])
    return ratio * math.exp(-Z_95 * log_se), ratio * math.exp(Z_95 * log_se)


def interval_from_p_value(estimate: float, two_sided_p: float) -> tuple[float, float]:
    """95% interval of an estimate reported with its two-sided p-value against zero (normal approximation)."""
    standard_error = abs(estimate) / NormalDist().inv_cdf(1.0 - two_sided_p / 2.0)
    return estimate - Z_95 * standard_error, estimate + Z_95 * standard_error


def _final(result: Result, name: str) -> float:
    return float(result.observable(name)[-1])


def _naive_t_per_uL(result: Result) -> float:
    return _final(result, "naive_cd4_per_uL") + _naive_cd8_per_uL(result)


# R1, R2 (Fagnoni 2000): the young group's age is not in the abstract (30 assumed); centenarians at 100.
_YOUNG_AGE, _CENTENARIAN_AGE = 30.0, 100.0
# R3 (Nilsson-Ehle 2000): healthy men followed from 70 to 88.
_HB_FIRST_AGE, _HB_LAST_AGE = 70.0, 88.0

_AGEING: dict[str, Readout] = {
    "naive_t_per_uL_ratio_100_to_30": AtAges(
        lambda at_age: _naive_t_per_uL(at_age(_CENTENARIAN_AGE)) / _naive_t_per_uL(at_age(_YOUNG_AGE))),
    "naive_t_per_uL_at_30": AtAges(lambda at_age: _naive_t_per_uL(at_age(_YOUNG_AGE))),
    "naive_cd8_per_uL_at_100": AtAges(lambda at_age: _naive_cd8_per_uL(at_age(_CENTENARIAN_AGE))),
    "hemoglobin_decline_g_per_dL_per_year_70_to_88": AtAges(
        lambda at_age: (_final(at_age(_HB_FIRST_AGE), "hemoglobin_g_per_dL")
                        - _final(at_age(_HB_LAST_AGE), "hemoglobin_g_per_dL")) / (_HB_LAST_AGE - _HB_FIRST_AGE)),
    "platelets_1e9_per_L_ratio_80_to_30": AtAges(
        lambda at_age: _final(at_age(80.0), "platelets_1e9_per_L") / _final(at_age(30.0), "platelets_1e9_per_L")),
}

# Naive T-cell kinetics with age (branch ageing, targets NK1-NK2): deuterium-labelling studies compare young adults
# with elderly subjects; their groups' ages are not in the abstracts, so 25 and 70 years stand for them.
_YOUNG_ADULT_AGE, _ELDERLY_AGE = 25.0, 70.0


def _naive_division_ratio(pool: str) -> Readout:
    """Per-cell division rate of a naive pool (its homeostatic-proliferation flux over its cells) in the elderly
    over the same in young adults."""
    return AtAges(lambda at_age: _proliferation_pct(at_age(_ELDERLY_AGE), pool)
                  / _proliferation_pct(at_age(_YOUNG_ADULT_AGE), pool))


def _thymic_share_of_naive_cd4_production(result: Result) -> float:
    """Thymic CD4 export over all naive CD4 production (export + peripheral division) at the settled state."""
    thymic = _flux(result, "thymic_export_cd4")
    return thymic / (thymic + _flux(result, "naive_cd4_proliferation"))


_NAIVE_KINETICS: dict[str, Readout] = {
    "naive_cd4_division_ratio_70_to_25": _naive_division_ratio("naive_cd4"),
    "naive_cd8_division_ratio_70_to_25": _naive_division_ratio("naive_cd8"),
    "naive_cd4_thymic_share_of_production_at_25": AtAges(
        lambda at_age: _thymic_share_of_naive_cd4_production(at_age(_YOUNG_ADULT_AGE))),
    "naive_cd4_thymic_share_of_production_at_70": AtAges(
        lambda at_age: _thymic_share_of_naive_cd4_production(at_age(_ELDERLY_AGE))),
}

# R4, R5: day 15 after an autologous graft given on day 2.
_AUTO_GRAFT_DAY = 2.0
_LYMPHOMA_DAY15 = cached_scenario_run("auto_hsct_lymphoma_day15")
# R6: CD4 count when the neutrophils have recovered (ANC >= 0.5e9/L, the engraftment endpoint, days after the graft).
_MYELOMA = cached_scenario_run("auto_hsct_melphalan_myeloma")


def _day15(observable: str) -> Readout:
    return OwnRun(lambda: value_after_graft(_LYMPHOMA_DAY15, observable, 15.0, _AUTO_GRAFT_DAY))


def _cd4_at_neutrophil_recovery() -> float:
    engraftment_day = endpoints_of(_MYELOMA)["neutrophil_engraftment_day"]
    if engraftment_day is None:  # no recovery within the run: no count "after recovery" to compare
        return math.nan
    return value_after_graft(_MYELOMA, "cd4_per_uL", float(engraftment_day), _AUTO_GRAFT_DAY)


# R7: MS, Cy/ATG from day 30, autologous graft on day 35; the patient before conditioning is the last output
# before day 30 (outputs are 5 days apart: interpolating to day 29 would mix in the count after the first kill).
_MS = cached_scenario_run("ms_autologous_hsct")
_MS_CONDITIONING_DAY, _MS_GRAFT_DAY = 30.0, 35.0


def _ms_ratio_to_before(observable: str, months_after_graft: float) -> Callable[[], float]:
    def value() -> float:
        r = _MS()
        before = float(value_before_day(r.times, r.observable(observable), _MS_CONDITIONING_DAY))
        return value_after_graft(_MS, observable, months_after_graft * CALENDAR_MONTH_DAYS, _MS_GRAFT_DAY) / before

    return value


_TRANSPLANT: dict[str, Readout] = {
    "auto_hsct_lymphoma_cd4_per_uL_day15": _day15("cd4_per_uL"),
    "auto_hsct_lymphoma_cd8_per_uL_day15": _day15("cd8_per_uL"),
    "auto_hsct_lymphoma_b_cells_per_uL_day15": _day15("b_cells_per_uL"),
    "auto_hsct_lymphoma_nk_cells_per_uL_day15": _day15("nk_cells_per_uL"),
    "auto_hsct_myeloma_cd4_per_uL_at_neutrophil_recovery": OwnRun(_cd4_at_neutrophil_recovery),
    "ms_hsct_naive_cd4_ratio_month12_to_before": OwnRun(_ms_ratio_to_before("naive_cd4_per_uL", 12.0)),
    "ms_hsct_cd4_ratio_month24_to_before": OwnRun(_ms_ratio_to_before("cd4_per_uL", 24.0)),
}

RECONSTITUTION_AND_AGEING: dict[str, Readout] = {**_AGEING, **_NAIVE_KINETICS, **_TRANSPLANT}
