"""Population fitting benchmark (`make bench`): SAEM on simulated maintenance populations (K-PD Friberg model,
hemasim.inference.allmt.simulated_study: 100 patients, 12 counts each over 24 weeks, 20% log-normal error) from
known typical values and omegas, repeated with different seeds. Prints the time per fit, the estimates, and how
often the 95% intervals cover the true typical values and omegas (issue 16: >= 90%).

    python bench/bench_population.py [repeats] [subjects]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from hemasim.inference.allmt import STUDY_FREE, STUDY_OMEGA, STUDY_TYPICAL, simulated_study
from hemasim.inference.population import PopulationParameter, SaemSettings, saem


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    start = [PopulationParameter(name, 1.5 * v, 0.5) for name, v in zip(STUDY_FREE, STUDY_TYPICAL, strict=True)]
    covered_typical = np.zeros(len(STUDY_FREE))
    covered_omega = np.zeros(len(STUDY_FREE))
    print(f"SAEM recovery: {n} simulated patients, {repeats} repeats; truth typical {STUDY_TYPICAL.tolist()}, "
          f"omega {STUDY_OMEGA.tolist()}")
    print("| seed | seconds | " + " | ".join(f"{p} typical [95% CI], omega [95% CI]" for p in STUDY_FREE) + " | sigma |")
    print("|---" * (len(STUDY_FREE) + 3) + "|")
    for seed in range(repeats):
        predictor, data, _ = simulated_study(n, seed)
        t0 = time.perf_counter()
        fit = saem(data, predictor, start, SaemSettings(seed=seed))
        dt = time.perf_counter() - t0
        covered_typical += (fit.typical_ci[:, 0] <= STUDY_TYPICAL) & (STUDY_TYPICAL <= fit.typical_ci[:, 1])
        covered_omega += (fit.omega_ci[:, 0] <= STUDY_OMEGA) & (STUDY_OMEGA <= fit.omega_ci[:, 1])
        cells = " | ".join(f"{t:.3g} [{lo:.3g}, {hi:.3g}], {w:.2f} [{wl:.2f}, {wh:.2f}]" for t, (lo, hi), w, (wl, wh)
                           in zip(fit.typical, fit.typical_ci, fit.omega, fit.omega_ci, strict=True))
        print(f"| {seed} | {dt:.1f} | {cells} | {fit.sigma:.3f} |", flush=True)
    print("coverage of the 95% intervals, typical values: "
          + ", ".join(f"{p} {c / repeats:.0%}" for p, c in zip(STUDY_FREE, covered_typical, strict=True)))
    print("coverage of the 95% intervals, omegas: "
          + ", ".join(f"{p} {c / repeats:.0%}" for p, c in zip(STUDY_FREE, covered_omega, strict=True)))


if __name__ == "__main__":
    main()
