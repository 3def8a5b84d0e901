"""Write measurements.csv: synthetic ANC counts of one docetaxel patient on the Friberg chain.

The truth is the Friberg 2002 docetaxel estimates (MTT 88.7 h, gamma 0.161, slope 8.58 L/umol; baseline
5.05e9/L), measured on realistic days of two 21-day cycles with 15% log-normal noise (seeded), values under the
0.1e9/L assay limit reported as censored at it. Run: ``python examples/fit/generate_data.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from hemasim.inference import Objective, load_problem

SEED = 20261204
TRUE = {"mtt_h": 88.7, "gamma": 0.161, "slope": 8.58, "sigma_anc": 0.15}
DAYS = [0, 4, 7, 9, 11, 14, 17, 20, 25, 28, 30, 32, 35, 38, 41, 42]
LLOQ = 0.1


def main() -> None:
    here = Path(__file__).parent
    out = here / "measurements.csv"
    rows = [{"condition": "patient_01", "time_days": d, "observable": "anc", "value": 1.0} for d in DAYS]
    write(out, rows)  # a placeholder table, so the problem loads; replaced below
    objective = Objective(load_problem(here / "problem.yaml"))
    truth = objective.scaled(TRUE)
    predicted = objective.predict(truth[None])[0]
    rng = np.random.default_rng(SEED)
    noisy = predicted * np.exp(TRUE["sigma_anc"] * rng.standard_normal(len(predicted)))
    for row, value in zip(rows, noisy, strict=True):
        row["censored"] = int(value < LLOQ)
        row["value"] = float(f"{max(value, LLOQ):.4g}")
    write(out, rows)


def write(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["condition", "time_days", "observable", "value", "censored"])
        w.writeheader()
        for r in rows:
            w.writerow({"censored": 0, **r})


if __name__ == "__main__":
    main()
