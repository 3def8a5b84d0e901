"""``kind: blood_donation`` - whole-blood loss (donation, phlebotomy or haemorrhage) on one day."""

from __future__ import annotations

from typing import Literal

import numpy as np
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
        from hemasim.biology.body import blood_volume_L  # late: the biology package is heavy (goal 1)

        # the loss is capped at the whole blood volume, which leaves no red cells to read a concentration over: Hb
        # and the red-cell count were NaN for the rest of the run (fuzz35 seed 2121: 1214 mL from a 5.2-kg infant,
        # ~0.4 L of blood). Refused before the run, naming the field; a batch's smallest patient decides (a cohort
        # checks each drawn patient before it runs, naming the one: hemasim.cohort.runner.check_blood_losses)
        volume_L = np.min(np.asarray(blood_volume_L(ctx.covariates, ctx.parameters), dtype=np.float64))
        if self.volume_mL >= volume_L * 1000.0:
            index = next((i for i, iv in enumerate(ctx.interventions) if iv is self), None)
            raise ValueError(self.refusal(index, f"the patient ({volume_L * 1000.0:.0f} mL)"))
        return [BloodLoss(self.day, self.volume_mL)]

    def refusal(self, index: int | None, whose: str) -> str:
        """The line that refuses this loss as the whole blood volume of ``whose`` ("the patient (406 mL)") or more,
        naming the field (intervention ``index``; None: unknown); a cohort's check names its patient
        (:func:`hemasim.cohort.runner.check_blood_losses`)."""
        where = f"interventions.{index}.volume_mL" if index is not None else "volume_mL"
        return (f"{where}: {self.volume_mL:g} mL on day {self.day:g} is the whole blood volume of {whose} or more; "
                "the model has no blood left to read counts from")
