"""Fit of the between-patient spread of vaccine responses (docs/immunity.md, "Between-patient variability of vaccine
responses"; the rule was committed before this ran). Data: BMC Infect Dis 2014;14:133, Table 3, adults 18-60 y never
vaccinated against influenza, n = 28: mean geometric increase (MGI) of the HI titre 21 days after one dose with its 95%
CI, and the seroconversion counts (4-fold rise), per strain. Closed form: no optimiser.

Run: python bench/vaccine_response_spread_fit.py  (prints the fit and the adoption check as JSON)
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from statistics import NormalDist

from scipy.stats import chi2
from scipy.stats import t as student_t

from hemasim.clonal.report import wilson_interval

DATA = Path(__file__).resolve().parents[1] / "data" / "influenza_vaccine_fold_rise" / "young_never_vaccinated.csv"
SEROCONVERSION_FOLD = 4.0


def young_never_vaccinated() -> tuple[int, dict[str, tuple[float, float, float, int]]]:
    """(n per strain, strain -> (MGI, 95% CI low, high, seroconverted of n)) from the data file."""
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    (n,) = {int(r["n"]) for r in rows}
    return n, {r["strain"]: (float(r["mgi"]), float(r["mgi_ci_low"]), float(r["mgi_ci_high"]),
                             int(r["seroconverted"])) for r in rows if r["use"] == "fit"}


def fit() -> dict[str, object]:
    N, YOUNG_NEVER_VACCINATED = young_never_vaccinated()  # noqa: N806 (the rule's names)
    tq = float(student_t.ppf(0.975, N - 1))
    sigmas = {s: math.sqrt(N) * math.log(hi / lo) / (2 * tq) for s, (_, lo, hi, _) in YOUNG_NEVER_VACCINATED.items()}
    sigma = math.sqrt(sum(v * v for v in sigmas.values()) / len(sigmas))
    f_young = math.exp(sum(math.log(m) for m, *_ in YOUNG_NEVER_VACCINATED.values()) / len(YOUNG_NEVER_VACCINATED))
    predicted = NormalDist().cdf((math.log(f_young) - math.log(SEROCONVERSION_FOLD)) / sigma)
    k = sum(v[3] for v in YOUNG_NEVER_VACCINATED.values())
    n = N * len(YOUNG_NEVER_VACCINATED)
    low, high = wilson_interval(k, n)
    # the SD's 95% interval (chi-square): df = n - 1, not 3 (n - 1), since the three strains are the same people
    df = N - 1
    sd_ci = [sigma * math.sqrt(df / float(chi2.ppf(q, df))) for q in (0.975, 0.025)]
    return {"t_0975_27": tq, "sigma_by_strain": sigmas, "vaccine_response_sd_log": sigma,
            "vaccine_response_sd_log_95pct": sd_ci, "f_young": f_young,
            "predicted_young_seroconversion": predicted, "observed_young_seroconversion": k / n,
            "observed_95pct_wilson": [low, high], "adopted_bar_a": low <= predicted <= high}


if __name__ == "__main__":
    print(json.dumps(fit(), indent=2))
