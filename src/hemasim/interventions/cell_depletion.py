"""``kind: cell_depletion`` - a generic cytotoxic hit: a fraction of the cells in the named groups survives; or,
with ``applies_to: circulating``, a collection from the blood (apheresis) that takes a share of the circulating
cells only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal, get_args

import numpy as np
from pydantic import Field

from hemasim.events import CellDepletion, Event, thin_clonotypes
from hemasim.interventions.base import EventContext, InterventionSpec, ScenarioFacts, register
from hemasim.model.compiled import CompiledModel
from hemasim.model.sbml_events import Assignment, SBMLEventFormError, sbml_event_form, scaled_assignments

__all__ = ["CellDepletionSpec", "CirculatingCellCollection", "Group"]

Group = Literal["hsc", "progenitor", "precursor", "lymphoid_progenitor", "marrow", "blood", "myeloid", "erythroid",
                "megakaryocytic", "lymphocyte", "b_cell", "nk", "t_cell", "cd4", "cd8", "thymus"]


@dataclass(frozen=True)
class CirculatingCellCollection(CellDepletion):
    """A collection from the blood: of the targeted compartments' circulating cells a fraction survives, so a
    compartment whose cells circulate with share b (``model.info.blood_share``; 0 for a compartment that is not
    in blood) keeps 1 - (1 - surviving_fraction) b of its cells. A pool in fast equilibrium with the blood (the
    splenic platelets, tissue lymphocytes) is part of such a compartment: it shares the loss at once, so the
    collection lowers the count by (1 - surviving_fraction) b, less than the share it took of the circulating
    cells (an apheresis yield over the count's fall: 1/b)."""

    def factors(self, model: CompiledModel) -> dict[int, np.ndarray]:
        share = model.info.blood_share
        lost = 1.0 - self.surviving_fraction
        return {i: 1.0 - lost * np.asarray(share[model.state_names[i]], dtype=np.float64)
                for i in self.targets(model) if model.state_names[i] in share}

    def check(self, model: CompiledModel) -> None:
        super().check(model)
        if not self.factors(model):
            raise ValueError(f"a collection from the circulation (groups {list(self.groups)}, except "
                             f"{list(self.except_groups)}) reaches no compartment with circulating cells")

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        for i, factor in self.factors(model).items():
            y[..., i] *= factor
        return thin_clonotypes(model, x, y)


@sbml_event_form(CirculatingCellCollection)
def _circulating_collection(model: CompiledModel, event: CirculatingCellCollection) -> list[Assignment]:
    factors = event.factors(model)
    if any(np.ndim(f) for f in factors.values()):
        raise SBMLEventFormError("a collection from the circulation is written for one patient (blood shares "
                                 "differ between this cohort's patients)")
    return scaled_assignments(model, {i: float(f) for i, f in factors.items()})


@register
class CellDepletionSpec(InterventionSpec):
    """A generic cytotoxic hit: a fraction of the cells in the named groups (minus the excepted) survives. With
    ``applies_to: circulating`` the fraction is of the circulating cells only (a collection, e.g. a
    plateletpheresis whose yield was this share of the circulating platelets); the default ``all`` takes it of
    every cell of the compartments, wherever they are."""

    kind: Literal["cell_depletion"]
    day: float = Field(ge=0)
    groups: list[Group] = Field(min_length=1)
    except_groups: list[Group] = Field(default_factory=list)
    surviving_fraction: float = Field(ge=0, le=1)
    applies_to: Literal["all", "circulating"] = "all"

    @property
    def last_day(self) -> float:
        return self.day

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        # a hit that reaches no compartment was refused only as the run began, in a line that named no field
        # (`hemasim check` called the scenario valid), or, for `all`, ran as no hit at all (fuzz35, seed 311)
        reached = [(tags, circulates) for tags, circulates in _reference_compartments()
                   if tags.intersection(self.groups) and not tags.intersection(self.except_groups)]
        excepted = f" except {', '.join(self.except_groups)}" if self.except_groups else ""
        if not reached:
            raise ValueError(f"interventions.{index}.groups: {', '.join(self.groups)}{excepted} reaches no "
                             "compartment (each compartment in the groups is in an excepted one too)")
        if self.applies_to == "circulating" and not any(c for _, c in reached):
            raise ValueError(f"interventions.{index}.applies_to: circulating: {', '.join(self.groups)}{excepted} "
                             "holds no compartment with circulating cells (groups that do: "
                             + ", ".join(g for g in get_args(Group) if any(g in t and c for t, c in
                                                                           _reference_compartments())) + ")")

    def to_events(self, ctx: EventContext) -> list[Event]:
        event = CirculatingCellCollection if self.applies_to == "circulating" else CellDepletion
        return [event(self.day, tuple(self.groups), self.surviving_fraction, tuple(self.except_groups))]


@cache
def _reference_compartments() -> tuple[tuple[frozenset[str], bool], ...]:
    """Each state of the healthy model as (its groups, whether its cells circulate): what a depletion's groups can
    reach. The chimeric and SCID models copy or drop compartments but give no compartment new groups."""
    from hemasim.biology import healthy_human_model  # built once, only for a scenario with a depletion (~0.4 s)

    model = healthy_human_model().compile()
    share = model.info.blood_share
    return tuple((tags, name in share) for name, tags in zip(model.state_names, model.state_tags, strict=True))
