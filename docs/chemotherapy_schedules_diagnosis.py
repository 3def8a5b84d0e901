"""Why the full model over-suppresses low and weekly docetaxel doses (docs/chemotherapy_full_model.md, "Dose and
schedule"): the typical patient's lowest ANC on each schedule of C7, Q1-Q4, P12 and P15 in the full model beside the
two published docetaxel PK/PD models (Kloft 2006, the shipped chain; Quartino 2014, myelo's encoding), the full
model's response to its slope across the fit's 95% profile interval and to the committed progenitors' kinetics,
what happens inside the marrow on a weekly schedule, and the Kloft chain's own cohort (its published between-patient
variability) on the schedules of the prediction targets. A diagnosis: nothing here is fitted or chosen, and the
prediction targets are read only as the yardstick of the published chain's cohort.

Run: PYTHONPATH=src python docs/chemotherapy_schedules_diagnosis.py (writes docs/images/chemo_schedule_diagnosis.json;
about ten minutes on one core).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from hemasim.biology import healthy_human_model
from hemasim.biology.body import Covariates, body_surface_area_m2
from hemasim.io import write_json_report
from hemasim.pharmacology import DrugExposure, Regimen, friberg_model, load_drug_set
from hemasim.simulation import Simulation
from hemasim.validation.chemotherapy_schedules import cohort_covariates
from hemasim.validation.patients import PATIENTS

IMAGES = Path(__file__).parent / "images"
ANC = "anc_1e9_per_L"
SLOPE_PATH = "effects.0.full_model.slope_L_per_umol"


@dataclass(frozen=True)
class Course:
    """Docetaxel as 1-h infusions: ``dose`` mg/m2 on ``days`` of cycles starting on ``cycles``, read for ``length``
    days; the cohort of the target it stands for (ages, share of women; None: no target)."""

    dose: float
    cycles: tuple[float, ...]
    days: tuple[float, ...]
    length: float
    sex: str = "female"
    ages: tuple[float, float] | None = None
    female_share: float = 0.6

    @property
    def dose_times(self) -> list[float]:
        return sorted(c + d for c in self.cycles for d in self.days)


ONE = (0.0,)
COURSES = {
    "100 once": Course(100.0, ONE, ONE, 21.0),
    "75 once": Course(75.0, ONE, ONE, 21.0),
    "50 once": Course(50.0, ONE, ONE, 21.0),
    "25 once": Course(25.0, ONE, ONE, 21.0),
    "C7 100 q3w x3": Course(100.0, (0.0, 21.0, 42.0), ONE, 63.0, ages=(30.0, 75.0)),
    "Q1 75 q3w x4 (men)": Course(75.0, (0.0, 21.0, 42.0, 63.0), ONE, 84.0, "male", (55.0, 80.0), 0.0),
    "Q2 50 d1,15 q4w x3 (men)": Course(50.0, (0.0, 28.0, 56.0), (0.0, 14.0), 84.0, "male", (55.0, 80.0), 0.0),
    "Q3 100 q3w x4 (women)": Course(100.0, (0.0, 21.0, 42.0, 63.0), ONE, 84.0, ages=(33.0, 70.0), female_share=1.0),
    "Q4 60 q3w x3 (women)": Course(60.0, (0.0, 21.0, 42.0), ONE, 63.0, ages=(30.0, 75.0), female_share=1.0),
    "P12 25 d1,8,15 q4w x2": Course(25.0, (0.0, 28.0), (0.0, 7.0, 14.0), 56.0, ages=(65.0, 80.0)),
    "P15 35 weekly x6": Course(35.0, ONE, (0.0, 7.0, 14.0, 21.0, 28.0, 35.0), 56.0, ages=(70.0, 85.0)),
}
#: the courses of the slope and progenitor sweeps
SWEEP = ("100 once", "75 once", "25 once", "Q2 50 d1,15 q4w x3 (men)", "P12 25 d1,8,15 q4w x2", "P15 35 weekly x6")


def _reference(course: Course) -> Covariates:
    return PATIENTS["reference_female" if course.sex == "female" else "reference_male"]


def _regimen(course: Course, cov: Covariates) -> Regimen:
    return Regimen(0.0, "docetaxel", "iv_infusion", course.dose * body_surface_area_m2(cov) * 1000.0, 1.0 / 24.0,
                   cycle_offsets=course.cycles, days_in_cycle=course.days)


def summary(times: np.ndarray, anc: np.ndarray) -> dict[str, float]:
    """Lowest ANC, its day, the baseline and the days below 0.5 and 1.0e9/L (one patient)."""
    i = int(np.argmin(anc))
    dt = float(times[1] - times[0])
    return {"lowest": float(anc[i]), "day": float(times[i]), "baseline": float(anc[0]),
            "relative": float(anc[i] / anc[0]), "days_below_0p5": float(np.sum(anc < 0.5) * dt),
            "days_below_1p0": float(np.sum(anc < 1.0) * dt)}


def full_model_lowest(course: Course, per_patient: Mapping[str, np.ndarray] | None = None,
                      drug: Mapping[str, np.ndarray] | None = None, n: int = 1) -> np.ndarray:
    """ANC of ``n`` copies of the reference patient (the values that vary in ``per_patient`` / ``drug``), every
    3 hours."""
    ref = _reference(course)
    cov = Covariates(age_years=np.full(n, ref.age_years), sex=np.array([ref.sex] * n),
                     weight_kg=np.full(n, ref.weight_kg), height_cm=np.full(n, ref.height_cm))
    model = healthy_human_model(cov, aging=False, per_patient=dict(per_patient or {}),
                                extensions=[DrugExposure(load_drug_set("docetaxel_kloft2006"),
                                                         per_patient=dict(drug or {}))])
    r = Simulation(model, events=[_regimen(course, cov)]).run(course.length, output_every_days=1.0 / 8.0,
                                                               observe=[ANC])
    return np.asarray(r.observable(ANC))


def kloft_chain(course: Course) -> dict[str, float]:
    ref = _reference(course)
    model = friberg_model(load_drug_set("docetaxel_kloft2006"), ref)
    r = Simulation(model, events=[_regimen(course, ref)]).run(course.length, output_every_days=1.0 / 8.0)
    return summary(r.times, np.ravel(r.observable(ANC)))


def quartino_chain(course: Course) -> dict[str, float]:
    """Quartino 2014's typical ANC (myelo/demo/quartino14.R, as in docs/chemotherapy_trough.py: Friberg 2002's PK,
    slope 17.2 L/umol, G-CSF feedback on proliferation gamma 0.444 and on the transits beta 0.234), at 1.8 m2."""
    ktr, kcirc, circ0 = 5.0 / (133.0 / 24.0), np.log(2.0) / (7.0 / 24.0), 3.53
    ke, kanc, g0, gam, beta, slope = 0.592 * 24.0, 5.64 * 24.0, 24.3, 0.444, 0.234, 17.2
    k10, k12, k21, k13, k31, v1, mw = 124.8, 25.44, 36.24, 30.24, 2.016, 7.4, 0.808
    kin, prol0, tinf, dose_mg = (ke + kanc * circ0) * g0, kcirc * circ0 / ktr, 1.0 / 24.0, course.dose * 1.8
    starts = course.dose_times

    def rhs(t: float, y: np.ndarray) -> list[float]:
        c1, c2, c3, prol, t1, t2, t3, t4, circ, g = y
        infusing = any(s <= t < s + tinf for s in starts)
        ratio = max(g, 1e-12) / g0
        k = ktr * ratio**beta
        return [(dose_mg / tinf if infusing else 0.0) - (k12 + k13 + k10) * c1 + k21 * c2 + k31 * c3,
                k12 * c1 - k21 * c2, k13 * c1 - k31 * c3,
                ktr * prol * (1.0 - slope * c1 / v1 / mw) * ratio**gam - k * prol,
                k * (prol - t1), k * (t1 - t2), k * (t2 - t3), k * (t3 - t4), k * t4 - kcirc * circ,
                kin - (ke + kanc * circ) * g]

    times = np.arange(0.0, course.length + 1e-9, 1.0 / 8.0)
    y0 = [0.0, 0.0, 0.0, prol0, prol0, prol0, prol0, prol0, circ0, g0]
    sol = solve_ivp(rhs, (0.0, course.length), y0, t_eval=times, method="LSODA", rtol=1e-8, atol=1e-10,
                    max_step=0.02)
    return summary(times, sol.y[8])


def typical_table() -> dict[str, dict[str, dict[str, float]]]:
    out = {}
    for name, course in COURSES.items():
        anc = full_model_lowest(course)[0]
        out[name] = {"full_model": summary(np.arange(anc.size) / 8.0, anc), "kloft2006": kloft_chain(course),
                     "quartino2014": quartino_chain(course)}
        print(name, {k: round(v["lowest"], 3) for k, v in out[name].items()}, flush=True)
    return out


def slope_sweep(slopes: tuple[float, ...] = (13.6, 16.0, 19.79, 25.0, 33.0)) -> dict[str, Any]:
    """Lowest ANC of the typical patient across the docetaxel fit's 95% profile CI of the slope (13.6-33.0)."""
    drug = {SLOPE_PATH: np.array(slopes)}
    return {"slopes": list(slopes), **{name: full_model_lowest(COURSES[name], drug=drug, n=len(slopes)).min(axis=1)
                                       .tolist() for name in SWEEP}}


