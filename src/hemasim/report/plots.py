"""Matplotlib figures (Agg backend, no display needed)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hemasim.endpoints import (
    ANC_GRADE3_1E9_PER_L,
    ANC_GRADE4_1E9_PER_L,
    PLATELETS_GRADE3_1E9_PER_L,
    PLATELETS_GRADE4_1E9_PER_L,
)
from hemasim.interventions.viral_infection import VIRUS_DETECTION_TCID50
from hemasim.report.key_results import OBSERVABLE_WORDS
from hemasim.report.reference_ranges import (
    ADULT_BANDS,
    ADULT_LABEL,
    DAYS_PER_YEAR,
    RangeSegment,
    ReferenceRange,
    range_segments,
    reference_range,
    segments_label,
)
from hemasim.report.reference_ranges import HB_BANDS as HB_BANDS  # re-exported: the reports and tests read it here
from hemasim.simulation import Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Adult reference intervals drawn behind each panel (validation targets S1-S9, Merck / Chng 2004); a child's are
# age-specific (hemasim.report.reference_ranges.reference_range)
REFERENCE_BANDS = ADULT_BANDS

# CTCAE v5 grade thresholds shaded on the ANC and platelet panels.
CTCAE = {
    "anc_1e9_per_L": [(ANC_GRADE3_1E9_PER_L, "G3"), (ANC_GRADE4_1E9_PER_L, "G4")],
    "leukocytes_1e9_per_L": [(2.0, "G3"), (1.0, "G4")],
    "platelets_1e9_per_L": [(PLATELETS_GRADE3_1E9_PER_L, "G3"), (PLATELETS_GRADE4_1E9_PER_L, "G4")],
}

PANELS = [
    ("anc_1e9_per_L", "Neutrophils (ANC)", "10⁹/L"),
    ("leukocytes_1e9_per_L", "Leukocytes", "10⁹/L"),
    ("platelets_1e9_per_L", "Platelets", "10⁹/L"),
    ("hemoglobin_g_per_dL", "Haemoglobin", "g/dL"),
    ("monocytes_1e9_per_L", "Monocytes", "10⁹/L"),
    ("lymphocytes_1e9_per_L", "Lymphocytes", "10⁹/L"),
    (("cd4_per_uL", "cd8_per_uL", "b_cells_per_uL", "nk_cells_per_uL"), "Lymphocyte subsets", "cells/µL"),
    ("hsc_count_cells", "Stem cells (HSC)", "cells"),
    ("thymic_output_per_day", "Thymic output", "cells/day"),
]

#: the lymphocyte subsets of the shared panel by name, where one is plotted alone (a cohort's bands)
SUBSET_NAMES = {name: OBSERVABLE_WORDS[name]
                for name in ("cd4_per_uL", "cd8_per_uL", "b_cells_per_uL", "nk_cells_per_uL")}


Arms = Sequence[tuple[str, Result]]
ARM_STYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1)), (0, (1, 3)), (0, (8, 2)), (0, (3, 1, 1, 1, 1, 1)))


def as_arms(result: Result | Arms) -> list[tuple[str, Result]]:
    """A single run as one unnamed arm, or the arms as given."""
    return [("", result)] if isinstance(result, Result) else list(result)


def _axis_in_years(times: np.ndarray) -> bool:
    return bool(times[-1] > 3 * 365)


def days_per_axis_unit(times: np.ndarray) -> float:
    """The days in one unit of the x-axis of a run over ``times`` (:func:`time_axis`): 1, or 365.25 for a long run;
    a day of the run (a graft, a window) is placed on the axis by dividing by it."""
    return 365.25 if _axis_in_years(times) else 1.0


def time_axis(times: np.ndarray) -> tuple[np.ndarray, str]:
    """Times in days, or in years for runs longer than three years, and the axis label (shared by every figure,
    so that their x-axes match)."""
    return times / days_per_axis_unit(times), "time (years)" if _axis_in_years(times) else "time (days)"


def _top(values: list[np.ndarray], band_hi: float | None) -> float:
    """The upper y-limit of a panel starting at 0: room above the highest curve (a flat line must not sit on the
    frame) and above the reference band."""
    peak = max((float(np.nanmax(v)) for v in values if np.isfinite(v).any()), default=1.0)
    top = max(peak * 1.15, (band_hi or 0.0) * 1.1)
    return top if top > 0 else 1.0


def _ctcae_lines(ax: Axes, col: str, x: np.ndarray, fontsize: float = 7) -> None:
    """CTCAE grade lines with their labels, grade 3 at the left and grade 4 at the right; each label above its line,
    else below it, else named in the one above ("CTCAE G3 (G4 below)"): on a short ANC or platelet axis the lines lie
    a few pixels apart and "CTCAE G4" sat on the G3 line (placed at draw time: :mod:`hemasim.report.threshold_labels`)."""
    from hemasim.report.threshold_labels import ThresholdLabels

    for thr, _ in CTCAE[col]:
        ax.axhspan(0, thr, color="tab:red", alpha=0.08, lw=0)
        ax.axhline(thr, color="tab:red", lw=0.8, ls=":")
    ThresholdLabels(ax, [(thr, grade, k % 2 == 1) for k, (thr, grade) in enumerate(CTCAE[col])],
                    (float(x[0]), float(x[-1])), "CTCAE", color="tab:red", fontsize=fontsize)


def _donor_part_drawn(donor: Any) -> bool:
    """Whether a count's donor part (its ``__donor`` observable's values) is drawn: a SCID without a graft tracks
    one that stays 0."""
    return float(np.max(donor)) > 0


def _has_donor_part(obs: Any, col: str) -> bool:
    """Whether the observables' table ``obs`` has a donor part of ``col`` to draw."""
    return f"{col}__donor" in obs and _donor_part_drawn(obs[f"{col}__donor"])


