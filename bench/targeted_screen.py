"""Targeted screen: does one parameter move any validation read-out? (issue 17 item 2, branch lymph)

    PYTHONPATH=src python bench/targeted_screen.py PARAMETER [PARAMETER ...] [--groups g1,g2] [--json out.json]
        [--sourced-range]

Runs the validation read-outs (every check of targets.yaml, or only the named groups) with each parameter at
x0.5 and x2 of its shipped value (clipped to its record's bounds), or with ``--sourced-range`` at the two ends of
its record's sourced plausible range (``Parameter.plausible_range``; an error for a parameter without one), one
parameter at a time, and prints the
largest relative change of any read-out against the shipped values, with the read-outs that move by more than
10%. One factor at a time (unlike the Morris screen, which varies all assumed parameters together and so
mixes in the failures at the corners of its box). A fitted parameter whose fit held the screened one is refitted at
each setting (the Morris screen's couplings, bench/sensitivity_screen.py: the naive declines at each lymphocyte
reference age; docs/sensitivity.md); ``--hold-fitted`` keeps the fitted values instead, for comparison;
``--calibration-refits`` refits the calibrations of bench/calibration_refits.py as well (I1, D3, G1: the fitted
value restoring the calibrated read-out, or the G1 fit redone; a refit that cannot restore its read-out within the
record's bounds is listed in the row). ``--values NAME=LOW,HIGH`` screens NAME at those two values instead (a fitted value's interval).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def add_changes(changes: dict[str, float], base: dict[str, float], varied: dict[str, float]) -> None:
    """Raise each read-out's entry of ``changes`` to its change from ``base`` to ``varied``: relative, absolute for a
    read-out 0 at the base, infinite where it gains or loses its value; unchanged where it has none at either (a count
    never under a threshold)."""
    for key, v0 in base.items():
        v = varied.get(key, math.nan)
        if math.isnan(v0) and math.isnan(v):
            changes.setdefault(key, 0.0)
            continue
        rel = abs(v - v0) / abs(v0) if v0 != 0 else abs(v - v0)
        changes[key] = max(changes.get(key, 0.0), rel if math.isfinite(rel) else math.inf)


def validation_in_child(values: dict[str, float], groups: list[str], preamble: str = "") -> dict[str, float]:
    """Every covered check's value of ``groups`` (all where empty), keyed ``TARGET:readout`` (a later check of the same
    target and read-out replaces an earlier), in a fresh process (caches stay clean) whose shipped table has the
    parameters of ``values`` (name -> value, in its unit) at those values, each record's bounds widened to hold its
    value, and which runs ``preamble`` (Python source) before the validation. The child of this screen and of
    bench/unit_symmetry.py."""
    code = f"""
import dataclasses, importlib, json
from hemasim.parameters import SOURCE_MODULES
values, groups = {values!r}, {groups!r}
for mod in SOURCE_MODULES:
    m = importlib.import_module(f"hemasim.parameters.sets.{{mod}}")
    for i, p in enumerate(m.PARAMETERS):
        if p.name in values:
            v = values[p.name]
            m.PARAMETERS[i] = dataclasses.replace(p, value=v, bounds=(min(p.bounds[0], v), max(p.bounds[1], v)))
{preamble}
from hemasim.validation import run_validation
report = run_validation(groups=groups or None)
out = {{}}
for t in report.targets:
    for c in t.checks:
        if c.value is not None:
            out[f"{{t.id}}:{{c.readout}}"] = float(c.value)
print(json.dumps(out))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _values_in_child(parameter: str, factor: float, groups: list[str],
                     value: float | None = None, refitted: dict[str, float] | None = None) -> dict[str, float]:
    """Every covered check's value with ``parameter`` scaled by ``factor`` (clipped to its record's bounds), or set
    to ``value`` where given (clipped too), and the ``refitted`` parameters at their values (a fresh process)."""
    from hemasim.parameters import healthy_adult_parameters

    record = healthy_adult_parameters()[parameter]
    lo, hi = record.bounds
    new = value if value is not None else whole_if_count(parameter, record.value * factor)
    return validation_in_child({**(refitted or {}), parameter: min(max(new, lo), hi)}, groups)


def whole_if_count(name: str, value: float) -> float:
    """``value``, rounded down to a whole number where the builder reads ``name`` as a count of stages
    (hemasim.sensitivity.run.whole_counts, the Morris screen's rule; a value within 1e-9 of a whole number is that
    number first): x0.5 of 3 stages is 1, as the build's ``int`` made it before counts were checked, so the rows
    screened then stand (x0.5 and x2 of a whole count are exact products, so the snap changes none of them)."""
    import pandas as pd

    from hemasim.sensitivity.run import whole_counts

    return float(whole_counts(pd.DataFrame({name: [value]}))[name].iloc[0])


def screen_ends(name: str, sourced_range: bool) -> list[tuple[float, float | None]]:
    """The two settings a parameter is screened at, each (factor, value): x0.5 and x2 its shipped value (value None),
    or with ``sourced_range`` the two ends of its record's sourced plausible range (SystemExit where it has none)."""
    if not sourced_range:
        return [(0.5, None), (2.0, None)]
    from hemasim.parameters import healthy_adult_parameters

    rng = healthy_adult_parameters()[name].plausible_range
    if rng is None:
        raise SystemExit(f"{name}: --sourced-range asks for a sourced plausible range and its record has none")
    return [(1.0, rng.low), (1.0, rng.high)]


