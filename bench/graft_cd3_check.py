"""One-at-a-time check of the assumed default graft CD3+ doses (hemasim.parameters.graft_t_cells; issue 17 point 2:
an assumed value is shown not to matter).

Each assumed default (cord units, autologous marrow) is set to x0.5 and x2 of its value, everything else shipped, and
the validation targets whose scenarios carry that default are evaluated again, each run in a fresh process (no cached
run is shared; the evaluation is bench/regimen_screen.py's). Targets carrying a cord graft without ``cd3_per_kg``:
K1-K3 (hemasim.validation.cord: one unit) and T7 (hemasim.validation.transplant: two units); no target carries an
autologous marrow or cord graft without its own dose. The largest relative change of each check's read-out is
written to bench/results/graft_cd3_check.json and printed.

    PYTHONPATH=src python bench/graft_cd3_check.py [--workers 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing as mp
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "graft_cd3_check.json"
FACTORS = (0.5, 2.0)
#: (source, donor) -> the targets whose scenarios give that graft without a CD3+ dose
TARGETS = {("cord_blood", "allogeneic"): ["K1", "K2", "K3"], ("double_cord_blood", "allogeneic"): ["T7"],
           ("cord_blood", "autologous"): [], ("double_cord_blood", "autologous"): [],
           ("bone_marrow", "autologous"): []}

Job = tuple[tuple[str, str], float, list[str]]  # default patched, factor (1: shipped), target ids


def _worker(job: Job) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "bench"))
    from regimen_screen import _evaluate

    from hemasim.parameters import graft_t_cells
    from hemasim.validation import load_targets

    key, factor, ids = job
    d = graft_t_cells._BY_KEY[key]
    graft_t_cells._BY_KEY[key] = dataclasses.replace(d, cd3_per_kg=d.cd3_per_kg * factor)
    return _evaluate([(g, t) for g, ts in load_targets().items() for t in ts if t["id"] in ids])


def main(argv: list[str] | None = None) -> int:
    from hemasim.io import write_json_report
    from hemasim.parameters.core import Assumed
    from hemasim.parameters.graft_t_cells import GRAFT_CD3_DEFAULTS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    assumed = [(d.source, d.donor) for d in GRAFT_CD3_DEFAULTS if isinstance(d.provenance, Assumed)]
    assert set(assumed) == set(TARGETS), "an assumed default without its list of targets"
    jobs: list[Job] = [(key, f, TARGETS[key]) for key in assumed if TARGETS[key] for f in (1.0, *FACTORS)]
    t0 = time.time()
    with mp.get_context("spawn").Pool(args.workers, maxtasksperchild=1) as pool:
        results = pool.map(_worker, jobs, chunksize=1)
    rows = []
    for key in assumed:
        runs = {f: res for (k, f, _), res in zip(jobs, results, strict=True) if k == key}
        change = {name: max(abs(runs[f][name] - base) / abs(base) if base else abs(runs[f][name]) for f in FACTORS)
                  for name, base in runs.get(1.0, {}).items()}
        top = max(change, key=lambda n: change[n]) if change else None
        rows.append({"source": key[0], "donor": key[1], "targets": TARGETS[key], "changes": change,
                     "largest": {"readout": top, "change": change[top] if top else 0.0}})
        print(f"{key[0]} {key[1]}: targets {TARGETS[key] or 'none'}; largest change "
              f"{rows[-1]['largest']['change']:.1%} ({top})", flush=True)
    # the time on the terminal only: the committed result is reproducible, byte for byte (harden15)
    write_json_report({"factors": list(FACTORS), "rows": rows}, args.out, echo=False)
    print(f"wrote {args.out} ({time.time() - t0:.0f} s wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
