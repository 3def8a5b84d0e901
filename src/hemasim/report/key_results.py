"""The few figures a clinician reads first, shown at the top of a report (the full endpoint table, with every
definition, stays further down: a reader should not have to scroll past the plots and the drug tables to find
the nadir or the engraftment day).

Which endpoints count as key is a fixed, ordered choice by name (:data:`KEY_ENDPOINTS`), plus the headline
read-out of an intervention kind by the end of its name (:data:`KEY_SUFFIXES`); an endpoint a run does not have
is left out. Nothing is computed here: the values are the run's endpoints, as in endpoints.json (after a graft a
nadir's day is also given counted from the graft, and "not reached" says the day the run ended).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hemasim._confidence import Z_95
from hemasim.endpoints import (
    ANC_GRADE4_1E9_PER_L,
    DEFAULT_ENDPOINTS,
    DID_NOT_FALL,
    DID_NOT_FALL_NOTE,
    NADIR_FALL,
    PLATELETS_GRADE3_1E9_PER_L,
    PLATELETS_GRADE4_1E9_PER_L,
    RUN_LONGER,
    DayOfNadir,
    Nadir,
    chemotherapy_cycle_problem,
    chemotherapy_cycle_starts,
)
from hemasim.endpoints import cycle_days_below as endpoint_cycle_days_below
from hemasim.endpoints import cycle_nadirs as endpoint_cycle_nadirs
from hemasim.endpoints import still_falling as still_falling_rows
from hemasim.interventions.vaccine import (
    FOLD_RISE_WORDS,
    RELATIVE_RESPONSE_WORDS,
    RESPONDER_WORDS,
    SEROCONVERSION_FOLD_RISE,
)

if TYPE_CHECKING:
    from hemasim.endpoints import EndpointValue
    from hemasim.simulation import Result

#: (endpoint, label, the endpoint giving its day or None), in the order shown
KEY_ENDPOINTS: tuple[tuple[str, str, str | None], ...] = (
    # after a whole-body exposure, the early triage marker of its dose (hemasim.interventions.radiation)
    ("lymphocytes_24h_after_exposure", "Lymphocytes 24 h after the exposure (triage marker of the dose)", None),
    ("lymphocytes_48h_after_exposure", "Lymphocytes 48 h after the exposure (triage marker of the dose)", None),
    ("anc_nadir", "ANC nadir (lowest of the run)", "anc_nadir_day"),
    ("days_anc_below_1", "Days of grade 3-4 neutropenia over the run (ANC < 1.0 ×10⁹/L)", None),
    ("days_anc_below_0p5", "Days of grade 4 neutropenia over the run (ANC < 0.5 ×10⁹/L)", None),
    ("neutrophil_engraftment_day", "Neutrophil engraftment (ANC ≥ 0.5 ×10⁹/L, 3 days)", None),
    # beside "engraftment day 13, graft failure no" a second spell of ANC < 0.5 went unsaid (ux36)
    ("anc_fell_below_0p5_after_engraftment", "ANC below 0.5 ×10⁹/L again after neutrophil engraftment", None),
    ("platelets_nadir", "Platelet nadir (lowest of the run)", "platelets_nadir_day"),
    ("days_platelets_below_25", "Days of grade 4 thrombocytopenia over the run (platelets < 25 ×10⁹/L)", None),
    ("platelet_engraftment_day", "Platelet engraftment (≥ 20 ×10⁹/L, 7 days)", None),
    ("primary_graft_failure", "Primary graft failure", None),
    # with its day as the other nadirs (report24): no endpoint gives it, the report reads it (:func:`_day_of`)
    ("hemoglobin_nadir", "Haemoglobin nadir (lowest of the run)", "hemoglobin_nadir_day"),
    ("collected_cd34_per_kg", "CD34+ collected", None),
    # "back to" read wrong in an X-SCID infant, who never had 200/µL (harden25): the endpoint's day is the first at or
    # above 200 after a fall below it, which a SCID child's count starts in
    ("cd4_200_day", "CD4 recovery (≥ 200/µL after the graft)", None),
    # a child under 6 at the graft: the count its age's PJP prophylaxis stops at (hemasim.clinical_thresholds)
    ("cd4_for_age_day", "CD4 count for age allows stopping PJP prophylaxis (≥ 500/µL from 1 to 6 years, ≥ 200/µL "
     "from 6; not before the first birthday: under 1 year prophylaxis is given whatever the count; NIH paediatric "
     "guideline)", None),
)

#: the headline read-out of a kind whose endpoints carry the antigen or pathogen in their name
KEY_SUFFIXES: tuple[tuple[str, str], ...] = (
    # the cut-off in the row itself: "responder: yes" alone left a reader asking by which titre or fold-rise (harden10)
    # the fold-rise rows first: "_responder" would take "tetanus_fold_rise_responder" as "tetanus fold rise: responder"
    ("_fold_rise_responder", f"seroconversion (day-28 IgG ≥ {SEROCONVERSION_FOLD_RISE:g} × IgG at the series' first "
     "dose; none without IgG then)"),
    ("_fold_rise", f"fold-rise, {FOLD_RISE_WORDS}"),
    # the endpoints' own words: "day-28 IgG relative to a healthy 35-year-old" stayed after the endpoint became the
    # rise over the series against a healthy adult given the same doses and kills (ux36)
    ("_responder", f"responder ({RESPONDER_WORDS})"),
    ("_relative_response", f"relative response: {RELATIVE_RESPONSE_WORDS}"),
    # a bacterial (``bacteria_cleared``) or a viral infection (``influenza_cleared``): the infection's name first
    ("_cleared", "infection cleared"),
    ("_clearance_day", "day the infection is cleared"),
    # an autoimmune disease (``multiple_sclerosis_activity_lowest``): the disease's name first
    ("_activity_lowest", "lowest activity (1 = untreated chronic disease)"),
    ("_activity_final", "activity at the end (1 = untreated chronic disease)"),
)

ENDPOINTS_ANCHOR = "endpoints"

#: within-person (biological) coefficient of variation of haemoglobin concentration over a year, healthy adults:
#: 2.8% (Arch Pathol Lab Med 1992;116:825, 39 volunteers; PubMed 1497462 abstract, pages corpus). A person's own
#: range around the set point is taken as +- 1.96 (Z_95) of it
HB_WITHIN_PERSON_CV = 0.028
HB_OWN_RANGE = Z_95 * HB_WITHIN_PERSON_CV
HB_MAX_LABEL = "Haemoglobin maximum after engraftment"
HB_PEAK_LABEL = f"{HB_MAX_LABEL} (above the patient's normal range)"


def _key_rows(names: Sequence[str]) -> list[tuple[str, str, str | None]]:
    """The key endpoints among ``names``, in display order, each with its label and its day's endpoint."""
    present = set(names)
    rows = [row for row in KEY_ENDPOINTS if row[0] in present]
    for name in names:
        for suffix, label in KEY_SUFFIXES:
            if name.endswith(suffix):
                prefix = name[: -len(suffix)].replace("_", " ").strip()
                rows.append((name, f"{prefix}: {label}" if prefix else label, None))
                break  # the first (longest) suffix that fits: a fold-rise responder is not also a responder
    return rows


def _is_day_of_event(name: str, unit: str) -> bool:
    """A day on which something happened ("day", "day after graft"), not a number of days."""
    return unit.startswith("day") and not name.startswith("days_")


#: the unit column's words for a day of the run (unit "day") in an endpoint table that also has days counted from an
#: event ("day after graft"): neutrophil_recovery_day 17 "day" beside neutrophil_engraftment_day 11 "day after graft",
#: the same day after a day-6 graft, read as two answers (harden14)
RUN_DAY_UNIT = "day of the run"


def unit_words(units: Mapping[str, str]) -> dict[str, str]:
    """The unit column of an endpoint table (``units``: endpoint name -> unit): each unit as :func:`unit_text`
    writes it (a fraction as "%": :func:`value_text` writes its value as a percentage), but where the table also
    holds a day counted from an event ("day after graft", "day after first dose"), each day of the run reads
    :data:`RUN_DAY_UNIT`, so that every day says where it is counted from. The single run's, the arms' and the
    cohort's tables use it."""
    events = [(name, unit) for name, unit in units.items() if _is_day_of_event(name, unit)]
    elsewhere = any(unit != "day" for _, unit in events)
    return {name: RUN_DAY_UNIT if elsewhere and unit == "day" and _is_day_of_event(name, unit) else
            PERCENT if unit == FRACTION else table_unit(unit) for name, unit in units.items()}


#: a table's unit cell for a number without a unit (a ratio, a fold, a share of the planned dose: unit "1" in the data
#: files): "1" in the unit column read as a value, "3.4 | 1" (firsthour29)
NO_UNIT = "–"


def table_unit(unit: str) -> str:
    """A unit column's cell: :func:`unit_text`'s, or :data:`NO_UNIT` for a number without one (unit "1")."""
    return NO_UNIT if unit == "1" else unit_text(unit)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

#: the plain-ASCII tokens of a unit (as endpoints.json, summary.csv, run.json and the parameters write it) and how
#: a reader writes them: a power of ten "×10⁹/L" (1e9/L; "1e12/L", the red cells, alike), "µL" and "µg", a
#: product with a middle dot (ng·h/mL, not ng*h/mL; report25), a square "m²" (mg/m2) and "Gy²" (1/Gy^2)
_UNIT_TOKENS = (
    (re.compile(r"(?<![\w.])1e(\d+)"), lambda m: "×10" + m[1].translate(_SUPERSCRIPT)),
    (re.compile(r"\bu(L|g)\b"), r"µ\1"),
    (re.compile(r"\*"), "·"),
    (re.compile(r"\b(m|Gy)\^?2\b"), r"\1²"),
)


