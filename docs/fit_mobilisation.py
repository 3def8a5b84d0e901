"""Fit of the G-CSF egress drive (gcsf_mobilisation_max_fold, gcsf_mobilisation_delay_days) to the daily blood
CD34+ course of Transfus Med 1997;7(1):19-24 (healthy donors, filgrastim 7.5-10 ug/kg/d s.c. x5; literature
folder rows 133, 134, 136). Run: PYTHONPATH=src python docs/fit_mobilisation.py (about a minute); ``--profile`` adds each parameter's 95% profile
interval (a report only: the weighted sum of squares minimised over the other parameter 3.84 above the optimum;
a few minutes)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.optimize import brentq, least_squares

from hemasim.interventions.apheresis import filgrastim_course
from hemasim.parameters import healthy_adult_parameters

#: (day from the first dose (the first dose is "day 1" in the paper), mean cells/uL, SD, n)
TRANSFUS_MED_1997 = ((3.0, 60.7, 40.2, 22), (4.0, 128.0, 136.0, 22), (5.0, 107.0, 104.0, 22))


def model_points(max_fold: float, delay_days: float, held: Mapping[str, float] | None = None) -> np.ndarray:
    """The model's blood CD34+ on the data's days; ``held``: other parameters' values the fit holds (default: the
    shipped ones; bench/calibration_refits.py refits at other values of the assumed ones)."""
    params = healthy_adult_parameters().with_values(**(held or {}), gcsf_mobilisation_max_fold=max_fold,
                                                    gcsf_mobilisation_delay_days=delay_days)
    t, cd34 = filgrastim_course(10.0, [0, 1, 2, 3, 4], 5.0, params, every_days=0.25)
    return np.array([cd34[int(np.argmin(np.abs(t - d)))] for d, *_ in TRANSFUS_MED_1997])


def residuals(log_p: np.ndarray, held: Mapping[str, float] | None = None) -> np.ndarray:
    pred = model_points(*np.exp(log_p), held)
    return np.array([(p - m) / (sd / np.sqrt(n)) for p, (_, m, sd, n) in zip(pred, TRANSFUS_MED_1997, strict=True)])


#: chi-squared quantile (1 df, 95%): the profile interval's rise of the weighted sum of squares over the optimum
CHI2_1DF_95 = 3.841
#: the records' bounds (src/hemasim/parameters/sets/gcsf_mobilisation.py): max_fold, delay_days
BOUNDS = ((1e-3, 1000.0), (0.1, 20.0))


def profile_sse(index: int, log_value: float, log_other: float) -> tuple[float, float]:
    """Weighted sum of squares with parameter ``index`` held at exp(log_value), the other refitted (from log_other)."""
    other = 1 - index

    def res(q: np.ndarray) -> np.ndarray:
        log_p = np.empty(2)
        log_p[index], log_p[other] = log_value, q[0]
        return residuals(log_p)

    lo, hi = np.log(BOUNDS[other])
    fit = least_squares(res, [float(np.clip(log_other, lo + 1e-9, hi - 1e-9))], diff_step=1e-3, bounds=([lo], [hi]))
    return float(np.sum(fit.fun ** 2)), float(fit.x[0])


def profile_interval(index: int, log_opt: np.ndarray, sse_opt: float) -> tuple[str, str]:
    """Lower and upper ends of parameter ``index``'s 95% profile interval (or "bound X" where it never rises enough)."""
    target = sse_opt + CHI2_1DF_95
    ends = []
    for edge in np.log(BOUNDS[index]):
        sse_edge, _ = profile_sse(index, edge, log_opt[1 - index])
        if sse_edge < target:
            ends.append(f"bound {np.exp(edge):.4g} (SSE there {sse_edge:.3g})")
            continue
        root = brentq(lambda v: profile_sse(index, v, log_opt[1 - index])[0] - target, log_opt[index], edge,
                      xtol=1e-4)
        ends.append(f"{np.exp(root):.4g}")
    return ends[0], ends[1]


if __name__ == "__main__":
    import sys

    fit = least_squares(residuals, np.log([60.0, 3.0]), diff_step=1e-3, x_scale=1.0)
    max_fold, delay = np.exp(fit.x)
    print(f"gcsf_mobilisation_max_fold = {max_fold:.4g}, gcsf_mobilisation_delay_days = {delay:.4g}")
    print("model days 4-6:", np.round(model_points(max_fold, delay), 1), "data:", [m for _, m, _, _ in TRANSFUS_MED_1997])
    print("weighted residuals:", np.round(fit.fun, 2), f"weighted sum of squares {np.sum(fit.fun ** 2):.4g}")
    if "--profile" in sys.argv:
        for i, name in enumerate(("gcsf_mobilisation_max_fold", "gcsf_mobilisation_delay_days")):
            low, high = profile_interval(i, fit.x, float(np.sum(fit.fun ** 2)))
            print(f"{name} 95% profile interval: {low} to {high}", flush=True)
