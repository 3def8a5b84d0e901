"""Which lymphocytes make up the count after high-dose melphalan and an autologous graft, and why it never reaches
1000/uL in the first weeks (sixteenth session, branch `lymphrec`, issue 17; the findings and the published figures
are in docs/transplant.md, "Lymphocyte recovery after high-dose melphalan: diagnosis"). An exploration, not a fit:
no shipped value is changed and no validation target is run.

The run is examples/auto_hsct_melphalan.yaml (a man of 58, melphalan 200 mg/m2 on day 0, 5e6 CD34+/kg and the
default autologous 7.6e7 CD3+/kg on day 2), days counted from the graft. For each day it gives the blood count of
every lymphocyte pool split by origin (host: cells that survived melphalan and their progeny; graft: the re-infused
cells and the progeny of the graft's stem cells), the cells each pool gained since the graft by source (marrow or
thymic production against division of cells already in the periphery), and each pool's net per-cell growth rate
(division minus every loss, per day) against the rate the whole count would need to go from its day-15 value to
1000/uL by day 23 (Kim 2006's median day).

Run: PYTHONPATH=src python docs/lymphocyte_recovery_diagnosis.py (about two minutes of CPU).
"""

from __future__ import annotations

import importlib.util
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import yaml
from scipy.optimize import brentq

from hemasim.biology.origins import DONOR, HOST, origin_name
from hemasim.simulation import Result

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "auto_hsct_melphalan.yaml"
GRAFT_DAY = 2.0
DAYS = (0.0, 7.0, 15.0, 23.0, 30.0, 43.0, 60.0, 100.0, 180.0, 365.0)  # after the graft
KIM_DAY, KIM_ALC = 23.0, 1000.0  # Kim 2006: ALC >= 1000/uL from a median of day 23 after the graft


@dataclass(frozen=True)
class Pool:
    """A peripheral lymphocyte pool: its compartment, the flows that bring new cells into it from outside the
    periphery (marrow or thymus), its own division and the flows that take cells out of it."""

    name: str
    compartment: str
    production: tuple[str, ...]
    division: str
    losses: tuple[str, ...]
    conversion_in: tuple[str, ...] = ()  # from another peripheral pool (naive -> memory)


POOLS = (
    Pool("NK", "nk_cells", ("nk_precursor_maturation",), "nk_cells_proliferation", ("nk_cells_death",)),
    Pool("B", "b_cells", ("b_precursor_2_out",), "b_cells_proliferation", ("b_cells_death",)),
    Pool("naive CD4", "naive_cd4", ("thymic_export_cd4",), "naive_cd4_proliferation",
         ("naive_cd4_death", "naive_cd4_to_memory")),
    Pool("CM CD4", "cm_cd4", (), "cm_cd4_proliferation", ("cm_cd4_death",), ("naive_cd4_to_memory",)),
    Pool("EM CD4", "em_cd4", (), "em_cd4_proliferation", ("em_cd4_death",)),
    Pool("naive CD8", "naive_cd8", ("thymic_export_cd8",), "naive_cd8_proliferation",
         ("naive_cd8_death", "naive_cd8_to_memory")),
    Pool("memory CD8", "memory_cd8", (), "memory_cd8_proliferation", ("memory_cd8_death",),
         ("naive_cd8_to_memory",)),
)


def _melphalan_fit() -> ModuleType:
    """bench/melphalan_lymphoid_fit.py as a module (its regimen file with another lymphoid surviving fraction)."""
    spec = importlib.util.spec_from_file_location("melphalan_lymphoid_fit", ROOT / "bench" / "melphalan_lymphoid_fit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(duration_after_graft: float = 365.0, every: float = 0.25, overrides: dict[str, float] | None = None,
        graft_cd3_per_kg: float | None = None, lymphoid: float | None = None) -> Result:
    """The example run (every state kept), ``duration_after_graft`` days after the graft; for a what-if,
    ``overrides`` (parameter values, the scenario's ``parameters:``), the graft's CD3+ dose per kg and melphalan's
    lymphoid surviving fraction (the regimen's other values unchanged)."""
    from hemasim.assembly import run_scenario
    from hemasim.scenario import parse_scenario

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["duration_days"] = GRAFT_DAY + duration_after_graft
    data["output"] = {"every_days": every}
    if overrides:
        data["parameters"] = {**data.get("parameters", {}), **overrides}
    with tempfile.TemporaryDirectory() as folder:
        for iv in data["interventions"]:
            if iv["kind"] == "transplant" and graft_cd3_per_kg is not None:
                iv["cd3_per_kg"] = graft_cd3_per_kg
            if iv["kind"] == "conditioning" and lymphoid is not None:
                iv["regimen"] = _melphalan_fit()._regimen_file(lymphoid, folder)
        return run_scenario(parse_scenario(data, EXAMPLE.name))


