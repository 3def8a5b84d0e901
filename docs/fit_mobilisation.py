"""Fit of the G-CSF egress drive (gcsf_mobilisation_max_fold, gcsf_mobilisation_delay_days) to the daily blood
CD34+ course of Transfus Med 1997;7(1):19-24 (healthy donors, filgrastim 7.5-10 ug/kg/d s.c. x5; literature
folder rows 133, 134, 136). Run: PYTHONPATH=src python docs/fit_mobilisation.py (about a minute)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.optimize import least_squares

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


if __name__ == "__main__":
    fit = least_squares(residuals, np.log([60.0, 3.0]), diff_step=1e-3, x_scale=1.0)
    max_fold, delay = np.exp(fit.x)
    print(f"gcsf_mobilisation_max_fold = {max_fold:.4g}, gcsf_mobilisation_delay_days = {delay:.4g}")
    print("model days 4-6:", np.round(model_points(max_fold, delay), 1), "data:", [m for _, m, _, _ in TRANSFUS_MED_1997])
    print("weighted residuals:", np.round(fit.fun, 2))
