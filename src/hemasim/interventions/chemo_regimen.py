"""``kind: chemotherapy_regimen`` - a named combination regimen (FAC, AC then docetaxel, docetaxel with
pegfilgrastim...) from a regimen file, given as the chemotherapy and G-CSF interventions it stands for."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationError, model_validator

from hemasim._schema import MAX_DURATION_DAYS, validation_problems
from hemasim.events import Event
from hemasim.interventions.base import (
    EndpointFamily,
    EventContext,
    ExtensionRequest,
    InterventionSpec,
    ScenarioFacts,
    register,
)
from hemasim.interventions.chemotherapy import ChemotherapySpec
from hemasim.interventions.dosed import DosedSpec, Rule, drug_endpoints
from hemasim.interventions.gcsf import GcsfSpec

if TYPE_CHECKING:
    from hemasim.pharmacology.chemo_regimens import ChemoRegimen

__all__ = ["ChemoRegimenSpec"]


def regimen_of(name: str) -> ChemoRegimen:
    """The regimen ``name`` (shipped name or path); a ValueError naming the field when it cannot be loaded."""
    # the regimen files' schema is imported when a regimen is used, not with the scenario schema
    from hemasim.pharmacology.chemo_regimens import RegimenError, load_chemo_regimen

    try:
        return load_chemo_regimen(name)
    except RegimenError as err:
        raise ValueError(f"regimen: {err}") from None


@register
class ChemoRegimenSpec(InterventionSpec):
    """A combination regimen file, started on ``start_day``; ``rules`` act on each of its chemotherapy drugs
    (each drug's later cycles keep their spacing after a delay; a later phase keeps its planned start)."""

    kind: Literal["chemotherapy_regimen"]
    regimen: str = Field(min_length=1, description="name of a shipped regimen or path of a regimen YAML file")
    start_day: float = Field(default=0.0, ge=0, le=MAX_DURATION_DAYS)
    rules: list[Rule] = Field(default_factory=list)

    report_section = DosedSpec.report_section

    @model_validator(mode="after")
    def _parts_valid(self) -> ChemoRegimenSpec:
        self.dosed_parts()  # a drug of the file that cannot be given (unknown set, wrong route, no PK): named there
        return self

    def dosed_parts(self) -> list[DosedSpec]:
        """The chemotherapy and G-CSF interventions the regimen stands for, one per drug and phase; a drug that
        cannot be given is a ValueError naming the regimen's file (or shipped name) and the drug's field in it
        (``regimen: my.yaml: phases.1.drugs.0.route: ...``; it named the regimen's name and the scenario field
        alone)."""
        return [part for _, part in self.dosed_parts_by_field()]

    def dosed_parts_by_field(self) -> list[tuple[str, DosedSpec]]:
        """:meth:`dosed_parts`, each with the drug's field in the regimen's file (``phases.1.drugs.0``): what a
        warning about a part names (review27: a G-CSF clash in a regimen named the scenario's ``schedule``, a field
        the regimen does not have)."""
        reg = regimen_of(self.regimen)
        parts: list[tuple[str, DosedSpec]] = []
        for i, (phase, start) in enumerate(zip(reg.phases, reg.phase_starts(), strict=True)):
            for j, drug in enumerate(phase.drugs):
                first = drug.days_in_cycle[0]  # a drug first given on day 2 of each cycle starts a day later
                schedule = {"start_day": self.start_day + start + first, "every_days": phase.cycle_length_days.value,
                            "cycles": int(phase.cycles.value), "days_in_cycle": [d - first for d in drug.days_in_cycle]}
                common = {"drug_set": drug.drug_set, "route": drug.route, "schedule": schedule,
                          **drug.dose_fields()}
                try:
                    part: DosedSpec = GcsfSpec.model_validate({"kind": "gcsf", **common}) if drug.kind == "gcsf" \
                        else ChemotherapySpec.model_validate({"kind": "chemotherapy", "rules": list(self.rules),
                                                              **common})
                    parts.append((f"phases.{i}.drugs.{j}", part))
                except ValidationError as err:  # its first problem as a scenario's are written, at the drug
                    line = validation_problems(err)[0].removeprefix("top level")
                    raise ValueError(f"regimen: {self.regimen}: phases.{i}.drugs.{j}"
                                     f"{'' if line.startswith(':') else '.'}{line}") from None
        return parts

    @property
    def day(self) -> float:
        return min(p.day for p in self.dosed_parts())

    @property
    def last_day(self) -> float:
        return max(p.last_day for p in self.dosed_parts())

    @classmethod
    def endpoint_family(cls, interventions: Sequence[InterventionSpec]) -> EndpointFamily | None:
        return drug_endpoints(interventions)

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        parts = self.dosed_parts()
        last = max(parts, key=lambda p: p.last_day)
        if last.last_day > facts.duration_days:  # named as the user wrote it: a regimen from a start day, no schedule
            raise ValueError(
                f"interventions.{index}.regimen: {self.regimen} from start_day {self.start_day:g}: "
                f"{last.last_dose_text(named=True)} is after the end of the scenario (duration_days = "
                f"{facts.duration_days:g}); it needs duration_days >= {math.ceil(last.last_day):g}")
        for part in parts:
            part.check_in(facts, index)

    def to_events(self, ctx: EventContext) -> list[Event]:
        return [ev for part in self.dosed_parts() for ev in part.to_events(ctx)]

    def extension_requests(self) -> list[ExtensionRequest]:
        return [r for part in self.dosed_parts() for r in part.extension_requests()]
