"""Matplotlib figures (Agg backend, no display needed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hemasim.interventions.viral_infection import VIRUS_DETECTION_TCID50
from hemasim.simulation import Result

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Adult reference intervals drawn behind each panel (validation targets S1-S9, Merck / Chng 2004).
REFERENCE_BANDS = {
    "anc_1e9_per_L": (1.8, 7.7),
    "platelets_1e9_per_L": (150.0, 400.0),
    "monocytes_1e9_per_L": (0.2, 1.2),
    "lymphocytes_1e9_per_L": (1.0, 4.8),
    "cd4_per_uL": (313.0, 1489.0),
}
HB_BANDS = {"male": (14.0, 17.0), "female": (12.0, 16.0)}

# CTCAE v5 grade thresholds shaded on the ANC and platelet panels.
CTCAE = {
    "anc_1e9_per_L": [(1.0, "G3"), (0.5, "G4")],
    "leukocytes_1e9_per_L": [(2.0, "G3"), (1.0, "G4")],
    "platelets_1e9_per_L": [(50.0, "G3"), (25.0, "G4")],
}

PANELS = [
    ("anc_1e9_per_L", "Neutrophils (ANC)", "10⁹/L"),
    ("leukocytes_1e9_per_L", "Leukocytes", "10⁹/L"),
    ("platelets_1e9_per_L", "Platelets", "10⁹/L"),
    ("hemoglobin_g_per_dL", "Hemoglobin", "g/dL"),
    ("monocytes_1e9_per_L", "Monocytes", "10⁹/L"),
    ("lymphocytes_1e9_per_L", "Lymphocytes", "10⁹/L"),
    (("cd4_per_uL", "cd8_per_uL", "b_cells_per_uL", "nk_cells_per_uL"), "Lymphocyte subsets", "cells/µL"),
    ("hsc_count_cells", "Stem cells (HSC)", "cells"),
    ("thymic_output_per_day", "Thymic output", "cells/day"),
]


def lineage_figure(result: Result) -> Figure:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    obs = result.observables
    t = obs["time_days"].to_numpy()
    years = t[-1] > 3 * 365
    x = t / 365.25 if years else t
    patient = result.model.info.patient
    sex = str(patient.sex) if patient is not None else "male"
    bands = {**REFERENCE_BANDS, "hemoglobin_g_per_dL": HB_BANDS[sex]}

    panels = [p for p in PANELS if all(c in obs for c in (p[0] if isinstance(p[0], tuple) else (p[0],)))]
    rows = (len(panels) + 1) // 2
    fig = Figure(figsize=(12, 2.75 * rows + 0.5), layout="constrained")
    axes = fig.subplots(rows, 2, squeeze=False).ravel()
    if len(panels) % 2:
        axes[-1].set_visible(False)  # an odd number of panels (the published chain has one)
        axes = axes[:-1]
    for ax, (col, title, unit) in zip(axes, panels, strict=True):
        cols = col if isinstance(col, tuple) else (col,)
        for c in cols:
            label = c.replace("_per_uL", "").replace("_cells", "").upper() if len(cols) > 1 else None
            line = ax.plot(x, obs[c].to_numpy(), lw=1.8, label=label)[0]
            if f"{c}__donor" in obs:  # chimeric patient: the donor part dashed, in the same colour
                ax.plot(x, obs[f"{c}__donor"].to_numpy(), lw=1.2, ls="--", color=line.get_color(),
                        label=f"{label or 'total'}: donor" if len(cols) > 1 or c == cols[0] else None)
        if isinstance(col, str) and col in bands:
            lo, hi = bands[col]
            ax.axhspan(lo, hi, color="tab:green", alpha=0.10, lw=0, label="adult reference range")
        if isinstance(col, str) and col in CTCAE:
            for thr, grade in CTCAE[col]:
                ax.axhspan(0, thr, color="tab:red", alpha=0.08, lw=0)
                ax.axhline(thr, color="tab:red", lw=0.8, ls=":")
                ax.text(x[0], thr, f" CTCAE {grade}", color="tab:red", fontsize=7, va="bottom")
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        if len(cols) > 1 or (isinstance(col, str) and col in bands) or f"{cols[0]}__donor" in obs:
            ax.legend(fontsize=7, loc="best")
    for ax in axes[-2:]:
        ax.set_xlabel("time (years)" if years else "time (days)")
    return fig


def _stacked(result: Result, suffix: str, height: float) -> tuple[Figure, list, list[str]] | None:
    """One full-width panel per item whose observable ends with ``suffix`` (a drug, an antigen, a
    pathogen), or None when the run has none."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import numpy as np
    from matplotlib.figure import Figure

    items = [o.removesuffix(suffix) for o in result.model.observable_names if o.endswith(suffix)]
    if not items:
        return None
    fig = Figure(figsize=(12, height * len(items)), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(len(items), 1)))
    axes[-1].set_xlabel("time (days)")
    return fig, axes, items


