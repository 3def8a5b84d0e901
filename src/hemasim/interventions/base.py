"""What every intervention kind is made of, and the registry the kinds add themselves to.

A kind is one pydantic class (its scenario block, ``kind: <tag>``) that knows, for itself:

* how it is checked against the rest of the scenario (:meth:`InterventionSpec.check_in`);
* which events it becomes for a patient or a cohort (:meth:`InterventionSpec.to_events`);
* what it adds to the model (:meth:`InterventionSpec.extension_requests`);
* the endpoints it calls for (:attr:`InterventionSpec.endpoint_family`, computed for many patients at once);
* its report section (:attr:`InterventionSpec.report_section`);
* the SBML form of the events it makes (:func:`hemasim.model.sbml_events.sbml_event_form`).

:func:`register` adds a kind; the scenario's tagged union, its error messages and the assembler read the
registry, so a new kind is one module (see docs/architecture.md, "Adding an intervention kind").
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar, get_args

import numpy as np
from pydantic import BaseModel

from hemasim._schema import StrictData
from hemasim.biology.body import Covariates
from hemasim.events import Event
from hemasim.parameters import ParameterSet, healthy_adult_parameters

if TYPE_CHECKING:
    from hemasim.biology import ModelExtension
    from hemasim.simulation import Result

__all__ = ["AfterRunEndColumn", "EndpointColumn", "EndpointContext", "EndpointFamily", "EventContext", "ExtensionOrder",
           "ExtensionRequest", "InterventionSpec", "NotComputedColumn", "NotedColumn", "ReportSection", "ScenarioFacts", "kind_tag",
           "register", "registered_kinds"]


class Strict(StrictData):
    """Scenario blocks refuse unknown fields, are immutable, take finite floats only and keep booleans and
    numbers apart (hemasim._schema)."""


@dataclass
class ScenarioFacts:
    """What a kind may check itself against: the rest of the scenario (read-only) and what earlier
    interventions claimed (``drug_sets``: drug -> the set dosing it)."""

    duration_days: float
    patient_height_cm: float | None
    is_chimeric: bool
    interventions: Sequence[InterventionSpec]
    drug_sets: dict[str, str] = field(default_factory=dict)
    #: the youngest patient's age at the start, years (a cohort's population minimum; None: not known)
    youngest_age_years: float | None = None


@dataclass
class EventContext:
    """What a kind needs to turn itself into events: the patient's (or each cohort patient's) covariates
    and, read only when a kind asks, the reference parameter set."""

    covariates: Covariates
    #: the scenario's `parameters:` and `--set` values, so what a kind reads (a graft's content per CD34+ cell)
    #: is what the model is built with
    overrides: Mapping[str, float] = field(default_factory=dict)
    #: the scenario's interventions (a DLI reads the CD4 cells its donor gave before)
    interventions: Sequence[InterventionSpec] = ()

    @cached_property
    def parameters(self) -> ParameterSet:
        from hemasim.scenario.overrides import apply_overrides  # late: the scenario package imports this module

        return apply_overrides(self.overrides, healthy_adult_parameters())


class ExtensionOrder(IntEnum):
    """Where a model extension goes in the model (the order of states): drugs, antigen responses,
    pathogens, then what the patient carries, then the graft's lodging stage."""

    DRUG = 10
    VACCINE = 20
    BACTERIA = 30
    VIRUS = 40
    AUTOIMMUNITY = 50
    CLONES = 60
    GRAFT_LODGING = 70
    OTHER = 100


@dataclass(frozen=True)
class ExtensionRequest:
    """A model extension an intervention asks for. Requests with the same ``key`` are built once; a request
    whose key another request ``covers`` is dropped (a pathogen brings the antibody response to its own
    antigen, so a vaccine with that antigen doses the pathogen's response instead of adding one)."""

    order: ExtensionOrder
    key: tuple[str, str]
    build: Callable[[], ModelExtension]
    covers: tuple[tuple[str, str], ...] = ()


def resolve_extensions(requests: Sequence[ExtensionRequest]) -> list[ModelExtension]:
    """The extensions of ``requests``: one per key, covered keys dropped, in :class:`ExtensionOrder` and then
    first-request order."""
    unique: dict[tuple[str, str], ExtensionRequest] = {}
    for r in requests:
        unique.setdefault(r.key, r)
    covered = {k for r in unique.values() for k in r.covers}
    kept = [r for r in unique.values() if r.key not in covered]
    return [r.build() for r in sorted(kept, key=lambda r: r.order)]  # sorted() is stable


class EndpointColumn(NamedTuple):
    """One endpoint for many patients: name, unit (the one its family's :meth:`EndpointFamily.units` declares:
    tests/test_endpoint_units.py), definition, values (N,) (NaN: not reached / not defined)."""

    name: str
    unit: str
    definition: str
    values: np.ndarray

    @property
    def missing(self) -> str | None:
        """Why a NaN value has none where that is not "not reached" (:class:`NotComputedColumn`); None here."""
        return None


