"""Reference ranges drawn behind the reports' blood counts: adults' (validation targets S1-S9, Merck / Chng 2004) and,
for children, age-specific ranges from published paediatric reference intervals (``reference_ranges.yaml``, each
row with its source). A child's counts read against adults' ranges mislead: an infant's CD4 count of 3,000/uL is
normal, and an infant's haemoglobin of 11 g/dL is not anaemia."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

# the age-row lookup is the clinical thresholds' (one rule for both tables)
from hemasim.clinical_thresholds import age_row, packaged_yaml

# a child's age on day t of a run is its age at the start plus t / DAYS_PER_YEAR, as the model ages its patient
from hemasim.model.laws import DAYS_PER_YEAR

#: adult reference intervals (validation targets S1-S9, Merck / Chng 2004)
ADULT_BANDS = {
    "anc_1e9_per_L": (1.8, 7.7),
    "platelets_1e9_per_L": (150.0, 400.0),
    "monocytes_1e9_per_L": (0.2, 1.2),
    "lymphocytes_1e9_per_L": (1.0, 4.8),
    "cd4_per_uL": (313.0, 1489.0),
}
#: adult haemoglobin, g/dL, by sex
HB_BANDS = {"male": (14.0, 17.0), "female": (12.0, 16.0)}
HB = "hemoglobin_g_per_dL"
#: the label of an adult range (adults' figures keep it byte for byte)
ADULT_LABEL = "adult reference range"
#: a child's quantity that the table has no row for keeps the adult range, and says so
ADULT_FOR_CHILD_LABEL = "adult reference range (no paediatric range sourced)"
#: the table's last age (months, exclusive): from 18 years on a person is read against adults' ranges
ADULT_FROM_MONTHS = 216.0


@dataclass(frozen=True)
class ReferenceRange:
    """A reference range to draw: its limits (the quantity's unit), the legend's label, and the source's short
    citation (None for the adult ranges, whose sources are the validation targets')."""

    low: float
    high: float
    label: str
    source: str | None = None

    @property
    def band(self) -> tuple[float, float]:
        return self.low, self.high


@cache
def table() -> dict[str, Any]:
    """The packaged table (``sources`` and ``rows``, ages in months), read once."""
    return packaged_yaml("hemasim.report", "reference_ranges.yaml")


def age_text(from_months: float, to_months: float) -> str:
    """A row's ages as a clinician writes them: months up to 2 years, years after (``6-12 months``, ``2-6 years``,
    ``6 months-5 years``)."""
    if to_months <= 24:
        return f"{from_months:g}-{to_months:g} months"
    if from_months < 24:
        return f"{from_months:g} months-{to_months / 12:g} years"
    return f"{from_months / 12:g}-{to_months / 12:g} years"


def _adult(quantity: str, sex: str | None, label: str) -> ReferenceRange | None:
    band = HB_BANDS.get(sex or "") if quantity == HB else ADULT_BANDS.get(quantity)
    return ReferenceRange(*band, label) if band is not None else None


def reference_range(quantity: str, age_years: float | None, sex: str | None) -> ReferenceRange | None:
    """The reference range of ``quantity`` (an observable name) for a person of ``age_years`` and ``sex``
    (``male``/``female``; None: unknown, as a cohort of both sexes, which has no haemoglobin range).

    Under 18 years the table's row with ``from_months <= age < to_months`` (lower edge inclusive, upper exclusive;
    a sex-specific row where the table splits by sex), labelled with its ages and source; a child's quantity without
    a row keeps the adult range, labelled so. From 18 years, or with ``age_years`` None (a cohort of mixed ages),
    the adult range. None where there is no range (an observable without one, haemoglobin of unknown sex)."""
    if age_years is None or not is_child(age_years):
        return _adult(quantity, sex, ADULT_LABEL)
    data = table()
    row = age_row((r for r in data["rows"] if r["quantity"] == quantity), 12.0 * float(age_years), sex)
    if row is None:
        return _adult(quantity, sex, ADULT_FOR_CHILD_LABEL)
    cite = data["sources"][row["source"]]["cite"]
    label = f"reference range, {age_text(row['from_months'], row['to_months'])} ({cite})"
    return ReferenceRange(float(row["low"]), float(row["high"]), label, cite)




@dataclass(frozen=True)
class RangeSegment:
    """One step of a child's reference range over a run: ``range`` from run day ``start_day`` to ``end_day``."""

    start_day: float
    end_day: float
    range: ReferenceRange


def _boundaries_months(quantity: str) -> list[float]:
    """The ages (months) where ``quantity``'s range may change: its rows' edges and the adult age."""
    edges = {ADULT_FROM_MONTHS}
    for row in table()["rows"]:
        if row["quantity"] == quantity:
            edges.update((float(row["from_months"]), float(row["to_months"])))
    return sorted(edges)


def range_segments(quantity: str, age_years: float | None, sex: str | None, start_day: float,
                   end_day: float) -> list[RangeSegment]:
    """The reference range of ``quantity`` over run days ``start_day``-``end_day`` as the patient ages (``age_years``
    at day 0; :func:`reference_range` at each age): one segment per age row passed through, a child turning 18 taking
    the adult range from that day. One segment for an adult, a cohort (``age_years`` None) or a run within one row;
    none where there is no range. Neighbours with the same limits are drawn as one (the first's label)."""
    if age_years is None or not is_child(age_years):
        ref = reference_range(quantity, age_years, sex)
        return [RangeSegment(start_day, end_day, ref)] if ref is not None else []
    cuts = [(m / 12.0 - float(age_years)) * DAYS_PER_YEAR for m in _boundaries_months(quantity)]
    edges = [start_day, *(c for c in cuts if start_day < c < end_day), end_day]
    out: list[RangeSegment] = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        # the age at the step's middle: at an edge itself rounding may fall on either side of the row's boundary
        ref = reference_range(quantity, age_years + 0.5 * (lo + hi) / DAYS_PER_YEAR, sex)
        if ref is None:
            continue
        if out and out[-1].end_day == lo and out[-1].range.band == ref.band:
            out[-1] = RangeSegment(out[-1].start_day, hi, out[-1].range)
        else:
            out.append(RangeSegment(lo, hi, ref))
    return out


def segments_label(segments: list[RangeSegment]) -> str:
    """The legend's label of a range drawn as ``segments``: the one range's own label, or for a step "reference range
    by age" with the sources of its steps (``adult range`` for the adult steps)."""
    if len(segments) == 1:
        return segments[0].range.label
    names = list(dict.fromkeys(s.range.source or "adult range" for s in segments))
    return f"reference range by age ({'; '.join(names)})"


def is_child(age_years: float | None) -> bool:
    """Whether ``age_years`` is read against the children's table (under 18 years)."""
    return age_years is not None and 12.0 * age_years < ADULT_FROM_MONTHS


def band_note(age_years: float | None, duration_days: float = 0.0) -> str:
    """The figures' caption sentence on the green bands: adults' ranges, or a child's by age (a step where the child
    passes into another age row within the run's ``duration_days``)."""
    if not is_child(age_years):
        return "Green bands: adult reference ranges."
    assert age_years is not None
    end_months = 12.0 * (age_years + duration_days / DAYS_PER_YEAR)
    if not any(12.0 * age_years < m < end_months for q in _quantities() for m in _boundaries_months(q)):
        return ("Green bands: reference ranges for the patient's age, each legend naming its ages and source "
                "(adults' where no paediatric range was found).")
    return ("Green bands: reference ranges following the patient's age over the run, a step where the age passes "
            "into the next age row (from 18 years on, adults' ranges), each legend naming its sources (adults' where no "
            "paediatric range was found).")


def _quantities() -> list[str]:
    return list(dict.fromkeys(row["quantity"] for row in table()["rows"]))


def cohort_child_note(ages: tuple[float, float] | None) -> str:
    """The cohort caption's sentence where a cohort's ages (youngest, oldest) reach below 18 years: its bands stay
    adults' (one band per panel cannot fit patients of several ages); empty for an adult cohort."""
    if ages is None or not is_child(min(ages)):
        return ""
    return (" The cohort includes children, but a cohort mixes ages: its bands are adults' ranges "
            "(a child's single-run report draws the ranges for its age).")