def draws_donor_part(result: Result | Arms) -> bool:
    """Whether the lineage plots draw a donor-derived (or graft-derived) dashed line in any arm. Reads the donor
    columns one by one, not the observables' DataFrame: the report's text asks this before any plot, and building
    the table imports pandas (0.2 s of a fresh `hemasim run`, issue 20 goal 1)."""
    for _, r in as_arms(result):
        names = r.observed if r.observed is not None else r.model.observable_names
        if any(n.endswith("__donor") and _donor_part_drawn(r.observable(n)) for n in names):
            return True
    return False


def graft_lines(ax: Axes, grafts: Sequence[float]) -> None:
    """The grey dashed line of each graft at its x-axis position (one legend entry, "graft")."""
    for k, at in enumerate(grafts):
        ax.axvline(at, color=GRAFT_MARK["color"], lw=0.9, ls=(0, (6, 3)), zorder=1, label="graft" if k == 0 else None)


def graft_axis_positions(result: Result | Arms) -> list[float]:
    """The day of each arm's first graft (each day once) on the plots' x-axis (:func:`time_axis`: days, or years
    for a long run): marked on the lineage and chimerism plots, since the axis counts from the run's start
    (conditioning) while the transplant endpoints count days after the graft."""
    from hemasim.interventions.transplant import graft_day

    arms = as_arms(result)
    per_unit = days_per_axis_unit(arms[0][1].times)
    days: list[float] = []
    for _, r in arms:
        spec = r.record.scenario
        day = graft_day(spec.interventions) if spec is not None else None
        if day is not None and day not in days:
            days.append(float(day))
    return [day / per_unit for day in days]


def dli_axis_positions(result: Result | Arms) -> list[float]:
    """The day of each arm's donor lymphocyte infusions (each day once) on the plots' x-axis, marked as the graft's
    is: a RIC report drew the graft and the immunosuppression but not the DLI whose effect it was read for (ux36)."""
    from hemasim.interventions.immunosuppression import DonorLymphocyteInfusionSpec

    arms = as_arms(result)
    per_unit = days_per_axis_unit(arms[0][1].times)
    days: list[float] = []
    for _, r in arms:
        spec = r.record.scenario
        for iv in spec.interventions if spec is not None else []:
            if isinstance(iv, DonorLymphocyteInfusionSpec) and iv.day not in days and iv.day <= float(r.times[-1]):
                days.append(float(iv.day))
    return [day / per_unit for day in days]


def dli_lines(ax: Axes, dlis: Sequence[float]) -> None:
    """The dotted line of each donor lymphocyte infusion at its x-axis position (one legend entry, "DLI")."""
    for k, at in enumerate(dlis):
        ax.axvline(at, color=DLI_MARK["color"], lw=0.9, ls=(0, (2, 2)), zorder=1,
                   label=DLI_MARK["label"] if k == 0 else None)


def donor_word(result: Result | Arms) -> str:
    """What the plots call the donor part of a count: "graft-derived" when every graft of every arm is autologous
    (the patient's own re-infused cells: "donor" read wrong in an autologous transplant's report), else "donor"."""
    from hemasim.interventions.transplant import TransplantSpec

    grafts = [iv for _, r in as_arms(result) if r.record.scenario is not None
              for iv in r.record.scenario.interventions if isinstance(iv, TransplantSpec)]
    return "graft-derived" if grafts and all(g.donor == "autologous" for g in grafts) else "donor"


#: how the graft's day is marked on a plot
GRAFT_MARK = {"color": "#7f7f7f", "dash": "6 3", "label": "graft"}
#: how a donor lymphocyte infusion's day is marked on a plot
DLI_MARK = {"color": "#d62728", "dash": "2 2", "label": "DLI"}
#: how a course of post-transplant immunosuppression is shaded on a plot: its full-dose window, then its taper lighter
IMMUNOSUPPRESSION_MARK = {"color": "#9467bd", "opacity": 0.12, "taper_opacity": 0.06, "label": "immunosuppression"}


def immunosuppression_windows(result: Result | Arms) -> list[tuple[float, float, str]]:
    """Each arm's post-transplant immunosuppression (``kind: immunosuppression``) as shaded windows on the plots'
    x-axis (:func:`time_axis`: days, or years for a long run), each window once: (start, end, label) for the
    full-dose window (start_day to end_day) and, where there is one, the taper (end_day to its last day). Empty
    when no arm has immunosuppression."""
    from hemasim.interventions.immunosuppression import ImmunosuppressionSpec

    arms = as_arms(result)
    per_unit = days_per_axis_unit(arms[0][1].times)
    out: list[tuple[float, float, str]] = []
    for _, r in arms:
        spec = r.record.scenario
        for iv in spec.interventions if spec is not None else []:
            if not isinstance(iv, ImmunosuppressionSpec):
                continue
            agent = iv.agent.replace("_", " + ") if iv.agent != "other" else "other agent"
            windows = [(iv.start_day, iv.end_day, f"{IMMUNOSUPPRESSION_MARK['label']} ({agent}), days "
                        f"{iv.start_day:g}-{iv.end_day:g}")]
            if iv.taper_days > 0:
                windows.append((iv.end_day, iv.last_day, f"{IMMUNOSUPPRESSION_MARK['label']} taper, days "
                                f"{iv.end_day:g}-{iv.last_day:g}"))
            run_end = float(r.times[-1])  # a course that runs on past the run's end is drawn to the end, and said
            for lo, hi, label in windows:
                if lo >= run_end:  # a taper that the run never reaches: no window, no legend entry
                    continue
                if hi > run_end:
                    label += f" (cut at the run's end, day {run_end:g})"
                window = (lo / per_unit, min(hi, run_end) / per_unit, label)
                if window not in out:
                    out.append(window)
    return out


