"""The fast TPO arm's fit (docs/platelets.md, "A fast TPO arm"; issue 17): ``megakaryocyte_ploidy_log_slope`` L on
the engraftment fit's calibration data only (T2, T10, T11: Gunn 2003 and Ergene 2007 medians,
:data:`hemasim.inference.engraftment.CALIBRATION_DATA`, its noise model and objective), by the rule committed in
docs/platelets.md before each stage was run. No prediction target is read here.

* ``stage1``: L alone (log10 on [0.01, 3]), the four engraftment parameters held at their shipped values: the
  objective with the arm off, a scan of L, and a least-squares fit from the best scan point.
* ``stage2``: a profile of L (0.03, 0.1, 0.3), the four re-fitted at each point by
  :func:`hemasim.inference.engraftment.refit_at`, against the same re-fit with the arm off.

:func:`decide` applies the rule's fit criteria to both: (a) stage 1's fit below the arm-off objective with L off
the search bounds, (b) no fitted count that never falls below its threshold; stage 2, a profile point below the
arm-off re-fit. (The rule's (c) and (d), the card's calibration targets and the steady state, are only needed
when these pass.)

Run: PYTHONPATH=src python docs/fit_megakaryocyte_arm.py stage1 [--out FILE]   (about 40 s of CPU)
     PYTHONPATH=src python docs/fit_megakaryocyte_arm.py stage2 [--out FILE]   (about 20 s)
     PYTHONPATH=src python docs/fit_megakaryocyte_arm.py both --out docs/images/megakaryocyte_arm_fit.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

L_NAME = "megakaryocyte_ploidy_log_slope"
#: stage 1's search range of L (log10 scale) and its scan beside the fit
L_BOUNDS = (0.01, 3.0)
STAGE1_SCAN = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
#: stage 2's profile points (0: the arm off, the reference)
STAGE2_PROFILE = (0.0, 0.03, 0.1, 0.3)
#: L within this relative distance of a search bound counts as on it
ON_BOUND_REL = 1e-6


def stage1() -> dict[str, Any]:
    """L alone, the engraftment parameters at their shipped values (the rule's first stage)."""
    from hemasim.inference.engraftment import CALIBRATION_DATA, EngraftmentObjective, engraftment_problem
    from hemasim.inference.optimize import local_fit

    ref = EngraftmentObjective(engraftment_problem(), CALIBRATION_DATA)
    th0 = np.clip(ref.nominal, ref.lower, ref.upper)
    off, off_days, off_never = float(ref(th0[None])[0]), ref.predict(th0[None])[0], ref.never_below[0]
    obj = EngraftmentObjective(engraftment_problem(parameters=[(L_NAME, *L_BOUNDS)], nominal={L_NAME: 0.3}),
                               CALIBRATION_DATA)
    th = np.log10(np.array(STAGE1_SCAN))[:, None]
    scan, scan_days, scan_never = obj(th), obj.predict(th), obj.never_below
    res = local_fit(obj, th[int(np.argmin(scan))], "least_squares")
    days = obj.predict(res.x[None])[0]
    return {"data": [d.id for d in CALIBRATION_DATA], "published_days": [d.median_day for d in CALIBRATION_DATA],
            "off": {"objective": off, "days": off_days.tolist(), "never_below": off_never.tolist()},
            "scan": [{"L": L, "objective": float(f), "days": d.tolist(), "never_below": n.tolist()}
                     for L, f, d, n in zip(STAGE1_SCAN, scan, scan_days, scan_never, strict=True)],
            "fit": {"L": float(10 ** res.x[0]), "objective": float(res.fun), "converged": bool(res.success),
                    "days": days.tolist(), "never_below": obj.never_below[0].tolist()}}


def stage2() -> dict[str, Any]:
    """The profile of L with the four engraftment parameters re-fitted at each point (the rule's second stage)."""
    from hemasim.inference.engraftment import refit_at

    points = []
    for L in STAGE2_PROFILE:
        r = refit_at({L_NAME: L} if L else {})
        points.append({"L": L, "values": r.values, "start_objective": r.start_objective, "objective": r.objective,
                       "converged": r.converged, "on_bound": list(r.on_bound), "no_crossing": list(r.no_crossing)})
    return {"profile": points}


def decide(result: Mapping[str, Any]) -> dict[str, Any]:
    """The rule's fit criteria on a ``both`` result: adopted only where every one holds."""
    s1, s2 = result["stage1"], result["stage2"]
    fit = s1["fit"]
    on_bound = any(abs(fit["L"] - b) <= ON_BOUND_REL * b for b in L_BOUNDS)
    stage1_adopt = (fit["objective"] < s1["off"]["objective"] and not on_bound
                    and not any(fit["never_below"]))
    off = next(p for p in s2["profile"] if p["L"] == 0.0)
    better = [p["L"] for p in s2["profile"]
              if p["L"] > 0.0 and p["objective"] < off["objective"] and not p["no_crossing"]]
    return {"stage1": {"fit_L": fit["L"], "fit_objective": fit["objective"], "off_objective": s1["off"]["objective"],
                       "L_on_bound": on_bound, "adopt": stage1_adopt},
            "stage2": {"off_objective": off["objective"], "points_below_off": better, "adopt": bool(better)},
            "adopt": stage1_adopt or bool(better)}


def main(argv: Sequence[str] | None = None) -> int:
    from hemasim.io import atomic_write_file

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stage", choices=("stage1", "stage2", "both"))
    ap.add_argument("--out", type=Path, default=None, help="write the result here as JSON")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {}
    if args.stage in ("stage1", "both"):
        out["stage1"] = stage1()
    if args.stage in ("stage2", "both"):
        out["stage2"] = stage2()
    if args.stage == "both":
        out["decision"] = decide(out)
    text = json.dumps(out, indent=1)
    if args.out:
        atomic_write_file(args.out, lambda p: p.write_text(text + "\n", encoding="utf-8"))
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
