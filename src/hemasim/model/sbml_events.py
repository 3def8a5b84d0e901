"""SBML forms of events: each event class maps to the event assignments it stands for.

Intervention kinds register the form of the events they make (:func:`sbml_event_form`), so the SBML
export (:mod:`hemasim.model.sbml`) needs no knowledge of drugs, grafts or radiation. Formulas are SBML L3
infix text; amounts are in items (cells, ug of drug), as the species are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hemasim.events import BloodLoss, Breakpoint, CellDepletion, CellInfusion, Event, clonotype_groups
from hemasim.model.compiled import CompiledModel

__all__ = ["SBMLEventFormError", "event_assignments", "number", "scaled_assignments", "sbml_event_form"]

Assignment = tuple[str, str]  # (species or parameter id, formula)
EventT = TypeVar("EventT", bound=Event)

_FORMS: dict[type[Event], Callable[[CompiledModel, Event], list[Assignment]]] = {}


class SBMLEventFormError(RuntimeError):
    """An event with no registered SBML form."""


def sbml_event_form(event_type: type[EventT]) -> Callable[[Callable[[CompiledModel, EventT], list[Assignment]]],
                                                              Callable[[CompiledModel, EventT], list[Assignment]]]:
    """Register ``fn(model, event) -> [(target id, formula)]`` as the SBML form of ``event_type``."""
    def add(fn: Callable[[CompiledModel, EventT], list[Assignment]]) -> Callable[[CompiledModel, EventT],
                                                                                  list[Assignment]]:
        _FORMS[event_type] = fn  # type: ignore[assignment]  # looked up by the event's own type
        return fn
    return add


def event_assignments(model: CompiledModel, event: Event) -> list[Assignment]:
    """The SBML event assignments of ``event`` (its class, or the nearest base class with a form)."""
    for cls in type(event).__mro__:
        form = _FORMS.get(cls)
        if form is not None:
            return form(model, event)
    raise SBMLEventFormError(f"no SBML form for event {type(event).__name__}")


def number(x: float) -> str:
    """A float as SBML infix text that round-trips exactly."""
    return repr(float(x))


def scaled_assignments(model: CompiledModel, factors: dict[int, float]) -> list[Assignment]:
    """Assignments multiplying states by ``factors``, and the clonal thinning of clonotype richness that goes
    with them (hemasim.events.thin_clonotypes, written out on the pre-event values)."""
    out = [(model.state_names[i], f"{model.state_names[i]} * {number(f)} dimensionless") for i, f in factors.items()]
    for k, cells in clonotype_groups(model):
        if all(factors.get(i, 1.0) == 1.0 for i in cells):
            continue
        total = "(" + " + ".join(model.state_names[i] for i in cells) + ")"
        kept = "(" + " + ".join(f"{number(factors.get(i, 1.0))} dimensionless * {model.state_names[i]}"
                                for i in cells) + ")"
        kname = model.state_names[k]
        out.append((kname, f"piecewise({kname} * (1 dimensionless - pow(1 dimensionless - {kept} / {total}, "
                           f"{total} / {kname})), {kname} > 0 item && {total} > 0 item, {kname})"))
    return out


@sbml_event_form(Breakpoint)
def _breakpoint(model: CompiledModel, event: Breakpoint) -> list[Assignment]:
    return []  # only makes the solver stop at a switch of the model


@sbml_event_form(BloodLoss)
def _blood_loss(model: CompiledModel, event: BloodLoss) -> list[Assignment]:
    if model.info.blood_volume_L is None:
        raise SBMLEventFormError("a blood loss needs a model with a body (blood volume)")
    lost = min(event.volume_mL / (float(model.info.blood_volume_L) * 1000.0), 1.0)  # one patient: one value
    share = model.info.blood_share
    return [(name, f"{name} * {number(1.0 - lost * float(s))} dimensionless") for name, s in share.items()]


@sbml_event_form(CellDepletion)
def _cell_depletion(model: CompiledModel, event: CellDepletion) -> list[Assignment]:
    return scaled_assignments(model, {i: event.surviving_fraction for i in event.targets(model)})


@sbml_event_form(CellInfusion)
def _cell_infusion(model: CompiledModel, event: CellInfusion) -> list[Assignment]:
    return [(event.compartment, f"{event.compartment} + {number(float(event.cells))} item")]
