"""``kind: immunosuppression`` (post-transplant GVHD prophylaxis) and ``kind: donor_lymphocyte_infusion``:
the two interventions that shape mixed chimerism through donor T-cell alloreactivity against host
haematopoiesis (:mod:`hemasim.biology.alloreactivity`, docs/chimerism.md).

Either adds the alloreactive kill of host stem, progenitor and lymphoid cells by donor memory T cells to the
model; immunosuppression removes a fraction of it while it is given; a donor lymphocyte infusion adds donor T
cells (and so alloreactivity). Both call for the lineage chimerism endpoints and report section.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, model_validator

from hemasim.biology.transplant import Transplant
from hemasim.events import Event
from hemasim.interventions.base import (
    EndpointFamily,
    EventContext,
    ExtensionOrder,
    ExtensionRequest,
    InterventionSpec,
    ScenarioFacts,
    register,
)
from hemasim.interventions.chimerism import LINEAGE_SECTION, LineageChimerism
from hemasim.interventions.transplant import TransplantSpec, graft_day

if TYPE_CHECKING:
    from hemasim.biology.alloreactivity import Immunosuppression

__all__ = ["IMMUNOSUPPRESSION_SCOPE", "DonorLymphocyteInfusionSpec", "ImmunosuppressionSpec", "alloreactivity_request"]

#: what the model's immunosuppression does not do, in the report's interventions list and vaccine section: a transplant
#: physician read a tetanus relative response of 0.2918 with ciclosporin beside 0.2923 without (ux36) and took it for
#: a drug without effect on the response, where the model has no path from the drug to T or B cells
IMMUNOSUPPRESSION_SCOPE = ("In the model immunosuppression acts only on the donor T cells' alloreactive kill of host "
                           "cells: it does not slow T-cell recovery nor lower a vaccine response, as calcineurin "
                           "inhibitors do in patients (a vaccine response or a T-cell count reads the same with it or "
                           "without).")


def alloreactivity_request() -> ExtensionRequest:
    """The alloreactive kill of host haematopoiesis by donor T cells (one per model)."""
    from hemasim.biology.alloreactivity import GraftVersusHaematopoiesis  # imported when a scenario has the kind

    return ExtensionRequest(ExtensionOrder.OTHER, ("graft", "alloreactivity"), GraftVersusHaematopoiesis)


def _needs_graft(spec: InterventionSpec, facts: ScenarioFacts, index: int) -> None:
    if not any(isinstance(iv, TransplantSpec) and iv.donor == "allogeneic" for iv in facts.interventions):
        raise ValueError(f"interventions.{index}: {spec.kind} acts on donor T cells; the scenario needs an "
                         "allogeneic transplant")


@register
class ImmunosuppressionSpec(InterventionSpec):
    """Post-transplant immunosuppression from ``start_day`` to ``end_day`` (scenario days), then tapered to none
    over ``taper_days``; while given it removes ``inhibition`` of the donor T cells' kill of host cells."""

    kind: Literal["immunosuppression"]
    agent: Literal["ciclosporin", "tacrolimus", "ciclosporin_mycophenolate", "tacrolimus_methotrexate", "other"] = (
        "ciclosporin")
    start_day: float = Field(ge=0)
    end_day: float = Field(gt=0, description="last day at full dose (scenario days)")
    taper_days: float = Field(default=0.0, ge=0, le=365, description="days of taper to none after end_day")
    inhibition: float | None = Field(default=None, ge=0, le=1, description="fraction of the alloreactive kill "
                                     "removed at full dose (default: immunosuppression_alloreactivity_inhibition)")

    makes_chimeric = True
    report_section = LINEAGE_SECTION

    @model_validator(mode="after")
    def _order(self) -> ImmunosuppressionSpec:
        if self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day:g}) must come after start_day ({self.start_day:g})")
        return self

    @property
    def day(self) -> float:
        return self.start_day

    @property
    def last_day(self) -> float:
        return self.end_day + self.taper_days

    @classmethod
    def endpoint_family(cls, interventions: Sequence[InterventionSpec]) -> EndpointFamily | None:
        return LineageChimerism.of(interventions)

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        _needs_graft(self, facts, index)
        # no check of the course's end: the course is a window of the model (no event), so one that runs on past the
        # run's end is simply cut there, as a patient simulated for 100 days of a 180-day ciclosporin course is, and
        # shortening a scenario keeps its prophylaxis (gvhd35's examples); a start after the end is refused with every
        # intervention's day

    def course(self) -> Immunosuppression:
        """The course as a model extension (inhibition None: the parameter, read when the model is built)."""
        from hemasim.biology.alloreactivity import Immunosuppression

        return Immunosuppression(f"{self.agent}_{self.start_day:g}_{self.end_day:g}".replace(".", "p"),
                                 self.start_day, self.end_day, self.inhibition, self.taper_days)

    def extension_requests(self) -> list[ExtensionRequest]:
        course = self.course()
        return [alloreactivity_request(),
                ExtensionRequest(ExtensionOrder.OTHER, ("immunosuppression", course.name), lambda: course)]

    def to_events(self, ctx: EventContext) -> list[Event]:
        return []  # the course is a switch in the model (window feedbacks), not an event


