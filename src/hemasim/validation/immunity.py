"""Read-outs of immunodeficiency, gene therapy, vaccines, infection and autoimmunity (targets D1, D2, D4, I1-I7,
M1, M2), each on a validation scenario (``scenarios/*.yaml``)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from hemasim.endpoints import evaluate_endpoints
from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.months import POST_HSCT_VACCINE_MONTH_DAYS, VACCINE_MONTH_DAYS
from hemasim.validation.scenario_runs import cached_scenario_run, scenario_run

# The untreated SCID patient: one file (IL2RG-SCID), the genotype varied as data.
_SCID_GENOTYPES = ("il2rg_scid", "ada_scid", "rag_scid")
_UNTREATED = {g: cached_scenario_run("untreated_scid", {"patient": {"genotype": g}}) for g in _SCID_GENOTYPES}


def _untreated(genotype: str, observable: str) -> Readout:
    """An untreated patient with a SCID genotype, 30 days on: one blood count (``t_per_uL``: CD4 + CD8)."""
    def value() -> float:
        r = _UNTREATED[genotype]()
        if observable == "t_per_uL":
            return float(r.observable("cd4_per_uL")[-1] + r.observable("cd8_per_uL")[-1])
        return float(r.observable(observable)[-1])

    return OwnRun(value)


_GENE_THERAPY = cached_scenario_run("xscid_gene_therapy")


def _corrected_share(*observables: str) -> Readout:
    """Share of gene-corrected ("donor") cells among ``observables`` at the end of the gene-therapy run."""
    def value() -> float:
        r = _GENE_THERAPY()
        total = sum(r.observable(o)[-1] for o in observables)
        return float(sum(r.observable(f"{o}__donor")[-1] for o in observables) / total)

    return OwnRun(value)


_VACCINE_DAY = 7.0  # the dose day of vaccine_one_dose.yaml
_VACCINE = cached_scenario_run("vaccine_one_dose")


def _igg_half_life(t0: float, t1: float) -> float:
    """IgG half-life (days) fitted from ``t0`` to ``t1`` days after the dose."""
    r = _VACCINE()
    keep = (r.times >= _VACCINE_DAY + t0) & (r.times <= _VACCINE_DAY + t1)
    slope = np.polyfit(r.times[keep], np.log(r.observable("tetanus_igg_au")[keep]), 1)[0]
    return float(math.log(2) / -slope)


def _plasmablast_peak_day() -> float:
    r = _VACCINE()
    keep = (r.times >= _VACCINE_DAY) & (r.times <= _VACCINE_DAY + 60)
    return float(r.times[keep][np.argmax(r.observable("tetanus_plasmablasts_au")[keep])] - _VACCINE_DAY)


def _post_hsct_response_ratio() -> float:
    """Relative vaccine response 24 months after Cy/TBI + PBSC over that at 3 months."""
    rel: list[float] = []
    for months in (3, 24):
        # the vaccine (intervention 2) and the end vary as data
        day = _GRAFT_DAY + months * POST_HSCT_VACCINE_MONTH_DAYS
        run = scenario_run("vaccine_after_hsct", {"duration_days": day + 29, "interventions": {2: {"day": day}}})
        response = {e.name: e.value for e in evaluate_endpoints(run)}["pneumococcus_relative_response"]
        if response is None:
            raise ValueError(f"no vaccine response {months} months after the graft: the read-out is undefined")
        rel.append(response)
    return rel[1] / rel[0]


_GRAFT_DAY = 6.0  # the graft day of the post-HSCT vaccine scenarios


def _pcv_relative_response(first_month: int) -> float:
    """Relative response 28 days after the third of three monthly pneumococcal conjugate doses, the first
    ``first_month`` months after Cy/TBI and a PBSC graft (I6, I7: the arms of Cordonnier 2009)."""
    days = [_GRAFT_DAY + (first_month + k) * POST_HSCT_VACCINE_MONTH_DAYS for k in range(3)]
    run = scenario_run("pcv_after_hsct", {"duration_days": days[-1] + 29,
                                           "interventions": {2 + k: {"day": d} for k, d in enumerate(days)}})
    response = {e.name: e.value for e in evaluate_endpoints(run)}["pneumococcus_relative_response"]
    if response is None:
        raise ValueError(f"no vaccine response after doses from month {first_month}: the read-out is undefined")
    return float(response)


def _infection_peak_wbc() -> float:
    """Peak WBC of the reference man with a moderate bacterial infection (inoculum 1e9 CFU)."""
    return float(scenario_run("bacterial_infection").observable("wbc_1e9_per_L").max())


# MS: autologous HSCT against continued disease, the same file without its interventions.
_MS_GRAFT_DAY = 35.0  # the graft day of ms_autologous_hsct.yaml
_MS_HSCT = cached_scenario_run("ms_autologous_hsct")
_MS_CONTINUED = cached_scenario_run("ms_autologous_hsct", {"interventions": []})


def _ms_activity_ratio() -> float:
    """Mean disease activity over years 1-3 after the graft, HSCT over continued disease."""
    def mean_activity(r: Result) -> float:
        keep = (r.times >= _MS_GRAFT_DAY + 365.25) & (r.times <= _MS_GRAFT_DAY + 3 * 365.25)
        return float(np.mean(r.observable("multiple_sclerosis_activity")[keep]))

    return mean_activity(_MS_HSCT()) / mean_activity(_MS_CONTINUED())


def _richness_ratio(months: float) -> Callable[[], float]:
    """CD4 clonotype richness ``months`` after the graft over that at the start."""
    def value() -> float:
        r = _MS_HSCT()
        k = r.observable("cd4_clonotype_richness")
        return float(np.interp(_MS_GRAFT_DAY + months * VACCINE_MONTH_DAYS, r.times, k) / k[0])

    return value


IMMUNITY: dict[str, Readout] = {
    **{f"untreated_{g}_{o}": _untreated(g, o)
       for g in _SCID_GENOTYPES for o in ("t_per_uL", "nk_cells_per_uL", "b_cells_per_uL")},
    "xscid_gene_therapy_corrected_share_t_cells": _corrected_share("cd4_per_uL", "cd8_per_uL"),
    "xscid_gene_therapy_corrected_share_b_cells": _corrected_share("b_cells_per_uL"),
    "vaccine_igg_half_life_days_35_to_63": OwnRun(lambda: _igg_half_life(35.0, 63.0)),
    "vaccine_plasmablast_peak_day": OwnRun(_plasmablast_peak_day),
    "vaccine_antibody_half_life_years_2_to_10": OwnRun(lambda: _igg_half_life(2 * 365.25, 10 * 365.25) / 365.25),
    "vaccine_response_ratio_24_to_3_months_after_hsct": OwnRun(_post_hsct_response_ratio),
    "pcv_relative_response_after_hsct_months_3_4_5": OwnRun(lambda: _pcv_relative_response(3)),
    "pcv_relative_response_after_hsct_months_9_10_11": OwnRun(lambda: _pcv_relative_response(9)),
    "infection_peak_wbc_1e9_per_L": OwnRun(_infection_peak_wbc),
    "ms_hsct_activity_ratio_years_1_3": OwnRun(_ms_activity_ratio),
    "ms_hsct_cd4_richness_ratio_month_1": OwnRun(_richness_ratio(1.0)),
    "ms_hsct_cd4_richness_ratio_month_12": OwnRun(_richness_ratio(12.0)),
}
