"""``kind: iron_balance`` and ``kind: oral_iron`` - the opt-in iron model of erythropoiesis (hemasim.biology.iron;
docs/model.md, "Iron-limited erythropoiesis").

``iron_balance`` builds the iron model for the whole run (the patient's usual storage iron, by default the cited
stores of the patient's sex); ``oral_iron`` adds a daily elemental-iron supplement for a period (and builds the
iron model with the default stores if no ``iron_balance`` names them). Neither makes events: both act through the
model (a zero-order absorbed flux while the supplement is taken).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
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
from hemasim.model.core import Feedback, FeedbackKind, Module

if TYPE_CHECKING:
    from hemasim.biology.builder import BuildContext

__all__ = ["IronBalanceSpec", "OralIronSpec"]

_EXPLICIT = ("iron", "balance")
_DEFAULT = ("iron", "default")


def _iron_request(storage_iron_mg: float | None, key: tuple[str, str]) -> ExtensionRequest:
    def build() -> object:
        from hemasim.biology.iron import IronBalance

        return IronBalance(storage_iron_mg)

    covers = (_DEFAULT,) if key == _EXPLICIT else ()
    return ExtensionRequest(ExtensionOrder.OTHER, key, build, covers=covers)  # type: ignore[arg-type]


def _refuse_chimeric(facts: ScenarioFacts, index: int, kind: str) -> None:
    if facts.is_chimeric:
        raise ValueError(f"interventions.{index}: {kind} builds the iron model on the plain model's erythroid "
                         "lineage; with a transplant or a SCID genotype the lineage is split by origin, which the iron "
                         "model does not follow")


@register
class IronBalanceSpec(InterventionSpec):
    """The iron model for the whole run: storage and plasma iron, absorption, recycling and an iron-limited marrow."""

    kind: Literal["iron_balance"]
    #: the patient's usual storage iron, mg, at which absorption balances the losses (default: the cited stores of
    #: the patient's sex); a run starts there
    storage_iron_mg: float | None = Field(default=None, gt=0, le=5000)

    @property
    def day(self) -> float:
        return 0.0

    @property
    def last_day(self) -> float:
        return 0.0

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        _refuse_chimeric(facts, index, "iron_balance")
        if sum(isinstance(iv, IronBalanceSpec) for iv in facts.interventions) > 1:
            raise ValueError(f"interventions.{index}: give iron_balance once (it sets the usual stores)")

    def to_events(self, ctx: EventContext) -> list[Event]:
        return []

    def extension_requests(self) -> list[ExtensionRequest]:
        return [_iron_request(self.storage_iron_mg, _EXPLICIT)]


class _OralIron:
    """The supplement's absorbed iron per day into plasma iron, while it is taken: Amax min(D / D_sat, 1) - the same
    for 19 and 38 mg/day (Bialkowski 2017), so it saturates (hepcidin raised by each dose lowers the next dose's
    fractional absorption)."""

    def __init__(self, spec: OralIronSpec) -> None:
        self.spec = spec

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        from hemasim.biology.iron import PLASMA

        s = self.spec
        m = Module("oral_iron")
        window = "oral_iron_taken"
        m.feedbacks.append(Feedback(window, FeedbackKind.WINDOW, (s.day, s.day + s.duration_days)))
        saturation = np.minimum(s.elemental_iron_mg_per_day / ctx.p("oral_iron_saturating_dose_mg"), 1.0)
        m.flow("oral_iron_absorption", "absorption", None, PLASMA,
               ctx.p("oral_iron_absorbed_max_mg_per_day") * saturation, feedbacks=(window,),
               parameters=("oral_iron_absorbed_max_mg_per_day", "oral_iron_saturating_dose_mg"))
        return m, {}


@register
class OralIronSpec(InterventionSpec):
    """A daily oral iron supplement (elemental iron, mg/day) from ``day`` for ``duration_days``."""

    kind: Literal["oral_iron"]
    day: float = Field(ge=0)
    duration_days: float = Field(gt=0, le=36525)
    elemental_iron_mg_per_day: float = Field(gt=0, le=400)

    @property
    def last_day(self) -> float:
        return self.day + self.duration_days

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        _refuse_chimeric(facts, index, "oral_iron")
        if sum(isinstance(iv, OralIronSpec) for iv in facts.interventions) > 1:
            raise ValueError(f"interventions.{index}: give one oral_iron course (its flux is named once)")

    def to_events(self, ctx: EventContext) -> list[Event]:
        return []

    def extension_requests(self) -> list[ExtensionRequest]:
        return [_iron_request(None, _DEFAULT),
                ExtensionRequest(ExtensionOrder.OTHER, ("oral_iron", "course"), lambda: _OralIron(self))]