def progenitor_sweep(ratios: tuple[float, ...] = (0.25, 0.5, 0.8),
                     mpp_days: tuple[float, ...] = (3.0, 10.0, 30.0)) -> dict[str, Any]:
    """Lowest ANC of the typical patient (table slope) as r and the MPP residence vary (x0.5-x3)."""
    grid = list(itertools.product(ratios, mpp_days))
    values = {"progenitor_baseline_self_renewal_ratio": np.array([g[0] for g in grid]),
              "mpp_residence_days": np.array([g[1] for g in grid])}
    return {"grid": grid, **{name: full_model_lowest(COURSES[name], per_patient=values, n=len(grid)).min(axis=1)
                             .tolist() for name in SWEEP}}


def inside_the_marrow(course: Course, days: tuple[float, ...] = (1, 3, 5, 7, 9, 11, 14, 16, 21)) -> dict[str, Any]:
    """Blood ANC, committed neutrophil progenitors and dividing precursors as fractions of their baseline."""
    ref = _reference(course)
    model = healthy_human_model(ref, aging=False, extensions=[DrugExposure(load_drug_set("docetaxel_kloft2006"))])
    r = Simulation(model, events=[_regimen(course, ref)]).run(course.length, output_every_days=0.5)
    precursors = sum(np.ravel(r.state(f"neutrophil_precursor_{j}")) for j in range(1, 9))
    series = {"anc": np.ravel(r.observable(ANC)), "progenitors": np.ravel(r.state("neutrophil_progenitor")),
              "dividing_precursors": np.asarray(precursors)}
    idx = [int(round(d * 2)) for d in days]
    return {"days": list(days), **{k: [float(v[i] / v[0]) for i in idx] for k, v in series.items()}}