def unit_text(unit: str) -> str:
    """A unit as a reader writes it: "×10⁹/L" (1e9/L), "cells/µL" (cells/uL), "ng·h/mL", "mg/m²", "1/Gy²"; any
    other unit as it is. The one mapping the report (endpoint and parameter tables, key results, dose rules) and the
    CLI use; the data files keep the plain-ASCII unit (leftovers27: the endpoint table read "1e9/L" and "cells/uL"
    below key results that wrote "×10⁹/L")."""
    for pattern, text in _UNIT_TOKENS:
        unit = pattern.sub(text, unit)
    return unit


#: the blood counts (timeseries.csv's columns) that endpoint definitions name, in words: "lowest anc_1e9_per_L over the
#: run" made a reader decode the column's name (report25's list)
OBSERVABLE_WORDS = {
    "anc_1e9_per_L": "ANC", "platelets_1e9_per_L": "platelets", "hemoglobin_g_per_dL": "haemoglobin",
    "lymphocytes_1e9_per_L": "lymphocytes", "leukocytes_1e9_per_L": "leukocytes", "monocytes_1e9_per_L": "monocytes",
    "rbc_1e12_per_L": "red cells", "cd4_per_uL": "CD4 T cells", "cd8_per_uL": "CD8 T cells",
    "b_cells_per_uL": "B cells", "nk_cells_per_uL": "NK cells"}
#: a name already in brackets (a text converted once) is left alone: the conversion is idempotent (review27: twice gave
#: "ANC [ANC [anc_1e9_per_L]]")
_OBSERVABLE_NAME = re.compile(r"(?<!\[)\b(" + "|".join(OBSERVABLE_WORDS) + r")\b")


def definition_text(definition: str) -> str:
    """An endpoint's definition as the report shows it: each count named in words with its column's name in brackets,
    as the scenario's codes are ("lowest ANC [anc_1e9_per_L] over the run"); endpoints.json keeps the definition as
    written."""
    return _OBSERVABLE_NAME.sub(lambda m: f"{OBSERVABLE_WORDS[m[1]]} [{m[1]}]", definition)


#: a share's unit in the data files (0-1: chimerism, a surviving fraction) and how the report shows every share: as
#: a percentage (a donor chimerism of 0.4822 in the endpoint table beside "48.2" in the lineage chimerism table and
#: "48.2%" in the key results; leftovers27)
FRACTION = "fraction"
PERCENT = "%"


def percent_number(fraction: float) -> str:
    """A share as a percentage without its sign, to one decimal: 48.2, 100.0 (a table column of them aligns)."""
    return f"{100 * fraction:.1f}"


def _number(value: float) -> str:
    """Four significant digits, below a million whole, as a clinician writes an AUC: 19050, not 1.905e+04
    (report25); else :func:`power_text`."""
    text = f"{value:.4g}"
    return f"{float(text):.0f}" if "e" in text and 1.0 <= abs(value) < 1e6 else power_text(value)


#: units whose values always read with a power of ten: cell doses (3×10⁶ and 1×10⁵ CD34+ and CD3+ cells/kg, not
#: "3e6" beside "100000"; report25)
POWER_UNITS = frozenset({"cells/kg"})


def power_text(value: float, digits: int = 4) -> str:
    """``digits`` significant digits (four by default), a power of ten as a clinician writes it: "1.028×10⁷" (a CD34+
    dose per kg), not Python's "1.028e+07"; the parameter table's six digits too ("2.13318×10⁶", firsthour29)."""
    text = f"{value:.{digits}g}"
    if "e" not in text:
        return text
    mantissa, power = text.split("e")
    return f"{mantissa}×10{str(int(power)).translate(_SUPERSCRIPT)}"


#: the units of a blood count (cells and haemoglobin per volume): their values read to :data:`COUNT_DIGITS`
COUNT_UNITS = frozenset({"1e9/L", "g/dL", "cells/uL"})
#: significant digits of a count, everywhere in a report (key results, per-cycle rows, endpoint tables): the run's
#: ANC nadir read 0.4288 beside its cycles' 0.441, 0.437 (report24); three is what a laboratory reports of a low ANC
COUNT_DIGITS = 3


def count_text(value: float) -> str:
    """A blood count to :data:`COUNT_DIGITS` significant digits, a count of 1000 or more whole (1234 cells/µL, not
    1.23×10³): 0.429, 13, 220. A count that rounds up to 1000 (999.5 and up) is whole too, and one below 10⁻⁴ is
    written with its power of ten (1.23×10⁻⁵): both read "1e+03" and "1.23e-05", Python's notation, before."""
    text = f"{value:.{COUNT_DIGITS}g}"
    if "e" not in text:  # also nan and inf
        return text
    return f"{value:.0f}" if abs(value) >= 1.0 else power_text(value, COUNT_DIGITS)


#: significant digits of a day below one, beside its hours (:func:`day_text`)
DAY_FRACTION_DIGITS = 3


def day_text(value: float, hours: bool = True) -> str:
    """A day (of the run, or counted from an event) or a number of days as a number: below one day to
    :data:`DAY_FRACTION_DIGITS` significant digits with its hours, "0.0417 (1 h)" (a docetaxel Cmax at the end of a
    1-hour infusion read "day 0.04167", leaving the reader to work out the hour; leftovers27), else by
    :func:`_number`. ``hours`` False: without them, where the hours follow in other words."""
    text = f"{value:.{DAY_FRACTION_DIGITS}g}"
    if 0 < abs(value) < 1 and abs(float(text)) < 1:  # 0.9996 by _number, not "1 (24 h)" (review27)
        return text + (_hours(value) if hours else "")
    return _number(value)


def _hours(days: float) -> str:
    """A time below one day in hours, as " (1 h)"; else empty."""
    return f" ({days * 24:.3g} h)" if 0 < abs(days) < 1 else ""


def value_text(unit: str, value: float) -> str:
    """A value of ``unit`` as a number: a count by :func:`count_text`, a fraction as a percentage
    (:func:`percent_number`), a cell dose by :func:`power_text`, a day or a number of days by :func:`day_text`, anything
    else by :func:`_number`."""
    if unit in COUNT_UNITS:
        return count_text(value)
    if unit == FRACTION:  # as a percentage, its unit "%" (unit_words)
        return percent_number(value)
    if unit.startswith("day"):
        return day_text(value)
    return power_text(value) if unit in POWER_UNITS else _number(value)


def _amount(name: str, unit: str, value: float) -> str:
    """A value with its unit as words: "12 days", "day 12 after graft", "0.374 ×10⁹/L", "48.2%"."""
    if _is_day_of_event(name, unit):
        return f"day {day_text(value)}{unit[3:]}"
    if unit == "day":  # a number of days: "0.5 days (12 h)", the hours after the unit
        number = day_text(value, hours=False)  # "1 day" by the number as written (1.00001 read "1 days")
        return f"{number} {'day' if number == '1' else 'days'}{_hours(value) if number != '1' else ''}"
    if unit == FRACTION:
        return percent_number(value) + PERCENT
    words = unit_text(unit)
    return f"{value_text(unit, value)} {words}" if words != "1" else _number(value)


#: a day defined after a fall (engraftment, recovery) whose count never fell, in the words of the key results: the
#: outputs' terse "did not fall" read as "Platelet engraftment: did not fall", as if engraftment had failed
NEVER_FELL = "the count never fell below the threshold (no day to read)"

#: the engraftment days, defined after the post-graft aplasia: a count that never fell below the threshold had no
#: aplasia to engraft from, and "the count never fell below the threshold" alone did not say why that matters (an
#: unconditioned SCID graft; report24). Still reported as such, not as "not reached" (issue 17 item 6)
ENGRAFTMENT_DAYS = frozenset({"neutrophil_engraftment_day", "platelet_engraftment_day"})
NO_APLASIA = "no aplasia"
FELL_REASON = "(the count never fell below the threshold)"


def never_fell_text(name: str) -> str:
    """Why a day defined after a fall has no value in one run: for an engraftment day "not applicable: no aplasia
    (...)", for any other :data:`NEVER_FELL`."""
    return f"not applicable: {NO_APLASIA} {FELL_REASON}" if name in ENGRAFTMENT_DAYS else NEVER_FELL


#: a nadir whose count never fell (its day's endpoint has none: "did not fall"): a healthy run's "ANC nadir 4.75"
#: read as a fall to 4.75 (harden11)
NO_NADIR = f"it never fell more than {100 * NADIR_FALL:g}% below its start (no nadir day)"


#: primary graft failure after a graft into no aplasia: its "no" read as an engraftment (an unconditioned SCID
#: graft whose engraftment rows say "not applicable: no aplasia"; report25). The endpoint says when it is 0 this way
GRAFT_FAILURE_NO_APLASIA = f"not applicable: {NO_APLASIA} (ANC never fell below 0.5 ×10⁹/L after the graft)"


def _graft_failure_text(e: EndpointValue, values: Mapping[str, EndpointValue]) -> str | None:
    """Primary graft failure's words where ANC never fell after the graft (its flag
    ``neutrophil_engraftment_day_did_not_fall`` is 1), else None."""
    flag = values.get(f"neutrophil_engraftment_day{DID_NOT_FALL}")
    if e.name == "primary_graft_failure" and e.value == 0 and flag is not None and flag.value == 1:
        return GRAFT_FAILURE_NO_APLASIA
    return None


