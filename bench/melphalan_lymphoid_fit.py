"""Fit of high-dose melphalan's lymphoid surviving fraction on day-15 lymphocyte counts after an autologous graft
(docs/drugs.md, "High-dose melphalan's lymphoid kill"; the rule was committed before the fit).

Data (data/melphalan_alc15/alc15.csv): Porrata 2005 (AL amyloidosis, high-dose melphalan, autologous PBSC): 59 of 145
patients with ALC-15 >= 500/uL (fitted). Checks, not fitted: Boulassel 2006 (27 of 72 by day 15); Kim 2006 (myeloma,
melphalan 200 mg/m2: ALC >= 1000/uL on 3 consecutive days from a median of day 23 after the graft).

Model: examples/auto_hsct_melphalan.yaml's patient (58-year-old man, melphalan on day 0, graft on day 2), the
`high_dose_melphalan` regimen with only its lymphoid surviving fraction s changed; ALC-15 = lymphocytes_1e9_per_L on
day 17. The model patient is the median patient; ln ALC-15 ~ N(ln m(s), sigma) over patients; binomial likelihood.

    python bench/melphalan_lymphoid_fit.py [--out bench/results/melphalan_lymphoid_fit.json]
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.optimize import brentq, minimize_scalar
from scipy.stats import norm

from hemasim.assembly import run_scenario
from hemasim.io import write_json_report
from hemasim.pharmacology.conditioning import load_regimen
from hemasim.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "auto_hsct_melphalan.yaml"
REGIMEN = "high_dose_melphalan"
GRAFT_DAY = 2.0
ALC15_DAY = GRAFT_DAY + 15.0
DURATION = 45.0
THRESHOLD = 0.5  # 1e9/L = 500/uL
FIT_DATA = ("porrata2005_al", 145, 59)
CHECK_BOULASSEL = ("boulassel2006_lpd", 72, 27)
KIM_MEDIAN_DAY = 23.0
SIGMA, SIGMA_RANGE = 0.75, (0.5, 1.0)
CHI2_95 = 3.84
GRID = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0]
LOWER, UPPER = 0.001, 1.0
BOULASSEL_LYMPHOCYTES_PER_KG = 1.13e8


def _regimen_file(lymphoid: float, folder: str) -> str:
    data = copy.deepcopy(load_regimen(REGIMEN).model_dump(exclude_none=True))
    for component in data["components"]:
        if component["kind"] == "cell_kill":
            component["surviving"]["lymphoid"] = {"value": lymphoid, "assumed": "melphalan_lymphoid_fit profile"}
    path = Path(folder) / f"hdm_lymphoid_{lymphoid:.6g}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


def _scenario(lymphoid: float, folder: str, cd3_per_kg: float | None) -> Any:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["duration_days"] = DURATION
    data["output"] = {"every_days": 0.25}
    for iv in data["interventions"]:
        if iv["kind"] == "conditioning":
            assert iv["regimen"] == REGIMEN and float(iv["start_day"]) == 0.0
            iv["regimen"] = _regimen_file(lymphoid, folder)
        if iv["kind"] == "transplant":
            assert float(iv["day"]) == GRAFT_DAY
            if cd3_per_kg is not None:
                iv["cd3_per_kg"] = cd3_per_kg
    return parse_scenario(data, f"{EXAMPLE.name} (lymphoid {lymphoid:g})")


_CACHE: dict[tuple[float, float | None], dict[str, float | None]] = {}


def readouts(lymphoid: float, cd3_per_kg: float | None = None) -> dict[str, float | None]:
    """ALC-15 (1e9/L) and the first day after the graft starting 3 daily values with ALC >= 1.0e9/L."""
    key = (round(lymphoid, 12), cd3_per_kg)
    if key not in _CACHE:
        with tempfile.TemporaryDirectory() as folder:
            result = run_scenario(_scenario(lymphoid, folder, cd3_per_kg))
        times, alc = result.times, result.observable("lymphocytes_1e9_per_L")
        days = np.arange(GRAFT_DAY + 1.0, DURATION + 1e-9, 1.0)
        daily = np.interp(days, times, alc)
        first = next((float(days[i] - GRAFT_DAY) for i in range(len(days) - 2) if (daily[i:i + 3] >= 1.0).all()),
                     None)
        _CACHE[key] = {"alc15_1e9_per_L": float(np.interp(ALC15_DAY, times, alc)), "alc_1000_day": first,
                       "alc_nadir_1e9_per_L": float(alc[(times >= 0.0) & (times <= ALC15_DAY)].min())}
    return _CACHE[key]


def p_above(m: float, sigma: float) -> float:
    return float(norm.sf((math.log(THRESHOLD) - math.log(m)) / sigma))


def nll(lymphoid: float, sigma: float = SIGMA, cd3_per_kg: float | None = None) -> float:
    _, n, k = FIT_DATA
    p = min(max(p_above(float(readouts(lymphoid, cd3_per_kg)["alc15_1e9_per_L"] or 0.0), sigma), 1e-12), 1 - 1e-12)
    return -(k * math.log(p) + (n - k) * math.log(1.0 - p))


def fit(sigma: float = SIGMA, cd3_per_kg: float | None = None) -> dict[str, Any]:
    """Profile over log s, bounded refinement, 95% interval from 2 dNLL = 3.84."""
    def f(x: float) -> float:
        return nll(math.exp(x), sigma, cd3_per_kg)

    values = [f(math.log(s)) for s in GRID]
    best = int(np.argmin(values))
    lo, hi = math.log(GRID[max(best - 1, 0)]), math.log(GRID[min(best + 1, len(GRID) - 1)])
    res = minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-3})
    x_star, j_star = (float(res.x), float(res.fun)) if res.fun <= values[best] else (math.log(GRID[best]), values[best])

    def edge(a: float, b: float) -> float | None:
        g = lambda x: 2.0 * (f(x) - j_star) - CHI2_95  # noqa: E731
        return float(math.exp(brentq(g, a, b, xtol=1e-3))) if g(a) * g(b) < 0 else None

    low = edge(math.log(LOWER), x_star) if x_star > math.log(LOWER) + 1e-6 else None
    high = edge(x_star, math.log(UPPER)) if x_star < math.log(UPPER) - 1e-6 else None
    s_star = math.exp(x_star)
    identified = low is not None and high is not None
    return {"sigma": sigma, "cd3_per_kg": cd3_per_kg, "grid": [{"lymphoid": s, "nll": v, **readouts(s, cd3_per_kg)}
                                                              for s, v in zip(GRID, values, strict=True)],
            "lymphoid": s_star, "nll": j_star, "ci95": [low, high], "identified": identified,
            "median_alc15_per_uL_fitted_model": 1000.0 * float(readouts(s_star, cd3_per_kg)["alc15_1e9_per_L"] or 0.0),
            "p_above_500_at_fit": p_above(float(readouts(s_star, cd3_per_kg)["alc15_1e9_per_L"] or 0.0), sigma)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/results/melphalan_lymphoid_fit.json")
    args = parser.parse_args()
    main_fit = fit()
    for row in main_fit["grid"]:
        print(f"s {row['lymphoid']:6.3f}  ALC-15 {1000 * row['alc15_1e9_per_L']:7.1f}/uL  nadir "
              f"{1000 * row['alc_nadir_1e9_per_L']:7.1f}/uL  ALC>=1000 from day {row['alc_1000_day']}  "
              f"NLL {row['nll']:.3f}", flush=True)
    print(f"fit: s = {main_fit['lymphoid']:.4f}, 95% [{main_fit['ci95'][0]}, {main_fit['ci95'][1]}], "
          f"identified {main_fit['identified']}", flush=True)
    sensitivity = [fit(sigma) for sigma in SIGMA_RANGE] + [fit(SIGMA, BOULASSEL_LYMPHOCYTES_PER_KG)]
    for s in sensitivity:
        print(f"sensitivity sigma {s['sigma']}, CD3/kg {s['cd3_per_kg']}: s = {s['lymphoid']:.4f}, 95% {s['ci95']}",
              flush=True)
    at_fit = readouts(main_fit["lymphoid"])
    _, n_b, k_b = CHECK_BOULASSEL
    checks = {"boulassel2006_fraction_at_or_above_500": k_b / n_b,
              "model_p_above_500_at_fit": main_fit["p_above_500_at_fit"],
              "kim2006_median_day_alc_1000": KIM_MEDIAN_DAY, "model_day_alc_1000_at_fit": at_fit["alc_1000_day"],
              "model_alc15_per_uL_at_fit": 1000.0 * float(at_fit["alc15_1e9_per_L"] or 0.0),
              "model_alc15_per_uL_at_assumed_0.3": 1000.0 * float(readouts(0.3)["alc15_1e9_per_L"] or 0.0)}
    print(json.dumps(checks, indent=1))
    report = {"data": {"fit": FIT_DATA, "checks": [CHECK_BOULASSEL, ("kim2006_mm", "median day", KIM_MEDIAN_DAY)]},
              "fit": main_fit, "sensitivity": sensitivity, "checks": checks}
    write_json_report(report, Path(args.out), echo=False)  # atomic: a killed fit leaves no half-written file


if __name__ == "__main__":
    main()
