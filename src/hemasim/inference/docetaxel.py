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

Run: ``python -m hemasim.inference.docetaxel [--quick] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["CRAIG_PASSAGE_DAYS", "EMERGENCE_HOURS", "adopted_structure", "emergence_term", "kloft_typical_course", "fit_structure",
           "docetaxel_problem", "main"]

DRUG_SET = "docetaxel_kloft2006"
SLOPE_PATH = "effects.0.full_model.slope_L_per_umol"
#: Kloft 2006 residual SD on log ANC (DDMODEL00000224 $THETA(5) = 0.424093, as in nlmixr2lib)
KLOFT_RESIDUAL_SD_LOG = 0.424
DAYS = np.arange(1.0, 22.0)
#: Craig 2016 tauNP (craigPars16, radivot/myelo): days from the committed neutrophil progenitor to the last division
CRAIG_PASSAGE_DAYS = 7.3074
#: no interval is given with tauNP: an assumed log SD (a factor of about 1.28 either way)
CRAIG_PASSAGE_SD_LOG = 0.25
#: first appearance of labelled segmented neutrophils in blood, 96-144 h (5 steady-state patients, Blood 1964;24:683)
EMERGENCE_HOURS = (96.0, 144.0)
#: the quantile of the post-mitotic transit read as "first appearance" (assumed)
EMERGENCE_QUANTILE = 0.05
#: the integer grid: maturation stages (320 stands for the delay limit) and precursor divisions (bounds 0-8)
STAGE_GRID = (4, 12, 20, 30, 40, 60, 80, 160, 320)
DIVISION_GRID = (3, 4, 5, 6, 8)


def _patient() -> Any:
    from hemasim.validation.patients import PATIENTS

    return PATIENTS["reference_female"]


def _dose() -> Any:
    from hemasim.biology.body import body_surface_area_m2
    from hemasim.pharmacology import Regimen

    return Regimen(0.0, "docetaxel", "iv_infusion", 100.0 * body_surface_area_m2(_patient()) * 1000.0, 1.0 / 24.0)


def kloft_typical_course() -> np.ndarray:
    """The Kloft 2006 typical ANC (Friberg chain) on :data:`DAYS`, rescaled to the full model's baseline."""
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology import friberg_model, load_drug_set
    from hemasim.simulation import Simulation

    r = Simulation(friberg_model(load_drug_set(DRUG_SET), _patient()), events=[_dose()]).run(21.0, 0.25)
    anc = r.observable("anc_1e9_per_L")
    baseline = healthy_adult_parameters().value("anc_setpoint_1e9_per_L")
    return np.asarray(np.interp(DAYS, r.times, anc) / anc[0] * baseline)


def emergence_term(stages: int, transit_days: float = 5.8) -> tuple[float, float]:
    """(the model's emergence time in hours, its minus log-likelihood against :data:`EMERGENCE_HOURS`): the
    :data:`EMERGENCE_QUANTILE` quantile of an Erlang(``stages``) post-mitotic transit of mean ``transit_days``."""
    hours = float(stats.gamma.ppf(EMERGENCE_QUANTILE, stages, scale=transit_days / stages)) * 24.0
    lo, hi = EMERGENCE_HOURS
    sd = (hi - lo) / 2.33  # expected range of five normal draws: 2.33 SD
    return hours, 0.5 * ((hours - 0.5 * (lo + hi)) / sd) ** 2


def _builder(stages: int, divisions: int) -> Callable[[Mapping[str, float]], Any]:
    from hemasim.biology import healthy_human_model
    from hemasim.inference.sources import drug_set_with_values
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology import DrugExposure, load_drug_set

    ds0 = load_drug_set(DRUG_SET)
    base = healthy_adult_parameters().with_values(neutrophil_maturation_stages=stages,
                                                  neutrophil_precursor_divisions=divisions)

    def build(values: Mapping[str, float]) -> Any:
        ds = drug_set_with_values(ds0, {SLOPE_PATH: values["slope"]})
        params = base.with_values(neutrophil_mitotic_transit_days=values["mitotic_days"])
        return healthy_human_model(_patient(), params, aging=False, extensions=[DrugExposure(ds)])

    return build


