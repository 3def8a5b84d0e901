"""Fit of the CD4 half-saturation of the vaccine help law (docs/immunity.md, "CD4 dependence of vaccine responses
from data"; the rule was committed before this ran). Data: Veiga 2006 (Vaccine 24:7124), hepatitis B vaccine
responders (anti-HBs > 10 IU/L after 3 doses) among 55 HIV-infected adults by CD4 count at vaccination
(data/hbv_vaccine_cd4_strata/). Responder share of a stratum: Phi((a + ln h_K(N4)) / sigma), N4 the stratum's
naive CD4 count, sigma the shipped vaccine_response_sd_log; a free intercept a and K fitted by binomial maximum
likelihood.

Run: python bench/vaccine_cd4_help_fit.py  (prints the fit and the adoption checks (a), (b) as JSON)
"""

from __future__ import annotations

import csv
import itertools
import json
import math
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import ndtr
from scipy.stats import chi2

from hemasim.biology.vaccine import reference_blood_counts
from hemasim.parameters import healthy_adult_parameters

DATA = Path(__file__).resolve().parents[1] / "data" / "hbv_vaccine_cd4_strata" / "hiv_adults.csv"
K_BOUNDS = (1.0, 2000.0)  # cells/uL: the parameter's bounds
K_NOW = 100.0  # the assumed value the fit is tested against
# one total CD4 count per stratum (rule): midpoint of 200-499; assumed for the open strata, with sensitivity values
PRIMARY = {"cd4_below_200": 100.0, "cd4_200_499": 350.0, "cd4_above_500": 700.0}
SENSITIVITY = {"cd4_below_200": (50.0, 100.0, 150.0), "cd4_above_500": (600.0, 700.0, 900.0)}


def strata() -> dict[str, tuple[int, int]]:
    """stratum -> (responders, n) of the rows the rule fits."""
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    return {r["stratum"]: (int(r["responders"]), int(r["n"])) for r in rows if r["use"] == "fit"}


def unique_split_of_the_percentages() -> list[tuple[int, ...]]:
    """Every split of 55 patients and 32 responders into strata whose rounded percentages are 81, 65 and 25 (the
    source's figures): the data file's counts must be the only one."""
    out: list[tuple[int, ...]] = []
    for n1, n2 in itertools.product(range(1, 55), repeat=2):
        n3 = 55 - n1 - n2
        if n3 < 1:
            continue
        for r1 in (r for r in range(n1 + 1) if round(100 * r / n1) == 81):
            for r2 in (r for r in range(n2 + 1) if round(100 * r / n2) == 65):
                r3 = 32 - r1 - r2
                if 0 <= r3 <= n3 and round(100 * r3 / n3) == 25:
                    out.append((r1, n1, r2, n2, r3, n3))
    return out


def log_help(naive_per_uL: np.ndarray, k: float) -> np.ndarray:
    """ln of the help law's shape c/(c + K) (its constant factor (1 + K/c_ref) is absorbed by the intercept)."""
    return np.log(naive_per_uL / (naive_per_uL + k))


def _loglik(a: float, k: float, naive: np.ndarray, r: np.ndarray, n: np.ndarray, sigma: float) -> float:
    # ndtr: the standard normal CDF, the function scipy.stats' norm distribution computes its cdf with, the same
    # values without the distribution's argument checks (~40 us a call, ~110,000 calls in fit())
    p = np.clip(ndtr((a + log_help(naive, k)) / sigma), 1e-12, 1 - 1e-12)
    return float(np.sum(r * np.log(p) + (n - r) * np.log1p(-p)))


def _profile(k: float, naive: np.ndarray, r: np.ndarray, n: np.ndarray, sigma: float) -> float:
    """Log-likelihood maximised over the intercept at fixed K."""
    res = minimize_scalar(lambda a: -_loglik(a, k, naive, r, n, sigma), bounds=(-20.0, 20.0), method="bounded",
                          options={"xatol": 1e-9})
    return -float(res.fun)


