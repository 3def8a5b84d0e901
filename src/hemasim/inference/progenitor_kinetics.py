"""Profiles of the committed progenitors' kinetics on the taxane calibration data (docs/chemotherapy_full_model.md,
"Dose and schedule").

``progenitor_baseline_self_renewal_ratio`` (r: progenitor division rate r x exit rate) and ``mpp_residence_days``
set how fast the cells upstream of the dividing precursors cycle (so how hard a taxane hits them) and how fast they
refill the precursors after a dose. Both are Assumed. Here each is profiled on the only taxane data of the
calibration class that span more than one dose level and schedule:

* the Kloft 2006 typical ANC course after docetaxel 100 mg/m2 (C9's data; the generic spec of
  :mod:`hemasim.inference.full_model_slope`, residual SD 0.424) and, since the G-CSF exponent fit (ninth session),
  the Quartino 2014 typical course beside it, as docetaxel's slope is now fitted (:func:`slope_problem`);
* the Chen 2014 typical ANC courses of nab-paclitaxel at 260 and 300 mg/m2 once and at 100 and 150 mg/m2 weekly
  (days 1, 8, 15), the doses its Discussion names within its 80-375 mg/m2 q3w and weekly data (residual SD 0.291).

At every grid value each drug's full-model slope is refitted (the two slopes are the drugs' own; r and the MPP
residence are shared), the rest of the healthy model at its table values. No prediction-class target is read.

Run: ``python -m hemasim.inference.progenitor_kinetics [--quick] [--out FILE]``.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hemasim.io import write_json_report

__all__ = ["MPP_GRID", "RATIO_GRID", "TAXANE_SPECS", "main", "profile_point", "profile_progenitor_kinetics",
           "slope_problem"]

#: the calibration data: each drug set's generic slope-fit spec (hemasim.inference.full_model_slope.SPECS)
TAXANE_SPECS = ("docetaxel_kloft2006", "nab_paclitaxel_chen2014")
RATIO_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
MPP_GRID = (3.0, 10.0, 20.0, 30.0, 45.0, 60.0)


def slope_problem(name: str, healthy_values: Mapping[str, float]) -> Any:
    """The slope-alone problem of one drug at ``healthy_values``: docetaxel on both of its calibration courses
    (Kloft 2006 and Quartino 2014, as its shipped slope was fitted: :func:`hemasim.inference.docetaxel.
    two_course_slope_problem`), nab-paclitaxel on its generic spec (Chen 2014)."""
    from hemasim.inference.docetaxel import DRUG_SET, two_course_slope_problem
    from hemasim.inference.full_model_slope import SPECS, full_model_slope_problem

    if name == DRUG_SET:
        return two_course_slope_problem(healthy_values)
    return full_model_slope_problem(SPECS[name], healthy_values=healthy_values)


def profile_point(healthy_values: Mapping[str, float], n_starts: int = 1) -> dict[str, Any]:
    """Both slopes refitted with the healthy model at ``healthy_values``: each drug's objective and slope, and
    their sum (the profile's value)."""
    from hemasim.inference import Objective, fit

    out: dict[str, Any] = {"healthy_values": dict(healthy_values), "objective": 0.0}
    for name in TAXANE_SPECS:
        res = fit(Objective(slope_problem(name, healthy_values)), n_starts=n_starts, seed=1)
        out[name] = {"objective": float(res.fun), "slope": float(res.natural["slope"])}
        out["objective"] += float(res.fun)
    return out


def profile_progenitor_kinetics(ratios: Sequence[float] = RATIO_GRID, mpp_days: Sequence[float] = MPP_GRID,
                                n_starts: int = 1) -> dict[str, Any]:
    """The profile of r (MPP residence at its table value) and of the MPP residence (r at its table value)."""
    from hemasim.parameters import healthy_adult_parameters

    table = healthy_adult_parameters()
    r0, mpp0 = table.value("progenitor_baseline_self_renewal_ratio"), table.value("mpp_residence_days")
    ratio = [profile_point({"progenitor_baseline_self_renewal_ratio": r}, n_starts) for r in ratios]
    mpp = [profile_point({"mpp_residence_days": m}, n_starts) for m in mpp_days]
    return {"data": list(TAXANE_SPECS), "table_values": {"progenitor_baseline_self_renewal_ratio": r0,
                                                         "mpp_residence_days": mpp0},
            "ratio_profile": ratio, "mpp_profile": mpp}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="two grid points each (a check of the pipeline)")
    ap.add_argument("--out", default="docs/images/progenitor_kinetics_profile.json")
    args = ap.parse_args(argv)
    grids = ((0.4, 0.6), (5.0, 20.0)) if args.quick else (RATIO_GRID, MPP_GRID)
    result = profile_progenitor_kinetics(*grids)
    write_json_report(result, Path(args.out), echo=False)
    for key in ("ratio_profile", "mpp_profile"):
        for point in result[key]:
            slopes = {n: round(point[n]["slope"], 3) for n in TAXANE_SPECS}
            print(key, point["healthy_values"], f"objective {point['objective']:.2f}", slopes, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
