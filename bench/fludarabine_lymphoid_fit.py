"""Fit of fludarabine's lymphoid surviving fraction per 150 mg/m2 course on blood CD4 counts after 3 monthly courses
(docs/transplant.md, "Lymphoid surviving fractions from human lymphodepletion data"; the rule was committed before
the fit).

Data (data/fludarabine_cd4/cd4.csv): O'Brien 1993 (264 CLL patients, fludarabine 30 mg/m2 x 5 days monthly): CD4
from a median 1,015/uL before to 159/uL after 3 months (fitted: the ratio). Keating 1998 (CD4 and CD8 150-200/uL after
3 courses) gives the interval. Model: a 60-year-old man, three fludarabine blocks (flu_mel's, lymphoid fraction s) on
days 0, 28, 56, no graft; r(s) = cd4_per_uL on day 84 over the day before the first course; root of ln r = ln r*.

    python bench/fludarabine_lymphoid_fit.py [--out bench/results/fludarabine_lymphoid_fit.json]
"""

from __future__ import annotations

import argparse
import csv
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.optimize import brentq

from hemasim.assembly import run_scenario
from hemasim.io import write_json_report
from hemasim.pharmacology.conditioning import load_regimen
from hemasim.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "fludarabine_cd4" / "cd4.csv"
COURSE_DOSE_MG_M2 = 150.0  # 30 mg/m2 x 5 days, O'Brien 1993; flu_mel's block
COURSE_DAYS = (0.0, 28.0, 56.0)  # monthly courses
READ_DAY, READ_DAY_ALT = 84.0, 91.0  # "after 3 months": before a fourth course; 13 weeks as a sensitivity
LEAD_DAYS = 30.0  # steady state before the first course
AGE, AGE_ALT = 60.0, 70.0
GRID = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]
# the shipped regimens whose fludarabine block follows this value by the file's log-linear dose law
DOSES_MG_M2 = {"flu_mel": 150.0, "flu_bu2": 180.0, "flu_tbi_2gy": 90.0}