class NotComputedColumn(EndpointColumn):
    """An endpoint the run does not compute (NaN for every patient), whose note says so rather than "not reached":
    a G-CSF's Cmax. Still four fields, so code that unpacks a column reads it as any other."""

    __slots__ = ()

    @property
    def missing(self) -> str | None:
        return "not computed"


class AfterRunEndColumn(EndpointColumn):
    """An endpoint read at a time after the run's last output (NaN for every patient), whose note says so rather than
    "not reached": the lymphocyte count 48 h after an exposure on the run's last day."""

    __slots__ = ()

    @property
    def missing(self) -> str | None:
        return "after the end of the run"


class NotedColumn(EndpointColumn):
    """An endpoint whose missing values carry a note given per column (``note``; None: "not reached"), where the
    note depends on the run: a vaccine read-out beyond the run's end, an ANC flag the run ends too soon to decide.
    Still four fields (no __slots__: a __dict__ holds the note)."""

    _note: str | None = None  # what ``_make`` (tuple.__new__, no note given) reads: "not reached"

    def __new__(cls, name: str, unit: str, definition: str, values: np.ndarray, note: str | None = None
                ) -> NotedColumn:
        column = super().__new__(cls, name, unit, definition, values)
        column._note = note
        return column

    @property
    def missing(self) -> str | None:
        return self._note

    def _replace(self, **fields: Any) -> NotedColumn:
        # namedtuple's builds the copy with tuple.__new__, which sets no note (AttributeError on .missing; the
        # constant-note classes it replaced kept theirs: review mend37a)
        return type(self)(*super()._replace(**fields), note=self._note)


@dataclass(frozen=True)
class EndpointContext:
    """What endpoint families read besides the observables: the parameters, the patients' ages (a float or
    one per patient) and the administration log of the run (entries with one value or one per patient)."""

    parameters: ParameterSet
    ages_years: float | np.ndarray
    administrations: Sequence[Mapping[str, Any]] = ()
    n_patients: int = 1
    #: the patients' covariates (one value or one per patient) and a cohort's own drug-set values (set name ->
    #: dotted path -> per-patient values): what the drug endpoints re-integrate a drug's PK with (its Cmax)
    covariates: Covariates | None = None
    drug_values: Mapping[str, Mapping[str, np.ndarray]] = field(default_factory=dict)
    #: healthy-model parameters each patient has his own value of (name -> (n_patients,) values: a cohort's draws, a
    #: sensitivity design's points), which :meth:`value` gives in place of the table's
    per_patient: Mapping[str, np.ndarray] = field(default_factory=dict)
    #: the youngest age, years, any patient of the scenario can have at day 0 (a cohort's ``population.age_years.min``);
    #: None: the youngest of :attr:`ages_years`. What decides a column that only some ages have (the transplant's
    #: ``cd4_for_age_day``), so that every partition of a cohort has the same columns whatever ages it drew
    youngest_age_years: float | None = None
    #: True for a sensitivity design (sweep, screen): each point is a single run with its :attr:`per_patient` values
    #: as ``parameters:``, in its own arbitrary units (the vaccine's relative response rescales its reference adult
    #: per point); False for a cohort, whose draws are each patient's biology in the table's units
    points_are_runs: bool = False
    #: the run's outputs besides its grid (:meth:`hemasim.simulation.Result.extra_samples`: (days, name -> (N, days)))
    #: of the families' observables: the vaccine read-outs read kills, doses and read-outs on them; no other family
    #: does, so every other read-out sees the scenario's grid alone (review36f)
    extra_samples: tuple[np.ndarray, Mapping[str, np.ndarray]] | None = None
    #: observable name -> each patient's (N,) value at the start of the run, before any event of day 0
    #: (:meth:`hemasim.simulation.Result.start_values`): the naive CD4 ratio's "before" where a conditioning or graft
    #: starts on day 0, whose day-0 output already shows it (review37g); None: not given (the read-out says so)
    start_values: Callable[[str], np.ndarray] | None = None

    def value(self, name: str) -> float | np.ndarray:
        """Parameter ``name`` as each patient's model was built with it: his own value where :attr:`per_patient`
        has one (an array over the patients), else the table's. A cohort patient's endpoints are then those of
        the same patient run alone with his values as ``parameters:`` (the recovery endpoints read the table's
        median reference counts, not each patient's drawn ones)."""
        own = self.per_patient.get(name)
        return self.parameters.value(name) if own is None else np.asarray(own, dtype=np.float64)


