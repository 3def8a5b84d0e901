"""Run a clonal-haematopoiesis population and write its outputs: prevalence by age band (with the
Jaiswal 2014 values beside it), the VAF distribution, one clone-resolved lifespan as a Muller-style plot,
and a self-contained HTML report. Files are written atomically (all or nothing)."""

from __future__ import annotations

import html
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hemasim import __version__
from hemasim._confidence import Z_95
from hemasim._progress import StageFn
from hemasim.clonal.ch import (
    CH_VAF_THRESHOLD,
    CHCohortResult,
    DriverLandscape,
    simulate_ch_cohort,
    simulate_ch_population,
)
from hemasim.clonal.engine import ClonalHistory, NeutralHSCPool
from hemasim.io import atomic_outputs, json_writer, written_frame
from hemasim.report.clonal_plots import clone_history_figure
from hemasim.report.html import image_html, page_head, png_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from hemasim.parameters import ParameterSet

#: Jaiswal 2014 (NEJM 371:2488, abstract): people with CH (VAF >= 2%) / people sequenced, by age band (target A1)
JAISWAL_2014_COUNTS = {(70, 80): (219, 2300), (80, 90): (37, 317), (90, 101): (19, 103)}
#: the ages the VAF figure's snapshots are taken at (simulate_ch_cohort's default, which the report runs with)
SNAPSHOT_AGES_TEXT = ", ".join(f"{a:g}" for a in inspect.signature(simulate_ch_cohort).parameters["snapshot_ages"].default)
JAISWAL_2014 = {band: k / n for band, (k, n) in JAISWAL_2014_COUNTS.items()}
JAISWAL_2014_SOURCE = "Jaiswal 2014, NEJM 371:2488"
#: the band where the model's CH meets Jaiswal 2014 and the panel fraction was calibrated (target A1)
A1_BAND = (70, 80)
#: what CH a published study counts, and what it does not: the walkthrough of session 22 read the all-driver curve
#: ("a driver clone at VAF >= 2% in 100% of people by age 70") as CH prevalence; 96% of drivers are in genes no CH
#: panel sequences (ch_panel_driver_fraction 0.038), so that figure is not comparable with published CH
PANEL_CH_LABEL = "CH as a gene panel sees it (a driver in a CH panel gene at VAF >= 2%)"
ANY_DRIVER_LABEL = "any driver clone at VAF >= 2%, including genes no CH panel sequences"
#: prevalence.csv's columns: the report's table heads them so and run.json defines them
PREVALENCE_COLUMNS = {
    "age_band": "age band, years",
    "ch_prevalence": f"{PANEL_CH_LABEL}: share of person-ages, expected over panel membership; what Jaiswal 2014 "
                     "and target A1 count",
    "ch_prevalence_sampled": "the same CH with each driver drawn into the panel once (noisier, same expectation)",
    "any_driver_clone_2pct": f"{ANY_DRIVER_LABEL}: share of person-ages; not a published CH prevalence",
    "median_driver_share": "median share of the HSC pool in driver clones of every size and gene",
}

