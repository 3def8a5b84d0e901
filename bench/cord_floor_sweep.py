"""Diagnosis of the cord-blood engraftment floor (issue 17, K2/K3/T7; docs/engraftment_fit.md, "Why a cord unit
engrafts on day 14 at any dose").

The engraftment day of one cord-blood unit in the cord fit's scenario (T7's Cy/TBI with one unit on day 6), read as
the cord fit reads it (hemasim.inference.cord.sustained_crossing_days, plus half a day), against the graft's size
in adult-equivalent CD34+ cells per kg. The graft's content enters only through the transplant event, so the
dose and the potency enter as their product; here the graft's two contents are scaled apart:

* ``hsc_fold``: long-term HSCs (and short-term repopulating cells) per cord CD34+ cell, in adult CD34+ equivalents;
* ``st_fold``: committed short-term units (the first wave) per cord CD34+ cell, in adult CD34+ equivalents.

The shipped model has both equal to ``cord_blood_cd34_potency_fold``. Usage::

    PYTHONPATH=src python bench/cord_floor_sweep.py [--patients K1,K2] [--mode both|split] [--out FILE.json]

Results: bench/results/cord_floor_k1_both.json (K1, both contents), bench/results/cord_floor_split_k1_k3.json
(K1-K3, long-term folds 1-1000 x committed folds 1-50).

T7's patient (``--patients T7``) is the prediction's scenario: run it only after a rule is committed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

from hemasim.biology.transplant import Transplant
from hemasim.inference.cord import CORD_DATA, cord_scenario, sustained_crossing_days
from hemasim.inference.engraftment import DAY_OFFSET, GRAFT_DAY, OUTPUT_STEP_DAYS
from hemasim.inference.forward import _run, stack_compiled
from hemasim.parameters import healthy_adult_parameters
from hemasim.solvers import DormandPrince

#: patient id -> (infused TNC/kg, patient or None for T7's man)
PATIENTS = {"K1": (CORD_DATA[0].tnc_per_kg, CORD_DATA[0].patient), "K2": (CORD_DATA[1].tnc_per_kg, CORD_DATA[1].patient),
            "K3": (CORD_DATA[2].tnc_per_kg, CORD_DATA[2].patient), "T7": (3.5e7, None)}


def days_for(tnc_per_kg: float, patient: object, hsc_fold: np.ndarray, st_fold: np.ndarray,
             duration_days: float = 90.0, observe: tuple[str, ...] = ("anc_1e9_per_L",)) -> tuple[np.ndarray, np.ndarray]:
    """Engraftment day (fit read-out) per (hsc_fold, st_fold) pair, and the observed series (N, T, k)."""
    scen = cord_scenario(tnc_per_kg, patient)  # type: ignore[arg-type]
    from hemasim.inference.sources import ScenarioSource

    source = ScenarioSource(scen)
    model = source.build({}).compile()
    n = len(hsc_fold)
    events = [dataclasses.replace(ev, hsc_per_cd34=float(ev.hsc_per_cd34) * hsc_fold,
                                  st_hspc_per_cd34=float(ev.st_hspc_per_cd34) * hsc_fold,
                                  short_term_units_per_cd34=float(ev.short_term_units_per_cd34) * st_fold)
              if isinstance(ev, Transplant) else ev for ev in source.events()]
    times = np.arange(0.0, duration_days + 1e-9, OUTPUT_STEP_DAYS)
    values = _run(stack_compiled([model] * n), DormandPrince(rtol=1e-6), events, times, observe)
    after = times >= GRAFT_DAY - 1e-9
    day = sustained_crossing_days(times[after] - GRAFT_DAY, values[:, after, 0], 0.5) + DAY_OFFSET
    return day, values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", default="K1,K2,K3")
    parser.add_argument("--folds", default="1,2,5,10,15,21,30,50,100,200,500")
    parser.add_argument("--mode", choices=("both", "split"), default="both",
                        help="both: one fold scales both contents (--folds); split: a grid of --folds (long-term) x "
                        "--st-folds (committed)")
    parser.add_argument("--st-folds", default="1,5,10,15,21,50")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    ratio = healthy_adult_parameters().value("cord_blood_cd34_per_tnc")
    folds = np.array([float(f) for f in args.folds.split(",")])
    report: dict[str, object] = {}
    for name in args.patients.split(","):
        tnc, patient = PATIENTS[name]
        if args.mode == "both":
            hsc, st = folds, folds
        else:
            st_folds = np.array([float(f) for f in args.st_folds.split(",")])
            hsc, st = (a.ravel() for a in np.meshgrid(folds, st_folds, indexing="ij"))
        day, _ = days_for(tnc, patient, hsc, st)
        rows = [{"hsc_fold": float(h), "st_fold": float(s), "adult_eq_cd34_per_kg_st": float(tnc * ratio * s),
                 "adult_eq_cd34_per_kg_hsc": float(tnc * ratio * h), "day": None if not np.isfinite(d) else round(float(d), 2)}
                for h, s, d in zip(hsc, st, day, strict=True)]
        report[name] = {"tnc_per_kg": tnc, "cd34_per_kg": tnc * ratio, "rows": rows}
        for r in rows:
            print(name, r)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
