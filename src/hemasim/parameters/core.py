"""Parameter records, their provenance, and parameter sets.

Every number the model uses is a :class:`Parameter` with a unit and a provenance:

* :class:`Cited` - taken from a publication (the reference and where in it);
* :class:`Calibrated` - chosen so the model meets named validation targets;
* :class:`Derived` - computed from other parameters by a balance equation written in docs/model.md;
* :class:`Assumed` - no source yet; said plainly, with what it affects, so it is never hidden;
* :class:`UnitConvention` - the value only says how large one arbitrary unit (AU) is: when the whole family of
  parameters (and states) in that unit is rescaled by k, every read-out not in that AU is unchanged and the AU ones
  scale by k; set alone, it changes the model as the equivalent change of the assumed members tied to it does (:mod:`hemasim.parameters.units`, where
  each family's transformation is written down; tests/test_unit_symmetries.py proves it). Neither cited nor assumed:
  no biology rests on it;
* :class:`Fitted` - estimated from data by ``hemasim fit`` or by a fit script shipped beside its data in docs/ (the
  data files, the problem, the objective value);
* :class:`HeldFixed` - a value a fit held at its nominal (``estimate: false``) and wrote beside its estimates in the
  fitted set: part of the fitted model, but not estimated from the data.

Time is in days throughout; rates are per day unless the unit says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Reference:
    """A bibliographic reference."""

    key: str
    authors: str
    year: int
    title: str
    journal: str
    doi: str | None = None

    def citation(self) -> str:
        doi = f" doi:{self.doi}" if self.doi else ""
        return f"{self.authors} ({self.year}). {self.title}. {self.journal}.{doi}"


@dataclass(frozen=True)
class Cited:
    reference: Reference
    where: str  # table, figure or passage the value comes from

    def describe(self) -> str:
        return f"{self.reference.key}, {self.where}"


@dataclass(frozen=True)
class Calibrated:
    targets: tuple[str, ...]  # validation target ids the value was chosen to meet
    how: str

    def describe(self) -> str:
        return f"calibrated on {', '.join(self.targets)}: {self.how}"


@dataclass(frozen=True)
class Derived:
    inputs: tuple[str, ...]  # parameter names it is computed from
    how: str

    def describe(self) -> str:
        return f"derived from {', '.join(self.inputs)}: {self.how}"


@dataclass(frozen=True)
class Assumed:
    affects: str  # which behaviour depends on it
    how: str
    #: what a targeted what-if over the parameter's bounds found, where the Morris screen's read-outs miss it (the
    #: targets that bound it); docs/parameters.md shows it in the screen cell beside the screen's outcome
    what_if: str = ""

    def describe(self) -> str:
        extra = f" What-if over its bounds: {self.what_if}" if self.what_if else ""
        return f"assumed (no source yet; affects {self.affects}): {self.how}{extra}"


@dataclass(frozen=True)
class UnitConvention:
    """The value fixes the size of an arbitrary unit: the model is the same model at any other value once the rest
    of its unit family is rescaled with it (:data:`hemasim.parameters.units.UNIT_FAMILIES`), so it is no assumption
    about biology. The family's other members, in that unit, carry the biology (their ratios to this one)."""

    family: str  # the key of its family in hemasim.parameters.units.UNIT_FAMILIES
    why: str  # what "1 AU" then means

    def describe(self) -> str:
        from hemasim.parameters.units import UNIT_FAMILIES, equivalent_exponents  # the written-down transformation

        family = UNIT_FAMILIES[self.family]
        members = ", ".join(equivalent_exponents(family.convention or "")) if family.convention else ""
        return (f"unit convention (no biology: it sets the size of {family.unit}; when its whole family is rescaled "
                f"by k, every read-out not in that AU is unchanged and the AU ones scale by k, \"Unit conventions\" "
                f"in docs/parameters.md; set alone, it changes the model as the equivalent change of the assumed "
                f"members tied to it does, {members}): {self.why}")


@dataclass(frozen=True)
class UserOverride:
    previous: str

    def describe(self) -> str:
        return f"set by the user (default was: {self.previous})"


