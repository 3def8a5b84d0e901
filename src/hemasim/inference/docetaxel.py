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
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["CRAIG_PASSAGE_DAYS", "EMERGENCE_HOURS", "adopted_structure", "docetaxel_problem", "emergence_term",
           "fit_structure", "kloft_typical_course", "main", "mitotic_transit_parameter"]

DRUG_SET = "docetaxel_kloft2006"
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


def docetaxel_problem(stages: int, divisions: int, craig_prior: bool = True) -> Any:
    """The problem at one integer structure: the generic full-model slope problem of ``docetaxel_kloft2006``
    (:func:`hemasim.inference.full_model_slope.full_model_slope_problem`: the Kloft course as data, the slope
    free) with the structure fixed and the mitotic transit free beside the slope."""
    from hemasim.inference.full_model_slope import full_model_slope_problem

    structure = {"neutrophil_maturation_stages": stages, "neutrophil_precursor_divisions": divisions}
    problem = full_model_slope_problem(_spec(), healthy_values=structure,
                                       free_healthy=(mitotic_transit_parameter(craig_prior),))
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
