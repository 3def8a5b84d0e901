"""``kind: gcsf`` - G-CSF support: scheduled doses (e.g. pegfilgrastim day 1 of each cycle) or an on-demand
course that stops when ANC has recovered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from hemasim.events import Event
from hemasim.interventions.base import EventContext, ExtensionOrder, ExtensionRequest, Strict, register
from hemasim.interventions.dosed import RULE_OBSERVABLES, DosedSpec, Schedule, drug_set_of

if TYPE_CHECKING:
    from hemasim.pharmacology.drug_sets import DrugSet

__all__ = ["GcsfSpec", "OnDemand"]


class OnDemand(Strict):
    """Daily doses from ``start_day`` until ANC is above ``until_anc_above`` on ``consecutive_days`` mornings after
    the nadir (the filgrastim label: "if the ANC exceeds 10 x 10^9/L after the expected chemotherapy-induced
    neutropenia"): the mornings above count after ``expected_nadir_day`` when it is given (a day of the run, like
    ``start_day``; e.g. 7 after docetaxel on day 0, the docetaxel label's median time to nadir), else once a morning
    ANC was at or below ``until_anc_above``. The normal ANC before a nadir does not end the course; a course that keeps
    the ANC above the threshold and is given no ``expected_nadir_day`` runs to ``max_doses``
    (hemasim.pharmacology.dosing.OnDemandCourse)."""

    start_day: float = Field(ge=0)
    until_anc_above: float = Field(default=1.0, gt=0, description="1e9/L")
    consecutive_days: int = Field(default=2, ge=1, le=14)
    max_doses: int = Field(default=14, ge=1, le=60)
    expected_nadir_day: float | None = Field(default=None, ge=0, description="day of the run")


@register
class GcsfSpec(DosedSpec):
    """G-CSF support: scheduled doses or an on-demand course (exactly one of the two)."""

    kind: Literal["gcsf"]
    schedule: Schedule | None = None
    on_demand: OnDemand | None = None

    def _kind_fits(self, ds: DrugSet) -> None:
        if not ds.stimulating_effects:
            # a cytotoxic given as G-CSF ran without a word: the dose rules did not apply to it and its plasma
            # concentration mobilised CD34+ cells as G-CSF's does (ux33c); a production effect with emax < 0 (an
            # inhibition) mobilised them too (3 -> 221/uL, review33c)
            what = ("has no effect on blood cells (PK only)" if ds.pk_only else
                    "kills dividing cells" if any(e.acts_on == "proliferation" for e in ds.effects) else
                    "inhibits blood formation: its effects have E < 0")
            raise ValueError(f"drug_set: {ds.name!r} is not a G-CSF (it {what}): give it as kind: chemotherapy")

    @model_validator(mode="after")
    def _one_way(self) -> GcsfSpec:
        if (self.schedule is None) == (self.on_demand is None):
            raise ValueError("give exactly one of schedule or on_demand")
        if self.on_demand is not None and self.route == "iv_infusion":
            raise ValueError("on_demand: daily doses are given subcutaneously or as a bolus, not as infusions")
        if self.schedule is not None:
            self.check_schedule(self.schedule)
        return self

    @property
    def schedule_field(self) -> str:
        return "schedule" if self.schedule is not None else "on_demand"

    @property
    def day(self) -> float:
        if self.schedule is not None:
            return self.schedule.dose_days()[0]
        assert self.on_demand is not None  # _one_way
        return self.on_demand.start_day

    @property
    def last_day(self) -> float:
        if self.schedule is not None:
            return self.schedule.dose_days()[-1] + self.duration_days
        assert self.on_demand is not None  # _one_way
        return self.on_demand.start_day

    def extension_requests(self) -> list[ExtensionRequest]:
        """The drug's PK/PD and its CD34+ mobilisation (hemasim.biology.mobilisation; after every drug)."""
        from hemasim.biology.mobilisation import GcsfMobilisation  # biology piece of this kind only

        ds = drug_set_of(self.drug_set)
        if ds.pk is None:  # refused by check_in; nothing to mobilise with
            return super().extension_requests()
        v1 = ds.pk.central_volume_L.value
        return [*super().extension_requests(),
                ExtensionRequest(ExtensionOrder.OTHER, ("mobilisation", ds.drug), lambda: GcsfMobilisation(ds.drug, v1))]

    def to_events(self, ctx: EventContext) -> list[Event]:
        if self.schedule is not None:
            return [self.regimen(ctx.covariates, self.schedule, ())]
        from hemasim.pharmacology.dosing import OnDemandCourse  # imported when a scenario doses (goal 1)

        od = self.on_demand
        assert od is not None  # _one_way
        ds = drug_set_of(self.drug_set)
        return [OnDemandCourse(od.start_day, ds.drug, self.route, self.amount_ug(ctx.covariates),
                               self.bioavailability(), RULE_OBSERVABLES["anc"], od.until_anc_above,
                               od.consecutive_days, od.max_doses, od.expected_nadir_day)]
