"""Read-outs of virtual chemotherapy cohorts on other doses and schedules than C7/C8 (targets P11-P16, branch
predict2): docetaxel 75 mg/m2 every 3 weeks in younger and older adults, weekly docetaxel, and nab-paclitaxel
260 mg/m2 every 3 weeks or 125 mg/m2 weekly, each in the full multilineage model with the drug set's published
between-patient variability (drawn by :func:`hemasim.cohort.sampling.drug_variability_draws`, as C7/C8 and a user's cohort with
``population.drug_variability``).

A cohort read-out is the percentage of patients whose lowest count over the run falls below a grade's threshold,
compared with a trial's incidence; the bands are 95% Wilson score intervals of the reported proportion and number
of patients (:func:`wilson_interval_pct`, held to the targets by a test).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hemasim._confidence import Z_95
from hemasim.biology import healthy_human_model
from hemasim.biology.body import Covariates, body_surface_area_m2
from hemasim.cohort.sampling import cancer_white_cell_draws, drug_variability_draws
from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology import DrugExposure, Regimen, load_drug_set
from hemasim.simulation import Simulation
from hemasim.solvers import AdditiveRungeKutta, DormandPrince, Solver
from hemasim.validation.base import OwnRun, Readout

#: patients per cohort: a binomial share read on 500 patients has a Monte Carlo SD of at most 2.2 points, well
#: inside the trials' intervals (a few seconds per cohort)
COHORT_SIZE = 500


def wilson_interval_pct(share: float, n: int) -> tuple[float, float]:
    """95% Wilson score interval (percent) of a proportion ``share`` observed in ``n`` patients."""
    centre = (share + Z_95**2 / (2 * n)) / (1 + Z_95**2 / n)
    half = Z_95 * math.sqrt(share * (1 - share) / n + Z_95**2 / (4 * n * n)) / (1 + Z_95**2 / n)
    return 100.0 * (centre - half), 100.0 * (centre + half)


@dataclass(frozen=True)
class Schedule:
    """A single-drug schedule given to a cohort of adults aged ``ages`` (uniform, years), a share ``female_share``
    of them women."""

    drug_set: str
    dose_mg_per_m2: float
    infusion_hours: float
    cycle_offsets_days: tuple[float, ...]
    days_in_cycle: tuple[float, ...]
    duration_days: float
    ages: tuple[float, float]
    seed: int
    female_share: float = 0.6  # examples/cohort_docetaxel.yaml's share
    #: the cohort's solver (a frozen, hashable strategy object: the schedule keys the cohorts' cache): the default,
    #: Dormand-Prince's lock-step kernel at rtol 1e-8, unless a schedule names another (:data:`DOCETAXEL_SOLVER`,
    #: :data:`NAB_PACLITAXEL_SOLVER`)
    solver: Solver = DormandPrince()


@dataclass(frozen=True)
class WorstCounts:
    """Per patient, the lowest counts over the run."""

    anc: np.ndarray  # 1e9/L
    platelets: np.ndarray  # 1e9/L
    hemoglobin: np.ndarray  # g/dL


def cohort_covariates(n: int, ages: tuple[float, float], female_share: float,
                      rng: np.random.Generator) -> Covariates:
    """Adults drawn as examples/cohort_docetaxel.yaml draws them (weights and heights by sex; that file has 60%
    women), ``female_share`` of them women, ages uniform in ``ages``."""
    female = rng.random(n) < female_share
    return Covariates(age_years=rng.uniform(ages[0], ages[1], n), sex=np.where(female, "female", "male"),
                      weight_kg=np.clip(np.where(female, rng.normal(68, 12, n), rng.normal(80, 12, n)), 40, 150),
                      height_cm=np.clip(np.where(female, rng.normal(163, 7, n), rng.normal(176, 7, n)), 140, 200))


@functools.cache
def cohort_lowest_observables(schedule: Schedule, observed: tuple[str, ...], n: int) -> dict[str, np.ndarray]:
    """Simulate ``n`` patients on ``schedule`` in the full model; each one's lowest value of each observable in
    ``observed`` over the run (sampled every 3 hours)."""
    rng = np.random.default_rng(schedule.seed)
    cov = cohort_covariates(n, schedule.ages, schedule.female_share, rng)
    ds = load_drug_set(schedule.drug_set)
    params = healthy_adult_parameters()
    draws = drug_variability_draws(ds, params, rng, n)
    # cancer patients' lymphocytes and monocytes, drawn after everything else (the draws above are unchanged)
    per_patient = {**draws.healthy, **cancer_white_cell_draws(params, rng, n)}
    model = healthy_human_model(cov, aging=False, per_patient=per_patient,
                                extensions=[DrugExposure(ds, per_patient=draws.drug)])
    amount_ug = schedule.dose_mg_per_m2 * body_surface_area_m2(cov) * 1000.0
    dose = Regimen(0.0, ds.drug, "iv_infusion", amount_ug, schedule.infusion_hours / 24.0,
                   cycle_offsets=schedule.cycle_offsets_days, days_in_cycle=schedule.days_in_cycle)
    r = Simulation(model, solver=schedule.solver, events=[dose]).run(schedule.duration_days, output_every_days=1.0 / 8.0,
                                             observe=list(observed))
    return {name: r.observable(name).min(axis=1) for name in observed}


def cohort_worst_counts(schedule: Schedule, n: int = COHORT_SIZE) -> WorstCounts:
    """Each patient's lowest ANC, platelets and Hb on ``schedule`` (``n`` patients, full model)."""
    low = cohort_lowest_observables(schedule, ("anc_1e9_per_L", "platelets_1e9_per_L", "hemoglobin_g_per_dL"), n)
    return WorstCounts(anc=low["anc_1e9_per_L"], platelets=low["platelets_1e9_per_L"],
                       hemoglobin=low["hemoglobin_g_per_dL"])


