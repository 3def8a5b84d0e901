"""Interventions as events: instantaneous changes of state at a given day (each applies to one patient's state,
or to a cohort's (N, n) states).

The simulation integrates piecewise between event days and applies each event to the state at
its day. Scenario files describe events as data (see :mod:`hemasim.scenario`); these classes are
what they become. New intervention kinds (chemotherapy doses, transplants, vaccines) add events
here or add compartments whose dynamics the events start.
"""

from __future__ import annotations

import heapq
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from hemasim.model.compiled import CompiledModel
from hemasim.model.dying import dying_pairs


@dataclass(frozen=True)
class Event(ABC):
    day: float
    #: events of one day fire in this order, then in the order given: a graft or cell infusion (1) after the day's
    #: conditioning, irradiation, doses and blood loss (0), as
    #: the clinic gives it (flu_tbi_2gy's and tbi_2gy's 2 Gy fall on the graft's day; a transplant listed before the
    #: conditioning irradiated the graft: donor CD4 on day 59 of flu_tbi_2gy 9.4/uL for 47)
    same_day_rank: ClassVar[int] = 0

    @abstractmethod
    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The state just after the event (a new array)."""

    def check(self, model: CompiledModel) -> None:  # noqa: B027 - optional hook
        """Raise ValueError if the event does not fit the model."""

    def fire(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator, log: list[dict[str, Any]]
             ) -> tuple[np.ndarray, list[Event]]:
        """The state after the event and the events it schedules (none by default; a dosing regimen
        schedules its next dose, or delays it, from the state it finds). ``log`` collects what was done."""
        return self.apply(model, x, rng), []

    def expand(self) -> list[Event]:
        """The fixed events this one stands for, when it does not depend on the state (SBML export)."""
        return [self]


@dataclass(frozen=True)
class Breakpoint(Event):
    """No change of state: only a place where integration stops and restarts (a switch in the model,
    such as the start or end of an infusion window)."""

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return x.copy()


def run_events(model: CompiledModel, x: np.ndarray, t0: float, until_day: float, events: Sequence[Event],
               integrate: Callable[[np.ndarray, float, float], np.ndarray], rng: np.random.Generator,
               log: list[dict[str, Any]]) -> np.ndarray:
    """Integrate from ``t0`` to ``until_day`` through ``events`` and the events they schedule.

    ``integrate(x, t_from, t_to)`` advances the state (and records outputs); events are fired in day
    order, those of one day by :attr:`Event.same_day_rank` (grafts and cell infusions after the day's conditioning,
    doses and losses), then in the order they were scheduled; scheduled events past ``until_day`` are dropped.
    Returns the final state.
    """
    queue: list[tuple[float, int, int, Event]] = []
    counter = 0
    for ev in with_window_breakpoints(model, list(events), until_day):
        heapq.heappush(queue, (ev.day, ev.same_day_rank, counter, ev))
        counter += 1
    t = t0
    while queue and queue[0][0] <= until_day + 1e-12:
        day, _, _, ev = heapq.heappop(queue)
        if day > t:
            x = integrate(x, t, day)
            t = day
        x, more = ev.fire(model, x, rng, log)
        for new in more:
            if new.day < day - 1e-12:
                raise ValueError(f"{type(ev).__name__} scheduled an event in the past (day {new.day} < {day})")
            heapq.heappush(queue, (new.day, new.same_day_rank, counter, new))
            counter += 1
    if until_day > t:
        x = integrate(x, t, until_day)
    return x


def with_window_breakpoints(model: CompiledModel, events: list[Event], until_day: float) -> list[Event]:
    """``events`` plus a :class:`Breakpoint` at every WINDOW switch of ``model`` inside (0, until_day)."""
    edges = [d for d in model.window_edges() if 0.0 < d < until_day]
    return sorted([*events, *(Breakpoint(d) for d in edges)], key=lambda e: e.day)


@dataclass(frozen=True)
class BloodLoss(Event):
    """Loss of whole blood (donation, haemorrhage): each compartment loses volume/blood volume of its
    blood-resident share (1 for blood cells, about 2% for lymphocytes, 0 for marrow)."""

    volume_mL: float

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if model.info.blood_volume_L is None:
            raise ValueError("a blood loss needs a model with a body (blood volume); this one has none")
        bv_mL = np.asarray(model.info.blood_volume_L, dtype=np.float64) * 1000.0
        lost = np.minimum(self.volume_mL / bv_mL, 1.0)
        share = model.info.blood_share
        y = x.copy()
        for name, s in share.items():
            y[..., model.index(name)] *= 1.0 - lost * np.asarray(s)
        return y


def clonotype_groups(model: CompiledModel) -> list[tuple[int, list[int]]]:
    """Each clonotype-richness state with the CD4 cell states of the same origin (host, donor or none) whose
    clonotypes it counts (markers such as the TREC-like one excluded)."""
    groups = []
    for k, tags in enumerate(model.state_tags):
        if "clonotypes" in tags:
            origin = {t for t in tags if t.startswith("origin_")}
            groups.append((k, [i for i, t in enumerate(model.state_tags)
                               if "cd4" in t and "thymus_marker" not in t and origin <= t]))
    return groups


def thin_clonotypes(model: CompiledModel, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Clonotype richness after a depletion: a clonotype is lost only if all its cells are. With a share phi
    of the CD4 cells (of the same origin) surviving and n = cells / clonotypes before, a share
    1 - (1 - phi)^n of the clonotypes survives (``after`` carries the cell counts already thinned)."""
    y = after.copy()
    for k, cells in clonotype_groups(model):
        n_before = before[..., cells].sum(axis=-1)
        k_before = before[..., k]
        with np.errstate(divide="ignore", invalid="ignore"):
            phi = np.where(n_before > 0, after[..., cells].sum(axis=-1) / n_before, 1.0)
            size = np.where(k_before > 0, n_before / k_before, 0.0)
        y[..., k] = k_before * (1.0 - (1.0 - np.clip(phi, 0.0, 1.0)) ** size)
    return y


