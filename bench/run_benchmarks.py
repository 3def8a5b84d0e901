"""hemasim benchmarks (`make bench`): timings printed as a table.

* healthy runs of 1 and 80 years, in-process after warm-up (median of repeats);
* the same from a fresh interpreter (import, model build, cached kernel load included), with the one-patient kernels
  compiled ahead of time (hemasim.solvers._aot, built by the warm-up) and with numba's (``HEMASIM_AOT=0``);
* the one-off numba compilation, in a fresh interpreter with an empty kernel cache.

Numbers depend on the machine; the table says which one it ran on.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

RUN_SNIPPET = """
import time; t0 = time.perf_counter()
import hemasim as hs
from hemasim.biology import Covariates, healthy_human_model
from hemasim.simulation import Simulation
r = Simulation(healthy_human_model(Covariates(20.0, "male", 70.0, 175.0))).run({days}, output_every_days=1.0)
r.observables
print(time.perf_counter() - t0)
"""


def in_process(days: float, repeats: int) -> tuple[float, float]:
    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.simulation import Simulation

    cov = Covariates(20.0, "male", 70.0, 175.0)
    Simulation(healthy_human_model(cov)).run(10.0)  # warm-up: kernel loaded
    total, integrate = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        sim = Simulation(healthy_human_model(cov))
        t1 = time.perf_counter()
        r = sim.run(days, output_every_days=1.0)
        t2 = time.perf_counter()
        _ = r.observables  # the DataFrame is part of what a run costs
        t3 = time.perf_counter()
        total.append(t3 - t0)
        integrate.append(t2 - t1)
    return statistics.median(total), statistics.median(integrate)


def fresh_interpreter(days: float, repeats: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", RUN_SNIPPET.format(days=days)], check=True, capture_output=True,
                       env={**os.environ, **(env or {})})
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    rows = []
    with console.status("benchmarking"):
        for label, days in (("1 year", 365.0), ("80 years", 80 * 365.25)):
            total, integ = in_process(days, repeats=5)
            rows.append((f"healthy run, {label}, daily output", "in process (no import)", total, integ))
            rows.append((f"healthy run, {label}, daily output", "fresh interpreter (import included)",
                         fresh_interpreter(days, repeats=3), None))
        rows.append(("healthy run, 1 year, daily output", "fresh interpreter, numba's kernels (HEMASIM_AOT=0)",
                     fresh_interpreter(365.0, repeats=3, env={"HEMASIM_AOT": "0"}), None))
        with tempfile.TemporaryDirectory() as cache:
            rows.append(("healthy run, 1 year", "fresh interpreter, empty numba cache (compile included)",
                         fresh_interpreter(365.0, repeats=1, env={"NUMBA_CACHE_DIR": cache, "HEMASIM_AOT": "0"}),
                         None))
    table = Table(title=f"hemasim benchmarks - {platform.processor() or platform.machine()}, "
                        f"{os.cpu_count()} cores, Python {platform.python_version()}")
    table.add_column("case")
    table.add_column("how")
    table.add_column("wall time (s)", justify="right")
    table.add_column("of which integration (s)", justify="right")
    for case, how, t, integ in rows:
        table.add_row(case, how, f"{t:.3f}", "" if integ is None else f"{integ:.4f}")
    console.print(table)


if __name__ == "__main__":
    main()