def drug_figure(result: Result) -> Figure | None:
    """Plasma concentration of each drug (log scale) with its administrations marked; None without drugs."""
    stacked = _stacked(result, "_concentration_ng_per_mL", 2.6)
    if stacked is None:
        return None
    fig, axes, drugs = stacked
    log = result.record.administrations
    for ax, drug in zip(axes, drugs, strict=True):
        c = result.observable(f"{drug}_concentration_ng_per_mL")
        floor = 1e-4 * float(c.max()) if c.max() > 0 else 1e-6  # four decades below the peak
        positive = c > floor
        ax.semilogy(result.times[positive], c[positive], lw=1.6, color="tab:purple")
        ax.set_ylim(bottom=floor)
        for e in log:
            if e.get("drug") == drug:
                given = float(e["given_ug"]) > 0
                ax.axvline(e["day"], color="tab:gray" if given else "tab:orange", lw=0.8, ls="-" if given else "--")
        ax.set_title(f"{drug}: plasma concentration (lines: doses given; dashed orange: delayed or ended)",
                     fontsize=10)
        ax.set_ylabel("ng/mL")
        ax.grid(alpha=0.3, which="both")
    return fig


def vaccine_figure(result: Result) -> Figure | None:
    """Per antigen: IgG and plasmablasts (arbitrary units) with the doses marked; None without vaccines."""
    stacked = _stacked(result, "_igg_au", 2.6)
    if stacked is None:
        return None
    fig, axes, antigens = stacked
    scenario = result.record.scenario
    doses = [iv for iv in (scenario.interventions if scenario is not None else []) if iv.kind == "vaccine"]
    for ax, a in zip(axes, antigens, strict=True):
        ax.plot(result.times, result.observable(f"{a}_igg_au"), lw=1.8, color="tab:blue", label="IgG")
        ax2 = ax.twinx()
        ax2.plot(result.times, result.observable(f"{a}_plasmablasts_au"), lw=1.2, color="tab:orange",
                 label="plasmablasts")
        for iv in doses:
            if iv.antigen == a:  # type: ignore[attr-defined]  # a vaccine block
                ax.axvline(iv.day, color="tab:gray", lw=0.8)
        ax.set_title(f"{a}: specific IgG (blue) and plasmablasts (orange), arbitrary units; lines: doses",
                     fontsize=10)
        ax.set_ylabel("IgG (AU)")
        ax2.set_ylabel("plasmablasts (AU)")
        ax.grid(alpha=0.3)
    return fig


def _load_panel(ax, result: Result, observable: str, unit: str, limit: float, floor: float):  # noqa: ANN001, ANN202
    """A pathogen load on a log axis with its clearance limit dotted; returns the twin axis for host curves."""
    load = result.observable(observable)
    shown = load >= floor
    ax.semilogy(result.times[shown], load[shown], lw=1.8, color="tab:red")
    ax.axhline(limit, color="tab:red", lw=0.6, ls=":")
    ax.set_ylabel(unit)
    ax.grid(alpha=0.3, which="both")
    return ax.twinx()