def refitted_at(name: str, factor: float, value: float | None, calibration: bool = False) -> dict[str, float]:
    """The fitted parameters the Morris screen's couplings refit when ``name`` is set as ``_values_in_child`` sets it
    (its value clipped to the record's bounds), by name; empty where no coupling has ``name`` as a source. With
    ``calibration`` the calibrations of bench/calibration_refits.py are refitted too (I1, D3, G1)."""
    import pandas as pd

    if str(ROOT / "bench") not in sys.path:  # the Morris screen's couplings, declared beside this script
        sys.path.insert(0, str(ROOT / "bench"))
    from calibration_refits import calibration_couplings
    from sensitivity_screen import couplings

    from hemasim.parameters import healthy_adult_parameters
    from hemasim.sensitivity.coupling import coupled_columns

    table = healthy_adult_parameters()
    lo, hi = table[name].bounds if table[name].bounds else (-math.inf, math.inf)
    at = min(max(value if value is not None else whole_if_count(name, table.value(name) * factor), lo), hi)
    coupled = couplings() + (calibration_couplings() if calibration else ())
    row = coupled_columns(pd.DataFrame({name: [at]}), coupled, table)
    return {c: float(row[c].iloc[0]) for c in row.columns}


def given_values(specs: list[str], screened: list[str]) -> dict[str, list[tuple[float, float | None]]]:
    """``--values NAME=LOW,HIGH`` as each NAME's two settings (factor 1, value). Refused (SystemExit, saying what is
    allowed): a NAME not among the ``screened`` parameters (it would be ignored), not two numbers, or a value outside
    the record's bounds (the child would clip it to a point not asked for)."""
    from hemasim.parameters import healthy_adult_parameters

    table = healthy_adult_parameters()
    out: dict[str, list[tuple[float, float | None]]] = {}
    for spec in specs:
        name, _, ends = spec.partition("=")
        if name not in screened:
            raise SystemExit(f"--values {spec}: {name!r} is not among the screened parameters "
                             f"({', '.join(screened)}); name it as a PARAMETER too")
        try:
            values = [float(v) for v in ends.split(",")]
        except ValueError:
            values = []
        if len(values) != 2:
            raise SystemExit(f"--values {spec}: give two numbers, NAME=LOW,HIGH, in {name}'s unit "
                             f"({table[name].unit})")
        lo, hi = table[name].bounds
        outside = [v for v in values if not lo <= v <= hi]
        if outside:
            raise SystemExit(f"--values {spec}: {', '.join(f'{v:g}' for v in outside)} outside {name}'s bounds "
                             f"[{lo:g}, {hi:g}] {table[name].unit}; give values within them")
        out[name] = [(1.0, v) for v in values]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("parameters", nargs="+")
    ap.add_argument("--groups", default="")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--sourced-range", action="store_true",
                    help="vary each parameter to the ends of its record's sourced plausible range, not x0.5-x2")
    ap.add_argument("--hold-fitted", action="store_true",
                    help="keep the fitted parameters whose fit held the screened one (default: refit them)")
    ap.add_argument("--calibration-refits", action="store_true",
                    help="refit the calibrations of bench/calibration_refits.py too (I1, D3, G1: branch refit31)")
    ap.add_argument("--values", action="append", default=[], metavar="NAME=LOW,HIGH",
                    help="screen NAME at these two values (in its unit) instead (a fitted value's interval)")
    args = ap.parse_args()
    groups = [g for g in args.groups.split(",") if g]
    given = given_values(args.values, args.parameters)
    ends = {name: given.get(name) or screen_ends(name, args.sourced_range) for name in args.parameters}
    base = _values_in_child(args.parameters[0], 1.0, groups)
    results = {}
    for name in args.parameters:
        changes: dict[str, float] = {}
        refits: dict[str, dict[str, float]] = {}
        for factor, value in ends[name]:
            refitted = {} if args.hold_fitted else refitted_at(name, factor, value, args.calibration_refits)
            refits[f"{value:g}" if value is not None else f"x{factor:g}"] = refitted
            varied = _values_in_child(name, factor, groups, value, refitted)
            add_changes(changes, base, varied)
        moved = {k: round(v, 4) for k, v in sorted(changes.items(), key=lambda kv: -kv[1]) if v > 0.10}
        largest = max(changes.values(), default=0.0)
        results[name] = {"largest_relative_change": largest, "moved_over_10pct": moved,
                         "varied_to": [v if v is not None else f"x{f:g}" for f, v in ends[name]],
                         "refitted": refits, "changes": {k: round(v, 6) for k, v in sorted(changes.items())}}
        if args.calibration_refits:
            from calibration_refits import BOUND_HITS

            results[name]["refit_not_restored"] = [
                {"fitted": f, "held": dict(h), "value": b, "readout_there": r,
                 "readout_shipped": None if math.isnan(g) else g}  # None: a least-squares fit (G1), no read-out
                for (f, h), (b, r, g) in BOUND_HITS.items()]
            BOUND_HITS.clear()  # each parameter's row lists the bounds its own refits reached
        print(f"{name}: largest relative change {largest:.3g}; >10%: {moved or 'none'}; refitted: {refits}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