#: the nab-paclitaxel central amount (ug) at which the drug's effect E = slope x C is 1 (the stages it acts on lose
#: cells at their division rate): V1 x molar mass / the full model's slope = 15.8 L x 853.9 ug/umol / 1.349 L/umol
#: (nab_paclitaxel_chen2014's values; a test holds them) = 1.0e4 ug. An error of rtol times it changes E by rtol, as
#: a cell state's error of rtol times its healthy size changes that state by rtol of itself
NAB_PACLITAXEL_EFFECT_AMOUNT_UG = 1.0e4
#: the size the nab-paclitaxel cohorts' solvers measure the central amount's error against
#: (AdditiveRungeKutta.state_scales), not the 1 ug floor of a state that is 0 at health: measured against itself, the
#: amount's slow tail days after each dose held the IMEX kernel to ~25 steps a day (docs/performance.md, the suite's
#: twenty-sixth session, branch testspeed30)
NAB_PACLITAXEL_STATE_SCALES = (("nab_paclitaxel_central", NAB_PACLITAXEL_EFFECT_AMOUNT_UG),)
#: the nab-paclitaxel cohorts' solver, the IMEX lock-step kernel (:class:`hemasim.solvers.AdditiveRungeKutta`) at
#: rtol 1e-6: the set's saturable distribution makes its cohorts stiff (~3,640 explicit steps a 21-day cycle); there
#: every patient's lowest ANC, platelets and Hb of the four nab-paclitaxel cohorts differ from Dormand-Prince's at 1e-8
#: by < 6e-6 relative, no patient's count crosses a read-out's threshold (the nearest lies 1.1e-3 from one) and the
#: card is identical, at ~0.2-0.3 of the CPU (docs/performance.md, the suite's twelfth round). The central amount's
#: error measured against NAB_PACLITAXEL_EFFECT_AMOUNT_UG since branch testspeed30, by the rule committed before the
#: comparison (docs/performance.md, the suite's twenty-sixth session): nadirs within 2.9e-6 of Dormand-Prince's at
#: 1e-8 (1.7e-6 before), the card main's, the nearest patient 1.1e-3 from a threshold; 0.51 of the kernel steps
NAB_PACLITAXEL_SOLVER: Solver = AdditiveRungeKutta(rtol=1e-6, state_scales=NAB_PACLITAXEL_STATE_SCALES)
#: P16's two weekly nab-paclitaxel cohorts' solver, the same IMEX kernel at rtol 5e-6: by the rule committed before the
#: comparison (docs/performance.md, the suite's twenty-third session, branch testspeed26), the loosest of 2e-6, 3e-6,
#: 5e-6, 1e-5 whose card is main's and whose nadirs (every patient's lowest ANC, platelets and Hb of both cohorts, 500
#: patients each) lie within 1e-5 relative of Dormand-Prince's at rtol 1e-8: at 5e-6 within 1.0e-5 (9.98e-6; the
#: nearest patient 2e-3 from P16's threshold), at ~0.69 of 1e-6's CPU; at 1e-5 2.1e-5. P13/P14 keeps 1e-6 (over the
#: bound at 2e-6). Since branch testspeed30 at rtol 2e-6 with the central amount's error measured against
#: NAB_PACLITAXEL_EFFECT_AMOUNT_UG, by the second rule committed before the comparison (docs/performance.md, the
#: suite's twenty-sixth session: the loosest of 2e-6, 3e-6 within 1e-5 in both cohorts, with fewer steps than 5e-6
#: without it): nadirs within 8.1e-6 (at 3e-6 1.4e-5; at 5e-6 2.1e-5), 0.61 of the kernel steps
P16_SOLVER: Solver = AdditiveRungeKutta(rtol=2e-6, state_scales=NAB_PACLITAXEL_STATE_SCALES)
#: the docetaxel cohorts' solver, Dormand-Prince's kernel at rtol 1e-6: by the rule committed before the comparison
#: (docs/performance.md, the suite's twenty-first session, branch testspeed22), the loosest of 1e-7, 1e-6, 1e-5 whose
#: card is identical to rtol 1e-8's and whose nadirs (every patient's lowest ANC, platelets, Hb or WBC of the eight
#: docetaxel cohorts, 500 patients) lie within 1e-5 relative of rtol 1e-8's: at 1e-6 within 1.0e-6 (the nearest
#: patient 8.4e-5 from a threshold), at ~0.67 of the CPU; at 1e-5 up to 3.7e-5
DOCETAXEL_SOLVER: Solver = DormandPrince(rtol=1e-6)