def is_taper(label: str) -> bool:
    """Whether a window of :func:`immunosuppression_windows` is a taper (drawn lighter)."""
    return " taper, " in label


def patient_age(result: Result) -> float | None:
    """The age of ``result``'s patient at the start, years (None without a patient, or for a cohort's several ages:
    read as an adult)."""
    patient = result.model.info.patient
    return float(patient.age_years) if patient is not None and np.ndim(patient.age_years) == 0 else None


def _age_and_sex(result: Result) -> tuple[float | None, str]:
    """The patient's age at the start (:func:`patient_age`) and sex (a man's without a patient)."""
    patient = result.model.info.patient
    return patient_age(result), str(patient.sex) if patient is not None else "male"


def patient_ranges(result: Result, day: float = 0.0) -> Callable[[str], ReferenceRange | None]:
    """The reference range of an observable for ``result``'s patient on run day ``day`` (:func:`reference_range`: a
    child's by its age that day; adults', and a man's haemoglobin, without a patient)."""
    age, sex = _age_and_sex(result)
    age = age + day / DAYS_PER_YEAR if age is not None else None
    return lambda quantity: reference_range(quantity, age, sex)


def patient_range_segments(result: Result) -> Callable[[str], list[RangeSegment]]:
    """The reference range of an observable over ``result``'s run as its patient ages (:func:`range_segments`: a
    child's a step at each age row passed through; one segment for an adult)."""
    age, sex = _age_and_sex(result)
    t0, t1 = float(result.times[0]), float(result.times[-1])
    return lambda quantity: range_segments(quantity, age, sex, t0, t1)


def _reference_band(ax: Axes, segments: list[RangeSegment], per_unit: float) -> None:
    """The green reference band: across the panel for one range (an adult's), else a step following the age (run
    days divided by ``per_unit``, the axis' days per unit)."""
    if len(segments) == 1:
        ax.axhspan(*segments[0].range.band, color="tab:green", alpha=0.10, lw=0, label=segments[0].range.label)
        return
    x = [s.start_day / per_unit for s in segments] + [segments[-1].end_day / per_unit]
    lows = [s.range.low for s in segments] + [segments[-1].range.low]
    highs = [s.range.high for s in segments] + [segments[-1].range.high]
    ax.fill_between(x, lows, highs, step="post", color="tab:green", alpha=0.10, lw=0, label=segments_label(segments))


def lineage_figure(result: Result | Arms) -> Figure:
    """Blood counts and lineages over time; arms are overlaid (one colour per arm; subsets: one line style per arm)."""
    # a Figure renders itself: no pyplot and no backend switch, so a notebook keeps its inline plots
    from matplotlib.figure import Figure

    arms = as_arms(result)
    tables = [(name, r.observables) for name, r in arms]
    x, xlabel = time_axis(tables[0][1]["time_days"].to_numpy())
    ranges = patient_range_segments(arms[0][1])
    per_unit = days_per_axis_unit(arms[0][1].times)
    panels = [p for p in PANELS if all(c in obs for _, obs in tables for c in (p[0] if isinstance(p[0], tuple)
                                                                                 else (p[0],)))]
    rows = (len(panels) + 1) // 2
    fig = Figure(figsize=(12, 2.75 * rows + 0.5), layout="constrained")
    axes = fig.subplots(rows, 2, squeeze=False).ravel()
    if len(panels) % 2:
        axes[-1].set_visible(False)  # an odd number of panels (the published chain has one)
        axes = axes[:-1]
    grafts, word = graft_axis_positions(result), donor_word(result)
    dlis = dli_axis_positions(result)
    suppressed = immunosuppression_windows(result)
    for ax, (col, title, unit) in zip(axes, panels, strict=True):
        cols = col if isinstance(col, tuple) else (col,)
        shown = _lineage_panel(ax, tables, cols, x, word)
        graft_lines(ax, grafts)
        dli_lines(ax, dlis)
        for lo, hi, label in suppressed:
            # a short legend entry: the agent and days (in the scenario section above the figure) made each panel's
            # three-column legend wider than the panel, and constrained layout squeezed the panels to fit it
            taper = is_taper(label)
            ax.axvspan(lo, hi, color=IMMUNOSUPPRESSION_MARK["color"], lw=0, zorder=0,
                       label=f"{IMMUNOSUPPRESSION_MARK['label']}{' taper' if taper else ''}",
                       alpha=IMMUNOSUPPRESSION_MARK["taper_opacity" if taper else "opacity"])
        segments = ranges(col) if isinstance(col, str) else []
        if segments:
            _reference_band(ax, segments, per_unit)
        top = _top(shown, max(s.range.high for s in segments) if segments else None)
        ax.set_ylim(0, top)  # before the CTCAE lines: their labels' room is measured on the axis
        if isinstance(col, str) and col in CTCAE:
            _ctcae_lines(ax, col, x)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(_scaled_axis(ax, unit, top))
        ax.set_xlim(x[0], x[-1])
        ax.grid(alpha=0.3)
    for ax in axes[-2:]:
        ax.set_xlabel(xlabel)
    # each panel's legend below it, off its data: inside ("best") it lay over the reference band that spans every
    # panel, and an allograft's 16 subset entries over the curves and the title (harden5); the figure grows by the
    # legends' lines so that the panels keep their height
    legend_lines = [-(-len(ax.get_legend_handles_labels()[0]) // LINEAGE_LEGEND_COLUMNS) for ax in axes]
    for k, ax in enumerate(axes):
        if legend_lines[k]:
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False,
                      ncol=LINEAGE_LEGEND_COLUMNS, borderaxespad=4.5 if ax.get_xlabel() else 2.5)
    extra = sum(max(legend_lines[i:i + 2]) * 0.14 for i in range(0, len(axes), 2))
    fig.set_size_inches(12, 2.75 * rows + 0.5 + extra)
    return fig


#: entries a line of a lineage panel's legend
LINEAGE_LEGEND_COLUMNS = 3

#: the axis top from which the ticks are written in the axis's power of ten ("cells (x10^5)"): matplotlib writes
#: tops of 1e6 and more with an offset ("1e6") at the axis's top left, beside the panel's title, where a reader
#: misses it, and the stem cells' 100000 in six digits; the interactive plots use the same threshold (tidy30)
_PLAIN_AXIS_TOP = 1e5


def _scaled_axis(ax: Axes, unit: str, top: float) -> str:
    """Ticks of an axis reaching 1e5 or more divided by its power of ten and the power put into the unit
    ("cells/day (x10^6)"), instead of matplotlib's offset text; the unit unchanged below that."""
    if not top or top < _PLAIN_AXIS_TOP:
        return unit
    from matplotlib.ticker import FuncFormatter

    power = int(np.floor(np.log10(top)))
    scale = 10.0 ** power
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value / scale:g}"))
    return f"{unit} (\u00d710$^{{{power}}}$)"


