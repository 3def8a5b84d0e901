"""Named read-outs measured on a settled simulated patient.

Kinetic read-outs are measured from the simulated pools and fluxes (pool / outflow), not read
back from parameters, so they check the assembled model rather than a single number.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from hemasim.assembly import run_scenario
from hemasim.biology import healthy_human_model
from hemasim.biology.body import body_surface_area_m2
from hemasim.clonal import ClonalHistory, NeutralHSCPool, measured_driver_growth
from hemasim.endpoints import DayOfNadir, DaysBelow, evaluate_endpoints
from hemasim.model.compiled import DAYS_PER_YEAR
from hemasim.pharmacology import DrugExposure, Regimen, friberg_model, load_drug_set
from hemasim.scenario import parse_scenario
from hemasim.simulation import Result, Simulation
from hemasim.validation.patients import PATIENTS

if TYPE_CHECKING:
    from hemasim.clonal.ch import CHCohortResult

Readout = Callable[[Result], float]


def _final(result: Result, name: str) -> float:
    return float(result.observable(name)[-1])


def _pool(result: Result, prefix: str) -> float:
    return float(sum(result.states[-1, i] for i, n in enumerate(result.model.state_names) if n.startswith(prefix)))


def _flux(result: Result, *names: str) -> float:
    return float(sum(result.flux(n)[-1] for n in names))


def _stage_out(result: Result, prefix: str) -> str:
    stages = [n for n in result.model.state_names if n.startswith(prefix)]
    return f"{stages[-1]}_out"


def _naive_half_life_years(result: Result, pool: str) -> float:
    loss = _flux(result, f"{pool}_death", f"{pool}_to_memory")
    return math.log(2) * result.state(pool)[-1] / loss / DAYS_PER_YEAR


def _proliferation_pct(result: Result, pool: str) -> float:
    return 100.0 * _flux(result, f"{pool}_proliferation") / float(result.state(pool)[-1])


READOUTS: dict[str, Readout] = {
    "cd4_cd8_ratio": lambda r: _final(r, "cd4_per_uL") / _final(r, "cd8_per_uL"),
    "neutrophil_blood_half_life_hours": lambda r: 24 * math.log(2) * _pool(r, "neutrophil_blood_")
    / _flux(r, _stage_out(r, "neutrophil_blood_")),
    "neutrophil_marrow_transit_days": lambda r: _pool(r, "neutrophil_maturing_")
    / _flux(r, _stage_out(r, "neutrophil_maturing_")),
    "rbc_lifespan_days": lambda r: _pool(r, "erythroid_blood_") / _flux(r, _stage_out(r, "erythroid_maturing_")),
    "platelet_lifespan_days": lambda r: _pool(r, "megakaryocyte_blood_")
    / _flux(r, _stage_out(r, "megakaryocyte_maturing_")),
    "naive_cd4_half_life_years": lambda r: _naive_half_life_years(r, "naive_cd4"),
    "naive_cd8_half_life_years": lambda r: _naive_half_life_years(r, "naive_cd8"),
    "em_cd4_proliferation_pct_per_day": lambda r: _proliferation_pct(r, "em_cd4"),
    "cm_cd4_proliferation_pct_per_day": lambda r: _proliferation_pct(r, "cm_cd4"),
    "naive_cd4_proliferation_pct_per_day": lambda r: _proliferation_pct(r, "naive_cd4"),
    "b_proliferation_pct_per_day": lambda r: _proliferation_pct(r, "b_cells"),
    "hsc_division_interval_weeks": lambda r: r.state("hsc")[-1] / _flux(r, "hsc_division") / 7.0,
}


def readout(result: Result, name: str) -> float:
    if name in READOUTS:
        return READOUTS[name](result)
    if name in result.model.observable_names:
        return _final(result, name)
    raise KeyError(f"unknown read-out {name!r}")


def is_known(name: str, observable_names: list[str]) -> bool:
    return (name in READOUTS or name in observable_names or name in COMPOSITE or name in CLONAL or name in STANDALONE
            or name.startswith(("drug_set:", "drug_set_fold:")))


def _thymic_ratio(run: Callable[[float], Result]) -> float:
    return float(run(60.0).observable("thymic_output_per_day")[-1] / run(20.0).observable("thymic_output_per_day")[-1])


ClonalRun = tuple[NeutralHSCPool, ClonalHistory]


def _clonal_run() -> ClonalRun:
    """A neutral clone-resolved HSC pool (20,000 cells, seed 0) over 40 years."""
    pool = NeutralHSCPool(20_000, seed=0)
    return pool, pool.run(40, sample_every_years=5)


def _clonal_mutation_rate(run: ClonalRun) -> float:
    _, hist = run
    return float(np.polyfit(np.array(hist.times_days) / DAYS_PER_YEAR, hist.mean_mutations_per_cell, 1)[0])


#: Read-outs of the clone-resolved HSC engine (one shared run).
CLONAL: dict[str, Callable[[ClonalRun], float]] = {
    "clonal_division_interval_weeks": lambda run: run[0].measured_division_interval_days() / 7.0,
    "clonal_mutations_per_year": _clonal_mutation_rate,
}

def _driver(gene: str) -> Callable[[], float]:
    def growth() -> float:
        return measured_driver_growth(gene, seed=0)

    return growth


@functools.lru_cache(maxsize=1)
def _ch_cohort() -> CHCohortResult:
    from hemasim.clonal.ch import simulate_ch_cohort  # imports scipy: only for the CH read-outs

    return simulate_ch_cohort(1000, seed=0, step_years=0.5)


def _ch_prevalence(low: float, high: float) -> Callable[[], float]:
    return lambda: _ch_cohort().prevalence(low, high)


#: Read-outs that run their own clonal simulation (no patient needed).
STANDALONE: dict[str, Callable[[], float]] = {
    "ch_prevalence_30_39": _ch_prevalence(30, 40),
    "ch_prevalence_70_79": _ch_prevalence(70, 80),
    "ch_prevalence_80_89": _ch_prevalence(80, 90),
    "ch_prevalence_90_100": _ch_prevalence(90, 101),
    "driver_growth_per_year_DNMT3A": _driver("DNMT3A"),
    "driver_growth_per_year_TP53": _driver("TP53"),
    "driver_growth_per_year_SRSF2_P95H": _driver("SRSF2_P95H"),
}

def drug_set_readout(spec: str) -> float:
    """``drug_set:<set>:<path>`` - a value of a shipped drug set, NaN unless it is cited (so a derived or
    assumed value cannot pass a "loaded as a cited set" check); ``drug_set_fold:...`` gives 1 + value
    (an Emax written as a fold of stimulation)."""
    kind, name, path = spec.split(":")
    ds = load_drug_set(name)
    v = ds.value_record(path)
    value = v.value + 1.0 if kind == "drug_set_fold" else v.value
    if kind == "drug_set_fold":  # an Emax derived from a cited fold: the fold is what was cited
        return value if (v.source is not None or v.derived is not None) else math.nan
    return value if v.source is not None else math.nan


def _scenario_run(data: dict[str, Any]) -> Result:
    return run_scenario(parse_scenario(data))


def _cached_scenario_run(data: dict[str, Any]) -> Callable[[], Result]:
    """A zero-argument runner of the scenario ``data`` that simulates once, however many read-outs use it."""
    return functools.lru_cache(maxsize=None)(lambda: _scenario_run(data))


def _docetaxel_cycle(model_kind: str) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    """One cycle of docetaxel 100 mg/m2 (1-h infusion, Kloft 2006 ANC set) in the reference woman: a runner of
    (times, ANC)."""

    @functools.cache
    def run() -> tuple[np.ndarray, np.ndarray]:
        patient = PATIENTS["reference_female"]
        ds = load_drug_set("docetaxel_kloft2006")
        model = friberg_model(ds, patient) if model_kind == "friberg" else healthy_human_model(
            patient, aging=False, extensions=[DrugExposure(ds)])
        dose = Regimen(0.0, "docetaxel", "iv_infusion", 100.0 * body_surface_area_m2(patient) * 1000.0, 1.0 / 24.0)
        r = Simulation(model, events=[dose]).run(28.0, output_every_days=1.0 / 24.0)
        return r.times, r.observable("anc_1e9_per_L")

    return run


def _cycle_readouts(model_kind: str) -> dict[str, Callable[[], float]]:
    run = _docetaxel_cycle(model_kind)

    def first21(f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[[], float]:
        def value() -> float:
            t, anc = run()
            keep = t <= 21.0
            return float(f(t[keep], anc[keep][None, :])[0])
        return value

    return {
        f"{model_kind}_docetaxel_anc_nadir_day": first21(DayOfNadir("anc_1e9_per_L").values),
        f"{model_kind}_docetaxel_days_anc_below_0p5": first21(DaysBelow("anc_1e9_per_L", 0.5, "").values),
        f"{model_kind}_docetaxel_anc_nadir": first21(lambda t, v: np.min(v, axis=1)),
        f"{model_kind}_docetaxel_anc_day21": lambda: float(np.interp(21.0, *run())),
    }


_UNTREATED = {g: _cached_scenario_run({
    "name": g, "duration_days": 30, "aging": False,
    "patient": {"age_years": 35, "sex": "female", "weight_kg": 60, "height_cm": 163, "genotype": g}})
    for g in ("il2rg_scid", "ada_scid", "rag_scid")}


def _untreated(genotype: str, observable: str) -> Callable[[], float]:
    """An untreated patient (the reference woman) with a SCID genotype, 30 days on: one blood count."""
    def value() -> float:
        r = _UNTREATED[genotype]()
        if observable == "t_per_uL":
            return float(r.observable("cd4_per_uL")[-1] + r.observable("cd8_per_uL")[-1])
        return float(r.observable(observable)[-1])

    return value


#: IL2RG-SCID infant (0.6 y, 7.5 kg) re-infused with 5e6/kg autologous corrected CD34+ cells, no
#: conditioning, two years (as examples/xscid_gene_therapy.yaml).
_GT = _cached_scenario_run({
    "name": "X-SCID gene therapy", "duration_days": 737,
    "patient": {"age_years": 0.6, "sex": "male", "weight_kg": 7.5, "height_cm": 67, "genotype": "il2rg_scid"},
    "interventions": [{"kind": "transplant", "day": 7, "source": "bone_marrow", "donor": "autologous",
                       "cd34_per_kg": 5.0e6, "cd3_per_kg": 0}]})


def _corrected_share(*observables: str) -> Callable[[], float]:
    def value() -> float:
        r = _GT()
        total = sum(r.observable(o)[-1] for o in observables)
        return float(sum(r.observable(f"{o}__donor")[-1] for o in observables) / total)

    return value


STANDALONE["xscid_gene_therapy_corrected_share_t_cells"] = _corrected_share("cd4_per_uL", "cd8_per_uL")
STANDALONE["xscid_gene_therapy_corrected_share_b_cells"] = _corrected_share("b_cells_per_uL")

for _g in ("il2rg_scid", "ada_scid", "rag_scid"):
    for _o in ("t_per_uL", "nk_cells_per_uL", "b_cells_per_uL"):
        STANDALONE[f"untreated_{_g}_{_o}"] = _untreated(_g, _o)

#: One vaccine dose in the reference man, followed for ten years.
_VAX = _cached_scenario_run({
    "name": "one vaccine dose", "duration_days": 10 * 365.25 + 7, "aging": False, "output": {"every_days": 0.5},
    "patient": {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175},
    "interventions": [{"kind": "vaccine", "day": 7, "antigen": "tetanus"}]})


def _igg_half_life(t0: float, t1: float) -> float:
    r = _VAX()
    keep = (r.times >= 7 + t0) & (r.times <= 7 + t1)
    slope = np.polyfit(r.times[keep], np.log(r.observable("tetanus_igg_au")[keep]), 1)[0]
    return float(math.log(2) / -slope)


def _plasmablast_peak_day() -> float:
    r = _VAX()
    keep = (r.times >= 7) & (r.times <= 67)
    return float(r.times[keep][np.argmax(r.observable("tetanus_plasmablasts_au")[keep])] - 7)


def _post_hsct_response_ratio() -> float:
    """Relative vaccine response 24 months after Cy/TBI + PBSC over that at 3 months."""
    rel: list[float] = []
    for months in (3, 24):
        day = 6 + months * 30.4
        data = {"name": "vaccine after HSCT", "duration_days": day + 29, "aging": False,
                "patient": {"age_years": 45, "sex": "male", "weight_kg": 75, "height_cm": 178},
                "interventions": [{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0},
                                  {"kind": "transplant", "day": 6, "source": "peripheral_blood", "cd34_per_kg": 5e6},
                                  {"kind": "vaccine", "day": day, "antigen": "pneumococcus"}]}
        ep = {e.name: e.value for e in evaluate_endpoints(_scenario_run(data))}
        response = ep["pneumococcus_relative_response"]
        if response is None:
            raise ValueError(f"no vaccine response {months} months after the graft: the read-out is undefined")
        rel.append(response)
    return rel[1] / rel[0]


STANDALONE.update({
    "vaccine_igg_half_life_days_35_to_63": lambda: _igg_half_life(35.0, 63.0),
    "vaccine_plasmablast_peak_day": _plasmablast_peak_day,
    "vaccine_antibody_half_life_years_2_to_10": lambda: _igg_half_life(2 * 365.25, 10 * 365.25) / 365.25,
    "vaccine_response_ratio_24_to_3_months_after_hsct": _post_hsct_response_ratio,
})

def _infection_peak_wbc() -> float:
    """Peak WBC of the reference man with a moderate bacterial infection (inoculum 1e9 CFU)."""
    r = _scenario_run({
        "name": "moderate bacterial infection", "duration_days": 30, "aging": False, "output": {"every_days": 0.25},
        "patient": {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175},
        "interventions": [{"kind": "infection", "day": 1, "inoculum_cfu": 1e9}]})
    return float(r.observable("wbc_1e9_per_L").max())


STANDALONE["infection_peak_wbc_1e9_per_L"] = _infection_peak_wbc

STANDALONE.update(_cycle_readouts("friberg"))
STANDALONE.update(_cycle_readouts("full_model"))

#: Read-outs that need more than one simulated patient: they get a runner taking an age.
COMPOSITE: dict[str, Callable[[Callable[[float], Result]], float]] = {
    "thymic_output_ratio_60_to_20": _thymic_ratio,
}

__all__ = ["CLONAL", "COMPOSITE", "READOUTS", "STANDALONE", "drug_set_readout", "is_known", "readout"]

#: Relapsing MS in a 35-year-old woman: autologous HSCT after Cy/ATG (as examples/ms_autologous_hsct.yaml, graft on
#: day 35) against continued disease (no intervention); four years.
_MS_PATIENT = {"age_years": 35, "sex": "female", "weight_kg": 65, "height_cm": 168,
               "autoimmune_disease": "multiple_sclerosis"}
_MS_GRAFT_DAY = 35.0
_MS_HSCT = _cached_scenario_run({
    "name": "MS autologous HSCT", "duration_days": 1495, "output": {"every_days": 5}, "patient": _MS_PATIENT,
    "interventions": [{"kind": "conditioning", "regimen": "cy_atg", "start_day": 30},
                      {"kind": "transplant", "day": _MS_GRAFT_DAY, "source": "peripheral_blood", "donor": "autologous",
                       "cd34_per_kg": 5.0e6, "cd3_per_kg": 1.0e4}]})
_MS_CONTINUED = _cached_scenario_run({
    "name": "MS continued disease", "duration_days": 1495, "output": {"every_days": 5}, "patient": _MS_PATIENT})


def _ms_activity_ratio() -> float:
    """Mean disease activity over years 1-3 after the graft, HSCT over continued disease."""
    def mean_activity(r: Result) -> float:
        keep = (r.times >= _MS_GRAFT_DAY + 365.25) & (r.times <= _MS_GRAFT_DAY + 3 * 365.25)
        return float(np.mean(r.observable("multiple_sclerosis_activity")[keep]))

    return mean_activity(_MS_HSCT()) / mean_activity(_MS_CONTINUED())


def _richness_ratio(months: float) -> Callable[[], float]:
    def value() -> float:
        r = _MS_HSCT()
        k = r.observable("cd4_clonotype_richness")
        return float(np.interp(_MS_GRAFT_DAY + months * 30.44, r.times, k) / k[0])

    return value


STANDALONE["ms_hsct_activity_ratio_years_1_3"] = _ms_activity_ratio
STANDALONE["ms_hsct_cd4_richness_ratio_month_1"] = _richness_ratio(1.0)
STANDALONE["ms_hsct_cd4_richness_ratio_month_12"] = _richness_ratio(12.0)

#: High-dose melphalan and an autologous PBSC graft (5e6 CD34+/kg, day 2) in men of 30 and 60 years (T5).
_AUTO_GRAFT_DAY = 2.0
_AUTO = {age: _cached_scenario_run({
    "name": f"HDM + autologous PBSC, {age} y", "duration_days": 120, "output": {"every_days": 1},
    "patient": {"age_years": age, "sex": "male", "weight_kg": 75, "height_cm": 178},
    "interventions": [{"kind": "conditioning", "regimen": "high_dose_melphalan", "start_day": 0},
                      {"kind": "transplant", "day": _AUTO_GRAFT_DAY, "source": "peripheral_blood",
                       "donor": "autologous", "cd34_per_kg": 5.0e6}]}) for age in (30, 60)}


def _value_after_graft(run: Callable[[], Result], observable: str, day: float, graft_day: float) -> float:
    """``observable`` of a run ``day`` days after its graft on ``graft_day``."""
    r = run()
    return float(np.interp(graft_day + day, r.times, r.observable(observable)))


def _auto_value(age: int, observable: str, day_after_graft: float) -> float:
    return _value_after_graft(_AUTO[age], observable, day_after_graft, _AUTO_GRAFT_DAY)


_AUTO_BASELINE_30 = _cached_scenario_run({
    "name": "healthy 30-year-old man", "duration_days": 1, "output": {"every_days": 1},
    "patient": {"age_years": 30, "sex": "male", "weight_kg": 75, "height_cm": 178}})


def _thymic_output_recovery_day100() -> float:
    """Thymic export 100 days after the graft over the same man's export before conditioning (age 30)."""
    return _auto_value(30, "thymic_output_per_day", 100.0) / float(
        _AUTO_BASELINE_30().observable("thymic_output_per_day")[0])