def infection_figure(result: Result) -> Figure | None:
    """Per pathogen: bacterial load (log scale) with the ANC and the inflammatory signal; None without one."""
    stacked = _stacked(result, "_cfu", 2.8)
    if stacked is None:
        return None
    fig, axes, pathogens = stacked
    for ax, n in zip(axes, pathogens, strict=True):
        ax2 = _load_panel(ax, result, f"{n}_cfu", "CFU", 1.0, 1e-2)
        ax2.plot(result.times, result.observable("anc_1e9_per_L"), lw=1.4, color="tab:blue", label="ANC (1e9/L)")
        ax2.plot(result.times, result.observable(f"{n}_inflammation_au"), lw=1.0, color="tab:orange",
                 label="inflammation (AU)")
        ax2.plot(result.times, result.observable(f"{n}_igg_au"), lw=1.2, color="tab:purple", label="IgG (AU)")
        ax2.set_ylabel("ANC / inflammation / IgG")
        ax2.legend(fontsize=8, loc="upper right")
        ax.set_title(f"{n}: load (red, log; dotted: 1 CFU = cleared), ANC (blue), inflammation (orange), "
                     "specific IgG (purple)", fontsize=10)
    return fig


def viral_figure(result: Result) -> Figure | None:
    """Per virus: viral load (log scale) with virus-specific CD8 effectors and IgG; None without one."""
    stacked = _stacked(result, "_viral_load", 2.8)
    if stacked is None:
        return None
    fig, axes, viruses = stacked
    for ax, v in zip(axes, viruses, strict=True):
        ax2 = _load_panel(ax, result, f"{v}_viral_load", "TCID50/mL", VIRUS_DETECTION_TCID50, 1e-3)
        ax2.plot(result.times, result.observable(f"{v}_cd8_effectors_au"), lw=1.4, color="tab:green",
                 label="CD8 effectors (AU)")
        ax2.plot(result.times, result.observable(f"{v}_cd8_memory_au"), lw=1.0, color="tab:green", ls="--",
                 label="CD8 memory (AU)")
        ax2.plot(result.times, result.observable(f"{v}_igg_au"), lw=1.4, color="tab:purple", label="IgG (AU)")
        ax2.set_ylabel("AU")
        ax2.legend(fontsize=8, loc="upper right")
        ax.set_title(f"{v}: virus (red, log; dotted: detection limit), CD8 effectors and memory (green), IgG (purple)",
                     fontsize=10)
    return fig


def autoimmunity_figure(result: Result) -> Figure | None:
    """Disease activity (autoreactive memory, log scale) with CD4 clonotype richness relative to the start;
    None without an autoimmune disease."""
    stacked = _stacked(result, "_activity", 2.8)
    if stacked is None:
        return None
    fig, axes, diseases = stacked
    richness = result.observable("cd4_clonotype_richness")
    for ax, d in zip(axes, diseases, strict=True):
        ax2 = _load_panel(ax, result, f"{d}_activity", "activity (1 = chronic disease)", 1.0, 1e-6)
        ax2.plot(result.times, richness / richness[0], lw=1.4, color="tab:blue", label="CD4 clonotype richness")
        ax2.plot(result.times, result.observable("cd4_per_uL") / result.observable("cd4_per_uL")[0], lw=1.0,
                 color="tab:gray", label="CD4 count")
        ax2.set_ylabel("relative to the start")
        ax2.legend(fontsize=8, loc="lower right")
        ax.set_title(f"{d.replace('_', ' ')}: activity (red, log; dotted: untreated chronic disease), CD4 clonotype "
                     "richness (blue) and CD4 count (grey) relative to the start", fontsize=10)
    return fig
