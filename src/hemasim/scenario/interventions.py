"""Scenario blocks for the interventions beyond the generic ones: chemotherapy and G-CSF regimens,
radiation and conditioning, transplants, vaccines and infections.

Doses are given per m2 of body surface area (Mosteller), per kg or as a flat amount; schedules are
cycles (``every_days`` x ``cycles``) or day lists; dose rules delay or reduce a cycle when a count is
low on its planned day. Everything is checked here, before any simulation, and errors name the field.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hemasim.biology.body import Covariates, body_surface_area_m2
from hemasim.events import Event
from hemasim.pharmacology.dosing import DoseRule, OnDemandCourse, Regimen

__all__ = ["ChemotherapySpec", "GcsfSpec", "drug_set_of"]

RULE_OBSERVABLES = {"anc": "anc_1e9_per_L", "platelets": "platelets_1e9_per_L"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def drug_set_of(name: str):  # noqa: ANN201 - DrugSet, imported lazily
    from hemasim.pharmacology.drug_sets import DrugSetError, load_drug_set

    try:
        return load_drug_set(name)
    except DrugSetError as err:
        raise ValueError(f"drug_set: {err}") from None


class Schedule(_Strict):
    """Either ``days`` (a list of dose days) or ``start_day`` + ``every_days`` x ``cycles``
    (with optional ``days_in_cycle`` offsets, e.g. [0, 7] for day 1 and 8 of each cycle)."""

    days: list[float] | None = Field(default=None, min_length=1)
    start_day: float | None = Field(default=None, ge=0)
    every_days: float | None = Field(default=None, gt=0)
    cycles: int | None = Field(default=None, ge=1, le=100)
    days_in_cycle: list[float] = Field(default_factory=lambda: [0.0], min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> Schedule:
        cyclic = (self.start_day, self.every_days, self.cycles)
        if self.days is not None:
            if any(v is not None for v in cyclic):
                raise ValueError("give either days, or start_day + every_days + cycles, not both")
            if any(d < 0 for d in self.days) or sorted(self.days) != self.days or len(set(self.days)) != len(self.days):
                raise ValueError("days must be increasing, distinct and >= 0")
        elif any(v is None for v in cyclic):
            raise ValueError("give days, or all of start_day, every_days and cycles")
        if self.days_in_cycle != sorted(set(self.days_in_cycle)) or self.days_in_cycle[0] != 0:
            raise ValueError("days_in_cycle must start at 0 and increase")
        if self.every_days is not None and self.days_in_cycle[-1] >= self.every_days:
            raise ValueError("days_in_cycle must lie inside the cycle (below every_days)")
        return self

    def cycle_starts(self) -> list[float]:
        if self.days is not None:
            return list(self.days)
        return [self.start_day + k * self.every_days for k in range(self.cycles)]  # type: ignore[operator]

    def dose_days(self) -> list[float]:
        days_in = self.days_in_cycle if self.days is None else [0.0]
        return [s + d for s in self.cycle_starts() for d in days_in]


class Rule(_Strict):
    observable: Literal["anc", "platelets"]
    below: float = Field(gt=0, description="threshold, 1e9/L")
    action: Literal["delay", "reduce"]
    delay_days: float = Field(default=7.0, gt=0, le=60)
    max_delays: int = Field(default=2, ge=1, le=10)
    reduce_by_fraction: float = Field(default=0.25, gt=0, lt=1)

    def build(self) -> DoseRule:
        return DoseRule(RULE_OBSERVABLES[self.observable], self.below, self.action, self.delay_days, self.max_delays,
                        self.reduce_by_fraction)


class _Dosed(_Strict):
    drug_set: str = Field(min_length=1, description="name of a shipped drug set or path of a drug-set YAML file")
    dose_mg_per_m2: float | None = Field(default=None, gt=0, le=20000)
    dose_mg_per_kg: float | None = Field(default=None, gt=0, le=1000)
    dose_ug_per_kg: float | None = Field(default=None, gt=0, le=1e6)
    dose_mg: float | None = Field(default=None, gt=0, le=1e5)
    route: Literal["iv_bolus", "iv_infusion", "subcutaneous", "oral"]
    infusion_hours: float | None = Field(default=None, gt=0, le=24 * 14)

    @model_validator(mode="after")
    def _dose_and_route(self) -> _Dosed:
        given = [k for k in ("dose_mg_per_m2", "dose_mg_per_kg", "dose_ug_per_kg", "dose_mg") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of dose_mg_per_m2, dose_mg_per_kg, dose_ug_per_kg or dose_mg")
        ds = drug_set_of(self.drug_set)
        if self.route not in ds.routes:
            raise ValueError(f"route: {self.route!r} is not a route of drug set {ds.name!r} "
                             f"(allowed: {', '.join(ds.routes)})")
        if ds.pk is None:
            raise ValueError(f"drug_set: {ds.name!r} has no PK model and cannot be dosed ({ds.pk_missing_reason.strip()})")
        if (self.route == "iv_infusion") != (self.infusion_hours is not None):
            raise ValueError("infusion_hours: required for route iv_infusion and only for it")
        return self

    def amount_ug(self, cov: Covariates) -> float | np.ndarray:
        if self.dose_mg_per_m2 is not None:
            return self.dose_mg_per_m2 * body_surface_area_m2(cov) * 1000.0
        if self.dose_mg_per_kg is not None:
            return self.dose_mg_per_kg * np.asarray(cov.weight_kg, dtype=np.float64) * 1000.0
        if self.dose_ug_per_kg is not None:
            return self.dose_ug_per_kg * np.asarray(cov.weight_kg, dtype=np.float64)
        return self.dose_mg * 1000.0  # type: ignore[operator]

    def bioavailability(self) -> float:
        ds = drug_set_of(self.drug_set)
        if self.route in ("subcutaneous", "oral") and ds.pk is not None and ds.pk.absorption is not None:
            return ds.pk.absorption.bioavailability.value
        return 1.0

    @property
    def duration_days(self) -> float:
        return (self.infusion_hours or 0.0) / 24.0

    def _regimen(self, cov: Covariates, schedule: Schedule, rules: tuple[DoseRule, ...]) -> Regimen:
        starts = schedule.cycle_starts()
        ds = drug_set_of(self.drug_set)
        return Regimen(starts[0], ds.drug, self.route, self.amount_ug(cov), self.duration_days,
                       self.bioavailability(), cycle_offsets=tuple(s - starts[0] for s in starts),
                       days_in_cycle=tuple(schedule.days_in_cycle) if schedule.days is None else (0.0,), rules=rules)

    def _check_schedule(self, schedule: Schedule) -> None:
        days = schedule.dose_days()
        gaps = np.diff(days)
        if len(gaps) and self.duration_days > 0 and np.min(gaps) < self.duration_days:
            raise ValueError(f"schedule: infusions overlap (a {self.infusion_hours:g}-h infusion, doses "
                             f"{np.min(gaps):g} d apart)")


class ChemotherapySpec(_Dosed):
    """A cytotoxic regimen from a drug set."""

    kind: Literal["chemotherapy"]
    schedule: Schedule
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _schedule_ok(self) -> ChemotherapySpec:
        self._check_schedule(self.schedule)
        return self

    @property
    def day(self) -> float:
        return self.schedule.dose_days()[0]

    @property
    def last_day(self) -> float:
        return self.schedule.dose_days()[-1] + self.duration_days

    def to_events(self, cov: Covariates) -> list[Event]:
        return [self._regimen(cov, self.schedule, tuple(r.build() for r in self.rules))]


class OnDemand(_Strict):
    """Daily doses from ``start_day`` until ANC is above ``until_anc_above`` on ``consecutive_days`` days."""

    start_day: float = Field(ge=0)
    until_anc_above: float = Field(default=1.0, gt=0, description="1e9/L")
    consecutive_days: int = Field(default=2, ge=1, le=14)
    max_doses: int = Field(default=14, ge=1, le=60)


class GcsfSpec(_Dosed):
    """G-CSF support: scheduled doses (e.g. pegfilgrastim day 1 of each cycle) or an on-demand course."""

    kind: Literal["gcsf"]
    schedule: Schedule | None = None
    on_demand: OnDemand | None = None

    @model_validator(mode="after")
    def _one_way(self) -> GcsfSpec:
        if (self.schedule is None) == (self.on_demand is None):
            raise ValueError("give exactly one of schedule or on_demand")
        if self.on_demand is not None and self.route == "iv_infusion":
            raise ValueError("on_demand: daily doses are given subcutaneously or as a bolus, not as infusions")
        if self.schedule is not None:
            self._check_schedule(self.schedule)
        return self

    @property
    def day(self) -> float:
        return self.schedule.dose_days()[0] if self.schedule is not None else self.on_demand.start_day  # type: ignore[union-attr]

    @property
    def last_day(self) -> float:
        if self.schedule is not None:
            return self.schedule.dose_days()[-1] + self.duration_days
        return self.on_demand.start_day  # type: ignore[union-attr]

    def to_events(self, cov: Covariates) -> list[Event]:
        if self.schedule is not None:
            return [self._regimen(cov, self.schedule, ())]
        od = self.on_demand
        ds = drug_set_of(self.drug_set)
        return [OnDemandCourse(od.start_day, ds.drug, self.route, self.amount_ug(cov),  # type: ignore[union-attr]
                               self.bioavailability(), RULE_OBSERVABLES["anc"], od.until_anc_above,  # type: ignore[union-attr]
                               od.consecutive_days, od.max_doses)]  # type: ignore[union-attr]


class RadiationSpec(_Strict):
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
        from hemasim.radiation import fraction_days

        return fraction_days(self.start_day, self.fractions, self.fractions_per_day, self.hours_between)[-1]

    def to_events(self, lq: tuple[tuple[str, float, float], ...]) -> list[Event]:
        from hemasim.radiation import RadiationFraction, fraction_days

        dose = self.total_dose_Gy / self.fractions
        return [RadiationFraction(d, dose, lq) for d in fraction_days(self.start_day, self.fractions,
                                                                      self.fractions_per_day, self.hours_between)]


class ConditioningSpec(_Strict):
    """A named conditioning regimen (see docs/drugs.md), its first day on ``start_day``."""

    kind: Literal["conditioning"]
    regimen: Literal["bu_cy", "cy_tbi_12gy", "flu_mel", "tbi_2gy", "flu_tbi_2gy", "high_dose_melphalan",
                     "cy_atg"]
    start_day: float = Field(ge=0)

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

    def to_events(self, lq: tuple[tuple[str, float, float], ...]) -> list[Event]:
        from hemasim.pharmacology.conditioning import conditioning_events

        return conditioning_events(self.regimen, self.start_day, lq)


CORD_SOURCES = ("cord_blood", "double_cord_blood")

#: Typical CD3+ content of a graft per kg when the scenario does not give it (assumed: the usual
#: order of magnitude; peripheral-blood grafts carry about ten times the T cells of marrow).
DEFAULT_CD3_PER_KG = {"bone_marrow": 2.5e7, "peripheral_blood": 2.5e8, "cord_blood": 1.0e7,
                      "double_cord_blood": 2.0e7}


class TransplantSpec(_Strict):
    """A stem-cell graft on ``day``: source, CD34+ and CD3+ doses per kg of the recipient."""

    kind: Literal["transplant"]
    day: float = Field(ge=0)
    source: Literal["bone_marrow", "peripheral_blood", "cord_blood", "double_cord_blood"]
    donor: Literal["allogeneic", "autologous"] = "allogeneic"
    cd34_per_kg: float = Field(gt=0, le=1e8, description="CD34+ cells per kg of recipient (typical 1e5-2e7)")
    cd3_per_kg: float | None = Field(default=None, ge=0, le=5e9,
                                     description="CD3+ cells per kg (0: T-cell depleted); default by source")
    stochastic_engraftment: bool = Field(
        default=False, description="draw the numbers of engrafting stem and progenitor cells (Poisson, from the "
        "scenario's seed): small grafts can fail by chance")

    @property
    def last_day(self) -> float:
        return self.day

    def cd3(self) -> float:
        return DEFAULT_CD3_PER_KG[self.source] if self.cd3_per_kg is None else self.cd3_per_kg

    def to_events(self, cov: Covariates, params: object) -> list[Event]:
        from hemasim.biology.transplant import Transplant

        w = np.asarray(cov.weight_kg, dtype=np.float64)
        # cord-blood CD34+ cells repopulate more per cell than adult ones: count them in adult-CD34+ equivalents
        potency = params["cord_blood_cd34_potency_fold"].value if self.source in CORD_SOURCES else 1.0  # type: ignore[index]
        return [Transplant(self.day, self.cd34_per_kg * w * potency, self.cd3() * w,
                           params["engrafting_hsc_per_cd34"].value,  # type: ignore[index]
                           params["graft_short_term_units_per_cd34"].value,  # type: ignore[index]
                           params["graft_st_hspc_per_cd34"].value,  # type: ignore[index]
                           naive_t_only=self.source in CORD_SOURCES,
                           autologous=self.donor == "autologous", stochastic=self.stochastic_engraftment)]


class VaccineSpec(_Strict):
    """A vaccine dose on ``day``: ``antigen`` names the response (doses of the same antigen prime and boost
    it); ``dose`` is relative to a standard dose (1)."""

    kind: Literal["vaccine"]
    day: float = Field(ge=0)
    antigen: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=30, description="e.g. tetanus, influenza")
    dose: float = Field(default=1.0, gt=0, le=100, description="relative to a standard dose")

    @property
    def last_day(self) -> float:
        return self.day

    def to_events(self) -> list[Event]:
        from hemasim.biology.vaccine import antigen_state
        from hemasim.events import CellInfusion

        return [CellInfusion(self.day, antigen_state(self.antigen), self.dose)]


class ViralInfectionSpec(_Strict):
    """A viral infection seeded on ``day`` with ``inoculum_tcid50`` (TCID50/mL of nasal wash); ``virus`` names
    it and its antigen, so a ``vaccine`` block with the same antigen primes the antibody response to it."""

    kind: Literal["viral_infection"]
    day: float = Field(ge=0)
    virus: str = Field(default="influenza", pattern=r"^[a-z][a-z0-9_]*$", max_length=30)
    inoculum_tcid50: float = Field(default=0.1, gt=0, le=1e6)

    @property
    def last_day(self) -> float:
        return self.day

    def to_events(self) -> list[Event]:
        from hemasim.biology.viral import virus_state
        from hemasim.events import CellInfusion

        return [CellInfusion(self.day, virus_state(self.virus), self.inoculum_tcid50)]


class InfectionSpec(_Strict):
    """A bacterial infection seeded on ``day`` with ``inoculum_cfu`` bacteria (1e9: a moderate infection
    that a healthy adult clears with a neutrophilia; see docs/immunity.md)."""

    kind: Literal["infection"]
    day: float = Field(ge=0)
    pathogen: Literal["bacteria"] = "bacteria"
    inoculum_cfu: float = Field(default=1e9, gt=0, le=1e11)

    @property
    def last_day(self) -> float:
        return self.day

    def to_events(self) -> list[Event]:
        from hemasim.biology.infection import pathogen_state
        from hemasim.events import CellInfusion

        return [CellInfusion(self.day, pathogen_state(self.pathogen), self.inoculum_cfu)]
