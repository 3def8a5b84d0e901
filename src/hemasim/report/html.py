"""A self-contained HTML report: interactive plots (hemaplot.js embedded once, :mod:`hemasim.report.interactive`)
or, with ``static=True``, the matplotlib figures embedded as PNG (for papers); either way one file, no network."""

from __future__ import annotations

import base64
import html
import re
from typing import TYPE_CHECKING, Any, Literal

from hemasim.assembly import report_sections
from hemasim.endpoints import DEFAULT_ENDPOINTS, DID_NOT_FALL_NOTE, UNDECIDED_SUFFIX, FirstSustainedDay
from hemasim.report.key_results import (
    ENDPOINTS_ANCHOR,
    POWER_UNITS,
    cohort_caveat_text,
    cohort_key_results_html,
    cohort_number,
    definition_text,
    flag_denominator_text,
    key_results_html,
    percent_text,
    power_text,
    table_unit,
    unit_text,
    unit_words,
    value_text,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from hemasim.endpoints import EndpointValue
    from hemasim.scenario import Scenario
    from hemasim.simulation import Result

#: how much of its drawn size a figure keeps on a phone (the rest scrolls sideways in its box): at 0.85 the labels
#: of a 90-dpi matplotlib figure stay about 10 px high; squeezed to a 390 px screen a 2x2 panel grid drew them at 4 px
PHONE_FIGURE_SCALE = 0.85

_CSS = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f3f3f3}table.key th[scope=row]{background:none;font-weight:normal}
table.key td{font-weight:bold}code{background:#f6f6f6;padding:1px 3px}
details.def summary{cursor:pointer;list-style:none}details.def summary::-webkit-details-marker{display:none}
details.def summary::before,table.key th.nodef::before{content:"";display:inline-block;width:1.1em}
details.def summary::before{content:"▸"}details.def[open] summary::before{content:"▾"}
details.def .def-text{display:block;color:#555;font-size:0.9em;max-width:36em}
td code{overflow-wrap:break-word}td.prose{overflow-wrap:anywhere}h1,h2,h3,p,li{overflow-wrap:break-word}
.muted{color:#666;font-size:0.9em}
.warnings{border-left:4px solid #d08700;background:#fff8e6;padding:0.3em 1em;margin:1em 0}
.figure{overflow-x:auto;max-width:100%}.figure img{max-width:100%;display:block}.narrow-only{display:none}
@media (max-width:700px){body{margin:1em auto}table{display:block;overflow-x:auto;max-width:100%}td.prose{min-width:14em}
.figure img{max-width:none;width:calc(var(--png-width) * PHONE_FIGURE_SCALE)}.narrow-only{display:block}}
details.group summary{cursor:pointer}details.group summary h3{display:inline}
@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}
.screen-only,.narrow-only,.hp-scale,.hp-tip{display:none!important}
.hp-key{cursor:default;padding:0 3px}.hp-key.hp-off{display:none}
details.group::details-content{content-visibility:visible;display:contents}
.figure{overflow:visible}.figure img{max-width:100%;width:auto}
.hp-panel,.figure,tr,.warnings,table.key{break-inside:avoid}h2,h3,summary{break-after:avoid}
a{color:inherit;text-decoration:none}th{background:none}}
""".replace(
    "PHONE_FIGURE_SCALE", str(PHONE_FIGURE_SCALE))



#: a browser without ``::details-content`` (Firefox, Safari) prints a closed <details> closed: the collapsed endpoint
#: groups are opened for printing, and closed again after
PRINT_SCRIPT = ("<script>addEventListener('beforeprint',function(){document.querySelectorAll('details.group:not([open])')"
                ".forEach(function(d){d.open=true;d.dataset.printOpened='1'})});addEventListener('afterprint',"
                "function(){document.querySelectorAll('details[data-print-opened]').forEach(function(d){d.open=false;"
                "delete d.dataset.printOpened})})</script>")


def page_head(title: str, css: str = _CSS) -> str:
    """A report's ``<head>`` content: its character set, the title, the style sheet, and the viewport line that
    has a phone lay the page out at its own width (without it a phone drew the page 980 px wide and shrank it:
    the text a third of its size; branch harden5). On a narrow screen a wide table scrolls sideways by itself
    instead of widening the page (the parameters' sources: a path or a reference cannot be broken), its prose
    column (``td.prose``: definitions, sources) kept wide enough to read rather than squeezed to a word a line.
    A heading or a line may break inside a word it cannot break otherwise: a scenario named in snake_case
    (``influenza_after_vaccination``) made the title 492 px wide, the whole page scrolling sideways at 390 px
    (harden10). A prose cell may break inside a word too (``overflow-wrap:anywhere``, which unlike ``break-word``
    narrows the column): a source's 52-character path (``inst/modeldb/specificDrugs/Wang_2010_romiplostim.R``) held
    the parameter table 837 px wide, every report scrolling sideways in an 800 px window (report35)."""
    return ('<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{css}</style>{PRINT_SCRIPT}")


def png_width(png: bytes) -> int | None:
    """The width in pixels of PNG bytes (the IHDR chunk, right after the signature); None for other bytes."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        return None
    return int.from_bytes(png[16:20], "big")


def image_html(alt: str, png: bytes) -> str:
    """An embedded PNG figure: as wide as the page allows on a screen; on a phone (below 700 px) it keeps
    :data:`PHONE_FIGURE_SCALE` of its drawn width and scrolls sideways in its own box, with a line saying so
    (squeezed to the screen, the cohort's bands and a fit's profiles had labels a few pixels high)."""
    b64 = base64.b64encode(png).decode("ascii")
    width = png_width(png)
    style = f' style="--png-width:{width}px"' if width else ""  # without it a phone shows the drawn size
    return (f'<p class="muted narrow-only">A wide figure: scroll it sideways.</p><div class="figure">'
            f'<img alt="{html.escape(alt)}"{style} src="data:image/png;base64,{b64}"></div>')


def png_bytes(fig: Any, dpi: float = 90) -> bytes:
    """A matplotlib figure as PNG bytes (90 dpi unless given; :mod:`hemasim.report.agg`)."""
    from hemasim.report import agg  # matplotlib only when a figure is saved

    return agg.png_bytes(fig, dpi)


def name_html(name: str) -> str:
    """A snake_case name for a table cell, escaped, that may break after each underscore (``<wbr>``) and nowhere
    else: a drug set's 97-character parameter names still fit a narrow window (branch firsthour3), and a column of
    names is as wide as the longest part of one ("proliferation"), not a letter or two, as when the names could break
    anywhere (firsthour4: "cd4_cent / ral_memo / ry_proli / feration" beside the long sources)."""
    return html.escape(name).replace("_", "_<wbr>")


#: the endpoint table's groups, in order: (title, pattern of the names, whether the group starts collapsed). A name's
#: ``_did_not_fall`` / ``_did_not_rise`` / ``_at_run_end`` / ``_undecided`` flag goes with the endpoint it qualifies. An allogeneic transplant's table had
#: 79 rows in one list, 28 of them the donor share of each count on four days (report36)
ENDPOINT_GROUPS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    # a course of chemotherapy cycles (hemasim.interventions.chemo_cycles), after the run's counts
    ("Chemotherapy cycles", re.compile(r"(anc|platelets|hemoglobin)_nadir(_day)?_cycle\d+|"
                                       r"days_(anc|platelets)_below_\w+_cycle\d+|"
                                       r"chemotherapy_cycle\d+_\w+|.*_relative_dose_intensity"), False),
    ("Engraftment", re.compile(r"(neutrophil|platelet)_engraftment_day|primary_graft_failure|hemoglobin_max_.*|"
                                 r"anc_fell_below_0p5_after_engraftment(_day)?|days_anc_below_0p5_after_engraftment"),
     False),
    ("Immune recovery", re.compile(r".*_50pct_normal_day|cd4_200_day|cd4_for_age_day|cd4_clonotype_richness_.*|"
                                   r"naive_cd4_per_uL_month\d+|naive_cd4_ratio_month12_to_before"), False),
    # by day in the lineage chimerism section above too (a transplant's), so listed collapsed here
    ("Chimerism: T cells and myeloid cells", re.compile(r"donor_(t|myeloid)_chimerism_day\d+|full_donor_.*"), True),
    ("Chimerism: the donor share of each count", re.compile(r"donor_chimerism_.*"), True),
    ("Drugs", re.compile(r".*_(cumulative_auc|cmax_ng_per_mL|cmax_day|delivered_mg|fraction_of_planned_dose|"
                         r"cycle_delays)"), False),
    # all of hemasim.interventions.vaccine.VACCINE_UNITS (tests/test_endpoint_groups.py: no shipped endpoint in Other)
    ("Vaccine responses", re.compile(r".*_(igg_day28_au|igg_peak_au|relative_response|responder|fold_rise|"
                                     r"plasmablast_peak_day)"), False),
    ("Mobilisation and apheresis", re.compile(r"collected_cd34_per_kg|peak_cd34_blood_.*|cd34_blood_before_.*"),
     False),
    ("Infection", re.compile(r".*_(clearance_day|cleared|peak_anc|peak_cfu|peak_wbc|peak_cd8_effectors|"
                             r"peak_viral_load|igg_day28|lowest_lymphocytes|peak_cd34_blood)"), False),
    ("Autoimmune disease", re.compile(r".*_activity_(final|lowest)"), False),
)
#: the group of the endpoints every run has (hemasim.endpoints.DEFAULT_ENDPOINTS), and of any name no group claims
COUNTS_GROUP = "Blood counts"
OTHER_GROUP = "Other endpoints"


def shown_endpoints(names: Sequence[str], undecided_count: Callable[[str], float | None]) -> list[str]:
    """``names`` less each ``<flag>_undecided`` row no patient is undecided in (``undecided_count(name)``: its value,
    or its share of patients; 0: none): a single run showed "..._undecided 0" under each such flag and a cohort a
    "0% yes" chimerism-undecided row every time (review mend37a). The CSV and JSON keep the columns."""
    return [n for n in names if not (n.endswith(UNDECIDED_SUFFIX) and undecided_count(n) == 0)]


def endpoint_group(name: str) -> tuple[str, bool]:
    """The endpoint table's group of an endpoint (:data:`ENDPOINT_GROUPS`) and whether it starts collapsed."""
    base = re.sub(r"_(did_not_(fall|rise)|at_run_end|undecided)$", "", name)
    if base in {e.name for e in DEFAULT_ENDPOINTS}:
        return COUNTS_GROUP, False
    for title, pattern, collapsed in ENDPOINT_GROUPS:
        if pattern.fullmatch(base):
            return title, collapsed
    return OTHER_GROUP, False


#: the chimerism groups' titles after autologous grafts only, where the "donor" is the patient's own re-infused cells
#: (the plots said "graft-derived" and the table's heading "the donor share", ux37b)
GRAFT_DERIVED_TITLES = {"Chimerism: T cells and myeloid cells": "Graft-derived share: T cells and myeloid cells",
                        "Chimerism: the donor share of each count":
                            "Graft-derived share of each count (the re-infused cells' share; endpoints named donor_)"}


def grouped_endpoint_tables(names: Sequence[str], header: str, row: Callable[[str], str],
                            donor: str = "donor") -> str:
    """The endpoint table split into its groups (blood counts first, then engraftment, immune recovery, chimerism,
    drugs, ...: :func:`endpoint_group`), each under a heading, in the endpoints' order within a group; a long group
    of secondary read-outs (the donor share of each count on each day) collapsed, its size said, every row kept (and
    printed: the print style sheet opens it). One group: one table, no heading. ``header``: the table's header row;
    ``row(name)``: an endpoint's row; ``donor``: :func:`hemasim.report.plots.donor_word` ("graft-derived" after
    autologous grafts only: :data:`GRAFT_DERIVED_TITLES`)."""
    groups: dict[str, list[str]] = {}
    collapsed: dict[str, bool] = {}
    order = [COUNTS_GROUP] + [t for t, _, _ in ENDPOINT_GROUPS] + [OTHER_GROUP]
    for name in names:
        title, closed = endpoint_group(name)
        groups.setdefault(title, []).append(name)
        collapsed[title] = closed
    if len(groups) == 1:
        return f"<table>{header}{''.join(row(n) for n in names)}</table>"
    out = []
    for title in order:
        if title not in groups:
            continue
        table = f"<table>{header}{''.join(row(n) for n in groups[title])}</table>"
        count = f"{len(groups[title])} endpoint{'s' if len(groups[title]) != 1 else ''}"
        shown = GRAFT_DERIVED_TITLES.get(title, title) if donor == "graft-derived" else title
        if collapsed[title]:
            out.append(f'<details class="group"><summary><h3>{html.escape(shown)} <span class="muted">({count}'
                       f'<span class="screen-only">; click to show</span>)</span></h3></summary>{table}</details>')
        else:
            out.append(f"<h3>{html.escape(shown)} <span class=\"muted\">({count})</span></h3>{table}")
    return "".join(out)


def endpoint_text(e: EndpointValue) -> str:
    """An endpoint's value for a table: the number, or why there is none ("did not fall", "not reached"). A recovery
    day whose count never fell below its threshold says which ("did not fall below 20"): after 2 Gy the platelets'
    "did not fall" stood beside their nadir of 25e9/L (ux34)."""
    if e.value is not None:  # with what the value does not say by itself ("still falling at the end of the run")
        return value_text(e.unit, e.value) + (f"; {e.caveat}" if e.caveat else "")
    return did_not_fall_text(e.name) if e.note == DID_NOT_FALL_NOTE else e.note or "not reached"


def did_not_fall_text(name: str) -> str:
    """ "did not fall", for a default recovery day with the threshold it is defined after ("did not fall below 20")."""
    endpoint = next((d for d in DEFAULT_ENDPOINTS if d.name == name), None)
    return f"{DID_NOT_FALL_NOTE} below {endpoint.threshold:g}" if isinstance(endpoint, FirstSustainedDay) else \
        DID_NOT_FALL_NOTE


def plain(value: object, nested: bool = False) -> str:
    """A scenario value as readable text: ``key: value`` pairs, nested ones in parentheses, lists joined, no
    Python syntax (not escaped)."""
    if isinstance(value, dict):
        text = ", ".join(f"{k.replace('_', ' ')}: {plain(v, True)}" for k, v in value.items()
                         if v is not None and v != [] and v != {}) or "none"
        return f"({text})" if nested else text
    if isinstance(value, list | tuple):
        return "; ".join(plain(v, nested) for v in value) or "none"
    if isinstance(value, bool):  # before numbers: a bool is an int
        return "yes" if value else "no"
    if isinstance(value, float):
        return number_text(value)
    return str(value)


#: the patient's fields with a unit, read as a clinician writes them ("55 years", "80 kg")
_PATIENT_UNITS = {"age_years": ("age", "years"), "weight_kg": ("weight", "kg"), "height_cm": ("height", "cm")}


#: what a patient's expanded HSC clones are in a report: the scenario's inputs, not cited values (docs/clonal.md)
CLONES_NOTE = ("the scenario's input, not cited values: VAF = the clone's share of the HSCs / 2; lineage output per "
               "HSC relative to a wild-type one, for which no per-gene value has been estimated in humans")


#: scenario values a clinician reads as code ("genotype: il2rg_scid", "source: bone_marrow"), in words; the report
#: keeps the scenario's own value in brackets beside them, which a user needs to write a scenario (report25)
_VALUE_WORDS: dict[str, dict[str, str]] = {
    "genotype": {"il2rg_scid": "X-linked SCID (IL2RG; T- B+ NK-)", "ada_scid": "ADA-SCID (T- B- NK-)",
                 "rag_scid": "RAG-SCID (T- B- NK+)"},
    "source": {"bone_marrow": "bone marrow", "peripheral_blood": "mobilised peripheral blood",
               "cord_blood": "cord blood", "double_cord_blood": "double cord blood"},
    # "agent: ciclosporin_mycophenolate" read as code (report36)
    "agent": {"ciclosporin_mycophenolate": "ciclosporin + mycophenolate",
              "tacrolimus_methotrexate": "tacrolimus + methotrexate"},
}
#: a shipped drug set's name: the drug, then the first author and year of the parameters' source
_DRUG_SET_NAME = re.compile(r"(?P<drug>[a-z_]+?)_(?P<author>[a-z]+)(?P<year>\d{4})(?:_v\d+)?")


def value_words(field: str, value: object) -> str:
    """A scenario value as a clinician reads it, its own value in brackets: "X-linked SCID (IL2RG; T- B+ NK-)
    [il2rg_scid]", "IV infusion [iv_infusion]", "docetaxel (Kloft 2006 parameters) [docetaxel_kloft2006]"; a value
    without words (a user's drug-set path, "healthy") as it is."""
    from hemasim.pharmacology.dosing import ROUTE_WORDS

    text = str(value)
    words = (ROUTE_WORDS if field == "route" else _VALUE_WORDS.get(field, {})).get(text)
    if field == "drug_set" and (match := _DRUG_SET_NAME.fullmatch(text)):
        words = (f"{match['drug'].replace('nab_', 'nab-').replace('_', ' + ')} ({match['author'].capitalize()} {match['year']} "
                 "parameters)")
    return f"{words} [{text}]" if words else text


def patient_text(patient: dict[str, Any]) -> str:
    """The scenario's patient as text: "age 55 years, male, weight 80 kg, height 175 cm", then the other fields as
    :func:`plain` writes them (genotype, clones, disease); the unit after the number, not in the field's name."""
    parts = []
    for field, value in patient.items():
        if value is None or value == [] or value == {} or field == "weight_confirmed":
            continue
        if field in _PATIENT_UNITS and isinstance(value, int | float) and not isinstance(value, bool):
            label, unit = _PATIENT_UNITS[field]
            # an infant's age in months too: "age 0.3 years" read as a rounding of the description's 3.6 months
            months = f" ({number_text(float(value) * 12.0)} months)" if field == "age_years" and value < 2 else ""
            # a weight its user confirmed (no plausibility question asked): said beside it, not as a field
            confirmed = " (confirmed)" if field == "weight_kg" and patient.get("weight_confirmed") else ""
            parts.append(f"{label} {number_text(float(value))} {unit}{months}{confirmed}")
        elif field == "sex":
            parts.append(str(value))
        elif field == "clones":  # what the numbers are, and that they are the user's (harden10: a report showed
            # "lineage output: erythroid 1.5" beside cited parameters with nothing saying it was nobody's estimate)
            parts.append(f"clones ({CLONES_NOTE}): {plain(value, True)}")
        elif isinstance(value, str):
            parts.append(f"{field.replace('_', ' ')}: {value_words(field, value)}")
        else:
            parts.append(f"{field.replace('_', ' ')}: {plain(value, True)}")
    return ", ".join(parts) or "none"


def scenario_title(scen: dict[str, Any]) -> str:
    """The scenario's name and its description ("name: description"), the name alone when it has none: a scenario of
    one's own without a description read "my patient docetaxel 75:" (firsthour)."""
    name, description = str(scen.get("name") or ""), str(scen.get("description") or "").strip()
    return f"{name}: {description}" if description else name


def number_text(value: float) -> str:
    """A number as a scenario file writes it: 5e6 (not 5e+06), 0.45, 120 (not 120.0); small ones as %g does
    (1e-08: the run record's tolerances read so elsewhere)."""
    return f"{value:g}".replace("e+0", "e").replace("e+", "e")


def solver_text(solver: dict[str, Any]) -> str:
    """The solver record as text: its name, then its settings."""
    rest = {k: v for k, v in solver.items() if k != "solver"}
    return f"{solver.get('solver', '')} ({plain(rest)})" if rest else str(solver.get("solver", ""))


#: intervention fields with a unit, read as a clinician writes them ("CD34+ dose 5e6 cells/kg", not "cd34 per kg:
#: 5e6"); a transplant physician looking at the scenario met the doses with their units only in the field names
_INTERVENTION_UNITS = {
    "cd34_per_kg": ("CD34+ dose", "cells/kg"), "cd3_per_kg": ("CD3+ dose", "cells/kg"),
    "tnc_per_kg": ("total nucleated cell (TNC) dose", "cells/kg"), "cells_per_kg": ("dose", "cells/kg"),
    "dose_mg_per_m2": ("dose", "mg/m2"), "dose_mg_per_kg": ("dose", "mg/kg"), "dose_ug_per_kg": ("dose", "ug/kg"),
    "dose_mg": ("dose", "mg"), "total_dose_Gy": ("total dose", "Gy"), "infusion_hours": ("infusion", "h"),
    "taper_days": ("taper", "days"), "delay_days": ("delay", "days"), "volume_mL": ("volume", "mL"),
}


#: a dose rule's count as a clinician writes it, with its unit
_RULE_COUNTS = {"anc": ("ANC", unit_text("1e9/L")), "platelets": ("platelets", unit_text("1e9/L"))}


def _rule_text(rule: object) -> str:
    """A dose rule as it acts, with only its action's fields: "if ANC < 1.5 ×10⁹/L on a cycle's planned day: delay 7
    days (at most 2 times)", "if platelets < 100 ×10⁹/L on a cycle's planned day: reduce this and later doses by 25%"
    (the record holds every field with its default; a delay rule's unused reduce_by_fraction read as a reduction)."""
    if not isinstance(rule, dict) or rule.get("action") not in ("delay", "reduce"):
        return plain(rule, True)
    count, unit = _RULE_COUNTS.get(str(rule.get("observable")), (str(rule.get("observable")), ""))
    when = f"if {count} < {plain(rule.get('below'))} {unit} on a cycle's planned day".replace("  ", " ")
    if rule["action"] == "delay":
        return (f"{when}: delay {plain(rule.get('delay_days'))} days (at most {plain(rule.get('max_delays'))} "
                "times, then given)")
    return f"{when}: reduce this and later doses by {100 * float(rule.get('reduce_by_fraction') or 0):.3g}%"


def _schedule_text(schedule: dict[str, Any]) -> str:
    """A dose schedule as a clinician reads it: "4 cycles every 21 days from day 1 of the run (day 0 is its start)",
    the days in a cycle only where there are more than the first ("on days 0, 7 of each cycle"). The record's
    "start day: 1, every days: 21, cycles: 4, days in cycle: 0" read as a pegfilgrastim given on the run's first
    day and a cycle of no days (firsthour)."""
    def listed(days: list[Any]) -> str:
        return ", ".join(number_text(float(d)) for d in days)

    days = schedule.get("days")
    if isinstance(days, list) and days:
        return f"on days {listed(days)} of the run (day 0 is its start)"
    start, every, cycles = (schedule.get(k) for k in ("start_day", "every_days", "cycles"))
    if not (isinstance(start, int | float) and isinstance(every, int | float) and isinstance(cycles, int)):
        return plain(schedule, True)
    first = "day 0 (the run's start)" if start == 0 else f"day {number_text(float(start))} of the run (day 0 is its start)"
    text = f"{cycles} cycle{'s' if cycles != 1 else ''} every {number_text(float(every))} days from {first}"
    in_cycle = schedule.get("days_in_cycle") or [0.0]
    if len(in_cycle) > 1:
        text += f", on days {listed(in_cycle)} of each cycle (0: its first day)"
    return text


def _unused_fraction_fields(iv: dict[str, Any]) -> set[str]:
    """A radiation's fields that do not act: a single fraction has no fractions a day nor hours between them, one
    fraction a day no hours between; the record holds them with their defaults, and a 4-Gy single exposure listed as
    "fractions: 1, fractions per day: 1, hours between: 6" read as a protracted one (uxmend34)."""
    if iv.get("kind") != "radiation":
        return set()
    if iv.get("fractions", 1) == 1:
        return {"fractions_per_day", "hours_between"}
    return {"hours_between"} if iv.get("fractions_per_day", 1) == 1 else set()


def _intervention_text(iv: dict[str, Any]) -> str:
    """One intervention's fields: a dose with its unit after the number, the others as :func:`plain` writes them;
    a shipped conditioning regimen with its title and drugs ("cy_tbi_12gy: Cyclophosphamide/TBI 12 Gy
    (myeloablative): cyclophosphamide 2 x 60 mg/kg on days -6 and -5, ...")."""
    parts = []
    unused = _unused_fraction_fields(iv)
    for field, value in iv.items():
        if field == "kind" or field in unused or value is None or value == [] or value == {}:
            continue
        if field in _INTERVENTION_UNITS and isinstance(value, int | float) and not isinstance(value, bool):
            label, unit = _INTERVENTION_UNITS[field]
            # a cell dose as the key results write it (3×10⁶, 1×10⁵): "100000" beside "3e6" mixed two formats
            number = value_text(unit, float(value)) if unit in POWER_UNITS else number_text(float(value))
            parts.append(f"{label} {number} {unit_text(unit)}")
        elif field == "rules" and isinstance(value, list):
            # a chemotherapy's and a regimen's last field: no brackets round the rules, whose own "(at most 2 times,
            # then given)" doubled them
            parts.append(f"rules: {'; '.join(_rule_text(r) for r in value)}")
        elif field == "schedule" and isinstance(value, dict):
            parts.append(f"schedule: {_schedule_text(value)}")
        elif field == "fractions" and value == 1 and iv.get("kind") == "radiation":
            parts.append("a single fraction")
        elif isinstance(value, str):
            parts.append(f"{field.replace('_', ' ')}: {value_words(field, value)}")
        else:
            parts.append(plain({field: value}))
    text = ", ".join(parts) or "none"
    if iv.get("kind") == "immunosuppression":
        text += f". {_immunosuppression_scope()}"
    regimen = iv.get("regimen") if iv.get("kind") == "conditioning" else None
    if isinstance(regimen, str):
        from hemasim.pharmacology.conditioning import available_regimens, load_regimen

        if regimen in available_regimens():
            shipped = load_regimen(regimen)
            text += f" ({shipped.title}: {shipped.description}{_regimen_days_text(iv, shipped.graft_day)})"
    return text


def _regimen_days_text(iv: dict[str, Any], graft_day: float) -> str:
    """Where a shipped regimen's days lie in the run: its description counts them from the graft (day 0; "days -6 and
    -5"), the scenario from the run's start ("start day: 0"), and a transplant physician met both in one line with
    nothing to join them (report36)."""
    start = iv.get("start_day")
    if not isinstance(start, int | float) or isinstance(start, bool):
        return ""
    return (f"; its days counted from the graft (day 0), which it plans {number_text(float(graft_day))} days after its "
            f"start: day {number_text(float(start) + float(graft_day))} of this run")


def interventions_html(scen: dict[str, Any]) -> str:
    """The scenario's interventions as a list of readable lines (kind first)."""
    esc = html.escape
    items = []
    for iv in scen.get("interventions") or []:
        items.append(f"<li><b>{esc(str(iv.get('kind', '')).replace('_', ' '))}</b>: {esc(_intervention_text(iv))}</li>")
    return "".join(items) or "<li>none</li>"


def partitions_text(n_patients: int, partition_size: object) -> str:
    """How a cohort was split, for the report's subtitle: "1 partition", "4 partitions of 250 patients" ("partitions of
    1000" read oddly over a cohort of 200, firsthour29); "partitions of SIZE" where the size is not a number."""
    if not isinstance(partition_size, int) or partition_size < 1 or n_patients < 1:
        return f"partitions of {partition_size}"
    count = -(-n_patients // partition_size)
    return "1 partition" if count == 1 else f"{count:,} partitions of {min(partition_size, n_patients):,} patients"


def parameter_status(source: str) -> str:
    """The kind of source of a parameter (its status), from the start of its provenance text."""
    for prefix, status in (("assumed", "assumed"), ("calibrated", "calibrated"), ("derived", "derived"),
                           ("fitted", "fitted"), ("set by the user", "user override"),
                           ("unit convention", "unit convention")):
        if source.startswith(prefix):
            return status
    return "cited"


#: significant digits of a parameter's value in the report's tables (run.json keeps every digit)
PARAMETER_DIGITS = 6


def parameter_rows(records: list[dict[str, Any]]) -> str:
    """The parameters' rows: a value to :data:`PARAMETER_DIGITS` digits, a large or small one with its power of ten as
    the rest of the report writes it ("2.13318×10⁶", not "2.13318e+06"), the unit as a reader writes it."""
    esc = html.escape
    return "".join(f"<tr><td><code>{name_html(p['name'])}</code></td>"
                   f"<td>{power_text(float(p['value']), PARAMETER_DIGITS)}</td>"
                   f"<td>{esc(table_unit(p['unit']))}</td><td>{parameter_status(p['source'])}</td>"
                   f"<td class=\"prose\">{esc(p['source'])}</td></tr>" for p in records)


def parameters_html(records: list[dict[str, Any]]) -> str:
    """The parameter table, collapsed under a line that counts the parameters by the kind of their source ("139
    parameters with their values and sources (52 cited, 48 assumed, ...)"): its hundreds of rows stood open between the endpoints and the
    references, most of a transplant report's printed pages (report36). Every row is there a click away, and
    printed (the print style sheet opens it)."""
    counts: dict[str, int] = {}
    for p in records:
        status = parameter_status(p["source"])
        counts[status] = counts.get(status, 0) + 1
    kinds = ", ".join(f"{n} {status}" for status, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    return (f'<details class="group"><summary>{len(records)} parameters with their values and sources ({kinds})'
            f'<span class="screen-only">; click to show</span></summary>'
            f"<table>{PARAMETER_HEADER}{parameter_rows(records)}</table></details>")


ENDPOINT_HEADER = "<tr><th>endpoint</th><th>value</th><th>unit</th><th>definition</th></tr>"
PARAMETER_HEADER = "<tr><th>name</th><th>value</th><th>unit</th><th>status</th><th>source</th></tr>"

#: the built models (hemasim.biology, its host/donor split in biology/origins.py, the Friberg chain) in a clinician's
#: words: the subtitle's "model healthy_human_chimeric" read, for a SCID infant, as a model of a healthy person
#: (report24); the name itself stays in the parameters section, as run.json gives it
_MODEL_WORDS = {"healthy_human": "the multilineage model of blood formation",
                "healthy_human_chimeric": "the multilineage model, split into host and donor cells"}


def model_words(name: str) -> str:
    """A model's name (run.json's ``model``) as the report's subtitle says it; an unknown name as it is."""
    if name.startswith("friberg_"):
        return f"the published Friberg chain (one lineage; drug set {name.removeprefix('friberg_')})"
    return _MODEL_WORDS.get(name, name)


def model_name_note(name: str) -> str:
    """The line under "Parameters used" that gives the model's own name (the subtitle says it in words)."""
    return f'<p class="muted">Model, as run.json names it: <code>{html.escape(name)}</code>.</p>'


def child_set_point_note(patient: dict[str, Any], records: list[dict[str, Any]]) -> str:
    """Under the parameter table of a child's run: the table's red-cell set points are adults', and the patient's
    own (the adult one times :func:`hemasim.biology.body.child_red_cell_factor`); a reader took the infant to be
    modelled at the adult 5.2 x10^12/L (review23). Empty for an adult or where the table lacks the values."""
    from hemasim.biology.body import Covariates, child_red_cell_factor

    values = {p["name"]: float(p["value"]) for p in records}
    sex: Literal["male", "female"] = "female" if patient.get("sex") == "female" else "male"
    adult, name = values.get("rbc_setpoint_adult_age_years"), f"rbc_setpoint_{sex}_1e12_per_L"
    age = patient.get("age_years")
    if adult is None or name not in values or age is None or float(age) >= adult:
        return ""
    factor = float(child_red_cell_factor(values.__getitem__, Covariates(float(age), sex, 0.0)))
    mch = values.get("mean_cell_hemoglobin_pg")  # Hb (g/dL) = count (1e12/L) x MCH (pg) / 10
    hb = f" (Hb {values[name] * factor * mch / 10.0:.3g} g/dL)" if mch is not None else ""
    return (f'<p class="muted">The red-cell set points above are adults\'. Below '
            f"<code>rbc_setpoint_adult_age_years</code> ({adult:g} y) the model scales them by the children's mean "
            "Hb for age over the adult mean (Dallman 1977; docs/model.md, \"Red-cell set point of infants and "
            f"children\"): at this patient's starting age ({float(age):.3g} y), x{factor:.3f}, a set point of "
            f"{values[name] * factor:.3g} x10<sup>12</sup>/L{hb}.</p>")


def _immunosuppression_scope() -> str:
    from hemasim.interventions.immunosuppression import IMMUNOSUPPRESSION_SCOPE

    return IMMUNOSUPPRESSION_SCOPE


def section_note(title: str) -> str:
    """What a section's curves are, in which unit, and what in them is cited, calibrated or assumed: the immune
    read-outs are in arbitrary units or model quantities, which the figures' axes alone did not say (an
    immunologist's first report looked for a titre, a fold-rise and a protective level; harden10). Empty for a
    section without a note."""
    if title == "Vaccine responses":
        from hemasim.interventions.vaccine import (  # the report layer reads the kind's cut-offs
            FOLD_RISE_FLOOR_SHARE,
            RESPONDER_SHARE,
            SEROCONVERSION_FOLD_RISE,
        )

        return ("IgG, plasmablasts and memory B cells are in arbitrary units (AU) of antigen-specific antibody and "
                "cells, not a titre "
                "(no HI, ELISA or OPA scale): the model has no protective titre. Responses are compared "
                "by <code>&lt;antigen&gt;_relative_response</code>, the rise of IgG from the series' first dose to 28 "
                "days after the last over a healthy 35-year-old's given the same doses with the patient's own kills of "
                "that antigen's memory B cells (read from the run: a conditioning that killed them all makes a "
                "revaccination a new primary series, none a booster; the series is the doses from the last kill on, "
                "and without IgG before it the rise is the day-28 IgG); "
                f"<code>&lt;antigen&gt;_responder</code> is 1 when it is at least {RESPONDER_SHARE:g} (an assumed "
                "cut-off). <code>&lt;antigen&gt;_fold_rise</code> is the day-28 IgG over the IgG on the day of the "
                f"series' first dose, and <code>&lt;antigen&gt;_fold_rise_responder</code> is 1 at a "
                f"{SEROCONVERSION_FOLD_RISE:g}-fold rise or more (seroconversion); neither is given where that IgG is "
                f"under {FOLD_RISE_FLOOR_SHARE:g} of a healthy adult's one-dose response (an assay's lower limit), as "
                "in a first exposure, where the model's IgG before the dose is 0. The response scales with the "
                "patient's B-cell, naive and "
                "memory CD4 T-cell counts; in a cohort each patient also draws a responsiveness (a log-normal factor, "
                "SD of its log fitted on young adults' titre rises, docs/immunity.md), a single run is the typical "
                "patient. Cited: the IgG half-life (21 days) and the long-lived plasma-cell half-life "
                "(11 years); calibrated: the plasmablast peak day; the rest assumed (Parameters used; docs/immunity.md). "
                + _immunosuppression_scope())
    if title == "Infection":
        return ("Bacteria in colony-forming units (CFU), whole body; cleared = below 1 CFU (dotted). Inflammation and "
                "specific IgG in arbitrary units (AU); ANC in 10⁹/L. Every infection parameter is assumed (the marrow "
                "release gain calibrated on the peak WBC of target I1): read who clears and in which order, not "
                "clearance days or loads (docs/immunity.md).")
    if title == "Viral infection":
        return ("Free virus in TCID50/mL, the unit of the influenza A fits the model follows (Baccam 2006, nasal-wash "
                "titres); dotted: 1 TCID50/mL, below which the virus counts as cleared. Virus-specific CD8 effectors "
                "(programmed and effector cells), CD8 memory and IgG in arbitrary units (AU). Cited: the within-host "
                "kinetics (Baccam 2006's fit), the CD8 response's net expansion (Le 2015) and its programme's two weeks "
                "(Akondy 2017); the rest assumed (antigen presentation by infected cells, CD8 killing, contraction and "
                "memory, neutralisation, the antigen reaching B cells, epithelial repair, the one-cell extinction "
                "threshold; CD8 priming sets the AU): read who clears and in which order, not days or titres "
                "(docs/immunity.md).")
    if title == "Autoimmune disease and T-cell repertoire":
        return ("Activity = autoreactive memory CD4 T cells relative to the untreated chronic-disease set point (1, "
                "dotted; log scale): a model quantity, not a clinical score (relapses, EDSS, DAS28). CD4 clonotype "
                "richness = distinct CD4 clonotypes in the whole body, relative to the start (not a sampled repertoire, "
                "where few cells and expanded clones also count). Naive CD4 count: the thymus's new cells, relative "
                "to the start; it recovers far more slowly than in patients after Cy/ATG (prediction R7 fails: 8% of "
                "its level before at a year, where patients were back at it). The re-expansion rate and the "
                "conditioning kill fractions are assumed (docs/immunity.md).")
    return ""


def figure_html(title: str, alt: str, fig: Any) -> str:
    """A report section: a heading, what its curves are (:func:`section_note`, where it has one) and the figure
    embedded as PNG."""
    note = section_note(title)
    return (f"<h2>{title}</h2>" + (f'<p class="muted">{note}</p>' if note else "")
            + image_html(alt, png_bytes(fig)))


#: the lineage caption's sentence after the bands' (:func:`hemasim.report.reference_ranges.band_note`)
CTCAE_NOTE = " Red: CTCAE v5 grade 3/4 thresholds."
#: a child's: the grades are the same absolute values at every age (hemasim/clinical_thresholds.yaml says why)
CTCAE_CHILD_NOTE = (" Red: CTCAE v5 grade 3/4 thresholds, the same values at every age (paediatric oncology trials "
                    "grade with CTCAE).")
LINEAGE_NOTE = "Green bands: adult reference ranges." + CTCAE_NOTE


def lineage_note(result: Result | Sequence[tuple[str, Result]]) -> str:
    """The lineage figure's caption: :data:`LINEAGE_NOTE` for an adult, a child's names its age ranges and says where
    they step with the age over the run (the first arm's patient, whose ranges the figures draw)."""
    from hemasim.report.plots import as_arms, patient_age
    from hemasim.report.reference_ranges import band_note, is_child

    first = as_arms(result)[0][1]
    duration = float(first.times[-1] - first.times[0])
    age = patient_age(first)
    return band_note(age, duration) + (CTCAE_CHILD_NOTE if is_child(age) else CTCAE_NOTE)
#: added to the note where host and donor cells are tracked apart (a run without either had the note describe
#: dashed lines and a graft line its plots do not have; visual)
DONOR_NOTE = (" Dashed lines (after a transplant or with a SCID genotype): the donor-derived part of each count (after an "
              "autologous graft: the re-infused cells' part, called graft-derived). After a transplant a grey dashed "
              "vertical line marks the graft: the x-axis counts days from the run's start, the endpoints' days after "
              "the graft count from this line.")
#: added to the note where the scenario has post-transplant immunosuppression (its window is shaded)
IMMUNOSUPPRESSION_NOTE = " Purple shading: post-transplant immunosuppression, at full dose, then (lighter) its taper."
INTERACTIVE_NOTE = ("Hover a plot for the values at a day; click a legend entry to hide or show its line; drag "
                    "across a plot to zoom in on those days, double-click to see the whole run again; 'log scale' "
                    "(a count's plot) spreads a nadir and the CTCAE lines under a G-CSF's peaks.")


def lineage_html(result: Any, static: bool) -> str:
    """The lineage plots of a run or of arms: interactive (with donor chimerism after a graft), or one PNG."""
    if static:
        from hemasim.report.plots import lineage_figure

        return image_html("lineage time courses", png_bytes(lineage_figure(result)))
    from hemasim.report.interactive import chimerism_specs, lineage_specs, plots_html

    return (f'<p class="muted screen-only">{INTERACTIVE_NOTE}</p>'
            + plots_html(lineage_specs(result) + chimerism_specs(result)))


def warnings_html(scenarios: Sequence[tuple[str, Scenario | None]]) -> str:
    """The plausibility warnings of a run's scenario (or of each arm's, named), as a box above the key results;
    empty when there are none. The run used the values as written: the box says which to check."""
    from hemasim.scenario.plausibility import plausibility_warnings

    return warnings_box([(name, field, message) for name, scenario in scenarios if scenario is not None
                         for field, message in plausibility_warnings(scenario)])


def warnings_box(warnings: Sequence[tuple[str, str, str]]) -> str:
    """(arm name or "", field path, message) of each plausibility warning as the box above a report's key results
    (the gene-therapy report's too); empty when there are none."""
    esc = html.escape
    items = list(dict.fromkeys(f"<li>{esc(f'{name}: ' if name else '')}<code>{esc(field)}</code>: {esc(message)}</li>"
                               for name, field, message in warnings))
    if not items:
        return ""
    # "outside the range met in the clinic" was untrue of an adult's BMI of 40 or more, asked about as maybe pounds
    # though 9.2% of US adults have one (firsthour30)
    return ('<div class="warnings"><h2>Check these inputs</h2><p>The scenario ran as written, but these values are '
            "rare in the clinic or often a slip (of a unit, of a day); one that is right needs no change "
            f"(<code>hemasim check</code> lists them too):</p><ul>{''.join(items)}</ul></div>")


def _drug_notes(result: Result) -> str:
    """Under the key results, the drugs of the run that act on no blood cell (PK-only sets): the line stood only in
    the Drugs section, far below key results that read an AC-T regimen's flat AC cycles as the regimen's toxicity
    (firsthour27); and what a kill fitted on one figure rests on (:func:`fitted_kill_text`)."""
    from hemasim.interventions.dosed import drug_notes

    # beside it, what a fitted kill's neutropenia rests on (AC: one figure, the drugs' split assumed; firsthour30)
    return "".join(f"\n<p><strong>{html.escape(t)}</strong></p>" for t in drug_notes(result))


def render_report(result: Result, endpoints: list[EndpointValue], record: dict[str, Any], title: str,
                  static: bool = False) -> str:
    """The report of one run; ``static``: the lineage plots as a PNG image instead of interactive plots."""
    from hemasim.report.plots import autoimmunity_figure, draws_donor_part, immunosuppression_windows

    esc = html.escape
    scenario = result.record.scenario
    # sections of the scenario's intervention kinds (registry order), then what the patient carries
    parts = [s.render(result) for s in (report_sections(scenario) if scenario is not None else [])]
    autoimmunity = autoimmunity_figure(result)
    if autoimmunity is not None:
        parts.append(figure_html("Autoimmune disease and T-cell repertoire", "autoimmune activity", autoimmunity))
    sections_html = "\n".join(p for p in parts if p)
    scen = record.get("scenario") or {}
    patient = scen.get("patient", {})
    units = unit_words({e.name: e.unit for e in endpoints})
    by_name = {e.name: e for e in endpoints}

    def row_ep(name: str) -> str:
        e = by_name[name]
        return (f"<tr><td><code>{name_html(e.name)}</code></td><td>{endpoint_text(e)}</td>"
                f"<td>{esc(units[e.name])}</td><td class=\"prose\">{esc(definition_text(e.definition))}</td></tr>")

    from hemasim.report.plots import donor_word

    rows_ep = grouped_endpoint_tables(shown_endpoints([e.name for e in endpoints], lambda n: by_name[n].value),
                                      ENDPOINT_HEADER, row_ep, donor_word(result))
    refs = "".join(f"<li>{esc(r)}</li>" for r in record["references"])
    volume = record.get("blood_volume_L")
    volume_txt = f"; blood volume {volume:.3g} L" if volume is not None else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head>{page_head(title)}</head>
<body>
<h1>{esc(title)}</h1>
<p class="muted">hemasim {esc(str(record['hemasim_version']))} &middot; model: {esc(model_words(str(record['model'])))}
&middot; seed {esc(str(record['seed']))} &middot; solver: {esc(solver_text(record['solver']))}</p>
{warnings_html([("", scenario)])}
{key_results_html({"": endpoints}, {"": result})}{_drug_notes(result)}
<h2>Scenario</h2>
<p>{esc(scenario_title(scen))}</p>
<p>Patient: {esc(patient_text(patient))}{volume_txt};
duration {esc(plain(scen.get('duration_days')))} days.</p>
<p>Interventions:</p><ul>{interventions_html(scen)}</ul>
<h2>Blood counts and lineages</h2>
<p class="muted">{lineage_note(result)}{DONOR_NOTE if draws_donor_part(result) else ""}\
{IMMUNOSUPPRESSION_NOTE if immunosuppression_windows(result) else ""}</p>
{lineage_html(result, static)}
{sections_html}
<h2 id="{ENDPOINTS_ANCHOR}">Endpoints</h2>
{rows_ep}
<h2>Parameters used</h2>
{model_name_note(str(record['model']))}
{parameters_html(record["parameters"])}{child_set_point_note(patient, record["parameters"])}
<h2>References</h2><ol>{refs}</ol>
</body></html>
"""


#: a population field -> the patient field it draws (the scenario's patient gives the rest to every patient)
_DRAWS_PATIENT_FIELD = {"age_years": "age_years", "female_fraction": "sex", "weight_kg": "weight_kg",
                        "height_cm": "height_cm"}


def _population_text(scen: dict[str, Any]) -> str:
    """How a cohort's patients differ: the population block (without one: the defaults, parameter variability
    on; it read "none", though the patients differ), then what every patient takes from the scenario's patient,
    the fields the block does not draw. It read "what is not drawn is the scenario's patient (age 55 years, ...)"
    beside a drawn age of 30-75 (firsthour27)."""
    from hemasim.scenario import Population

    population = scen.get("population") or Population().model_dump()
    drawn_fields = {_DRAWS_PATIENT_FIELD[f] for f, v in population.items()
                    if f in _DRAWS_PATIENT_FIELD and v not in (None, {}, [])}
    kept = patient_text({f: v for f, v in (scen.get("patient") or {}).items() if f not in drawn_fields})
    drawn = population_text(population)
    return f"{drawn}; the same in every patient, from the scenario's patient: {kept}" if kept != "none" else drawn


def has_intervention(scen: dict[str, Any], kind: str) -> bool:
    """Whether a scenario (as its JSON dict) has an intervention of ``kind``."""
    return any(isinstance(iv, dict) and iv.get("kind") == kind for iv in scen.get("interventions") or [])


def cohort_donor_word(scen: dict[str, Any]) -> str:
    """:func:`hemasim.report.plots.donor_word` for a cohort's scenario (its JSON dict): "graft-derived" when every
    graft is autologous, else "donor" (an all-autologous cohort's table read "Chimerism: the donor share of each
    count" where the single-run and arms reports said "Graft-derived share", review37e)."""
    grafts = [iv for iv in scen.get("interventions") or [] if isinstance(iv, dict) and iv.get("kind") == "transplant"]
    # a graft's donor defaults to allogeneic (TransplantSpec)
    return "graft-derived" if grafts and all(g.get("donor") == "autologous" for g in grafts) else "donor"


def vaccine_responder_note(scen: dict[str, Any]) -> str:
    """For a cohort given a vaccine: what decides who responds (a reader of "100% responders" asked whether anyone
    could fail to; issue 17 point 7). Empty without a vaccine."""
    if not has_intervention(scen, "vaccine"):
        return ""
    from hemasim.interventions.vaccine import RESPONDER_SHARE, SEROCONVERSION_FOLD_RISE

    common = (f"Vaccine responders (relative response at least {RESPONDER_SHARE:g}; the seroconversion share, a "
              f"{SEROCONVERSION_FOLD_RISE:g}-fold rise, is of the patients with IgG before the series, none in a first "
              "exposure) differ by age, sex and size through the B and CD4 T-cell counts")
    if (scen.get("population") or {}).get("variability", True) is False:
        return common + ("; parameter variability is off, so no patient draws a vaccine-response factor and "
                         "responders are decided by those covariates alone.")
    return common + (" and by each patient's drawn vaccine-response factor (log-normal, SD of its log "
                     "vaccine_response_sd_log, fitted on young adults' titre rises; docs/immunity.md). The model's "
                     "age effect is weaker than observed (validation target P18).")


#: the population's fields read as a clinician writes them: what is drawn and its unit (the unit after the number)
_POPULATION_UNITS = {"age_years": ("age", "years"), "weight_kg": ("weight", "kg"), "height_cm": ("height", "cm")}
_POPULATION_SWITCHES = {"variability": "parameter variability", "drug_variability": "drug variability"}
#: what a switch draws when on: "parameter variability drawn" did not say which parameters, or how (firsthour)
_POPULATION_DRAWS = {"variability": "log-normal, each parameter with a between-patient CV: iiv_cv in docs/parameters.md",
                     "drug_variability": "the dosed drug sets' published between-patient variability"}


def _spread_text(spec: object, unit: str) -> str | None:
    """``{min, max}`` as "30-75 years", ``{mean, sd}`` as "80 ± 12 kg"; None for any other shape."""
    if isinstance(spec, dict) and set(spec) == {"min", "max"}:
        return f"{plain(spec['min'])}-{plain(spec['max'])} {unit}"
    if isinstance(spec, dict) and set(spec) == {"mean", "sd"}:
        return f"{plain(spec['mean'])} \u00b1 {plain(spec['sd'])} {unit}"
    return None


def population_text(population: dict[str, Any]) -> str:
    """A cohort's population block as a line a clinician reads ("age 30-75 years, 60% women, weight men 80 ± 12 kg,
    women 68 ± 12 kg, ..."), not as nested ``key: (key: value)`` pairs; a field of another shape falls back to
    :func:`plain`, so nothing given is left out."""
    parts = []
    for field, value in population.items():
        if value is None or value == {} or value == []:
            continue
        label, unit = _POPULATION_UNITS.get(field, (field.replace("_", " "), ""))
        text = _spread_text(value, unit)
        if text is None and isinstance(value, dict) and set(value) == {"male", "female"}:
            # the sexes the cohort draws: an all-women cohort's line said "weight men 80 ± 12 kg" (ux37)
            fraction = population.get("female_fraction")
            drawn = {"male": fraction != 1, "female": fraction != 0}
            spreads = [(word, _spread_text(value[sex], unit)) for sex, word in (("male", "men"), ("female", "women"))
                       if drawn[sex] and value[sex] is not None]
            text = ", ".join(f"{word} {spread}" for word, spread in spreads) \
                if spreads and all(spread for _, spread in spreads) else None
        if field == "female_fraction" and isinstance(value, int | float) and not isinstance(value, bool):
            parts.append(f"{number_text(100 * value)}% women")
        elif field in _POPULATION_SWITCHES and isinstance(value, bool):
            parts.append(f"{_POPULATION_SWITCHES[field]} drawn ({_POPULATION_DRAWS[field]})" if value
                         else f"{_POPULATION_SWITCHES[field]} off")
        elif text is not None:
            parts.append(f"{label} {text}")
        elif isinstance(value, str):  # a choice such as white_cell_baseline: metastatic_cancer
            parts.append(f"{label}: {value.replace('_', ' ')}")
        else:
            parts.append(f"{label}: {plain(value, True)}")
    return "; ".join(parts) or "none"


def reference_band_note(scen: dict[str, Any]) -> str:
    """The bands caption's sentence on the green reference ranges: haemoglobin's is drawn for a cohort of one sex
    (:func:`hemasim.cohort.sampling.cohort_sex`, as the figure), and where men and women are mixed the sentence says
    why it is not (their ranges differ; a panel without a band read as a count without a range)."""
    from hemasim.cohort.sampling import cohort_sex
    from hemasim.report.plots import HB_BANDS
    from hemasim.report.reference_ranges import cohort_child_note

    sex = cohort_sex((scen.get("population") or {}).get("female_fraction"), (scen.get("patient") or {}).get("sex"))
    men, women = (f"{lo:g}-{hi:g} g/dL" for lo, hi in (HB_BANDS["male"], HB_BANDS["female"]))
    ages = (scen.get("population") or {}).get("age_years")
    age = (scen.get("patient") or {}).get("age_years")
    child = cohort_child_note((ages["min"], ages["max"]) if ages else (age, age) if age is not None else None)
    if sex in HB_BANDS:
        return f"Green: adult reference ranges, haemoglobin's for {'men' if sex == 'male' else 'women'} " \
               f"({men if sex == 'male' else women}).{child}"
    return (f"Green: adult reference ranges; haemoglobin has none, because the cohort mixes men ({men}) and women "
            f"({women}), whose ranges differ.{child}")


#: what a cohort's bands are, in a reader's words ("median and 5-95% range (from merged histograms, about 1.5%
#: resolution)" asked the reader to know how the cohort stores its counts: firsthour27). The counts are tallied in
#: log-spaced bins (hemasim.cohort.runner.BAND_RANGES, N_BINS: at most 1.8% wide, the IgG's) and read at a bin's
#: geometric centre, so within 1% of the patients' value
COHORT_ENDPOINT_HEADER = ("<tr><th>endpoint</th><th>median</th><th>5%</th><th>95%</th>"
                          '<th title="share of the patients: with a value; of days below a threshold or a count, with '
                          'any (above 0); of a day, that reached it; of a flag, with it (1)">patients</th>'
                          "<th>unit</th><th>definition</th></tr>")
BANDS_CAPTION = ("Line: the median count at each time; shading: where the middle 90% of patients lie (from "
                 "the 5th to the 95th percentile); each read to within 1% (the cohort tallies its patients' counts in "
                 "narrow bins instead of keeping every patient's curve)")


def _reached_words(row: dict[str, Any]) -> str:
    """What a cohort's share of patients counts, after it ("52% with any day"): the summary's ``fraction_reaching``
    is the share with a value, but of a number of days (or a count) the share above 0, of a day the share that
    reached it and of a flag the share with it; "patients reaching" 52% of days_anc_below_0p5 read oddly (report36)."""
    name, unit = str(row["endpoint"]), str(row.get("unit"))
    if name.startswith("days_"):
        # a count below the threshold only at the last output counts no day, yet is in the share (review37d)
        return "with any day or below at the run's end" if row.get("fraction_at_run_end") else "with any day"
    if unit == "count":
        return "with any"
    if unit.startswith("day"):  # a day something happened (a recovery, an engraftment, a nadir's day)
        return "reached"
    return "yes" if unit == "flag" else "with a value"


def render_cohort_report(summary: dict[str, Any], bands_png: bytes, manifest: dict[str, Any]) -> str:
    """Self-contained HTML for a cohort: scenario (its interventions listed as a single run's report lists them: the
    description alone read "100 mg/m2" over a cohort given 75, ux33c), endpoint summary table and the bands figure."""
    esc = html.escape
    scen = manifest.get("scenario") or {}

    def cell(v: object, r: dict[str, Any]) -> str:
        if v is None and r.get("missing"):  # not computed (a G-CSF's Cmax), as a single run's endpoints say
            return esc(str(r["missing"]))
        if v is None:  # no patient has a value: because no count fell below the mark, or none came back above it
            if r["fraction_reaching"] != 0:
                return "n/a"
            return did_not_fall_text(str(r["endpoint"])) if r.get("fraction_did_not_fall") == 1.0 else "none reached"
        if isinstance(v, float):  # a day to the key results' digits (cohort_number)
            return value_text(str(r.get("unit")), cohort_number(str(r.get("unit")), v))
        return esc(str(v))

    def reaching(r: dict[str, Any]) -> str:
        if r["fraction_reaching"] is None:  # not computed: no share reached it
            return esc(str(r.get("missing") or "n/a"))
        not_fallen = r.get("fraction_did_not_fall")
        of = flag_denominator_text(r)  # a flag none for some patients: whom the share is of
        return percent_text(r["fraction_reaching"]) + f" {_reached_words(r)}" + (
            "" if of == "of patients" else f" {esc(of)}") + (
            f" ({percent_text(not_fallen)} {did_not_fall_text(str(r['endpoint']))})" if not_fallen else "") + \
            esc(cohort_caveat_text(r))

    units = unit_words({str(r["endpoint"]): str(r["unit"]) for r in summary["endpoints"]})
    by_name = {str(r["endpoint"]): r for r in summary["endpoints"]}

    def row(name: str) -> str:
        r = by_name[name]
        return (f"<tr><td><code>{name_html(r['endpoint'])}</code></td><td>{cell(r['median'], r)}</td>"
                f"<td>{cell(r['p05'], r)}</td><td>{cell(r['p95'], r)}</td><td>{reaching(r)}</td>"
                f"<td>{esc(units[str(r['endpoint'])])}</td>"
                f"<td class=\"prose\">{esc(definition_text(r['definition']))}</td></tr>")

    rows = grouped_endpoint_tables(shown_endpoints(list(by_name), lambda n: by_name[n]["fraction_reaching"]),
                                   COHORT_ENDPOINT_HEADER, row, cohort_donor_word(scen))
    seeds = "per-patient seed list" if manifest.get("seed_list") else f"base seed {manifest.get('seed')}"
    note = vaccine_responder_note(scen)
    cycles = _cycle_problem(scen)  # two drugs at once on different schedules: no per-cycle rows, and why (review36e)
    # a vaccine's IgG is banded too (hemasim.cohort.runner.band_observables), in the run report's arbitrary units
    igg = "; IgG: the vaccine antigen's, in arbitrary units (AU), not a titre" if has_intervention(scen, "vaccine") else ""
    # the key results count days after the graft, the bands' axis from the start (conditioning)
    graft = "; grey dashed line: the graft" if has_intervention(scen, "transplant") else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head>{page_head(f"hemasim cohort: {scen.get('name', '')}")}</head>
<body>
<h1>Virtual cohort: {esc(str(scen.get('name', '')))}</h1>
<p class="muted">hemasim {esc(str(manifest.get('hemasim_version')))} &middot; {summary['n_patients']:,} patients
&middot; {esc(seeds)} &middot; {partitions_text(summary['n_patients'], manifest.get('partition_size'))}</p>
<p>{esc(str(scen.get('description', '')))}</p>
<p>Population: {esc(_population_text(scen))}</p>
<p>Interventions:</p><ul>{interventions_html(scen)}</ul>
{f'<p class="muted">{esc(note)}</p>' if note else ""}
{f'<p class="muted">Chemotherapy cycles: {esc(cycles)}.</p>' if cycles else ""}
{cohort_key_results_html(summary["endpoints"])}
<h2>Bands over time</h2>
<p class="muted">{BANDS_CAPTION}; red: CTCAE grades{graft}{igg}.
{esc(reference_band_note(scen))}</p>
{image_html("cohort bands", bands_png)}
<h2 id="{ENDPOINTS_ANCHOR}">Endpoints</h2>
{rows}
</body></html>
"""


def _cycle_problem(scen: dict[str, Any]) -> str:
    """Why the cohort's chemotherapy has no per-cycle endpoints though it has cycles
    (:func:`hemasim.endpoints.chemotherapy_cycle_problem`), from the manifest's scenario; '' where it has them, or
    the scenario no longer reads."""
    if not any(iv.get("kind") in ("chemotherapy", "chemotherapy_regimen") for iv in scen.get("interventions") or []):
        return ""
    from hemasim.endpoints import chemotherapy_cycle_problem
    from hemasim.scenario import parse_scenario

    try:
        return chemotherapy_cycle_problem(parse_scenario(scen, "cohort scenario"))
    except ValueError:  # a manifest of an older version: its report goes on without the line
        return ""
