"""Read-outs of one docetaxel cycle (targets C4, C5), of a virtual docetaxel cohort in the full model (C7, C8), of
one AC cycle (doxorubicin + cyclophosphamide) in the full model (C10, C11) and of a virtual AC cohort (C12, Dees 2000).

The cycle is built from the drug set and the model directly rather than from a scenario: it gives the dose as
an amount (100 mg/m2 times the body surface area) to the Friberg chain and to the full model alike.

The cohort (:func:`docetaxel_cohort`): adults drawn as in examples/cohort_docetaxel.yaml, each with the
between-patient variability of the Kloft 2006 ANC model (log-normal: ANC baseline, mean transit time, drug
slope; DDMODEL00000224) carried to the full model (set point, neutrophil marrow transit times, the full
model's kill slope) and the docetaxel clearance variability of Onoue 2016 (sd of log CL 0.295, as encoded in
the R package DTAT; the set's pk.clearance_iiv_sd_log), drawn by
:func:`hemasim.cohort.sampling.drug_variability_draws` as a user's cohort with ``population.drug_variability``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hemasim.biology import healthy_human_model
from hemasim.biology.body import Covariates, body_surface_area_m2
from hemasim.cohort.sampling import cancer_white_cell_draws, drug_variability_draws
from hemasim.endpoints import DayOfNadir, DaysBelow
from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology import DrugExposure, Regimen, friberg_model, load_drug_set
from hemasim.pharmacology.drug_sets import DrugSet
from hemasim.scenario.plausibility import AC_DRUG_SETS
from hemasim.simulation import Simulation
from hemasim.solvers import DormandPrince, Solver
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.patients import PATIENTS

ANC = "anc_1e9_per_L"


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
        return r.times, r.observable(ANC)

    return run


def _cycle_readouts(model_kind: str) -> dict[str, Readout]:
    run = _docetaxel_cycle(model_kind)

    def first21(f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Readout:
        def value() -> float:
            t, anc = run()
            keep = t <= 21.0
            return float(f(t[keep], anc[keep][None, :])[0])

        return OwnRun(value)

    return {
        f"{model_kind}_docetaxel_anc_nadir_day": first21(DayOfNadir(ANC).values),
        f"{model_kind}_docetaxel_days_anc_below_0p5": first21(DaysBelow(ANC, 0.5, "").values),
        f"{model_kind}_docetaxel_anc_nadir": first21(lambda t, v: np.min(v, axis=1)),
        f"{model_kind}_docetaxel_anc_day21": OwnRun(lambda: float(np.interp(21.0, *run()))),
    }


# The sd of log docetaxel clearance between patients (Onoue 2016 Table 2, 0.295 as encoded in DTAT) is the
# drug set's pk.clearance_iiv_sd_log. Kloft 2006's own ANC data came with individual PK, so its slope IIV does
# not include it.
#: size of the validate cohort (the issue's 1,000 patients; about 20 s)
VALIDATE_COHORT = 1000
DOCETAXEL_CYCLES = 3
#: the validation cohorts' body size by sex, as examples/cohort_docetaxel.yaml's (mean, SD of a normal, clipped to
#: the bounds): weight in kg, height in cm; the docetaxel cohort (C7, C8) draws both sexes, the AC cohort (C12) women
COHORT_WEIGHT_KG = {"female": (68.0, 12.0), "male": (80.0, 12.0)}
COHORT_HEIGHT_CM = {"female": (163.0, 7.0), "male": (176.0, 7.0)}
COHORT_WEIGHT_BOUNDS_KG, COHORT_HEIGHT_BOUNDS_CM = (40.0, 150.0), (140.0, 200.0)


def cohort_women(rng: np.random.Generator, ages_years: tuple[float, float], n: int) -> Covariates:
    """``n`` women of the validation cohorts: ages uniform over ``ages_years``, then weights and heights (COHORT_WEIGHT_KG,
    COHORT_HEIGHT_CM, clipped), drawn from ``rng`` in that order (the AC cohort C12 and the TC/TAC cohorts F1-F4)."""
    return Covariates(age_years=rng.uniform(*ages_years, n), sex=np.full(n, "female"),
                      weight_kg=np.clip(rng.normal(*COHORT_WEIGHT_KG["female"], n), *COHORT_WEIGHT_BOUNDS_KG),
                      height_cm=np.clip(rng.normal(*COHORT_HEIGHT_CM["female"], n), *COHORT_HEIGHT_BOUNDS_CM))

#: the validate cohort's solver, Dormand-Prince's kernel at rtol 1e-6 (:func:`docetaxel_cohort`'s default stays the
#: default solver, rtol 1e-8): by the rule committed before the comparison (docs/performance.md, the suite's twenty-second
#: session, branch testspeed25), the loosest of 1e-7, 1e-6, 1e-5 whose card is 1e-8's, whose nadirs (every patient's
#: lowest ANC, platelets, Hb) lie within 1e-5 relative of 1e-8's and whose nadir days and days below 0.5 are 1e-8's:
#: at 1e-6 within 8.8e-7, every day the same, at ~0.6 of the CPU; at 1e-5 nadirs 1.3e-5 apart
VALIDATE_COHORT_SOLVER: Solver = DormandPrince(rtol=1e-6)


@dataclass(frozen=True)
class CohortCourse:
    """Per-patient worst counts and timing over the cohort's cycles."""

    nadir_anc: np.ndarray  # 1e9/L, lowest ANC over the run
    nadir_day: np.ndarray  # day of the first cycle's ANC nadir
    days_anc_below_0p5: np.ndarray  # days with ANC < 0.5e9/L in the first cycle (21 days)
    nadir_platelets: np.ndarray  # 1e9/L
    nadir_hemoglobin: np.ndarray  # g/dL


