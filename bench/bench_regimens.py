"""Regimen benchmarks (`make bench`): chemotherapy, G-CSF and transplant scenarios.

Single runs in process (median of repeats, after a warm-up) of the shipped examples, the Friberg
chain alone, and a 10,000-patient docetaxel cohort end to end (sampling, model with PK/PD, steady
state, integration with per-patient dose rules, endpoints, Parquet).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def single(example: str, repeats: int = 5) -> tuple[float, int]:
    from hemasim.assembly import run_scenario
    from hemasim.scenario import load_scenario

    s = load_scenario(ROOT / "examples" / example)
    run_scenario(s)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = run_scenario(s)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), r.model.n_states


def friberg(repeats: int = 20) -> tuple[float, int]:
    from hemasim.pharmacology import Regimen, friberg_model, load_drug_set
    from hemasim.simulation import Simulation

    model = friberg_model(load_drug_set("docetaxel_kloft2006")).compile()
    reg = Regimen(0.0, "docetaxel", "iv_infusion", 190_000.0, 1 / 24, cycle_offsets=(0.0, 21.0, 42.0, 63.0))
    Simulation(model, events=[reg]).run(84.0, 0.25)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        Simulation(model, events=[reg]).run(84.0, 0.25)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), model.n_states


def cohort(n: int) -> tuple[float, int]:
    from hemasim.assembly import build_model
    from hemasim.cohort import run_cohort
    from hemasim.scenario import load_scenario

    s = load_scenario(ROOT / "examples" / "cohort_docetaxel.yaml")
    n_states = build_model(s).compile().n_states
    with tempfile.TemporaryDirectory() as d:
        run_cohort(s, 200, d, progress=False)  # warm-up
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        run_cohort(s, n, d, partition_size=2000, progress=False)
        return time.perf_counter() - t0, n_states


def main(n_cohort: int = 10_000) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title=f"hemasim regimen benchmarks - {os.cpu_count()} cores (in process, after warm-up)")
    for col in ("case", "states", "wall time (s)"):
        t.add_column(col, justify="left" if col == "case" else "right")
    with console.status("benchmarking regimens"):
        for example, label in (("docetaxel_q3w.yaml", "docetaxel q3w x4 with a delay rule, 84 d, 6-h output"),
                               ("docetaxel_q3w_pegfilgrastim.yaml", "docetaxel q3w x4 + pegfilgrastim, 84 d"),
                               ("allo_hsct_pbsc.yaml", "Cy/TBI 12 Gy + PBSC graft, host/donor model, 372 d"),
                               ("xscid_unconditioned.yaml", "X-SCID infant, unconditioned graft, 737 d")):
            sec, n = single(example)
            t.add_row(label, str(n), f"{sec:.3f}")
        sec, n = friberg()
        t.add_row("Friberg chain, docetaxel q3w x4, 84 d", str(n), f"{sec:.4f}")
        sec, n = cohort(n_cohort)
        t.add_row(f"docetaxel cohort, {n_cohort:,} patients, 3 cycles, end to end", str(n), f"{sec:.2f}")
    console.print(t)


if __name__ == "__main__":
    main(1_000 if "--quick" in sys.argv else 10_000)
