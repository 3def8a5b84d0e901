"""Read-outs of targets F1-F4 (branch predict32, issue 17), each chosen and committed with its band before the model was
run on it: docetaxel 75 + cyclophosphamide 600 mg/m2 (TC) every 3 weeks in women with breast cancer, without G-CSF
(F1: Kosaka 2015's placebo arm, cycle 1) and with primary pegfilgrastim 6 or 3 mg on the day after each cycle's
chemotherapy (F2, F3: a retrospective Chinese cohort, 2021); and the duration of severe neutropenia in cycle 1 of TAC
(docetaxel 75, doxorubicin 50, cyclophosphamide 500 mg/m2) with pegfilgrastim 6 mg on day 2 (F4: PROTECT-2's
reference arm, Blackwell 2016), registered after F1-F3 had run.

F1-F3's read-out is the percentage of a virtual cohort (the full model) whose continuous ANC (the 3-hourly output grid)
falls below 0.5e9/L over the run, banded by the 95% Wilson interval of the source's count
(:func:`~hemasim.validation.chemotherapy_schedules.wilson_interval_pct`; a test recomputes each band). The sources'
counts are of ANCs on count days, so no count can exceed the continuous share: a share below a band's lower end
fails decisively; above its upper end it reads fail without being decisive (targets.yaml, each target's pass rule).
F4's is the cohort's mean number of consecutive days with an ANC below 0.5e9/L on once-daily counts in cycle 1
(:func:`longest_run_of_days_below`), banded by the 95% interval of the trial's mean (its SD over the square root of n).

The cohort is the full model with two marrow kills whose hazards add (docs/chemotherapy_full_model.md, "AC"):
docetaxel's full-model slope (fitted on the Kloft 2006 / Quartino 2014 typical courses, C9) and cyclophosphamide's
(the AC kill fitted on Ahmed 2020's day-20 ANC, C10, at doxorubicin's assumed share 0.5); pegfilgrastim acts through
Melhem 2017's receptor-occupancy effects, as in the shipped ``docetaxel_pegfilgrastim`` regimen. Between-patient
variability, only cited: docetaxel's as C7 draws it (Kloft 2006's ANC model: baseline, mean transit time, the
slope; Onoue 2016's clearance), cyclophosphamide's clearance (Ahmed 2020, as C12), for TAC doxorubicin's clearance
(Joerger 2007, as C12) drawn after them; none on pegfilgrastim (its set publishes none).
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
    VALIDATE_COHORT_SOLVER,
    cohort_women,
)

ANC = "anc_1e9_per_L"
#: grade 4 neutropenia (CTCAE): ANC < 0.5e9/L; Kosaka's febrile neutropenia and the 2021 cohort's "severe
#: neutropenia" use the same threshold
GRADE4_ANC_1E9_PER_L = 0.5
#: women per cohort: a share read on 500 has a Monte Carlo SD of at most 2.2 points
COHORT_SIZE = 500
DOCETAXEL_SET, CYCLOPHOSPHAMIDE_SET, PEGFILGRASTIM_SET, DOXORUBICIN_SET = (
    "docetaxel_kloft2006", "cyclophosphamide_ahmed2020", "pegfilgrastim_melhem2017", "doxorubicin_joerger2007")
#: docetaxel over 1 hour (the label's infusion), cyclophosphamide over 30 minutes and doxorubicin as a bolus (as the AC
#: cohorts give them: the sources read do not state it), all on day 0 of 21-day cycles
DOCETAXEL_INFUSION_HOURS = 1.0
CYCLE_DAYS = 21.0
#: pegfilgrastim subcutaneously on run day 1 (clinic day 2) of each cycle, 24 hours after the chemotherapy starts
#: (Kosaka's "day 2", the shipped docetaxel_pegfilgrastim regimen's day): the regimen's own first day
PEGFILGRASTIM_DAY_IN_CYCLE = 1.0


@dataclass(frozen=True)
class TcCohort:
    """A cohort of women given TC (data of the scenario: each field is a target's registered choice)."""

    cycles: int
    ages_years: tuple[float, float]  # uniform
    seed: int
    pegfilgrastim_mg: float = 0.0  # per cycle; 0: none
    docetaxel_mg_per_m2: float = 75.0
    cyclophosphamide_mg_per_m2: float = 600.0
    doxorubicin_mg_per_m2: float = 0.0  # TAC's third drug; 0: TC


def _draws(c: TcCohort, n: int) -> tuple[Covariates, dict[str, np.ndarray], dict[str, np.ndarray],
                                           dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Covariates (women, body size as C12's), docetaxel's published variability (system and drug, as C7), then
    cyclophosphamide's clearance (as C12), then for TAC doxorubicin's clearance (as C12), in that order from one
    generator (TC's draws are the same with or without a TAC cohort after them)."""
    rng = np.random.default_rng(c.seed)
    cov = cohort_women(rng, c.ages_years, n)
    params = healthy_adult_parameters()
    docetaxel = drug_variability_draws(load_drug_set(DOCETAXEL_SET), params, rng, n)
    cyclophosphamide = drug_variability_draws(load_drug_set(CYCLOPHOSPHAMIDE_SET), params, rng, n).drug
    doxorubicin = (drug_variability_draws(load_drug_set(DOXORUBICIN_SET), params, rng, n).drug
                   if c.doxorubicin_mg_per_m2 > 0 else {})
    return cov, docetaxel.healthy, docetaxel.drug, cyclophosphamide, doxorubicin


def tc_events(c: TcCohort, bsa_m2: float | np.ndarray) -> list[Regimen]:
    """TC (or TAC) on day 0 of each cycle at each woman's own BSA, and pegfilgrastim (a fixed dose) on the day after."""
    offsets = tuple(CYCLE_DAYS * k for k in range(c.cycles))
    events = [Regimen(0.0, "docetaxel", "iv_infusion", c.docetaxel_mg_per_m2 * bsa_m2 * 1000.0,
                      DOCETAXEL_INFUSION_HOURS / 24.0, cycle_offsets=offsets),
              Regimen(0.0, "cyclophosphamide", "iv_infusion", c.cyclophosphamide_mg_per_m2 * bsa_m2 * 1000.0,
                      AC_CP_INFUSION_HOURS / 24.0, cycle_offsets=offsets)]
    if c.doxorubicin_mg_per_m2 > 0:
        events.append(Regimen(0.0, "doxorubicin", "iv_bolus", c.doxorubicin_mg_per_m2 * bsa_m2 * 1000.0, 0.0,
                              cycle_offsets=offsets))
    if c.pegfilgrastim_mg > 0:
        # the set's subcutaneous bioavailability (Melhem 2017, 0.646), as a scenario's dosed intervention applies it
        peg = load_drug_set(PEGFILGRASTIM_SET)
        assert peg.pk is not None and peg.pk.absorption is not None
        # the regimen starts on run day 1 (clinic day 2): its own first day is the cycle's day 1, so cycle 1's dose
        # comes 24 h after the chemotherapy as in every later cycle (a days_in_cycle of (1,) from day 0 gave cycle 1's
        # dose with the chemotherapy: F2-F4's first runs, f26258f4 / 7e273a4a; Regimen now refuses it)
        events.append(Regimen(PEGFILGRASTIM_DAY_IN_CYCLE, "pegfilgrastim", "subcutaneous", c.pegfilgrastim_mg * 1000.0,
                              0.0, float(peg.pk.absorption.bioavailability.value), cycle_offsets=offsets))
    return events


#: the output step (days): 3-hourly, so once-daily counts fall on the grid
OUTPUT_EVERY_DAYS = 1.0 / 8.0


@functools.cache
def tc_cohort_anc(c: TcCohort, n: int = COHORT_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """(times in days, each woman's ANC in 1e9/L on them): the 3-hourly output grid over ``c.cycles`` cycles (full
    model, ageing off as the other chemotherapy cohorts: age enters through her starting values)."""
    cov, healthy, docetaxel, cyclophosphamide, doxorubicin = _draws(c, n)
    extensions = [DrugExposure(load_drug_set(DOCETAXEL_SET), per_patient=docetaxel),
                  DrugExposure(load_drug_set(CYCLOPHOSPHAMIDE_SET), per_patient=cyclophosphamide)]
    if c.doxorubicin_mg_per_m2 > 0:
        extensions.append(DrugExposure(load_drug_set(DOXORUBICIN_SET), per_patient=doxorubicin))
    if c.pegfilgrastim_mg > 0:
        extensions.append(DrugExposure(load_drug_set(PEGFILGRASTIM_SET)))
    model = healthy_human_model(cov, aging=False, per_patient=healthy, extensions=extensions)
    r = Simulation(model, solver=VALIDATE_COHORT_SOLVER, events=tc_events(c, body_surface_area_m2(cov))).run(
        CYCLE_DAYS * c.cycles, output_every_days=OUTPUT_EVERY_DAYS, observe=[ANC])
    return np.asarray(r.times), r.observable(ANC)


def tc_cohort_lowest_anc(c: TcCohort, n: int = COHORT_SIZE) -> np.ndarray:
    """Each woman's lowest ANC (1e9/L) on the 3-hourly output grid over ``c.cycles`` cycles."""
    return tc_cohort_anc(c, n)[1].min(axis=1)


def longest_run_of_days_below(times: np.ndarray, anc: np.ndarray, threshold: float, first_day: int,
                              last_day: int) -> np.ndarray:
    """Per woman (rows of ``anc``), the longest run of consecutive once-daily counts below ``threshold``, the counts
    taken at whole days ``first_day``..``last_day`` after the chemotherapy started (the output nearest each)."""
    days = np.arange(first_day, last_day + 1)
    columns = [int(np.argmin(np.abs(times - d))) for d in days]
    below = anc[:, columns] < threshold
    longest = np.zeros(anc.shape[0], dtype=int)
    run = np.zeros(anc.shape[0], dtype=int)
    for k in range(below.shape[1]):
        run = np.where(below[:, k], run + 1, 0)
        longest = np.maximum(longest, run)
    return longest


# F1: Kosaka 2015 (Support Care Cancer 23:1137), placebo arm: Japanese women aged 26-69, cycle 1.
KOSAKA2015_PLACEBO = TcCohort(cycles=1, ages_years=(26.0, 69.0), seed=3201)
# F2, F3: the 2021 retrospective cohort (acemap.info paper 225362751): Chinese women, ages not in what was read (30-70
# assumed), cycles not in what was read (TC's usual 4 assumed), pegfilgrastim 6 or 3 mg after each cycle.
PEG_6MG = TcCohort(cycles=4, ages_years=(30.0, 70.0), seed=3202, pegfilgrastim_mg=6.0)
PEG_3MG = TcCohort(cycles=4, ages_years=(30.0, 70.0), seed=3203, pegfilgrastim_mg=3.0)
# F4: PROTECT-2 (Blackwell 2016, Oncologist 21:789), reference pegfilgrastim arm: TAC (docetaxel 75, doxorubicin 50,
# cyclophosphamide 500 mg/m2) on day 1, pegfilgrastim 6 mg on day 2 (run day 1); ages not in what was read (30-70
# assumed); cycle 1.
PROTECT2_TAC_PEG_6MG = TcCohort(cycles=1, ages_years=(30.0, 70.0), seed=3204, pegfilgrastim_mg=6.0,
                                cyclophosphamide_mg_per_m2=500.0, doxorubicin_mg_per_m2=50.0)
#: F4's daily counts: the trial's day 1 is run day 0 (the chemotherapy); counts on run days 1-20 (days 2-21 of the
#: cycle), whole days after the chemotherapy started
DSN_COUNT_DAYS = (1, 20)


def pct_below_grade4(c: TcCohort) -> float:
    return float(100.0 * np.mean(tc_cohort_lowest_anc(c) < GRADE4_ANC_1E9_PER_L))


def mean_days_of_severe_neutropenia(c: TcCohort) -> float:
    """The cohort's mean duration of severe neutropenia: consecutive daily counts below 0.5e9/L in cycle 1."""
    times, anc = tc_cohort_anc(c)
    return float(np.mean(longest_run_of_days_below(times, anc, GRADE4_ANC_1E9_PER_L, *DSN_COUNT_DAYS)))


PREDICTIONS12: dict[str, Readout] = {
    "tc_75_600_cycle1_no_gcsf_anc_below_0p5_pct": OwnRun(lambda: pct_below_grade4(KOSAKA2015_PLACEBO)),
    "tc_75_600_x4_pegfilgrastim_6mg_anc_below_0p5_pct": OwnRun(lambda: pct_below_grade4(PEG_6MG)),
    "tc_75_600_x4_pegfilgrastim_3mg_anc_below_0p5_pct": OwnRun(lambda: pct_below_grade4(PEG_3MG)),
    "tac_75_50_500_pegfilgrastim_6mg_cycle1_mean_days_anc_below_0p5": OwnRun(
        lambda: mean_days_of_severe_neutropenia(PROTECT2_TAC_PEG_6MG)),
}