def _craig_mitotic_median() -> float:
    from hemasim.parameters import healthy_adult_parameters

    return CRAIG_PASSAGE_DAYS - 1.0 / healthy_adult_parameters().value("neutrophil_progenitor_exit_rate_per_day")


def docetaxel_problem(stages: int, divisions: int, craig_prior: bool = True) -> Any:
    """The problem at one integer structure: slope and mitotic transit free, the Kloft course as data."""
    from hemasim.inference import (
        BuilderSource,
        Condition,
        EstimatedParameter,
        Measurements,
        NoiseModel,
        ObservableSpec,
        Problem,
    )
    from hemasim.inference.problem import Prior

    n = len(DAYS)
    meas = Measurements(condition=np.array(["typical_woman"] * n), time_days=DAYS.copy(),
                        observable=np.array(["anc"] * n), value=kloft_typical_course(),
                        censored=np.zeros(n, dtype=bool),
                        source="Kloft 2006 typical ANC course (DDMODEL00000224), docetaxel 100 mg/m2")
    source = BuilderSource(_builder(stages, divisions), ("slope", "mitotic_days"), (_dose(),),
                           label=f"full model, {stages} maturation stages, {divisions} precursor divisions")
    prior = Prior("lognormal", _craig_mitotic_median(), CRAIG_PASSAGE_SD_LOG) if craig_prior else None
    params = (EstimatedParameter("slope", "slope", 1.0, 1000.0, 40.0, unit="L/umol"),
              EstimatedParameter("mitotic_days", "mitotic_days", 0.5, 15.0, 4.0, unit="day", prior=prior))
    return Problem(name=f"docetaxel full model ({stages} stages, {divisions} divisions)",
                   conditions=(Condition("typical_woman", source),),
                   observables=(ObservableSpec("anc", "anc_1e9_per_L",
                                               NoiseModel("lognormal", KLOFT_RESIDUAL_SD_LOG)),),
                   parameters=params, measurements=meas, rtol=1e-6)


def _fit_point(stages: int, divisions: int, n_starts: int, profiles: bool, craig_prior: bool) -> dict[str, Any]:
    from hemasim.inference import Objective, fit, identifiability, profile_likelihood

    obj = Objective(docetaxel_problem(stages, divisions, craig_prior))
    res = fit(obj, n_starts=n_starts, seed=1)
    hours, emergence = emergence_term(stages)
    out: dict[str, Any] = {"stages": stages, "divisions": divisions, "objective_course_and_craig": float(res.fun),
                           "emergence_hours": hours, "objective_emergence": emergence,
                           "objective": float(res.fun) + emergence, "estimates": dict(res.natural),
                           "n_converged": res.n_converged}
    if profiles:
        profs = profile_likelihood(obj, res.x)
        out["ci95"] = {p.name: [p.ci_lower, p.ci_upper] for p in profs}
        out["identifiability"] = identifiability(profs)
        out["profiles"] = {p.name: {"values": np.asarray(p.natural).tolist(),
                                    "objective": np.asarray(p.objective).tolist()} for p in profs}
    return out


#: half the 95% quantile of chi-square with 1 degree of freedom: the likelihood-ratio step of a 95% interval
LR_STEP_95 = 1.92


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
            "craig_mitotic_prior_median_days": _craig_mitotic_median(), "craig_prior": craig_prior}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small grid (a check of the pipeline)")
    ap.add_argument("--no-craig", action="store_true", help="without the Craig 2016 prior on the mitotic transit")
    ap.add_argument("--out", default="docs/images/chemo_fit.json")
    args = ap.parse_args(argv)
    stages, divisions = ((4, 20), (4,)) if args.quick else (STAGE_GRID, DIVISION_GRID)
    result = fit_structure(stages, divisions, n_starts=2, craig_prior=not args.no_craig)
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))
    a = result["adopted"]
    print("best", json.dumps({k: result["best"][k] for k in ("stages", "divisions", "objective", "estimates")}))
    print("adopted", json.dumps({k: a[k] for k in ("stages", "divisions", "objective", "estimates", "ci95")},
                                default=str))
    print("stage profile", {k: round(v, 2) for k, v in result["stage_profile"].items()})
    print("division profile", {k: round(v, 2) for k, v in result["division_profile"].items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
