"""Read-outs of targets F1-F3 (branch predict32, issue 17), each chosen and committed with its band before the model was
run on it: docetaxel 75 + cyclophosphamide 600 mg/m2 (TC) every 3 weeks in women with breast cancer, without G-CSF
(F1: Kosaka 2015's placebo arm, cycle 1) and with primary pegfilgrastim 6 or 3 mg on the day after each cycle's
chemotherapy (F2, F3: a retrospective Chinese cohort, 2021).

Each read-out is the percentage of a virtual cohort (the full model) whose continuous ANC (the 3-hourly output grid)
falls below 0.5e9/L over the run, banded by the 95% Wilson interval of the source's count
(:func:`~hemasim.validation.chemotherapy_schedules.wilson_interval_pct`; a test recomputes each band). The sources'
counts are of ANCs on count days, so no count can exceed the continuous share: a share below a band's lower end
fails decisively; above its upper end it reads fail without being decisive (targets.yaml, each target's pass rule).

The cohort is the full model with two marrow kills whose hazards add (docs/chemotherapy_full_model.md, "AC"):
docetaxel's full-model slope (fitted on the Kloft 2006 / Quartino 2014 typical courses, C9) and cyclophosphamide's
(the AC kill fitted on Ahmed 2020's day-20 ANC, C10, at doxorubicin's assumed share 0.5); pegfilgrastim acts through
Melhem 2017's receptor-occupancy effects, as in the shipped ``docetaxel_pegfilgrastim`` regimen. Between-patient
variability, only cited: docetaxel's as C7 draws it (Kloft 2006's ANC model: baseline, mean transit time, the
slope; Onoue 2016's clearance), cyclophosphamide's clearance (Ahmed 2020, as C12); none on pegfilgrastim (its set
publishes none).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from hemasim.biology import healthy_human_model
from hemasim.biology.body import Covariates, body_surface_area_m2
from hemasim.cohort.sampling import drug_variability_draws
from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology import DrugExposure, Regimen, load_drug_set
from hemasim.simulation import Simulation
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.chemotherapy import (
    AC_CP_INFUSION_HOURS,
    COHORT_HEIGHT_BOUNDS_CM,
    COHORT_HEIGHT_CM,
    COHORT_WEIGHT_BOUNDS_KG,
    COHORT_WEIGHT_KG,
    VALIDATE_COHORT_SOLVER,
)

ANC = "anc_1e9_per_L"
#: grade 4 neutropenia (CTCAE): ANC < 0.5e9/L; Kosaka's febrile neutropenia and the 2021 cohort's "severe
#: neutropenia" use the same threshold
GRADE4_ANC_1E9_PER_L = 0.5
#: women per cohort: a share read on 500 has a Monte Carlo SD of at most 2.2 points
COHORT_SIZE = 500
DOCETAXEL_SET, CYCLOPHOSPHAMIDE_SET, PEGFILGRASTIM_SET = (
    "docetaxel_kloft2006", "cyclophosphamide_ahmed2020", "pegfilgrastim_melhem2017")
#: TC as the sources give it: docetaxel 75 mg/m2 over 1 hour (the label's infusion) and cyclophosphamide 600 mg/m2
#: (over 30 minutes, as the AC cohorts give it: the sources read do not state it) on day 0 of 21-day cycles
DOCETAXEL_MG_PER_M2, CYCLOPHOSPHAMIDE_MG_PER_M2, DOCETAXEL_INFUSION_HOURS = 75.0, 600.0, 1.0
CYCLE_DAYS = 21.0
#: pegfilgrastim subcutaneously on day 1 of each cycle (24 hours after the chemotherapy starts: Kosaka's "day 2",
#: the shipped docetaxel_pegfilgrastim regimen's day)
PEGFILGRASTIM_DAY_IN_CYCLE = 1.0


@dataclass(frozen=True)
class TcCohort:
    """A cohort of women given TC (data of the scenario: each field is a target's registered choice)."""

    cycles: int
    ages_years: tuple[float, float]  # uniform
    seed: int
    pegfilgrastim_mg: float = 0.0  # per cycle; 0: none


def _draws(c: TcCohort, n: int) -> tuple[Covariates, dict[str, np.ndarray], dict[str, np.ndarray],
                                           dict[str, np.ndarray]]:
    """Covariates (women, body size as C12's), docetaxel's published variability (system and drug, as C7), then
    cyclophosphamide's clearance (as C12), in that order from one generator."""
    rng = np.random.default_rng(c.seed)
    cov = Covariates(age_years=rng.uniform(*c.ages_years, n), sex=np.full(n, "female"),
                     weight_kg=np.clip(rng.normal(*COHORT_WEIGHT_KG["female"], n), *COHORT_WEIGHT_BOUNDS_KG),
                     height_cm=np.clip(rng.normal(*COHORT_HEIGHT_CM["female"], n), *COHORT_HEIGHT_BOUNDS_CM))
    params = healthy_adult_parameters()
    docetaxel = drug_variability_draws(load_drug_set(DOCETAXEL_SET), params.value, rng, n)
    cyclophosphamide = drug_variability_draws(load_drug_set(CYCLOPHOSPHAMIDE_SET), params.value, rng, n).drug
    return cov, docetaxel.healthy, docetaxel.drug, cyclophosphamide


def tc_events(c: TcCohort, bsa_m2: float | np.ndarray) -> list[Regimen]:
    """TC on day 0 of each cycle at each woman's own BSA, and pegfilgrastim (a fixed dose) on the day after."""
    offsets = tuple(CYCLE_DAYS * k for k in range(c.cycles))
    events = [Regimen(0.0, "docetaxel", "iv_infusion", DOCETAXEL_MG_PER_M2 * bsa_m2 * 1000.0,
                      DOCETAXEL_INFUSION_HOURS / 24.0, cycle_offsets=offsets),
              Regimen(0.0, "cyclophosphamide", "iv_infusion", CYCLOPHOSPHAMIDE_MG_PER_M2 * bsa_m2 * 1000.0,
                      AC_CP_INFUSION_HOURS / 24.0, cycle_offsets=offsets)]
    if c.pegfilgrastim_mg > 0:
        # the set's subcutaneous bioavailability (Melhem 2017, 0.646), as a scenario's dosed intervention applies it
        peg = load_drug_set(PEGFILGRASTIM_SET)
        assert peg.pk is not None and peg.pk.absorption is not None
        events.append(Regimen(0.0, "pegfilgrastim", "subcutaneous", c.pegfilgrastim_mg * 1000.0, 0.0,
                              float(peg.pk.absorption.bioavailability.value), cycle_offsets=offsets,
                              days_in_cycle=(PEGFILGRASTIM_DAY_IN_CYCLE,)))
    return events


@functools.cache
def tc_cohort_lowest_anc(c: TcCohort, n: int = COHORT_SIZE) -> np.ndarray:
    """Each woman's lowest ANC (1e9/L) on the 3-hourly output grid over ``c.cycles`` cycles (full model, ageing off
    as the other chemotherapy cohorts: age enters through her starting values)."""
    cov, healthy, docetaxel, cyclophosphamide = _draws(c, n)
    extensions = [DrugExposure(load_drug_set(DOCETAXEL_SET), per_patient=docetaxel),
                  DrugExposure(load_drug_set(CYCLOPHOSPHAMIDE_SET), per_patient=cyclophosphamide)]
    if c.pegfilgrastim_mg > 0:
        extensions.append(DrugExposure(load_drug_set(PEGFILGRASTIM_SET)))
    model = healthy_human_model(cov, aging=False, per_patient=healthy, extensions=extensions)
    r = Simulation(model, solver=VALIDATE_COHORT_SOLVER, events=tc_events(c, body_surface_area_m2(cov))).run(
        CYCLE_DAYS * c.cycles, output_every_days=1.0 / 8.0, observe=[ANC])
    return r.observable(ANC).min(axis=1)


# F1: Kosaka 2015 (Support Care Cancer 23:1137), placebo arm: Japanese women aged 26-69, cycle 1.
KOSAKA2015_PLACEBO = TcCohort(cycles=1, ages_years=(26.0, 69.0), seed=3201)
# F2, F3: the 2021 retrospective cohort (acemap.info paper 225362751): Chinese women, ages not in what was read (30-70
# assumed), cycles not in what was read (TC's usual 4 assumed), pegfilgrastim 6 or 3 mg after each cycle.
PEG_6MG = TcCohort(cycles=4, ages_years=(30.0, 70.0), seed=3202, pegfilgrastim_mg=6.0)
PEG_3MG = TcCohort(cycles=4, ages_years=(30.0, 70.0), seed=3203, pegfilgrastim_mg=3.0)


def pct_below_grade4(c: TcCohort) -> float:
    return float(100.0 * np.mean(tc_cohort_lowest_anc(c) < GRADE4_ANC_1E9_PER_L))


PREDICTIONS12: dict[str, Readout] = {
    "tc_75_600_cycle1_no_gcsf_anc_below_0p5_pct": OwnRun(lambda: pct_below_grade4(KOSAKA2015_PLACEBO)),
    "tc_75_600_x4_pegfilgrastim_6mg_anc_below_0p5_pct": OwnRun(lambda: pct_below_grade4(PEG_6MG)),
    "tc_75_600_x4_pegfilgrastim_3mg_anc_below_0p5_pct": OwnRun(lambda: pct_below_grade4(PEG_3MG)),
}