def _lineage_panel(ax: Axes, tables: list[tuple[str, Any]], cols: tuple[str, ...], x: np.ndarray,
                   donor: str = "donor") -> list[np.ndarray]:
    """Draw one panel's curves (totals, and donor parts dashed above them); returns the values drawn."""
    many_arms = len(tables) > 1
    shown = []
    for k, (arm, obs) in enumerate(tables):
        for j, c in enumerate(cols):
            name = c.replace("_per_uL", "").replace("_cells", "").upper() if len(cols) > 1 else ""
            color = f"C{j}" if len(cols) > 1 or not many_arms else f"C{k}"
            style = ARM_STYLES[k % len(ARM_STYLES)] if len(cols) > 1 and many_arms else "-"
            # a panel of one count gives its total a legend entry beside the donor part's: with "total: donor"
            # alone, the solid line had none and the dashed one read as the total
            label = ": ".join(p for p in (arm, name) if p) or ("total" if _has_donor_part(obs, c) else None)
            ax.plot(x, obs[c].to_numpy(), lw=1.8, color=color, ls=style, label=label, zorder=2)
            shown.append(obs[c].to_numpy())
            if _has_donor_part(obs, c):
                # the donor part above the total (zorder) in a darker dash, so it shows where the two coincide
                ax.plot(x, obs[f"{c}__donor"].to_numpy(), lw=1.3, ls=(0, (4, 2)), color="black" if len(cols) == 1
                        and not many_arms else color, alpha=0.85, zorder=3,
                        label=f"{label or 'total'}: {donor}" if len(cols) > 1 or many_arms or j == 0 else None)
    return shown


def _stacked(result: Result | Arms, suffix: str, height: float,
             keep: Any = None) -> tuple[Figure, list, list[str], list[tuple[str, Result]]] | None:
    """One full-width panel per item whose observable ends with ``suffix`` (a drug, an antigen, a pathogen) in
    any arm (``keep`` filters the items), or None when the run has none; x-axes as in the lineage figure."""
    arms = as_arms(result)
    items = list(dict.fromkeys(o.removesuffix(suffix) for _, r in arms for o in r.model.observable_names
                               if o.endswith(suffix)))
    items = [i for i in items if keep is None or keep(i)]
    if not items:
        return None  # before matplotlib is imported: a run without such items never pays for it (~0.4 s)
    # a Figure renders itself: no pyplot and no backend switch, so a notebook keeps its inline plots
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, height * len(items)), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(len(items), 1)))
    x, xlabel = time_axis(arms[0][1].times)
    for ax in axes:
        ax.set_xlim(x[0], x[-1])
    axes[-1].set_xlabel(xlabel)
    return fig, axes, items, arms


def _arm_series(arms: list[tuple[str, Result]], observable: str) -> list[tuple[int, str, np.ndarray, np.ndarray]]:
    """(arm index, arm name, x, values) of each arm that has ``observable``."""
    return [(k, name, time_axis(r.times)[0], r.observable(observable)) for k, (name, r) in enumerate(arms)
            if observable in r.model.observable_names]


def _arm_label(base: str, arm: str) -> str:
    return f"{base} ({arm})" if arm else base


#: the drug panels' axis: logarithmic, said in words beside the unit (a pharmacometrician read the decades' ticks of a
#: docetaxel curve as maybe linear, 10⁻² to 10¹, the lineage panels beside it being linear unless switched; report35)
DRUG_YLABEL = "ng/mL (log scale)"


