"""Joint fit of the neutrophil lineage's structure and the full model's docetaxel kill (docs/chemotherapy_full_model.md).

Calibration data (none of them a prediction target; C7 and C8 are never used):

* the typical ANC course of the Kloft 2006 docetaxel model (DDMODEL00000224, the set docetaxel_kloft2006 run as
  its Friberg chain) for the reference woman after 100 mg/m2 as a 1-h infusion, daily on days 1-21, rescaled to
  the full model's baseline, log-normal noise with Kloft's residual SD 0.424;
* Craig 2016's proliferative passage of neutrophil precursors, tauNP = 7.3074 d (craigPars16 as encoded in the
  R package myelo, radivot/myelo): the model's passage is the committed progenitor residence (1/k_out, cited
  Friberg 2002) plus the mitotic transit, so the mitotic transit gets a log-normal prior with median
  7.3074 - 1/k_out; Craig gives no interval, so its log SD (:data:`CRAIG_PASSAGE_SD_LOG`) is assumed;
* the human emergence time of labelled segmented neutrophils in blood after tritiated thymidine, 96-144 h in the
  five patients in steady state (Blood 1964;24:683, "Granulocytopoiesis II", abstract, pages corpus): read as the
  time by which 5% of a labelled cohort has left the post-mitotic chain (an assumed reading), mean 120 h, SD the
  range over 2.33 (the expected range of five normal draws): a term on the number of maturation stages, which
  sets the dispersion of the cited 5.8-d post-mitotic transit (Erlang).

The continuous parameters (slope, mitotic transit) are fitted by :func:`hemasim.inference.fit` with profiles; the
integers (maturation stages, precursor divisions) are profiled on a grid, each point refitted.

**The endogenous G-CSF speed-up** (:func:`fit_gcsf_exponent`, issue #17): at the adopted structure (80 post-mitotic
stages, 8 divisions, kept) the exponent beta of the speed-up of the post-mitotic transit
(``neutrophil_transit_gcsf_exponent``, Quartino 2014's 0.234, estimated in Quartino's dispersed 5-compartment
chain) is fitted jointly with the slope and the mitotic transit to two calibration courses of published models
fitted to docetaxel patients' ANC: the Kloft 2006 course above and the typical course of Quartino 2014 (its
encoding in the R package myelo, :func:`quartino_typical_anc`), each rescaled to the full model's baseline, with
the Craig prior and the (constant) emergence term; beta is profiled. Price 1996's exogenous filgrastim effect is
not touched. The adoption rule (:func:`adopted_gcsf_fit`) was committed before any cohort or validate was run.

Run: ``python -m hemasim.inference.docetaxel [--quick] [--out FILE]``;
``python -m hemasim.inference.docetaxel --gcsf [--out FILE]`` for the G-CSF exponent fit.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from hemasim._confidence import LR_STEP_95, Z_95

__all__ = ["CRAIG_PASSAGE_DAYS", "EMERGENCE_HOURS", "FITTED", "QUARTINO_DOSE_MG", "QUARTINO_RESIDUAL_SD_LOG", "SLOPE_NAME",
           "adopted_effect_site_fit", "adopted_gcsf_fit", "adopted_half_life_fit", "adopted_structure", "docetaxel_coupling", "docetaxel_problem",
           "effect_site_parameter", "effect_site_problem", "emergence_term", "fit_effect_site", "fit_gcsf_exponent",
           "fit_half_life", "fit_structure", "half_life_parameter", "half_life_problem",
           "gcsf_exponent_parameter", "gcsf_problem", "kloft_typical_course", "main", "mitotic_transit_parameter",
           "quartino_typical_anc", "quartino_typical_course", "refit", "refit_at", "two_course_slope_problem",
           "with_courses"]

DRUG_SET = "docetaxel_kloft2006"
DAYS = np.arange(1.0, 22.0)
#: Craig 2016 tauNP (craigPars16, radivot/myelo): days from the committed neutrophil progenitor to the last division
CRAIG_PASSAGE_DAYS = 7.3074
#: no interval is given with tauNP: an assumed log SD (a factor of about 1.28 either way); the effect-site rule's
#: decision flips between 0.75 and 1.0 (effect_site_prior_sd, docs/chemotherapy_full_model.md)
CRAIG_PASSAGE_SD_LOG = 0.25
#: first appearance of labelled segmented neutrophils in blood, 96-144 h (5 steady-state patients, Blood 1964;24:683)
EMERGENCE_HOURS = (96.0, 144.0)
#: the quantile of the post-mitotic transit read as "first appearance" (assumed)
EMERGENCE_QUANTILE = 0.05
#: the integer grid: maturation stages (320 stands for the delay limit) and precursor divisions (bounds 0-8)
STAGE_GRID = (4, 12, 20, 30, 40, 60, 80, 160, 320)
DIVISION_GRID = (3, 4, 5, 6, 8)


def _spec() -> Any:
    from hemasim.inference.full_model_slope import SPECS

    return SPECS[DRUG_SET]


def kloft_typical_course() -> np.ndarray:
    """The Kloft 2006 typical ANC (Friberg chain) on :data:`DAYS`, rescaled to the full model's baseline: the
    data of the generic slope fit's docetaxel spec (:func:`hemasim.inference.full_model_slope.chain_typical_course`)."""
    from hemasim.inference.full_model_slope import chain_typical_course

    spec = _spec()
    (condition,) = spec.conditions
    if not np.array_equal(np.asarray(condition.observe_days), DAYS):
        raise ValueError(f"{DRUG_SET}: the generic spec's observation days are not this fit's {DAYS.tolist()}")
    return chain_typical_course(spec, condition)


def emergence_term(stages: int, transit_days: float = 5.8) -> tuple[float, float]:
    """(the model's emergence time in hours, its minus log-likelihood against :data:`EMERGENCE_HOURS`): the
    :data:`EMERGENCE_QUANTILE` quantile of an Erlang(``stages``) post-mitotic transit of mean ``transit_days``."""
    hours = float(stats.gamma.ppf(EMERGENCE_QUANTILE, stages, scale=transit_days / stages)) * 24.0
    lo, hi = EMERGENCE_HOURS
    sd = (hi - lo) / 2.33  # expected range of five normal draws: 2.33 SD
    return hours, 0.5 * ((hours - 0.5 * (lo + hi)) / sd) ** 2


def _craig_mitotic_median() -> float:
    from hemasim.parameters import healthy_adult_parameters

    return CRAIG_PASSAGE_DAYS - 1.0 / healthy_adult_parameters().value("neutrophil_progenitor_exit_rate_per_day")


def mitotic_transit_parameter(craig_prior: bool = True) -> Any:
    """The mitotic transit as a free healthy-model parameter (id ``mitotic_days``), with the Craig 2016 prior."""
    from hemasim.inference import EstimatedParameter
    from hemasim.inference.problem import Prior

    prior = Prior("lognormal", _craig_mitotic_median(), CRAIG_PASSAGE_SD_LOG) if craig_prior else None
    return EstimatedParameter("mitotic_days", "neutrophil_mitotic_transit_days", 0.5, 15.0, 4.0, unit="day",
                              prior=prior)