#: a key result's caveat where it has a value: what the model is known to get wrong in it, and where that is shown.
#: A PBSC graft of 5e6/kg engrafts platelets on day 37 in the model against published medians of about 13-16 days,
#: and the key results gave the day alone (ux36)
KEY_CAVEATS: dict[str, str] = {
    "platelet_engraftment_day": (
        "the model's platelets engraft later than patients': after an allogeneic PBSC graft of 5e6 CD34+/kg inside "
        "the patients' range but far above their median of 15.5 days (validation target T8), and after autologous "
        "grafts target T9 fails on the platelet recovery (Q7, V5 and E2 read late too); docs/transplant.md, "
        "\"The allogeneic platelet engraftment day\""),
}

#: what the model is known to get wrong after reduced-intensity or non-myeloablative conditioning and an allogeneic
#: graft, and after a DLI then (docs/chimerism.md, "The RIC example's chimerism", branch ric36): said only in the RIC
#: example's YAML comment before (ux36)
RIC_CHIMERISM_LIMIT = (
    "Known limit of the model after reduced-intensity or non-myeloablative conditioning: the donor share of myeloid "
    "cells falls after the first weeks, carried by the host's surviving stem and short-term cells, where in patients "
    "the myeloid cells are usually mostly donor early and the T cells are the mixed lineage (docs/chimerism.md, "
    "\"The RIC example's chimerism\").")
RIC_DLI_LIMIT = (
    "Known limit of the model for a DLI after such conditioning: it acts only through the donor memory T cells it "
    "adds (1e7 CD3+/kg on day +120 is about 1% of the donor T cells then), not through alloreactive clones expanding "
    "on host antigen, so it barely moves mixed chimerism (the RIC example's day +180 donor T share 60.3% without, "
    "61.0% with), where in patients such a DLI converts it in most within months (docs/chimerism.md, the same "
    "section).")


def model_limits(results: Mapping[str, Result]) -> list[str]:
    """The known limits of the model that the runs' scenarios meet (:data:`RIC_CHIMERISM_LIMIT`, :data:`RIC_DLI_LIMIT`),
    each once over the arms (``results`` by arm name; a single run's name is ""), led by the arms it concerns where
    not every arm does; empty for any other scenario."""
    from hemasim.interventions.conditioning import ConditioningSpec
    from hemasim.interventions.immunosuppression import DonorLymphocyteInfusionSpec
    from hemasim.interventions.transplant import TransplantSpec
    from hemasim.pharmacology.conditioning import load_regimen

    met: dict[str, list[str]] = {}
    for arm, result in results.items():
        # a caller's stand-in for a run (a test's) may carry no record: no scenario, no limit
        scenario = getattr(getattr(result, "record", None), "scenario", None)
        if scenario is None:
            continue
        ivs = scenario.interventions
        reduced = any(isinstance(iv, ConditioningSpec)
                      and load_regimen(iv.regimen).intensity in ("reduced_intensity", "non_myeloablative")
                      for iv in ivs)
        if not reduced or not any(isinstance(iv, TransplantSpec) and iv.donor == "allogeneic" for iv in ivs):
            continue
        found = [RIC_CHIMERISM_LIMIT] + ([RIC_DLI_LIMIT] if any(isinstance(iv, DonorLymphocyteInfusionSpec)
                                                                for iv in ivs) else [])
        for limit in found:
            met.setdefault(limit, []).append(arm)
    return [limit if set(arms) == set(results) or not all(arms) else
            f"{'Arm' if len(arms) == 1 else 'Arms'} {', '.join(arms)}: {limit}" for limit, arms in met.items()]


#: where the report explains the model's second fall of ANC after an allogeneic PBSC graft
ANC_DIP_DOC = "docs/transplant.md, \"The ANC dip around day 40\""


def _anc_again_text(e: EndpointValue, values: Mapping[str, EndpointValue], result: Result | None) -> str | None:
    """ANC below 0.5e9/L again after engraftment: "yes, from day 30 after graft (day 36 of the run), 12 days below
    0.5 (of the run's grade 4 days); see ..."; None for any other endpoint or where it did not."""
    from hemasim.interventions.transplant import ANC_BELOW_AGAIN

    if e.name != ANC_BELOW_AGAIN or e.value != 1:
        return None
    day, days = values.get(f"{ANC_BELOW_AGAIN}_day"), values.get("days_anc_below_0p5_after_engraftment")
    graft = _graft_day(result)
    text = "yes"
    if day is not None and day.value is not None:
        text += f", from day {day.value:g} after graft" + (f" (day {day.value + graft:g} of the run)"
                                                            if graft is not None else "")
    if days is not None and days.value is not None:
        text += f"; {days.value:g} days below 0.5 after engraftment, counted in the grade 4 days above"
    return f"{text}; the model's second fall, {ANC_DIP_DOC}"


def _value_text(e: EndpointValue, result: Result | None = None) -> str:
    if e.value is None:
        text = never_fell_text(e.name) if e.note == DID_NOT_FALL_NOTE else e.note or "not reached"
        if text == "not reached" and result is not None:
            return _after_first_birthday(e, result) or f"{text} {_run_end(e, result)}"
        return text
    if e.unit == "flag":
        return "yes" if e.value else "no"
    if e.name in MILLIONS_PER_KG:
        return millions_per_kg_text(e.value)
    return _amount(e.name, e.unit, e.value)


#: cell doses per kg a clinician reads in millions: a collection's yield is judged against 2 and 5 ×10⁶ CD34+/kg (the
#: minimum and the target of a harvest); the key result "1.03×10⁷ cells/kg" stood above the apheresis section's
#: "10.3 ×10⁶ CD34+/kg" (report35)
MILLIONS_PER_KG = frozenset({"collected_cd34_per_kg"})


def millions_per_kg_text(cells_per_kg: float) -> str:
    """A CD34+ yield per kg in millions, three significant digits: "10.3 ×10⁶ CD34+/kg" (the apheresis section's
    words)."""
    return f"{cells_per_kg / 1e6:.3g} {unit_text('1e6')} CD34+/kg"


def _run_end(e: EndpointValue, result: Result) -> str:
    """When the run ended, in the endpoint's count of days: "by the end of the run (day 366 after graft)" (a
    "CD4 recovery: not reached" left a reader asking whether the run was long enough to see it)."""
    end = float(result.times[-1])
    graft = _graft_day(result)
    if e.unit == "day after graft" and graft is not None:
        return f"by the end of the run (day {end - graft:g} after graft)"
    return f"by the end of the run (day {end:g})"


def _after_first_birthday(e: EndpointValue, result: Result) -> str | None:
    """An infant's ``cd4_for_age_day`` with no value because the run ended before its first birthday, the earliest
    day PJP prophylaxis can stop whatever the count: "none: the first birthday (day 249 after graft) is after the end
    of the run (day 193 after graft) ..." (review27: it read "not reached" with CD4 above 500/uL for 120 days); else
    None."""
    from hemasim.model.laws import DAYS_PER_YEAR
    from hemasim.report.plots import patient_age

    age, graft = patient_age(result), _graft_day(result)
    if e.name != "cd4_for_age_day" or age is None or graft is None:
        return None
    birthday, end = (1.0 - age) * DAYS_PER_YEAR - graft, float(result.times[-1]) - graft
    if birthday <= end:
        return None
    return (f"none: the first birthday (day {birthday:.0f} after graft) is after the end of the run (day {end:g} "
            "after graft); under 1 year prophylaxis is given whatever the count")


def _graft_day(result: Result | None) -> float | None:
    if result is None or result.record.scenario is None:
        return None
    from hemasim.interventions.transplant import graft_day

    return graft_day(result.record.scenario.interventions)


def _nadir_observable(name: str) -> str | None:
    """The observable of the run's nadir endpoint ``name`` (``platelets_nadir``), None for any other endpoint."""
    return next((e.observable for e in DEFAULT_ENDPOINTS if isinstance(e, Nadir) and e.name == name), None)


def _day_of(observable: str | None, day: EndpointValue | None, result: Result | None) -> EndpointValue | None:
    """The day of the nadir of ``observable``: its endpoint where the run has one, else read from the run by the
    endpoint's own rule (:class:`~hemasim.endpoints.DayOfNadir`; the haemoglobin nadir has no day endpoint)."""
    if day is not None or result is None or observable is None or observable not in result.model.observable_names:
        return day
    return DayOfNadir(observable).evaluate(result)


def still_falling(values: np.ndarray) -> bool:
    """Whether a series' lowest value is no nadir but where it stood when the run ended: after it, the count came
    back less than :data:`~hemasim.endpoints.NADIR_FALL` (1%) of its fall from the start and less than 1% of the
    lowest value itself (the smaller bound; :func:`hemasim.endpoints.still_falling`). The docetaxel run's platelets
    fell from 261 to 219.579 on day 83.75 of 84 and stood at 219.580 on day 84: "nadir on day 83.75" (report24). A
    haemoglobin that dipped and came back 5% of its fall keeps its nadir, and so does an ANC that fell from 4.7 to
    0.04 and doubled since (a rise of 1% of its fall, but 100% of its lowest value; uxmend34)."""
    return bool(still_falling_rows(np.asarray(values)[None, :])[0])  # the endpoints' rule (their at_run_end flag)