def _drawn_drug_series(result: Result, drug: str, k: int, arm: str, x: np.ndarray, c: np.ndarray,
                       dosing: Any = None) -> tuple[int, str, np.ndarray, np.ndarray]:
    """An arm's drug series as drawn: the PK evaluated densely around each dose where the drug's Cmax is computed
    (:func:`hemasim.interventions.dosed.drawn_course`: the drawn peak is the stated Cmax), else the sampled series."""
    from hemasim.interventions.dosed import drawn_course

    dense = drawn_course(result, drug, dosing)
    if dense is None:
        return k, arm, x, c
    days, conc = dense
    return k, arm, days / days_per_axis_unit(result.times), conc


def drug_figure(result: Result | Arms, dosing: Any = None) -> Figure | None:
    """Plasma concentration of each drug (log scale) with its administrations marked; None without drugs.
    Below four decades under the peak the curve is left out (a gap), not joined across. ``dosing``: a single run's
    :func:`hemasim.interventions.dosed.run_dosing`, where the caller has it (read here otherwise, once per arm)."""
    stacked = _stacked(result, "_concentration_ng_per_mL", 2.6)
    if stacked is None:
        return None
    fig, axes, drugs, arms = stacked
    # each arm's dosing read once and handed to each of its drugs' curves: read by every curve, an arm's drug-set
    # and regimen files were read once per drug it was given (review36c)
    dosings: dict[int, Any] = {0: dosing} if dosing is not None and len(arms) == 1 else {}

    def arm_dosing(k: int) -> Any:
        from hemasim.interventions import dosed

        if k not in dosings:
            dosings[k] = dosed.run_dosing(arms[k][1])
        return dosings[k]

    for ax, drug in zip(axes, drugs, strict=True):
        series = [_drawn_drug_series(arms[k][1], drug, k, arm, x, c, arm_dosing(k))
                  for k, arm, x, c in _arm_series(arms, f"{drug}_concentration_ng_per_mL")]
        peak = max(float(c.max()) for *_, c in series)
        floor = 1e-4 * peak if peak > 0 else 1e-6  # four decades below the peak
        many = len(arms) > 1
        for j, (k, arm, x, c) in enumerate(series):
            # arms: each in its colour of the lineage plots (C0, C1, ...), its doses too, in a strip of the height
            # of its own (uxmend34)
            color = f"C{k}" if many else "tab:purple"
            ax.semilogy(x, np.where(c > floor, c, np.nan), lw=1.6, color=color,
                        ls=ARM_STYLES[k % len(ARM_STYLES)], label=arm or None)
            for e in arms[k][1].record.administrations:
                if e.get("drug") == drug:
                    given = float(e["given_ug"]) > 0
                    day = float(e["day"]) * (x[-1] / arms[k][1].times[-1] if arms[k][1].times[-1] else 1.0)
                    strip = {"ymin": 1 - (j + 1) / len(series), "ymax": 1 - j / len(series)} if many else {}
                    ax.axvline(day, color=color if many else "tab:gray" if given else "tab:orange", lw=0.8,
                               ls="-" if given else "--", **strip)
        ax.set_ylim(bottom=floor)
        doses = ("each arm's doses in its colour; dashed: delayed or ended" if many else
                 "lines: doses given; dashed orange: delayed or ended")
        ax.set_title(f"{drug}: plasma concentration ({doses})", fontsize=10)
        ax.set_ylabel(DRUG_YLABEL)
        # the decades' lines clear, the minor ones faint: at equal weight eight lines a decade over four decades
        # made a dense mesh behind the curve (harden5, looked at)
        ax.grid(alpha=0.3, which="major")
        ax.grid(alpha=0.08, which="minor")
        if len(arms) > 1:
            ax.legend(fontsize=8, loc="upper right")
    return fig


def _vaccinated(arms: list[tuple[str, Result]]) -> dict[str, list[float]]:
    """The days of the vaccine doses of each antigen, over the arms' scenarios."""
    out: dict[str, list[float]] = {}
    for _, r in arms:
        scenario = r.record.scenario
        for iv in scenario.interventions if scenario is not None else []:
            if iv.kind == "vaccine":
                out.setdefault(iv.antigen, []).append(iv.day)  # type: ignore[attr-defined]  # a vaccine block
    return out


def vaccine_figure(result: Result | Arms) -> Figure | None:
    """Per vaccinated antigen: IgG, plasmablasts and memory B cells (arbitrary units) with the doses and any graft
    marked; None without a vaccine (a pathogen's own antibody response is drawn with the pathogen)."""
    doses = _vaccinated(as_arms(result))
    stacked = _stacked(result, "_igg_au", 2.6, keep=lambda a: a in doses)
    if stacked is None:
        return None
    fig, axes, antigens, arms = stacked
    # a dose's day on the x-axis, which is in years for a long run (a dose on day 400 was drawn at "year 400": ux35b)
    per_unit = days_per_axis_unit(arms[0][1].times)
    grafts = graft_axis_positions(result)
    for ax, a in zip(axes, antigens, strict=True):
        ax2 = ax.twinx()
        for k, arm, x, igg in _arm_series(arms, f"{a}_igg_au"):
            style = ARM_STYLES[k % len(ARM_STYLES)]
            ax.plot(x, igg, lw=1.8, color="tab:blue", ls=style, label=_arm_label("IgG", arm))
            ax2.plot(x, arms[k][1].observable(f"{a}_plasmablasts_au"), lw=1.2, color="tab:orange", ls=style,
                     label=_arm_label("plasmablasts", arm))
            # the memory a boost recalls and a conditioning kills (the question after a transplant: ux35b)
            if f"{a}_memory_b_au" in arms[k][1].model.observable_names:
                ax2.plot(x, arms[k][1].observable(f"{a}_memory_b_au"), lw=1.2, color="tab:green", ls=style,
                         label=_arm_label("memory B cells", arm))
        for day in doses[a]:
            ax.axvline(day / per_unit, color="tab:gray", lw=0.8)
        graft_lines(ax, grafts)
        ax.set_title(f"{a}: specific IgG (blue), plasmablasts (orange) and memory B cells (green), arbitrary units; "
                     "lines: doses" + (", dashed: graft" if grafts else ""), fontsize=10)
        ax.set_ylabel("IgG (AU)")
        # on two lines: on one it was longer than the 2.6-inch panel and cut at the figure's top (report36)
        ax2.set_ylabel("plasmablasts,\nmemory B (AU)")
        ax.grid(alpha=0.3)
        _joint_legend(ax, ax2)
    return fig


