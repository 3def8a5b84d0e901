"""Stem-cell grafts and SCID genotypes on the host/donor (origin-split) model.

A graft brings, into the donor copies of the compartments (:mod:`hemasim.biology.origins`):

* long-term HSCs: CD34+ cells x ``engrafting_hsc_per_cd34`` (Spencer Chapman 2024 bottleneck);
* short-term repopulating progenitors: CD34+ cells x ``graft_short_term_units_per_cd34`` MPP units;
* T cells: the CD3+ dose spread over the naive/memory CD4/CD8 pools in the proportions of a healthy
  adult's pools (cord blood: naive only), and NK and B cells in their ratio to T cells in a healthy
  adult's blood (the graft's lymphocytes are the donor's blood lymphocytes).

SCID genotypes remove the host's production of the lineages they block (IL2RG: T and NK; ADA: T, B
and NK; RAG1/2: T and B), so a graft restores only what it supplies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

import numpy as np

from hemasim.biology import reference_adult_model
from hemasim.biology.builder import BuildContext
from hemasim.biology.origins import DONOR, origin_name
from hemasim.events import Event
from hemasim.model.compiled import CompiledModel
from hemasim.model.core import Module

__all__ = ["GENOTYPES", "GRAFT_CONTENTS", "GraftLodging", "GraftSource", "Transplant", "blocked_flows",
           "host_absent_compartments", "with_graft_contents"]

Genotype = Literal["healthy", "il2rg_scid", "ada_scid", "rag_scid"]
GraftSource = Literal["bone_marrow", "peripheral_blood", "cord_blood", "double_cord_blood"]

_T = ("clp_to_thymic_seeding",)
_NK = ("mpp_to_nk_precursor",)
_B = ("clp_to_b_precursor",)
#: Host flows each genotype cannot make (T- B+ NK-, T- B- NK-, T- B- NK+).
GENOTYPES: Mapping[str, tuple[str, ...]] = {
    "healthy": (), "il2rg_scid": _T + _NK, "ada_scid": _T + _NK + _B, "rag_scid": _T + _B}
_DOWNSTREAM = {
    _T[0]: ("thymocyte_1", "thymocyte_2", "naive_cd4", "cm_cd4", "em_cd4", "naive_cd8", "memory_cd8", "trec_cd4",
             "cd4_clonotypes"),
    _NK[0]: ("nk_precursor", "nk_cells"),
    _B[0]: ("b_precursor_1", "b_precursor_2", "b_cells"),
}
LODGING = "graft_lodging"  # the lag chain a graft's committed progenitors pass (GraftLodging)
_COUNTED = ("hsc", "st_hspc", f"{LODGING}_1")  # graft contents counted cell by cell under stochastic engraftment
T_POOLS = ("naive_cd4", "cm_cd4", "em_cd4", "naive_cd8", "memory_cd8")


def blocked_flows(genotype: str) -> tuple[str, ...]:
    if genotype not in GENOTYPES:
        raise ValueError(f"unknown genotype {genotype!r}; allowed: {', '.join(GENOTYPES)}")
    return GENOTYPES[genotype]


def host_absent_compartments(genotype: str) -> tuple[str, ...]:
    """Host compartments that are empty in an untreated patient with ``genotype``."""
    return tuple(c for f in blocked_flows(genotype) for c in _DOWNSTREAM[f])


@dataclass(frozen=True)
class Transplant(Event):
    """A graft infused on ``day`` (cell numbers per patient, not per kg), after that day's other events."""

    same_day_rank = 1  # the clinic's day 0: conditioning first (TBI on the graft's day), then the graft
    cd34_cells: float | np.ndarray
    cd3_cells: float | np.ndarray
    hsc_per_cd34: float | np.ndarray  # per-CD34+ contents: one value, or one per patient (a fit's batch)
    short_term_units_per_cd34: float | np.ndarray
    st_hspc_per_cd34: float | np.ndarray
    naive_t_only: bool = False  # cord blood: T cells are naive
    autologous: bool = False  # the graft's T-cell clonotypes are the host's own (no new clonotypes)
    stochastic: bool = False  # engrafting stem and progenitor numbers drawn (Poisson) from the run's seeded RNG
    reference_state: tuple[tuple[str, float], ...] = ()  # healthy pools giving the lymphocyte proportions
    # (default: reference_lymphocyte_state())
    #: CD4 cells of the same donor given before (the graft, earlier DLIs): their clonotypes are not new
    donor_cd4_given_before: float | np.ndarray = 0.0

    def check(self, model: CompiledModel) -> None:
        if origin_name("hsc", DONOR) not in model.state_names:
            raise ValueError("a transplant needs the host/donor model (hemasim.biology.origins.split_origins)")

    def composition(self) -> dict[str, float | np.ndarray]:
        """Cells added to each donor compartment (by base name)."""
        ref = dict(self.reference_state or reference_lymphocyte_state())
        t_pools = ("naive_cd4", "naive_cd8") if self.naive_t_only else T_POOLS
        t_total = sum(ref[p] for p in T_POOLS)
        t_sel = sum(ref[p] for p in t_pools)
        cd3 = np.asarray(self.cd3_cells, dtype=np.float64)
        out: dict[str, float | np.ndarray] = {
            "hsc": np.asarray(self.cd34_cells) * self.hsc_per_cd34,
            "st_hspc": np.asarray(self.cd34_cells) * self.st_hspc_per_cd34,
            f"{LODGING}_1": np.asarray(self.cd34_cells) * self.short_term_units_per_cd34,
            "nk_cells": cd3 * ref["nk_cells"] / t_total,
            "b_cells": cd3 * ref["b_cells"] / t_total,
        }
        for p in t_pools:
            out[p] = cd3 * ref[p] / t_sel
        out["trec_cd4"] = out["naive_cd4"] * ref["trec_cd4"] / ref["naive_cd4"]  # graft naive cells carry TRECs
        if not self.autologous:
            # graft CD4 cells drawn from a donor repertoire like the reference adult's: a clonotype of n cells
            # comes with the graft unless all n are left behind; one the same donor's earlier products brought
            # (drawn independently) is not new, so a DLI after a T-replete graft adds almost none
            cd4_ref = sum(ref[p] for p in ("naive_cd4", "cm_cd4", "em_cd4"))
            cd4_graft = sum(out.get(p, 0.0) for p in ("naive_cd4", "cm_cd4", "em_cd4"))
            k_ref = ref["cd4_clonotypes"]
            n = cd4_ref / k_ref
            not_yet = (1.0 - np.minimum(np.asarray(self.donor_cd4_given_before) / cd4_ref, 1.0)) ** n
            out["cd4_clonotypes"] = k_ref * not_yet * (1.0 - (1.0 - np.minimum(cd4_graft / cd4_ref, 1.0)) ** n)
        return out

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        for name, cells in self.composition().items():
            if self.stochastic and name in _COUNTED:
                # few engrafting cells (a small graft, a cord unit): their number is a Poisson draw, so a graft can
                # fail by chance; mature lymphocytes are too many to matter
                cells = np.asarray(rng.poisson(np.asarray(cells, dtype=np.float64)), dtype=np.float64)
            y[..., model.index(origin_name(name, DONOR))] += cells
        return y