#: vaf_snapshots.csv's and example_lifespan.csv's columns, with their units: run.json defines them as it does
#: prevalence.csv's (ux33b: only that file's were defined)
VAF_SNAPSHOT_COLUMNS = {
    "person": "index of the simulated person (person i of a seed is the same person in any population of that seed)",
    "age_years": "age at the snapshot, years",
    "vaf": "variant allele fraction in blood of one driver clone (clone share of the HSC pool / 2; >= 0.001 kept)",
    "selection_per_year": "the clone's selection coefficient s: its growth rate per year while the niche holds the "
                          "pool",
    "panel": "whether the driver is in a gene a CH panel sequences (drawn with ch_panel_driver_fraction)",
}
EXAMPLE_LIFESPAN_COLUMNS = {
    "time_days": "time since birth, days",
    "hsc_pool": "HSCs in the pool, cells",
    "clones": "living clones (one per founding HSC or driver), count",
    "largest_clone_fraction": "the largest clone's share of the pool",
    "shannon_diversity": "Shannon index of the clone sizes, nats",
    "mean_mutations_per_cell": "mean somatic mutations per HSC (hsc_mutations_per_year)",
    "driver_share": "share of the pool in driver clones of every gene",
    "max_panel_vaf": "largest VAF of a driver in a CH panel gene (clone share / 2)",
}
#: the shipped parameters the run reads, listed with their sources in run.json and the report (ux33b: the gene-therapy
#: command listed its own; this one named none): the driver landscape and pool of simulate_ch_cohort, and those the
#: clone-resolved example lifespan (NeutralHSCPool) adds
CH_PARAMETERS = ("driver_mutations_per_hsc_year", "driver_selection_gamma_shape", "driver_selection_gamma_rate_years",
                 "ch_panel_driver_fraction", "hsc_count", "hsc_division_interval_days",
                 "hsc_max_self_renewal_probability", "hsc_niche_hill", "hsc_mutations_per_year")


def ch_parameters() -> ParameterSet:
    """:data:`CH_PARAMETERS` of the shipped set the run reads (run_ch_population passes no other)."""
    from hemasim.parameters import healthy_adult_parameters

    return healthy_adult_parameters().subset(CH_PARAMETERS)


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95% by default): the band target A1 uses."""
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return float(centre - half), float(centre + half)


def jaiswal_text(band: tuple[int, int]) -> str:
    """Jaiswal 2014's count in ``band`` as the report quotes it, e.g. '9.5% (219/2,300; 95% interval 8.4-10.8%)'."""
    k, n = JAISWAL_2014_COUNTS[band]
    low, high = wilson_interval(k, n)
    return f"{100 * k / n:.1f}% ({k}/{n:,}; 95% interval {100 * low:.1f}-{100 * high:.1f}%)"


def ch_headline(cohort: CHCohortResult) -> str:
    """The read-out to compare with published CH prevalence, at 70-79 beside Jaiswal 2014 (target A1) with its Monte
    Carlo error, and the all-driver figure named as what it is (plain text: the command prints it, the report shows
    it)."""
    lo, hi = A1_BAND
    if cohort.ages_years[-1] < hi - 1:
        return (f"Lifespans followed to age {cohort.ages_years[-1]:g}: no CH prevalence at {lo}-{hi - 1}, the band "
                f"compared with {JAISWAL_2014_SOURCE} (target A1).")
    ch, se = cohort.prevalence(lo, hi), cohort.prevalence_standard_error(lo, hi)
    error = f" +/- {100 * se:.2f}%" if np.isfinite(se) else ""
    return (f"{PANEL_CH_LABEL} at ages {lo}-{hi - 1}: {100 * ch:.2f}%{error} (Monte Carlo standard error, "
            f"{cohort.n_people:,} lifespans); {JAISWAL_2014_SOURCE}: {jaiswal_text(A1_BAND)}, on which the panel "
            f"fraction is calibrated (target A1). {ANY_DRIVER_LABEL[0].upper()}{ANY_DRIVER_LABEL[1:]}: "
            f"{100 * cohort.any_driver_prevalence(lo, hi):.1f}% (not a published CH prevalence).")


@dataclass
class CHPopulationRun:
    cohort: CHCohortResult
    example: ClonalHistory  # one clone-resolved lifespan with drivers (the Muller plot)
    example_pool_size: int
    seed: int


def run_ch_population(n_people: int, *, seed: int = 0, max_age_years: float = 100.0, example_pool_size: int = 100_000,
                      workers: int | None = None, progress: bool | StageFn = False) -> CHPopulationRun:
    """A virtual population of ``n_people`` lifespans (one parallel task each on ``workers`` threads, None: all
    cores; the output does not depend on it) plus one clone-resolved example lifespan."""
    cohort = simulate_ch_population(n_people, seed=seed, workers=workers, progress=progress,
                                    max_age_years=max_age_years)
    pool = NeutralHSCPool(example_pool_size, seed=seed, drivers=DriverLandscape.from_parameters())
    example = pool.run(max_age_years, sample_every_years=1.0, track_top=15, progress=progress)
    return CHPopulationRun(cohort, example, example_pool_size, seed)


