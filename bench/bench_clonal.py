"""Clonal engine benchmark (`make bench`): a neutral HSC pool over 80 years, 7-day steps, at 10k / 100k /
200k clones (one cell each at the start), each in a fresh process with its peak memory.
Goal (issue 5): under 10 s for 100,000 clones on 2 cores."""

from __future__ import annotations

import json
import subprocess
import sys

SNIPPET = """
import json, sys, time
from hemasim.clonal import NeutralHSCPool
n = int(sys.argv[1])
t0 = time.perf_counter()
pool = NeutralHSCPool(n, seed=0)
hist = pool.run(80, sample_every_years=1)
dt = time.perf_counter() - t0
hwm = [int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(json.dumps({"seconds": dt, "peak_MB": hwm / 1024, "clones_left": hist.n_clones[-1],
                  "largest": hist.largest_clone_fraction[-1]}))
"""


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="clone-resolved HSC engine: 80 years, 7-day steps, neutral")
    for col in ("clones at start", "time (s)", "us per clone-year", "peak memory (MB)", "clones at 80 y",
                "largest clone at 80 y"):
        table.add_column(col, justify="right")
    console = Console()
    for n in (10_000, 100_000, 200_000):
        with console.status(f"{n:,} clones"):
            out = subprocess.run([sys.executable, "-c", SNIPPET, str(n)], check=True, capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        table.add_row(f"{n:,}", f"{r['seconds']:.2f}", f"{1e6 * r['seconds'] / (n * 80):.2f}", f"{r['peak_MB']:.0f}",
                      f"{r['clones_left']:,}", f"{100 * r['largest']:.3f}%")
    console.print(table)


if __name__ == "__main__":
    main()
