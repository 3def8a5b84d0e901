"""``kind: iron_balance`` and ``kind: oral_iron`` - the opt-in iron model of erythropoiesis (hemasim.biology.iron;
docs/model.md, "Iron-limited erythropoiesis").

``iron_balance`` builds the iron model for the whole run (in balance at the cited stores of the patient's sex; a
``storage_iron_mg`` given is the stores at the start, an :class:`~hemasim.biology.iron.IronStoresStart` event on day
0); ``oral_iron`` adds a daily elemental-iron supplement for a period (and builds the iron model if no
``iron_balance`` does), a zero-order absorbed flux while the supplement is taken.
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

__all__ = ["IronBalanceSpec", "OralIronCourse", "OralIronSpec"]

#: a course's window opens no earlier than this day (1e-6 day: 0.09 s, 4e-6 mg of absorbed iron): the run's start
#: is the steady state at day 0, which must be the patient's usual balance without the supplement (review33b: a
#: course from day 0 was folded into it, starting a woman on 37.5 mg/day with ~1250 mg of stores instead of 400)
COURSE_OPENS_AFTER_DAY = 1e-6

_EXPLICIT = ("iron", "balance")
_DEFAULT = ("iron", "default")


def _iron_request(key: tuple[str, str]) -> ExtensionRequest:
    def build() -> object:
        from hemasim.biology.iron import IronBalance

        return IronBalance()

    covers = (_DEFAULT,) if key == _EXPLICIT else ()
    return ExtensionRequest(ExtensionOrder.OTHER, key, build, covers=covers)  # type: ignore[arg-type]


#: kinds that kill marrow cells: the iron model loses the iron of killed erythroid cells (a 90% marrow depletion
#: destroys ~130 mg) where the body returns it to the macrophages' stores, so they are refused (review33b);
#: a cell_depletion only where it reaches the marrow's maturing red cells (below)
KILLING_KINDS = ("chemotherapy", "chemotherapy_regimen", "cell_depletion", "radiation", "conditioning")
#: the groups (state tags) of the maturing red cells, which hold iron in the marrow (tests/test_iron.py checks them
#: against the model). A depletion that spares them takes circulating cells out of the body, as a donation does,
#: and their iron leaves with them (the Falz 2014 donation of docs/fit_erythroid_gain.py --iron)
MATURING_RED_CELL_GROUPS = frozenset({"erythroid", "marrow"})


def _kills_in_the_marrow(iv: InterventionSpec) -> bool:
    kind = getattr(iv, "kind", None)
    if kind != "cell_depletion":
        return kind in KILLING_KINDS
    groups, spared = set(getattr(iv, "groups", ())), set(getattr(iv, "except_groups", ()))
    return getattr(iv, "applies_to", "all") == "all" and bool(MATURING_RED_CELL_GROUPS & groups) \
        and not MATURING_RED_CELL_GROUPS & spared


#: the stores, absorption and its ceiling are adults' (Gordeuk 2008, IOM 2001, Garry 1995); no cited source for
#: children's was read, so children are refused rather than given adult stores
ADULT_AGE_YEARS = 18.0


def _out_of_scope(facts: ScenarioFacts, index: int, kind: str) -> list[str]:
    """The iron model's scope (docs/model.md, "Iron-limited erythropoiesis"): an adult, the plain erythroid
    lineage, no marrow-killing intervention. Every problem, one line each (they came one run at a time), said once:
    at the first iron intervention (``index``) only, the model they are about being one."""
    if index != next((i for i, iv in enumerate(facts.interventions) if isinstance(iv, IronBalanceSpec | OralIronSpec)),
                     index):
        return []
    problems = []
    if facts.is_chimeric:
        problems.append(f"interventions.{index}: {kind} builds the iron model on the plain model's erythroid "
                        "lineage; with a transplant or a SCID genotype the lineage is split by origin, which the iron "
                        "model does not follow")
    killing = sorted({str(getattr(iv, "kind", "")) for iv in facts.interventions if _kills_in_the_marrow(iv)})
    if killing:
        problems.append(f"interventions.{index}: {kind} cannot be combined with {', '.join(killing)}: the iron "
                        "model loses the iron of killed erythroid cells instead of returning it to the stores "
                        f"(kinds refused with iron: {', '.join(KILLING_KINDS)}; a cell_depletion only where it "
                        "reaches the marrow's maturing red cells: one of circulating cells is a removal, as a "
                        "donation)")
    if facts.youngest_age_years is not None and facts.youngest_age_years < ADULT_AGE_YEARS:
        problems.append(f"interventions.{index}: {kind} is for adults (18 years or older); the patient (or the "
                        f"cohort's youngest) is {facts.youngest_age_years:g} years: the iron model's stores and "
                        "absorption are adults' and no cited source for children's is in the model")
    return problems


def _check_iron(facts: ScenarioFacts, index: int, kind: str, once: str) -> None:
    """The iron model's scope (:func:`_out_of_scope`) and one intervention of ``kind`` (``once``: why), every problem
    in one ValueError, a line each (the scenario prints each as a line of its own)."""
    problems = _out_of_scope(facts, index, kind)
    first = next((i for i, iv in enumerate(facts.interventions) if getattr(iv, "kind", None) == kind), index)
    if index != first:  # the second and later of the kind, not the first, are what to remove
        problems.append(f"interventions.{index}: {once} (interventions.{first} is one already)")
    if problems:
        raise ValueError("\n".join(problems))


@register
class IronBalanceSpec(InterventionSpec):
    """The iron model for the whole run: storage and plasma iron, absorption, recycling and an iron-limited marrow."""

    kind: Literal["iron_balance"]
    #: storage iron at the start, mg (default: the cited stores of the patient's sex, the set point where absorption
    #: balances the obligatory loss; away from it the stores move back towards it as absorption answers them)
    storage_iron_mg: float | None = Field(default=None, gt=0, le=5000)

    @property
    def day(self) -> float:
        return 0.0

    @property
    def last_day(self) -> float:
        return 0.0

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        _check_iron(facts, index, "iron_balance", "give iron_balance once (it sets the usual stores)")

    def to_events(self, ctx: EventContext) -> list[Event]:
        from hemasim.biology.iron import IronStoresStart

        return [] if self.storage_iron_mg is None else [IronStoresStart(0.0, self.storage_iron_mg)]

    def extension_requests(self) -> list[ExtensionRequest]:
        return [_iron_request(_EXPLICIT)]


class OralIronCourse:
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
        opens = max(s.day, COURSE_OPENS_AFTER_DAY)  # closed at the steady state, whatever the start day
        m.feedbacks.append(Feedback(window, FeedbackKind.WINDOW, (opens, s.day + s.duration_days)))
        saturation = np.minimum(s.elemental_iron_mg_per_day / ctx.p("oral_iron_saturating_dose_mg_per_day"), 1.0)
        m.flow("oral_iron_absorption", "absorption", None, PLASMA,
               ctx.p("oral_iron_absorbed_max_mg_per_day") * saturation, feedbacks=(window,),
               parameters=("oral_iron_absorbed_max_mg_per_day", "oral_iron_saturating_dose_mg_per_day"))
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
        _check_iron(facts, index, "oral_iron", "give one oral_iron course (its flux is named once)")

    def to_events(self, ctx: EventContext) -> list[Event]:
        return []

    def extension_requests(self) -> list[ExtensionRequest]:
        return [_iron_request(_DEFAULT),
                ExtensionRequest(ExtensionOrder.OTHER, ("oral_iron", "course"), lambda: OralIronCourse(self))]
