"""The modelling core: compartments, flows, feedbacks, observables, modules and models.

A model is a set of cell (or signal) compartments joined by flows. Every flow has the form

    flux = rate * x[source] * prod(feedback values)        (cells/day)

(``x[source]`` is 1 for a zero-order source), removes ``consume * flux`` from its source and
adds ``yield_ * flux`` to its target. That one form covers self-renewal, differentiation with
amplification, maturation, death, egress and thymic export, and it is what the compiled kernel
and the SBML export both read. Feedbacks are bounded functions of a *signal* (a weighted sum of
compartments) or of age; observables are weighted sums of compartments and fluxes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np

from hemasim.model.info import ModelInfo

if TYPE_CHECKING:
    from hemasim.model.compiled import CompiledModel
    from hemasim.parameters import ParameterSet


#: A number, or an array of numbers with one entry per patient (a cohort compiled in one go).
Value = float | np.ndarray


def as_value(x: object) -> Value:
    """A float for scalars; a float array (one entry per patient) otherwise."""
    arr = np.asarray(x, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


class FeedbackKind(IntEnum):
    """The closed set of feedback laws the kernel knows (strategy by data, not by string)."""

    #: g = (1 + c) / (1 + c * (s / ref)**n); equals 1 at s = ref, 1 + c at s = 0, -> 0 for large s.
    #: params: (ref, c, n)
    HILL_RATIO = 0
    #: g = exp(-rate * (max(age, onset) - max(ref_age, onset))), age = age0 + aging * t / 365.25.
    #: params: (age0_years, rate_per_year, onset_years, ref_age_years, aging 0/1)
    AGE_DECLINE = 1
    #: g = max(0, 1 - slope * s): a linear drug effect on a concentration signal (Friberg-type). params: (slope,)
    LINEAR_INHIBITION = 2
    #: g = 1 + emax * s**h / (ec50**h + s**h): an Emax effect (emax < 0 inhibits, > 0 stimulates).
    #: params: (emax, ec50, h)
    EMAX = 3
    #: g = 1 while start <= t < end, else 0: switches a flow on for a time window (an infusion).
    #: params: (start_day, end_day). Simulations must place segment boundaries at both edges.
    WINDOW = 4
    #: g = slope * s: a linear function of a signal, unbounded (a drug kill term, Friberg 2002, where
    #: E = slope * C may exceed 1; or a capacity proportional to a cell count). params: (slope,)
    LINEAR = 5
    #: g = (max(s, floor) / ref)**exponent: a power law (Friberg's feedback (Circ0/Circ)**gamma has
    #: exponent -gamma). params: (ref, exponent, floor)
    POWER = 6


@dataclass(frozen=True)
class Compartment:
    name: str
    description: str
    initial: Value  # cells (steady state of the healthy patient unless stated)
    tags: frozenset[str] = frozenset()  # e.g. {"blood"}: used by events and reports
    unit: str = "cells"


@dataclass(frozen=True)
class Signal:
    """A weighted sum of compartments that feedbacks read (e.g. circulating neutrophils); weights are >= 0."""

    name: str
    weights: Mapping[str, float]


@dataclass(frozen=True)
class Feedback:
    """value = offset + scale * g(signal or age), g given by ``kind``."""

    name: str
    kind: FeedbackKind
    params: tuple[Value, ...]
    signal: str | None = None
    offset: float = 0.0
    scale: float = 1.0
    parameters: tuple[str, ...] = ()  # parameter names the law was built from


@dataclass(frozen=True)
class Flow:
    name: str
    kind: str  # descriptive: self_renewal, differentiation, maturation, death, egress, export, proliferation
    source: str | None
    target: str | None
    rate: Value  # 1/day for first-order flows, cells/day for zero-order sources
    consume: float = 1.0
    yield_: Value = 1.0
    feedbacks: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()  # parameter names the rate was built from


@dataclass(frozen=True)
class Observable:
    """value = scale * (sum_i w_i x_i + sum_f v_f flux_f)."""

    name: str  # includes its unit, e.g. "anc_1e9_per_L"
    unit: str
    description: str
    compartments: Mapping[str, Value] = field(default_factory=dict)
    fluxes: Mapping[str, Value] = field(default_factory=dict)
    scale: Value = 1.0


@dataclass
class Module:
    """A named piece of biology: what it adds to a model."""

    name: str
    compartments: list[Compartment] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    feedbacks: list[Feedback] = field(default_factory=list)
    observables: list[Observable] = field(default_factory=list)
    #: compartment of this module -> a compartment of another module: the other modules' observables weigh it as
    #: they weigh that one (an extension's dying cells counted in the blood counts, the healthy model's and other
    #: extensions', and nowhere else)
    counted_as: dict[str, str] = field(default_factory=dict)

    def compartment(self, name: str, description: str, initial: Value, *tags: str) -> str:
        self.compartments.append(Compartment(name, description, as_value(initial), frozenset(tags)))
        return name

    def flow(self, name: str, kind: str, source: str | None, target: str | None, rate: Value, *,
             consume: float = 1.0, yield_: Value = 1.0, feedbacks: Iterable[str] = (),
             parameters: Iterable[str] = ()) -> None:
        self.flows.append(Flow(name, kind, source, target, as_value(rate), float(consume), as_value(yield_),
                               tuple(feedbacks), tuple(parameters)))

    def chain(self, prefix: str, description: str, n: int, mean_time_days: Value, per_stage_initial: Value,
              target: str | None, *tags: str, kind: str = "maturation",
              parameters: Iterable[str] = ()) -> list[str]:
        """A linear chain of ``n`` stages with total mean transit ``mean_time_days``.

        The stage transit time is Erlang-distributed in total (rate n/T per stage). The first stage is
        fed by the caller; the last stage flows into ``target`` (or out of the model if None).
        """
        k = n / mean_time_days
        names = [self.compartment(f"{prefix}_{i + 1}", f"{description}, stage {i + 1} of {n}",
                                  per_stage_initial, *tags) for i in range(n)]
        for i in range(n - 1):
            self.flow(f"{names[i]}_to_{names[i + 1]}", kind, names[i], names[i + 1], k,
                      parameters=parameters)
        last_kind = kind if target is not None else "death"
        self.flow(f"{names[-1]}_out", last_kind, names[-1], target, k, parameters=parameters)
        return names


class Model:
    """A composition of modules, compiled once into arrays for the solvers."""

    def __init__(self, modules: Iterable[Module], parameters: ParameterSet, name: str = "model",
                 info: ModelInfo | None = None) -> None:
        self.name = name
        self.modules = list(modules)
        self.parameters = parameters
        self.info = info if info is not None else ModelInfo()
        self.compartments = [c for m in self.modules for c in m.compartments]
        self.flows = [f for m in self.modules for f in m.flows]
        self.signals = [s for m in self.modules for s in m.signals]
        self.feedbacks = [f for m in self.modules for f in m.feedbacks]
        self.observables = [o for m in self.modules for o in m.observables]
        self._check()

    def _check(self) -> None:
        for kind, items in (("compartment", self.compartments), ("flow", self.flows),
                            ("signal", self.signals), ("feedback", self.feedbacks),
                            ("observable", self.observables)):
            seen: set[str] = set()
            for it in items:
                if it.name in seen:
                    raise ValueError(f"{kind} {it.name!r} is defined twice")
                seen.add(it.name)
        comps = {c.name for c in self.compartments}
        sigs = {s.name for s in self.signals}
        fbs = {f.name for f in self.feedbacks}
        flows = {f.name for f in self.flows}
        for s in self.signals:
            _known(s.weights, comps, f"signal {s.name!r}", "compartment")
            if any(_invalid(w) for w in s.weights.values()):  # the feedback laws rely on signals >= 0
                raise ValueError(f"signal {s.name!r} has a negative or non-finite weight")
        for fb in self.feedbacks:
            if fb.signal is not None and fb.signal not in sigs:
                raise ValueError(f"feedback {fb.name!r} reads unknown signal {fb.signal!r}")
        for f in self.flows:
            for end in (f.source, f.target):
                if end is not None and end not in comps:
                    raise ValueError(f"flow {f.name!r} names unknown compartment {end!r}")
            _known(f.feedbacks, fbs, f"flow {f.name!r}", "feedback")
            if _invalid(f.rate) or _invalid(f.consume) or _invalid(f.yield_):
                read = f" (it reads {', '.join(f.parameters)})" if f.parameters else ""
                raise ValueError(f"flow {f.name!r} has a negative or non-finite rate, consume or yield{read}")
        for o in self.observables:
            _known(o.compartments, comps, f"observable {o.name!r}", "compartment")
            _known(o.fluxes, flows, f"observable {o.name!r}", "flow")
        for c in self.compartments:
            if _invalid(c.initial):
                raise ValueError(f"compartment {c.name!r} has a negative or non-finite initial value")

    def used_parameter_names(self) -> set[str]:
        names = {p for f in self.flows for p in f.parameters}
        names |= {p for fb in self.feedbacks for p in fb.parameters}
        names |= set(self.info.parameters_used)
        return names & set(self.parameters)

    def compile(self) -> CompiledModel:
        from hemasim.model.compiled import CompiledModel

        return CompiledModel.from_model(self)


def _invalid(value: float | np.ndarray) -> bool:
    """Whether a value (a number, or per-patient values) is below zero, NaN or infinite anywhere (a NaN compared as
    not negative and went on into the solver). A plain number is compared directly: through numpy each took ~5 us,
    a third of building the healthy model's 165 flows (docs/performance.md)."""
    if isinstance(value, float | int):
        return not 0 <= value < math.inf
    values = np.asarray(value)  # min and max carry a NaN through; no temporary arrays (1.9 us for 1,000 patients)
    return bool(values.size) and not (values.min() >= 0 and values.max() < math.inf)


def _known(names: Iterable[str], known: set[str], owner: str, what: str) -> None:
    for n in names:
        if n not in known:
            raise ValueError(f"{owner} refers to unknown {what} {n!r}")
