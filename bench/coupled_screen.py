"""Stage 3 of the screen of the assumed parameters (issue 17 item 2): the stem and progenitor parameters still moving a
read-out after stage 2, screened again with the engraftment fit refitted at every design point. Writes the section
"Stage 3" at the end of docs/sensitivity_screen.md, the refits (docs/images/coupled_screen.json) and the one-line
outcome per parameter that docs/parameters.md adds to the screen's (src/hemasim/sensitivity/coupled_screen_outcome.json).

    nice -n 10 env PYTHONPATH=src python bench/coupled_screen.py [--trajectories 40] [--refits FILE]

The design (committed before the run: docs/sensitivity.md, "Stage 3: ... (design)"): the five parameters over the
screen's ranges, Morris on its 4-level grid with the same scenarios, read-outs and verdicts
(bench/sensitivity_screen.py), run twice on the same points: with the engraftment fit's four values held (as stage
2) and refitted at each distinct point (:func:`hemasim.inference.engraftment.refit_at`, one warm-started local least
squares run, through a :class:`~hemasim.sensitivity.coupling.Coupling`). A refit that fails keeps the values it
reached and the point's read-outs, and is listed. ``--refits FILE``: refits of an earlier run (this script's JSON)
reused, so a run that stopped goes on where it was.

Stage 4 (``--docetaxel``; design: docs/sensitivity.md, "Stage 4: ... (design)"): the same points run a third time with
the docetaxel fit refitted too (:func:`hemasim.inference.docetaxel.refit_at`, its slope carried per point as a drug-set
value); writes the section "Stage 4" after stage 3's, the docetaxel refits (docs/images/coupled_screen_chemo.json) and
the outcome per parameter (src/hemasim/sensitivity/stage4_screen_outcome.json). The engraftment refits are read from
stage 3's file (``--refits``, default docs/images/coupled_screen.json; one missing is run and not saved there),
``--chemo-refits FILE`` reuses the docetaxel refits of an earlier stage-4 run.

Stage 5 (``--stage5``; design: docs/sensitivity.md, "Stage 5: ... (design)"): the five parameters over their stage-4
ranges cut by the calibration fits' 95% profile intervals (:mod:`hemasim.sensitivity.calibrated_ranges`), new points
(seed 3), both fits refitted at each point as stage 4; writes the section "Stage 5" after stage 4's, its refits and
indices (docs/images/coupled_screen_stage5.json, docs/images/coupled_screen_stage5_chemo.json) and the outcome per
parameter (src/hemasim/sensitivity/stage5_screen_outcome.json). ``--refits`` / ``--chemo-refits`` reuse the refits of
an earlier stage-5 run; ``--stage5-report`` writes the section again from the saved files without running.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "bench") not in sys.path:  # the screen's read-outs, verdicts and text, declared beside this script
    sys.path.insert(0, str(ROOT / "bench"))

import sensitivity_screen as screen  # noqa: E402

if TYPE_CHECKING:
    from hemasim.inference.engraftment import Refit
    from hemasim.parameters.core import PlausibleRange
    from hemasim.sensitivity.calibrated_ranges import ScreenedRange
    from hemasim.sensitivity.coupling import Coupling

#: the assumed parameters stage 2 left moving a read-out that the engraftment fit held (the lymphocyte reference
#: age, also left, is coupled to its fit already)
FACTORS = ["progenitor_baseline_self_renewal_ratio", "mpp_residence_days", "st_hspc_max_proliferation_fold",
           "hsc_max_division_fold", "st_hspc_baseline_self_renewal_ratio"]
TRAJECTORIES = 40  # by the measured cost of a refit (5-14 s): about 240 refits, under an hour of one core
SEED = 2  # stage 1 ran seed 0, stage 2 seed 1
SHOWN = 0.05  # read-outs shown per parameter: the upper 95% bound above this (relative) held or refitted
RESULTS = ROOT / "docs" / "images" / "coupled_screen.json"
OUTCOMES = ROOT / "src" / "hemasim" / "sensitivity" / "coupled_screen_outcome.json"
CHEMO_RESULTS = ROOT / "docs" / "images" / "coupled_screen_chemo.json"
CHEMO_OUTCOMES = ROOT / "src" / "hemasim" / "sensitivity" / "stage4_screen_outcome.json"
REPORT = ROOT / "docs" / "sensitivity_screen.md"
STAGE4_HEADING = "## Stage 4: the same five parameters with the docetaxel fit refitted too"
#: the shipped docetaxel fit's objective (the slope's record; fit_gcsf_exponent's joint fit with the emergence term)
CHEMO_SHIPPED_OBJECTIVE = 89.856
STAGE5_SEED = 3  # new points: stages 1-4 ran seeds 0-2
STAGE5_RESULTS = ROOT / "docs" / "images" / "coupled_screen_stage5.json"
STAGE5_CHEMO_RESULTS = ROOT / "docs" / "images" / "coupled_screen_stage5_chemo.json"
STAGE5_OUTCOMES = ROOT / "src" / "hemasim" / "sensitivity" / "stage5_screen_outcome.json"
STAGE5_HEADING = "## Stage 5: the same five parameters over the ranges the calibration data allow"
STAGE5_LABEL = "stage 5, both fits refitted"
#: the section after stage 5 (hand-written, not generated): a rerun of stage 5 keeps it
SOURCES_HEADING = "## Sources for the remaining movers (twenty-second session)"
INDEX_COLUMNS = ["factor", "readout", "baseline", "mu_star", "mu_star_low", "mu_star_high", "effect", "effect_low",
                 "effect_high"]


class RefitCache:
    """A fit (default the engraftment fit, :func:`hemasim.inference.engraftment.refit_at`; ``refit_at`` another, with
    the ``sources`` it is keyed on) at each distinct combination of the values it held, run once (a design point is
    asked for by every scenario's design), each result kept with its status and written to ``path`` as it comes
    (without its run time, which is printed and summed in the report: a committed result holds no run times)."""

    def __init__(self, path: Path | None, earlier: Path | None = None, sources: Sequence[str] | None = None,
                 refit_at: Callable[[Mapping[str, float]], Refit] | None = None) -> None:
        from hemasim.inference import engraftment

        self.sources = engraftment.HELD_ASSUMED if sources is None else tuple(sources)
        self.refit_at = engraftment.refit_at if refit_at is None else refit_at
        self.path = path
        self.refits: dict[tuple[float, ...], tuple[dict[str, float], Refit]] = {}
        self.seconds: dict[tuple[float, ...], float] = {}  # the refits timed (run here, or in a file that kept it)
        if earlier is not None and earlier.exists():
            self._load(earlier)
        self.earlier = frozenset(self.refits)  # the refits taken from ``earlier``

    def _load(self, path: Path) -> None:
        from hemasim.inference.engraftment import Refit

        for row in json.loads(path.read_text(encoding="utf-8"))["refits"]:
            refit = Refit(**{**row["refit"], "on_bound": tuple(row["refit"]["on_bound"]),
                             "no_crossing": tuple(row["refit"]["no_crossing"]),
                             "days": tuple(row["refit"].get("days", ()))})
            key = self._key(row["held"])
            self.refits[key] = (row["held"], refit)
            if "seconds" in row:  # a file written before run times left the committed results
                self.seconds[key] = float(row["seconds"])

    def _key(self, held: Mapping[str, float]) -> tuple[float, ...]:
        return tuple(float(held[n]) for n in self.sources)

    def fit(self, held: Mapping[str, float]) -> dict[str, float]:
        key = self._key(held)
        if key not in self.refits:
            start = time.perf_counter()
            refit = self.refit_at(held)
            self.refits[key] = (dict(held), refit)
            self.seconds[key] = time.perf_counter() - start
            print(f"refit {len(self.refits)}: {self.seconds[key]:.1f} s, objective {refit.start_objective:.3f} -> "
                  f"{refit.objective:.3f}{' FAILED ' + refit.message if refit.failed else ''}", flush=True)
            self.save()
        return self.refits[key][1].values

    def rows(self) -> list[dict[str, object]]:
        return [{"held": held, "refit": dataclasses.asdict(refit)} for held, refit in self.refits.values()]

    def save(self, extra: Mapping[str, object] | None = None) -> None:
        if self.path is None:
            return
        from hemasim.io import write_json_report

        write_json_report({**(extra or {}), "refits": self.rows()}, self.path, echo=False)


def couplings(cache: RefitCache, chemo: RefitCache | None = None) -> tuple[Coupling, ...]:
    """The screen's couplings and the engraftment fit's, each of its refits through ``cache``; with ``chemo`` the
    docetaxel fit's too (stage 4), its refits through that cache."""
    from hemasim.inference.docetaxel import docetaxel_coupling
    from hemasim.inference.engraftment import engraftment_coupling
    from hemasim.sensitivity.coupling import Coupling

    fits = [(engraftment_coupling(), cache)] + ([(docetaxel_coupling(), chemo)] if chemo is not None else [])
    return (*screen.couplings(), *(Coupling(c.sources, c.targets, through.fit) for c, through in fits))


def _cell(rows: pd.DataFrame, readout: str) -> str:
    row = rows[rows["readout"] == readout]
    if not len(row):
        return ""
    return screen._effect(next(row.itertuples()))


def readout_table(held: pd.DataFrame, *refitted: tuple[str, pd.DataFrame], first: str = "held (as stage 2)"
                  ) -> list[str]:
    """Per parameter, each read-out whose upper 95% bound reaches :data:`SHOWN` held (the design labelled ``first``)
    or in any ``refitted`` design (label, indices): mu* each way, a column per design."""
    lines = [f"| parameter | read-out | {first}: mu*, 95% CI | "
             + " | ".join(f"{label}: mu*, 95% CI" for label, _ in refitted) + " |",
             "|---|---|---|" + "---|" * len(refitted)]
    for name in FACTORS:
        a = held[held["factor"] == name]
        others = [t[t["factor"] == name] for _, t in refitted]
        shown = set(a.loc[a["effect_high"] >= SHOWN, "readout"]).union(
            *(set(b.loc[b["effect_high"] >= SHOWN, "readout"]) for b in others))
        order = a.set_index("readout")["effect"].sort_values(ascending=False).index
        lines += [f"| `{name}` | {r} | {_cell(a, r)} | " + " | ".join(_cell(b, r) for b in others) + " |"
                  for r in order if r in shown]
    return lines


def _timing(seconds: Sequence[float], refits: int) -> str:
    """How long the ``refits`` refits took, of those timed here (``seconds``)."""
    if not seconds:
        return "untimed here: reused from an earlier run"
    return (f"{sum(seconds):.0f} s in all, median {np.median(seconds):.1f} s, longest {max(seconds):.1f} s"
            + ("" if len(seconds) == refits else f" ({len(seconds)} timed)"))


def cost_table(costs: Sequence[Sequence[Any]]) -> list[str]:
    """The rows of a cost table: each design's scenario and label, runs, runs that failed and seconds."""
    return ["| scenario, design | runs | runs that failed | seconds |", "|---|---|---|---|",
            *(f"| {label} | {runs} | {failed} | {float(sec):.1f} |" for label, runs, failed, sec in costs)]


def refit_summary(cache: RefitCache) -> list[str]:
    from hemasim.inference.engraftment import FITTED_PARAMETERS

    refits = [r for _, r in cache.refits.values()]
    seconds = list(cache.seconds.values())
    failed = [(held, r) for held, r in cache.refits.values() if r.failed]
    start = np.array([r.start_objective for r in refits])
    end = np.array([r.objective for r in refits])
    content = np.array([r.values["graft_short_term_units_per_cd34"] for r in refits])
    timed = _timing(seconds, len(refits))
    lines = [f"{len(refits)} distinct design points refitted ({timed}). The fit's objective (minus log-likelihood) at "
             "the shipped fitted "
             f"values: median {np.median(start):.2f}, largest {start.max():.2f}; after the refit: median "
             f"{np.median(end):.2f}, largest {end.max():.2f} (shipped fit: 14.61). `graft_short_term_units_per_cd34` "
             f"refitted from {content.min():.3g} to {content.max():.3g} per CD34+ cell (shipped 7.5e-06).", "",
             "| fitted value | points where the refit ends on a search bound |", "|---|---|"]
    lines += [f"| `{name}` ({lo:g}-{hi:g}) | {sum(name in r.on_bound for r in refits)} of {len(refits)} |"
              for name, lo, hi in FITTED_PARAMETERS]
    lines += ["", f"Refits that failed (not converged in the evaluation budget, objective not finite, or a datum with no "
              f"climb-back; the point keeps the values reached and its read-outs): **{len(failed)}**."]
    for held, r in failed:
        moved = ", ".join(f"{n} {held[n]:.4g}" for n in FACTORS)
        lines.append(f"- {moved}: {r.message}; objective {r.objective:.3f}; no climb-back: "
                     f"{', '.join(r.no_crossing) or 'none'}")
    return lines


def section(held: pd.DataFrame, refitted: pd.DataFrame, outcomes: dict[str, tuple[str, str]],
            costs: list[tuple[str, int, int, float]], cache: RefitCache, trajectories: int) -> list[str]:
    from hemasim.sensitivity.screen import UNSEEN_PREFIXES, screen_outcome

    stage2 = screen_outcome()
    acting = sum(not text.startswith(UNSEEN_PREFIXES) for text in stage2.values())  # the factors of stage 2
    lines = [screen.STAGE3_HEADING, "",
             "Generated by `nice -n 10 env PYTHONPATH=src python bench/coupled_screen.py` (design committed before the "
             "run: [sensitivity.md](sensitivity.md), \"Stage 3\"). The five stem and progenitor parameters stage 2 "
             "leaves moving, over the same ranges, Morris on the same 4-level grid with the same scenarios, "
             f"read-outs and verdicts, {trajectories} trajectories (seed {SEED}), all other parameters at their "
             "values; the same points run twice: with the engraftment fit's four values (`graft_short_term_units_"
             "per_cd34`, `graft_st_hspc_per_cd34`, `megakaryocyte_progenitor_exit_rate_per_day`, `graft_lodging_days`) "
             "held, as stage 2 holds them, and refitted at each distinct point (one warm-started local least-squares "
             "run of the shipped fit: its data T2/T10/T11, bounds and method; `hemasim.inference.engraftment.refit_at`). "
             "The docetaxel fit (slope, mitotic transit) is held in both (stage 4, below, refits it too). Not seen: interactions with the other acting assumed parameters (held here), the fit's other "
             "held values moving, a better optimum a multi-start would find.", "",
             f"| parameter | stage 2 ({acting} factors, 256 trajectories; fit held) | stage 3, fit held | "
             "stage 3, fit refitted |",
             "|---|---|---|---|"]
    lines += [f"| `{n}` | {stage2[n]} | {outcomes[n][0]} | {outcomes[n][1]} |" for n in FACTORS]
    lines += ["", "### Per read-out", "",
              f"mu* and its 95% bootstrap interval (trajectories resampled), read-outs whose upper bound reaches "
              f"{100 * SHOWN:.0f}% either way; a read-out that is 0 at the shipped values in days.", ""]
    lines += readout_table(held, ("refitted", refitted))
    lines += ["", "### The refits", ""] + refit_summary(cache)
    lines += ["", "### Cost", "", "Seconds of each design; the first scenario's refitted design includes the refits (each "
              "distinct point is refitted once, when the first scenario asks; the others reuse it). A run of this "
              "script with `--refits docs/images/coupled_screen.json` reuses the refits of the run that wrote it.", ""]
    lines += cost_table(costs)
    return lines


def write_section(report: Path, heading: str, lines: list[str], following: str | None = None) -> None:
    """``lines`` (the section, from its ``heading``) in place of that section of ``report``, which runs to the
    line ``following`` (the next stage's, kept) or to the end; at the end (before ``following``) where it has none."""
    text = report.read_text(encoding="utf-8")
    after = screen.kept_section(report, following) if following else ""
    head = text[: len(text) - len(after)]
    at = head.find("\n" + heading + "\n")
    head = head if at < 0 else head[:at]
    report.write_text(head.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n" + after, encoding="utf-8")


def chemo_refit_summary(cache: RefitCache) -> list[str]:
    """The docetaxel refits: how long, the objective before and after against the shipped fit's, the spread of
    the refitted values, the values on a search bound and the failures."""
    from hemasim.inference.docetaxel import FITTED, _shipped_docetaxel_slope
    from hemasim.inference.docetaxel import LR_STEP_95 as STEP

    refits = [r for _, r in cache.refits.values()]
    seconds = list(cache.seconds.values())
    start = np.array([r.start_objective for r in refits])
    end = np.array([r.objective for r in refits])
    far = [(held, r) for held, r in cache.refits.values() if r.objective > CHEMO_SHIPPED_OBJECTIVE + STEP]
    failed = [(held, r) for held, r in cache.refits.values() if r.failed]
    timed = _timing(seconds, len(refits))
    lines = [f"{len(refits)} distinct design points refitted ({timed}). The fit's objective (minus log-likelihood with "
             f"the Craig prior and the emergence term) at the shipped fitted values: median {np.median(start):.2f}, "
             f"largest {start.max():.2f}; after the refit: median {np.median(end):.2f}, largest {end.max():.2f} "
             f"(shipped fit: {CHEMO_SHIPPED_OBJECTIVE}). Refits that end more than {STEP} (the 95% likelihood-ratio "
             f"step) above the shipped fit (the courses are not met there, not a failure): **{len(far)}**"
             + (f", at progenitor ratios {', '.join(sorted({f'{h[FACTORS[0]]:.3g}' for h, _ in far}))}" if far else "")
             + ".", "", "| fitted value | shipped | refitted: min, median, max | points on a search bound |",
             "|---|---|---|---|"]
    from hemasim.parameters import healthy_adult_parameters

    table = healthy_adult_parameters()
    shipped = {FITTED["slope"]: _shipped_docetaxel_slope(), **{n: table.value(n) for n in list(FITTED.values())[1:]}}
    for name in FITTED.values():
        v = np.array([r.values[name] for r in refits])
        lines.append(f"| `{name}` | {shipped[name]:.4g} | {v.min():.4g}, {np.median(v):.4g}, {v.max():.4g} | "
                     f"{sum(name in r.on_bound for r in refits)} of {len(refits)} |")
    lines += ["", f"Refits that failed (L-BFGS-B reports no convergence, or the objective is not finite; the point keeps "
              f"the values reached and its read-outs): **{len(failed)}**."]
    for held, r in failed:
        moved = ", ".join(f"{n} {held[n]:.4g}" for n in FACTORS)
        lines.append(f"- {moved}: {r.message}; objective {r.objective:.3f}")
    return lines


def verdict_lines(designs: Mapping[str, pd.DataFrame], gone: str = "no longer (with the {} alone it moved)"
                  ) -> list[str]:
    """Per parameter, the read-outs it still moves by more than 10% (mu*) with both fits refitted (the last design),
    and those it moved so in the one before (the engraftment fit alone refitted; ``gone`` words them, the earlier
    design's label in its braces) and no longer does."""
    *_, (label_before, before), (_, both) = designs.items()
    lines = []
    for name in FACTORS:
        a, b = before[before["factor"] == name], both[both["factor"] == name]
        still = b[b["effect"] > screen.THRESHOLD].sort_values("effect", ascending=False)
        went = [r for r in a.loc[a["effect"] > screen.THRESHOLD, "readout"] if r not in set(still["readout"])]
        text = (f"still moves {', '.join(f'{r.readout} ({screen._effect(r)})' for r in still.itertuples())}"
                if len(still) else "moves no read-out by more than 10% (mu*)")
        if went:
            text += f"; {gone.format(label_before)}: {', '.join(went)}"
        lines.append(f"- `{name}`: {text}.")
    return lines


def stage4_section(designs: Mapping[str, pd.DataFrame], outcomes: Mapping[str, Sequence[str]],
                   costs: list[tuple[str, int, int, float]], chemo: RefitCache, trajectories: int) -> list[str]:
    """The section "Stage 4": the outcome per parameter in the three designs, mu* per read-out, the docetaxel refits
    and the cost (the verdict is written by hand below it, from these tables)."""
    labels = list(designs)
    lines = [STAGE4_HEADING, "",
             "Generated by `nice -n 10 env PYTHONPATH=src python bench/coupled_screen.py --docetaxel` (design committed "
             "before the run: [sensitivity.md](sensitivity.md), \"Stage 4\"). Stage 3's design (the five parameters, "
             f"same ranges, grid, scenarios, read-outs and verdicts, {trajectories} trajectories, seed {SEED}), run on "
             "the same points three times: both fits held; the engraftment fit refitted (stage 3's refits, reused); and "
             "both refitted, the docetaxel fit (`hemasim.inference.docetaxel.refit_at`: the slope of "
             "docetaxel_kloft2006's full model, the neutrophil mitotic transit and the G-CSF transit exponent on the "
             "Kloft 2006 (C9) and Quartino 2014 courses with the Craig prior, one warm-started L-BFGS-B run per "
             "distinct point) refitted beside it; the slope reaches the docetaxel scenarios per point as a cohort's "
             "drug values do, the transit and exponent every scenario's model. Each fit is refitted with the other's "
             "values at the shipped ones (not iterated to a joint optimum).", "",
             "| parameter | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    lines += [f"| `{n}` | " + " | ".join(outcomes[n]) + " |" for n in FACTORS]
    lines += ["", "### Per read-out (stage 4)", "",
              f"mu* and its 95% bootstrap interval (trajectories resampled), read-outs whose upper bound reaches "
              f"{100 * SHOWN:.0f}% in any design; a read-out that is 0 at the shipped values in days.", ""]
    frames = list(designs.values())
    lines += readout_table(frames[0], *zip(labels[1:], frames[1:], strict=True))
    lines += ["", "### The docetaxel refits", ""] + chemo_refit_summary(chemo)
    lines += ["", "### Verdict (stage 4)", ""] + verdict_lines(designs)
    lines += ["", "### Cost (stage 4)", "", "Seconds of each design; the first scenario's design with both fits "
              "refitted includes the docetaxel refits (once per distinct point).", ""]
    lines += cost_table(costs)
    return lines


def stage4(args: argparse.Namespace) -> int:
    """Stage 4: held, engraftment refitted, both refitted, on stage 3's points (docs/sensitivity.md, "Stage 4")."""
    from hemasim.inference.docetaxel import refit_at
    from hemasim.inference.engraftment import HELD_ASSUMED

    ranges = screen.sourced_ranges(FACTORS)
    start = time.perf_counter()
    engraftment = RefitCache(None, args.refits or RESULTS)  # stage 3's file is stage 3's: read, never rewritten here
    chemo = RefitCache(CHEMO_RESULTS, args.chemo_refits, HELD_ASSUMED, refit_at)
    designs: dict[str, pd.DataFrame] = {}
    costs: list[tuple[str, int, int, float]] = []
    for label, coupled in (("both fits held", None), ("engraftment fit refitted", couplings(engraftment)),
                           ("both fits refitted", couplings(engraftment, chemo))):
        designs[label], more, _ = screen.run_stage(FACTORS, ranges, args.trajectories, SEED, f"stage 4, {label}",
                                                   coupled)
        costs += more
    wall = time.perf_counter() - start
    outcomes = {n: [screen.outcome_text(t[t["factor"] == n], screen.range_text(n, ranges)) for t in designs.values()]
                for n in FACTORS}
    lines = stage4_section(designs, outcomes, costs, chemo, args.trajectories)
    reused = len(chemo.earlier)  # refits are never dropped: every earlier one is among them
    new_engraftment = len(engraftment.refits) - len(engraftment.earlier)
    lines += ["", f"Wall time of this run {wall / 60:.1f} min on this machine (2 cores shared with other work, one used)"
              + (f"; {reused} of the docetaxel refits reused from an earlier run (`--chemo-refits`)" if reused else "")
              + (f"; {new_engraftment} engraftment refits not in stage 3's file, run here" if new_engraftment else "")
              + "."]
    write_section(REPORT, STAGE4_HEADING, lines, STAGE5_HEADING)
    CHEMO_OUTCOMES.write_text(json.dumps({n: o[-1] for n, o in outcomes.items()}, indent=1, sort_keys=True) + "\n",
                              encoding="utf-8")
    chemo.save({"factors": FACTORS, "trajectories": args.trajectories, "seed": SEED,
                "indices": {k: records(t) for k, t in designs.items()}})
    return 0


def records(table: pd.DataFrame) -> list[dict[str, object]]:
    """A design's indices as JSON rows (NaN as null)."""
    return list(table[INDEX_COLUMNS].astype(object).where(table[INDEX_COLUMNS].notna(), None).to_dict("records"))


def indices(path: Path, label: str) -> pd.DataFrame:
    """The indices of the design ``label`` that a run of this script saved in ``path``."""
    return pd.DataFrame(json.loads(path.read_text(encoding="utf-8"))["indices"][label])


@functools.cache  # read by the ranges and the report's verdict: the same files, once
def stage5_cuts() -> dict[str, tuple[tuple[float, float], ScreenedRange]]:
    """Each factor's stage-4 range (its sourced range, else x0.5-x2 its value clipped to its record's bounds) and
    the rule's stage-5 range from it (:func:`hemasim.sensitivity.calibrated_ranges.screened_range`)."""
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.sensitivity.calibrated_ranges import screened_range

    table = healthy_adult_parameters()
    sourced = screen.sourced_ranges(FACTORS)
    out = {}
    for name in FACTORS:
        value, (low, high) = table.value(name), table[name].bounds
        base = (sourced[name].low, sourced[name].high) if name in sourced else (max(0.5 * value, low),
                                                                                min(2.0 * value, high))
        out[name] = (base, screened_range(name, base, value))
    return out


def stage5_ranges() -> tuple[dict[str, PlausibleRange], dict[str, str], list[str]]:
    """The stage-5 ranges by the rule (docs/sensitivity.md, "Stage 5"): the ranges :func:`screen.run_stage` takes
    (stage 4's, and each range the profiles cut in its place), each parameter's range in words, and the rows of
    the report's table of ranges."""
    from hemasim.parameters.core import PlausibleRange

    ranges = screen.sourced_ranges(FACTORS)
    words, rows = {}, []
    for name, (base, cut) in stage5_cuts().items():
        if (cut.low, cut.high) != base:
            ranges[name] = PlausibleRange(cut.low, cut.high, "stage 5 of the screen: " + cut.describe(base))
        words[name] = cut.describe(base)
        shown = "; ".join(f"{fit}: [{'open' if lo is None else f'{lo:.3g}'}, {'open' if hi is None else f'{hi:.3g}'}]"
                          for fit, (lo, hi) in cut.intervals.items()) or "none"
        rows.append(f"| `{name}` | {base[0]:g}-{base[1]:g} | {shown} | {words[name]} |")
    return ranges, words, rows


def stage5_section(designs: Mapping[str, pd.DataFrame], outcomes: Mapping[str, Sequence[str]], range_rows: list[str],
                   engraftment: RefitCache, chemo: RefitCache, costs: Sequence[Sequence[Any]] | None,
                   trajectories: int, wall: float = 0.0) -> list[str]:
    """The section "Stage 5": the ranges and where they come from, the outcome per parameter beside stage 4's, mu*
    per read-out beside stage 4's (both fits refitted), the refits of both fits, the verdict and the cost."""
    labels = list(designs)
    lines = [STAGE5_HEADING, "",
             "Generated by `nice -n 10 env PYTHONPATH=src python bench/coupled_screen.py --stage5` (design committed "
             "before the run: [sensitivity.md](sensitivity.md), \"Stage 5\"). Stage 4's design with both fits "
             "refitted at each distinct point (the same five parameters, grid, scenarios, read-outs and verdicts), "
             f"{trajectories} trajectories on new points (seed {STAGE5_SEED}), over the ranges of the rule: each "
             "parameter's stage-4 range cut by the 95% profile-likelihood interval of each calibration fit that "
             "profiled it (the recorded profiles, `hemasim.sensitivity.calibrated_ranges`; an open side cuts "
             "nothing; an interval that excludes the shipped value leaves the range uncut and names the fit).", "",
             "| parameter | stage-4 range | 95% profile intervals (fit: [low, high]) | stage-5 range |",
             "|---|---|---|---|", *range_rows, "",
             "| parameter | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    lines += [f"| `{n}` | " + " | ".join(outcomes[n]) + " |" for n in FACTORS]
    lines += ["", "### Per read-out (stage 5)", "",
              f"mu* and its 95% bootstrap interval (trajectories resampled), read-outs whose upper bound reaches "
              f"{100 * SHOWN:.0f}% in either design; a read-out that is 0 at the shipped values in days. Stage 4's "
              "column is its own points (seed 2) over its ranges.", ""]
    frames = list(designs.values())
    lines += readout_table(frames[0], *zip(labels[1:], frames[1:], strict=True), first=labels[0])
    lines += ["", "### The engraftment refits (stage 5)", ""] + refit_summary(engraftment)
    lines += ["", "### The docetaxel refits (stage 5)", ""] + chemo_refit_summary(chemo)
    lines += ["", "### Verdict (stage 5)", ""] + verdict_lines(designs, "no longer (it moved in {})")
    rejected = {n: cut.rejected_by for n, (_, cut) in stage5_cuts().items() if cut.rejected_by}
    lines += [f"- `{n}`: its range is stage 4's, uncut, because the {' and the '.join(fits)} reject the shipped value "
              "itself (95% profile interval): what it moves is over values the calibration data reject, the shipped "
              "one among them; a question of its value (a fit), which this screen cannot settle."
              for n, fits in rejected.items()]
    if costs is None:  # written again from the saved results, which keep no run times
        return lines + ["", "### Cost (stage 5)", "", "Written again from the saved results (`--stage5-report`), which "
                        "keep no run times: the run's are in [sensitivity.md](sensitivity.md), \"Stage 5\"."]
    lines += ["", "### Cost (stage 5)", "", "Seconds of each scenario's design; the first includes the refits of "
              "both fits (once per distinct point).", ""]
    lines += cost_table(costs)
    return lines + ["", f"Wall time of the run {wall / 60:.1f} min on this machine (2 cores shared with other work, "
                    "one used)."]


def stage5_report(trajectories: int, engraftment: RefitCache, chemo: RefitCache,
                  costs: Sequence[Sequence[Any]] | None = None, wall: float = 0.0) -> None:
    """The section "Stage 5" and the outcome file, from the saved indices of stage 5 (STAGE5_RESULTS) and stage 4's
    design with both fits refitted (CHEMO_RESULTS); the run's ``costs`` and ``wall`` seconds where it is the run
    (the saved results keep no run times)."""
    from hemasim.sensitivity.screen import stage4_screen_outcome

    _, words, range_rows = stage5_ranges()
    designs = {"stage 4, both fits refitted": indices(CHEMO_RESULTS, "both fits refitted"),
               STAGE5_LABEL: indices(STAGE5_RESULTS, STAGE5_LABEL)}
    stage4 = stage4_screen_outcome()
    five = designs[STAGE5_LABEL]
    outcomes = {n: [stage4[n], screen.outcome_text(five[five["factor"] == n], words[n])] for n in FACTORS}
    lines = stage5_section(designs, outcomes, range_rows, engraftment, chemo, costs, trajectories, wall)
    write_section(REPORT, STAGE5_HEADING, lines, SOURCES_HEADING)
    STAGE5_OUTCOMES.write_text(json.dumps({n: o[-1] for n, o in outcomes.items()}, indent=1, sort_keys=True) + "\n",
                               encoding="utf-8")


def stage5(args: argparse.Namespace) -> int:
    """Stage 5: both fits refitted at each point, over the ranges the calibration profiles allow (docs/sensitivity.md,
    "Stage 5")."""
    from hemasim.inference.docetaxel import refit_at
    from hemasim.inference.engraftment import HELD_ASSUMED

    engraftment = RefitCache(STAGE5_RESULTS if not args.stage5_report else None, args.refits or
                             (STAGE5_RESULTS if args.stage5_report else None))
    chemo = RefitCache(STAGE5_CHEMO_RESULTS if not args.stage5_report else None, args.chemo_refits or
                       (STAGE5_CHEMO_RESULTS if args.stage5_report else None), HELD_ASSUMED, refit_at)
    if args.stage5_report:
        stage5_report(args.trajectories, engraftment, chemo)
        return 0
    ranges, _, _ = stage5_ranges()
    start = time.perf_counter()
    design, costs, _ = screen.run_stage(FACTORS, ranges, args.trajectories, STAGE5_SEED, STAGE5_LABEL,
                                        couplings(engraftment, chemo))
    wall = time.perf_counter() - start
    # the indices first: a report that fails is written again from them (--stage5-report)
    engraftment.save({"factors": FACTORS, "trajectories": args.trajectories, "seed": STAGE5_SEED,
                      "indices": {STAGE5_LABEL: records(design)}})
    chemo.save()
    stage5_report(args.trajectories, engraftment, chemo, costs, wall)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=TRAJECTORIES)
    parser.add_argument("--refits", type=Path, default=None, help="reuse the refits of an earlier run's JSON")
    parser.add_argument("--docetaxel", action="store_true", help="stage 4: the docetaxel fit refitted too")
    parser.add_argument("--chemo-refits", type=Path, default=None,
                        help="stage 4 or 5: reuse the docetaxel refits of an earlier run's JSON")
    parser.add_argument("--stage5", action="store_true", help="stage 5: over the ranges the calibration data allow")
    parser.add_argument("--stage5-report", action="store_true",
                        help="stage 5: write its section again from its saved results, without running")
    args = parser.parse_args(argv)
    if args.stage5 or args.stage5_report:
        return stage5(args)
    if args.docetaxel:
        return stage4(args)
    ranges = screen.sourced_ranges(FACTORS)
    start = time.perf_counter()
    held, costs, _ = screen.run_stage(FACTORS, ranges, args.trajectories, SEED, "stage 3, fit held")
    cache = RefitCache(RESULTS, args.refits)
    refitted, more, _ = screen.run_stage(FACTORS, ranges, args.trajectories, SEED, "stage 3, fit refitted",
                                         couplings(cache))
    wall = time.perf_counter() - start
    outcomes = {n: (screen.outcome_text(held[held["factor"] == n], screen.range_text(n, ranges)),
                    screen.outcome_text(refitted[refitted["factor"] == n], screen.range_text(n, ranges)))
                for n in FACTORS}
    lines = section(held, refitted, outcomes, costs + more, cache, args.trajectories)
    reused = len(cache.earlier)  # refits are never dropped: every earlier one is among them
    lines += ["", f"Wall time of this run {wall / 60:.1f} min on this machine (2 cores shared with other work, one used)"
              + (f"; {reused} of the refits reused from an earlier run (`--refits`; their seconds above, where "
                 "given, are that run's)." if reused else ".")]
    write_section(REPORT, screen.STAGE3_HEADING, lines, STAGE4_HEADING)
    OUTCOMES.write_text(json.dumps({n: o[1] for n, o in outcomes.items()}, indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
    cache.save({"factors": FACTORS, "trajectories": args.trajectories, "seed": SEED,
                "indices": {"held": records(held), "refitted": records(refitted)}})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
