"""Interactive plots (hemaplot.js, SVG drawn in the browser) for the report and the explorer.

The figures are described as plain data (one *panel spec* per plot: x values, series, reference bands, CTCAE
lines, dose days) and drawn by ``assets/hemaplot.js``, which the report embeds once (it stays one file that
works offline) and the explorer serves. Building the specs needs no matplotlib, so an interactive report costs
a few milliseconds where the PNG figures cost about a second.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np

from hemasim.report.plots import (
    CTCAE,
    DLI_MARK,
    DRUG_YLABEL,
    GRAFT_MARK,
    IMMUNOSUPPRESSION_MARK,
    PANELS,
    Arms,
    as_arms,
    days_per_axis_unit,
    dli_axis_positions,
    donor_word,
    graft_axis_positions,
    immunosuppression_windows,
    is_taper,
    patient_range_segments,
    time_axis,
)
from hemasim.report.reference_ranges import RangeSegment, segments_label
from hemasim.simulation import Result

__all__ = ["panel_specs", "plot_script", "plots_html", "series_values"]

#: matplotlib's default colours (tab10), so the interactive and the static figures look alike
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf")
#: SVG dash patterns telling arms apart where colour tells series apart
ARM_DASHES: tuple[str | None, ...] = (None, "6 3", "2 3", "8 3 2 3", "1 4")
BAND_GREEN = "#2ca02c"
CTCAE_RED = "#d62728"
DONOR_DASH = "4 2"
SIGNIFICANT_DIGITS = 5  # enough for a hover read-out; keeps the embedded data small


@cache
def plot_script() -> str:
    """The text of hemaplot.js (package data)."""
    return files("hemasim.report").joinpath("assets/hemaplot.js").read_text(encoding="utf-8")


def series_values(values: np.ndarray) -> list[float | None]:
    """Values rounded for display; NaN and infinities become null (a gap in the line)."""
    return [float(f"{v:.{SIGNIFICANT_DIGITS}g}") if math.isfinite(v) else None for v in values.tolist()]


def _series(label: str, values: np.ndarray, color: str, dash: str | None = None, width: float = 1.8) -> dict[str, Any]:
    return {"label": label, "y": series_values(values), "color": color, "dash": dash, "width": width}


def _label(*parts: str) -> str:
    return ": ".join(p for p in parts if p) or "value"


def _lineage_panel(arms: list[tuple[str, Result]], cols: tuple[str, ...], title: str,
                   donor_label: str = "donor") -> list[dict[str, Any]]:
    many_arms = len(arms) > 1
    out = []
    for k, (arm, r) in enumerate(arms):
        obs = r.model.observable_names
        for j, c in enumerate(cols):
            name = c.replace("_per_uL", "").replace("_cells", "").upper() if len(cols) > 1 else ""
            color = COLORS[j % len(COLORS)] if len(cols) > 1 or not many_arms else COLORS[k % len(COLORS)]
            dash = ARM_DASHES[k % len(ARM_DASHES)] if many_arms else None  # arm B dashed: A shows through
            out.append(_series(_label(arm, name) if (arm or name) else title, r.observable(c), color, dash))
            donor = f"{c}__donor"
            if donor in obs and float(np.max(r.observable(donor))) > 0:  # (a SCID without a graft has none)
                out.append(_series(_label(arm, name, donor_label), r.observable(donor),
                                   "#222222" if len(cols) == 1 and not many_arms else color, DONOR_DASH, 1.3))
    return out


def graft_vlines(result: Result | Arms) -> list[dict[str, Any]]:
    """A labelled vertical line on the day of each arm's graft (the axis counts days from the run's start, the
    transplant endpoints from the graft)."""
    return [{**GRAFT_MARK, "x": at} for at in graft_axis_positions(result)]


def dli_vlines(result: Result | Arms) -> list[dict[str, Any]]:
    """A labelled vertical line on the day of each arm's donor lymphocyte infusion, as the graft's."""
    return [{**DLI_MARK, "x": at} for at in dli_axis_positions(result)]


def immunosuppression_xbands(result: Result | Arms) -> list[dict[str, Any]]:
    """A shaded, labelled window for each course of post-transplant immunosuppression (full dose, then its taper
    lighter); none without one."""
    mark = IMMUNOSUPPRESSION_MARK
    return [{"lo": lo, "hi": hi, "color": mark["color"], "label": label,
             "opacity": mark["taper_opacity" if is_taper(label) else "opacity"],
             "text": None if is_taper(label) else mark["label"]} for lo, hi, label in immunosuppression_windows(result)]


def reference_band(segments: list[RangeSegment], per_unit: float) -> dict[str, Any]:
    """A panel's green reference band: ``lo``/``hi`` across the panel for one range (an adult's); for a child's step
    over the run also ``segments``, ``[x_start, x_end, lo, hi]`` on the x-axis (run days / ``per_unit``), which
    hemaplot.js draws in place of one band (``lo``/``hi`` then the lowest and highest limits, for the y-range)."""
    if len(segments) == 1:
        ref = segments[0].range
        return {"lo": ref.low, "hi": ref.high, "color": BAND_GREEN, "label": ref.label}
    return {"lo": min(s.range.low for s in segments), "hi": max(s.range.high for s in segments), "color": BAND_GREEN,
            "label": segments_label(segments),
            "segments": [[s.start_day / per_unit, s.end_day / per_unit, s.range.low, s.range.high] for s in segments]}


def lineage_specs(result: Result | Arms) -> list[dict[str, Any]]:
    """One panel per lineage of :data:`hemasim.report.plots.PANELS` that every arm has, with the patient's reference
    range (green band: adults', a child's by age, :func:`hemasim.report.reference_ranges.reference_range`) and the
    CTCAE grade 3/4 lines; each with a button to a log scale (``logToggle``)."""
    arms = as_arms(result)
    x, xlabel = time_axis(arms[0][1].times)
    ranges = patient_range_segments(arms[0][1])
    per_unit = days_per_axis_unit(arms[0][1].times)
    grafts, word = graft_vlines(result) + dli_vlines(result), donor_word(result)
    xbands = immunosuppression_xbands(result)
    specs = []
    for col, title, unit in PANELS:
        cols = col if isinstance(col, tuple) else (col,)
        if not all(c in r.model.observable_names for _, r in arms for c in cols):
            continue
        key = cols[0] if len(cols) == 1 else "subsets"
        segments = ranges(key)
        specs.append({
            # linear by default (a clinician reads counts so); a "log scale" button for G-CSF's peaks over nadirs
            "id": f"lineage-{key}", "title": f"{title} ({unit})", "ylabel": unit, "xlabel": xlabel, "log": False,
            "logToggle": True,
            "x": series_values(x), "series": _lineage_panel(arms, cols, title, word),
            "bands": [reference_band(segments, per_unit)] if segments else [],
            "hlines": [{"y": thr, "color": CTCAE_RED, "label": f"CTCAE {grade}"} for thr, grade in CTCAE.get(key, [])],
            "vlines": grafts, "xbands": xbands,
        })
    return specs


#: the counts whose donor share the chimerism panel shows (the ones measured after a transplant)
CHIMERISM_COUNTS = {"anc_1e9_per_L": "neutrophils", "monocytes_1e9_per_L": "monocytes",
                    "platelets_1e9_per_L": "platelets", "hemoglobin_g_per_dL": "haemoglobin",
                    "cd3_per_uL": "CD3 T", "cd4_per_uL": "CD4 T", "cd8_per_uL": "CD8 T", "b_cells_per_uL": "B",
                    "nk_cells_per_uL": "NK", "hsc_count_cells": "marrow HSC"}


def chimerism_specs(result: Result | Arms) -> list[dict[str, Any]]:
    """Donor chimerism (% of each count that is donor-derived) after a graft; none without donor cells."""
    arms = as_arms(result)
    x, xlabel = time_axis(arms[0][1].times)
    series = []
    for k, (arm, r) in enumerate(arms):
        for j, (count, name) in enumerate(CHIMERISM_COUNTS.items()):
            donor = f"{count}__donor"
            if donor not in r.model.observable_names or float(np.max(r.observable(donor))) <= 0:
                continue
            total, part = r.observable(count), r.observable(donor)
            with np.errstate(divide="ignore", invalid="ignore"):
                percent = np.where(total > 0, 100.0 * part / total, np.nan)
            series.append(_series(_label(arm, name), percent, COLORS[j % len(COLORS)], ARM_DASHES[k % len(ARM_DASHES)]))
    if not series:
        return []
    title, ylabel = (("Graft-derived share (% of each count from the re-infused cells)", "% graft-derived")
                     if donor_word(result) == "graft-derived" else
                     ("Donor chimerism (% of each count from the donor)", "% donor"))
    return [{"id": "chimerism", "title": title, "ylabel": ylabel,
             "xlabel": xlabel, "log": False, "x": series_values(x), "series": series, "bands": [], "hlines": [],
             "vlines": graft_vlines(result) + dli_vlines(result), "xbands": immunosuppression_xbands(result)}]


def _drug_courses(drug: str, runs: list[Result]) -> tuple[np.ndarray, list[np.ndarray]]:
    """One day grid for a drug's panel (every arm's output times and the fine points round each arm's doses,
    :func:`hemasim.pharmacology.peak.course_days`) and each arm's concentration on it: the PK the Cmax is computed
    with where it is (the drawn peak is the Cmax: the 0.25-day outputs stepped over a 1-h infusion's, report36), the
    run's sampled series, joined linearly, where not (G-CSF)."""
    from hemasim.interventions.dosed import drawn_course
    from hemasim.pharmacology.peak import course_days

    days = np.unique(np.concatenate([course_days(r.record.administrations, drug, r.times) for r in runs]))
    courses = []
    for r in runs:
        inside = days[(days >= r.times[0]) & (days <= r.times[-1])]
        dense = drawn_course(r, drug, days=inside) if len(inside) == len(days) else None
        courses.append(dense[1] if dense is not None else
                       np.interp(days, r.times, r.observable(f"{drug}_concentration_ng_per_mL"),
                                 left=np.nan, right=np.nan))
    return days, courses


def drug_specs(result: Result | Arms) -> list[dict[str, Any]]:
    """Plasma concentration of each drug (log scale) with its doses marked; below four decades under the peak
    the curve is a gap (not a line down to the floor)."""
    arms = as_arms(result)
    suffix = "_concentration_ng_per_mL"
    drugs = list(dict.fromkeys(o.removesuffix(suffix) for _, r in arms for o in r.model.observable_names
                               if o.endswith(suffix)))
    x0, xlabel = time_axis(arms[0][1].times)
    scale = x0[-1] / arms[0][1].times[-1] if arms[0][1].times[-1] else 1.0  # days -> the axis' unit
    specs = []
    for drug in drugs:
        present = [(k, arm, r) for k, (arm, r) in enumerate(arms) if f"{drug}{suffix}" in r.model.observable_names]
        days, courses = _drug_courses(drug, [r for _, _, r in present])
        x = days * scale
        peak = max(float(np.nanmax(c)) for c in courses)
        floor = 1e-4 * peak if peak > 0 else 1e-6
        series, vlines = [], []
        many = len(arms) > 1
        for j, ((k, arm, r), c) in enumerate(zip(present, courses, strict=True)):
            # arms: each in its colour of the lineage plots, its doses too, in a strip of the plot's height of its
            # own (one colour and shared full-height grey dose lines left a reader unable to tell filgrastim from day
            # 1 from filgrastim from day 3; uxmend34)
            color = COLORS[k % len(COLORS)] if many else COLORS[4]
            series.append(_series(_label(arm, drug), np.where(c > floor, c, np.nan), color,
                                  ARM_DASHES[k % len(ARM_DASHES)]))
            vlines += [{"x": float(e["day"]) * scale, "color": (color if many else "#999999") if given else
                        (color if many else "#ff7f0e"), "dash": None if given else "4 3",
                        **({"from": j / len(present), "to": (j + 1) / len(present)} if many else {})}
                       for e in r.record.administrations if e.get("drug") == drug
                       for given in (float(e["given_ug"]) > 0,)]
        doses = "each arm's doses in its colour; dashed: delayed or ended" if many else "grey lines: doses"
        specs.append({"id": f"drug-{drug}", "title": f"{drug}: plasma concentration (ng/mL; {doses})",
                      "ylabel": DRUG_YLABEL, "xlabel": xlabel, "log": True, "ymin": floor, "x": series_values(x),
                      "series": series, "bands": [], "hlines": [], "vlines": vlines})
    return specs


def panel_specs(result: Result | Arms) -> list[dict[str, Any]]:
    """Every interactive panel of a run or of arms: lineages, donor chimerism, drug concentrations."""
    return lineage_specs(result) + chimerism_specs(result) + drug_specs(result)


def _json_for_script(data: object) -> str:
    """JSON safe inside a <script> element (no ``</``, no HTML comment openers)."""
    return json.dumps(data, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c").replace(">", "\\u003e")


def plots_html(specs: Sequence[dict[str, Any]], element_id: str = "hemaplot-lineages",
               include_script: bool = True) -> str:
    """A grid of interactive plots: the data as JSON, hemaplot.js (once per page: ``include_script``) and the
    call that draws them; a <noscript> note for readers without JavaScript."""
    script = f"<script>{plot_script()}</script>" if include_script else ""
    data_id = f"{element_id}-data"
    return (f'<div id="{html.escape(element_id)}" class="hp-grid-wrap"></div>'
            '<noscript><p>These plots need JavaScript; <code>hemasim run --static-report</code> writes them as '
            'images.</p></noscript>'
            f'<script type="application/json" id="{html.escape(data_id)}">{_json_for_script(list(specs))}</script>'
            f"{script}<script>HemaPlot.installCss();HemaPlot.renderAll(document.getElementById("
            f"{json.dumps(element_id)}),JSON.parse(document.getElementById({json.dumps(data_id)}).textContent));"
            "</script>")