def _index(result: Result, day_after_graft: float) -> int:
    return int(np.argmin(np.abs(result.times - (GRAFT_DAY + day_after_graft))))


def per_uL(result: Result) -> float:
    """Blood cells/uL per whole-body cell of a lymphocyte pool (blood share over blood volume), from the model."""
    i = result.model.observable_names.index("nk_cells_per_uL")
    return float(result.model.obs_state_w[i][result.model.index(origin_name("nk_cells", HOST))])


def counts(result: Result, day_after_graft: float) -> dict[str, tuple[float, float]]:
    """Blood count (cells/uL) of each pool on a day after the graft: (host, graft-derived)."""
    i, k = _index(result, day_after_graft), per_uL(result)
    return {p.name: (k * float(result.state(origin_name(p.compartment, HOST))[i]),
                     k * float(result.state(origin_name(p.compartment, DONOR))[i])) for p in POOLS}


def _both(result: Result, flow: str) -> np.ndarray:
    return result.flux(origin_name(flow, HOST)) + result.flux(origin_name(flow, DONOR))


def _integral(result: Result, flow: str, start: float, end: float) -> float:
    t = result.times
    keep = (t >= GRAFT_DAY + start - 1e-9) & (t <= GRAFT_DAY + end + 1e-9)
    return float(np.trapezoid(_both(result, flow)[keep], t[keep]))


def sources(result: Result, end: float, start: float = 0.0) -> dict[str, dict[str, float]]:
    """Cells/uL each pool gained from ``start`` to ``end`` days after the graft by source: new cells from marrow or
    thymus, division in the periphery, conversion from naive cells; and lost (death, conversion out)."""
    k = per_uL(result)
    out = {}
    for p in POOLS:
        out[p.name] = {"production": k * sum(_integral(result, f, start, end) for f in p.production),
                       "division": k * _integral(result, p.division, start, end),
                       "conversion in": k * sum(_integral(result, f, start, end) for f in p.conversion_in),
                       "lost": k * sum(_integral(result, f, start, end) for f in p.losses)}
    return out


def growth(result: Result, day_after_graft: float) -> dict[str, tuple[float, float, float]]:
    """Each pool on a day: (cells/uL, division, losses in cells/uL per day): its own expansion, without production
    from marrow or thymus or conversion in."""
    i, k = _index(result, day_after_graft), per_uL(result)
    out = {}
    for p in POOLS:
        cells = float(result.state(origin_name(p.compartment, HOST))[i]
                      + result.state(origin_name(p.compartment, DONOR))[i])
        out[p.name] = (k * cells, k * float(_both(result, p.division)[i]),
                       k * sum(float(_both(result, f)[i]) for f in p.losses))
    return out


def net_growth_per_day(result: Result, day_after_graft: float) -> dict[str, float]:
    """Each pool's net per-cell growth by its own cells on a day: (division - losses) / cells, per day."""
    return {name: (div - lost) / cells for name, (cells, div, lost) in growth(result, day_after_graft).items()}


def resting(result: Result) -> dict[str, float]:
    """Each pool's resting blood count (cells/uL): the patient's steady state before melphalan."""
    from hemasim.simulation import steady_state

    x, k = steady_state(result.model), per_uL(result)
    return {p.name: k * float(x[result.model.index(origin_name(p.compartment, HOST))]) for p in POOLS}