def _with_day(e: EndpointValue, day: EndpointValue | None, result: Result | None = None) -> str:
    """The value and the day of the run it was on; after a graft also that day counted from the graft, as the
    engraftment rows count ("on day 15" beside "engraftment: day 19 after graft" read as four days apart). A nadir
    still falling at the end of the run (:func:`still_falling`) says so instead of being called a nadir."""
    text = _value_text(e, result)
    observable = _nadir_observable(e.name)
    if observable is None and e.caveat:  # days below a threshold the count is still below when the run ends
        return f"{text}; {e.caveat}"
    listed = day is not None  # the run's endpoints hold the day (the haemoglobin nadir's is read here)
    day = _day_of(observable, day, result)
    if day is not None and day.value is None and day.note == DID_NOT_FALL_NOTE:
        return f"{text}; {NO_NADIR}"
    if day is None or day.value is None:
        return text
    graft = _graft_day(result)
    after = f" (day {day.value - graft:g} after graft)" if graft is not None and day.value >= graft else \
        _in_cycle(day.value, result)
    if result is not None and observable is not None and still_falling(result.observable(observable)):
        end = float(result.times[-1])
        when = "" if day.value == end else f" on day {day.value:g}{after}"
        # the endpoint is the day of the lowest value by its definition: said here, "no nadir" beside
        # platelets_nadir_day 84 in the endpoints read as a contradiction (firsthour27)
        endpoint = f" (the endpoints' {day.name} is the day of this lowest value)" if listed else ""
        return (f"still falling at the end of the run (day {end:g}): lowest {text}{when}; no nadir within the "
                f"run{endpoint}; {RUN_LONGER}")
    return f"{text} on day {day.value:g}{after}"


def _in_cycle(day: float, result: Result | None) -> str:
    """" (cycle 4, day 9.5 of it)": the cycle of a run of several chemotherapy cycles a day falls in, and its day
    counted from that cycle's first dose, as the per-cycle row counts it; "ANC nadir 0.429 on day 72.5" of a
    four-cycle docetaxel run left the reader to work out the cycle (report36). Empty otherwise."""
    if result is None or result.record.scenario is None or result.is_cohort:
        return ""
    starts = chemotherapy_cycle_days(result)
    if len(starts) < 2 or day < starts[0]:
        return ""
    # the latest start before the day: a later regimen phase may start before an earlier phase's delayed cycle
    k = max((i for i, start in enumerate(starts) if start <= day), key=lambda i: starts[i])
    return f" (cycle {k + 1}, day {day - starts[k]:g} of it)"


def chemotherapy_cycle_days(result: Result) -> list[float]:
    """The days a cycle of the scenario's chemotherapy began (its first dose given), in order: its
    ``chemotherapy`` interventions and the chemotherapy drugs of its combination regimens (a regimen's phases
    follow one another, so their cycles are the run's cycles in turn); G-CSF is not looked at. The cycles the
    per-cycle endpoints read (:func:`hemasim.endpoints.chemotherapy_cycle_starts`), those given within the run."""
    starts = chemotherapy_cycle_starts(result.record.scenario, result.record.administrations)[0]
    return [float(d) for d in starts if not math.isnan(d)]


def _given_cycle_starts(result: Result) -> np.ndarray:
    """(1, cycles given) start days of :func:`chemotherapy_cycle_days`, as the per-cycle endpoint functions read them."""
    return np.array([chemotherapy_cycle_days(result)], dtype=np.float64).reshape(1, -1)


def cycle_nadirs(result: Result, observable: str = "anc_1e9_per_L") -> list[tuple[float, float]]:
    """Per chemotherapy cycle (from its first dose to the next cycle's), the lowest ``observable`` and its day
    counted from the cycle's first dose, (nan, nan) for a cycle with no output in it (an output interval longer than
    the cycle), so that the list has one entry a cycle; empty for fewer than two cycles (the run's nadir endpoint
    says it). The per-cycle endpoints' reading (:func:`hemasim.endpoints.cycle_nadirs`)."""
    starts = _given_cycle_starts(result)
    if starts.shape[1] < 2 or result.is_cohort or observable not in result.model.observable_names:
        return []
    low, day, _, _ = endpoint_cycle_nadirs(result.times, result.observable(observable)[None, :], starts)
    return [(float(v), float(d)) for v, d in zip(low[0], day[0], strict=True)]


def hb_peak_text(values: Mapping[str, EndpointValue], result: Result | None = None) -> str | None:
    """The highest haemoglobin after engraftment, its day and how far above the patient's set point, when that is
    beyond a person's own range around the set point (:data:`HB_OWN_RANGE`: the overshoot of the erythroid loop after
    a graft, docs/transplant.md); None within the range or without the endpoints."""
    peak, day, ratio = (values.get(n) for n in ("hemoglobin_max_after_engraftment",
                                                  "hemoglobin_max_after_engraftment_day",
                                                  "hemoglobin_max_over_set_point"))
    if peak is None or peak.value is None or ratio is None or ratio.value is None or ratio.value <= 1 + HB_OWN_RANGE:
        return None
    when = ""
    run_day = 0.0
    if day is not None and day.value is not None:
        graft = _graft_day(result)
        run_day = day.value + (graft or 0.0)
        when = (f" on day {day.value + graft:g} (day {day.value:g} after graft)" if graft is not None
                else f" on day {day.value:g} after graft")
    return (f"{peak.value:.3g} g/dL{when}: {100 * (ratio.value - 1):.1f}% above the patient's set point "
            f"{peak.value / ratio.value:.3g} g/dL (a person's own range: ±{100 * HB_OWN_RANGE:.1f}%)"
            f"{_child_hb_range(result, run_day)}")


def _child_hb_range(result: Result | None, day: float) -> str:
    """For a child, the haemoglobin reference range of its age on run day ``day`` (the peak's) after the key result
    (the set point is the model's, and a clinician reads a child's count against the age's range); empty for an adult
    or without a run."""
    from hemasim.report.plots import patient_age, patient_ranges
    from hemasim.report.reference_ranges import is_child

    if result is None or not is_child(patient_age(result)):
        return ""
    ref = patient_ranges(result, day)("hemoglobin_g_per_dL")
    return f"; {ref.label}: {ref.low:g}-{ref.high:g} g/dL" if ref is not None else ""


def cycle_days_below(result: Result, threshold: float, observable: str = "anc_1e9_per_L") -> list[float]:
    """Per chemotherapy cycle (from its first dose to the next cycle's), the days with ``observable`` below
    ``threshold``, counted as the run's ``days_*_below_*`` endpoint counts them (each output interval below by its
    start, :class:`hemasim.endpoints.DaysBelow`), so that the cycles add up to it when the first cycle starts the
    run; empty for fewer than two cycles. The per-cycle endpoints' reading (:func:`hemasim.endpoints.cycle_days_below`)."""
    starts = _given_cycle_starts(result)
    if starts.shape[1] < 2 or result.is_cohort or observable not in result.model.observable_names:
        return []
    return [float(d) for d in endpoint_cycle_days_below(result.times, result.observable(observable)[None, :], starts,
                                                         threshold)[0]]


def _cycle_nadirs_text(result: Result, observable: str = "anc_1e9_per_L") -> str:
    """Each cycle's nadir and its day; "did not fall" for a cycle whose count never fell more than
    :data:`~hemasim.endpoints.NADIR_FALL` below where the cycle began, as the run's nadir day says it (a PK-only
    drug's cycle read "4.75 (day 0)": the baseline on the dose day, called a nadir). The rule is the nadir day's
    (:func:`hemasim.endpoints.fell`) on the count on the cycle's first day (between the outputs around it) and its
    lowest; "no output in it" for a cycle shorter than the output interval (its entry was dropped, and the later
    cycles' nadirs were shown under the numbers before theirs)."""
    starts = _given_cycle_starts(result)
    if result.is_cohort or observable not in result.model.observable_names:
        return ""
    if starts.shape[1] < 2:  # two drugs at once on different schedules have no cycles: say so (review36e)
        return chemotherapy_cycle_problem(result.record.scenario)
    # the per-cycle endpoints' rule (hemasim.endpoints.cycle_nadirs): read once, there
    low, day, fallen, falling = endpoint_cycle_nadirs(result.times, result.observable(observable)[None, :], starts)
    cut = [i for i, (f, c) in enumerate(zip(fallen[0], falling[0], strict=True), start=1) if f and c]
    text = " · ".join(f"{i}: no output in it" if math.isnan(v) else
                      f"{i}: {count_text(v)}" if i in cut else  # no day: the cycle's last, read as a time to nadir
                      f"{i}: {count_text(v)} (day {d:g})" if f else f"{i}: did not fall"
                      for i, (v, d, f) in enumerate(zip(low[0], day[0], fallen[0], strict=True), start=1))
    if not cut:
        return text
    # said once for the cycles it holds: the platelets fall through a whole AC or docetaxel course, and the same
    # words after each of 8 cycles hid the numbers (review37b)
    which = ("every cycle" if len(cut) == low.shape[1] else
             f"cycle {cut[0]}" if len(cut) == 1 else f"cycles {', '.join(map(str, cut[:-1]))} and {cut[-1]}")
    return f"{text} ({which}: {CYCLE_CUT_SHORT})"


#: a cycle's lowest count where the next dose or the run's end came before it bottomed out (review36e: cycle 3 of a
#: run ending on its day 6 read as a nadir on day 6), said once after the cycles it holds
CYCLE_CUT_SHORT = ("no nadir within the cycle, still falling at its end (the next cycle's first dose or the run's "
                   "end): the count on its last day")


def _cycle_days_text(days: Sequence[float], cut: Sequence[bool] = ()) -> str:
    """Days in each cycle; empty when no cycle has any and none was cut short (the run's row already says 0 days).
    ``cut``: per cycle, the count still below the threshold at the run's end in it (:func:`cycle_days_cut`): "at
    least" (a count below only at the last output has no day counted, each interval by its start, and its row was left
    out; review37d)."""
    if not any(days) and not any(cut):
        return ""
    return " · ".join(f"{i}: {d:g}" + (" (still below at the run's end: at least)" if i <= len(cut) and cut[i - 1]
                                       else "") for i, d in enumerate(days, start=1))


