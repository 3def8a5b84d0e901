"""``kind: conditioning`` - a named conditioning regimen (chemotherapy kills and TBI fractions, from
:mod:`hemasim.pharmacology.conditioning`), its first day on ``start_day``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hemasim.events import Event
from hemasim.interventions.base import EventContext, InterventionSpec, ScenarioFacts, register
from hemasim.interventions.radiation import check_ends_inside
from hemasim.pharmacology.conditioning import conditioning_events, load_regimen
from hemasim.radiation import lq_from_parameters

__all__ = ["ConditioningSpec"]


@register
class ConditioningSpec(InterventionSpec):
    """A named conditioning regimen (see docs/drugs.md), its first day on ``start_day``."""

    kind: Literal["conditioning"]
    regimen: Literal["bu_cy", "cy_tbi_12gy", "flu_mel", "tbi_2gy", "flu_tbi_2gy", "high_dose_melphalan",
                     "cy_atg"]
    start_day: float = Field(ge=0)

    @property
    def day(self) -> float:
        return self.start_day

    @property
    def last_day(self) -> float:
        return self.start_day + load_regimen(self.regimen).last_day

    @property
    def graft_day(self) -> float:
        """The day a graft would be given (the transplant's day 0)."""
        return self.start_day + load_regimen(self.regimen).graft_day

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        check_ends_inside(self, facts, index)

    def to_events(self, ctx: EventContext) -> list[Event]:
        return conditioning_events(self.regimen, self.start_day, lq_from_parameters(ctx.parameters))