@register
class DonorLymphocyteInfusionSpec(InterventionSpec):
    """Donor lymphocytes (CD3+ cells per kg of the recipient, with the graft donor's B and NK cells in blood
    proportions) infused on ``day`` after an allogeneic graft; their T cells add to the alloreactive kill."""

    kind: Literal["donor_lymphocyte_infusion"]
    day: float = Field(ge=0)
    cd3_per_kg: float = Field(gt=0, le=5e9, description="CD3+ cells per kg (usual escalating doses 1e5-1e8)")

    makes_chimeric = True
    report_section = LINEAGE_SECTION

    @property
    def last_day(self) -> float:
        return self.day

    @classmethod
    def endpoint_family(cls, interventions: Sequence[InterventionSpec]) -> EndpointFamily | None:
        return ImmunosuppressionSpec.endpoint_family(interventions)

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        _needs_graft(self, facts, index)
        graft = graft_day(facts.interventions)
        if graft is not None and self.day <= graft:
            raise ValueError(f"interventions.{index}.day: a donor lymphocyte infusion comes after the graft (day "
                             f"{graft:g})")

    def extension_requests(self) -> list[ExtensionRequest]:
        return [alloreactivity_request()]

    def to_events(self, ctx: EventContext) -> list[Event]:
        w = np.asarray(ctx.covariates.weight_kg, dtype=np.float64)
        params = ctx.parameters
        # the same donor's CD4 cells given before (the allogeneic grafts, earlier DLIs): their clonotypes are not new
        # (counted as new, a 1e7/kg DLI after a T-replete graft raised the whole-body CD4 richness 1.67e8 -> 2.83e8)
        before = [ev for iv in ctx.interventions if iv.day < self.day and iv is not self
                  and ((isinstance(iv, TransplantSpec) and iv.donor == "allogeneic")
                       or isinstance(iv, DonorLymphocyteInfusionSpec)) for ev in iv.to_events(ctx)]
        given = sum((_cd4_cells(ev) for ev in before if isinstance(ev, Transplant)), np.zeros_like(w))
        # a graft without stem or progenitor cells: the Transplant event places the T, B and NK cells
        return [Transplant(self.day, 0.0, self.cd3_per_kg * w, params.value("engrafting_hsc_per_cd34"),
                           params.value("graft_short_term_units_per_cd34"), params.value("graft_st_hspc_per_cd34"),
                           donor_cd4_given_before=given)]


def _cd4_cells(graft: Transplant) -> np.ndarray:
    """The CD4 T cells a graft's event places (its T-cell pools' share of its CD3+ cells)."""
    parts = graft.composition()
    return np.asarray(sum(np.asarray(parts.get(p, 0.0), dtype=np.float64) for p in ("naive_cd4", "cm_cd4", "em_cd4")))
