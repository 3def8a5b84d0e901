"""The few figures a clinician reads first, shown at the top of a report (the full endpoint table, with every
definition, stays further down: a reader should not have to scroll past the plots and the drug tables to find
the nadir or the engraftment day).

Which endpoints count as key is a fixed, ordered choice by name (:data:`KEY_ENDPOINTS`), plus the headline
read-out of an intervention kind by the end of its name (:data:`KEY_SUFFIXES`); an endpoint a run does not have
is left out. Nothing is computed here: the values are the run's endpoints, as in endpoints.json.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hemasim.endpoints import EndpointValue

#: (endpoint, label, the endpoint giving its day or None), in the order shown
KEY_ENDPOINTS: tuple[tuple[str, str, str | None], ...] = (
    ("anc_nadir", "ANC nadir", "anc_nadir_day"),
    ("days_anc_below_1", "Grade 3-4 neutropenia (ANC < 1.0 ×10⁹/L)", None),
    ("days_anc_below_0p5", "Grade 4 neutropenia (ANC < 0.5 ×10⁹/L)", None),
    ("neutrophil_engraftment_day", "Neutrophil engraftment (ANC ≥ 0.5 ×10⁹/L, 3 days)", None),
    ("platelets_nadir", "Platelet nadir", "platelets_nadir_day"),
    ("days_platelets_below_25", "Grade 4 thrombocytopenia (platelets < 25 ×10⁹/L)", None),
    ("platelet_engraftment_day", "Platelet engraftment (≥ 20 ×10⁹/L, 7 days)", None),
    ("primary_graft_failure", "Primary graft failure", None),
    ("hemoglobin_nadir", "Haemoglobin nadir", None),
    ("collected_cd34_per_kg", "CD34+ collected", None),
    ("cd4_200_day", "CD4 ≥ 200/µL", None),
)

#: the headline read-out of a kind whose endpoints carry the antigen or pathogen in their name
KEY_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_responder", "responder"),
    ("_relative_response", "day-28 IgG relative to a healthy 35-year-old"),
    ("bacteria_cleared", "infection cleared"),
    ("bacteria_clearance_day", "day the infection is cleared"),
)

ENDPOINTS_ANCHOR = "endpoints"

#: units as a clinician writes them (endpoints.json keeps the plain-ASCII unit)
_UNIT_TEXT = {"1e9/L": "×10⁹/L", "cells/uL": "cells/µL"}


def _key_rows(names: Sequence[str]) -> list[tuple[str, str, str | None]]:
    """The key endpoints among ``names``, in display order, each with its label and its day's endpoint."""
    present = set(names)
    rows = [row for row in KEY_ENDPOINTS if row[0] in present]
    for name in names:
        for suffix, label in KEY_SUFFIXES:
            if name.endswith(suffix):
                prefix = name[: -len(suffix)].replace("_", " ").strip()
                rows.append((name, f"{prefix}: {label}" if prefix else label, None))
    return rows


def _is_day_of_event(name: str, unit: str) -> bool:
    """A day on which something happened ("day", "day after graft"), not a number of days."""
    return unit.startswith("day") and not name.startswith("days_")


def _amount(name: str, unit: str, value: float) -> str:
    """A value with its unit as words: "12 days", "day 12 after graft", "0.374 1e9/L"."""
    if _is_day_of_event(name, unit):
        return f"day {value:.4g}{unit[3:]}"
    words = "days" if unit == "day" else _UNIT_TEXT.get(unit, unit)
    return f"{value:.4g} {words}" if words != "1" else f"{value:.4g}"


def _value_text(e: EndpointValue) -> str:
    if e.value is None:
        return e.note or "not reached"
    if e.unit == "flag":
        return "yes" if e.value else "no"
    return _amount(e.name, e.unit, e.value)


def _with_day(e: EndpointValue, day: EndpointValue | None) -> str:
    text = _value_text(e)
    return f"{text} on day {day.value:g}" if day is not None and day.value is not None else text


def key_results_html(endpoints: Mapping[str, Sequence[EndpointValue]]) -> str:
    """A "Key results" section for one run (one column) or for arms (one column an arm); empty when the run has
    none of the key endpoints."""
    by_column = {column: {e.name: e for e in eps} for column, eps in endpoints.items()}
    names = list(dict.fromkeys(e.name for eps in endpoints.values() for e in eps))
    rows = _key_rows(names)
    if not rows:
        return ""
    esc = html.escape
    body = []
    for name, label, day_name in rows:
        cells = []
        for values in by_column.values():
            e = values.get(name)
            cells.append(f'<td title="{esc(e.definition)}">{esc(_with_day(e, values.get(day_name or "")))}</td>'
                         if e is not None else "<td>&ndash;</td>")
        body.append(f"<tr><th scope=\"row\">{esc(label)}</th>{''.join(cells)}</tr>")
    head = "" if len(by_column) == 1 else (
        "<tr><th></th>" + "".join(f"<th>{esc(c)}</th>" for c in by_column) + "</tr>")
    return (f'<h2>Key results</h2><table class="key">{head}{"".join(body)}</table>'
            f'<p class="muted">Hover a value for its definition; <a href="#{ENDPOINTS_ANCHOR}">all '
            f"{len(names)} endpoints</a> with their definitions are listed below the plots.</p>")


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.0f}%"


def _cohort_value(row: Mapping[str, Any]) -> str:
    name, unit, reached = str(row["endpoint"]), str(row["unit"]), float(row["fraction_reaching"])
    if unit == "flag":
        return f"{_percent(reached)} of patients"
    if row["median"] is None:
        return "no patient"
    spread = f"median {_amount(name, unit, row['median'])} (5-95%: {row['p05']:.4g}-{row['p95']:.4g})"
    if name.startswith("days_"):
        return f"{_percent(reached)} of patients; {spread}"
    return spread if reached >= 1.0 else f"{spread}; reached by {_percent(reached)} of patients"


def cohort_key_results_html(summary_rows: Sequence[Mapping[str, Any]]) -> str:
    """A "Key results" section for a cohort: the share of patients with each grade-4 episode or flag, and the
    median and 5-95% range of each key value."""
    by_name = {str(r["endpoint"]): r for r in summary_rows}
    rows = [(name, label) for name, label, _ in _key_rows(list(by_name))]
    if not rows:
        return ""
    esc = html.escape
    body = "".join(f'<tr><th scope="row">{esc(label)}</th><td title="{esc(str(by_name[n]["definition"]))}">'
                   f"{esc(_cohort_value(by_name[n]))}</td></tr>" for n, label in rows)
    return (f'<h2>Key results</h2><table class="key">{body}</table>'
            f'<p class="muted">Hover a value for its definition; <a href="#{ENDPOINTS_ANCHOR}">all endpoints</a> '
            "are listed below the bands.</p>")
