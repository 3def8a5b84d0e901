"""Clonal engine benchmark (`make bench`): an HSC pool over 80 years, 7-day steps, at 10k / 100k / 200k
clones (one cell each at the start), neutral and with drivers, each in a fresh process with its peak memory;
then CH populations (lifespans to 100 years) of 1,000 and 10,000 people.
Goal (issue 5): under 10 s for 100,000 clones on 2 cores."""

from __future__ import annotations

import json
import subprocess
import sys

SNIPPET = """
import json, sys, time
from hemasim.clonal import NeutralHSCPool
from hemasim.clonal.ch import DriverLandscape
n = int(sys.argv[1])
drivers = DriverLandscape.from_parameters() if sys.argv[2] == "drivers" else None
t0 = time.perf_counter()
pool = NeutralHSCPool(n, seed=0, drivers=drivers)
hist = pool.run(80, sample_every_years=1)
dt = time.perf_counter() - t0
hwm = [int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(json.dumps({"seconds": dt, "peak_MB": hwm / 1024, "clones_left": hist.n_clones[-1],
                  "largest": hist.largest_clone_fraction[-1]}))
"""

CH_SNIPPET = """
import json, sys, time
from hemasim.clonal.ch import simulate_ch_cohort, simulate_ch_population
n = int(sys.argv[1])
t0 = time.perf_counter()
res = simulate_ch_cohort(n, seed=0) if sys.argv[2] == "1" else simulate_ch_population(n, seed=0, workers=None)
dt = time.perf_counter() - t0
hwm = [int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(json.dumps({"seconds": dt, "peak_MB": hwm / 1024, "p70": res.prevalence(70, 80), "p80": res.prevalence(80, 90),
                  "p90": res.prevalence(90, 101)}))
"""


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="clone-resolved HSC engine: 80 years, 7-day steps")
    for col in ("clones at start", "drivers", "time (s)", "us per clone-year", "peak memory (MB)", "clones at 80 y",
                "largest clone at 80 y"):
        table.add_column(col, justify="right")
    console = Console()
    for mode in ("neutral", "drivers"):
        for n in (10_000, 100_000, 200_000):
            with console.status(f"{n:,} clones, {mode}"):
                out = subprocess.run([sys.executable, "-c", SNIPPET, str(n), mode], check=True, capture_output=True,
                                     text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            table.add_row(f"{n:,}", mode, f"{r['seconds']:.2f}", f"{1e6 * r['seconds'] / (n * 80):.2f}",
                          f"{r['peak_MB']:.0f}", f"{r['clones_left']:,}", f"{100 * r['largest']:.3f}%")
    console.print(table)
    ch = Table(title="clonal-haematopoiesis populations: birth to 100 years, quarter-year exact steps")
    for col in ("people", "processes", "time (s)", "ms per lifespan", "peak memory (MB, parent)", "CH 70-79",
                "CH 80-89", "CH 90-100"):
        ch.add_column(col, justify="right")
    for n, procs in ((1_000, "1"), (10_000, "1"), (10_000, "all")):
        with console.status(f"CH population of {n:,}"):
            out = subprocess.run([sys.executable, "-c", CH_SNIPPET, str(n), procs], check=True, capture_output=True,
                                 text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ch.add_row(f"{n:,}", procs, f"{r['seconds']:.1f}", f"{1e3 * r['seconds'] / n:.1f}", f"{r['peak_MB']:.0f}",
                   *(f"{100 * r[k]:.1f}%" for k in ("p70", "p80", "p90")))
    console.print(ch)


if __name__ == "__main__":
    main()