# P11: ten Tije 2005, docetaxel 75 mg/m2 (1 h) every 3 weeks, toxicity of the first cycle, by age group.
_DOCETAXEL_75 = {group: Schedule("docetaxel_kloft2006", 75.0, 1.0, (0.0,), (0.0,), 21.0, ages, seed,
                          solver=DOCETAXEL_SOLVER)
                 for group, ages, seed in (("under_65", (26.0, 64.0), 1101), ("65_and_over", (65.0, 80.0), 1102))}
# P12: Lee 2008, docetaxel 25 mg/m2 on days 1, 8, 15 of 28-day cycles (two cycles), patients >= 65 years.
_DOCETAXEL_WEEKLY = Schedule("docetaxel_kloft2006", 25.0, 1.0, (0.0, 28.0), (0.0, 7.0, 14.0), 56.0, (65.0, 80.0), 1201,
                             solver=DOCETAXEL_SOLVER)
#: the breast-cancer trials' patients (P13/P14's label study of metastatic breast cancer, P15's elderly women): a
#: cohort of women, as their targets say (bughunt34c: they drew the cohorts' 60% women, 40% men)
BREAST_CANCER_FEMALE_SHARE = 1.0
# P15: J Chemother 2005, docetaxel 35 mg/m2 weekly for 6 weeks then 2 weeks off (one 8-week cycle), women >= 70 years.
_DOCETAXEL_WEEKLY_X6 = Schedule("docetaxel_kloft2006", 35.0, 1.0, (0.0,), (0.0, 7.0, 14.0, 21.0, 28.0, 35.0), 56.0,
                                (70.0, 85.0), 1501, female_share=BREAST_CANCER_FEMALE_SHARE, solver=DOCETAXEL_SOLVER)
# P13, P14: Abraxane label, nab-paclitaxel 260 mg/m2 over 30 min every 3 weeks (three cycles, as C7/C8), in the label's
# randomised metastatic breast cancer study (women).
_NAB_PACLITAXEL = Schedule("nab_paclitaxel_chen2014", 260.0, 0.5, (0.0, 21.0, 42.0), (0.0,), 63.0, (30.0, 75.0), 1301,
                           female_share=BREAST_CANCER_FEMALE_SHARE, solver=NAB_PACLITAXEL_SOLVER)
# P16: Paik 2011, nab-paclitaxel 125 mg/m2 on days 1, 8, 15 of 28-day cycles (two cycles), over 30 min or 2 h.
_NAB_PACLITAXEL_WEEKLY = {hours: Schedule("nab_paclitaxel_chen2014", 125.0, hours, (0.0, 28.0), (0.0, 7.0, 14.0), 56.0,
                                          (40.0, 80.0), seed, solver=P16_SOLVER)
                          for hours, seed in ((0.5, 1601), (2.0, 1602))}


def _pct_below(schedule: Schedule, counts: Callable[[WorstCounts], np.ndarray], threshold: float) -> Readout:
    return OwnRun(lambda: float(100.0 * np.mean(counts(cohort_worst_counts(schedule)) < threshold)))


def _anc(w: WorstCounts) -> np.ndarray:
    return w.anc


CHEMOTHERAPY_SCHEDULES: dict[str, Readout] = {
    "docetaxel_75_q3w_under_65_cycle1_grade4_neutropenia_pct": _pct_below(_DOCETAXEL_75["under_65"], _anc, 0.5),
    "docetaxel_75_q3w_65_and_over_cycle1_grade4_neutropenia_pct": _pct_below(_DOCETAXEL_75["65_and_over"], _anc,
                                                                             0.5),
    "docetaxel_25_weekly_d1_8_15_q28_over_65_grade34_neutropenia_pct": _pct_below(_DOCETAXEL_WEEKLY, _anc, 1.0),
    "docetaxel_35_weekly_x6_over_70_grade34_neutropenia_pct": _pct_below(_DOCETAXEL_WEEKLY_X6, _anc, 1.0),
    "nab_paclitaxel_125_weekly_30min_grade2plus_neutropenia_pct": _pct_below(_NAB_PACLITAXEL_WEEKLY[0.5], _anc, 1.5),
    "nab_paclitaxel_125_weekly_2h_grade2plus_neutropenia_pct": _pct_below(_NAB_PACLITAXEL_WEEKLY[2.0], _anc, 1.5),
    "nab_paclitaxel_260_q3w_anc_below_0p5_pct": _pct_below(_NAB_PACLITAXEL, _anc, 0.5),
    "nab_paclitaxel_260_q3w_anc_below_2p0_pct": _pct_below(_NAB_PACLITAXEL, _anc, 2.0),
    "nab_paclitaxel_260_q3w_platelets_below_100_pct": _pct_below(_NAB_PACLITAXEL, lambda w: w.platelets, 100.0),
    "nab_paclitaxel_260_q3w_hemoglobin_below_8_pct": _pct_below(_NAB_PACLITAXEL, lambda w: w.hemoglobin, 8.0),
}