#: the graft's per-CD34+ contents a :class:`Transplant` reads from the parameter table when it is built (the
#: transplant kind's ``to_events``): parameter name -> the event's field
GRAFT_CONTENTS = {"engrafting_hsc_per_cd34": "hsc_per_cd34", "graft_short_term_units_per_cd34": "short_term_units_per_cd34",
                  "graft_st_hspc_per_cd34": "st_hspc_per_cd34"}


def with_graft_contents(events: Sequence[Event], per_patient: Mapping[str, np.ndarray],
                        built_with: Callable[[str], float]) -> list[Event]:
    """``events`` with each :class:`Transplant`'s per-CD34+ contents at the per-patient values of the parameters of
    :data:`GRAFT_CONTENTS` among ``per_patient`` (arrays over a batch). The events were built with the values
    ``built_with`` gives (the table with the scenario's overrides): a content is scaled by the patient's value over
    that one, so a source's factor on it (cord blood's potency) stays. The model's builder never reads these
    values, so a batch that varies them (a sensitivity design, a fit) must set them here."""
    varied = {name: field for name, field in GRAFT_CONTENTS.items() if name in per_patient}
    if not varied:
        return list(events)
    out: list[Event] = []
    for ev in events:
        if isinstance(ev, Transplant):
            change: dict[str, Any] = {}
            for name, field in varied.items():
                base, value = built_with(name), np.asarray(per_patient[name], dtype=np.float64)
                built = np.asarray(getattr(ev, field), dtype=np.float64)
                change[field] = value * (built / base) if base != 0 else value  # a content of 0 has no factor left
            ev = replace(ev, **change)
        out.append(ev)
    return out


@dataclass(frozen=True)
class GraftLodging:
    """Model extension of a transplant: infused committed progenitors home and lodge before their progeny
    appear, an Erlang lag (two stages, ``graft_lodging_days`` in all) into the MPP pool. Empty until a graft
    fills its first stage."""

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        m = Module("graft_lodging")
        m.chain(LODGING, "infused progenitors homing and lodging (MPP units)", 2, ctx.p("graft_lodging_days"), 0.0,
                ctx.stem.mpp.compartment, "marrow", "graft_lodging", parameters=("graft_lodging_days",))
        return m, {}


@cache
def reference_lymphocyte_state() -> tuple[tuple[str, float], ...]:
    """The T, B and NK pools of the healthy reference adult (the proportions of a donor's lymphocytes)."""
    model = reference_adult_model()
    return tuple((n, float(model.x0[model.index(n)])) for n in (*T_POOLS, "b_cells", "nk_cells", "trec_cd4",
                                                                      "cd4_clonotypes"))
