"""The ANC dip after an allogeneic PBSC graft, diagnosed (fifteenth session, branch `txcheck`, issue 17 point 6; the
findings are in docs/transplant.md, "The ANC dip around day 40"). Nothing here is fitted or chosen; no model value is
changed.

After Cy/TBI and 5e6 CD34+/kg (examples/allo_hsct_pbsc.yaml) the ANC engrafts on day 11 after the graft, peaks near
4e9/L on day ~20 after it, falls below 1e9/L around day 30-40 after it and climbs back from day ~50. The script
follows the compartments that hand the marrow over: the graft's committed (MPP) content, which lodges within a day and
drains through the MPP pool; the short-term repopulating cells, regrown from the donor's long-term HSCs; the HSC pool;
and the G-CSF-like feedback. Then it sweeps the values that set the dip one at a time.

Run: PYTHONPATH=src python docs/anc_dip_diagnosis.py [figure.png] (prints the tables docs/transplant.md quotes and
draws the compartments; about half a minute of CPU).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

import hemasim as hs
from hemasim.endpoints import evaluate_endpoints
from hemasim.interventions.transplant import graft_day
from hemasim.scenario import parse_scenario
from hemasim.simulation import Result, steady_state

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "allo_hsct_pbsc.yaml"
ANC = "anc_1e9_per_L"
#: read-out days after the graft (the dip is judged on days 0-120 after it)
READ_DAYS = 120.0
#: the values swept one at a time (each inside its parameter record's bounds), and the CD34+ dose
SWEEP: tuple[tuple[str, tuple[float, ...]], ...] = (
    ("graft_st_hspc_per_cd34", (1e-7, 1e-6, 3e-6)),
    ("graft_short_term_units_per_cd34", (3.75e-6, 1.5e-5)),
    ("st_hspc_max_proliferation_fold", (4.0, 12.0)),
    ("hsc_max_division_fold", (5.0, 20.0)),
)
DOSES = (2e6, 1e7, 2e7)
#: the compartments drawn and tabulated: (label, the states summed), each over its healthy steady value
POOLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("donor HSC", ("hsc__donor",)),
    ("short-term repopulating (donor)", ("st_hspc__donor",)),
    ("MPP (donor + host)", ("mpp__donor", "mpp__host")),
    ("neutrophil progenitors", ("neutrophil_progenitor__donor", "neutrophil_progenitor__host")),
)
#: the flows into the MPP pool by origin: the graft's lodged committed units, and the short-term cells' exits
MPP_INFLOWS = (("graft committed units", "graft_lodging_2_out__donor"), ("short-term cells", "st_hspc_to_mpp__donor"))


def example(parameters: dict[str, float] | None = None, cd34_per_kg: float | None = None,
            days: float = 150.0) -> Result:
    """examples/allo_hsct_pbsc.yaml run for ``days``, with parameter overrides or another CD34+ dose. Its ciclosporin
    course (branch gvhd35, to day +180) is left out: a scenario must hold a whole course, and after this graft the
    course's alloreactive kill has almost no host cells to act on (a year's ANC differs by at most 0.2% with and
    without it, CD4 and Hb by less than 0.05%)."""
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    data["duration_days"] = days
    data["interventions"] = [iv for iv in data["interventions"] if iv["kind"] != "immunosuppression"]
    if parameters:
        data["parameters"] = parameters
    if cd34_per_kg is not None:
        data["interventions"][1]["cd34_per_kg"] = cd34_per_kg
    return hs.run_scenario(parse_scenario(data))


def dip(times: np.ndarray, anc: np.ndarray, start: float, end: float) -> dict[str, float]:
    """The first wave's peak after ``start`` (the first local maximum above 0.5e9/L), the lowest value after it until
    ``end`` and the days below 1.0e9/L after the peak; NaN where the course has no such peak."""
    inside = np.flatnonzero((times >= start) & (times <= end))
    t, a = times[inside], anc[inside]
    rising = np.flatnonzero((a[1:-1] >= a[:-2]) & (a[1:-1] > a[2:]) & (a[1:-1] > 0.5)) + 1
    if not len(rising):
        return {"peak": np.nan, "peak_day": np.nan, "low": np.nan, "low_day": np.nan, "days_below_1": np.nan}
    p = int(rising[0])
    low = p + int(np.argmin(a[p:]))
    step = float(np.median(np.diff(t))) if len(t) > 1 else 1.0
    return {"peak": float(a[p]), "peak_day": float(t[p] - start), "low": float(a[low]), "low_day": float(t[low] - start),
            "days_below_1": float(np.count_nonzero(a[p:] < 1.0) * step)}


def compartments(result: Result, days_after_graft: np.ndarray) -> list[dict[str, float]]:
    """Per day after the graft: ANC, each pool of :data:`POOLS` and each MPP inflow of :data:`MPP_INFLOWS` over its
    healthy steady value (the inflows over the healthy MPP input), and the G-CSF-like feedback."""
    m, t, x = result.model, result.times, result.states
    x0 = steady_state(m)
    flows = list(m.flow_names)
    healthy_flux = m.fluxes(np.zeros(1), x0[None, :])[0]
    mpp = {m.index("mpp__host"), m.index("mpp__donor")}
    mpp_input = sum(m.yield_[k] * healthy_flux[k] for k in range(len(flows)) if m.dst[k] in mpp)
    fluxes, feedbacks = m.fluxes(t, x), m.feedback_values(t, x)
    gcsf = list(m.feedback_names).index("gcsf_like")
    graft = graft_day(result.record.scenario.interventions) if result.record.scenario is not None else 0.0
    anc = result.observable(ANC)
    rows = []
    for day in days_after_graft:
        i = int(np.argmin(np.abs(t - (graft or 0.0) - day)))
        row: dict[str, float] = {"day": float(day), "ANC": float(anc[i])}
        for label, states in POOLS:
            healthy = sum(x0[m.index(h)] for h in dict.fromkeys(s.replace("__donor", "__host") for s in states))
            row[label] = float(sum(x[i, m.index(s)] for s in states) / healthy)
        for label, flow in MPP_INFLOWS:
            k = flows.index(flow)
            row[f"MPP input: {label}"] = float(m.yield_[k] * fluxes[i, k] / mpp_input)
        row["G-CSF-like"] = float(feedbacks[i, gcsf])
        rows.append(row)
    return rows


def table(rows: list[dict[str, float]]) -> str:
    """The rows as a Markdown table."""
    keys = list(rows[0])
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    out += ["| " + " | ".join(f"{row[k]:.3g}" for k in keys) + " |" for row in rows]
    return "\n".join(out)


def figure(result: Result, path: Path) -> None:
    """ANC (top) and the compartments over their healthy values (bottom, log), days after the graft."""
    from matplotlib.figure import Figure

    graft = graft_day(result.record.scenario.interventions) if result.record.scenario is not None else 0.0
    days = np.arange(0.0, READ_DAYS + 1.0)
    rows = compartments(result, days)
    fig = Figure(figsize=(8.0, 6.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.4))
    t = result.times - (graft or 0.0)
    keep = (t >= 0) & (t <= READ_DAYS)
    top.plot(t[keep], result.observable(ANC)[keep], color="C0", lw=1.8, label="ANC")
    top.axhspan(0, 1.0, color="tab:red", alpha=0.08, lw=0)
    top.axhline(0.5, color="tab:red", lw=0.8, ls=":")
    top.axhline(1.0, color="tab:red", lw=0.8, ls=":")
    top.set_ylabel("ANC (10⁹/L)")
    top.set_title("Cy/TBI 12 Gy, allogeneic PBSC 5e6 CD34+/kg (examples/allo_hsct_pbsc.yaml)", fontsize=10)
    top.grid(alpha=0.3)
    # the short-term cells' MPP input is their pool over its healthy value (1 - r of the pool's exits): drawn once
    drawn = [p[0] for p in POOLS] + [f"MPP input: {MPP_INFLOWS[0][0]}", "G-CSF-like"]
    for j, label in enumerate(drawn):
        values = np.array([r[label] for r in rows])
        style = "--" if label.startswith("MPP input") else (":" if label == "G-CSF-like" else "-")
        bottom.semilogy(days, np.where(values > 1e-4, values, np.nan), lw=1.5, ls=style, color=f"C{j + 1}",
                        label=label)
    bottom.axhline(1.0, color="grey", lw=0.8)
    bottom.set_ylim(1e-3, 3.0)
    bottom.set_ylabel("over healthy value")
    bottom.set_xlabel("days after the graft")
    bottom.grid(alpha=0.3, which="both")
    bottom.legend(fontsize=7, ncol=2, loc="lower right")
    fig.savefig(path, dpi=90)


def main(argv: list[str]) -> None:
    base = example()
    graft = graft_day(base.record.scenario.interventions) if base.record.scenario is not None else 0.0
    print("Compartments, examples/allo_hsct_pbsc.yaml (days after the graft; each over its healthy value):\n")
    print(table(compartments(base, np.array([0, 2, 4, 8, 10, 14, 18, 20, 24, 28, 32, 36, 44, 54, 74, 94]))))
    print("\nThe dip (days after the graft), each value swept alone:\n")
    print("| change | peak (day) | lowest after it (day) | days < 1.0e9/L | neutrophils >= 0.5 |")
    print("|---|---|---|---|---|")
    runs: list[tuple[str, Result]] = [("shipped", base)]
    runs += [(f"`{name}` {value:g}", example({name: value})) for name, values in SWEEP for value in values]
    runs += [(f"CD34+ {dose:g}/kg", example(cd34_per_kg=dose)) for dose in DOSES]
    for label, r in runs:
        d = dip(r.times, r.observable(ANC), graft or 0.0, (graft or 0.0) + READ_DAYS)
        engraft = next((e.value for e in evaluate_endpoints(r) if e.name == "neutrophil_engraftment_day"), None)
        print(f"| {label} | {d['peak']:.2f} ({d['peak_day']:g}) | {d['low']:.2f} ({d['low_day']:g}) | "
              f"{d['days_below_1']:g} | {engraft if engraft is None else f'day {engraft:g}'} |")
    if argv:
        figure(base, Path(argv[0]))


if __name__ == "__main__":
    main(sys.argv[1:])
