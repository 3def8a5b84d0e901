"""``kind: cell_infusion`` - cells infused into one compartment of the plain (non-chimeric) model, per kg."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hemasim.events import CellInfusion, Event
from hemasim.interventions.base import EventContext, InterventionSpec, ScenarioFacts, register

__all__ = ["CellInfusionSpec"]


@register
class CellInfusionSpec(InterventionSpec):
    """Cells infused into one compartment, dosed per kg body weight."""

    kind: Literal["cell_infusion"]
    day: float = Field(ge=0)
    compartment: Literal["hsc", "mpp", "clp", "neutrophil_progenitor", "erythroid_progenitor",
                         "megakaryocyte_progenitor", "monocyte_progenitor", "naive_cd4", "naive_cd8",
                         "cm_cd4", "em_cd4", "memory_cd8", "b_cells", "nk_cells"]
    cells_per_kg: float = Field(gt=0, le=1e10)

    @property
    def last_day(self) -> float:
        return self.day

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        if facts.is_chimeric:
            raise ValueError(f"interventions.{index}: cell_infusion names a compartment of the plain model; with a "
                             "transplant or a SCID genotype give cells through a transplant instead")

    def to_events(self, ctx: EventContext) -> list[Event]:
        return [CellInfusion(self.day, self.compartment, self.cells_per_kg * ctx.covariates.weight_kg)]
