"""``kind: radiation`` - total-body irradiation in fractions (linear-quadratic kill per compartment class,
:mod:`hemasim.radiation`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from hemasim.events import Event
from hemasim.interventions.base import (
    EventContext,
    ExtensionOrder,
    ExtensionRequest,
    InterventionSpec,
    ScenarioFacts,
    register,
)

if TYPE_CHECKING:
    from hemasim.biology import ModelExtension

# hemasim.radiation (the LQ model, its event and the event's SBML form) is imported when a scenario has the kind
# (docs/performance.md, goal 1)

__all__ = ["RadiationSpec", "check_ends_inside", "irradiated_lymphocytes_request"]


def irradiated_lymphocytes_request() -> ExtensionRequest:
    """The dying copies of the lymphocyte pools that a TBI fraction fills (:class:`hemasim.radiation.
    IrradiatedLymphocytes`), asked for by every kind that irradiates."""
    def build() -> ModelExtension:
        from hemasim.radiation import IrradiatedLymphocytes

        return IrradiatedLymphocytes()
    return ExtensionRequest(ExtensionOrder.OTHER, ("radiation", "irradiated_lymphocytes"), build)


def check_ends_inside(spec: InterventionSpec, facts: ScenarioFacts, index: int) -> None:
    """A course that starts on ``start_day`` must end (``last_day``) inside the scenario."""
    if spec.last_day > facts.duration_days:
        raise ValueError(f"interventions.{index}.start_day: the {spec.kind} ends on day {spec.last_day:g}, after the "
                         f"end of the scenario (duration_days = {facts.duration_days:g})")


@register
class RadiationSpec(InterventionSpec):
    """Total-body irradiation: ``total_dose_Gy`` in ``fractions`` (``fractions_per_day`` a day,
    ``hours_between`` apart), linear-quadratic cell kill per compartment class."""

    kind: Literal["radiation"]
    start_day: float = Field(ge=0)
    total_dose_Gy: float = Field(gt=0, le=20)
    fractions: int = Field(default=1, ge=1, le=40)
    fractions_per_day: int = Field(default=1, ge=1, le=3)
    hours_between: float = Field(default=6.0, ge=4, le=12, description="hours between fractions on the same day")

    @property
    def day(self) -> float:
        return self.start_day

    @property
    def last_day(self) -> float:
        return self.fraction_days()[-1]

    def fraction_days(self) -> list[float]:
        from hemasim.radiation import fraction_days

        return fraction_days(self.start_day, self.fractions, self.fractions_per_day, self.hours_between)

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        check_ends_inside(self, facts, index)

    def to_events(self, ctx: EventContext) -> list[Event]:
        from hemasim.radiation import RadiationFraction, dying_share_from_parameters, lq_from_parameters

        lq, dying = lq_from_parameters(ctx.parameters), dying_share_from_parameters(ctx.parameters)
        dose = self.total_dose_Gy / self.fractions
        return [RadiationFraction(d, dose, lq, dying) for d in self.fraction_days()]

    def extension_requests(self) -> list[ExtensionRequest]:
        return [irradiated_lymphocytes_request()]