def cycle_days_cut(result: Result, threshold: float, observable: str = "anc_1e9_per_L") -> list[bool]:
    """Per cycle (as :func:`cycle_days_below`), whether the run's end found ``observable`` still below ``threshold``
    in it (the per-cycle ``days_*_cycle<k>_at_run_end`` flag: its days are at least so many)."""
    from hemasim.endpoints import cycle_below_at_run_end

    starts = _given_cycle_starts(result)
    if starts.shape[1] < 2 or result.is_cohort or observable not in result.model.observable_names:
        return []
    return [bool(x) for x in cycle_below_at_run_end(result.times, result.observable(observable)[None, :], starts,
                                                    threshold)[0]]


#: a per-cycle row of the key results: after which endpoint it goes, its label, and its cells' text of a run
_CYCLE_ROWS: dict[str, tuple[str, Any]] = {
    "anc_nadir": ("ANC nadir of each cycle, ×10⁹/L (its day: days after the cycle's first dose, which is day 0)",
                  _cycle_nadirs_text),
    # "1: 1 · 2: 1.25" had no unit and no word for the number before the colon (harden25)
    "days_anc_below_0p5": ("Days of grade 4 neutropenia in each cycle (cycle: days)",
                           lambda r: _cycle_days_text(cycle_days_below(r, ANC_GRADE4_1E9_PER_L),
                                                      cycle_days_cut(r, ANC_GRADE4_1E9_PER_L))),
    # the platelets read by cycle as the ANC (cycle37: an oncologist found no platelet by cycle)
    "platelets_nadir": ("Platelet nadir of each cycle, ×10⁹/L (its day: days after the cycle's first dose, which is "
                        "day 0)", lambda r: _cycle_nadirs_text(r, "platelets_1e9_per_L")),
    # grade 3-4 with grade 4 beside it, as the cohort's row (a single run gave grade 4 alone; review37b)
    "days_platelets_below_25": (f"Days of grade 3-4 thrombocytopenia in each cycle (cycle: days with platelets < "
                                f"{PLATELETS_GRADE3_1E9_PER_L:g} ×10⁹/L; grade 4: < {PLATELETS_GRADE4_1E9_PER_L:g})",
                                lambda r: _platelet_days_text(r)),
}


def _platelet_days_text(result: Result) -> str:
    """"1: 3 (grade 4: 0.5) · 2: 0": each cycle's days of platelets < 50 ×10⁹/L with its days < 25 beside them;
    empty when no cycle has any and none was cut short below 50 by the run's end."""
    g3, g4 = (cycle_days_below(result, t, "platelets_1e9_per_L")
              for t in (PLATELETS_GRADE3_1E9_PER_L, PLATELETS_GRADE4_1E9_PER_L))
    cut = cycle_days_cut(result, PLATELETS_GRADE3_1E9_PER_L, "platelets_1e9_per_L")
    if not any(g3) and not any(cut):  # below 50 only at the last output: no day counted, but cut short (review37d)
        return ""
    return " · ".join(f"{i}: {a:g}" + (f" (grade 4: {b:g})" if b else "")
                      + (" (still below at the run's end: at least)" if cut[i - 1] else "")
                      for i, (a, b) in enumerate(zip(g3, g4, strict=True), start=1))


def key_results_html(endpoints: Mapping[str, Sequence[EndpointValue]],
                     results: Mapping[str, Result] | None = None) -> str:
    """A "Key results" section for one run (one column) or for arms (one column an arm, ``results`` keyed
    alike); empty when the run has none of the key endpoints. With ``results``, a run of several chemotherapy
    cycles also shows the ANC nadir of each cycle with its day counted from the cycle's first dose, and the days of
    grade 4 neutropenia in each cycle."""
    by_column = {column: {e.name: e for e in eps} for column, eps in endpoints.items()}
    names = list(dict.fromkeys(e.name for eps in endpoints.values() for e in eps))
    rows = _key_rows(names)
    if not rows:
        return ""
    esc = html.escape
    body = []
    quiet = _quiet_counts(rows, by_column, results)
    if quiet is not None:  # the scenario's own read-outs first, then one line for the counts that did not move
        rows = [r for r in rows if r[0] not in QUIET_ROWS]
    for name, label, day_name in rows:
        cells = []
        for column, values in by_column.items():
            e = values.get(name)
            result = results.get(column) if results else None
            if e is None:
                cells.append("<td>&ndash;</td>")
                continue
            text = (_graft_failure_text(e, values) or _anc_again_text(e, values, result)
                    or _with_day(e, values.get(day_name or ""), result))
            if name in KEY_CAVEATS and e.value is not None:
                text += f"; {KEY_CAVEATS[name]}"
            cells.append(f'<td title="{esc(definition_text(e.definition))}">{esc(text)}</td>')
        body.append(f"<tr>{row_head(label, _definition(by_column, name))}{''.join(cells)}</tr>")
        if name == "hemoglobin_nadir":
            body += _hb_peak_row(by_column, results)
        if name == "primary_graft_failure" and results:
            body += _chimerism_row(by_column, results) + _corrected_share_rows(by_column, results)
        if name in _CYCLE_ROWS and results:
            cycle_label, text_of = _CYCLE_ROWS[name]
            by_cycle = {column: text_of(results[column]) for column in by_column if column in results}
            if any(by_cycle.values()):
                cells = [f"<td>{esc(by_cycle.get(column) or '') or '&ndash;'}</td>" for column in by_column]
                body.append(f'<tr>{row_head(cycle_label)}{"".join(cells)}</tr>')
    if quiet is not None:
        body.append(f"<tr>{row_head(QUIET_LABEL, QUIET_DEFINITION)}"
                    + "".join(f"<td>{esc(quiet[c])}</td>" for c in by_column) + "</tr>")
    head = "" if len(by_column) == 1 else (
        "<tr><th></th>" + "".join(f"<th>{esc(c)}</th>" for c in by_column) + "</tr>")
    limits = model_limits(results or {})
    return (f'<h2>Key results</h2><table class="key">{head}{"".join(body)}</table>'
            + "".join(f'<p class="muted">{esc(limit)}</p>' for limit in limits)
            + _key_hint(f"all {len(names)} endpoints", "with their definitions are listed below the plots"))


#: the key rows of the counts a vaccine, an infection or no intervention may leave unmoved: in a report whose every
#: column has none of them fall, one line (:func:`_quiet_counts`). An influenza vaccine's report led with six rows of
#: "it never fell more than 1% below its start" and "0 days" above the two rows of its response (report36)
QUIET_ROWS = ("anc_nadir", "days_anc_below_1", "days_anc_below_0p5", "platelets_nadir", "days_platelets_below_25",
              "hemoglobin_nadir")
QUIET_LABEL = "Blood counts (ANC, platelets, haemoglobin)"
QUIET_DEFINITION = ("each count's lowest value over the run, none of which fell more than 1% below its start, and "
                    "the days of CTCAE grade 3-4 neutropenia and grade 4 thrombocytopenia (none); each is listed with "
                    "its definition in the endpoints below")


def _quiet_counts(rows: Sequence[tuple[str, str, str | None]], by_column: Mapping[str, Mapping[str, EndpointValue]],
                  results: Mapping[str, Result] | None) -> dict[str, str] | None:
    """Per column, the one line of counts that did not fall ("none fell: ANC 4.75, platelets 275 ×10⁹/L, Hb 13.8 g/dL
    at their lowest; no day of CTCAE grade 3-4"), where every column has all of :data:`QUIET_ROWS`, none of its
    three nadirs more than 1% below the start and no CTCAE day, and the report has other key rows to lead with
    (a healthy adult's run keeps its rows); else None."""
    names = {r[0] for r in rows}
    if not set(QUIET_ROWS) <= names or not names - set(QUIET_ROWS) or results is None:
        return None
    out = {}
    for column, values in by_column.items():
        result = results.get(column)
        if result is None or any(values.get(n) is None for n in QUIET_ROWS):
            return None
        if any(values[n].value != 0 for n in QUIET_ROWS if n.startswith("days_")):
            return None
        lows = []
        for name, word in (("anc_nadir", "ANC"), ("platelets_nadir", "platelets"), ("hemoglobin_nadir", "Hb")):
            e = values[name]
            day = _day_of(_nadir_observable(name), values.get(f"{name}_day"), result)
            if e.value is None or day is None or day.value is not None or day.note != DID_NOT_FALL_NOTE:
                return None
            lows.append(f"{word} {_value_text(e, result)}")
        out[column] = (f"none fell: lowest {', '.join(lows)}, each within 1% of its start; no day of grade 3-4 "
                       "neutropenia or grade 4 thrombocytopenia")
    return out


#: the day after the graft whose chimerism the key results give (the report's lineage-chimerism table has the others)
KEY_CHIMERISM_DAY = 100


