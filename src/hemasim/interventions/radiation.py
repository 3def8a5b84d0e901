"""``kind: radiation`` - total-body irradiation in fractions (linear-quadratic kill per compartment class,
:mod:`hemasim.radiation`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from hemasim.events import Event
from hemasim.interventions.base import (
    AfterRunEndColumn,
    EndpointColumn,
    EndpointContext,
    EndpointFamily,
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

__all__ = ["LymphocyteTriage", "RadiationSpec", "check_ends_inside", "irradiated_lymphocytes_request"]

#: hours after a whole-body exposure at which the absolute lymphocyte count is read: the early triage marker of the
#: dose (lymphocyte depletion kinetics), read at 24 and 48 h (docs/getting_started.md, key results). A read-out of the
#: model, not a validation target
TRIAGE_HOURS = (24, 48)


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

    @classmethod
    def endpoint_family(cls, interventions: Sequence[InterventionSpec]) -> EndpointFamily | None:
        # a single exposure's read-out; none for fractionated or repeated ones (LymphocyteTriage)
        return LymphocyteTriage.of_fractions([d for iv in interventions if isinstance(iv, RadiationSpec)
                                              for d in iv.fraction_days()])

    def to_events(self, ctx: EventContext) -> list[Event]:
        from hemasim.radiation import RadiationFraction, dying_share_from_parameters, lq_from_parameters

        lq, dying = lq_from_parameters(ctx.parameters), dying_share_from_parameters(ctx.parameters)
        dose = self.total_dose_Gy / self.fractions
        return [RadiationFraction(d, dose, lq, dying) for d in self.fraction_days()]

    def extension_requests(self) -> list[ExtensionRequest]:
        return [irradiated_lymphocytes_request()]


class LymphocyteTriage(EndpointFamily):
    """The absolute lymphocyte count 24 and 48 h after a single exposure (``exposure_day``): what a physician reads
    first after a whole-body exposure to judge its dose. The model's lymphocytes fall within hours (the lethally hit
    share leaves the blood with t1/2 30 h, :class:`hemasim.radiation.IrradiatedLymphocytes`), so the counts move by
    then. The count between two outputs is read linearly; a time after the run's last output has none ("after the
    end of the run"). Read only where no other fraction is given within 48 h of the first (:meth:`of_fractions`):
    fractions a day apart put one at 24 h, and an output at a fraction's time shows the count after it (12 Gy in 6
    fractions, 2 a day: "24 h" read 0.631, 0.676 an hour earlier; review34); the triage curves are a single
    exposure's."""

    OBSERVABLE = "lymphocytes_1e9_per_L"

    def __init__(self, exposure_day: float) -> None:
        self.exposure_day = exposure_day

    @classmethod
    def of_fractions(cls, fraction_days: Sequence[float]) -> LymphocyteTriage | None:
        """The read-out after the first of ``fraction_days`` (all the run's radiation fractions); None where another
        fraction falls within :data:`TRIAGE_HOURS`' last of it (fractionated or repeated exposures)."""
        if not fraction_days:
            return None
        days = sorted(float(d) for d in fraction_days)
        if len(days) > 1 and days[1] <= days[0] + max(TRIAGE_HOURS) / 24.0 + 1e-9:
            return None
        return cls(days[0])

    @staticmethod
    def name(hours: int) -> str:
        return f"lymphocytes_{hours}h_after_exposure"

    def observables(self, available: Sequence[str]) -> list[str]:
        return [self.OBSERVABLE] if self.OBSERVABLE in available else []

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        from hemasim.endpoints import value_on_day

        if self.OBSERVABLE not in obs:
            return []
        v = np.asarray(obs[self.OBSERVABLE], dtype=np.float64)
        out = []
        for hours in TRIAGE_HOURS:
            day = self.exposure_day + hours / 24.0
            definition = (f"{self.OBSERVABLE} {hours} h after a single radiation exposure (day {day:g} of the run): "
                          "the early triage marker of a whole-body dose (lymphocyte depletion kinetics); a read-out, "
                          "not a validation target")
            if day <= times[-1] + 1e-9:
                out.append(EndpointColumn(self.name(hours), "1e9/L", definition, value_on_day(times, v, day)))
            else:
                out.append(AfterRunEndColumn(self.name(hours), "1e9/L", definition, np.full(v.shape[0], np.nan)))
        return out

    def units(self) -> dict[str, str]:
        return {self.name(h): "1e9/L" for h in TRIAGE_HOURS}