STANDALONE["auto_hsct_thymic_output_ratio_day100_to_baseline_age30"] = _thymic_output_recovery_day100

def _auto_ratio(observable: str, age: int, day: float, reference_age: int, reference_day: float) -> float:
    """``observable`` at (``age``, ``day`` after the graft) over the same at the reference age and day."""
    return _auto_value(age, observable, day) / _auto_value(reference_age, observable, reference_day)


for _o in ("naive_cd4_per_uL", "trec_cd4_per_uL"):
    STANDALONE[f"auto_hsct_{_o}_ratio_day100_to_day7_age30"] = functools.partial(_auto_ratio, _o, 30, 100.0, 30, 7.0)
    STANDALONE[f"auto_hsct_{_o}_day100_ratio_60_to_30"] = functools.partial(_auto_ratio, _o, 60, 100.0, 30, 100.0)

#: Myeloablative HSCT in a 40-year-old man: Cy/TBI 12 Gy from day 0, graft on day 6 (T1, T3, T6) - and, for T2,
#: the same conditioning with an autologous graft (Gunn 2003 grafted after myeloablative regimens).
_HSCT_GRAFT_DAY = 6.0
_HSCT_PATIENT = {"age_years": 40, "sex": "male", "weight_kg": 75, "height_cm": 178}


