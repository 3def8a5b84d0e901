"""``kind: chemotherapy`` - a cytotoxic regimen from a drug set, with dose rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from hemasim.events import Event
from hemasim.interventions.base import EventContext, register
from hemasim.interventions.dosed import DosedSpec, Rule, Schedule

if TYPE_CHECKING:
    from hemasim.pharmacology.drug_sets import DrugSet

__all__ = ["ChemotherapySpec"]


@register
class ChemotherapySpec(DosedSpec):
    """A cytotoxic regimen from a drug set."""

    kind: Literal["chemotherapy"]
    schedule: Schedule
    rules: list[Rule] = Field(default_factory=list)

    def _kind_fits(self, ds: DrugSet) -> None:
        # a G-CSF given as chemotherapy ran without a word: its doses obeyed the dose rules and counted as cycles, and it
        # mobilised no CD34+ cells (ux33c). Decided by the effect's sign: a production effect with emax < 0 inhibits
        # blood formation (an indirect-response myelosuppressant) and is a chemotherapy (review33c)
        if stim := ds.stimulating_effects:
            raise ValueError(f"drug_set: {ds.name!r} stimulates blood formation (its effects act on "
                             f"{', '.join(dict.fromkeys(e.acts_on for e in stim))} with E > 0), it kills nothing: "
                             "give it as kind: gcsf")

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
