"""The arbitrary units' scale symmetries on the validation read-outs (issue 17, branch units31).

    PYTHONPATH=src python bench/unit_symmetry.py [--json bench/results/unit_symmetry.json]

Each family of :data:`hemasim.parameters.units.UNIT_FAMILIES` (antibody, B cells, inflammation, CD8 effectors,
antigen) is rescaled by its own k: every parameter of the family x k**exponent, the vaccine blocks' doses x k for the
antigen, and the solver's absolute tolerance of each state in the unit x k (the error control then sees the same
scaled errors, so the runs take the same steps: without it a run differs from the shipped one by the solver's
tolerance). Every validation read-out of the groups whose runs read these parameters (bench/results/screen_reach.json:
GROUPS, the six groups; the infection and virus groups are among them) is compared with the shipped run's, in fresh
processes. Runs:

* ``power_of_two``: k = 1/4, 4, 2, 1/8, 8 (antibody, B cells, inflammation, CD8, antigen): multiplying by a power of
  two is exact in floating point, so a true symmetry gives bit-identical read-outs;
* ``arbitrary``: k = 0.37, 5.3, 2.9, 0.21, 3.7: the same up to rounding;
* ``leave_out_<name>``: the ``power_of_two`` run with one member left at its value: the symmetry must break (a read-out
  moves), or the test could not fail.

No value changes: a check of the model's structure, whose read-outs include prediction targets' (they steer nothing).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))
from targeted_screen import validation_in_child  # noqa: E402 - the same child process as the targeted screen

GROUPS = ["hpv_dose_count", "infection_and_vaccines", "mrna_vaccine_prime_and_boost", "other_predictions",
          "vaccines_and_immune_reconstitution", "vaccine_boosters_and_chemotherapy_lymphodepletion"]
POWER_OF_TWO = {"antibody": 0.25, "b_cells": 4.0, "inflammation": 2.0, "cd8_effectors": 0.125, "antigen": 8.0}
ARBITRARY = {"antibody": 0.37, "b_cells": 5.3, "inflammation": 2.9, "cd8_effectors": 0.21, "antigen": 3.7}
#: the members left out in turn (one of each family's that the groups read, each a member of one family only)
LEAVE_OUT = ("antibody_feedback_half_max_au", "inflammation_half_max_au", "cd8_kill_per_au_day",
             "vaccine_antigen_half_saturation_au")


def values_in_child(k: dict[str, float], groups: list[str], leave_out: tuple[str, ...] = ()) -> dict[str, float]:
    """Every check's value of ``groups`` with each family of ``k`` rescaled (a fresh process: caches stay clean)."""
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.parameters.units import parameter_factors

    table = healthy_adult_parameters()
    values = {n: table.value(n) * f for n, f in parameter_factors(k).items() if n not in leave_out}
    preamble = f"""
from hemasim import solvers
from hemasim.parameters.units import state_factors
k = {k!r}
plain_atol = solvers.Solver.atol
def scaled_atol(self, model):  # each state in a unit measured in that unit: the same scaled errors, the same steps
    return plain_atol(self, model) * state_factors(model.state_names, model.state_tags, k)
solvers.Solver.atol = scaled_atol
import hemasim.interventions.vaccine as vaccine
plain_infusion = vaccine.CellInfusion  # the vaccine blocks' doses (and the reference adult's) are in antigen units
vaccine.CellInfusion = lambda day, state, amount: plain_infusion(day, state, amount * k.get("antigen", 1.0))
"""
    return validation_in_child(values, groups, preamble)


def compared(base: dict[str, float], run: dict[str, float]) -> dict[str, object]:
    """Each read-out's relative change (absolute for a read-out 0 at the base): the largest, how many are bitwise
    equal, those that are not but within 1e-9, and those beyond."""
    changes = {}
    for key, v0 in base.items():
        v = run.get(key, math.nan)
        changes[key] = abs(v - v0) / abs(v0) if v0 != 0 else abs(v - v0)
    largest = max(changes, key=lambda key: changes[key])
    return {"readouts": len(changes), "identical": sum(run.get(key) == v for key, v in base.items()),
            "largest": {"readout": largest, "change": changes[largest]},
            "within_1e-9_not_identical": {key: c for key, c in sorted(changes.items(), key=lambda kv: -kv[1])
                                          if 0 < c <= 1e-9},
            "over_1e-9": {key: c for key, c in sorted(changes.items(), key=lambda kv: -kv[1]) if not c <= 1e-9}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "unit_symmetry.json")
    args = ap.parse_args()
    out: dict[str, object] = {"method": __doc__.split("\n\n", 2)[2].strip(), "groups": GROUPS, "runs": {}}
    t0 = time.time()
    base = values_in_child({}, GROUPS)
    print(f"base run: {time.time() - t0:.1f} s", flush=True)  # printed, not written: committed results hold no times
    runs = {"power_of_two": (POWER_OF_TWO, ()), "arbitrary": (ARBITRARY, ())}
    runs |= {f"leave_out_{n}": (POWER_OF_TWO, (n,)) for n in LEAVE_OUT}
    for name, (k, leave_out) in runs.items():
        t0 = time.time()
        row = {"k": k, "left_out": list(leave_out), **compared(base, values_in_child(k, GROUPS, leave_out))}
        out["runs"][name] = row  # type: ignore[index]
        print(f"{name}: largest {row['largest']}, {row['identical']}/{row['readouts']} identical "
              f"({time.time() - t0:.1f} s)", flush=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