def _hsct_run(cd34_per_kg: float, donor: str, days: float) -> Callable[[], Result]:
    return _cached_scenario_run({
        "name": f"Cy/TBI + {donor} PBSC {cd34_per_kg:g}/kg", "duration_days": days, "aging": False,
        "output": {"every_days": 1}, "patient": _HSCT_PATIENT,
        "interventions": [{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0},
                          {"kind": "transplant", "day": _HSCT_GRAFT_DAY, "source": "peripheral_blood",
                           "donor": donor, "cd34_per_kg": cd34_per_kg}]})


_ALLO_SHORT = {d: _hsct_run(d, "allogeneic", 120) for d in (0.5e6, 2e6, 5e6)}
_AUTO_SHORT = {d: _hsct_run(d, "autologous", 120) for d in (7.5e6, 15e6)}
_ALLO_LONG = _hsct_run(5e6, "allogeneic", 5 * 365.25 + 7)


@functools.cache
def _endpoints_of(run: Callable[[], Result]) -> dict[str, float | None]:
    """Every endpoint of a (cached) run, evaluated once however many read-outs use it."""
    return {e.name: e.value for e in evaluate_endpoints(run())}


def _endpoint(run: Callable[[], Result], name: str) -> float:
    """One endpoint of a run; a recovery not reached counts as the end of the run (a lower bound)."""
    value = _endpoints_of(run)[name]
    return float(run().times[-1] - _HSCT_GRAFT_DAY) if value is None else float(value)


