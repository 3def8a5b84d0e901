"""Pharmacology: drug parameter sets (YAML data), PK/PD model pieces, dosing events, and the
stand-alone Friberg 2002 chain.

* :func:`load_drug_set` / :func:`available_drug_sets` - cited sets shipped with hemasim, or a user's file;
* :class:`DrugExposure` - a drug's PK and effects added to the healthy model;
* :class:`Regimen`, :class:`OnDemandCourse`, :class:`Administration` - dosing events;
* :func:`friberg_model` - the published five-compartment chain of a set, for direct comparison.

Equations and sources: docs/drugs.md.
"""

from __future__ import annotations

from hemasim.pharmacology.dosing import Administration, DoseRule, InfusionEnd, OnDemandCourse, Regimen
from hemasim.pharmacology.drug_sets import DrugSet, DrugSetError, available_drug_sets, load_drug_set
from hemasim.pharmacology.friberg import friberg_model
from hemasim.pharmacology.pkpd import DrugExposure

__all__ = ["Administration", "DoseRule", "DrugExposure", "DrugSet", "DrugSetError", "InfusionEnd",
           "OnDemandCourse", "Regimen", "available_drug_sets", "friberg_model", "load_drug_set"]