@dataclass(frozen=True)
class Fitted:
    data: tuple[str, ...]  # the measurement file(s) the value was estimated from
    problem: str  # the fitting problem (file or name)
    objective: float  # minus the log-likelihood (plus minus log prior) at the estimate
    interval: str = ""  # e.g. "95% profile CI [80.1, 97.3]"

    def describe(self) -> str:
        ci = f"; {self.interval}" if self.interval else ""
        # a population fit (SAEM) has no likelihood value: run.json said "objective nan"
        objective = f"; objective {self.objective:.6g}" if math.isfinite(self.objective) else ""
        return f"fitted to {', '.join(self.data)} (problem {self.problem}{objective}{ci})"


@dataclass(frozen=True)
class HeldFixed:
    """A value held fixed at its nominal in a fit (``fixed: true`` in fitted_parameters.yaml): the estimates were
    made at it, so a scenario loading the set runs it, but the data did not choose it (it was loaded as Fitted)."""

    data: tuple[str, ...]  # the measurement file(s) of the fit
    problem: str  # the fitting problem (file or name)

    def describe(self) -> str:
        return (f"held fixed at its nominal value in the fit of {', '.join(self.data)} (problem {self.problem}), "
                "not estimated")


Provenance = Cited | Calibrated | Derived | Assumed | UnitConvention | UserOverride | Fitted | HeldFixed
#: the provenances the screens of the assumed parameters vary: a unit convention kept its screen (run while it was
#: Assumed), whose movement its family's assumed members share (hemasim.parameters.units)
Screened = Assumed | UnitConvention


@dataclass(frozen=True)
class PlausibleRange:
    """A published range a parameter's value may plausibly take, in the parameter's unit, with where it was read.

    The screen of the assumed parameters (bench/sensitivity_screen.py) varies a parameter over this range instead
    of x0.5-x2 its value. Only a sourced range belongs here: a range that is merely narrower is not one.
    """

    low: float
    high: float
    source: str  # paper, table or figure, and where the stored copy was read (corpus, URL or repository path)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"a plausible range must be finite and increasing (got [{self.low}, {self.high}])")
        if not self.source.strip():
            raise ValueError("a plausible range needs its source")

    def describe(self) -> str:
        return f"{self.low:g}-{self.high:g} ({self.source})"


@dataclass(frozen=True)
class Parameter:
    """One model parameter with its unit, provenance and variability.

    ``params["neutrophil_circulating_fraction"].source`` says where the value comes from in words (a publication
    and where in it, the data it was calibrated or fitted on, or why it is assumed); ``provenance`` is the same as
    a record (:class:`Cited` ``.reference``, :class:`Assumed` ``.affects``...), ``references`` the publications.
    A value set with :meth:`ParameterSet.with_values` says so, and what it replaced. ``iiv_cv`` is the
    between-patient coefficient of variation of a log-normal distribution, or ``None`` when no variability is
    modelled.
    """

    name: str
    value: float
    unit: str
    description: str
    provenance: Provenance
    bounds: tuple[float, float] = (0.0, math.inf)
    iiv_cv: float | None = None
    iiv_source: str = ""  # where the between-patient variability comes from
    plausible_range: PlausibleRange | None = None  # a sourced range of plausible values (used by the screen)

    def __post_init__(self) -> None:
        lo, hi = self.bounds
        if not math.isfinite(self.value):  # NaN passed as "outside its bounds" and +inf inside an open one
            raise ValueError(f"parameter {self.name}: the value must be finite (got {self.value!r} {self.unit})")
        if not (lo <= self.value <= hi):
            unit = "" if self.unit == "1" else f" {self.unit}"  # a fraction: "=5.0 1" read as a number
            raise ValueError(f"parameter {self.name}={self.value}{unit} is outside its bounds [{lo}, {hi}]")
        rng = self.plausible_range
        if rng is not None and not (lo <= rng.low and rng.high <= hi):
            raise ValueError(f"parameter {self.name}: plausible range [{rng.low}, {rng.high}] leaves its bounds "
                             f"[{lo}, {hi}]")

    @property
    def source(self) -> str:
        """Where the value comes from, in words (run.json's and docs/parameters.md's "source")."""
        return self.provenance.describe()

    @property
    def references(self) -> tuple[Reference, ...]:
        if isinstance(self.provenance, Cited):
            return (self.provenance.reference,)
        return ()


