"""Clinical thresholds that depend on age, from the packaged ``clinical_thresholds.yaml`` (each row with its source):
WHO 2011's haemoglobin below which a person is anaemic (``anaemia_hb``) and the CD4 count below which a child takes
Pneumocystis prophylaxis (``cd4_pjp``, NIH paediatric guidelines: any count under 1 year, 500/uL from 1 to 6 years,
200/uL from 6). The CTCAE grades stay absolute at every age (the YAML's header says why). One rule says which
row holds an age (:func:`age_row`, and :func:`thresholds_over_run` on arrays); the report's reference ranges use it
too (``hemasim.report.reference_ranges``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np

# a child's age on day t of a run is its age at the start plus t / DAYS_PER_YEAR, as the model ages its patient
from hemasim.model.laws import DAYS_PER_YEAR


def packaged_yaml(package: str, name: str) -> dict[str, Any]:
    """The YAML table ``name`` packaged in ``package`` (package data, trusted: safe_load without the scenario
    limits), parsed; the report's reference ranges read theirs with it too."""
    import yaml  # lazy: `import hemasim` stays fast

    data: dict[str, Any] = yaml.safe_load(files(package).joinpath(name).read_text(encoding="utf-8"))
    return data


@cache
def table() -> dict[str, Any]:
    """The packaged table (``sources`` and ``thresholds``, ages in months), read once."""
    return packaged_yaml("hemasim", "clinical_thresholds.yaml")


def _holds(row: Mapping[str, Any], months: Any, sex: Any) -> Any:
    """Whether ``row`` holds the age ``months`` and ``sex`` (numbers, or arrays elementwise): ``from_months <= months <
    to_months`` (lower edge inclusive, upper exclusive), on a row of ``any`` sex or of ``sex``."""
    return (row["from_months"] <= months) & (months < row["to_months"]) & ((row["sex"] == "any") | (sex == row["sex"]))


def age_row(rows: Iterable[Mapping[str, Any]], months: float, sex: str | None) -> Mapping[str, Any] | None:
    """The first of ``rows`` that holds the age ``months`` and ``sex`` (None: unknown, which only an any-sex row
    holds); None if none does."""
    return next((row for row in rows if _holds(row, months, sex)), None)


def thresholds_over_run(name: str, ages_years: float | np.ndarray, sex: str | np.ndarray | None,
                        days: np.ndarray) -> np.ndarray:
    """Threshold ``name`` (a key of the table's ``thresholds``: ``anaemia_hb``, ``cd4_pjp``) on each of ``days`` (T,)
    for each patient (``ages_years`` a number or (N,) at day 0 of ``days``; ``sex`` a value or (N,), None: unknown):
    the row of the age on that day, as the patient ages over the run. (N, T); NaN where no row holds the age (no WHO
    anaemia cut-off under 6 months)."""
    ages = np.atleast_1d(np.asarray(ages_years, dtype=np.float64))
    months = 12.0 * (ages[:, None] + np.asarray(days, dtype=np.float64)[None, :] / DAYS_PER_YEAR)
    sexes = np.broadcast_to(np.asarray(sex if sex is not None else "", dtype=object), ages.shape)[:, None]
    out = np.full(months.shape, np.nan)
    for row in table()["thresholds"][name]["rows"]:  # the first row that holds an age wins, as in age_row
        held = _holds(row, months, sexes) & np.isnan(out)
        out[held] = float(row["value"])
    return out
