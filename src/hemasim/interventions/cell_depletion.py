"""``kind: cell_depletion`` - a generic cytotoxic hit: a fraction of the cells in the named groups survives."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hemasim.events import CellDepletion, Event
from hemasim.interventions.base import EventContext, InterventionSpec, register

__all__ = ["CellDepletionSpec", "Group"]

Group = Literal["hsc", "progenitor", "precursor", "lymphoid_progenitor", "marrow", "blood", "myeloid", "erythroid",
                "megakaryocytic", "lymphocyte", "b_cell", "nk", "t_cell", "cd4", "cd8", "thymus"]


@register
class CellDepletionSpec(InterventionSpec):
    """A generic cytotoxic hit: a fraction of the cells in the named groups (minus the excepted) survives."""

    kind: Literal["cell_depletion"]
    day: float = Field(ge=0)
    groups: list[Group] = Field(min_length=1)
    except_groups: list[Group] = Field(default_factory=list)
    surviving_fraction: float = Field(ge=0, le=1)

    @property
    def last_day(self) -> float:
        return self.day

    def to_events(self, ctx: EventContext) -> list[Event]:
        return [CellDepletion(self.day, tuple(self.groups), self.surviving_fraction, tuple(self.except_groups))]
