"""``kind: blood_donation`` - whole-blood loss (donation, phlebotomy or haemorrhage) on one day."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hemasim.events import BloodLoss, Event
from hemasim.interventions.base import EventContext, InterventionSpec, register

__all__ = ["BloodDonation"]


@register
class BloodDonation(InterventionSpec):
    """Whole-blood loss (donation, phlebotomy or haemorrhage) on one day."""

    kind: Literal["blood_donation"]
    day: float = Field(ge=0)
    volume_mL: float = Field(gt=0, le=5000)

    @property
    def last_day(self) -> float:
        return self.day

    def to_events(self, ctx: EventContext) -> list[Event]:
        return [BloodLoss(self.day, self.volume_mL)]