def _joint_legend(ax: Axes, ax2: Axes, extra: Axes | None = None) -> None:
    """One legend for a panel and its twin axes (the left axis' curves, a pathogen's load, included), below the
    panel: inside it, with three axes' curves across the whole panel, it lay over one of them wherever it stood (an
    infection's IgG rising into the upper right corner; harden5)."""
    handles: list[Any] = []
    labels: list[str] = []
    for one in (ax, ax2, extra):
        if one is not None:
            h, lab = one.get_legend_handles_labels()
            handles += h
            labels += lab
    if handles:
        # below the x-axis label: at -0.2 its first row lay over "time (days)" (report36)
        ax2.legend(handles, labels, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.27),
                   ncol=min(len(handles), 4), frameon=False)


def _load_panel(ax: Axes, arms: list[tuple[str, Result]], observable: str, unit: str, limit: float, floor: float,
                what: str) -> Axes:
    """A pathogen load on a log axis with its clearance limit dotted; returns the twin axis for host curves."""
    for k, arm, x, load in _arm_series(arms, observable):
        ax.semilogy(x, np.where(load >= floor, load, np.nan), lw=1.8, color="tab:red",
                    ls=ARM_STYLES[k % len(ARM_STYLES)], label=_arm_label(what, arm))
    ax.axhline(limit, color="tab:red", lw=0.6, ls=":")
    ax.set_ylabel(unit)
    ax.grid(alpha=0.3, which="both")
    return ax.twinx()


def _host_curves(ax2: Axes, arms: list[tuple[str, Result]], curves: list[tuple[str, str, str, float, str]]) -> None:
    """Host curves on the twin axis: (observable, label, colour, width, extra style) for every arm."""
    for observable, label, color, lw, dashed in curves:
        for k, arm, x, v in _arm_series(arms, observable):
            style = dashed if dashed and len(arms) == 1 else ARM_STYLES[k % len(ARM_STYLES)]
            ax2.plot(x, v, lw=lw, color=color, ls=style, label=_arm_label(label, arm))


def infection_figure(result: Result | Arms) -> Figure | None:
    """Per pathogen: bacterial load (log scale) with the ANC and the inflammatory signal; None without one."""
    stacked = _stacked(result, "_cfu", 2.8)
    if stacked is None:
        return None
    fig, axes, pathogens, arms = stacked
    for ax, n in zip(axes, pathogens, strict=True):
        ax2 = _load_panel(ax, arms, f"{n}_cfu", "CFU", 1.0, 1e-2, "bacteria (CFU)")
        _host_curves(ax2, arms, [("anc_1e9_per_L", "ANC (10⁹/L)", "tab:blue", 1.4, ""),
                                 (f"{n}_inflammation_au", "inflammation (AU)", "tab:orange", 1.0, "")])
        # the units on the axis, not only in the legend ("ANC / inflammation" had none; visual), on two lines
        ax2.set_ylabel("ANC (10⁹/L)\ninflammation (AU)")
        # IgG on its own axis: after a long infection it reaches thousands of AU and would flatten the ANC; far
        # enough out that the two-line label beside it stays clear of its ticks
        _joint_legend(ax, ax2, _igg_axis(ax, arms, f"{n}_igg_au", 1.09, 1.2))
        ax.set_title(f"{n}: load (red, log; dotted: 1 CFU = cleared), ANC (blue), inflammation (orange), "
                     "specific IgG (purple)", fontsize=10)
    return fig


def _igg_axis(ax: Axes, arms: list[tuple[str, Result]], observable: str, offset: float, width: float) -> Axes:
    """A pathogen's specific IgG on a third axis of its panel, its spine ``offset`` (axes fraction) out to the right,
    purple with its label: the bacterial and viral panels' (their other host curves share the second axis)."""
    ax3 = ax.twinx()
    ax3.spines.right.set_position(("axes", offset))
    _host_curves(ax3, arms, [(observable, "IgG (AU)", "tab:purple", width, "")])
    ax3.set_ylabel("IgG (AU)", color="tab:purple")
    return ax3


