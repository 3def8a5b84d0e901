"""Why the reduced-intensity example's donor myeloid share falls after day 14 and why its DLI barely moves the T cells
(thirty-second session, branch `ric36`, report36; the findings are in docs/chimerism.md, "The RIC example's chimerism
(thirty-second session)"). A diagnosis, not a fit: no shipped value is changed; the sensitivity rows at the end are
what-ifs, not candidates, and X1-X3 are printed only because the brief asks for their scenario's pools.

Prints, for examples/ric_allo_hsct.yaml (Flu/TBI 2 Gy, PBSC 5e6 CD34+/kg on day 4, ciclosporin/MMF) and for X1-X3's
scenario (validation/scenarios/ric_flu_bu2.yaml: Flu/Bu2, the same graft on day 10, ciclosporin):

1. host and donor stem (HSC), short-term (ST-HSPC) and multipotent progenitor (MPP) cells on days after the graft,
   beside the donor share of blood myeloid cells (neutrophils + monocytes) and T cells;
2. the alloreactive kill rate per host cell, k * D / D_ref * S (D the donor memory T cells, S the immunosuppression's
   remaining share), on the same days;
3. the DLI arm: D just before and after the infusion, and the day-180 donor T share with and without it;
4. what-ifs (not adopted): the graft's engrafting HSCs per CD34+ cell at the young PBSC donors' bottleneck
   (Spencer Chapman 2024 pairs 24 and 41, about 4e-5 and 7e-5 per CD34+ cell against pair 11's 5.6e-6), no
   inhibition by the immunosuppression, and DLIs of 1e8 and 1e9 CD3+/kg.

Run: PYTHONPATH=src python docs/ric_chimerism_diagnosis.py (about a minute of CPU once the kernels are built).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hemasim.assembly import run_scenario
from hemasim.biology.alloreactivity import ALLOREACTIVE_POOLS
from hemasim.interventions.chimerism import lineage_chimerism
from hemasim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1] / "src" / "hemasim"
EXAMPLE = ROOT / "examples" / "ric_allo_hsct.yaml"
X_SCENARIO = ROOT / "validation" / "scenarios" / "ric_flu_bu2.yaml"
POOLS = ("hsc", "st_hspc", "mpp")
COUNTS = ("anc_1e9_per_L", "monocytes_1e9_per_L", "cd3_per_uL")


def scenario(path: Path, arm: str | None = None, parameters: dict | None = None,
             dli_per_kg: float | None = None) -> Scenario:
    """The scenario at ``path`` (one arm of it, its interventions as the base), with parameter overrides and the DLI's
    dose changed."""
    sc = load_scenario(path)
    data = sc.model_dump(mode="json", exclude_none=True)
    if arm is not None:
        chosen = next(a for a in data["arms"] if a["name"] == arm)
        data["interventions"] = chosen.get("interventions", data["interventions"])
    data.pop("arms", None)
    if parameters:
        data["parameters"] = {**data.get("parameters", {}), **parameters}
    if dli_per_kg is not None:
        for iv in data["interventions"]:
            if iv["kind"] == "donor_lymphocyte_infusion":
                iv["cd3_per_kg"] = dli_per_kg
    return type(sc).model_validate(data)


def graft_day(sc: Scenario) -> float:
    return float(next(iv.day for iv in sc.interventions if iv.kind == "transplant"))


def at(result, name: str, day: float) -> float:
    return float(np.interp(day, result.times, result.state(name)))


def shares(result, day: float) -> tuple[float, float]:
    """Donor share of blood myeloid cells and of T cells on scenario day ``day``."""
    obs = {}
    for c in COUNTS:
        for n in (c, f"{c}__donor"):
            obs[n] = np.array([[np.interp(day, result.times, result.observable(n))]])
    return float(lineage_chimerism(obs, "myeloid")[0, 0]), float(lineage_chimerism(obs, "t")[0, 0])


def remaining(sc: Scenario, day: float, inhibition: float = 0.8) -> float:
    """S on scenario day ``day``: the share of the kill the scenario's immunosuppression courses leave (shipped
    inhibition 0.8 at full dose, the taper's steps at their midpoints)."""
    s = 1.0
    for iv in sc.interventions:
        if iv.kind == "immunosuppression":
            for start, end, level in iv.course().phases(inhibition if iv.inhibition is None else iv.inhibition):
                if start <= day < end:
                    s *= 1.0 - level
    return s