class EndpointFamily(ABC):
    """Endpoints a kind calls for, computed for many patients at once so single runs and cohorts share them."""

    @abstractmethod
    def observables(self, available: Sequence[str]) -> list[str]:
        """The observables :meth:`values` reads (only from ``available``, the model's)."""

    @abstractmethod
    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        """The endpoints; ``obs`` maps each name of :meth:`observables` to (patients, times) values."""

    @abstractmethod
    def units(self) -> dict[str, str]:
        """The unit of each endpoint :meth:`values` can return for this family's settings (its agents, antigens,
        drugs), known without running anything: what a sweep, a sensitivity analysis and their JSON files label
        the columns with. An endpoint that a run may leave out (a chimerism day past its end, a drug without PK in
        the Friberg chain) is listed all the same; a writer takes the units of the columns it has."""

    def not_computed(self) -> list[str]:
        """The endpoints of :meth:`units` that :meth:`values` leaves without a value whatever the run
        (:class:`NotComputedColumn`: a G-CSF's Cmax), known without running anything: what a sweep's result and
        sweep.json name "not computed" (not "not reached")."""
        return []


@dataclass(frozen=True)
class ReportSection:
    """A report section: ``render(result)`` returns its HTML, or None when the run has nothing to show."""

    key: str
    render: Callable[[Result], str | None]


class InterventionSpec(Strict):
    """Base of every intervention kind (a scenario block). Subclasses set ``kind: Literal["tag"]``."""

    #: the tag's scenario field; narrowed to a Literal by each kind
    kind: str

    #: host and donor cells are tracked apart when a scenario holds this kind (a graft)
    makes_chimeric: ClassVar[bool] = False
    #: the report section of this kind (kinds sharing a section give the same key)
    report_section: ClassVar[ReportSection | None] = None

    if TYPE_CHECKING:
        @property
        def day(self) -> float:
            """First day the intervention acts."""

        @property
        def last_day(self) -> float:
            """Last day the intervention acts."""

    @classmethod
    def endpoint_family(cls, interventions: Sequence[InterventionSpec]) -> EndpointFamily | None:
        """The endpoints this kind calls for, from all the scenario's ``interventions`` (None: no endpoints).
        Kinds sharing a family (chemotherapy and G-CSF: the drug endpoints) return the same family type, which
        the scenario then evaluates once."""
        return None

    def check_in(self, facts: ScenarioFacts, index: int) -> None:
        """Raise ValueError (message starting with the field) if this intervention does not fit the scenario;
        the scenario has already checked that ``day`` is inside its duration. Several problems: a line each of the
        message (the scenario lists every intervention's, one line per problem)."""

    @abstractmethod
    def to_events(self, ctx: EventContext) -> list[Event]:
        """The events this intervention stands for, dosed for ``ctx.covariates``."""

    def extension_requests(self) -> list[ExtensionRequest]:
        """What this intervention adds to the model (nothing by default)."""
        return []


KindT = TypeVar("KindT", bound=type[InterventionSpec])

_KINDS: dict[str, type[InterventionSpec]] = {}
_LISTENERS: list[Callable[[], None]] = []


def kind_tag(cls: type[BaseModel]) -> str:
    """The ``kind`` tag of a kind class (the single value of its Literal)."""
    tags = get_args(cls.model_fields["kind"].annotation)
    if len(tags) != 1 or not isinstance(tags[0], str):
        raise TypeError(f"{cls.__name__}.kind must be annotated Literal['<tag>'] with one tag")
    return tags[0]


def register(cls: KindT) -> KindT:
    """Add an intervention kind (a class decorator). Registering a tag again replaces its kind."""
    _KINDS[kind_tag(cls)] = cls
    for notify in _LISTENERS:
        notify()
    return cls


def unregister(tag: str) -> None:
    """Remove a kind (tests that register a toy kind clean up with this)."""
    if _KINDS.pop(tag, None) is not None:
        for notify in _LISTENERS:
            notify()


def registered_kinds() -> dict[str, type[InterventionSpec]]:
    """Tag -> kind class, in registration order."""
    return dict(_KINDS)


def on_registry_change(callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever a kind is registered or removed (the scenario schema rebuilds its union)."""
    _LISTENERS.append(callback)


SpecT = TypeVar("SpecT", bound=InterventionSpec)


def first_days(interventions: Sequence[InterventionSpec], kind: type[SpecT], name: Callable[[SpecT], str]
               ) -> dict[str, float]:
    """Name -> the day of its first intervention of ``kind`` (e.g. pathogen -> day of its first infection): the
    earliest, whatever the order they are listed in (the first listed was taken: a reinfection on day 30 listed
    before the day-0 infection counted the clearance day from day 30)."""
    out: dict[str, float] = {}
    for iv in interventions:
        if isinstance(iv, kind):
            out[name(iv)] = min(out.get(name(iv), iv.day), iv.day)
    return out
