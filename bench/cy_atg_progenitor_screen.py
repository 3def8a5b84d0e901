"""cy_atg's cyclophosphamide progenitor surviving fraction, screened one at a time over the range its data leave
(branch mend37f, review37f): the value is the edge of an upper bound (docs/transplant.md, "Cy/ATG marrow kill"), so
the screen's x2 (0.196) lies above what the neutrophil data allow; s 0.001, 0.098 (shipped) and 0.0989, each in a
fresh process with bench/regimen_screen.py's _patch/_evaluate on the targets that run cy_atg (M1, M2, R7). The
entry of src/hemasim/sensitivity/regimen_screen.json for this fraction records the outcome.
Usage: ``PYTHONPATH=src python bench/cy_atg_progenitor_screen.py``; writes bench/results/cy_atg_progenitor_screen.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VALUES = ("0.098", "0.001", "0.0989")  # the shipped value first: the changes are relative to it


def _one(value: float) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "bench"))
    import regimen_screen as rs

    from hemasim.validation import load_targets

    rs._patch(("cy_atg", 0, "progenitor"), value)
    chosen = [(g, t) for g, ts in load_targets().items() for t in ts if t["id"] in ("M1", "M2", "R7")]
    return rs._evaluate(chosen)


def main() -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = {}
    for v in VALUES:  # a fresh process per value: no cached scenario run is shared
        r = subprocess.run([sys.executable, __file__, v], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
        out[v] = json.loads(r.stdout.strip().splitlines()[-1])
        print(v, out[v], flush=True)
    base = out[VALUES[0]]
    change = {k: max(abs(out[v][k] - b) / abs(b) for v in VALUES[1:]) for k, b in base.items()}
    print("largest relative change per read-out:", change)
    path = ROOT / "bench" / "results" / "cy_atg_progenitor_screen.json"
    path.write_text(json.dumps({"values": out, "largest_change": change}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(_one(float(sys.argv[1]))))
        raise SystemExit(0)
    raise SystemExit(main())
