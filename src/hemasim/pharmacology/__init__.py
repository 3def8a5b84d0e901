"""Pharmacology: drug parameter sets (YAML data), PK/PD model pieces, dosing events, and the
stand-alone Friberg 2002 chain.

* :func:`load_drug_set` / :func:`available_drug_sets` - cited sets shipped with hemasim, or a user's file;
* :class:`DrugExposure` - a drug's PK and effects added to the healthy model;
* :class:`Regimen`, :class:`OnDemandCourse`, :class:`Administration` - dosing events;
* :func:`friberg_model` - the published five-compartment chain of a set, for direct comparison.

Equations and sources: docs/drugs.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public name -> module that defines it, imported on first access (PEP 562): the scenario schema imports
# hemasim.pharmacology.dosing (the dose events' types), and a run without drugs need not load the drug-set schema
# and the PK/PD builder with it (docs/performance.md, goal 1)
_LAZY = {
    "Administration": "dosing", "DoseRule": "dosing", "InfusionEnd": "dosing", "OnDemandCourse": "dosing",
    "Regimen": "dosing", "DrugSet": "drug_sets", "DrugSetError": "drug_sets", "available_drug_sets": "drug_sets",
    "load_drug_set": "drug_sets", "friberg_model": "friberg", "DrugExposure": "pkpd",
}

__all__ = ["Administration", "DoseRule", "DrugExposure", "DrugSet", "DrugSetError", "InfusionEnd",
           "OnDemandCourse", "Regimen", "available_drug_sets", "friberg_model", "load_drug_set"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from hemasim.pharmacology.dosing import Administration, DoseRule, InfusionEnd, OnDemandCourse, Regimen
    from hemasim.pharmacology.drug_sets import DrugSet, DrugSetError, available_drug_sets, load_drug_set
    from hemasim.pharmacology.friberg import friberg_model
    from hemasim.pharmacology.pkpd import DrugExposure


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hemasim.pharmacology' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"hemasim.pharmacology.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
