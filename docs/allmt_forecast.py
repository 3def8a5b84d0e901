"""Print the allMT forecast table of docs/fitting_allmt.md: SAEM on the first half of the five distinct allMT
records, MAP per patient with that population as prior, forecast of the second half vs last value carried
forward. Seeded; about a minute on two cores.

    python docs/allmt_forecast.py
"""

from __future__ import annotations

import time

import numpy as np

from hemasim.inference.allmt import forecast_allmt, forecast_table
from hemasim.inference.population import SaemSettings
from hemasim.pharmacology.maintenance import load_allmt


def main() -> None:
    t0 = time.perf_counter()
    out = forecast_allmt(load_allmt(), SaemSettings(seed=0))
    pop = out.population
    print(f"population (SAEM, {pop.n_subjects} patients, {pop.n_observations} counts; {time.perf_counter() - t0:.0f} s)")
    print("| parameter | typical | 95% CI | omega |\n|---|---|---|---|")
    for k, name in enumerate(pop.names):
        lo, hi = pop.typical_ci[k]
        print(f"| {name} | {pop.typical[k]:.3g} | {lo:.3g}-{hi:.3g} | {pop.omega[k]:.2f} |")
    print(f"residual sigma (log scale): {pop.sigma:.2f}\n")
    print("| patient | " + " | ".join(pop.names) + " |\n|---" + "|---" * len(pop.names) + "|")
    for fit in out.individual:
        print(f"| {fit.subject} | " + " | ".join(f"{v:.3g}" for v in fit.values) + " |")
    print()
    print(forecast_table(out.rows))
    wins = sum(r.mae_log < r.mae_log_locf for r in out.rows[:-1])
    wins_mean = sum(r.mae_log < r.mae_log_mean for r in out.rows[:-1])
    print(f"\nmodel better (MAE, log scale) than LOCF in {wins} of {len(out.rows) - 1} patients, than the fitted "
          f"half's geometric mean in {wins_mean}")
    overall = out.rows[-1]
    print(f"overall MAE log ratio model/LOCF: {overall.mae_log / overall.mae_log_locf:.2f}; "
          f"median ANC forecast error: {np.median(np.abs(np.concatenate([f - z for _, z, f in out.predictions.values()]))):.2f}")


if __name__ == "__main__":
    main()
