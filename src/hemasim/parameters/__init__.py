"""Parameters: records with units and provenance, sets per source, and the bibliography."""

from __future__ import annotations

from hemasim.parameters.core import (
    Assumed,
    Calibrated,
    Cited,
    Derived,
    Parameter,
    ParameterSet,
    Reference,
    UnitConvention,
    UserOverride,
)

__all__ = [
    "Assumed", "Calibrated", "Cited", "Derived", "Parameter", "ParameterSet", "Reference",
    "UnitConvention", "UserOverride", "healthy_adult_parameters", "renamed_note", "renamed_parameters",
    "SOURCE_MODULES",
]

# One module per source; joined into the healthy adult set.
SOURCE_MODULES = (
    "athens1961", "catlin2011", "chng2004", "den_braber2012", "fabre2022", "franco2012", "friberg2002",
    "harker_finch1969", "infection_kinetics", "lahoz_beneytez2016", "lee_six2018", "macallan2004", "macallan2005",
    "autoimmunity", "clonal_hematopoiesis", "engraftment", "gcsf_mobilisation", "merck_reference_intervals", "mitchell2022",
    "paediatric_lymphocytes", "patel2017", "radiobiology",
    "spencer_chapman2024",
    "steinmann1985", "structural_assumptions", "vaccine_kinetics", "viral_kinetics", "vrisekoop2008", "wang2001",
    "westermann_pabst1992", "zhang2007",
    "alloreactivity",  # cond: graft-versus-host haematopoiesis and immunosuppression (issue 17)
    "quartino2014",  # chemo2: endogenous G-CSF speeds neutrophil maturation (issue 17)
    "epo_hb_response",  # ery: erythroid feedback strength from the human EPO-Hb relation
    "saule2006",  # jointfit: the naive CD4 share cited (value unchanged; issue 17)
    "dingli_pacheco2007",  # childmarrow: a growing patient's stem pool scales with body mass (issue 17)
    "cancer_lymphocytes",  # wbc: the chemotherapy cohorts' lymphocyte baseline is that of cancer patients (issue 17)
    "blood_counts_by_age",  # agetrend: red-cell and platelet set points fall with age past 35 (issue 17)
    "naive_decline_by_age",  # naiveage: the naive pools already shrink at the reference age (issue 17)
    "iron_balance",  # iron33: the opt-in iron model of donors' erythropoiesis (issue 17)
)


def healthy_adult_parameters() -> ParameterSet:
    """The default parameter set of the healthy human model, joined from every source module."""
    import importlib

    records = []
    for mod in SOURCE_MODULES:
        records.extend(importlib.import_module(f"hemasim.parameters.sets.{mod}").PARAMETERS)
    return ParameterSet.from_records("healthy_adult", records)


def renamed_parameters() -> dict[str, str]:
    """Former parameter names -> what replaced them (each source module's optional ``RENAMED``), so that a scenario,
    ``--set`` or a sweep that names an old one is told the new one rather than only that the name is unknown."""
    import importlib

    out: dict[str, str] = {}
    for mod in SOURCE_MODULES:
        out.update(getattr(importlib.import_module(f"hemasim.parameters.sets.{mod}"), "RENAMED", {}))
    return out


def renamed_note(name: str) -> str | None:
    """The note "renamed: it is now NEW" for a former parameter name (:func:`renamed_parameters`), else None: what
    every error for an unknown parameter name adds (a scenario, ``--set``, a sweep, a fitting problem, a population
    file, a cohort's per-patient values)."""
    new = renamed_parameters().get(name)
    return None if new is None else f"renamed: it is now {new}"
