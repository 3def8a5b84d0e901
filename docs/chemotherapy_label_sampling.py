"""What sparse blood counts would make of the C7 cohort (docs/chemotherapy_full_model.md, "How the label's
neutropenia figures were observed: searched, not found").

An UNSOURCED what-if, not a read-out: no source found states the blood-count schedule of the trials behind the
docetaxel label's neutropenia figures (median time to nadir 7 days, median duration of ANC < 500 cells/mm3 7 days,
75.4% of 2045 patients), so no observation model is built into C7 (src/hemasim/validation/chemotherapy.py keeps the
continuous-time read-outs). This script only asks how far the sampling could move the comparison: the same 1,000
patients as C7 (same draws, seed 17, three q3w cycles), their ANC read on hypothetical sample days (days after the
start of the infusion: weekly on 7 and 14, weekly on 8 and 15, twice weekly, daily) instead of every 3 hours.
Nothing here is fitted or chosen, and nothing is used by ``hemasim validate``.

Run: PYTHONPATH=src python docs/chemotherapy_label_sampling.py (writes docs/images/chemo_label_sampling.json).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import hemasim.validation.chemotherapy as chemo
from hemasim.biology import healthy_human_model
from hemasim.biology.body import body_surface_area_m2
from hemasim.pharmacology import DrugExposure, Regimen, load_drug_set
from hemasim.simulation import Simulation

IMAGES = Path(__file__).resolve().parent / "images"
GRADE4 = 0.5  # 1e9/L (ANC < 500 cells/mm3)
#: hypothetical sample days, days after the start of the infusion (no source; see the module docstring)
SCHEDULES: dict[str, tuple[float, ...]] = {
    "weekly, days 7 and 14": (7.0, 14.0),
    "weekly, days 8 and 15": (8.0, 15.0),
    "twice weekly, days 3.5-17.5": (3.5, 7.0, 10.5, 14.0, 17.5),
    "daily, days 1-20": tuple(float(d) for d in range(1, 21)),
}


def cohort_anc(n: int = chemo.VALIDATE_COHORT, seed: int = 17) -> tuple[np.ndarray, np.ndarray]:
    """(times in days, ANC in 1e9/L per patient) of the C7 cohort (:func:`chemo.docetaxel_cohort`'s run)."""
    cov, per_patient, drug = chemo._cohort_draws(n, seed)
    ds = load_drug_set("docetaxel_kloft2006")
    model = healthy_human_model(cov, aging=False, per_patient=per_patient,
                                extensions=[DrugExposure(ds, per_patient=drug)])
    amount = 100.0 * body_surface_area_m2(cov) * 1000.0
    dose = Regimen(0.0, "docetaxel", "iv_infusion", amount, 1.0 / 24.0,
                   cycle_offsets=tuple(21.0 * k for k in range(chemo.DOCETAXEL_CYCLES)))
    r = Simulation(model, events=[dose]).run(21.0 * chemo.DOCETAXEL_CYCLES, output_every_days=1.0 / 8.0,
                                              observe=[chemo.ANC])
    return r.times, r.observable(chemo.ANC)


def sampled(t: np.ndarray, anc: np.ndarray, days: tuple[float, ...]) -> dict[str, Any]:
    """Grade 4 and the nadir day as counts on ``days`` of each cycle would show them."""
    def read(offsets: list[float]) -> np.ndarray:
        return np.stack([np.interp(offsets, t, row) for row in anc])

    c1 = read(list(days))
    all_cycles = read([d + 21.0 * k for k in range(chemo.DOCETAXEL_CYCLES) for d in days])
    return {"grade4_cycle1_pct": round(float(100.0 * (c1 < GRADE4).any(axis=1).mean()), 1),
            "grade4_any_cycle_pct": round(float(100.0 * (all_cycles < GRADE4).any(axis=1).mean()), 1),
            "median_sampled_nadir_day_cycle1": float(np.median(np.asarray(days)[c1.argmin(axis=1)])),
            "pct_below_0p5_on_each_day_cycle1": {f"{d:g}": round(float(100.0 * (c1[:, i] < GRADE4).mean()), 1)
                                                 for i, d in enumerate(days)}}


def main() -> None:
    t, anc = cohort_anc()
    first = t <= 21.0
    low = anc[:, first] < GRADE4
    t1 = t[first]
    has = low.any(axis=1)
    first_low = t1[low[has].argmax(axis=1)]
    last_low = t1[low.shape[1] - 1 - low[has][:, ::-1].argmax(axis=1)]
    out: dict[str, Any] = {
        "continuous_3h_grid": {
            "grade4_cycle1_pct": round(float(100.0 * has.mean()), 1),
            "grade4_any_cycle_pct": round(float(100.0 * (anc.min(axis=1) < GRADE4).mean()), 1),
            "first_day_below_0p5_q25_q50_q75": [float(x) for x in np.percentile(first_low, [25, 50, 75])],
            "last_day_below_0p5_q25_q50_q75": [float(x) for x in np.percentile(last_low, [25, 50, 75])],
            "anc_day7_q25_q50_q75": [round(float(x), 2) for x in
                                     np.percentile([np.interp(7.0, t, row) for row in anc], [25, 50, 75])],
        },
        "sampled": {name: sampled(t, anc, days) for name, days in SCHEDULES.items()},
    }
    IMAGES.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=IMAGES, suffix=".json.tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(out, indent=1) + "\n")
    os.replace(tmp, IMAGES / "chemo_label_sampling.json")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