def fit_k(total_cd4: dict[str, float], sigma: float, naive_share: float) -> dict[str, object]:
    data = strata()
    names = list(data)
    r = np.array([data[s][0] for s in names], dtype=float)
    n = np.array([data[s][1] for s in names], dtype=float)
    naive = np.array([total_cd4[s] * naive_share for s in names])
    grid = np.exp(np.linspace(math.log(K_BOUNDS[0]), math.log(K_BOUNDS[1]), 801))
    prof = np.array([_profile(float(k), naive, r, n, sigma) for k in grid])
    i = int(np.argmax(prof))
    lo, hi = (max(0, i - 1), min(len(grid) - 1, i + 1))
    res = minimize_scalar(lambda lk: -_profile(math.exp(lk), naive, r, n, sigma),
                          bounds=(math.log(grid[lo]), math.log(grid[hi])), method="bounded", options={"xatol": 1e-8})
    k_hat = math.exp(float(res.x))
    ll_hat = max(-float(res.fun), float(prof[i]))
    inside = grid[prof >= ll_hat - chi2.ppf(0.95, 1) / 2]
    ll_now = _profile(K_NOW, naive, r, n, sigma)
    lr = 2 * (ll_hat - ll_now)
    # saturated model: each stratum at its observed share
    obs = np.clip(r / n, 1e-12, 1 - 1e-12)
    ll_sat = float(np.sum(r * np.log(obs) + (n - r) * np.log1p(-obs)))
    shares = {}
    for label, k in (("k100", K_NOW), ("k_fit", k_hat)):
        a = minimize_scalar(lambda a, k=k: -_loglik(a, k, naive, r, n, sigma), bounds=(-20.0, 20.0),
                            method="bounded", options={"xatol": 1e-9}).x
        shares[label] = dict(zip(names, ndtr((a + log_help(naive, k)) / sigma).round(3).tolist(), strict=True))
    shares["observed"] = dict(zip(names, (r / n).round(3).tolist(), strict=True))
    return {"k_fit_per_uL": k_hat, "k_95pct_profile": [float(inside.min()), float(inside.max())],
            "k_at_upper_bound": bool(k_hat > 0.99 * K_BOUNDS[1]),
            "lr_vs_k100": lr, "p_vs_k100": float(chi2.sf(lr, 1)), "deviance_1df": 2 * (ll_sat - ll_hat),
            "responder_shares": shares}


def fit() -> dict[str, object]:
    sigma = healthy_adult_parameters().value("vaccine_response_sd_log")
    ref = reference_blood_counts()
    naive_share = ref["naive_cd4"] / (ref["naive_cd4"] + ref["memory_cd4"])
    splits = unique_split_of_the_percentages()
    primary = fit_k(PRIMARY, sigma, naive_share)
    sens = {}
    for low, high in itertools.product(SENSITIVITY["cd4_below_200"], SENSITIVITY["cd4_above_500"]):
        f = fit_k({**PRIMARY, "cd4_below_200": low, "cd4_above_500": high}, sigma, naive_share)
        sens[f"<200:{low:g},>500:{high:g}"] = {"k_fit_per_uL": f["k_fit_per_uL"], "p_vs_k100": f["p_vs_k100"]}
    side = {np.sign(v["k_fit_per_uL"] - K_NOW) for v in sens.values()}  # type: ignore[operator]
    bar_a = primary["p_vs_k100"] < 0.05 and len(side) == 1  # type: ignore[operator]
    bar_b = primary["deviance_1df"] < float(chi2.ppf(0.95, 1))  # type: ignore[operator]
    return {"sigma": sigma, "naive_share": naive_share, "splits_matching_the_percentages": splits,
            "strata": strata(), "primary": primary, "sensitivity": sens,
            "bar_a_differs_from_100": bool(bar_a), "bar_b_law_fits": bool(bar_b)}


if __name__ == "__main__":
    print(json.dumps(fit(), indent=2))