#: examples/cohort_docetaxel.yaml's share of women (:func:`docetaxel_cohort`'s default: the docs' cohort analyses)
COHORT_FEMALE_SHARE = 0.6
#: C7/C8's trials (Nabholtz 1999, Bonneterre 2002) treated metastatic breast cancer: the validate cohort is of women
#: (bughunt34c: it drew the example's 60% women, 40% men)
NABHOLTZ1999_FEMALE_SHARE = 1.0


def _cohort_draws(n: int, seed: int, female_share: float = COHORT_FEMALE_SHARE,
                  ) -> tuple[Covariates, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Covariates (examples/cohort_docetaxel.yaml, ``female_share`` of them women), healthy-model and drug-set values
    per patient (the drug set's published variability, then cancer patients' lymphocytes and monocytes); the draws
    are the same whatever the share, each patient's sex aside."""
    rng = np.random.default_rng(seed)
    female = rng.random(n) < female_share
    cov = Covariates(age_years=rng.uniform(30.0, 75.0, n), sex=np.where(female, "female", "male"),
                     weight_kg=np.clip(np.where(female, rng.normal(*COHORT_WEIGHT_KG["female"], n),
                                                rng.normal(*COHORT_WEIGHT_KG["male"], n)), *COHORT_WEIGHT_BOUNDS_KG),
                     height_cm=np.clip(np.where(female, rng.normal(*COHORT_HEIGHT_CM["female"], n),
                                                rng.normal(*COHORT_HEIGHT_CM["male"], n)), *COHORT_HEIGHT_BOUNDS_CM))
    # the drug set's published variability, drawn by the library function a user's cohort uses
    # (population.drug_variability); its draws follow the covariates' in this generator
    params = healthy_adult_parameters()
    draws = drug_variability_draws(load_drug_set("docetaxel_kloft2006"), params, rng, n)
    # cancer patients' lymphocytes and monocytes, drawn after everything else (the draws above are unchanged)
    per_patient, drug = {**draws.healthy, **cancer_white_cell_draws(params, rng, n)}, draws.drug
    return cov, per_patient, drug


def docetaxel_cohort(n: int = VALIDATE_COHORT, seed: int = 17, dose_mg_per_m2: float = 100.0,
                     solver: Solver = DormandPrince(), female_share: float = COHORT_FEMALE_SHARE) -> CohortCourse:
    """``n`` virtual adults (``female_share`` of them women) given docetaxel (1-h infusion, q3w,
    :data:`DOCETAXEL_CYCLES` cycles) in the full model, integrated by ``solver`` (Dormand-Prince's lock-step kernel at
    rtol 1e-8 by default)."""
    cov, per_patient, drug = _cohort_draws(n, seed, female_share)
    ds = load_drug_set("docetaxel_kloft2006")
    model = healthy_human_model(cov, aging=False, per_patient=per_patient,
                                extensions=[DrugExposure(ds, per_patient=drug)])
    amount = dose_mg_per_m2 * body_surface_area_m2(cov) * 1000.0
    dose = Regimen(0.0, "docetaxel", "iv_infusion", amount, 1.0 / 24.0,
                   cycle_offsets=tuple(21.0 * k for k in range(DOCETAXEL_CYCLES)))
    r = Simulation(model, solver=solver, events=[dose]).run(
        21.0 * DOCETAXEL_CYCLES, output_every_days=1.0 / 8.0, observe=[ANC, "platelets_1e9_per_L", "hemoglobin_g_per_dL"])
    t, anc = r.times, r.observable(ANC)
    first = t <= 21.0
    return CohortCourse(nadir_anc=anc.min(axis=1), nadir_day=DayOfNadir(ANC).values(t[first], anc[:, first]),
                        days_anc_below_0p5=DaysBelow(ANC, 0.5, "").values(t[first], anc[:, first]),
                        nadir_platelets=r.observable("platelets_1e9_per_L").min(axis=1),
                        nadir_hemoglobin=r.observable("hemoglobin_g_per_dL").min(axis=1))


@functools.cache
def _validate_cohort() -> CohortCourse:
    return docetaxel_cohort(solver=VALIDATE_COHORT_SOLVER, female_share=NABHOLTZ1999_FEMALE_SHARE)


def _cohort_readouts() -> dict[str, Readout]:
    def pct(f: Callable[[CohortCourse], np.ndarray]) -> Readout:
        return OwnRun(lambda: float(100.0 * np.mean(f(_validate_cohort()))))

    def median(f: Callable[[CohortCourse], np.ndarray]) -> Readout:
        return OwnRun(lambda: float(np.median(f(_validate_cohort()))))

    key = "full_model_docetaxel_cohort_"
    return {
        key + "grade34_neutropenia_pct": pct(lambda c: c.nadir_anc < 1.0),
        key + "grade4_neutropenia_pct": pct(lambda c: c.nadir_anc < 0.5),
        key + "grade34_thrombocytopenia_pct": pct(lambda c: c.nadir_platelets < 50.0),
        key + "median_nadir_day": median(lambda c: c.nadir_day),
        key + "median_days_grade4": median(lambda c: c.days_anc_below_0p5),
        # the episode's length where there is one (the label's "duration of severe neutropenia" is that of the
        # episodes; the median over every patient counts those without one as 0 days)
        key + "median_days_grade4_among_grade4": median(lambda c: c.days_anc_below_0p5[c.days_anc_below_0p5 > 0]),
        key + "platelets_below_100_pct": pct(lambda c: c.nadir_platelets < 100.0),
        key + "hemoglobin_below_11_pct": pct(lambda c: c.nadir_hemoglobin < 11.0),
        key + "hemoglobin_below_8_pct": pct(lambda c: c.nadir_hemoglobin < 8.0),
    }


# ---------------------------------------------------------------- AC (doxorubicin + cyclophosphamide), C10 / C11
# the AC drug sets (AC_DRUG_SETS, doxorubicin first) are named once, where a scenario's doses of them are checked
# (hemasim.scenario.plausibility); their marrow kill and its fit: docs/chemotherapy_full_model.md, "AC"
#: Ahmed 2020's typical patient: BSA 1.58 m2, the value its PK is normalised to (the cohort median; nlmixr2lib
#: Ahmed_2020_cyclophosphamide.R, Table 1 and 4), so 600 mg/m2 is 948 mg of cyclophosphamide
AHMED2020_TYPICAL_BSA_M2 = 1.58
#: cyclophosphamide as a 30-min infusion (Ahmed 2020 Methods), doxorubicin as a bolus (the regimen file's routes)
AC_CP_INFUSION_HOURS = 0.5


def ac_regimens(bsa_m2: float | np.ndarray, doxorubicin_mg_per_m2: float = 60.0, cyclophosphamide_mg_per_m2: float = 600.0,
                cycles: int = 1) -> list[Regimen]:
    """AC on day 0 of each 21-day cycle: doxorubicin as a bolus, cyclophosphamide over 30 minutes."""
    offsets = tuple(21.0 * k for k in range(cycles))
    return [Regimen(0.0, "doxorubicin", "iv_bolus", doxorubicin_mg_per_m2 * bsa_m2 * 1000.0, 0.0,
                    cycle_offsets=offsets),
            Regimen(0.0, "cyclophosphamide", "iv_infusion", cyclophosphamide_mg_per_m2 * bsa_m2 * 1000.0,
                    AC_CP_INFUSION_HOURS / 24.0, cycle_offsets=offsets)]


def ac_cycle(drug_sets: tuple[DrugSet, DrugSet] | None = None, bsa_m2: float | None = None,
             doxorubicin_mg_per_m2: float = 60.0, cyclophosphamide_mg_per_m2: float = 600.0,
             days: float = 21.0) -> tuple[np.ndarray, np.ndarray]:
    """One AC cycle in the full model for the reference woman: (times, ANC), hourly. ``drug_sets`` (doxorubicin,
    cyclophosphamide) default to the shipped ones; ``bsa_m2`` (the dose's body surface area) to hers."""
    patient = PATIENTS["reference_female"]
    sets = drug_sets if drug_sets is not None else tuple(load_drug_set(n) for n in AC_DRUG_SETS)
    bsa = float(body_surface_area_m2(patient)) if bsa_m2 is None else bsa_m2
    model = healthy_human_model(patient, aging=False, extensions=[DrugExposure(ds) for ds in sets])
    r = Simulation(model, events=ac_regimens(bsa, doxorubicin_mg_per_m2, cyclophosphamide_mg_per_m2)).run(
        days, output_every_days=1.0 / 24.0)
    return r.times, r.observable(ANC)


#: C10's days (Ahmed 2020: ANC at baseline and on day 20 of the first cycle) and C11's (Drooger 2015: ANC on days
#: 8, 11 and 15 after the first administration); a day is read as days after the dose
AHMED2020_ANC_DAY = 20.0
DROOGER2015_ANC_DAYS = (8.0, 11.0, 15.0)


@functools.cache
def _ac_ahmed_dose() -> tuple[np.ndarray, np.ndarray]:
    return ac_cycle(bsa_m2=AHMED2020_TYPICAL_BSA_M2)


@functools.cache
def _ac_own_dose() -> tuple[np.ndarray, np.ndarray]:
    return ac_cycle()


def ac_day20_over_baseline(run: tuple[np.ndarray, np.ndarray]) -> float:
    t, anc = run
    return float(np.interp(AHMED2020_ANC_DAY, t, anc) / anc[0])


def ac_lowest_on_drooger_days(run: tuple[np.ndarray, np.ndarray]) -> float:
    t, anc = run
    return float(min(np.interp(d, t, anc) for d in DROOGER2015_ANC_DAYS))


# ---------------------------------------------------------------- C12: AC cohort, cycle 1 (Dees 2000)
# Registered before the model was run on it (branch dees31; targets.yaml C12, docs/chemotherapy_full_model.md "C12").
# Only cited between-patient variability: each drug's clearance (the sets' pk.clearance_iiv_sd_log: Ahmed 2020
# cyclophosphamide 46.4% CV, Joerger 2007 doxorubicin 24.6% CV) and the system-level part of the Kloft 2006 ANC
# model's variability that C7 carries (baseline ANC -> ANC set point, mean transit time -> the two neutrophil
# transit times: system parameters of the Friberg chain, estimated on docetaxel patients and assumed to carry over
# to AC); not Kloft's docetaxel slope IIV (a drug's) and nothing on the AC kill scale (no source).
#: Dees 2000's women: 44, aged 35-79 (the ages' spread was not read: uniform assumed)
DEES2000_AGES_YEARS = (35.0, 79.0)
#: cohort size and seed (fixed before the run)
AC_COHORT_N, AC_COHORT_SEED = 1000, 2000
#: Dees 2000's threshold, ANC < 100/uL, in 1e9/L, and its age split (< 65 against >= 65)
DEES2000_ANC_THRESHOLD_1E9_PER_L, DEES2000_AGE_SPLIT_YEARS = 0.1, 65.0


@dataclass(frozen=True)
class AcCohortCourse:
    """Per-patient first-cycle ANC nadir of the AC cohort, with each woman's age."""

    age_years: np.ndarray
    nadir_anc_1e9_per_L: np.ndarray  # lowest ANC on the hourly grid over days 0-21 (the continuous nadir)


def _ac_cohort_draws(n: int, seed: int) -> tuple[Covariates, dict[str, np.ndarray], list[dict[str, np.ndarray]]]:
    """Covariates (women; body size as examples/cohort_docetaxel.yaml's women, COHORT_WEIGHT_KG/HEIGHT_CM, assumed), the system-level ANC
    variability (Kloft 2006, as C7 draws it) and each AC set's clearance (its published variability), in that order."""
    rng = np.random.default_rng(seed)
    cov = cohort_women(rng, DEES2000_AGES_YEARS, n)
    params = healthy_adult_parameters()
    # Kloft 2006's system-level ANC variability (estimated on docetaxel patients, assumed to carry over to AC)
    healthy = drug_variability_draws(load_drug_set("docetaxel_kloft2006"), params, rng, n,
                                     system_only=True).healthy
    # the AC sets have no ANC chain, so drug_variability_draws draws their clearance alone
    drug = [drug_variability_draws(load_drug_set(name), params, rng, n).drug for name in AC_DRUG_SETS]
    return cov, healthy, drug


def ac_cohort(n: int = AC_COHORT_N, seed: int = AC_COHORT_SEED, solver: Solver = DormandPrince()) -> AcCohortCourse:
    """``n`` virtual women given one AC 60/600 mg/m2 cycle (doxorubicin bolus, cyclophosphamide over 30 min, each at
    her own BSA) in the full model, ageing off as in :func:`ac_cycle` (age enters through her starting values)."""
    cov, healthy, drug = _ac_cohort_draws(n, seed)
    sets = [load_drug_set(name) for name in AC_DRUG_SETS]
    model = healthy_human_model(cov, aging=False, per_patient=healthy,
                                extensions=[DrugExposure(ds, per_patient=d) for ds, d in zip(sets, drug, strict=True)])
    r = Simulation(model, solver=solver, events=ac_regimens(body_surface_area_m2(cov))).run(
        21.0, output_every_days=1.0 / 24.0, observe=[ANC])
    return AcCohortCourse(age_years=np.asarray(cov.age_years), nadir_anc_1e9_per_L=r.observable(ANC).min(axis=1))


@functools.cache
def _validate_ac_cohort() -> AcCohortCourse:
    return ac_cohort(solver=VALIDATE_COHORT_SOLVER)


def _below_pct(c: AcCohortCourse, keep: np.ndarray) -> float:
    return float(100.0 * np.mean(c.nadir_anc_1e9_per_L[keep] < DEES2000_ANC_THRESHOLD_1E9_PER_L))


def _ac_cohort_readouts() -> dict[str, Readout]:
    def of(f: Callable[[AcCohortCourse], float]) -> Readout:
        return OwnRun(lambda: f(_validate_ac_cohort()))

    key = "full_model_ac_60_600_cohort_cycle1_"
    return {
        key + "anc_below_0p1_pct": of(lambda c: _below_pct(c, np.ones(c.age_years.size, dtype=bool))),
        key + "anc_below_0p1_under_65_pct": of(lambda c: _below_pct(c, c.age_years < DEES2000_AGE_SPLIT_YEARS)),
        key + "anc_below_0p1_65_plus_pct": of(lambda c: _below_pct(c, c.age_years >= DEES2000_AGE_SPLIT_YEARS)),
        # least-squares slope of the nadir on age (1e9/L per year)
        key + "anc_nadir_age_slope_per_year": of(lambda c: float(np.polyfit(c.age_years, c.nadir_anc_1e9_per_L, 1)[0])),
    }


_AC: dict[str, Readout] = {
    "full_model_ac_60_600_anc_day20_over_baseline_at_bsa_1p58": OwnRun(lambda: ac_day20_over_baseline(_ac_ahmed_dose())),
    "full_model_ac_60_600_lowest_anc_days_8_11_15": OwnRun(lambda: ac_lowest_on_drooger_days(_ac_own_dose())),
    "full_model_ac_60_600_anc_nadir": OwnRun(lambda: float(np.min(_ac_own_dose()[1]))),
    "full_model_ac_60_600_anc_nadir_day": OwnRun(lambda: float(DayOfNadir(ANC).values(
        _ac_own_dose()[0], _ac_own_dose()[1][None, :])[0])),
}

CHEMOTHERAPY: dict[str, Readout] = {**_cycle_readouts("friberg"), **_cycle_readouts("full_model"),
                                    **_cohort_readouts(), **_AC, **_ac_cohort_readouts()}
