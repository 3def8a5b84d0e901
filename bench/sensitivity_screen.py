"""Morris screen of the ASSUMED parameters on clinical read-outs of three shipped scenarios (issue 17 item 2,
issue 19 item 3). Writes docs/sensitivity_screen.md, docs/images/sensitivity_screen.png and the one-line
outcome per parameter that docs/parameters.md shows (src/hemasim/sensitivity/screen_outcome.json).

    PYTHONPATH=src python bench/sensitivity_screen.py [--trajectories 32] [--confirm-trajectories 256]

Each assumed parameter varies over its record's sourced plausible range (``Parameter.plausible_range``: a
published range, cited in the record) where it has one, otherwise over x0.5 to x2 its value (clipped to its
record's bounds); on a log scale where the range is above 0. Two stages, each a Morris design on a 4-level grid
with all its parameters at once, every design point of a scenario one batch on the lock-step kernel: stage 1
(``--trajectories``, seed 0) sorts out the parameters with no effect at all on the read-outs; stage 2
(``--confirm-trajectories``, seed 1) screens the others again, alone (the sorted-out ones change no read-out,
so leaving them at their values changes no elementary effect), with enough trajectories to bound mu*. A
parameter "moves" a read-out when mu* (the mean absolute change of the read-out across the parameter's whole
range, from elementary effects) exceeds 10% of the read-out at the scenario's values; a read-out that is 0 there
(days below a threshold) is moved when mu* exceeds one day. It "does not move" one only when the upper end of
mu*'s 95% bootstrap interval (trajectories resampled) is below that; in between the screen cannot tell. A fitted
parameter whose fit held a screened assumed one is refitted at every design point (``couplings``: the naive pools'
declines <- the lymphocyte reference age and the thymic output's peak age; docs/sensitivity.md), so the screen moves the assumption with the data
still honoured.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hemasim.parameters.core import PlausibleRange
    from hemasim.sensitivity.coupling import Coupling

ROOT = Path(__file__).resolve().parents[1]
THRESHOLD = 0.10  # relative change over the range that counts as "moves"
DAYS_THRESHOLD = 1.0  # absolute change (days) for a read-out that is 0 at the scenario's values
NO_EFFECT = 1e-9  # a relative mu* at or below this is round-off: the parameter does not act on the read-out


@dataclass(frozen=True)
class Screened:
    example: str
    label: str
    duration_days: float
    readouts: dict[str, str]  # endpoint column -> label
    averaged: tuple[str, ...] = ()


SCREENS = [
    Screened("healthy_adult.yaml", "healthy adult (30-day mean counts)", 30.0, {
        "anc_1e9_per_L_time_average": "ANC", "platelets_1e9_per_L_time_average": "platelets",
        "hemoglobin_g_per_dL_time_average": "Hb", "lymphocytes_1e9_per_L_time_average": "lymphocytes",
        "cd4_per_uL_time_average": "CD4", "b_cells_per_uL_time_average": "B cells",
        "nk_cells_per_uL_time_average": "NK cells"},
        ("anc_1e9_per_L", "platelets_1e9_per_L", "hemoglobin_g_per_dL", "lymphocytes_1e9_per_L", "cd4_per_uL",
         "b_cells_per_uL", "nk_cells_per_uL")),
    Screened("docetaxel_q3w.yaml", "docetaxel 100 mg/m2 q3w", 84.0, {
        "anc_nadir": "docetaxel ANC nadir", "days_anc_below_0p5": "docetaxel days ANC < 0.5"}),
    # the nadir day within the first cycle (the validation targets' day): over four cycles whose nadirs differ by
    # < 0.02 x10^9/L the lowest point jumps between cycles (day 72 -> 51) on a quarter-day shift within each
    Screened("docetaxel_q3w.yaml", "docetaxel 100 mg/m2, cycle 1", 21.0, {
        "anc_nadir_day": "docetaxel day of ANC nadir (cycle 1)"}),
    Screened("allo_hsct_pbsc.yaml", "allo-HSCT Cy/TBI, PBSC (100 days)", 100.0, {
        "neutrophil_engraftment_day": "neutrophil engraftment day",
        "platelet_engraftment_day": "platelet engraftment day"}),
]


DEFAULT_RANGE = "x0.5-x2"  # the range of a parameter with no sourced plausible range
#: the heading of the section bench/coupled_screen.py writes at the end of docs/sensitivity_screen.md
STAGE3_HEADING = "## Stage 3: the stem and progenitor parameters with the engraftment fit refitted"


def kept_section(path: Path, heading: str) -> str:
    """The section of the file at ``path`` from the line ``heading`` to its end (with a blank line before it), or
    "" where the file or the heading is missing."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    at = text.find("\n" + heading + "\n")
    return "" if at < 0 else text[at:]