STANDALONE.update({
    "allo_pbsc_neutrophil_engraftment_day_5e6": lambda: _endpoint(_ALLO_SHORT[5e6], "neutrophil_engraftment_day"),
    "allo_pbsc_neutrophil_engraftment_day_2e6": lambda: _endpoint(_ALLO_SHORT[2e6], "neutrophil_engraftment_day"),
    "allo_pbsc_neutrophil_engraftment_delay_2e6_vs_5e6_days": lambda: (
        _endpoint(_ALLO_SHORT[2e6], "neutrophil_engraftment_day")
        - _endpoint(_ALLO_SHORT[5e6], "neutrophil_engraftment_day")),
    "allo_pbsc_primary_graft_failure_0p5e6": lambda: _endpoint(_ALLO_SHORT[0.5e6], "primary_graft_failure"),
    "allo_pbsc_primary_graft_failure_5e6": lambda: _endpoint(_ALLO_SHORT[5e6], "primary_graft_failure"),
    "auto_platelet_engraftment_day_7p5e6": lambda: _endpoint(_AUTO_SHORT[7.5e6], "platelet_engraftment_day"),
    "auto_platelet_engraftment_day_15e6": lambda: _endpoint(_AUTO_SHORT[15e6], "platelet_engraftment_day"),
    "auto_platelet_engraftment_gap_7p5e6_vs_15e6_days": lambda: (
        _endpoint(_AUTO_SHORT[7.5e6], "platelet_engraftment_day")
        - _endpoint(_AUTO_SHORT[15e6], "platelet_engraftment_day")),
    "allo_pbsc_cd4_per_uL_day100": lambda: _value_after_graft(_ALLO_LONG, "cd4_per_uL", 100.0, _HSCT_GRAFT_DAY),
})
_ORDER = ("nk", "cd8", "b", "cd4")


