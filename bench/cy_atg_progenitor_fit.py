"""Fit of ``cy_atg``'s cyclophosphamide progenitor surviving fraction on the neutrophil recovery day after
cyclophosphamide 200 mg/kg with ATG and an autograft (docs/transplant.md, "Cy/ATG marrow kill"; the rule was committed
before the fit).

Datum: Pavletic 2001 (J Rheumatol 28:13; 2 RA patients, cyclophosphamide 200 mg/kg with equine ATG, autologous blood
stem cells): neutrophils recovered on day 7 after the graft in both. Spread of patients' days: 6-12 (Blood
2016;128:2262, 131 MS patients, cumulative cyclophosphamide 200 mg/kg in another schedule). Model: the MS example's
patient and graft (ms_autologous_hsct), the progenitor fraction s of the cyclophosphamide block (HSC held at 0.8);
d(s) = neutrophil_engraftment_day (first of 3 days with ANC >= 0.5e9/L after it was below), days after the graft.

    python bench/cy_atg_progenitor_fit.py [--out bench/results/cy_atg_progenitor_fit.json]
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from hemasim.assembly import run_scenario
from hemasim.endpoints import engraftment_days
from hemasim.io import write_json_report
from hemasim.pharmacology.conditioning import load_regimen
from hemasim.scenario import parse_scenario

TARGET_DAY = 7.0  # Pavletic 2001: both patients
SPREAD = (6.0, 12.0)  # Blood 2016;128:2262: range of 131 patients' days
SHIPPED = 0.1
GRID = [0.1, 0.09, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03, 0.02, 0.01, 0.003, 0.001]
START, GRAFT = 30.0, 35.0  # ms_autologous_hsct
CD34_PER_KG, CD3_PER_KG = 5.0e6, 1.0e4


def _regimen(progenitor: float, hsc: float, folder: str) -> str:
    data = load_regimen("cy_atg").model_dump(exclude_none=True)
    cy = next(c for c in data["components"] if c["agent"].startswith("cyclophosphamide"))
    cy["surviving"]["progenitor"] = {"value": progenitor, "assumed": "cy_atg_progenitor_fit profile"}
    cy["surviving"]["hsc"] = {"value": hsc, "assumed": "cy_atg_progenitor_fit profile"}
    data.pop("name", None)
    path = Path(folder) / f"cy_atg_{progenitor:.6g}_{hsc:.3g}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


_CACHE: dict[tuple[float, float, float], dict[str, float]] = {}


def readouts(progenitor: float, hsc: float = 0.8, cd34_per_kg: float = CD34_PER_KG) -> dict[str, float]:
    key = (round(progenitor, 12), hsc, cd34_per_kg)
    if key not in _CACHE:
        with tempfile.TemporaryDirectory() as folder:
            scenario = parse_scenario({
                "name": "cy_atg fit", "description": "the MS example to day 60 after the graft",
                "patient": {"age_years": 35, "sex": "female", "weight_kg": 65, "height_cm": 168,
                            "autoimmune_disease": "multiple_sclerosis"},
                "duration_days": GRAFT + 60.0, "output": {"every_days": 0.25},
                "interventions": [
                    {"kind": "conditioning", "regimen": _regimen(progenitor, hsc, folder), "start_day": START},
                    {"kind": "transplant", "day": GRAFT, "source": "peripheral_blood", "donor": "autologous",
                     "cd34_per_kg": cd34_per_kg, "cd3_per_kg": CD3_PER_KG}]}, f"cy_atg fit ({progenitor:g})")
            result = run_scenario(scenario)
        t = result.times
        anc, plt = result.observable("anc_1e9_per_L"), result.observable("platelets_1e9_per_L")
        after = t >= GRAFT
        days = t[after] - GRAFT
        day = float(engraftment_days(days, anc[after][None, :], 0.5, 3)[0])
        below = anc[after] < 0.5
        dt = float(np.median(np.diff(t)))
        _CACHE[key] = {"progenitor": progenitor, "hsc": hsc, "cd34_per_kg": cd34_per_kg,
                       "neutrophil_engraftment_day": day,
                       "anc_nadir": float(anc[t >= START].min()),
                       "anc_nadir_day_after_graft": float(t[t >= START][np.argmin(anc[t >= START])] - GRAFT),
                       "days_anc_below_0p5": float(below.sum() * dt),
                       "platelet_nadir": float(plt[t >= START].min())}
    return _CACHE[key]


def day_of(s: float) -> float:
    return readouts(s)["neutrophil_engraftment_day"]


def _same(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or x == y


def steps(lo: float, hi: float) -> list[tuple[float, float, float]]:
    """The steps of d(s) on [lo, hi] as (s_from, s_to, day): d is monotone in s (a larger surviving fraction never
    recovers later), so equal days at two points hold between them; each change is bisected in ln s to 0.5%."""
    def split(a: float, b: float) -> list[float]:
        if _same(day_of(a), day_of(b)):
            return []
        if b / a < 1.005:
            return [math.sqrt(a * b)]
        m = math.sqrt(a * b)
        return split(a, m) + split(m, b)

    cuts = [lo]
    for a, b in zip(GRID[::-1], GRID[-2::-1], strict=False):  # ascending grid pairs
        cuts += split(a, b)
    cuts.append(hi)
    return [(x, y, day_of(math.sqrt(x * y)) if y > x else day_of(x)) for x, y in zip(cuts, cuts[1:], strict=False)]


def fit() -> dict[str, Any]:
    grid = [readouts(s) for s in GRID]
    table = steps(min(GRID), max(GRID))
    fell = [t for t in table if not math.isnan(t[2])]
    out: dict[str, Any] = {"target_day": TARGET_DAY, "spread": SPREAD, "grid": grid,
                           "steps": [{"s_from": x, "s_to": y, "day": d} for x, y, d in table]}
    if not fell:
        out.update(adopt=False, reason="no s on the grid gives a fall below 0.5")
        return out
    # the step whose day is nearest the datum; its geometric middle is the estimate
    lo_edge, hi_edge, best = min(fell, key=lambda t: (abs(t[2] - TARGET_DAY), t[2]))
    estimate = math.sqrt(lo_edge * hi_edge)
    adopted = float(f"{estimate:.2g}")
    inside = [t for t in fell if SPREAD[0] <= t[2] <= SPREAD[1]]
    interval = [min(t[0] for t in inside), max(t[1] for t in inside)] if inside else None

    def in_spread(s: float) -> bool:
        d = day_of(s)
        return (not math.isnan(d)) and SPREAD[0] <= d <= SPREAD[1]

    shipped_in = in_spread(SHIPPED)
    at = readouts(adopted)
    adopt = (not shipped_in) and in_spread(adopted)
    out.update(nearest_day=best, step=[lo_edge, hi_edge], estimate=estimate, adopted_2sf=adopted,
               day_at_adopted=at["neutrophil_engraftment_day"], readouts_at_adopted=at,
               interval=interval, shipped_in_interval=shipped_in, adopt=adopt,
               info={"cd34_2.2e6": readouts(adopted, cd34_per_kg=2.2e6),
                     "cd34_5.68e6": readouts(adopted, cd34_per_kg=5.68e6),
                     "hsc_0.5": readouts(adopted, hsc=0.5)},
               evaluated=sorted(_CACHE.values(), key=lambda r: (r["hsc"], r["cd34_per_kg"], r["progenitor"])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/results/cy_atg_progenitor_fit.json")
    args = parser.parse_args()
    out = fit()
    for r in out.get("evaluated", out["grid"]):
        print(f"s {r['progenitor']:8.4g} hsc {r['hsc']:.2g} cd34 {r['cd34_per_kg']:.3g}: day "
              f"{r['neutrophil_engraftment_day']}  ANC nadir {r['anc_nadir']:.3f} (day {r['anc_nadir_day_after_graft']:+.2f})"
              f"  days<0.5 {r['days_anc_below_0p5']:.2f}  PLT nadir {r['platelet_nadir']:.1f}", flush=True)
    print({k: v for k, v in out.items() if k not in ("grid", "evaluated", "info", "readouts_at_adopted")})
    write_json_report(out, Path(args.out), echo=False)


if __name__ == "__main__":
    main()