#: the kill's stages in an exploration (a patched set, the shipped slope, not refitted): which stages make the
#: full model lose ground from cycle to cycle
STAGE_VARIANTS = {"all stages (shipped)": None,
                  "without the MPP and stem stages": ["committed_progenitors", "dividing_precursors"],
                  "without the stem stages": ["committed_progenitors", "dividing_precursors", "multipotent_progenitors"]}
#: (course, cycle length in days) of the attribution
ATTRIBUTION = {"100 q3w x4": (Course(100.0, (0.0, 21.0, 42.0, 63.0), ONE, 84.0), 21.0),
               "P12 25 d1,8,15 q4w x2": (COURSES["P12 25 d1,8,15 q4w x2"], 28.0),
               "Q2 50 d1,15 q4w x3 (men)": (COURSES["Q2 50 d1,15 q4w x3 (men)"], 28.0)}


def stage_attribution() -> dict[str, dict[str, list[float]]]:
    """Each cycle's lowest ANC (typical patient) with the kill on all its stages or without the MPP / stem ones."""
    from hemasim.pharmacology.drug_sets import DrugSet

    shipped = load_drug_set("docetaxel_kloft2006")
    out: dict[str, dict[str, list[float]]] = {}
    for variant, stages in STAGE_VARIANTS.items():
        data = shipped.model_dump()
        if stages is not None:
            data["effects"][0]["full_model"]["stages"] = stages
        ds = DrugSet.model_validate(data)
        out[variant] = {}
        for name, (course, cycle_days) in ATTRIBUTION.items():
            ref = _reference(course)
            model = healthy_human_model(ref, aging=False, extensions=[DrugExposure(ds)])
            r = Simulation(model, events=[_regimen(course, ref)]).run(course.length, output_every_days=1.0 / 8.0)
            t, anc = r.times, np.ravel(r.observable(ANC))
            out[variant][name] = [float(anc[(t >= c) & (t < c + cycle_days)].min()) for c in course.cycles]
    return out


