"""Interventions as events (each applies to one patient's state, or to a cohort's (N, n) states): instantaneous changes of state at a given day.

The simulation integrates piecewise between event days and applies each event to the state at
its day. Scenario files describe events as data (see :mod:`hemasim.scenario`); these classes are
what they become. New intervention kinds (chemotherapy doses, transplants, vaccines) add events
here or add compartments whose dynamics the events start.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hemasim.model.compiled import CompiledModel


@dataclass(frozen=True)
class Event(ABC):
    day: float

    @abstractmethod
    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The state just after the event (a new array)."""

    def check(self, model: CompiledModel) -> None:  # noqa: B027 - optional hook
        """Raise ValueError if the event does not fit the model."""


@dataclass(frozen=True)
class Breakpoint(Event):
    """No change of state: only a place where integration stops and restarts (a switch in the model,
    such as the start or end of an infusion window)."""

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return x.copy()


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
        bv_mL = np.asarray(model.metadata["blood_volume_L"], dtype=np.float64) * 1000.0
        lost = np.minimum(self.volume_mL / bv_mL, 1.0)
        share = model.metadata["blood_share"]
        y = x.copy()
        for name, s in share.items():  # type: ignore[union-attr]
            y[..., model.index(name)] *= 1.0 - lost * np.asarray(s)
        return y


@dataclass(frozen=True)
class CellDepletion(Event):
    """A fraction of the cells survives in every compartment that carries any of ``groups`` and none of
    ``except_groups``."""

    groups: Sequence[str]
    surviving_fraction: float
    except_groups: Sequence[str] = ()

    def check(self, model: CompiledModel) -> None:
        known = sorted({t for tags in model.state_tags for t in tags})
        for g in (*self.groups, *self.except_groups):
            if g not in known:
                raise ValueError(f"unknown compartment group {g!r}; allowed: {', '.join(known)}")

    def targets(self, model: CompiledModel) -> list[int]:
        return [i for i, tags in enumerate(model.state_tags)
                if tags.intersection(self.groups) and not tags.intersection(self.except_groups)]

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        y[..., self.targets(model)] *= self.surviving_fraction
        return y


@dataclass(frozen=True)
class CellInfusion(Event):
    """Cells added to one compartment (an infusion; the building block of transplantation)."""

    compartment: str
    cells: float | np.ndarray  # an array gives one dose per patient of a cohort

    def check(self, model: CompiledModel) -> None:
        if self.compartment not in model.state_names:
            raise ValueError(f"unknown compartment {self.compartment!r}; allowed: {', '.join(model.state_names)}")

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        y[..., model.index(self.compartment)] += self.cells
        return y