def _chimerism_row(by_column: Mapping[str, Mapping[str, EndpointValue]], results: Mapping[str, Result]) -> list[str]:
    """The donor share of blood T cells and myeloid cells on day 100 after the graft (the last day of the lineage
    chimerism table that a shorter run reaches), as the table further down gives it, in the reports that have the
    table: a transplant physician read the engraftment days at the top and had to scroll past every plot for the
    chimerism (firsthour)."""
    from hemasim.interventions.chimerism import FULL_DONOR, chimerism_by_day
    from hemasim.interventions.transplant import chimerism_after, has_lineage_chimerism

    cells, shown, since = [], False, "after the graft"
    for column in by_column:
        result = results.get(column)
        by_day = chimerism_by_day(result) if result is not None and has_lineage_chimerism(result) else None
        if by_day is None or not by_day[1]:
            cells.append("<td>&ndash;</td>")
            continue
        shown = True
        spec = result.record.scenario if result is not None else None
        if spec is not None and since == "after the graft":  # a tandem's later allogeneic graft, named (review36h)
            since = chimerism_after(spec.interventions)
        d, t, m = next((row for row in by_day[1] if row[0] == KEY_CHIMERISM_DAY), by_day[1][-1])
        day = "" if d == KEY_CHIMERISM_DAY else f" (day {d}: the run ends sooner)"
        if t is None or m is None:  # no output between the graft and the day: no value, as the endpoints have none
            cells.append(f"<td>no value{day}: no output between the graft and day {d}</td>")
            continue
        # the lineage chimerism table's numbers (one decimal: "100.0%")
        lost = html.escape(full_donor_lost_text(by_column[column], _end_shares(result) if result is not None else None,
                                               "after the graft" if spec is None else chimerism_after(spec.interventions)))
        cells.append(f"<td>T cells {percent_number(t)}% · myeloid {percent_number(m)}%{day}{lost}</td>")
    if not shown:
        return []
    definition = ("donor share of blood T cells (CD3+) and of myeloid cells (neutrophils and monocytes) on day "
                  f"{KEY_CHIMERISM_DAY} {since}; full donor chimerism is ≥ {100 * FULL_DONOR:g}%. The lineage "
                  "chimerism table below the plots gives days 14 to 365.")
    head = f"Donor chimerism on day {KEY_CHIMERISM_DAY} " + ("after graft" if since == "after the graft" else since)
    return [f"<tr>{row_head(head, definition)}{''.join(cells)}</tr>"]


def full_donor_lost_text(values: Mapping[str, EndpointValue], end: Mapping[str, tuple[float, float]] | None = None,
                         since: str = "after the graft") -> str:
    """"; T cells full donor (≥ 95%) from day 7 after graft, below 95% for 7 days or more from day 60, ≥ 95% again
    from day 300": the caveat of a lineage whose full donor share fell back (``full_donor_*_chimerism_lost``); a cord
    graft's T cells read 99.7% on day 14, 58% on day 180 and 99% on day 365 beside a full donor day of 7 (ux36).
    Where it was not regained, the share at the run's end from ``end`` (lineage -> (day after graft, share)), so that
    "below 95% again" does not read as lasting when it is back (review36g). Empty where none fell back. ``since``: how
    the chimerism days are counted (:func:`hemasim.interventions.transplant.chimerism_after`: from the allogeneic
    graft after an autograft, which "after graft" misread; review36h)."""
    from hemasim.interventions.chimerism import FULL_DONOR, FULL_DONOR_LOST_DAYS

    after = "after graft" if since == "after the graft" else since
    parts = []
    for lineage, words in (("t", "T cells"), ("myeloid", "myeloid cells")):
        lost, day = values.get(f"full_donor_{lineage}_chimerism_lost"), values.get(
            f"full_donor_{lineage}_chimerism_lost_day")
        full = values.get(f"full_donor_{lineage}_chimerism_day")
        if lost is None or lost.value != 1 or day is None or day.value is None or full is None or full.value is None:
            continue
        text = (f"{words} full donor (≥ {100 * FULL_DONOR:g}%) from day {full.value:g} {after}, below "
                f"{100 * FULL_DONOR:g}% for {FULL_DONOR_LOST_DAYS:g} days or more from day {day.value:g}")
        regained = values.get(f"full_donor_{lineage}_chimerism_regained_day")
        if regained is not None and regained.value is not None:
            text += f", ≥ {100 * FULL_DONOR:g}% again from day {regained.value:g}"
        elif end is not None and lineage in end:
            end_day, share = end[lineage]
            text += f", {percent_number(share)}% at the run's end (day {end_day:g} {after})"
        parts.append(f"{text} (the lineage chimerism table gives the days)")
    return "".join(f"; {p}" for p in parts)


def _end_shares(result: Result) -> dict[str, tuple[float, float]] | None:
    """Each lineage's donor share at the run's last output, with its day after the graft chimerism is counted from
    (None without)."""
    from hemasim.interventions.chimerism import LINEAGES, lineage_chimerism
    from hemasim.interventions.transplant import chimerism_graft_day

    spec = result.record.scenario
    graft = chimerism_graft_day(spec.interventions) if spec is not None else None
    if graft is None or "cd3_per_uL__donor" not in result.model.observable_names:
        return None
    last = {n: result.observable(n)[None, -1:] for counts in LINEAGES.values() for c in counts
            for n in (c, f"{c}__donor")}
    return {lineage: (float(result.times[-1]) - graft, float(lineage_chimerism(last, lineage)[0, 0]))
            for lineage in LINEAGES}


#: the lineages of a gene therapy's corrected share in the key results: (the endpoints' name for it, the words)
CORRECTED_LINEAGES = (("cd4", "CD4 T"), ("cd8", "CD8 T"), ("nk_cells", "NK"), ("b_cells", "B"),
                      ("anc_1e9", "neutrophils"))
#: the days after the graft whose corrected share the key results give (the endpoints give day 28 and 60 too)
CORRECTED_SHARE_DAYS = (KEY_CHIMERISM_DAY, 365)


def is_gene_therapy(result: Result | None) -> bool:
    """A patient with a SCID genotype given an autologous graft: the graft's cells are the gene-corrected ones."""
    from hemasim.interventions.transplant import TransplantSpec

    scenario = result.record.scenario if result is not None else None
    return scenario is not None and scenario.patient.genotype != "healthy" and any(
        isinstance(iv, TransplantSpec) and iv.donor == "autologous" for iv in scenario.interventions)


def _corrected_share_rows(by_column: Mapping[str, Mapping[str, EndpointValue]],
                          results: Mapping[str, Result]) -> list[str]:
    """After a gene therapy (:func:`is_gene_therapy`), the corrected cells' share of each blood lineage on days 100
    and 365 after the graft, from the ``donor_chimerism_*`` endpoints: the report's first lines gave an unconditioned
    X-SCID infant's ANC nadir and "not applicable" engraftment, while what a gene-therapy reader looks for first (do
    the corrected cells make the T and NK cells, do they reach the myeloid and B lineages?) stood in rows 40 to 60
    of the endpoint table (report35). Empty for any other run."""
    rows = []
    for day in CORRECTED_SHARE_DAYS:
        cells, shown = [], False
        for column, values in by_column.items():
            parts = [f"{words} {percent_number(e.value)}%" for key, words in CORRECTED_LINEAGES
                     if (e := values.get(f"donor_chimerism_{key}_day{day}")) is not None and e.value is not None]
            if not is_gene_therapy(results.get(column)) or not parts:
                cells.append("<td>&ndash;</td>")
                continue
            shown = True
            cells.append(f"<td>{html.escape(' · '.join(parts))}</td>")
        if shown:
            definition = (f"share of each blood count from the re-infused, gene-corrected cells on day {day} after "
                          f"the graft (the endpoint table's graft-derived shares of day {day}); the lineages the genotype "
                          "blocks (X-SCID: T and NK cells) can be made only by corrected cells")
            rows.append(f"<tr>{row_head(f'Gene-corrected share on day {day} after graft', definition)}"
                        f"{''.join(cells)}</tr>")
    return rows


def _definition(by_column: Mapping[str, Mapping[str, EndpointValue]], name: str) -> str | None:
    """An endpoint's definition from the first column that has it (arms share their endpoints' definitions)."""
    return next((values[name].definition for values in by_column.values() if name in values), None)


def row_head(label: str, definition: str | None = None) -> str:
    """A key result's row name (here and in the gene-therapy report's key results); with a definition, a <details>
    that shows it when tapped, clicked or opened from the keyboard: the value's title shows it on hover only, which a
    phone and a keyboard cannot do (polish)."""
    esc = html.escape
    if not definition:  # .nodef: an empty box as wide as the ▸ of a definition's row, so that the names align
        return f'<th scope="row" class="nodef">{esc(label)}</th>'
    return (f'<th scope="row"><details class="def"><summary>{esc(label)}</summary>'
            f'<span class="def-text">{esc(definition_text(definition))}</span></details></th>')


def _key_hint(link: str, rest: str) -> str:
    """The line under the key results: how a definition is read, and where all the endpoints are."""
    return (f'<p class="muted"><span class="screen-only">Tap or click a result\'s name (or hover its value) for its '
            f'definition; </span><a href="#{ENDPOINTS_ANCHOR}">{link}</a> {rest}.</p>')


def _hb_peak_row(by_column: Mapping[str, Mapping[str, EndpointValue]],
                 results: Mapping[str, Result] | None) -> list[str]:
    """The row of :func:`hb_peak_text` (one cell per column), or none when no column is beyond the range."""
    texts = {c: hb_peak_text(v, results.get(c) if results else None) for c, v in by_column.items()}
    if not any(texts.values()):
        return []
    esc = html.escape
    cells = "".join(f"<td>{esc(t)}</td>" if t else "<td>&ndash;</td>" for t in texts.values())
    return [f'<tr>{row_head(HB_PEAK_LABEL, _definition(by_column, "hemoglobin_max_after_engraftment"))}{cells}</tr>']


def percent_text(fraction: float) -> str:
    """A share of patients as a percentage to one decimal, a whole one without it (91.5%, 52%): the same text in
    the key results and the cohort's endpoint table (key results rounded 0.915 to 92% beside the table's 91.5%)."""
    return percent_number(fraction).removesuffix(".0") + PERCENT


#: significant digits of a cohort's day (a median or a percentile of days of the run, days after the graft, days below
#: a count): a percentile falls between two patients' days, and "5-95%: 21.95-59" and "8-39.05 days" gave it to a
#: hundredth of a day (report35)
COHORT_DAY_DIGITS = 3