def couplings() -> tuple[Coupling, ...]:
    """The fitted parameters refitted at each design point from the assumed parameters their fit held: the
    library's shipped couplings, which ``hemasim sensitivity`` applies too (docs/sensitivity.md, "Fitted parameters
    refitted with the assumed parameters their fit held"). The naive pools' declines at the reference age are
    solved from the Italian cohort's folds at 80 y (hemasim.biology.naive_decline_fit), and the decline starts at the
    reference age: each reference age gets its own declines (a root of a closed form, once per distinct value). The
    other fits that held a screened assumed parameter take hours (the engraftment and docetaxel joint fits) or act
    on no screened read-out: listed there, not coupled."""
    from hemasim.sensitivity.coupling import shipped_couplings

    return shipped_couplings()


def assumed_parameters() -> list[str]:
    """The parameters the screen varies: the assumed ones, and the unit conventions, screened while they were assumed
    (their movement is their families' assumed members', hemasim.parameters.units: kept so the design stays the one
    run)."""
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.parameters.core import Screened

    table = healthy_adult_parameters()
    return sorted(n for n in table if isinstance(table[n].provenance, Screened))


def sourced_ranges(names: list[str]) -> dict[str, PlausibleRange]:
    """The parameters among ``names`` whose record carries a sourced plausible range, and that range."""
    from hemasim.parameters import healthy_adult_parameters

    table = healthy_adult_parameters()
    return {n: rng for n in names if (rng := table[n].plausible_range) is not None}


def factor(name: str, ranges: dict[str, PlausibleRange]) -> dict[str, object]:
    """The screen's factor for one parameter: its sourced range in its unit, else x0.5-x2 its value."""
    rng = ranges.get(name)
    if rng is None:
        return {"parameter": name, "relative": [0.5, 2.0], "log": True}
    return {"parameter": name, "range": [rng.low, rng.high], "log": rng.low > 0}


def range_text(name: str, ranges: dict[str, PlausibleRange]) -> str:
    rng = ranges.get(name)
    return DEFAULT_RANGE if rng is None else f"its sourced range {rng.low:g}-{rng.high:g}"