def data_ratios(path: Path = DATA) -> dict[str, float]:
    """The fitted ratio (O'Brien 1993: median after over median before) and the interval's ends (Keating 1998's
    150-200/uL over O'Brien's baseline), from the data file."""
    rows = {r["key"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
    fit, check = rows["obrien1993_cll"], rows["keating1998_cll"]
    assert fit["use"] == "fit"
    base = float(fit["baseline_per_uL"])
    low, high = (float(x) for x in check["after_per_uL"].split("-"))
    return {"target": float(fit["after_per_uL"]) / base, "low": low / base, "high": high / base}


def dose_law(s_course: float, dose_mg_m2: float) -> float:
    """The file's log-linear dose law: the surviving fraction after ``dose_mg_m2`` when one 150 mg/m2 course leaves
    ``s_course``."""
    return float(s_course ** (dose_mg_m2 / COURSE_DOSE_MG_M2))


def _regimen(lymphoid: float, folder: str) -> str:
    block = next(c for c in load_regimen("flu_mel").model_dump(exclude_none=True)["components"]
                 if c["agent"].startswith("fludarabine"))
    components = []
    for day in COURSE_DAYS:
        c = {**block, "day": day, "surviving": dict(block["surviving"])}
        c["surviving"]["lymphoid"] = {"value": lymphoid, "assumed": "fludarabine_lymphoid_fit profile"}
        components.append(c)
    data = {"title": "three monthly fludarabine courses", "intensity": "non_myeloablative",
            "description": "fludarabine 30 mg/m2 x 5 days on days 0, 28, 56 (O'Brien 1993), no graft",
            "graft_day": 90, "components": components}
    path = Path(folder) / f"flu3_{lymphoid:.6g}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


_CACHE: dict[tuple[float, float], dict[str, float]] = {}


def readouts(lymphoid: float, age: float = AGE) -> dict[str, float]:
    """CD4 and CD8 per uL before the first course and on the read-out days, and the CD4 ratios."""
    key = (round(lymphoid, 12), age)
    if key not in _CACHE:
        with tempfile.TemporaryDirectory() as folder:
            scenario = parse_scenario({
                "name": "fludarabine x3", "description": "three monthly fludarabine courses, no graft",
                "patient": {"age_years": age, "sex": "male", "weight_kg": 75, "height_cm": 175},
                "duration_days": LEAD_DAYS + READ_DAY_ALT + 2, "aging": False, "output": {"every_days": 0.5},
                "interventions": [{"kind": "conditioning", "regimen": _regimen(lymphoid, folder),
                                   "start_day": LEAD_DAYS}]}, f"fludarabine x3 (lymphoid {lymphoid:g})")
            result = run_scenario(scenario)
        t = result.times
        cd4, cd8 = result.observable("cd4_per_uL"), result.observable("cd8_per_uL")
        out = {"cd4_before": float(np.interp(LEAD_DAYS - 1.0, t, cd4)),
               "cd8_before": float(np.interp(LEAD_DAYS - 1.0, t, cd8))}
        for label, day in (("", READ_DAY), ("_alt", READ_DAY_ALT)):
            out["cd4" + label] = float(np.interp(LEAD_DAYS + day, t, cd4))
            out["cd8" + label] = float(np.interp(LEAD_DAYS + day, t, cd8))
            out["ratio" + label] = out["cd4" + label] / out["cd4_before"]
        _CACHE[key] = out
    return _CACHE[key]


def root(ratio: float, which: str = "ratio", age: float = AGE) -> float | None:
    """The fraction s at which the model's CD4 ratio equals ``ratio`` (None if the grid does not bracket it)."""
    def g(x: float) -> float:
        return math.log(readouts(math.exp(x), age)[which]) - math.log(ratio)

    values = [g(math.log(s)) for s in GRID]
    for a, b, ga, gb in zip(GRID, GRID[1:], values, values[1:], strict=False):
        if ga * gb <= 0:
            return float(math.exp(brentq(g, math.log(a), math.log(b), xtol=1e-4)))
    return None


def fit() -> dict[str, Any]:
    r = data_ratios()
    grid = [{"lymphoid": s, **readouts(s)} for s in GRID]
    monotone = all(a["ratio"] < b["ratio"] for a, b in zip(grid, grid[1:], strict=False))
    s_star = root(r["target"])
    interval = [root(r["low"]), root(r["high"])]
    adopted = float(f"{s_star:.2g}") if s_star is not None else None
    at = readouts(adopted) if adopted is not None else {}
    return {"data": r, "grid": grid, "monotone": monotone, "lymphoid": s_star, "adopted_2sf": adopted,
            "objective_at_adopted": (at["ratio"] - r["target"]) if at else None, "interval": interval,
            "identified": bool(monotone and s_star is not None and None not in interval),
            "sensitivity": {f"read day {READ_DAY_ALT:g}": root(r["target"], "ratio_alt"),
                            f"age {AGE_ALT:g}": root(r["target"], age=AGE_ALT)},
            "check_cd8_day84_per_uL_at_adopted": at.get("cd8"),
            "derived": ({n: dose_law(adopted, d) for n, d in DOSES_MG_M2.items()} if adopted is not None else {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/results/fludarabine_lymphoid_fit.json")
    args = parser.parse_args()
    out = fit()
    for row in out["grid"]:
        print(f"s {row['lymphoid']:8.4g}  CD4 before {row['cd4_before']:6.0f}  day 84 {row['cd4']:6.0f}  ratio "
              f"{row['ratio']:.3f}  (day 91 {row['ratio_alt']:.3f})  CD8 day 84 {row['cd8']:6.0f}", flush=True)
    print(f"target ratio {out['data']['target']:.4f} [{out['data']['low']:.4f}, {out['data']['high']:.4f}]")
    print(f"fit: s = {out['lymphoid']}, adopted {out['adopted_2sf']}, interval {out['interval']}, "
          f"identified {out['identified']}, objective {out['objective_at_adopted']}")
    print(f"sensitivity {out['sensitivity']}; CD8 day 84 at adopted {out['check_cd8_day84_per_uL_at_adopted']}")
    print(f"derived by the dose law {out['derived']}")
    write_json_report(out, Path(args.out), echo=False)  # atomic


if __name__ == "__main__":
    main()