def viral_figure(result: Result | Arms) -> Figure | None:
    """Per virus: viral load (log scale) with virus-specific CD8 effectors and memory on one axis and IgG on its own;
    None without one."""
    stacked = _stacked(result, "_viral_load", 2.8)
    if stacked is None:
        return None
    fig, axes, viruses, arms = stacked
    for ax, v in zip(axes, viruses, strict=True):
        ax2 = _load_panel(ax, arms, f"{v}_viral_load", "TCID50/mL", VIRUS_DETECTION_TCID50, 1e-3,
                          "virus (TCID50/mL)")
        # the CD8 response on its own axis: on IgG's (an influenza's peaks ~50 AU) its ~2 AU peak was a ripple on
        # the floor (visual, branch ux33); memory in olive, not a thinner green: with two arms the arms' line styles
        # are taken, and memory and effectors read alike
        _host_curves(ax2, arms, [(f"{v}_cd8_effectors_au", "CD8 effectors, programmed and effector cells (AU)",
                                  "tab:green", 1.4, ""),
                                 (f"{v}_cd8_memory_au", "CD8 memory (AU)", "tab:olive", 1.2, "--")])
        ax2.set_ylabel("CD8 (AU)", color="tab:green")
        # IgG on a third axis, as the bacterial panel's, far enough out that the label beside it clears its ticks
        _joint_legend(ax, ax2, _igg_axis(ax, arms, f"{v}_igg_au", 1.07, 1.4))
        ax.set_title(f"{v}: virus (red, log; dotted: detection limit), CD8 effectors (green) and memory (olive), "
                     "IgG (purple), each on its own axis", fontsize=10)
    return fig


def autoimmunity_figure(result: Result | Arms) -> Figure | None:
    """Disease activity (autoreactive memory, log scale) with CD4 clonotype richness relative to the start;
    None without an autoimmune disease."""
    stacked = _stacked(result, "_activity", 2.8)
    if stacked is None:
        return None
    fig, axes, diseases, arms = stacked
    for ax, d in zip(axes, diseases, strict=True):
        ax2 = _load_panel(ax, arms, f"{d}_activity", "activity (1 = chronic disease)", 1.0, 1e-6, "activity")
        for k, arm, x, richness in _arm_series(arms, "cd4_clonotype_richness"):
            cd4 = arms[k][1].observable("cd4_per_uL")
            style = ARM_STYLES[k % len(ARM_STYLES)]
            ax2.plot(x, richness / richness[0], lw=1.4, color="tab:blue", ls=style,
                     label=_arm_label("CD4 clonotype richness", arm))
            ax2.plot(x, cd4 / cd4[0], lw=1.0, color="tab:gray", ls=style, label=_arm_label("CD4 count", arm))
            # the thymus's part of the reset: naive CD4 was in timeseries.csv alone, where CD4 >= 200/uL came from
            # memory cells and barely moved with age (ux37b)
            naive = arms[k][1].observable("naive_cd4_per_uL")
            ax2.plot(x, naive / naive[0], lw=1.0, color="tab:purple", ls=style,
                     label=_arm_label("naive CD4 count", arm))
        ax2.set_ylabel("relative to the start")
        _joint_legend(ax, ax2)
        ax.set_title(f"{d.replace('_', ' ')}: activity (red, log; dotted: untreated chronic disease), CD4 clonotype "
                     "richness (blue), CD4 (grey) and naive CD4 count (purple) relative to the start", fontsize=10)
    return fig


#: the bands figure's margins and the gaps between its panels, inches: the ones constrained layout computed for the
#: cohort's four panels (their titles, unit labels and tick labels of up to four characters; branch e2e2 kept the PNG
#: byte-identical with them), but for the gap between the columns (below); fixed, so that saving the figure measures no text first
#: (constrained layout drew it twice, once to measure: ~45% of the figure's CPU, most of a cohort's summary after
#: its last partition). Wider tick labels still fit (tests/test_ux_fixes.py). The gap between the columns is 0.19 in
#: wider than constrained layout's since the CD4 panel (right column) carries its unit as an axis label (branch
#: firsthour3): with five-character tick labels that label reached 0.08 in into the left panel. The right margin holds
#: half a four-character tick label (0.2 in): at 0.04 in a run ending on a tick clipped its last label ("60", visual).
BANDS_MARGINS_IN = {"left": 0.6528136631944443, "right": 0.2, "bottom": 0.4792025520833334,
                    "top": 0.5233823958333321, "between_columns": 0.8541666666666671, "between_rows": 0.7417058854166667}
#: the suptitle's distance from the top edge, inches (constrained layout's pad, rcParams figure.constrained_layout.h_pad)
BANDS_SUPTITLE_PAD_IN = 0.04167
#: the bands figure's smallest text (points): its CTCAE labels and legend; the PNG is shipped at 80 dpi and shown at
#: that size, where the run figures' 7 and 8 pt (drawn at 90 dpi) were 8-9 px high; 9 pt is 10 px there, beside the
#: tick labels' 11 px (10 pt) (tidy30)
BANDS_SMALL_TEXT_PT = 9.0


def cohort_bands_figure(bands: Any, n: int, observables: Sequence[str], graft: float | None = None,
                        sex: str | None = None) -> Figure:
    """A cohort's median and 5-95% bands over time, one panel per observable titled with its name and unit, with
    the adult reference range (green; haemoglobin's only for a cohort of one ``sex``, :data:`HB_BANDS`: men's and
    women's differ), CTCAE grades (red) and the graft's day (``graft``, days from the start)."""
    return CohortBandsFigure(bands["time_days"].to_numpy(), n, observables, graft, sex).draw(bands)


