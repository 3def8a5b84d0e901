"""``kind: chemotherapy`` - a cytotoxic regimen from a drug set, with dose rules."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hemasim.events import Event
from hemasim.interventions.base import EventContext, register
from hemasim.interventions.dosed import DosedSpec, Rule, Schedule

__all__ = ["ChemotherapySpec"]


@register
class ChemotherapySpec(DosedSpec):
    """A cytotoxic regimen from a drug set."""

    kind: Literal["chemotherapy"]
    schedule: Schedule
    rules: list[Rule] = Field(default_factory=list)


    @model_validator(mode="after")
    def _schedule_ok(self) -> ChemotherapySpec:
        self.check_schedule(self.schedule)
        return self

    @property
    def day(self) -> float:
        return self.schedule.dose_days()[0]

    @property
    def last_day(self) -> float:
        return self.schedule.dose_days()[-1] + self.duration_days

    def to_events(self, ctx: EventContext) -> list[Event]:
        return [self.regimen(ctx.covariates, self.schedule, tuple(r.build() for r in self.rules))]