def cohort_number(unit: str, value: float) -> float:
    """A cohort's statistic of ``unit`` as the report shows it: a day to :data:`COHORT_DAY_DIGITS` significant
    digits (21.95 -> 21.9, 39.05 -> 39, 158.7 -> 159), anything else as it is."""
    return float(f"{value:.{COHORT_DAY_DIGITS}g}") if unit.startswith("day") else value


def flag_denominator_text(row: Mapping[str, Any]) -> str:
    """Whom a cohort's share of a flag is of: "of patients", or of those it is defined for where some have none ("of
    the 39 patients with a value (of 40; the other 1: none: no IgG at the series' first dose ...)"): a share over
    some patients read as one over all (review36a)."""
    n, k = row.get("n"), row.get("n_with_value")
    given = row.get("n_given_cycle")  # a chemotherapy cycle's flag: of the patients given the cycle (review37b)
    if given is not None and n is not None and given < n:
        return f"of the {given} patient{'' if given == 1 else 's'} given the cycle (of {n})"
    # a flag's share only: another endpoint's fraction_reaching is itself the share with a value, of every patient
    if row.get("unit") != "flag" or n is None or k is None or k >= n:
        return "of patients"
    why = row.get("no_value_note") or "not reached"
    return f"of the {k} patient{'' if k == 1 else 's'} with a value (of {n}; the other {n - k}: {why})"


#: a cohort's autoimmune activity the same in every patient (5-95% of no width), said so with why: "median 0.05222
#: (5-95%: 0.05222-0.05222)" read as a certain prediction to a clinician asking how uncertain the reset is (ux37b)
ACTIVITY_NO_SPREAD = ("the same in every patient: the autoreactive cells' re-expansion rate and the conditioning's "
                      "kill of them are assumed and drawn alike for every patient, so this spread says nothing of how "
                      "uncertain the activity is (a hemasim sweep over autoreactive_net_growth_per_year shows what it "
                      "hangs on; docs/immunity.md)")


def _no_spread(row: Mapping[str, Any]) -> bool:
    """Whether a cohort's row has the same value in every patient (5th and 95th percentiles equal to 1e-9) of more
    than one with a value: one patient's value has no spread to speak of (a cohort of one read "the same in every
    patient", review37e)."""
    low, high = row.get("p05"), row.get("p95")
    count = row.get("n_with_value")
    many = int(count if count is not None else row.get("n") or 0) > 1
    return many and low is not None and high is not None and \
        abs(float(high) - float(low)) <= 1e-9 * max(abs(float(high)), 1e-300)


def _cohort_value(row: Mapping[str, Any]) -> str:
    if row.get("missing"):  # not computed (a G-CSF's Cmax): as a single run says
        return str(row["missing"])
    if row["fraction_reaching"] is None:  # no patient has a value, and no note says why (a note returned above)
        return "no patient has a value"
    name, unit, reached = str(row["endpoint"]), str(row["unit"]), float(row["fraction_reaching"])
    if unit == "flag":
        return f"{percent_text(reached)} {flag_denominator_text(row)}"
    not_fallen = row.get("fraction_did_not_fall")  # a day defined after a fall: the count never fell that low
    aplasia = name in ENGRAFTMENT_DAYS
    if row["median"] is None:
        if not_fallen != 1.0:
            return "no patient"
        return f"not applicable: {NO_APLASIA} in any patient {FELL_REASON}" if aplasia else \
            "the count never fell below the threshold in any patient"
    low, high = (value_text(unit, cohort_number(unit, row[q])) for q in ("p05", "p95"))
    spread = f"median {_amount(name, unit, cohort_number(unit, row['median']))} (5-95%: {low}-{high})"
    if name.endswith(("_activity_lowest", "_activity_final")) and _no_spread(row):
        spread = f"{_amount(name, unit, cohort_number(unit, row['median']))}, {ACTIVITY_NO_SPREAD}"
    if name.startswith("days_"):
        return f"{percent_text(reached)} of patients; {spread}"
    share = percent_text(not_fallen or 0.0)
    fell = "" if not not_fallen else (f"; {NO_APLASIA} in {share} {FELL_REASON}" if aplasia
                                       else f"; the count never fell below the threshold in {share}")
    return spread if reached >= 1.0 else f"{spread}; reached by {percent_text(reached)} of patients{fell}"


def _cohort_hb_peak(by_name: Mapping[str, Mapping[str, Any]]) -> str | None:
    """A cohort's row of :func:`hb_peak_text`: the median and 5-95% of the highest haemoglobin after engraftment and
    how far above each patient's set point it lies (a cohort's spread, where a run shows its peak only beyond the
    patient's own range); None without a transplant's endpoints."""
    peak, ratio = by_name.get("hemoglobin_max_after_engraftment"), by_name.get("hemoglobin_max_over_set_point")
    if peak is None:
        return None
    text = _cohort_value(peak)
    if ratio is None or ratio["median"] is None:
        return text
    median, low, high = (100 * (ratio[q] - 1) for q in ("median", "p05", "p95"))
    # a maximum below the set point read "-8.5% above" (review27): signed and "from" where any lies below it
    sign = "" if min(median, low, high) >= 0 else "+"
    head = f"{median:.1f}% above" if not sign else f"{median:+.1f}% from"
    return (f"{text}; {head} the patient's set point (5-95%: {low:{sign}.1f}% to {high:{sign}.1f}%; a person's own "
            f"range: ±{100 * HB_OWN_RANGE:.1f}%)")


def _no_nadir_share(by_name: Mapping[str, Mapping[str, Any]], day: str | None) -> str:
    """A cohort's nadir row's share of patients whose count never fell (:data:`NO_NADIR`), from its day's
    ``fraction_did_not_fall``; empty when every count fell."""
    share = by_name.get(day or "", {}).get("fraction_did_not_fall")
    return f"; {NO_NADIR} in {percent_text(share)} of patients" if share else ""


def cohort_caveat_text(row: Mapping[str, Any]) -> str:
    """A cohort's share of patients whose value the run's end cut short (``fraction_at_run_end``: a nadir still
    falling then, days below a count still below then) and whose count fell below a recovery's threshold again
    (``fraction_fell_again``; before the next chemotherapy dose: the next cycle's own nadir does not count), in words;
    empty when none. After 4 Gy every patient's platelet nadir fell on day 21 of
    the 21-day run and read "median day 21 (5-95%: 21-21)" (uxmend34)."""
    parts = []
    at_end, again = row.get("fraction_at_run_end"), row.get("fraction_fell_again")
    name = str(row.get("endpoint", ""))
    if at_end:
        if re.search(r"_cycle\d+$", name) and name.startswith("days_"):  # a cycle's days below, cut by the run's end
            parts.append(f"still below the threshold at the run's end (at least these days) in {percent_text(at_end)} "
                         f"of the patients given the cycle: {RUN_LONGER}")
        elif re.search(r"_cycle\d+$", name):  # a chemotherapy cycle's nadir: the next dose or the run's end cut it
            parts.append(f"still falling at the cycle's end (the next cycle's first dose or the run's end came first: "
                         f"the lowest value so far, not a nadir) in {percent_text(at_end)} of the patients given the "
                         f"cycle")
        else:
            what = ("still below the threshold at the end of the run (at least these days)" if name.startswith("days_")
                    else "still falling at the end of the run (the lowest value so far, not a nadir)")
            parts.append(f"{what} in {percent_text(at_end)} of patients: {RUN_LONGER}")
    if again:
        parts.append(f"fell below the threshold again after that day, before any next cycle, in "
                     f"{percent_text(again)} of patients")
    return "".join(f"; {p}" for p in parts)


def _by_cycle(by_name: Mapping[str, Mapping[str, Any]], name: Any, text: Any) -> str:
    """"1: ... · 2: ... · 3: ...": ``text(row)`` of endpoint ``name(k)`` for each cycle k the summary has."""
    # the cycles listed (chemo_cycles.listed_cycles: the first few and the last), the others not in the summary
    listed = [k for k in range(1, _last_cycle(by_name) + 1) if name(k) in by_name]
    return " · ".join(f"{k}: {text(by_name[name(k)])}" for k in listed)


def _last_cycle(by_name: Mapping[str, Mapping[str, Any]]) -> int:
    """The highest cycle with a per-cycle nadir in the summary (0: none)."""
    found = [int(m.group(2)) for n in by_name if (m := re.fullmatch(r"(anc|platelets|hemoglobin)_nadir_cycle(\d+)", n))]
    return max(found, default=0)


def _share(row: Mapping[str, Any]) -> str:
    return "–" if row.get("fraction_reaching") is None else percent_text(float(row["fraction_reaching"]))