def prevalence_figure(cohort: CHCohortResult) -> Figure:
    """By year of age: CH as a panel sees it against Jaiswal 2014 (target A1); any driver clone, in any gene; the
    share of the pool in driver clones. The first two have panels of their own: on one axis the all-driver curve
    (100% by 80) was what a reader took for CH prevalence, and it squashed the curve that meets the published one."""
    # a Figure renders itself: no pyplot and no backend switch, so a notebook keeps its inline plots
    from matplotlib.figure import Figure

    fig = Figure(figsize=(14, 4.4), layout="constrained")
    ax, ax_any, ax2 = fig.subplots(1, 3)
    ages = cohort.ages_years
    ch = cohort.ch_probability()
    mean = ch.mean(axis=0)
    spread = Z_95 * ch.std(axis=0, ddof=1) / np.sqrt(cohort.n_people) if cohort.n_people > 1 else np.zeros_like(mean)
    ax.fill_between(ages, 100 * np.maximum(mean - spread, 0), 100 * (mean + spread), color="C3", alpha=0.2, lw=0)
    ax.plot(ages, 100 * mean, color="C3", label=f"model, {cohort.n_people:,} lifespans\n(band: 95% Monte Carlo interval)")
    for band, (k, n) in JAISWAL_2014_COUNTS.items():
        lo, hi = band
        low, high = wilson_interval(k, n)
        ax.plot([lo, hi - 1], [100 * k / n, 100 * k / n], color="k", lw=3, solid_capstyle="butt")
        ax.fill_between([lo, hi - 1], 100 * low, 100 * high, color="k", alpha=0.12, lw=0)
        below = band == A1_BAND  # the 70-79 count under its band, the others over theirs: side by side they overlapped
        ax.annotate(f"{k}/{n}", (lo + (hi - 1 - lo) / 2, 100 * (low if below else high)), textcoords="offset points",
                    xytext=(0, -2 if below else 2), ha="center", va="top" if below else "bottom", fontsize=7)
    ax.plot([], [], color="k", lw=3, label=f"{JAISWAL_2014_SOURCE}: people with CH /\nsequenced (grey: 95% Wilson interval;\n"
                                           "90+ band: ages 90-108); target A1")
    ax.set_xlabel("age (years)")
    ax.set_ylabel("people with CH (%)")
    ax.set_ylim(0, 1.08 * max(100 * float(mean.max()), 100 * wilson_interval(*JAISWAL_2014_COUNTS[(90, 101)])[1]))
    ax.set_title("CH as a gene panel sees it\n(a driver in a CH panel gene at VAF >= 2%)", fontsize=10)
    # below the panel: inside it the legend lay over the curves
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    ax.grid(alpha=0.3)
    ax_any.plot(ages, 100 * cohort.any_driver_clone().mean(axis=0), color="C0", ls="--")
    ax_any.set_xlabel("age (years)")
    ax_any.set_ylabel("people with a driver clone at VAF >= 2% (%)")
    ax_any.set_title("any driver clone at VAF >= 2%, including genes\nno CH panel sequences (not CH as published)",
                     fontsize=10)
    ax_any.set_ylim(0, 102)
    ax_any.grid(alpha=0.3)
    q = np.percentile(cohort.driver_share, [5, 50, 95], axis=0)
    ax2.fill_between(ages, 100 * q[0], 100 * q[2], alpha=0.25, color="C2", lw=0, label="5-95%")
    ax2.plot(ages, 100 * q[1], color="C2", label="median")
    ax2.set_xlabel("age (years)")
    ax2.set_ylabel("share of HSC pool in driver clones (%)")
    ax2.set_title("driver clones (every size and gene)\nfill the pool with age", fontsize=10)
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    return fig