#: Quartino's estimate of the G-CSF speed-up exponent in its own (dispersed, 5-compartment) chain: shipped until the
#: exponent was fitted, and the start value of that fit
QUARTINO_BETA = 0.234
#: the G-CSF speed-up exponent the structure grid (:func:`fit_structure`, docs/images/chemo_fit.json) was run at:
#: Quartino's, shipped then; the exponent was fitted afterwards at the adopted structure (:func:`fit_gcsf_exponent`)
STRUCTURE_FIT_GCSF_EXPONENT = QUARTINO_BETA


def docetaxel_problem(stages: int, divisions: int, craig_prior: bool = True, extra_free: Sequence[Any] = (),
                      gcsf_exponent: float | None = STRUCTURE_FIT_GCSF_EXPONENT,
                      held: Mapping[str, float] | None = None) -> Any:
    """The problem at one integer structure: the generic full-model slope problem of ``docetaxel_kloft2006``
    (:func:`hemasim.inference.full_model_slope.full_model_slope_problem`: the Kloft course as data, the slope
    free) with the structure fixed and the mitotic transit free beside the slope (and ``extra_free``, further
    healthy-model parameters). ``gcsf_exponent``: the G-CSF speed-up exponent held fixed (default: the one the
    structure grid was run at; None: the table's). ``held``: healthy-model parameters (assumed ones the fit holds) at
    other values than the table's (a design point of a sensitivity screen: :func:`refit_at`)."""
    from hemasim.inference.full_model_slope import full_model_slope_problem

    structure: dict[str, float] = {**(held or {}), "neutrophil_maturation_stages": stages,
                                   "neutrophil_precursor_divisions": divisions}
    if gcsf_exponent is not None:
        structure["neutrophil_transit_gcsf_exponent"] = gcsf_exponent
    problem = full_model_slope_problem(_spec(), healthy_values=structure,
                                       free_healthy=(mitotic_transit_parameter(craig_prior), *extra_free))
    return replace(problem, name=f"docetaxel full model ({stages} stages, {divisions} divisions)")


def _fit_point(stages: int, divisions: int, n_starts: int, profiles: bool, craig_prior: bool) -> dict[str, Any]:
    from hemasim.inference import Objective, fit
    from hemasim.inference.full_model_slope import profile_summary

    obj = Objective(docetaxel_problem(stages, divisions, craig_prior))
    res = fit(obj, n_starts=n_starts, seed=1)
    hours, emergence = emergence_term(stages)
    out: dict[str, Any] = {"stages": stages, "divisions": divisions, "objective_course_and_craig": float(res.fun),
                           "emergence_hours": hours, "objective_emergence": emergence,
                           "objective": float(res.fun) + emergence, "estimates": dict(res.natural),
                           "n_converged": res.n_converged}
    if profiles:
        out.update(profile_summary(obj, res.x))
    return out