def _half_normal_day(run: Callable[[], Result], lineage: str) -> float:
    """Day after the graft the lineage reaches half its normal count."""
    return _endpoint(run, f"{lineage}_50pct_normal_day")


def _half_normal_day_ratio(late: str, early: str) -> float:
    return _half_normal_day(_ALLO_LONG, late) / _half_normal_day(_ALLO_LONG, early)


for _early, _late in zip(_ORDER, _ORDER[1:], strict=False):
    STANDALONE[f"allo_pbsc_50pct_normal_day_ratio_{_late}_to_{_early}"] = functools.partial(
        _half_normal_day_ratio, _late, _early)
for _lin in _ORDER:
    STANDALONE[f"allo_pbsc_{_lin}_50pct_normal_day"] = functools.partial(_half_normal_day, _ALLO_LONG, _lin)

#: An 8-year-old boy given Cy/TBI and a T-cell-depleted marrow graft (3e6 CD34+/kg, 1e5 CD3+/kg) on day 6, five
#: years (T4, Kook 1996: children after T-depleted grafts). "Normal" is half the reference count for his age.
_TCD_CHILD = _cached_scenario_run({
    "name": "child, Cy/TBI + T-depleted marrow", "duration_days": 5 * 365.25 + 6, "aging": False,
    "output": {"every_days": 2}, "patient": {"age_years": 8, "sex": "male", "weight_kg": 25, "height_cm": 128},
    "interventions": [{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0},
                      {"kind": "transplant", "day": _HSCT_GRAFT_DAY, "source": "bone_marrow", "cd34_per_kg": 3.0e6,
                       "cd3_per_kg": 1.0e5}]})
_DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0

def _half_normal_months(run: Callable[[], Result], lineage: str) -> float:
    return _half_normal_day(run, lineage) / _DAYS_PER_MONTH


for _lin in ("cd8", "b", "cd4"):
    STANDALONE[f"tcd_child_{_lin}_50pct_normal_months"] = functools.partial(_half_normal_months, _TCD_CHILD, _lin)


def _cd4_cd8_inverted_until_months() -> float:
    """Last time (months after the graft) the child's CD4:CD8 ratio is below 1."""
    r = _TCD_CHILD()
    after = r.times >= _HSCT_GRAFT_DAY
    inverted = r.times[after][(r.observable("cd4_per_uL") < r.observable("cd8_per_uL"))[after]]
    return float((inverted.max() - _HSCT_GRAFT_DAY) / _DAYS_PER_MONTH) if inverted.size else 0.0


STANDALONE["tcd_child_cd4_cd8_inverted_until_months"] = _cd4_cd8_inverted_until_months
STANDALONE["tcd_child_cd4_cd8_ratio_month6"] = lambda: (
    _value_after_graft(_TCD_CHILD, "cd4_per_uL", 6 * _DAYS_PER_MONTH, _HSCT_GRAFT_DAY)
    / _value_after_graft(_TCD_CHILD, "cd8_per_uL", 6 * _DAYS_PER_MONTH, _HSCT_GRAFT_DAY))


