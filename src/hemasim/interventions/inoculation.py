"""What the infection kinds share: an agent (bacteria, a virus) seeded into its own compartment on ``day``,
with a model extension that carries the antibody response to the agent's antigen, and endpoints counted
from the day of each agent's first inoculation."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from hemasim.events import CellInfusion, Event
from hemasim.interventions.base import (
    EndpointFamily,
    EventContext,
    ExtensionOrder,
    ExtensionRequest,
    InterventionSpec,
    first_days,
)

if TYPE_CHECKING:
    from hemasim.biology import ModelExtension

__all__ = ["InoculationSpec"]


class InoculationSpec(InterventionSpec):
    """An agent seeded on ``day``; subclasses name it, its state, its dose and its model extension."""

    day: float = Field(ge=0)

    #: where the agent's extension goes in the model, and the key it is built once under
    extension_order: ClassVar[ExtensionOrder]
    extension_key: ClassVar[str]

    @property
    def last_day(self) -> float:
        return self.day

    @property
    @abstractmethod
    def agent(self) -> str:
        """The agent's name (also its antigen's)."""

    @abstractmethod
    def inoculum(self) -> tuple[str, float]:
        """The state the agent is seeded into and the amount."""

    @abstractmethod
    def extension(self) -> ModelExtension:
        """The agent's model extension."""

    @classmethod
    @abstractmethod
    def endpoints(cls, first_day_by_agent: Mapping[str, float]) -> EndpointFamily:
        """The agent's endpoint family, from the day of each agent's first inoculation."""

    @classmethod
    def endpoint_family(cls, interventions: Sequence[InterventionSpec]) -> EndpointFamily | None:
        days = first_days(interventions, cls, lambda iv: iv.agent)
        return cls.endpoints(days) if days else None

    def extension_requests(self) -> list[ExtensionRequest]:
        # the agent's module carries the antibody response to its own antigen: a vaccine of that antigen doses it
        return [ExtensionRequest(self.extension_order, (self.extension_key, self.agent), self.extension,
                                 covers=(("antigen", self.agent),))]

    def to_events(self, ctx: EventContext) -> list[Event]:
        state, amount = self.inoculum()
        return [CellInfusion(self.day, state, amount)]
