"""``kind: conditioning`` - a conditioning regimen (chemotherapy kills and TBI fractions, from
:mod:`hemasim.pharmacology.conditioning`: a shipped name or a user's regimen file), its first day on
``start_day``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from hemasim.events import Event
from hemasim.interventions.base import EventContext, ExtensionRequest, InterventionSpec, ScenarioFacts, register
from hemasim.interventions.radiation import check_ends_inside, irradiated_lymphocytes_request

__all__ = ["ConditioningSpec"]


@register
class ConditioningSpec(InterventionSpec):
    """A conditioning regimen (see docs/drugs.md and docs/chimerism.md), its first day on ``start_day``."""

    kind: Literal["conditioning"]
    regimen: str = Field(min_length=1, description="name of a shipped regimen (bu_cy, cy_tbi_12gy, flu_bu2, flu_mel, "
                         "tbi_2gy, flu_tbi_2gy, high_dose_melphalan, cy_atg) or path of a regimen YAML file")
    start_day: float = Field(ge=0)

    @field_validator("regimen")
    @classmethod
    def _loadable(cls, value: str) -> str:
        # the regimen files' schema is imported when a regimen is used, not with the scenario schema
        from hemasim.pharmacology.conditioning import RegimenError, load_regimen

        try:
            load_regimen(value)
        except RegimenError as err:
            raise ValueError(str(err)) from None
        return value

    @property
    def day(self) -> float:
        return self.start_day

    @property
    def last_day(self) -> float:
        from hemasim.pharmacology.conditioning import load_regimen

        return self.start_day + load_regimen(self.regimen).last_day

    @property
    def graft_day(self) -> float:
        """The day a graft would be given (the transplant's day 0)."""
        from hemasim.pharmacology.conditioning import load_regimen

        return self.start_day + load_regimen(self.regimen).graft_day

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        check_ends_inside(self, facts, index)

    def to_events(self, ctx: EventContext) -> list[Event]:
        from hemasim.pharmacology.conditioning import conditioning_events
        from hemasim.radiation import dying_share_from_parameters, lq_from_parameters

        return conditioning_events(self.regimen, self.start_day, lq_from_parameters(ctx.parameters),
                                   dying_share_from_parameters(ctx.parameters))

    def extension_requests(self) -> list[ExtensionRequest]:
        from hemasim.pharmacology.conditioning import Tbi, load_regimen

        irradiates = any(isinstance(c, Tbi) for c in load_regimen(self.regimen).components)
        return [irradiated_lymphocytes_request()] if irradiates else []
