"""Coarse profile of the lower end of ``graft_short_term_units_per_cd34`` (docs/engraftment_fit.md, "The lower end
of the short-term content, re-profiled"): the content held at each grid value, the other three fitted parameters
re-fitted by one local least-squares run of the fit's own objective on its calibration data (T2, T10, T11), started
from ``--start`` (default: the shipped values; hemasim.inference.engraftment.refit_at) or, with ``--chain``, from the previous grid point's re-fit.

Run: ``python docs/engraftment_profile_low.py [--chain] [--start name=value] VALUE ...`` (grid values of the
content); prints one JSON line per grid point. :func:`point` is one such point, which docs/validation_challenges.py
runs the passing predictions at."""
from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hemasim.inference.engraftment import Refit

NAME = "graft_short_term_units_per_cd34"


def point(value: float, start: Mapping[str, float] | None = None) -> Refit:
    """The profile's point at content ``value``: the other three fitted values re-fitted, started from the shipped
    values with ``start``'s in their place (which branch of the profile the local re-fit follows)."""
    from hemasim.inference.engraftment import FITTED_PARAMETERS, refit_at
    from hemasim.parameters import healthy_adult_parameters

    defaults = healthy_adult_parameters()
    begin = {n: defaults.value(n) for n, _, _ in FITTED_PARAMETERS if n != NAME} | dict(start or {})
    return refit_at({NAME: value}, start=begin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("values", type=float, nargs="+", help="grid values of the content (MPP units/cell)")
    parser.add_argument("--start", action="append", default=[], help="name=value: a re-fitted parameter's start")
    parser.add_argument("--chain", action="store_true", help="start each point from the previous point's re-fit")
    args = parser.parse_args()
    start = {k: float(v) for k, v in (s.split("=") for s in args.start)}
    for value in args.values:
        refit = point(value, start)
        print(json.dumps({NAME: value, "objective": round(float(refit.objective), 4),
                          "converged": refit.converged, "refit": refit.values,
                          "days": [round(d, 2) for d in refit.days]}), flush=True)
        if args.chain:
            start = refit.values

if __name__ == "__main__":
    main()