#: An IL2RG-SCID infant (3.6 months, 6 kg) given a T-cell-depleted haploidentical marrow graft (3e6 CD34+/kg,
#: 1e5 CD3+/kg) on day 7 without conditioning, as in the Duke series (D3, Buckley group 2009). One year.
_INFANT = {"age_years": 0.3, "sex": "male", "weight_kg": 6.0, "height_cm": 61}
_SCID_GRAFT_DAY = 7.0
_SCID_UNCONDITIONED = _cached_scenario_run({
    "name": "X-SCID infant, unconditioned T-depleted marrow", "duration_days": _SCID_GRAFT_DAY + 365.25,
    "aging": False, "output": {"every_days": 1}, "patient": {**_INFANT, "genotype": "il2rg_scid"},
    "interventions": [{"kind": "transplant", "day": _SCID_GRAFT_DAY, "source": "bone_marrow", "cd34_per_kg": 3.0e6,
                       "cd3_per_kg": 1.0e5}]})
STANDALONE["scid_unconditioned_cd3_per_uL_month6"] = lambda: _value_after_graft(
    _SCID_UNCONDITIONED, "cd3_per_uL", 6 * _DAYS_PER_MONTH, _SCID_GRAFT_DAY)
STANDALONE["scid_unconditioned_cd3_per_uL_month4"] = lambda: _value_after_graft(
    _SCID_UNCONDITIONED, "cd3_per_uL", 4 * _DAYS_PER_MONTH, _SCID_GRAFT_DAY)


def _scid_trec_per_naive_cd4_ratio_to_healthy() -> float:
    """TREC-like marker per naive CD4 cell a year after the graft over that of a healthy infant of the same age
    (near 1: the T cells are recent thymic emigrants, not expanded graft cells)."""
    r = _SCID_UNCONDITIONED()
    healthy = _scenario_run({"name": "healthy infant", "duration_days": 1, "aging": False, "patient": _INFANT})
    per_cell = r.observable("trec_cd4_per_uL")[-1] / r.observable("naive_cd4_per_uL")[-1]
    return float(per_cell / (healthy.observable("trec_cd4_per_uL")[0] / healthy.observable("naive_cd4_per_uL")[0]))


STANDALONE["scid_unconditioned_trec_per_naive_cd4_ratio_to_healthy_month12"] = _scid_trec_per_naive_cd4_ratio_to_healthy