def screen_one(screen: Screened, names: list[str], ranges: dict[str, PlausibleRange], trajectories: int,
               seed: int, coupled: Sequence[Coupling] | None = None
               ) -> tuple[pd.DataFrame, dict[str, float], tuple[int, int], float]:
    """One scenario's Morris design over ``names``: its indices, read-outs, (runs, failed runs) and seconds.
    ``coupled``: the couplings applied (default: :func:`couplings`)."""
    from rich.progress import Progress

    from hemasim.scenario import load_scenario
    from hemasim.sensitivity.run import design_size, run_sensitivity
    from hemasim.sensitivity.spec import SensitivitySpec

    scenario = load_scenario(ROOT / "examples" / screen.example).model_copy(
        update={"duration_days": screen.duration_days})
    spec = SensitivitySpec.model_validate({
        "method": "morris", "trajectories": trajectories, "levels": 4, "seed": seed,
        "time_averages": list(screen.averaged),
        "factors": [factor(n, ranges) for n in names]})
    with Progress(transient=True) as bar:
        task = bar.add_task(screen.label, total=design_size(spec))
        # a count (rbc_age_stages, ...: COUNT_PARAMETERS) runs at its design value rounded down, as the build's int()
        # ran the stored design before counts were refused when not whole; since branch mend33 a value within 1e-9 of
        # a whole number is that number first, so rbc_age_stages' top level (7.999999999999998) runs as 8 where the
        # stored rows ran 7 (docs/sensitivity.md, "Counts in the stored screen")
        result = run_sensitivity(scenario, spec, lambda done: bar.update(task, completed=done),
                                 couplings() if coupled is None else coupled, floor_counts=True)
    indices = result.indices[result.indices["endpoint"].isin(list(screen.readouts))].copy()
    indices["readout"] = indices["endpoint"].map(screen.readouts)
    base = indices["endpoint"].map(result.baseline).to_numpy(dtype=np.float64)
    indices["baseline"] = base
    indices["effect"] = _relative_to_threshold(indices["mu_star"], base)
    indices["effect_high"] = _relative_to_threshold(indices["mu_star_high"], base)
    indices["effect_low"] = _relative_to_threshold(indices["mu_star_low"], base)
    runs = len(result.samples) + 1  # the design and the scenario's own values
    failed = int(result.samples["anc_nadir"].isna().sum())  # points that could not be built or integrated
    return indices, {screen.readouts[k]: v for k, v in result.baseline.items() if k in screen.readouts}, \
        (runs, failed), result.seconds


def _relative_to_threshold(mu_star: pd.Series, base: np.ndarray) -> np.ndarray:
    """mu* on the scale where THRESHOLD is the cut: relative to the read-out, or in days / 10 days where the
    read-out is 0 (so one day reads as 10%)."""
    values = mu_star.to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(base != 0, values / np.abs(base), values / DAYS_THRESHOLD * THRESHOLD)


def acting(table: pd.DataFrame, names: list[str]) -> list[str]:
    """The parameters with any effect on a screened read-out (stage 1), in the order of ``names``."""
    best = table.groupby("factor")["effect"].max()
    return [n for n in names if float(np.nan_to_num(best.get(n, 0.0))) > NO_EFFECT]


def outcome_text(rows: pd.DataFrame, over: str = DEFAULT_RANGE) -> str:
    """One line on what the screen found for one parameter; ``over`` names the range it was screened over.
    Moves: mu* above the cut; does not move: the upper end of every read-out's 95% interval below it."""
    if np.nanmax(rows["effect"].to_numpy(dtype=np.float64), initial=0.0) <= NO_EFFECT:
        return "no effect on any screened read-out"
    moved = rows[rows["effect"] > THRESHOLD].sort_values("effect", ascending=False)
    if len(moved):
        return "moves " + _listed(moved) + f" by >10% over {over}"
    unsure = rows[rows["effect_high"] > THRESHOLD].sort_values("effect_high", ascending=False)
    if len(unsure):
        return "may move " + _listed(unsure) + f" by >10% (the interval straddles 10%) over {over}"
    top = float(np.nanmax(rows["effect_high"].to_numpy(dtype=np.float64), initial=0.0))
    return f"does not move any screened read-out by more than 10% (largest upper 95% bound {100 * top:.2g}%) over {over}"


def _listed(rows: pd.DataFrame) -> str:
    parts = [f"{r.readout} ({_effect(r)})" for r in rows.itertuples()]
    return ", ".join(parts[:4]) + (f" and {len(parts) - 4} more" if len(parts) > 4 else "")


def _effect(r: Any) -> str:  # a row of DataFrame.itertuples(): the estimate and its 95% bootstrap interval
    if float(r.baseline) != 0:
        return f"{100 * float(r.effect):.0f}%, 95% CI {100 * float(r.effect_low):.0f}-{100 * float(r.effect_high):.0f}%"
    return f"{float(r.mu_star):.1f} days, 95% CI {float(r.mu_star_low):.1f}-{float(r.mu_star_high):.1f}"