def table(path: Path, days: tuple[int, ...], arm: str | None = None) -> None:
    sc = scenario(path, arm)
    g = graft_day(sc)
    r = run_scenario(sc)
    print(f"{path.name}{' arm ' + arm if arm else ''} (graft on day {g:g}; cells whole-body)")
    print("  day+ | HSC host / donor (share) | ST-HSPC host / donor | MPP host / donor | myeloid | T | D/D_ref | S | "
          "kill/day")
    d_ref = D_REF
    k = 0.1  # graft_versus_host_kill_rate_per_day, shipped
    for d in days:
        t = g + d  # day -1: the day before the graft (after any conditioning given by then)
        cells = [(at(r, f"{p}__host", t), at(r, f"{p}__donor", t)) for p in POOLS]
        m, tc = shares(r, t) if d >= 0 else (float("nan"), float("nan"))
        dd = sum(at(r, f"{p}__donor", t) for p in ALLOREACTIVE_POOLS) / d_ref
        (hh, hd), (sh, sd), (mh, md) = cells
        print(f"  {d:4d} | {hh:8.0f} / {hd:6.0f} ({hd / (hh + hd):.3f}) | {sh:7.0f} / {sd:6.0f} | {mh:6.0f} / {md:6.0f}"
              f" | {m:.3f} | {tc:.3f} | {dd:.3f} | {remaining(sc, t):.2f} | {k * dd * remaining(sc, t):.4f}")


def reference_memory() -> float:
    from hemasim.biology import reference_adult_model

    ref = reference_adult_model()
    return float(sum(ref.x0[ref.index(p)] for p in ALLOREACTIVE_POOLS))


D_REF = reference_memory()


def memory_share() -> float:
    """Share of a graft's or DLI's CD3+ cells placed in the memory pools (the reference adult's proportions)."""
    from hemasim.biology.transplant import T_POOLS, reference_lymphocyte_state

    ref = dict(reference_lymphocyte_state())
    return sum(ref[p] for p in ALLOREACTIVE_POOLS) / sum(ref[p] for p in T_POOLS)


MEMORY_SHARE = memory_share()


def dli() -> None:
    print(f"D_ref (reference adult's memory T cells) {D_REF:.3g}; memory share of a CD3+ dose {MEMORY_SHARE:.3f}")
    base = run_scenario(scenario(EXAMPLE, "no_dli"))
    g = 4.0
    for dose in (1e7, 1e8, 1e9):
        sc = scenario(EXAMPLE, "dli_day120", dli_per_kg=dose)
        r = run_scenario(sc)
        day = next(iv.day for iv in sc.interventions if iv.kind == "donor_lymphocyte_infusion")
        # the outputs are daily: the day before the infusion and its day (one day of the pools' own growth in between)
        before = sum(at(r, f"{p}__donor", day - 1) for p in ALLOREACTIVE_POOLS)
        after = sum(at(r, f"{p}__donor", day) for p in ALLOREACTIVE_POOLS)
        given = dose * 75.0 * MEMORY_SHARE  # the example's 75-kg man; the graft's blood proportions
        print(f"DLI {dose:.0e} CD3+/kg on day {day:g}: {given:.3g} memory T cells given; donor memory T {before:.3g} "
              f"(day before) -> {after:.3g} (+{after / before - 1:.1%}, D/D_ref {before / D_REF:.3f} -> "
              f"{after / D_REF:.3f}); "
              f"day+180 T share {shares(r, g + 180)[1]:.3f} (no DLI {shares(base, g + 180)[1]:.3f}), "
              f"myeloid {shares(r, g + 180)[0]:.3f} (no DLI {shares(base, g + 180)[0]:.3f})")


def what_ifs() -> None:
    rows = (("shipped values", {}),
            ("engrafting_hsc_per_cd34 4e-5 (pair 24's order)", {"engrafting_hsc_per_cd34": 4e-5}),
            ("engrafting_hsc_per_cd34 7e-5 (pair 41's order)", {"engrafting_hsc_per_cd34": 7e-5}),
            ("no inhibition by the immunosuppression", {"immunosuppression_alloreactivity_inhibition": 0.0}))
    for path, days, arm in ((EXAMPLE, (14, 28, 56, 100, 180), "no_dli"), (X_SCENARIO, (30, 60), None)):
        for label, params in rows:
            sc = scenario(path, arm, params)
            g = graft_day(sc)
            r = run_scenario(sc)
            cells = ", ".join(f"d{d} {shares(r, g + d)[0]:.3f}/{shares(r, g + d)[1]:.3f}" for d in days)
            print(f"{path.name}: {label}: myeloid/T donor share {cells}")


def main() -> None:
    table(EXAMPLE, (-1, 0, 1, 14, 28, 56, 84, 100, 120, 150, 180, 276), "no_dli")
    table(X_SCENARIO, (-1, 0, 1, 14, 30, 60, 100))
    dli()
    what_ifs()


if __name__ == "__main__":
    main()
