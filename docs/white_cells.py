"""White cells other than neutrophils after docetaxel (docs/chemotherapy_full_model.md, "White cells other than
neutrophils"): WBC's components (neutrophils, monocytes, lymphocytes) at the ANC nadir of the typical woman after
100 mg/m2, and in C7's cohort (100 mg/m2 q3w x3) with the healthy reference adult's lymphocytes and monocytes in
every patient (as shipped until the tenth session) and with cancer patients' lymphocytes and the monocyte set
point's own variability (:func:`hemasim.cohort.sampling.cancer_white_cell_draws`). No prediction target is read here.

Run: PYTHONPATH=src python docs/white_cells.py [patients] (writes docs/images/white_cells.json; default 300 patients).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

import hemasim.validation.chemotherapy as chemo
from hemasim.biology import healthy_human_model
from hemasim.biology.body import body_surface_area_m2
from hemasim.pharmacology import DrugExposure, Regimen, load_drug_set
from hemasim.simulation import Simulation
from hemasim.validation.patients import PATIENTS

IMAGES = Path(__file__).parent / "images"
PARTS = ("anc_1e9_per_L", "monocytes_1e9_per_L", "lymphocytes_1e9_per_L", "wbc_1e9_per_L")
PERCENTILES = (0, 5, 25, 50, 75, 95, 100)
DOSE_MG_PER_M2 = 100.0
INFUSION_DAYS = 1.0 / 24.0


def components_at_nadir(times: np.ndarray, counts: dict[str, np.ndarray]) -> dict[str, Any]:
    """Per patient (rows): the day of the lowest ANC and each of :data:`PARTS` there, and each part's own lowest
    value and its day. ``counts`` maps each part to a (patients, times) array."""
    rows = np.arange(counts[PARTS[0]].shape[0])
    i = counts["anc_1e9_per_L"].argmin(axis=1)
    return {"nadir_day": times[i], "at_anc_nadir": {k: counts[k][rows, i] for k in PARTS},
            "lowest": {k: counts[k].min(axis=1) for k in PARTS},
            "lowest_day": {k: times[counts[k].argmin(axis=1)] for k in PARTS},
            "baseline": {k: counts[k][:, 0] for k in PARTS}}


def typical_woman() -> dict[str, Any]:
    woman = PATIENTS["reference_female"]
    ds = load_drug_set("docetaxel_kloft2006")
    dose = Regimen(0.0, ds.drug, "iv_infusion", DOSE_MG_PER_M2 * body_surface_area_m2(woman) * 1000.0, INFUSION_DAYS)
    model = healthy_human_model(woman, aging=False, extensions=[DrugExposure(ds)])
    r = Simulation(model, events=[dose]).run(28.0, output_every_days=1.0 / 24.0, observe=list(PARTS))
    c = components_at_nadir(r.times, {k: np.atleast_2d(r.observable(k)) for k in PARTS})
    return {key: ({k: float(v[0]) for k, v in val.items()} if isinstance(val, dict) else float(val[0]))
            for key, val in c.items()}


def cohort(n: int, cancer_white_cells: bool) -> dict[str, Any]:
    """C7's cohort (seed 17, its first ``n`` patients' draws), with or without cancer patients' white cells."""
    cov, per_patient, drug = chemo._cohort_draws(n, 17)
    if not cancer_white_cells:
        per_patient = {k: v for k, v in per_patient.items()
                       if not (k.endswith("_reference_per_uL") or k == "monocyte_setpoint_1e9_per_L")}
    ds = load_drug_set("docetaxel_kloft2006")
    model = healthy_human_model(cov, aging=False, per_patient=per_patient,
                                extensions=[DrugExposure(ds, per_patient=drug)])
    dose = Regimen(0.0, ds.drug, "iv_infusion", DOSE_MG_PER_M2 * body_surface_area_m2(cov) * 1000.0, INFUSION_DAYS,
                   cycle_offsets=tuple(21.0 * k for k in range(chemo.DOCETAXEL_CYCLES)))
    r = Simulation(model, events=[dose]).run(21.0 * chemo.DOCETAXEL_CYCLES, output_every_days=1.0 / 8.0,
                                             observe=list(PARTS))
    c = components_at_nadir(r.times, {k: r.observable(k) for k in PARTS})

    def pct(a: np.ndarray) -> list[float]:
        return [round(float(x), 4) for x in np.percentile(a, PERCENTILES)]

    low = c["lowest"]
    return {"patients": n, "percentiles": list(PERCENTILES),
            "baseline": {k: pct(v) for k, v in c["baseline"].items()},
            "at_anc_nadir": {k: pct(v) for k, v in c["at_anc_nadir"].items()},
            "lowest": {k: pct(v) for k, v in low.items()},
            "lowest_lymphocytes_plus_monocytes": pct(
                np.min(r.observable("lymphocytes_1e9_per_L") + r.observable("monocytes_1e9_per_L"), axis=1)),
            "baseline_lymphocytes_below_1_pct": round(float(100 * np.mean(c["baseline"]["lymphocytes_1e9_per_L"] < 1.0)), 1),
            "lowest_wbc_below_2_pct": round(float(100 * np.mean(low["wbc_1e9_per_L"] < 2.0)), 1)}


def main(n: int = 300) -> dict[str, Any]:
    out = {"typical_woman_100_mg_per_m2": typical_woman(),
           "c7_cohort_reference_white_cells": cohort(n, cancer_white_cells=False),
           "c7_cohort_cancer_white_cells": cohort(n, cancer_white_cells=True)}
    IMAGES.mkdir(exist_ok=True)
    tmp = IMAGES / "white_cells.json.tmp"
    tmp.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    tmp.replace(IMAGES / "white_cells.json")
    return out


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300), indent=1))
