"""Which validation groups can each parameter act on? (issue 17, branch screen30)

    PYTHONPATH=src python bench/screen_reach.py [--groups g1,g2 | --changed] [--json bench/results/screen_reach.json]

``--changed`` traces again only the groups whose traced ``targets`` differ from targets.yaml's (targets added to
or taken from a group since its trace), and the groups not traced yet; bench/reach_screen.py then screens the
parameters that read them there again.

Runs each group of targets.yaml's validation alone, in a fresh process (no cache carried over from another group),
with every read of a parameter record's ``value`` attribute recorded (``Parameter.__getattribute__`` wrapped before
the run), and writes, per group, the names of the parameters whose value was read while its targets were evaluated.
A parameter whose value no group reads cannot move a validation read-out; one read by a group may (the read can be
idle: this is an upper bound of where a parameter acts, not a screen). Everything the model builds - flows,
feedbacks, events, interventions, the Python that sets a scenario up - reads values through the record, so the
trace sees every way a value enters a run of the shipped code. Not seen: a value copied at import (before the trace
starts) into a module constant; the targeted screen (bench/targeted_screen.py) cannot vary such a value either.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import importlib, json, sys
from hemasim.parameters import SOURCE_MODULES
from hemasim.parameters.core import Parameter
for mod in SOURCE_MODULES:  # the records made at import: their checks of value against bounds are not reads
    importlib.import_module(f"hemasim.parameters.sets.{mod}")
read = set()
_get = object.__getattribute__
def traced(self, attr):
    # a record checking its own value as it is made (with_values, replace) does not put the value into a run
    if attr == "value" and sys._getframe(1).f_code.co_name != "__post_init__":
        read.add(_get(self, "name"))
    return _get(self, attr)
Parameter.__getattribute__ = traced
from hemasim.validation import run_validation
report = run_validation(groups=[sys.argv[1]])
n = sum(1 for t in report.targets for c in t.checks if c.value is not None)
print(json.dumps({"read": sorted(read), "targets": [t.id for t in report.targets], "readouts": n}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", default="")
    ap.add_argument("--changed", action="store_true", help="only the groups whose targets changed since their trace")
    ap.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "screen_reach.json")
    args = ap.parse_args()
    from hemasim.validation import load_targets

    targets = load_targets()
    groups = [g for g in args.groups.split(",") if g] or list(targets)
    out: dict[str, dict[str, object]] = json.loads(args.json.read_text()) if args.json.exists() else {}
    if args.changed:
        groups = [g for g in groups if g not in out or out[g]["targets"] != [t["id"] for t in targets[g]]]
    for g in groups:
        t0 = time.time()
        done = subprocess.run([sys.executable, "-c", CHILD, g], capture_output=True, text=True, check=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        out[g] = row  # no run time in the committed file: printed instead
        print(f"{g}: {len(row['read'])} parameters read, {row['readouts']} read-outs, {time.time() - t0:.1f} s",
              flush=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