def vaf_figure(cohort: CHCohortResult) -> Figure:
    """Distribution of driver-clone VAFs at the snapshot ages (clones at VAF >= 0.1%)."""
    # a Figure renders itself: no pyplot and no backend switch, so a notebook keeps its inline plots
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    snaps = cohort.snapshots
    bins = np.logspace(-3, np.log10(0.5), 30)
    ages = sorted(set(snaps["age_years"].tolist()))
    for k, age in enumerate(ages):
        v = snaps["vaf"][snaps["age_years"] == age]
        counts, edges = np.histogram(v, bins=bins)
        ax.step(edges[1:], counts / cohort.n_people, where="pre", color=f"C{k}", label=f"age {age:g}")
    ax.axvline(CH_VAF_THRESHOLD, color="k", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("variant allele fraction")
    ax.set_ylabel("driver clones per person per bin")
    ax.set_title("VAF of driver clones in any gene, panel or not (dotted: 2%)", fontsize=10)
    if ages:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside: inside it covered the old ages' tail
    else:  # lifespans followed to below the first snapshot age (--max-age 40): say so, no empty legend (a warning)
        ax.set_xlim(bins[0], bins[-1])
        ax.set_ylim(1e-3, 1.0)
        ax.text(0.5, 0.5, f"no driver clone at VAF >= 0.1% at a snapshot age\n(snapshots at {SNAPSHOT_AGES_TEXT} "
                f"years;\nlifespans followed to age {cohort.ages_years[-1]:g})", transform=ax.transAxes,
                ha="center", va="center", fontsize=9, bbox={"facecolor": "white", "edgecolor": "none"})
    ax.grid(alpha=0.3)
    return fig


#: what the report's read-outs are and what they assume, for a reader who has only the report (harden10: VAF and
#: the two prevalence columns were named, not defined, and nothing said that VAFs are exact, not sequenced)
DEFINITIONS_HTML = """<p class="muted"><b>VAF</b> (variant allele fraction) = the clone's share of the HSC pool / 2:
one mutated allele (heterozygous), blood cells made in proportion to HSC share (no lineage bias, no lag). It is
read exactly from the simulated clone sizes: no sequencing depth, read sampling or error, and no detection limit
but the cuts named (2% for CH, 0.1% for the VAF figure). <b>CH prevalence (expected over panel membership)</b>:
the mean over person-ages in the band of 1 - (1 - f)^n, n the person's driver clones at VAF &ge; 2% and f the CH
panel fraction above (the share of drivers a gene panel sees): the CH that published studies such as Jaiswal 2014
count; <b>sampled panel</b>: the share of person-ages with a driver drawn into the panel (each driver once, with
probability f) at VAF &ge; 2% (noisier, same expectation). <b>Any driver clone</b>: panel or not, most of them in
genes no CH panel sequences, so it is not comparable with a published CH prevalence.
<b>Median share of pool in drivers</b>: driver clones of every size.
<b>Clones</b> in the lifespan below are HSC clones (one per founding HSC or driver), not sequenced sites.</p>"""


def render_ch_report(run: CHPopulationRun) -> str:
    esc = html.escape
    table = run.cohort.prevalence_table()
    published = {f"{lo:g}-{hi - 1:g}": jaiswal_text((lo, hi)) for lo, hi in JAISWAL_2014_COUNTS}
    published |= {r.age_band: "rare under 40 (A1: below 1%)" for r in table.itertuples()
                  if float(r.age_band.split("-")[1]) < 40}
    rows = "".join(
        f"<tr><td>{esc(r.age_band)}</td><td>{100 * r.ch_prevalence:.2f}%</td><td>{100 * r.ch_prevalence_sampled:.2f}%"
        f"</td><td>{esc(published.get(r.age_band, ''))}</td><td>{100 * r.any_driver_clone_2pct:.1f}%</td>"
        f"<td>{100 * r.median_driver_share:.1f}%</td></tr>" for r in table.itertuples())
    from hemasim.report.html import PARAMETER_HEADER, parameter_rows

    muller = clone_history_figure(run.example, title=f"one lifespan ({run.example_pool_size:,} HSCs, seed {run.seed})")
    figures = (prevalence_figure(run.cohort), vaf_figure(run.cohort), muller)
    prevalence_png, vaf_png, muller_png = (png_bytes(f) for f in figures)
    return f"""<!DOCTYPE html>
<html lang="en"><head>{page_head("hemasim: clonal haematopoiesis")}</head>
<body>
<h1>Clonal haematopoiesis in a virtual population</h1>
<p class="muted">hemasim {esc(__version__)} &middot; {run.cohort.n_people} lifespans &middot; seed {run.seed}
&middot; CH panel fraction {run.cohort.panel_fraction:g} (calibrated on the 70-79 band of Jaiswal 2014)</p>
<p>Drivers arise at the rate and with the selection coefficients of the Spencer Chapman 2024 posterior and
compete in a held pool of HSCs (docs/clonal.md). CH = a driver a gene panel detects at VAF &ge; 2%.</p>
<p><b>{esc(ch_headline(run.cohort))}</b></p>
{DEFINITIONS_HTML}
<h2>Prevalence by age</h2>
{image_html("prevalence by age", prevalence_png)}
<table><tr><th>age band</th><th>CH prevalence: panel-visible driver at VAF &ge; 2% (expected over panel
membership)</th><th>CH (sampled panel)</th><th>{JAISWAL_2014_SOURCE}: CH (people; 90+ band: ages 90-108)</th>
<th>{esc(ANY_DRIVER_LABEL)} (not a published CH prevalence)</th><th>median share of pool in drivers</th></tr>
{rows}</table>
<h2>VAF distribution</h2>
{image_html("VAF distribution", vaf_png)}
<h2>One lifespan, clone by clone</h2>
<p class="muted">The 15 largest clones at each year (a clone-resolved pool with the same drivers), stacked; the
title counts every clone that was ever among them; right: the clones alive (of any size).</p>
{image_html("clone history", muller_png)}
<h2>Parameters used</h2>
<p class="muted">The shipped values the lifespans and the example read, with their sources (run.json lists the
same).</p>
<table>{PARAMETER_HEADER}{parameter_rows(ch_parameters().to_records())}</table>
</body></html>
"""


def write_ch_outputs(run: CHPopulationRun, out_dir: str | Path, report: bool = True) -> list[Path]:
    """prevalence.csv, vaf_snapshots.csv, example_lifespan.csv, run.json and report.html, atomically (``report``
    False: without report.html, whose four figures are most of the writing)."""
    import pandas as pd

    snaps = pd.DataFrame(run.cohort.snapshots)
    record = {"hemasim_version": __version__, "n_people": run.cohort.n_people, "seed": run.seed,
              "panel_fraction": run.cohort.panel_fraction, "example_pool_size": run.example_pool_size,
              "headline": ch_headline(run.cohort), "prevalence_csv_columns": PREVALENCE_COLUMNS,
              "vaf_snapshots_csv_columns": VAF_SNAPSHOT_COLUMNS, "example_lifespan_csv_columns": EXAMPLE_LIFESPAN_COLUMNS,
              "parameters": ch_parameters().to_records(),
              "references": [r.citation() for r in ch_parameters().references()]}
    # the tables as endpoints.json writes its values (15 significant digits): 5.3200000000000046e-05 was round-off
    writers = {
        "prevalence.csv": lambda p: written_frame(run.cohort.prevalence_table()).to_csv(p, index=False),
        "vaf_snapshots.csv": lambda p: written_frame(snaps).to_csv(p, index=False),
        "example_lifespan.csv": lambda p: written_frame(run.example.to_frame()).to_csv(p, index=False),
        "run.json": json_writer(record),
        "report.html": lambda p: p.write_text(render_ch_report(run), encoding="utf-8"),
    }
    return atomic_outputs(Path(out_dir), writers, report)