def adopted_structure(grid: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The rule fixed before the cohort was run: of the grid points within :data:`LR_STEP_95` of the best
    objective, the one with the fewest model states (stages + divisions; then fewer stages). The course keeps
    improving towards the delay limit and the division bound, so the best point itself sits on the grid's edge."""
    f_best = min(g["objective"] for g in grid)
    inside = [g for g in grid if g["objective"] <= f_best + LR_STEP_95]
    return min(inside, key=lambda g: (g["stages"] + g["divisions"], g["stages"]))


def fit_structure(stage_grid: Sequence[int], division_grid: Sequence[int], n_starts: int = 3,
                  craig_prior: bool = True) -> dict[str, Any]:
    """Refit slope and mitotic transit at every (stages, divisions) of the grid; profiles at the best point."""
    grid = []
    for s in stage_grid:
        for d in division_grid:
            grid.append(_fit_point(s, d, n_starts, False, craig_prior))
            print(f"stages {s:4d} divisions {d}: objective {grid[-1]['objective']:.3f}", flush=True)
    best = min(grid, key=lambda g: g["objective"])
    chosen = adopted_structure(grid)
    adopted = _fit_point(chosen["stages"], chosen["divisions"], n_starts, True, craig_prior)
    # integer profiles: the grid minimum per value, minus the grid's best (a 95% step is 1.92)
    f0 = best["objective"]
    stage_profile = {s: min(g["objective"] for g in grid if g["stages"] == s) - f0 for s in stage_grid}
    division_profile = {d: min(g["objective"] for g in grid if g["divisions"] == d) - f0 for d in division_grid}
    return {"grid": grid, "best": best, "adopted": adopted, "stage_profile": stage_profile,
            "division_profile": division_profile,
            "data_days": DAYS.tolist(), "data_anc": kloft_typical_course().tolist(),
            "craig_mitotic_prior_median_days": _craig_mitotic_median(), "craig_prior": craig_prior,
            "gcsf_exponent": STRUCTURE_FIT_GCSF_EXPONENT}


# --- the endogenous G-CSF speed-up of the post-mitotic transit, fitted at the adopted structure (issue #17) ---

#: Quartino 2014's typical patient as the myelo encoding doses it: 100 mg/m2 at 1.8 m2 (myelo/demo/quartino14.R
#: gives 80 mg/m2 as ``amt=80*1.8``), a 1-h infusion, as docs/chemotherapy_trough.py runs it
QUARTINO_DOSE_MG = 180.0
#: Quartino 2014's residual error on ANC was not found in a stored source (the paper was not reachable): taken
#: equal to Kloft 2006's 0.424 on log ANC (same drug, same kind of data; assumed), so both courses weigh the same
QUARTINO_RESIDUAL_SD_LOG = 0.424
#: the structure the G-CSF exponent is fitted at (the adopted joint fit; kept)
GCSF_FIT_STRUCTURE = (80, 8)


def quartino_typical_anc(times: np.ndarray, beta: float = QUARTINO_BETA, dose_mg: float = QUARTINO_DOSE_MG
                         ) -> np.ndarray:
    """Quartino 2014's typical ANC (1e9/L) on ``times`` (days, from 0) after ``dose_mg`` docetaxel as a 1-h
    infusion, as encoded in radivot/myelo myelo/demo/quartino14.R (code corpus): Friberg 2002's docetaxel PK (V1
    7.4 L, k10 124.8, k12 25.44, k21 36.24, k13 30.24, k31 2.016 /day, 0.808 mg/umol), MTT 133 h over a
    proliferating and 4 transit compartments, circulating half-life 7 h, slope 17.2 L/umol, G-CSF on proliferation
    gamma 0.444 and on every transit ``beta`` (0.234), G-CSF cleared by the kidneys (ke 0.592 /h) and by
    neutrophils (kANC 5.64 /h per 1e9/L), G0 24.3, Circ0 3.53e9/L. The encoding's G-CSF line reads
    kin - (ke + kanc*Circ*GCSF); the brackets here are those of its own steady state, kin = (ke + kanc*Circ0)*G0,
    i.e. dG/dt = kin - (ke + kanc*Circ)*G (the corticosteroid G-CSF bump is left out). The course
    docs/chemotherapy_trough.py runs (its typical course)."""
    from scipy.integrate import solve_ivp

    ktr, kcirc, circ0 = 5.0 / (133.0 / 24.0), np.log(2.0) / (7.0 / 24.0), 3.53
    ke, kanc, g0, gam, slope = 0.592 * 24.0, 5.64 * 24.0, 24.3, 0.444, 17.2
    k10, k12, k21, k13, k31, v1, mw = 124.8, 25.44, 36.24, 30.24, 2.016, 7.4, 0.808
    kin, prol0, tinf = (ke + kanc * circ0) * g0, kcirc * circ0 / ktr, 1.0 / 24.0

    def rhs(t: float, y: np.ndarray) -> list[float]:
        c1, c2, c3, prol, t1, t2, t3, t4, circ, g = y
        drug = slope * c1 / v1 / mw
        ratio = max(g, 1e-12) / g0
        k = ktr * ratio**beta
        return [(dose_mg / tinf if t < tinf else 0.0) - (k12 + k13 + k10) * c1 + k21 * c2 + k31 * c3,
                k12 * c1 - k21 * c2, k13 * c1 - k31 * c3, ktr * prol * (1.0 - drug) * ratio**gam - k * prol,
                k * (prol - t1), k * (t1 - t2), k * (t2 - t3), k * (t3 - t4), k * t4 - kcirc * circ,
                kin - (ke + kanc * circ) * g]

    t = np.asarray(times, dtype=np.float64)
    y0 = [0.0, 0.0, 0.0, prol0, prol0, prol0, prol0, prol0, circ0, g0]
    sol = solve_ivp(rhs, (0.0, float(t.max())), y0, t_eval=t, method="LSODA", rtol=1e-8, atol=1e-10, max_step=0.02)
    return np.asarray(sol.y[8])


def quartino_typical_course() -> np.ndarray:
    """Quartino 2014's typical course on :data:`DAYS`, as a fraction of its baseline (3.53e9/L) times the full
    model's set point (the fit is to the shape, as for the Kloft course)."""
    from hemasim.parameters import healthy_adult_parameters

    anc = quartino_typical_anc(np.concatenate([[0.0], DAYS]))
    return np.asarray(anc[1:] / anc[0] * healthy_adult_parameters().value("anc_setpoint_1e9_per_L"))


def gcsf_exponent_parameter(start: float = QUARTINO_BETA) -> Any:
    """The exponent of the endogenous G-CSF speed-up (id ``beta``), linear scale within the table's bounds 0-1
    (0: no speed-up), no prior (Quartino's estimate belongs to another chain)."""
    from hemasim.inference import EstimatedParameter
    from hemasim.parameters import healthy_adult_parameters

    lo, hi = healthy_adult_parameters()["neutrophil_transit_gcsf_exponent"].bounds
    return EstimatedParameter("beta", "neutrophil_transit_gcsf_exponent", lo, hi, start, scale="lin", unit="1")


COURSES = ("kloft", "quartino")


def gcsf_problem(courses: Sequence[str] = COURSES, craig_prior: bool = True, beta_free: bool = True,
                 beta: float = QUARTINO_BETA, held: Mapping[str, float] | None = None) -> Any:
    """The G-CSF exponent problem at :data:`GCSF_FIT_STRUCTURE`: slope, mitotic transit (Craig prior) and beta free
    (``beta_free`` false: fixed at ``beta``); data: the Kloft 2006 course and/or the Quartino 2014 course (both on
    the reference woman's 100 mg/m2 course of the full model: one simulation, two observables). ``held``: as for
    :func:`docetaxel_problem`."""
    b = gcsf_exponent_parameter(beta)
    if not beta_free:
        b = replace(b, estimate=False)
    stages, divisions = GCSF_FIT_STRUCTURE
    problem = docetaxel_problem(stages, divisions, craig_prior, extra_free=(b,), gcsf_exponent=None, held=held)
    problem = with_courses(problem, courses)
    return replace(problem, name=f"docetaxel full model, G-CSF exponent ({'+'.join(courses)}; {stages} stages, "
                                 f"{divisions} divisions)")


def two_course_slope_problem(healthy_values: Mapping[str, float] | None = None) -> Any:
    """The docetaxel slope alone on both calibration courses (Kloft 2006 and Quartino 2014), the healthy model at
    its table values changed by ``healthy_values``: at the table values its optimum is the shipped slope (the
    conditional optimum of :func:`fit_gcsf_exponent` at its own estimates). Used by the progenitor profiles
    (:mod:`hemasim.inference.progenitor_kinetics`)."""
    from hemasim.inference.full_model_slope import full_model_slope_problem

    return with_courses(full_model_slope_problem(_spec(), healthy_values=dict(healthy_values or {})), COURSES)


def with_courses(problem: Any, courses: Sequence[str]) -> Any:
    """``problem`` (the Kloft course on the reference woman's condition) with the data of ``courses``: the Kloft
    rows kept or dropped, the Quartino course added as a second observable of the same condition."""
    from hemasim.inference import Measurements, NoiseModel, ObservableSpec

    unknown = set(courses) - set(COURSES)
    if unknown or not courses:
        raise ValueError(f"courses: {sorted(unknown) or 'none'}; allowed: {list(COURSES)}")
    meas = problem.measurements
    (kloft_obs,) = problem.observables
    observables, parts = [], []
    if "kloft" in courses:
        observables.append(kloft_obs)
        parts.append(meas)
    if "quartino" in courses:
        observables.append(ObservableSpec("quartino_course", kloft_obs.hemasim,
                                          NoiseModel("lognormal", QUARTINO_RESIDUAL_SD_LOG)))
        (cond,) = set(meas.condition.tolist())
        course = quartino_typical_course()
        parts.append(Measurements.from_rows([cond] * len(course), DAYS.tolist(), ["quartino_course"] * len(course),
                                            course.tolist()))
    joined = Measurements(*(np.concatenate([getattr(m, f) for m in parts])
                            for f in ("condition", "time_days", "observable", "value", "censored")),
                          source="; ".join(["Kloft 2006 typical course (C9)"] * ("kloft" in courses)
                                           + ["Quartino 2014 typical course (myelo quartino14)"] * ("quartino" in courses)))
    return replace(problem, observables=tuple(observables), measurements=joined)


def _gcsf_point(courses: Sequence[str], n_starts: int, profiles: bool, craig_prior: bool = True,
                beta_free: bool = True, beta: float = QUARTINO_BETA) -> dict[str, Any]:
    from hemasim.inference import Objective, fit
    from hemasim.inference.full_model_slope import profile_summary

    obj = Objective(gcsf_problem(courses, craig_prior, beta_free, beta))
    res = fit(obj, n_starts=n_starts, seed=1)
    _, emergence = emergence_term(GCSF_FIT_STRUCTURE[0])
    out: dict[str, Any] = {"courses": list(courses), "beta_free": beta_free,
                           "objective_courses_and_craig": float(res.fun), "objective_emergence": emergence,
                           "objective": float(res.fun) + emergence,
                           "estimates": {**dict(res.natural), **({} if beta_free else {"beta": beta})},
                           "n_converged": res.n_converged, "n_data": len(obj.data)}
    if profiles:
        out.update(profile_summary(obj, res.x))
    print(json.dumps({k: out[k] for k in ("courses", "beta_free", "objective", "estimates")}), flush=True)
    return out


#: a beta within this of a bound is at the bound
BOUND_TOL = 1e-3


def adopted_gcsf_fit(result: Mapping[str, Any]) -> dict[str, Any]:
    """The adoption rule, fixed (and committed) before any cohort or ``hemasim validate`` was run on its result:

    * the joint fit of both courses (Kloft 2006 and Quartino 2014, Craig prior, 80 stages / 8 divisions) is
      adopted as a whole: slope, mitotic transit and beta at the joint optimum;
    * beta's 95% profile interval bounded on both sides: the estimate is adopted as it is;
    * open on one side with the optimum at that bound (within :data:`BOUND_TOL`; at 0 the law's limit, no
      endogenous speed-up): the bound is adopted, with slope and mitotic transit at their refit there (the
      optimum itself);
    * open on one side with the optimum inside: the estimate is still adopted (the maximum likelihood), reported
      as practically non-identifiable.

    Quartino's 0.234 is not kept merely because it may lie inside the interval: it was estimated in a dispersed
    5-compartment chain, where the same speed-up has a different effect (docs), so it is not this model's parameter.
    The single-course fits and the fit at beta = 0.234 are reported, not used to choose."""
    joint = result["joint"]
    beta = float(joint["estimates"]["beta"])
    lo_b, hi_b = (float(v) for v in result["beta_bounds"])
    lo, hi = joint["ci95"]["beta"]
    at = "lower" if beta - lo_b < BOUND_TOL else "upper" if hi_b - beta < BOUND_TOL else None
    if lo is not None and hi is not None:
        case = "bounded on both sides: the estimate"
    elif at is not None:
        beta = lo_b if at == "lower" else hi_b
        case = f"open at the {at} bound with the optimum there: the bound"
    else:
        case = "open on one side, optimum inside: the estimate (practically non-identifiable)"
    return {"slope": float(joint["estimates"]["slope"]), "mitotic_days": float(joint["estimates"]["mitotic_days"]),
            "beta": beta, "ci95_beta": [lo, hi], "rule_case": case, "objective": float(joint["objective"])}


def fit_gcsf_exponent(n_starts: int = 3, profiles: bool = True, companions: bool = True) -> dict[str, Any]:
    """The joint fit of both courses with profiles (adopted by :func:`adopted_gcsf_fit`); with ``companions``
    also (reported only) the fit at beta fixed to Quartino's 0.234 and at 0, and each course alone with beta free."""
    from hemasim.parameters import healthy_adult_parameters

    out: dict[str, Any] = {"structure": list(GCSF_FIT_STRUCTURE),
                           "beta_bounds": list(healthy_adult_parameters()["neutrophil_transit_gcsf_exponent"].bounds),
                           "data_days": DAYS.tolist(), "data_kloft": kloft_typical_course().tolist(),
                           "data_quartino": quartino_typical_course().tolist(),
                           "quartino_residual_sd_log": QUARTINO_RESIDUAL_SD_LOG}
    out["joint"] = _gcsf_point(COURSES, n_starts, profiles)
    out["adopted"] = adopted_gcsf_fit(out)
    if companions:
        out["joint_beta_fixed_quartino"] = _gcsf_point(COURSES, n_starts, False, beta_free=False, beta=QUARTINO_BETA)
        out["joint_beta_fixed_0"] = _gcsf_point(COURSES, n_starts, False, beta_free=False, beta=0.0)
        out["kloft_only"] = _gcsf_point(("kloft",), n_starts, False)
        out["quartino_only"] = _gcsf_point(("quartino",), n_starts, False)
    return out


# --- the neutrophil blood half-life, fitted at the adopted structure (twelfth session, issue #17, C7) ---

#: Lahoz-Beneytez 2016's blood half-life (deuterium-glucose labelling, 9 healthy adults): 0.79 d, the prior's median
HALF_LIFE_PRIOR_MEDIAN_DAYS = 0.79
#: the interval the parameter record cited until the twelfth session (not in the source's abstract; the record is
#: corrected), 0.33-1.94 d, read as a 95% interval of a log-normal, as the committed rule did:
#: ln(1.94/0.33)/(2 x 1.96) = 0.452 (the interval is not symmetric about 0.79 on the log scale: 0.79/0.33 = 2.39,
#: 1.94/0.79 = 2.46; its geometric centre is 0.80)
HALF_LIFE_PRIOR_SD_LOG = math.log(1.94 / 0.33) / (2.0 * Z_95)
#: a second reading, reported only (not used to choose): the stored abstract gives 0.79 +/- 0.25 d (SD between the
#: 9 subjects), so the typical value's standard error is 0.25/sqrt(9) = 0.083 d, log SD 0.083/0.79 = 0.105
HALF_LIFE_PRIOR_SD_LOG_MEAN = 0.25 / 3.0 / 0.79
#: the estimation bounds (d): wider than the table's 0.3-2.0 so the profile can show where the courses pull
#: (the older labelling gave 6-8 h, 0.25-0.33 d)
HALF_LIFE_FIT_BOUNDS = (0.15, 3.0)


def half_life_parameter(sd_log: float | None = HALF_LIFE_PRIOR_SD_LOG, start: float = HALF_LIFE_PRIOR_MEDIAN_DAYS
                        ) -> Any:
    """The neutrophil blood half-life as a free parameter (id ``half_life``, log scale, days) with the log-normal
    prior from Lahoz-Beneytez 2016 (median 0.79 d, log SD ``sd_log``; None: no prior)."""
    from hemasim.inference import EstimatedParameter
    from hemasim.inference.problem import Prior

    prior = None if sd_log is None else Prior("lognormal", HALF_LIFE_PRIOR_MEDIAN_DAYS, sd_log)
    lo, hi = HALF_LIFE_FIT_BOUNDS
    return EstimatedParameter("half_life", "neutrophil_blood_half_life_days", lo, hi, start, unit="day",
                              prior=prior)


def half_life_problem(sd_log: float | None = HALF_LIFE_PRIOR_SD_LOG, half_life_free: bool = True,
                      half_life: float = HALF_LIFE_PRIOR_MEDIAN_DAYS, beta_free: bool = False) -> Any:
    """The half-life problem: the G-CSF exponent fit's data and structure (Kloft 2006 + Quartino 2014 courses,
    Craig prior, 80 stages / 8 divisions) with slope, mitotic transit and the blood half-life free; the G-CSF
    exponent at the table's value (the fitted 0) unless ``beta_free``. ``half_life_free`` false: the half-life
    fixed at ``half_life`` (its prior still counted, so objectives compare)."""
    h = half_life_parameter(sd_log, half_life)
    if not half_life_free:
        h = replace(h, estimate=False)
    extra: list[Any] = [h]
    if beta_free:
        from hemasim.parameters import healthy_adult_parameters

        extra.append(gcsf_exponent_parameter(healthy_adult_parameters().value("neutrophil_transit_gcsf_exponent")))
    stages, divisions = GCSF_FIT_STRUCTURE
    problem = docetaxel_problem(stages, divisions, True, extra_free=tuple(extra), gcsf_exponent=None)
    problem = with_courses(problem, COURSES)
    return replace(problem, name=f"docetaxel full model, blood half-life (kloft+quartino; {stages} stages, "
                                 f"{divisions} divisions)")


def _fit_or_evaluate(obj: Any, n_starts: int, profiles: bool,
                     x_fixed: Mapping[str, float] | None) -> tuple[float, dict[str, Any]]:
    """The objective ``obj`` fitted (its estimates, converged starts and, with ``profiles``, the profile summary), or
    with ``x_fixed`` evaluated at those natural values (no fit: shipped values): (objective, record)."""
    from hemasim.inference import fit
    from hemasim.inference.full_model_slope import profile_summary

    if x_fixed is not None:
        return float(obj(obj.scaled(x_fixed))[0]), {"estimates": dict(x_fixed), "fitted": False}
    res = fit(obj, n_starts=n_starts, seed=1)
    out: dict[str, Any] = {"estimates": dict(res.natural), "n_converged": res.n_converged, "fitted": True}
    if profiles:
        out.update(profile_summary(obj, res.x))
    return float(res.fun), out


def _half_life_point(label: str, n_starts: int, profiles: bool, x_fixed: Mapping[str, float] | None = None,
                     **kw: Any) -> dict[str, Any]:
    """One fit of :func:`half_life_problem` (``kw``), or with ``x_fixed`` the objective at those natural values
    (no fit: the shipped values). A fixed half-life's prior is added by hand (the objective counts the priors of
    the estimated parameters only), so every point is on the same objective."""
    from hemasim.inference import Objective

    problem = half_life_problem(**kw)
    obj = Objective(problem)
    _, emergence = emergence_term(GCSF_FIT_STRUCTURE[0])
    (h,) = [p for p in problem.parameters if p.id == "half_life"]
    fixed_prior = 0.0
    if not h.estimate and h.prior is not None:
        fixed_prior = float(h.prior.negative_log_density(np.array(h.nominal), h.to_scale(h.nominal)))
    f, out = _fit_or_evaluate(obj, n_starts, profiles, x_fixed)
    if out["fitted"] and not h.estimate:
        out["estimates"]["half_life"] = h.nominal
    out.update({"label": label, "objective_courses_craig_prior": f, "objective_fixed_half_life_prior": fixed_prior,
                "objective_emergence": emergence, "objective": f + fixed_prior + emergence, "n_data": len(obj.data)})
    print(json.dumps({k: out[k] for k in ("label", "objective", "estimates")}), flush=True)
    return out


def adopted_half_life_fit(result: Mapping[str, Any]) -> dict[str, Any]:
    """The adoption rule, fixed (and committed) before the fit was run and before any cohort or ``hemasim
    validate`` on its result (docs/chemotherapy_full_model.md, "The neutrophil blood half-life, fitted"):

    * the fit: slope, mitotic transit (Craig prior) and the blood half-life (log-normal prior, median 0.79 d, log
      SD 0.452 from the cited 0.33-1.94 d) free, the G-CSF exponent at the table's 0, 80 stages / 8 divisions,
      the Kloft 2006 and Quartino 2014 courses (the data of the G-CSF exponent fit);
    * the reference: the same objective (the half-life's prior counted at 0.79) at the current fit, the lower of
      the shipped values (slope 13.13, transit 4.52, half-life 0.79) and the refit of slope and transit at 0.79;
    * adopted (slope, mitotic transit and half-life together, at the joint optimum) only if the objective falls
      by more than :data:`LR_STEP_95` (1.92) below that reference; otherwise nothing changes (main's values stay,
      the fit is recorded as a measured negative).

    The companion fits (no prior, the tighter prior of the mean's standard error, the G-CSF exponent free too) are
    reported, not used to choose."""
    joint = result["joint"]
    ref = min(float(result["current_shipped"]["objective"]), float(result["current_refit"]["objective"]))
    drop = ref - float(joint["objective"])
    adopt = drop > LR_STEP_95
    est = joint["estimates"]
    return {"adopt": adopt, "objective_drop": drop, "reference_objective": ref, "objective": float(joint["objective"]),
            "half_life": float(est["half_life"]), "slope": float(est["slope"]),
            "mitotic_days": float(est["mitotic_days"]), "ci95_half_life": joint.get("ci95", {}).get("half_life"),
            "rule_case": (f"objective fell by {drop:.2f} > {LR_STEP_95:.2f}: adopted" if adopt else
                          f"objective fell by {drop:.2f} <= {LR_STEP_95:.2f}: not adopted, main's values kept")}


def fit_half_life(n_starts: int = 4, profiles: bool = True, companions: bool = True) -> dict[str, Any]:
    """The half-life fit with profiles and its reference (the current fit on the same objective); with
    ``companions`` also (reported only) the fit without the half-life's prior, with the standard-error prior
    (:data:`HALF_LIFE_PRIOR_SD_LOG_MEAN`) and with the G-CSF exponent free as well."""
    from hemasim.parameters import healthy_adult_parameters

    p = healthy_adult_parameters()
    shipped = {"slope": _shipped_docetaxel_slope(), "mitotic_days": p.value("neutrophil_mitotic_transit_days"),
               "half_life": p.value("neutrophil_blood_half_life_days")}
    out: dict[str, Any] = {"structure": list(GCSF_FIT_STRUCTURE), "half_life_bounds": list(HALF_LIFE_FIT_BOUNDS),
                           "prior": {"median": HALF_LIFE_PRIOR_MEDIAN_DAYS, "sd_log": HALF_LIFE_PRIOR_SD_LOG},
                           "gcsf_exponent": p.value("neutrophil_transit_gcsf_exponent"), "shipped": shipped}
    out["current_shipped"] = _half_life_point("current (shipped values)", n_starts, False, x_fixed=shipped)
    out["current_refit"] = _half_life_point("current (slope, transit refitted at 0.79)", n_starts, False,
                                            half_life_free=False, half_life=shipped["half_life"])
    out["joint"] = _half_life_point("half-life free (the rule's fit)", n_starts, profiles)
    out["adopted"] = adopted_half_life_fit(out)
    print("rule", json.dumps(out["adopted"], default=str), flush=True)
    if companions:
        out["no_prior"] = _half_life_point("half-life free, no prior", n_starts, False, sd_log=None)
        out["se_prior"] = _half_life_point("half-life free, prior log SD 0.105 (SE of the mean)", n_starts, False,
                                           sd_log=HALF_LIFE_PRIOR_SD_LOG_MEAN)
        out["beta_free"] = _half_life_point("half-life and G-CSF exponent free", n_starts, False, beta_free=True)
    return out


# --- the kill's effect site: a marrow kill that outlasts the plasma concentration (twenty-ninth session, kill33) ---

#: the effect-site rate's estimation bounds (1/day): half-lives ln 2 / ke0 from 10 days down to 0.01 day (14 min,
#: shorter than docetaxel's 36-min distribution phase: the no-delay end)
KE0_FIT_BOUNDS = (math.log(2.0) / 10.0, math.log(2.0) / 0.01)
#: the start of the local fits (a half-life of 0.25 day)
KE0_START = math.log(2.0) / 0.25
#: the dotted path of docetaxel's kill effect-site rate in its set
KE0_PATH = "effects.0.full_model.ke0_per_day"


def effect_site_parameter(start: float = KE0_START) -> Any:
    """The kill's effect-site rate ke0 (id ``ke0``, log scale, 1/day; half-life ln 2 / ke0), no prior: no published
    value for docetaxel's marrow kill was found (docs/chemotherapy_full_model.md, "The kill's effect site")."""
    from hemasim.inference import EstimatedParameter

    lo, hi = KE0_FIT_BOUNDS
    return EstimatedParameter("ke0", KE0_PATH, lo, hi, start, unit="1/day")


def effect_site_problem(held: Mapping[str, float] | None = None, craig_prior: bool = True) -> Any:
    """The G-CSF exponent fit's problem (:func:`gcsf_problem`: Kloft 2006 + Quartino 2014 courses, Craig prior, 80
    stages / 8 divisions; slope, mitotic transit and beta free) with the kill's effect-site rate free as well
    (``craig_prior`` false: without the prior on the mitotic transit, a companion)."""
    from hemasim.parameters import healthy_adult_parameters

    stages, divisions = GCSF_FIT_STRUCTURE
    beta0 = healthy_adult_parameters().value("neutrophil_transit_gcsf_exponent")
    extra = (gcsf_exponent_parameter(max(beta0, 0.01)), effect_site_parameter())
    problem = docetaxel_problem(stages, divisions, craig_prior, extra_free=extra, gcsf_exponent=None, held=held)
    problem = with_courses(problem, COURSES)
    return replace(problem, name=f"docetaxel full model, kill effect site (kloft+quartino; {stages} stages, "
                                 f"{divisions} divisions)")


def _effect_site_point(label: str, problem: Any, n_starts: int, profiles: bool,
                       x_fixed: Mapping[str, float] | None = None) -> dict[str, Any]:
    """One fit of ``problem`` (or, with ``x_fixed``, its objective at those natural values), the emergence term
    added as every docetaxel objective here adds it."""
    from hemasim.inference import Objective

    obj = Objective(problem)
    _, emergence = emergence_term(GCSF_FIT_STRUCTURE[0])
    f, out = _fit_or_evaluate(obj, n_starts, profiles, x_fixed)
    out.update({"label": label, "objective_courses_craig_prior": f, "objective_emergence": emergence,
                "objective": f + emergence, "n_data": len(obj.data)})
    if "ke0" in out["estimates"]:
        out["effect_half_life_days"] = math.log(2.0) / float(out["estimates"]["ke0"])
    print(json.dumps({k: out[k] for k in ("label", "objective", "estimates")}), flush=True)
    return out


def adopted_effect_site_fit(result: Mapping[str, Any]) -> dict[str, Any]:
    """The adoption rule, committed before the fit was run (docs/chemotherapy_full_model.md, "The kill's effect
    site"):

    * reference R: the no-delay model's objective on the same data - the lower of main's shipped values (slope
      13.13, mitotic transit 4.52, beta 0) and their refit (slope, transit, beta free: :func:`gcsf_problem`);
    * the joint fit J: slope, mitotic transit (Craig prior), beta and the effect-site rate ke0 free;
    * adopted (all four values at J's optimum; beta at a bound within :data:`BOUND_TOL` set to it) only if both
      (a) R - J > :data:`LR_STEP_95` (1.92, one added parameter) and (b) ke0's 95% profile interval is closed on
      its upper side (the no-delay end: the half-life's interval excludes the 0.01-day bound); otherwise nothing
      changes and the fit is recorded as a measured result."""
    joint = result["joint"]
    ref = min(float(result["no_delay_shipped"]["objective"]), float(result["no_delay_refit"]["objective"]))
    drop = ref - float(joint["objective"])
    lo, hi = joint.get("ci95", {}).get("ke0", [None, None])
    closed = hi is not None
    adopt = drop > LR_STEP_95 and closed
    est = dict(joint["estimates"])
    b_lo, b_hi = result["beta_bounds"]
    if est["beta"] - b_lo < BOUND_TOL:
        est["beta"] = b_lo
    elif b_hi - est["beta"] < BOUND_TOL:
        est["beta"] = b_hi
    half = [None if v is None else math.log(2.0) / v for v in (hi, lo)]
    longest = _longest_half_life_from(joint, min(ref, float(joint["objective"])) + LR_STEP_95)
    why = (f"objective fell by {drop:.2f} ({'>' if drop > LR_STEP_95 else '<='} {LR_STEP_95:.2f}); ke0's interval "
           f"{'closed' if closed else 'open'} on the no-delay side")
    return {"adopt": adopt, "objective_drop": drop, "reference_objective": ref, "objective": float(joint["objective"]),
            "estimates": est, "effect_half_life_days": math.log(2.0) / float(est["ke0"]),
            "ci95_ke0_per_day": [lo, hi], "ci95_effect_half_life_days": half,
            "longest_half_life_from_reference_days": longest,
            "rule_case": why + (": adopted" if adopt else ": not adopted, main's values kept")}


def _longest_half_life_from(joint: Mapping[str, Any], level: float) -> float | None:
    """Reported beside the rule, not part of it (review33): the longest effect half-life (days) whose ke0 profile
    stays within ``level`` - LR_STEP_95 above min(R, J). The rule's interval is measured from J, which at the 0.01-day
    bound lies 0.33 above the no-delay R (0.01 d is not quite no delay), so it reaches 0.21 d; measured from R the
    courses allow about 0.16 d. Interpolated on log ke0 between the stored profile points, from the no-delay end;
    None where the profile is not stored, never leaves ``level``, or starts above it (an optimum away from the
    no-delay end, where the rule's interval says it)."""
    prof = joint.get("profiles", {}).get("ke0")
    if not prof:
        return None
    ke0 = np.asarray(prof["values"], dtype=np.float64)
    f = np.asarray(prof["objective"], dtype=np.float64) + float(joint.get("objective_emergence", 0.0))
    order = np.argsort(ke0)[::-1]  # from the no-delay end towards longer half-lives
    ke0, f = ke0[order], f[order]
    above = np.flatnonzero(f > level)
    if not above.size or above[0] == 0:
        return None
    i = int(above[0])
    t = (level - f[i - 1]) / (f[i] - f[i - 1])
    cross = math.exp(math.log(ke0[i - 1]) + t * (math.log(ke0[i]) - math.log(ke0[i - 1])))
    return math.log(2.0) / cross


def fit_effect_site(n_starts: int = 3, profiles: bool = True) -> dict[str, Any]:
    """The effect-site fit with profiles and its reference (the no-delay model on the same objective)."""
    from hemasim.parameters import healthy_adult_parameters

    p = healthy_adult_parameters()
    shipped = {"slope": _shipped_docetaxel_slope(), "mitotic_days": p.value("neutrophil_mitotic_transit_days"),
               "beta": p.value("neutrophil_transit_gcsf_exponent")}
    out: dict[str, Any] = {"structure": list(GCSF_FIT_STRUCTURE), "ke0_bounds_per_day": list(KE0_FIT_BOUNDS),
                           "beta_bounds": list(p["neutrophil_transit_gcsf_exponent"].bounds), "shipped": shipped}
    no_delay = gcsf_problem(COURSES, beta=max(shipped["beta"], 0.01))
    out["no_delay_shipped"] = _effect_site_point("no delay, main's values", no_delay, n_starts, False,
                                                 x_fixed=shipped)
    out["no_delay_refit"] = _effect_site_point("no delay, slope/transit/beta refitted", no_delay, n_starts, False)
    out["joint"] = _effect_site_point("effect site free (the rule's fit)", effect_site_problem(), n_starts, profiles)
    out["adopted"] = adopted_effect_site_fit(out)
    print("rule", json.dumps(out["adopted"], default=str), flush=True)
    return out


#: the fixed half-lives (days) of the companion refits, reported beside the rule's fit, never used to choose: the
#: profile's reach, Melhem 2017's 9.6-h chemotherapy signal (0.4 d) and the longer kills the diagnosis asked about
COMPANION_HALF_LIVES_DAYS = (0.1, 0.25, 0.4, 1.0, 2.0)


def typical_course_summary(problem: Any, natural: Mapping[str, float]) -> dict[str, float]:
    """The reference woman's 100 mg/m2 course of ``problem``'s (one) condition at ``natural`` (its estimates by id):
    the nadir (1e9/L) and its day on days 0-21 (C9's read-out), days below 0.5e9/L on a 3-hourly grid, day-21 ANC."""
    from hemasim.simulation import Simulation

    (cond,) = problem.conditions
    by_target = {p.target or p.id: float(natural.get(p.id, p.nominal)) for p in problem.parameters}
    source = cond.source
    from hemasim.validation.predictions10 import days_below

    r = Simulation(source.build({n: by_target[n] for n in source.names}), events=source.events()).run(21.0, 0.125)
    t, anc = np.asarray(r.times), np.asarray(r.observable("anc_1e9_per_L"))
    # the validation's rule (an interval crossing 0.5 counts half): on this grid, with the course above 0.5 at both
    # ends, it equals the count of 3-hourly intervals starting below that this summary used (every stored number of
    # docs/images/chemo_effect_site_fit.json recomputed at its estimates: unchanged, branch mend33)
    return {"nadir_1e9_per_L": float(anc.min()), "nadir_day": float(t[int(anc.argmin())]),
            "days_below_0p5": days_below(t, anc, 0.5), "anc_day21": float(anc[-1])}


def effect_site_companions(half_lives: Sequence[float] = COMPANION_HALF_LIVES_DAYS, n_starts: int = 2
                           ) -> list[dict[str, Any]]:
    """Reported only (the rule did not name them): slope, mitotic transit and beta refitted at each fixed effect-site
    half-life (days), with the typical course's nadir and days below 0.5; and the no-delay model's for comparison."""
    out = []
    no_delay = gcsf_problem(COURSES, beta=0.01)
    point = _effect_site_point("no delay (refit)", no_delay, n_starts, False)
    out.append({"half_life_days": 0.0, **point, **typical_course_summary(no_delay, point["estimates"])})
    for h in half_lives:
        problem = effect_site_problem()
        params = tuple(replace(p, estimate=False, nominal=math.log(2.0) / h) if p.id == "ke0" else p
                       for p in problem.parameters)
        problem = replace(problem, parameters=params)
        point = _effect_site_point(f"half-life {h} d fixed", problem, n_starts, False)
        out.append({"half_life_days": h, **point, **typical_course_summary(problem, point["estimates"])})
        print(json.dumps({k: out[-1][k] for k in ("half_life_days", "objective", "nadir_1e9_per_L", "nadir_day",
                                                   "days_below_0p5")}), flush=True)
    return out


def effect_site_without_craig_prior(n_starts: int = 3) -> dict[str, Any]:
    """Reported only: the no-delay and effect-site fits without the Craig 2016 prior on the mitotic transit (the
    courses alone; a delay is bought with a shorter transit, which the prior resists), with ke0's profile."""
    out = {}
    for key, label, problem, profiles in (
            ("no_delay", "no delay, no Craig prior", gcsf_problem(COURSES, craig_prior=False, beta=0.01), False),
            ("effect_site", "effect site free, no Craig prior", effect_site_problem(craig_prior=False), True)):
        out[key] = _effect_site_point(label, problem, n_starts, profiles)
        out[key]["typical_course"] = typical_course_summary(problem, out[key]["estimates"])
    return out


#: the Craig prior's log SDs of the companion that asks where the effect-site decision would flip (reported, never used
#: to choose: :data:`CRAIG_PASSAGE_SD_LOG` 0.25 is assumed, and without the prior both rule conditions are met)
PRIOR_SD_COMPANIONS = (0.5, 0.75, 1.0)


def with_craig_sd(problem: Any, sd_log: float) -> Any:
    """``problem`` with the Craig 2016 prior on the mitotic transit given log SD ``sd_log`` (median unchanged)."""
    from hemasim.inference.problem import Prior

    params = tuple(replace(p, prior=Prior("lognormal", p.prior.mean, sd_log)) if p.id == "mitotic_days" and
                   p.prior is not None else p for p in problem.parameters)
    return replace(problem, parameters=params)


def effect_site_prior_sd(sd_logs: Sequence[float] = PRIOR_SD_COMPANIONS, n_starts: int = 3) -> list[dict[str, Any]]:
    """Reported only (review33): the rule re-applied with the Craig prior's log SD at each of ``sd_logs`` - the
    no-delay model at main's values and refitted (R), the joint fit with ke0's profile - to say at which assumed SD
    the decision would flip."""
    from hemasim.inference import Objective, fit, profile_likelihood
    from hemasim.parameters import healthy_adult_parameters

    p = healthy_adult_parameters()
    shipped = {"slope": _shipped_docetaxel_slope(), "mitotic_days": p.value("neutrophil_mitotic_transit_days"),
               "beta": p.value("neutrophil_transit_gcsf_exponent")}
    _, emergence = emergence_term(GCSF_FIT_STRUCTURE[0])
    out = []
    for sd in sd_logs:
        no_delay = Objective(with_craig_sd(gcsf_problem(COURSES, beta=max(shipped["beta"], 0.01)), sd))
        at_shipped = float(no_delay(no_delay.scaled(shipped))[0]) + emergence
        refit_nd = fit(no_delay, n_starts=n_starts, seed=1)
        joint = Objective(with_craig_sd(effect_site_problem(), sd))
        res = fit(joint, n_starts=n_starts, seed=1)
        (prof,) = profile_likelihood(joint, res.x, names=["ke0"])
        row = {"craig_sd_log": sd, "no_delay_shipped_objective": at_shipped,
               "no_delay_refit": {"objective": float(refit_nd.fun) + emergence, "estimates": dict(refit_nd.natural)},
               "joint": {"objective": float(res.fun) + emergence, "estimates": dict(res.natural),
                         "ci95": {"ke0": [prof.ci_lower, prof.ci_upper]},
                         "objective_emergence": emergence,
                         "profiles": {"ke0": {"values": np.asarray(prof.natural).tolist(),
                                              "objective": np.asarray(prof.objective).tolist()}}}}
        rule = adopted_effect_site_fit({"no_delay_shipped": {"objective": at_shipped},
                                        "no_delay_refit": row["no_delay_refit"], "joint": row["joint"],
                                        "beta_bounds": list(p["neutrophil_transit_gcsf_exponent"].bounds)})
        row["rule"] = rule
        print(json.dumps({"sd_log": sd, "rule_case": rule["rule_case"], "half_life": rule["effect_half_life_days"]}),
              flush=True)
        out.append(row)
    return out


def _shipped_docetaxel_slope() -> float:
    """The full-model slope shipped in the docetaxel set (its fitted record)."""
    from hemasim.inference.full_model_slope import drug_set_for_full_model_fit

    spec = _spec()
    full = drug_set_for_full_model_fit(spec).effects[spec.effect_index].full_model
    return float(full.slope_L_per_umol.value)


# --- the joint fit re-run at other held values: a coupling of a sensitivity design (the screen's stage 4) ---

#: the run-record name of the drug set's full-model slope (how a design point, a fit and a cohort name it)
SLOPE_NAME = f"{DRUG_SET}__effects_0_full_model_slope_L_per_umol"
#: the values :func:`fit_gcsf_exponent` fitted (adopted by :func:`adopted_gcsf_fit`), by the problem's id
FITTED = {"slope": SLOPE_NAME, "mitotic_days": "neutrophil_mitotic_transit_days",
          "beta": "neutrophil_transit_gcsf_exponent"}


def refit_at(held: Mapping[str, float]) -> Any:
    """The shipped docetaxel fit (:func:`fit_gcsf_exponent`'s joint fit: slope, mitotic transit and G-CSF exponent on
    the Kloft 2006 and Quartino 2014 courses with the Craig prior, 80 stages / 8 divisions) re-run with the model
    parameters ``held`` (by name, in their records' units) instead of the table's: one local L-BFGS-B run
    (:func:`hemasim.inference.optimize.local_fit`, the method the shipped fit's starts ran) from the shipped values,
    the same objective and bounds; an exponent within :data:`BOUND_TOL` of a bound is set to it, as
    :func:`adopted_gcsf_fit` adopts it. Deterministic (no random start), so a design point gets the same values
    whichever scenario asks. The objectives include the emergence term, as the shipped fit's 89.856 does. An
    :class:`~hemasim.inference.engraftment.Refit` (``no_crossing`` empty: the courses have no climb-back to miss)."""
    from hemasim.inference import Objective
    from hemasim.inference.engraftment import ON_BOUND, Refit
    from hemasim.inference.optimize import local_fit
    from hemasim.parameters import healthy_adult_parameters

    table = healthy_adult_parameters()
    objective = Objective(gcsf_problem(COURSES, held=held))
    shipped = {"slope": _shipped_docetaxel_slope(), **{i: table.value(FITTED[i]) for i in ("mitotic_days", "beta")}}
    start = np.clip(objective.scaled(shipped), objective.lower, objective.upper)
    _, emergence = emergence_term(GCSF_FIT_STRUCTURE[0])
    start_objective = float(objective(start[None])[0]) + emergence
    result = local_fit(objective, start, "L-BFGS-B")
    natural = dict(zip(objective.names, map(float, objective.natural(result.x[None])[0]), strict=True))
    lo, hi = table["neutrophil_transit_gcsf_exponent"].bounds
    natural["beta"] = lo if natural["beta"] - lo < BOUND_TOL else hi if hi - natural["beta"] < BOUND_TOL else \
        natural["beta"]
    edge = (np.abs(result.x - objective.lower) < ON_BOUND) | (np.abs(result.x - objective.upper) < ON_BOUND)
    return Refit({FITTED[i]: natural[i] for i in objective.names}, start_objective,
                 float(objective(objective.scaled(natural)[None])[0]) + emergence, result.success, result.message,
                 result.n_iterations, tuple(FITTED[i] for i, e in zip(objective.names, edge, strict=True) if e), ())


def refit(held: Mapping[str, float]) -> dict[str, float]:
    """The fitted values at ``held`` (:func:`refit_at`): a :class:`~hemasim.sensitivity.coupling.Coupling`'s fit."""
    return dict(refit_at(held).values)


def docetaxel_coupling() -> Any:
    """The fit's three values (the drug set's full-model slope by its run-record name :data:`SLOPE_NAME`, the
    mitotic transit, the G-CSF exponent) <- :func:`refit` of the stem and progenitor values it held (those the
    engraftment fit held too, :data:`hemasim.inference.engraftment.HELD_ASSUMED`), for a design that varies them
    (bench/coupled_screen.py --docetaxel). Not among the shipped couplings: 1-2 s per distinct design point and a
    minute to build, and a design must carry the slope per point (docs/sensitivity.md, stage 4)."""
    from hemasim.inference.engraftment import HELD_ASSUMED
    from hemasim.sensitivity.coupling import Coupling

    return Coupling(HELD_ASSUMED, tuple(FITTED.values()), refit)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small grid (a check of the pipeline)")
    ap.add_argument("--no-craig", action="store_true", help="without the Craig 2016 prior on the mitotic transit")
    ap.add_argument("--gcsf", action="store_true", help="the G-CSF exponent fit at the adopted structure")
    ap.add_argument("--half-life", action="store_true", help="the neutrophil blood half-life fit (issue #17, C7)")
    ap.add_argument("--effect-site", action="store_true", help="the kill's effect-site fit (kill33)")
    ap.add_argument("--effect-site-prior-sd", action="store_true",
                    help="the effect-site rule at the Craig prior's log SDs 0.5, 0.75 and 1.0 (reported only)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    if args.effect_site_prior_sd:
        rows = effect_site_prior_sd()
        Path(args.out or "docs/images/chemo_effect_site_prior_sd.json").write_text(json.dumps(rows, indent=1,
                                                                                                 default=str))
        return 0
    if args.effect_site:
        e = fit_effect_site(profiles=not args.quick)
        if not args.quick:
            e["companions"] = effect_site_companions()
            e["without_craig_prior"] = effect_site_without_craig_prior()
        Path(args.out or "docs/images/chemo_effect_site_fit.json").write_text(json.dumps(e, indent=1, default=str))
        return 0
    if args.half_life:
        h = fit_half_life(profiles=not args.quick, companions=not args.quick)
        Path(args.out or "docs/images/chemo_half_life_fit.json").write_text(json.dumps(h, indent=1, default=str))
        print("rule", json.dumps(h["adopted"], default=str))
        return 0
    if args.gcsf:
        g = fit_gcsf_exponent(n_starts=2, profiles=not args.quick, companions=not args.quick)
        Path(args.out or "docs/images/chemo_gcsf_fit.json").write_text(json.dumps(g, indent=1, default=str))
        print("adopted", json.dumps(g["adopted"], default=str))
        return 0
    stages, divisions = ((4, 20), (4,)) if args.quick else (STAGE_GRID, DIVISION_GRID)
    result = fit_structure(stages, divisions, n_starts=2, craig_prior=not args.no_craig)
    Path(args.out or "docs/images/chemo_fit.json").write_text(json.dumps(result, indent=1, default=str))
    a = result["adopted"]
    print("best", json.dumps({k: result["best"][k] for k in ("stages", "divisions", "objective", "estimates")}))
    print("adopted", json.dumps({k: a[k] for k in ("stages", "divisions", "objective", "estimates", "ci95")},
                                default=str))
    print("stage profile", {k: round(v, 2) for k, v in result["stage_profile"].items()})
    print("division profile", {k: round(v, 2) for k, v in result["division_profile"].items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