@dataclass(frozen=True)
class CellDepletion(Event):
    """A fraction of the cells survives in every compartment that carries any of ``groups`` and none of
    ``except_groups``, and in the dying copy of each such lymphocyte pool (lethally irradiated cells still in
    blood, :mod:`hemasim.model.dying`): an antibody or an apheresis takes circulating cells whether lethally hit
    or not. ``dying_too=False`` spares the dying copies: a conditioning drug's kill (the cells are already dead;
    a cytotoxic drug does not clear them faster)."""

    groups: Sequence[str]
    surviving_fraction: float
    except_groups: Sequence[str] = ()
    dying_too: bool = True

    def check(self, model: CompiledModel) -> None:
        known = sorted({t for tags in model.state_tags for t in tags})
        for g in (*self.groups, *self.except_groups):
            if g not in known:
                raise ValueError(f"unknown compartment group {g!r}; allowed: {', '.join(known)}")

    def targets(self, model: CompiledModel) -> list[int]:
        hit = [i for i, tags in enumerate(model.state_tags)
               if tags.intersection(self.groups) and not tags.intersection(self.except_groups)]
        if self.dying_too:
            named = set(hit)
            hit += [dying for pool, dying in dying_pairs(model) if pool in named and dying not in named]
        return hit

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        y[..., self.targets(model)] *= self.surviving_fraction
        return thin_clonotypes(model, x, y)


@dataclass(frozen=True)
class CellInfusion(Event):
    """Cells added to one compartment (an infusion; the building block of transplantation), after the day's other
    events as a graft is: 4 Gy and 1e4 HSC/kg on one day gave a 25-fold different HSC count on day 2 by the order
    they were listed in (review34c)."""

    same_day_rank = 1
    compartment: str
    cells: float | np.ndarray  # an array gives one dose per patient of a cohort

    def check(self, model: CompiledModel) -> None:
        if self.compartment not in model.state_names:
            raise ValueError(f"unknown compartment {self.compartment!r}; allowed: {', '.join(model.state_names)}")

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        y[..., model.index(self.compartment)] += self.cells
        return y