def half_resting_day(result: Result, pools: tuple[str, ...]) -> float | None:
    """First output day after the graft on which the named pools together hold half their resting count."""
    rest = resting(result)
    half = 0.5 * sum(rest[name] for name in pools)
    k = per_uL(result)
    total = sum(k * (result.state(origin_name(p.compartment, HOST)) + result.state(origin_name(p.compartment, DONOR)))
                for p in POOLS if p.name in pools)
    after = np.flatnonzero((result.times >= GRAFT_DAY) & (total >= half))
    return float(result.times[after[0]] - GRAFT_DAY) if after.size else None


def alc(result: Result, day_after_graft: float) -> float:
    return 1000.0 * float(result.observable("lymphocytes_1e9_per_L")[_index(result, day_after_graft)])


def first_day_at_or_above(result: Result, level_per_uL: float) -> float | None:
    """First day after the graft of 3 consecutive daily values with ALC >= level (Kim 2006's definition)."""
    days = np.arange(1.0, result.times[-1] - GRAFT_DAY + 1e-9, 1.0)
    daily = np.array([alc(result, d) for d in days])
    hits = [i for i in range(len(days) - 2) if (daily[i:i + 3] >= level_per_uL).all()]
    return float(days[hits[0]]) if hits else None


def needed_rate(alc15: float) -> float:
    """Net growth per day that takes the whole count from its day-15 value to Kim's 1000/uL on day 23."""
    return math.log(KIM_ALC / alc15) / (KIM_DAY - 15.0)


#: what-ifs (explorations, none adopted): (label, parameter overrides, graft CD3+/kg)
WHAT_IFS: tuple[tuple[str, dict[str, float], float | None], ...] = (
    ("shipped model", {}, None),
    ("NK lymphopenic fold 10 -> 100", {"nk_lymphopenia_max_fold": 100.0}, None),
    ("CD8 memory fold 8 -> 50", {"cd8_memory_lymphopenia_max_fold": 50.0}, None),
    ("CD4 memory fold 1.7 -> 10", {"cd4_memory_lymphopenia_max_fold": 10.0}, None),
    ("IL-7-like Hill 1 -> 4 (all pools)", {"il7_hill": 4.0}, None),
    ("CD8 memory division 0.01 -> 0.05/day", {"cd8_memory_proliferation_per_day": 0.05}, None),
    ("graft 7.6e7 -> 3.8e8 CD3+/kg", {}, 3.8e8),
)


def what_if(overrides: dict[str, float], graft_cd3_per_kg: float | None) -> dict[str, float | None]:
    """ALC on days 15 and 23 after the graft, their ratio (Kim's median patient needs 1000 / ALC-15), the first day
    of 3 at or above 1000/uL (45 days)."""
    r = run(45.0, 0.25, overrides, graft_cd3_per_kg)
    a15, a23 = alc(r, 15.0), alc(r, KIM_DAY)
    return {"alc15": a15, "alc23": a23, "ratio": a23 / a15, "first_1000": first_day_at_or_above(r, KIM_ALC)}


def held_at_alc15(overrides: dict[str, float], target_alc15: float) -> dict[str, float | None]:
    """The same what-if with melphalan's lymphoid surviving fraction re-solved (0.001-0.3) so that ALC-15 stays at
    ``target_alc15``, as the melphalan fit would hold it: the fraction and ALC on days 23 and 43, or None where no
    fraction reaches the target (the graft and the expansion alone give more)."""
    def alc15(log_s: float) -> float:
        return alc(run(15.5, 0.25, overrides, lymphoid=math.exp(log_s)), 15.0) - target_alc15

    low, high = math.log(0.001), math.log(0.3)
    if alc15(low) > 0.0 or alc15(high) < 0.0:
        return {"lymphoid": None, "alc23": None, "alc43": None}
    s = math.exp(brentq(alc15, low, high, xtol=0.01))
    r = run(45.0, 0.25, overrides, lymphoid=s)
    return {"lymphoid": s, "alc23": alc(r, KIM_DAY), "alc43": alc(r, 43.0)}