class CohortBandsFigure:
    """:func:`cohort_bands_figure` in two steps: the panels, their titles, labels, time axis and grid from what is
    known before the cohort's results (the output times, the number of patients), then :meth:`draw` with the bands.
    The cohort runner builds the first step while the last partition integrates (``hemasim.cohort.runner``); the
    figure is the same either way (the artists are added in the same order: PNG bytes equal, tests/test_cohort_tail.py).
    """

    def __init__(self, times: np.ndarray, n: int, observables: Sequence[str], graft: float | None = None,
                 sex: str | None = None) -> None:
        # a cohort mixes ages: adults' ranges (a child's cohort included; the caption says so)
        self._sex = sex
        titles = bands_titles()
        fig, axes = bands_grid(len(observables))
        width, height = fig.get_size_inches()
        m = BANDS_MARGINS_IN
        t, xlabel = time_axis(np.asarray(times))
        for ax, name in zip(axes, observables, strict=False):
            title, unit = titles.get(name) or _band_title(name)
            ax.set_title(f"{title} ({unit})" if unit else title)
            ax.set_ylabel(unit)
            ax.set_xlabel(xlabel)
            ax.set_xlim(t[0], t[-1])
            ax.grid(alpha=0.3)
            if graft is not None:  # as a run's plots: the key results count days after it, the axis from the start
                graft_lines(ax, [graft / days_per_axis_unit(np.asarray(times))])
        for ax in axes[len(observables):]:
            ax.set_visible(False)
        # the title at the left above the panels, the legend (in draw) at the right on its line
        fig.suptitle(f"virtual cohort: {n:,} patients", x=m["left"] / width, y=1 - BANDS_SUPTITLE_PAD_IN / height,
                     ha="left")
        self.figure, self._axes, self._t, self._observables = fig, axes, t, list(observables)
        self._legend_anchor = (1 - m["right"] / width, 1 - BANDS_SUPTITLE_PAD_IN / height)
        self._drawn = False

    def draw(self, bands: Any) -> Figure:
        """The bands (``{name}_p05``, ``{name}_median``, ``{name}_p95`` columns at the times given) drawn into the
        panels: the figure (once per object)."""
        if self._drawn:
            raise RuntimeError("CohortBandsFigure.draw: the bands are drawn already")
        self._drawn = True
        t = self._t
        for ax, name in zip(self._axes, self._observables, strict=False):
            ax.fill_between(t, bands[f"{name}_p05"], bands[f"{name}_p95"], alpha=0.3, label="5-95% of patients")
            ax.plot(t, bands[f"{name}_median"], lw=2, label="median")
            ref = reference_range(name, None, self._sex)
            band = ref.band if ref is not None else None
            if band is not None:
                ax.axhspan(*band, color="tab:green", alpha=0.10, lw=0, label=ADULT_LABEL)
            ax.set_ylim(0, _top([bands[f"{name}_p95"].to_numpy()], band[1] if band else None))
            if name in CTCAE:
                _ctcae_lines(ax, name, t, fontsize=BANDS_SMALL_TEXT_PT)
        bands_legend(self.figure, self._axes[:len(self._observables)], self._legend_anchor)
        return self.figure


def _band_title(name: str) -> tuple[str, str]:
    """A band's title and unit where a run's report has no panel of its own: a vaccine antigen's IgG
    (``influenza_igg_au``: "influenza IgG", AU: arbitrary units, as the run's vaccine panel), else the name's words."""
    if name.endswith("_igg_au"):
        return f"{name.removesuffix('_igg_au').replace('_', ' ')} IgG", "AU"
    return name.replace("_", " "), ""


def bands_titles() -> dict[str, tuple[str, str]]:
    """The bands figure's (title, unit) by observable: the run report's panels', and each lymphocyte subset its own
    (they share one panel of a run's report; cd4_per_uL was titled "cd4 per uL" without a unit on its axis)."""
    titles = {p[0]: (p[1], p[2]) for p in PANELS if isinstance(p[0], str)}
    return titles | {c: (SUBSET_NAMES[c], p[2]) for p in PANELS if not isinstance(p[0], str) for c in p[0]}


def bands_grid(n_panels: int) -> tuple[Figure, np.ndarray]:
    """The bands figure and its panels, two a row, at the fixed margins of ``BANDS_MARGINS_IN``."""
    # a Figure renders itself: no pyplot and no backend switch, so a notebook keeps its inline plots
    from matplotlib.figure import Figure

    rows = (n_panels + 1) // 2
    width, height = 11.0, 3.5 * rows
    fig = Figure(figsize=(width, height))
    m = BANDS_MARGINS_IN
    panel_w = (width - m["left"] - m["right"] - m["between_columns"]) / 2
    panel_h = (height - m["bottom"] - m["top"] - (rows - 1) * m["between_rows"]) / rows
    axes = fig.subplots(rows, 2, squeeze=False, gridspec_kw={
        "left": m["left"] / width, "right": 1 - m["right"] / width, "bottom": m["bottom"] / height,
        "top": 1 - m["top"] / height, "wspace": m["between_columns"] / panel_w,
        "hspace": m["between_rows"] / panel_h}).ravel()
    return fig, axes


def bands_legend(fig: Figure, axes: Iterable[Axes], anchor: tuple[float, float]) -> None:
    """One legend for the panels, above them at ``anchor`` (figure fraction, its upper right): inside a panel it
    covered the band wherever "best" found no room (a cycle's recovery reaching the top of the ANC panel,
    haemoglobin's band at its top right; harden5)."""
    entries: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    fig.legend(list(entries.values()), list(entries), loc="upper right", bbox_to_anchor=anchor,
               ncol=len(entries), fontsize=BANDS_SMALL_TEXT_PT, frameon=False, borderaxespad=0.0, borderpad=0.0)