def _cohort_cycle_rows(by_name: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """A course of two or more chemotherapy cycles (:mod:`hemasim.interventions.chemo_cycles`): cycle 1's ANC nadir,
    its time to nadir and its grade 4 neutropenia, then each of them by cycle, the cycles a dose rule delayed or
    reduced and each drug's relative dose intensity, as Friberg-type papers and the labels report them. The run's
    nadir day of a three-cycle docetaxel cohort read "median day 50.5", cycle 3's (report36). Empty otherwise."""
    from hemasim.interventions.chemo_cycles import (
        HB,
        PLATELETS,
        cycle_days_below_name,
        cycle_nadir_name,
    )

    if not any(cycle_nadir_name(1, o) in by_name for o in ("anc_1e9_per_L", PLATELETS, HB)):
        return []

    def median(row: Mapping[str, Any]) -> str:
        return "–" if row.get("median") is None else value_text(str(row["unit"]), cohort_number(str(row["unit"]),
                                                                                                 float(row["median"])))

    def days(row: Mapping[str, Any]) -> str:  # "0.25 d": the hours of day_text are too long for a list of cycles
        return "–" if row.get("median") is None else f"{day_text(cohort_number('day', float(row['median'])), False)} d"

    def nadir_and_day(row: Mapping[str, Any]) -> str:
        name = str(row["endpoint"])  # anc_nadir_cycle2, platelets_nadir_cycle2, hemoglobin_nadir_cycle2 (no day)
        day_row = by_name.get(name.replace("_nadir_cycle", "_nadir_day_cycle"), {})
        # of the patients given the cycle: the next dose or the run's end came before the count bottomed out
        cut = row.get("fraction_at_run_end")
        if cut is not None and cut >= 0.5:
            # most still falling: the "nadir" is the count on the cycle's last day, and its median day read as a time
            # to nadir ("252 (day 20.5; still falling at its end in 100%)"; review37b)
            return f"no nadir within the cycle (falling through it in {percent_text(float(cut))}): {median(row)} on its last day"
        cut_text = f"; still falling at the cycle's end in {percent_text(float(cut))}" if cut else ""
        return (f"{median(row)} (day {median(day_row)}{cut_text})" if day_row.get("median") is not None
                else f"{median(row)}{f' ({cut_text[2:]})' if cut_text else ''}")

    out = _cohort_anc_cycle_rows(by_name, median, days, nadir_and_day) if cycle_nadir_name(1) in by_name else []
    if cycle_nadir_name(1, PLATELETS) in by_name:
        def grade3_4(k: int) -> str:  # the shares of the patients given the cycle with any day < 50 and < 25
            g3, g4 = (by_name.get(cycle_days_below_name(k, PLATELETS, t), {}) for t in
                      (PLATELETS_GRADE3_1E9_PER_L, PLATELETS_GRADE4_1E9_PER_L))
            return f"{_share(g3)} (grade 4: {_share(g4)}){_still_below(g3)}"

        out += [("Platelet nadir by cycle, ×10⁹/L: median (median day of the cycle)",
                 "each cycle's platelet nadir and its day counted from the cycle's first dose (day 0), the median "
                 "over the patients given the cycle; the endpoints platelets_nadir_cycle<k> and "
                 "platelets_nadir_day_cycle<k>", _by_cycle(by_name, lambda k: cycle_nadir_name(k, PLATELETS),
                                                          nadir_and_day)),
                (f"Grade 3-4 thrombocytopenia by cycle (platelets < {PLATELETS_GRADE3_1E9_PER_L:g} ×10⁹/L): share "
                 f"of the patients given the cycle (grade 4: < {PLATELETS_GRADE4_1E9_PER_L:g})",
                 f"share of the patients given the cycle with any day of platelets < {PLATELETS_GRADE3_1E9_PER_L:g} "
                 f"×10⁹/L in it (CTCAE v5.0 grade 3-4 thrombocytopenia), and the share with any day < "
                 f"{PLATELETS_GRADE4_1E9_PER_L:g} (grade 4), each also counting a count below the threshold at the "
                 f"run's end in the cycle (which may count no day yet); a cycle the run's end cut short while the count was "
                 f"below {PLATELETS_GRADE3_1E9_PER_L:g} says so; the endpoints days_platelets_below_50_cycle<k> and "
                 f"days_platelets_below_25_cycle<k>",
                 _by_cycle(by_name, lambda k: cycle_nadir_name(k, PLATELETS), lambda r: grade3_4(
                     int(str(r["endpoint"]).removeprefix("platelets_nadir_cycle")))))]
    if cycle_nadir_name(1, HB) in by_name:
        out.append(("Haemoglobin nadir by cycle, g/dL: median",
                    "each cycle's lowest haemoglobin, the median over the patients given the cycle (its fall over a "
                    "course is slow: a cycle's lowest is often where the next dose found it, still falling); the "
                    "endpoints hemoglobin_nadir_cycle<k>",
                    _by_cycle(by_name, lambda k: cycle_nadir_name(k, HB), nadir_and_day)))
    return out + _cohort_rule_rows(by_name)


def _cohort_anc_cycle_rows(by_name: Mapping[str, Mapping[str, Any]], median: Any, days: Any, nadir_and_day: Any
                           ) -> list[tuple[str, str, str]]:
    """Cycle 1's ANC nadir, its time to nadir and its grade 4 neutropenia, then each by cycle."""
    from hemasim.interventions.chemo_cycles import cycle_grade4_name, cycle_nadir_day_name, cycle_nadir_name

    nadir, day, g4 = (by_name[f(1)] for f in (cycle_nadir_name, cycle_nadir_day_name, cycle_grade4_name))
    return [("ANC nadir, cycle 1", str(nadir["definition"]), _cohort_value(nadir) + cohort_caveat_text(nadir)),
           ("Time to ANC nadir, cycle 1 (days after the cycle's first dose)", str(day["definition"]),
            _cohort_value(day) + _no_nadir_share(by_name, cycle_nadir_day_name(1)) + cohort_caveat_text(day)),
           ("Grade 4 neutropenia, cycle 1 (ANC < 0.5 ×10⁹/L): patients given the cycle with any day; their days",
            str(g4["definition"]), _cohort_value(g4)),
           ("ANC nadir by cycle, ×10⁹/L: median (median day of the cycle)",
            "each cycle's ANC nadir and its day counted from the cycle's first dose (day 0), the median over the "
            "patients given the cycle; the endpoints anc_nadir_cycle<k> and anc_nadir_day_cycle<k>",
            _by_cycle(by_name, cycle_nadir_name, nadir_and_day)),
           ("Grade 4 neutropenia by cycle: share of the patients given the cycle",
            "share of the patients given the cycle with any day of ANC < 0.5 ×10⁹/L in it (CTCAE grade 4 "
            "neutropenia; or below 0.5 at the run's end in it, which may count no day yet), and the median days of grade 4 of those patients (a cycle the run's end cut short while "
            "the ANC was below 0.5 says so: at least those days); the endpoints days_anc_below_0p5_cycle<k>",
            _by_cycle(by_name, cycle_grade4_name, lambda r: f"{_share(r)} (median {days(r)}){_still_below(r)}"))]


def _still_below(row: Mapping[str, Any]) -> str:
    """"; still below at the run's end in 12%": the share of the patients given a cycle whose count the run's end
    found below the threshold in it (its days below are at least so many; review37b), or ''."""
    cut = row.get("fraction_at_run_end")
    return f"; still below at the run's end in {percent_text(float(cut))}" if cut else ""


def _cohort_rule_rows(by_name: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """The cycles a dose rule delayed or reduced, and each drug's relative dose intensity."""
    from hemasim.interventions.chemo_cycles import cycle_delayed_name, cycle_reduced_name

    out: list[tuple[str, str, str]] = []
    if cycle_delayed_name(1) in by_name:
        out.append(("Cycle delayed by a dose rule: share of all patients",
                    "share of all patients whose cycle a dose rule delayed (its count below the rule's threshold on the "
                    "planned day); the endpoints chemotherapy_cycle<k>_delayed",
                    _by_cycle(by_name, cycle_delayed_name, _share)))
    if cycle_reduced_name(1) in by_name:
        out.append(("Dose reduced: share of the patients given the cycle",
                    "share of the patients given the cycle whose dose was below the full dose (a dose rule's "
                    "reduction, in this cycle or an earlier one); the endpoints chemotherapy_cycle<k>_dose_reduced",
                    _by_cycle(by_name, cycle_reduced_name, _share)))
    for name, row in by_name.items():
        if name.endswith("_relative_dose_intensity"):
            drug = name.removesuffix("_relative_dose_intensity")
            # a fraction in the files (summary.csv, the endpoints), a percentage here as every fraction the report
            # shows: said in the label (the docs' table said fraction beside the report's 84.0%; ux37), without a
            # made-up figure (a fixed "0.84 there is 84% here" read as this cohort's, review37f)
            out.append((f"Relative dose intensity, {drug}: % of the planned (a fraction in summary.csv and the "
                        "endpoints, 0 to 1, shown here as a percentage)", str(row["definition"]), _cohort_value(row)))
    return out


def cohort_key_results_html(summary_rows: Sequence[Mapping[str, Any]]) -> str:
    """A "Key results" section for a cohort: the share of patients with each grade-4 episode or flag, and the
    median and 5-95% range of each key value; for a course of chemotherapy cycles, cycle 1's and each cycle's first
    (:func:`_cohort_cycle_rows`)."""
    by_name = {str(r["endpoint"]): r for r in summary_rows}
    rows = _key_rows(list(by_name))
    cycles = _cohort_cycle_rows(by_name)
    if not rows and not cycles:
        return ""
    esc = html.escape
    cells = cycles + [(label, str(by_name[n]["definition"]), _cohort_value(by_name[n]) + _no_nadir_share(by_name, day)
                       + cohort_caveat_text(by_name[n])) for n, label, day in rows]
    hb_peak = _cohort_hb_peak(by_name)
    if hb_peak is not None:  # after the nadir, as a run's report has it (the endpoints table alone showed it)
        at = next((len(cycles) + i + 1 for i, (n, _, _) in enumerate(rows) if n == "hemoglobin_nadir"), len(cells))
        cells.insert(at, (HB_MAX_LABEL, str(by_name["hemoglobin_max_after_engraftment"]["definition"]), hb_peak))
    body = "".join(f'<tr>{row_head(label, title)}<td title="{esc(definition_text(title))}">{esc(text)}</td></tr>'
                   for label, title, text in cells)
    return (f'<h2>Key results</h2><table class="key">{body}</table>'
            + _key_hint("all endpoints", "are listed below the bands"))