#: what-ifs with ALC-15 held by the kill: (label, parameter overrides)
HELD: tuple[tuple[str, dict[str, float]], ...] = (
    ("shipped model", {}),
    ("IL-7-like Hill 1 -> 4 (all pools)", {"il7_hill": 4.0}),
    ("NK fold 100, CD8 memory fold 50, CD4 memory fold 10", {"nk_lymphopenia_max_fold": 100.0,
                                                             "cd8_memory_lymphopenia_max_fold": 50.0,
                                                             "cd4_memory_lymphopenia_max_fold": 10.0}),
    ("the three folds and Hill 4", {"il7_hill": 4.0, "nk_lymphopenia_max_fold": 100.0,
                                    "cd8_memory_lymphopenia_max_fold": 50.0, "cd4_memory_lymphopenia_max_fold": 10.0}),
)


def main() -> None:
    result = run()
    print("| day after graft | ALC | " + " | ".join(p.name for p in POOLS) + " |")
    print("|---" * (len(POOLS) + 2) + "|")
    for d in DAYS:
        c = counts(result, d)
        row = " | ".join(f"{h + g:.0f} ({100 * g / (h + g):.0f}%)" for h, g in c.values())
        print(f"| {d:g} | {alc(result, d):.0f} | {row} |")
    print("\n(in brackets: the graft-derived share)\n")
    rest = resting(result)
    print("resting counts: " + ", ".join(f"{k} {v:.0f}" for k, v in rest.items()) + f"; all {sum(rest.values()):.0f}/uL")
    cd4, cd8 = ("naive CD4", "CM CD4", "EM CD4"), ("naive CD8", "memory CD8")
    print(f"half of resting on day: NK {half_resting_day(result, ('NK',))}, CD8 {half_resting_day(result, cd8)}, "
          f"B {half_resting_day(result, ('B',))}, CD4 {half_resting_day(result, cd4)}\n")
    for end in (15.0, 43.0, 100.0):
        print(f"cells/uL gained from the graft to day {end:g}:")
        for name, s in sources(result, end).items():
            print(f"  {name:11s} " + ", ".join(f"{key} {v:7.1f}" for key, v in s.items()))
    alc15 = alc(result, 15.0)
    need = (KIM_ALC - alc15) / (KIM_DAY - 15.0)
    print(f"\nday 15: each pool's own division and losses, cells/uL/day (Kim's median patient: the whole count must gain "
          f"{need:.0f}/uL/day, {alc15:.0f} -> 1000/uL over days 15-23, {needed_rate(alc15):.3f}/day per cell):")
    g15 = growth(result, 15.0)
    for name, (cells, div, lost) in g15.items():
        print(f"  {name:11s} {cells:6.0f}/uL  division {div:5.2f}  losses {lost:5.2f}  net {div - lost:+5.2f} "
              f"({(div - lost) / cells:+.3f}/day per cell)")
    print(f"  all pools: net {sum(d - lo for _, d, lo in g15.values()):+.1f}/uL/day")
    for d in (7.0, 30.0):
        print(f"  per cell, day {d:g}: " + ", ".join(f"{k} {v:+.3f}" for k, v in net_growth_per_day(result, d).items()))
    print(f"\nfirst day of 3 with ALC >= 1000/uL: {first_day_at_or_above(result, KIM_ALC)} (Kim 2006: median day 23); "
          f"ALC on day 23 / 43 / 100: {alc(result, 23.0):.0f} / {alc(result, 43.0):.0f} / {alc(result, 100.0):.0f}")
    print("\n| what-if (not adopted) | ALC-15 | ALC-23 | ALC-23 / ALC-15 | first day >= 1000/uL |\n|---|---|---|---|---|")
    for label, overrides, cd3 in WHAT_IFS:
        w = what_if(overrides, cd3)
        print(f"| {label} | {w['alc15']:.0f} | {w['alc23']:.0f} | {w['ratio']:.2f} | {w['first_1000'] or 'none by 45'} |")
    print("\n| what-if, ALC-15 held by the kill (not adopted) | lymphoid surviving fraction | ALC-23 | ALC-43 |\n"
          "|---|---|---|---|")
    for label, overrides in HELD:
        h = held_at_alc15(overrides, alc15)
        if h["lymphoid"] is None:
            print(f"| {label} | none in 0.001-0.3 (ALC-15 above {alc15:.0f} at 0.001) | - | - |")
        else:
            print(f"| {label} | {h['lymphoid']:.3f} | {h['alc23']:.0f} | {h['alc43']:.0f} |")


if __name__ == "__main__":
    main()