@dataclass(frozen=True)
class ParameterSet(Mapping[str, Parameter]):
    """An immutable, named collection of parameters: a mapping name -> :class:`Parameter`
    (``params["anc_setpoint_1e9_per_L"].value``, ``.unit``, ``.source``); ``pandas.DataFrame(params.to_records())``
    is the whole table (value, unit, source, bounds, between-patient CV), as docs/parameters.md shows it."""

    name: str
    _params: Mapping[str, Parameter] = field(repr=False)

    @classmethod
    def from_records(cls, name: str, records: Iterable[Parameter]) -> ParameterSet:
        params: dict[str, Parameter] = {}
        for rec in records:
            if rec.name in params:
                raise ValueError(f"parameter {rec.name!r} is defined twice in set {name!r}")
            params[rec.name] = rec
        return cls(name, params)

    def __repr__(self) -> str:
        # the dataclass's "ParameterSet(name='healthy_adult')" said neither what it holds nor how to see it
        return f"<ParameterSet {self.name!r}: {len(self)} parameters; .to_records() lists them with units and sources>"

    def __getitem__(self, key: str) -> Parameter:
        try:
            return self._params[key]
        except KeyError:
            raise KeyError(f"parameter {key!r} is not in set {self.name!r}{self._hint(key)}; known: "
                           f"{', '.join(sorted(self._params))}") from None

    # Mapping's own go through __getitem__, whose error for a missing name looks for the name meant (difflib: 3.8 ms
    # for ``in``, 0.75 ms for ``get``, against 0.12 us for a name present; review34b): asked directly instead
    def __contains__(self, key: object) -> bool:
        return key in self._params

    def get(self, key: str, default: Any = None) -> Any:  # noqa: ANN401 - Mapping.get's default is the caller's
        return self._params.get(key, default)

    def _hint(self, key: str) -> str:
        """" (renamed: it is now NEW)" or " (did you mean NAME?)" for a name not in the set: the list of known names
        after it is long (220 in the healthy adult's set), and a scenario's parameters already said this much."""
        from hemasim._schema import closest  # only on this error's path: it imports pydantic
        from hemasim.parameters import renamed_note

        note = renamed_note(key) if isinstance(key, str) else None
        if note is not None:
            return f" ({note})"
        meant = closest(key, self._params) if isinstance(key, str) else None
        return f" (did you mean {meant}?)" if meant is not None else ""

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def value(self, key: str) -> float:
        return self[key].value

    def with_values(self, **overrides: float) -> ParameterSet:
        """A copy with some values replaced; provenance records the override."""
        params = dict(self._params)
        for key, new in overrides.items():
            old = self[key]
            unit = "" if old.unit == "1" else f" {old.unit}"  # a fraction's unit "1" read as a digit: "0.44 1"
            params[key] = replace(
                old, value=float(new), provenance=UserOverride(f"{old.value}{unit}, {old.provenance.describe()}")
            )
        return ParameterSet(self.name, params)

    def merged(self, other: ParameterSet, name: str | None = None) -> ParameterSet:
        return ParameterSet.from_records(name or self.name, [*self.values(), *other.values()])

    def subset(self, names: Iterable[str]) -> ParameterSet:
        return ParameterSet(self.name, {n: self[n] for n in names})

    def references(self) -> list[Reference]:
        """References of the parameters in this set, unique, sorted by key whatever its case: the report's numbered
        list put "den Braber 2012" after "Zheng 2021", a lower-case key sorting after every capital (firsthour29)."""
        refs = {r.key: r for p in self.values() for r in p.references}
        return [refs[k] for k in sorted(refs, key=lambda k: (k.casefold(), k))]

    def to_records(self) -> list[dict[str, object]]:
        """JSON-ready description of every parameter (for run.json)."""
        return [
            {
                "name": p.name,
                "value": p.value,
                "unit": p.unit,
                "description": p.description,
                "source": p.source,
                "bounds": [b if math.isfinite(b) else None for b in p.bounds],
                "iiv_cv": p.iiv_cv,
                "iiv_source": p.iiv_source or None,
            }
            for p in (self[k] for k in sorted(self))
        ]
