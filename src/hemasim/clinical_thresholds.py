"""Clinical thresholds that depend on age, from the packaged ``clinical_thresholds.yaml`` (each row with its source):
WHO 2011's haemoglobin below which a person is anaemic (``anaemia_hb``) and the CD4 count below which a child takes
Pneumocystis prophylaxis (``cd4_pjp``, NIH paediatric guidelines: any count under 1 year, 500/uL from 1 to 6 years,
200/uL from 6). The CTCAE grades stay absolute at every age (the YAML's header says why). The age-row lookup
(:func:`age_row`) is also the one the report's reference ranges use (``hemasim.report.reference_ranges``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np

# a child's age on day t of a run is its age at the start plus t / DAYS_PER_YEAR, as the model ages its patient
from hemasim.model.laws import DAYS_PER_YEAR


@dataclass(frozen=True)
class Threshold:
    """A threshold at one age: its value (the quantity's unit; inf where no count reaches it), unit, what it means,
    the row's ages (months) and its source's short citation."""

    value: float
    unit: str
    words: str
    from_months: float
    to_months: float
    source: str


@cache
def table() -> dict[str, Any]:
    """The packaged table (``sources`` and ``thresholds``, ages in months), read once."""
    import yaml  # lazy: `import hemasim` stays fast

    text = files("hemasim").joinpath("clinical_thresholds.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def age_row(rows: Iterable[Mapping[str, Any]], months: float, sex: str | None) -> Mapping[str, Any] | None:
    """The first of ``rows`` with ``from_months <= months < to_months`` whose ``sex`` is ``any`` or ``sex``; None if
    none holds the age."""
    return next((row for row in rows if row["from_months"] <= months < row["to_months"] and row["sex"] in ("any", sex)),
                None)


def threshold(name: str, age_years: float, sex: str | None) -> Threshold | None:
    """Threshold ``name`` (a key of the table's ``thresholds``: ``anaemia_hb``, ``cd4_pjp``) for a person of
    ``age_years`` and ``sex`` (``male``/``female``; None: unknown, which only an any-sex row answers); None where no
    row holds the age (no WHO anaemia cut-off under 6 months)."""
    data = table()
    spec = data["thresholds"][name]
    row = age_row(spec["rows"], 12.0 * float(age_years), sex)
    if row is None:
        return None
    return Threshold(float(row["value"]), spec["unit"], spec["words"], float(row["from_months"]),
                     float(row["to_months"]), data["sources"][row["source"]]["cite"])


def thresholds_over_run(name: str, ages_years: float | np.ndarray, sex: str | np.ndarray | None,
                        days: np.ndarray) -> np.ndarray:
    """Threshold ``name`` on each of ``days`` (T,) for each patient (``ages_years`` a number or (N,) at day 0 of
    ``days``; ``sex`` a value or (N,)): the row of the age on that day, as the patient ages over the run. (N, T); NaN
    where no row holds the age."""
    ages = np.atleast_1d(np.asarray(ages_years, dtype=np.float64))
    months = 12.0 * (ages[:, None] + np.asarray(days, dtype=np.float64)[None, :] / DAYS_PER_YEAR)
    sexes = np.broadcast_to(np.asarray(sex if sex is not None else "", dtype=object), ages.shape)[:, None]
    out = np.full(months.shape, np.nan)
    for row in table()["thresholds"][name]["rows"]:
        held = (row["from_months"] <= months) & (months < row["to_months"]) & np.isnan(out)
        held &= (sexes == row["sex"]) | (row["sex"] == "any")
        out[held] = float(row["value"])
    return out