#: Kloft 2006 (DDMODEL00000224) as shipped in docetaxel_kloft2006: baseline, MTT (h), gamma, slope (L/umol),
#: women's baseline -12%, IIV variances on log baseline / MTT / slope; Onoue 2016's sd of log CL; the set's
#: disposition (label CL 21 L/h/m2, V1 37.72 L, Vp 75.28 L, Q 5.419 L/h)
KLOFT = {"base": 5.22, "mtt_h": 84.2, "gamma": 0.145, "slope": 15.6, "female": -0.12, "w_base": 0.0640,
         "w_mtt": 0.0192, "w_slope": 0.128, "sd_cl": 0.295, "cl_m2": 21.0, "v1": 37.72, "vp": 75.28, "q": 5.419}


def _chain_rhs(y: np.ndarray, infusion: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    c_umol = y[0] / KLOFT["v1"] / 807.88 * 1000.0
    feedback = (p["base"] / np.maximum(y[6], 1e-9 * p["base"])) ** KLOFT["gamma"]
    k, q = p["ktr"], KLOFT["q"] * 24.0
    d = np.empty_like(y)
    d[0] = infusion - p["cl"] / KLOFT["v1"] * y[0] - q / KLOFT["v1"] * y[0] + q / KLOFT["vp"] * y[1]
    d[1] = q / KLOFT["v1"] * y[0] - q / KLOFT["vp"] * y[1]
    d[2] = k * y[2] * (1.0 - p["slope"] * c_umol) * feedback - k * y[2]
    d[3:] = k * (y[2:6] - y[3:7])
    return d


def kloft_chain_anc(course: Course, cov: Covariates, eta: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The published Kloft chain for the patients ``cov`` with their between-patient factors ``eta`` (``base``,
    ``mtt``, ``slope``, ``cl``: multipliers of the typical values) on ``course``: (times every 3 hours, ANC with
    one row per patient). Integrated piecewise between the infusions' starts and ends, where the input jumps."""
    n = len(np.atleast_1d(cov.age_years))
    bsa = body_surface_area_m2(cov)
    base = KLOFT["base"] * np.where(np.asarray(cov.sex) == "female", 1.0 + KLOFT["female"], 1.0) * eta["base"]
    p = {"base": base, "ktr": 4.0 / (KLOFT["mtt_h"] / 24.0 * eta["mtt"]), "slope": KLOFT["slope"] * eta["slope"],
         "cl": KLOFT["cl_m2"] * 24.0 * bsa * eta["cl"]}
    rate = course.dose * bsa * 24.0  # mg/day over the 1-h infusion
    y = np.zeros((7, n))
    y[2:] = base
    starts = course.dose_times
    edges = sorted({0.0, *starts, *(s + 1.0 / 24.0 for s in starts), course.length})
    times, anc = [0.0], [base.copy()]
    for a, b in itertools.pairwise(edges):
        infusion = rate if any(s <= a < s + 1.0 / 24.0 for s in starts) else np.zeros(n)
        grid = np.arange(np.floor(a * 8.0) + 1, np.floor(b * 8.0) + 1) / 8.0
        sol = solve_ivp(lambda _t, v, inf=infusion: _chain_rhs(v.reshape(7, n), inf, p).ravel(), (a, b), y.ravel(),
                        method="RK45", rtol=1e-7, atol=1e-9, t_eval=np.unique(np.append(grid, b)), max_step=0.02)
        states = sol.y.reshape(7, n, -1)
        on_grid = np.isin(sol.t, grid)
        times += sol.t[on_grid].tolist()
        anc += list(states[6][:, on_grid].T)
        y = states[:, :, -1]
    return np.array(times), np.array(anc).T


def _typical_eta(n: int) -> dict[str, np.ndarray]:
    return {k: np.ones(n) for k in ("base", "mtt", "slope", "cl")}


def kloft_chain_cohort(course: Course, n: int = 500, seed: int = 4242) -> dict[str, float]:
    """The Kloft chain's own cohort on ``course`` (the target's ages and sexes, Kloft's variances on log baseline,
    MTT and slope, Onoue's sd of log CL): the shares with lowest ANC < 1.0 and < 0.5e9/L."""
    assert course.ages is not None
    rng = np.random.default_rng(seed)
    cov = cohort_covariates(n, course.ages, course.female_share, rng)
    eta = {k: np.exp(rng.normal(0.0, sd, n)) for k, sd in (("base", KLOFT["w_base"] ** 0.5),
                                                           ("mtt", KLOFT["w_mtt"] ** 0.5),
                                                           ("slope", KLOFT["w_slope"] ** 0.5), ("cl", KLOFT["sd_cl"]))}
    lowest = kloft_chain_anc(course, cov, eta)[1].min(axis=1)
    return {"grade34_pct": float(100 * np.mean(lowest < 1.0)), "grade4_pct": float(100 * np.mean(lowest < 0.5)),
            "median_lowest": float(np.median(lowest)), "n": n}


def c7_cohort_side_by_side() -> dict[str, dict[str, float]]:
    """The 1,000 patients of C7 (hemasim.validation.chemotherapy: same covariates and between-patient draws) in the
    full model and in the Kloft chain, each patient's chain factors read off the full model's draws (set point,
    marrow transit, slope, clearance over their typical values): grade 3/4 and 4, cycle-1 nadir day and days < 0.5."""
    from hemasim.endpoints import DayOfNadir, DaysBelow
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.validation import chemotherapy as chemo

    cov, per_patient, drug = chemo._cohort_draws(chemo.VALIDATE_COHORT, 17)
    table, ds = healthy_adult_parameters(), load_drug_set("docetaxel_kloft2006")
    eta = {"base": per_patient["anc_setpoint_1e9_per_L"] / table.value("anc_setpoint_1e9_per_L"),
           "mtt": per_patient["neutrophil_marrow_transit_days"] / table.value("neutrophil_marrow_transit_days"),
           "slope": drug[SLOPE_PATH] / ds.get(SLOPE_PATH),
           "cl": drug["pk.clearance_L_per_h_per_m2"] / ds.get("pk.clearance_L_per_h_per_m2")}
    course = Course(100.0, tuple(21.0 * k for k in range(chemo.DOCETAXEL_CYCLES)), ONE, 21.0 * chemo.DOCETAXEL_CYCLES)
    t, anc = kloft_chain_anc(course, cov, eta)
    first = t <= 21.0
    days = DaysBelow(ANC, 0.5, "").values(t[first], anc[:, first])
    chain = {"grade34_pct": 100 * np.mean(anc.min(axis=1) < 1.0), "grade4_pct": 100 * np.mean(anc.min(axis=1) < 0.5),
             "median_nadir_day": np.median(DayOfNadir(ANC).values(t[first], anc[:, first])),
             "median_days_grade4_among_grade4": np.median(days[days > 0]), "longest_days_grade4": np.max(days),
             "share_grade4_over_7_days_pct": 100 * np.mean(days > 7.0)}
    c = chemo.docetaxel_cohort()
    full_days = c.days_anc_below_0p5
    full = {"grade34_pct": 100 * np.mean(c.nadir_anc < 1.0), "grade4_pct": 100 * np.mean(c.nadir_anc < 0.5),
            "median_nadir_day": np.median(c.nadir_day),
            "median_days_grade4_among_grade4": np.median(full_days[full_days > 0]),
            "longest_days_grade4": np.max(full_days), "share_grade4_over_7_days_pct": 100 * np.mean(full_days > 7.0)}
    return {"full_model": {k: float(v) for k, v in full.items()},
            "kloft2006_chain": {k: float(v) for k, v in chain.items()}}


@dataclass(frozen=True)
class NabCourse:
    """nab-paclitaxel over ``infusion_hours`` (P13, P16, Q5), read against ``thresholds`` (1e9/L)."""

    dose: float
    infusion_hours: float
    cycles: tuple[float, ...]
    days: tuple[float, ...]
    length: float
    thresholds: tuple[float, ...]


NAB_COURSES = {
    "P13 260 q3w x3": NabCourse(260.0, 0.5, (0.0, 21.0, 42.0), ONE, 63.0, (0.5, 2.0)),
    "P16 125 d1,8,15 q4w x2, 30 min": NabCourse(125.0, 0.5, (0.0, 28.0), (0.0, 7.0, 14.0), 56.0, (1.5,)),
    "P16 125 d1,8,15 q4w x2, 2 h": NabCourse(125.0, 2.0, (0.0, 28.0), (0.0, 7.0, 14.0), 56.0, (1.5,)),
    "Q5 100 d1,8,15 q4w x5": NabCourse(100.0, 0.5, tuple(28.0 * k for k in range(5)), (0.0, 7.0, 14.0), 140.0, (1.0,)),
}


def chen_chain_cohort(course: NabCourse, n: int = 500, seed: int = 1616) -> dict[str, Any]:
    """Chen 2014's published chain (the shipped set's Friberg chain) with its between-patient variances on log
    baseline, MTT and slope (the set's iiv_variance), every patient on the reference woman's plasma concentration
    (Chen gives no PK variability the set carries; body size is not varied): the shares below each threshold, and
    the typical patient's lowest ANC (checked against the shipped chain)."""
    ds = load_drug_set("nab_paclitaxel_chen2014")
    ref = PATIENTS["reference_female"]
    dose = Regimen(0.0, ds.drug, "iv_infusion", course.dose * body_surface_area_m2(ref) * 1000.0,
                   course.infusion_hours / 24.0, cycle_offsets=course.cycles, days_in_cycle=course.days)
    r = Simulation(friberg_model(ds, ref), events=[dose]).run(course.length, output_every_days=1.0 / 480.0)
    times, conc = r.times, np.ravel(r.observable("nab_paclitaxel_concentration_ng_per_mL"))
    chain, effect = ds.friberg, ds.effects[0]
    assert chain is not None and effect.slope_L_per_umol is not None
    rng = np.random.default_rng(seed)
    eta = {k: np.exp(rng.normal(0.0, chain.iiv_variance[k].value ** 0.5, n)) for k in ("baseline", "mean_transit_time",
                                                                                       "slope")}
    for k in eta:
        eta[k][0] = 1.0  # patient 0 is the typical one
    base = chain.baseline_1e9_per_L.value * eta["baseline"]
    ktr = 4.0 / (chain.mean_transit_time_h.value / 24.0 * eta["mean_transit_time"])
    kill = effect.slope_L_per_umol.value * eta["slope"] / ds.molar_mass_g_per_mol.value  # per ng/mL
    gamma = chain.feedback_gamma.value

    def rhs(c_ng: float, y: np.ndarray) -> np.ndarray:
        d = np.empty_like(y)
        d[0] = ktr * y[0] * ((1.0 - kill * c_ng) * (base / np.maximum(y[4], 1e-9 * base)) ** gamma - 1.0)
        d[1:] = ktr * (y[:4] - y[1:])
        return d

    y = np.tile(base, (5, 1))
    lowest = base.copy()
    for i in range(times.size - 1):  # RK4 on the 3-minute grid of the concentration
        dt, c0, c1 = times[i + 1] - times[i], conc[i], conc[i + 1]
        k1 = rhs(c0, y)
        k2 = rhs(0.5 * (c0 + c1), y + dt / 2 * k1)
        k3 = rhs(0.5 * (c0 + c1), y + dt / 2 * k2)
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + rhs(c1, y + dt * k3))
        lowest = np.minimum(lowest, y[4])
    shipped = float(np.ravel(r.observable(ANC)).min())
    return {"below_pct": {str(th): float(100 * np.mean(lowest < th)) for th in course.thresholds},
            "median_lowest": float(np.median(lowest)), "typical_lowest": float(lowest[0]),
            "shipped_chain_typical_lowest": shipped, "n": n}


def main() -> None:
    out: dict[str, Any] = {"typical": typical_table(), "slope_sweep": slope_sweep(),
                           "progenitor_sweep": progenitor_sweep(),
                           "inside_marrow_25_weekly": inside_the_marrow(Course(25.0, ONE, (0.0, 7.0, 14.0), 21.0)),
                           "inside_marrow_25_once": inside_the_marrow(Course(25.0, ONE, ONE, 21.0)),
                           "stage_attribution": stage_attribution()}
    # the vectorised chain of the cohorts against the shipped chain, typical patients, every course
    out["chain_check_lowest"] = {name: [float(kloft_chain_anc(c, _reference(c), _typical_eta(1))[1].min()),
                                        out["typical"][name]["kloft2006"]["lowest"]] for name, c in COURSES.items()}
    out["c7_cohort"] = c7_cohort_side_by_side()
    print(out["c7_cohort"], flush=True)
    out["kloft_chain_cohorts"] = {}
    for name, course in COURSES.items():
        if course.ages is not None:
            out["kloft_chain_cohorts"][name] = kloft_chain_cohort(course)
            print(name, out["kloft_chain_cohorts"][name], flush=True)
    out["chen_chain_cohorts"] = {}
    for name, nab in NAB_COURSES.items():
        out["chen_chain_cohorts"][name] = chen_chain_cohort(nab)
        print(name, out["chen_chain_cohorts"][name], flush=True)
    write_json_report(out, IMAGES / "chemo_schedule_diagnosis.json", echo=False)


if __name__ == "__main__":
    main()