def ranking_figure(table: pd.DataFrame, path: Path, top: int = 30) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    best = table.groupby("factor")["effect"].max().sort_values().tail(top)
    high = table.groupby("factor")["effect_high"].max().reindex(best.index).to_numpy()
    fig = Figure(figsize=(8, 0.22 * len(best) + 1.5), layout="constrained")
    ax = fig.subplots()
    shown = np.maximum(best.to_numpy(), 1e-6)
    ax.barh(np.arange(len(best)), shown, color=np.where(best > THRESHOLD, "tab:red",
                                                        np.where(high > THRESHOLD, "tab:orange", "tab:gray")))
    ax.errorbar(np.maximum(high, shown), np.arange(len(best)), xerr=[np.maximum(high, shown) - shown,
                np.zeros(len(best))], fmt="none", ecolor="k", elinewidth=0.8, capsize=2)
    ax.axvline(THRESHOLD, color="k", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_yticks(np.arange(len(best)), best.index, fontsize=7)
    ax.set_xlabel("largest mu* over the screened read-outs, relative to the read-out (sourced range or x0.5-x2);\n"
                  "whisker: the largest upper end of the 95% bootstrap intervals")
    ax.set_title(f"Morris screen of the assumed parameters (top {len(best)}; dashed: 10%)")
    fig.savefig(path, dpi=110)


def ranges_section(ranges: dict[str, PlausibleRange], names: list[str]) -> list[str]:
    """The table of the parameters screened over a sourced range instead of x0.5-x2, with the sources."""
    from hemasim.parameters import healthy_adult_parameters

    table = healthy_adult_parameters()
    lines = ["## Ranges", "",
             f"{len(names) - len(ranges)} of the {len(names)} have no sourced range and were screened over x0.5-x2 "
             "their value (an",
             "arbitrary span, the same for all, clipped to the record's bounds). Those below were screened over the",
             "plausible range recorded with the parameter (`plausible_range` in its record), read from the source",
             "named (see [sensitivity.md](sensitivity.md#the-screen-of-the-assumed-parameters) for what was searched",
             "for the others):", "", "| parameter | value | screened range | source of the range |", "|---|---|---|---|"]
    lines += [f"| `{n}` | {_with_unit(table[n].value, table[n].unit)} | {r.low:g}-{r.high:g} | {r.source} |"
              for n, r in sorted(ranges.items())]
    return lines + [""]


def _with_unit(value: float, unit: str) -> str:
    return f"{value:g}" if unit == "1" else f"{value:g} {unit}"


@dataclass(frozen=True)
class Stages:
    """How the two stages ran: trajectories of each, and how many parameters stage 2 screened again."""

    trajectories: int
    confirm_trajectories: int
    acting: int


def markdown(table: pd.DataFrame, outcomes: dict[str, str], costs: list[tuple[str, int, int, float]],
             baselines: dict[str, float], names: list[str], ranges: dict[str, PlausibleRange], stages: Stages,
             hand: Sequence[str] = ()) -> str:
    count = {kind: sum(o.startswith(kind) for o in outcomes.values())
             for kind in ("moves", "may move", "does not move", "no effect")}
    lines = [
        "# Screen of the assumed parameters",
        "",
        "Generated by `PYTHONPATH=src python bench/sensitivity_screen.py` (method: [sensitivity.md](sensitivity.md)).",
        f"Each of the {len(names)} parameters with provenance `Assumed` varies over its sourced plausible range where",
        f"its record has one ({len(ranges)} of them, see Ranges below), otherwise from x0.5 to x2 its value (log",
        "scale where the range is above 0, clipped to its record's bounds), all at once, in Morris designs on a",
        "4-level grid; each scenario's design runs as batches on the lock-step kernel. Two stages: stage 1",
        f"({stages.trajectories} trajectories, seed 0, all {len(names)}) sorts out the parameters with no effect at all "
        "on these",
        f"read-outs; stage 2 ({stages.confirm_trajectories} trajectories, seed 1) screens the other {stages.acting} "
        "again, alone (the sorted-out",
        "ones change no read-out, so holding them at their values changes no elementary effect). A parameter",
        "*moves* a read-out when mu* (the mean absolute change of the read-out across the parameter's whole",
        "range) exceeds 10% of the read-out at the shipped values (for a read-out that is 0 there, days below a",
        "threshold, when mu* exceeds one day); it *does not move* it only when the upper end of mu*'s 95%",
        "bootstrap interval (trajectories resampled) is below 10%; in between it *may move* it (the screen",
        "cannot tell). A screen ranks and sorts out; it does not prove a parameter irrelevant for read-outs",
        "or scenarios it did not look at (infection, vaccines, viruses, clonal dynamics are not screened here).",
        "A fitted parameter whose fit held a screened assumed one is refitted at each design point, so the data it was",
        "fitted on stay honoured ([sensitivity.md](sensitivity.md#the-screen-of-the-assumed-parameters)): "
        + "; ".join(_coupling_text(c) for c in couplings()) + ".",
        "",
        f"**Outcome:** {count['moves']} parameters move at least one screened read-out by more than 10%; "
        f"{count['may move']} may move one (the interval straddles 10%); {count['does not move']} move none by "
        f"more than 10%; {count['no effect']} have no effect at all on these",
        "read-outs (most belong to parts of the model these scenarios do not exercise - infection, vaccines,",
        "viruses, radiation, children - others act only away from steady state on lineages whose perturbed",
        "read-outs are not screened here, e.g. the erythroid feedback slope). Those are screened again, one at a",
        "time, on the validation read-outs of the groups that read them ([sensitivity.md](sensitivity.md), \"The",
        "assumed parameters the Morris screen cannot see\"; bench/reach_screen.py): many of them move those.",
        "",
        *hand_entered_section(hand),
        "Design points that cannot be built, started or integrated (no steady state, the step budget) are",
        "counted in the cost table, give NaN, and the elementary effects that need them are left out (mu* then",
        "rests on fewer effects).",
        "",
        "![ranking](images/sensitivity_screen.png)",
        "",
        *ranges_section(ranges, names),
        "## Read-outs at the shipped values",
        "",
        "| read-out | value |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v:.4g} |" for k, v in baselines.items()]
    return "\n".join(lines + _cost_section(costs) + _outcome_section(table, outcomes, names, hand)) + "\n"


def hand_entered_section(hand: Sequence[str]) -> list[str]:
    """The rows entered by hand, not by this run: assumed values of opt-in models that none of the screened
    scenarios builds (hemasim.sensitivity.screen.NOT_REACHED), left out of the design and its counts."""
    if not hand:
        return []
    return [f"**Entered by hand, not screened ({len(hand)}):** " + ", ".join(f"`{n}`" for n in hand)
            + ": assumed values of an opt-in model that none of these scenarios builds (the iron model) or of an",
            "opt-in law off at its shipped 0 (the saturating recruitment of branch humdose37), so the screen cannot",
            "move them; they are left out of the design and of the counts above, and their rows in the outcome table",
            "say so (`hemasim.sensitivity.screen.NOT_REACHED`).", ""]


def _coupling_text(coupling: Coupling) -> str:
    return (", ".join(f"`{t}`" for t in coupling.targets) + " refitted from "
            + ", ".join(f"`{n}`" for n in coupling.sources))


def _cost_section(costs: list[tuple[str, int, int, float]]) -> list[str]:
    lines = ["", "## Cost", "", "| scenario, stage | runs | runs that failed (NaN, left out of the effects) | seconds |",
             "|---|---|---|---|"]
    lines += [f"| {label} | {runs} | {failed} | {sec:.1f} |" for label, runs, failed, sec in costs]
    return lines + [
        f"| total | {sum(c[1] for c in costs)} | {sum(c[2] for c in costs)} | {sum(c[3] for c in costs):.1f} |", "",
        f"Measured on {platform.machine()} with {_cores()} cores shared with other work; seconds exclude the",
        "one-time numba compilation."]


def _outcome_section(table: pd.DataFrame, outcomes: dict[str, str], names: list[str],
                     hand: Sequence[str] = ()) -> list[str]:
    """The outcome table: the screened ``names`` by their largest effect, then the rows entered by hand (``hand``,
    not screened: :func:`hand_entered_section`), sorted by name, with no effect columns ("-")."""
    best = table.groupby("factor")["effect"].max()
    high = table.groupby("factor")["effect_high"].max()
    order = sorted(names, key=lambda n: -float(np.nan_to_num(best.get(n, 0.0))))
    lines = ["", "## Outcome per parameter", "",
             "Relative mu* over the screened read-outs (the largest; for a read-out that is 0 at the shipped values,",
             "mu* in days / 10) and the largest upper end of their 95% bootstrap intervals.", "",
             "| parameter | largest relative mu* | largest upper 95% bound | outcome |", "|---|---|---|---|"]
    return lines + [f"| `{n}` | {float(np.nan_to_num(best.get(n, 0.0))):.3g} | "
                    f"{float(np.nan_to_num(high.get(n, 0.0))):.3g} | {outcomes[n]} |" for n in order] + [
        f"| `{n}` | - | - | {outcomes[n]} |" for n in sorted(hand)]


def _cores() -> int:
    import os

    return os.cpu_count() or 1


def run_stage(names: list[str], ranges: dict[str, PlausibleRange], trajectories: int, seed: int, stage: str,
              coupled: Sequence[Coupling] | None = None
              ) -> tuple[pd.DataFrame, list[tuple[str, int, int, float]], dict[str, float]]:
    """Every screened scenario with ``names`` as factors: their indices, the cost rows and the read-outs
    (``coupled``: the couplings applied, default :func:`couplings`)."""
    tables, costs, baselines = [], [], {}
    for screen in SCREENS:
        start = time.perf_counter()
        table, base, (runs, failed), seconds = screen_one(screen, names, ranges, trajectories, seed, coupled)
        print(f"{screen.label}, {stage}: {runs} runs ({failed} failed), {seconds:.1f} s "
              f"(wall {time.perf_counter() - start:.1f} s)", flush=True)
        tables.append(table)
        costs.append((f"{screen.label}, {stage}", runs, failed, seconds))
        baselines.update(base)
    return pd.concat(tables, ignore_index=True), costs, baselines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=32, help="stage 1: sorts out the parameters with no effect")
    parser.add_argument("--confirm-trajectories", type=int, default=256, help="stage 2: the parameters with one")
    args = parser.parse_args(argv)
    from hemasim.sensitivity.screen import NOT_REACHED

    # an opt-in model's assumed values: no screened scenario builds it, so they are left out of the design and
    # their rows entered with the text that says so
    names = [n for n in assumed_parameters() if n not in NOT_REACHED]
    ranges = sourced_ranges(names)
    first, costs, baselines = run_stage(names, ranges, args.trajectories, 0, "stage 1")
    active = acting(first, names)
    second, more_costs, _ = run_stage(active, ranges, args.confirm_trajectories, 1, "stage 2")
    table = pd.concat([first[~first["factor"].isin(active)], second], ignore_index=True)
    outcomes = {n: outcome_text(table[table["factor"] == n], range_text(n, ranges)) for n in names}
    hand = {n: text for n, text in NOT_REACHED.items() if n in assumed_parameters()}
    outcomes.update(hand)
    ranking_figure(table, ROOT / "docs" / "images" / "sensitivity_screen.png")
    stages = Stages(args.trajectories, args.confirm_trajectories, len(active))
    report = ROOT / "docs" / "sensitivity_screen.md"
    # stage 3 (bench/coupled_screen.py) writes its own section at the end: kept as it is
    report.write_text(markdown(table, outcomes, costs + more_costs, baselines, names, ranges, stages, sorted(hand))
                      + kept_section(report, STAGE3_HEADING), encoding="utf-8")
    (ROOT / "src" / "hemasim" / "sensitivity" / "screen_outcome.json").write_text(
        json.dumps(outcomes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
