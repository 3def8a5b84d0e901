"""Default CD3+ (T-cell) dose of a graft per kg of recipient, by graft source and donor type, with provenance.

A transplant that does not give ``cd3_per_kg`` gets this dose (hemasim.interventions.transplant). These are
defaults of a scenario field, not model parameters: a scenario sets its own dose. The rule that chose them (the
largest series in the stored records giving a median for all its patients) and the records read are in
docs/transplant.md, "Default graft T-cell doses"; docs/parameters.md lists them (hemasim.parameters.table).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hemasim.parameters.bibliography import BOULASSEL_2006, SAME_DONOR_BM_PBSC_2000
from hemasim.parameters.core import Assumed, Cited, Reference

#: T (CD4 + CD8) share of blood lymphocytes in the model's reference adult: Chng 2004 Table 3 sex-balanced medians
#: (CD4 813.5, CD8 616.5, CD19 332.5, NK 371.5 /uL; parameters chng2004). The model gives a graft's lymphocytes
#: blood proportions (Transplant.composition), so a graft of n lymphocytes/kg carries this share of them as CD3+.
T_SHARE_OF_LYMPHOCYTES = (813.5 + 616.5) / (813.5 + 616.5 + 332.5 + 371.5)

_CORD_HOW = ("no stored record gives a cord unit's CD3+ content (searched: cord blood infused CD3+ cells per kg "
             "median; CD3+ share of cord nucleated cells; double-cord CD3+ dose: Barker 2005 Blood 105:1343 and Blood "
             "2011;117:3277 count CD3+ doses but give no median in the abstract)")
_GRAFT = "the graft's T, NK and B cells when a scenario gives no cd3_per_kg"
#: what bench/graft_cd3_check.py found (x0.5 and x2, one at a time; bench/results/graft_cd3_check.json)
_NO_TARGET = "; check: no validation target carries this default"
_CHECKED = "; check (bench/graft_cd3_check.py, x0.5-x2 one at a time): {} unchanged (0.0%)"


@dataclass(frozen=True)
class GraftCd3Default:
    """The default CD3+ cells per kg of recipient of one graft source and donor type, and where it comes from."""

    source: str
    donor: str
    cd3_per_kg: float
    provenance: Cited | Assumed


_MARROW_ALLO = GraftCd3Default(
    "bone_marrow", "allogeneic", 9.0e7,
    Cited(SAME_DONOR_BM_PBSC_2000, "abstract: 40 sibling donors gave a marrow harvest (target 3e8 nucleated "
          "cells/kg) and a lenograstim-mobilised leukapheresis; marrow median 3.1e8 nucleated cells/kg with a median "
          "CD3+ share of 29%: 3.1e8 x 0.29 = 9.0e7/kg (a product of medians)"))

GRAFT_CD3_DEFAULTS: tuple[GraftCd3Default, ...] = (
    GraftCd3Default(
        "peripheral_blood", "allogeneic", 1.8e8,
        Cited(SAME_DONOR_BM_PBSC_2000, "abstract: one leukapheresis after lenograstim 10 ug/kg days 2-6, median "
              "7.0e8 nucleated cells/kg with a median CD3+ share of 26%: 7.0e8 x 0.26 = 1.8e8/kg (a product of "
              "medians)")),
    GraftCd3Default(
        "peripheral_blood", "autologous", 7.6e7,
        Cited(BOULASSEL_2006, "abstract (72 patients, lymphoma and myeloma, mobilised autologous blood grafts): "
              "median 11.3e7 infused lymphocytes/kg (range 1.11e7-1.10e9), times the T share of the model's blood "
              f"lymphocytes ({T_SHARE_OF_LYMPHOCYTES:.3f}, Chng 2004 medians) = 7.6e7 CD3+/kg; the only autologous "
              "series in the stored records with a median of all its patients (Porrata 2004's medians, 3-6 times "
              "higher, are of subgroups split by the day-15 count)")),
    _MARROW_ALLO,
    GraftCd3Default(
        "bone_marrow", "autologous", _MARROW_ALLO.cd3_per_kg,
        Assumed(_GRAFT, "the allogeneic marrow value (BMT2000BMvsPBSC): no autologous marrow series found"
                + _NO_TARGET)),
    GraftCd3Default("cord_blood", "allogeneic", 1.0e7, Assumed(
        _GRAFT, "the usual order of magnitude; " + _CORD_HOW + _CHECKED.format("K1-K3's neutrophil engraftment days"))),
    GraftCd3Default("cord_blood", "autologous", 1.0e7, Assumed(_GRAFT, "as an allogeneic unit; " + _CORD_HOW
                                                                 + _NO_TARGET)),
    GraftCd3Default("double_cord_blood", "allogeneic", 2.0e7, Assumed(
        _GRAFT, "two single units; " + _CORD_HOW + _CHECKED.format("T7's neutrophil engraftment day"))),
    GraftCd3Default("double_cord_blood", "autologous", 2.0e7, Assumed(_GRAFT, "two single units; " + _CORD_HOW
                                                                        + _NO_TARGET)),
)

_BY_KEY = {(d.source, d.donor): d for d in GRAFT_CD3_DEFAULTS}


def default_cd3_per_kg(source: str, donor: str) -> float:
    """CD3+ cells per kg of recipient of a graft of ``source`` from a ``donor`` donor when the scenario gives none."""
    return _BY_KEY[(source, donor)].cd3_per_kg


def defaults_used(interventions: Iterable[Any]) -> list[GraftCd3Default]:
    """The defaults a scenario's grafts take (transplants without ``cd3_per_kg``), once each, in scenario order."""
    used: list[GraftCd3Default] = []
    for spec in interventions:
        if getattr(spec, "kind", None) == "transplant" and getattr(spec, "cd3_per_kg", 0.0) is None:
            default = _BY_KEY[(spec.source, spec.donor)]
            if default not in used:
                used.append(default)
    return used


def defaults_text() -> str:
    """The defaults in a line (the scenario field's description): ``allogeneic blood 1.8e8, ...``."""
    def g(x: float) -> str:
        return f"{x:.2g}".replace("e+0", "e")

    return (f"sourced medians: allogeneic blood {g(default_cd3_per_kg('peripheral_blood', 'allogeneic'))}, marrow "
            f"{g(default_cd3_per_kg('bone_marrow', 'allogeneic'))}, autologous blood "
            f"{g(default_cd3_per_kg('peripheral_blood', 'autologous'))}; cord "
            f"{g(default_cd3_per_kg('cord_blood', 'allogeneic'))} per unit, assumed")


def graft_references() -> list[Reference]:
    refs = {d.provenance.reference.key: d.provenance.reference for d in GRAFT_CD3_DEFAULTS
            if isinstance(d.provenance, Cited)}
    return [refs[k] for k in sorted(refs)]
