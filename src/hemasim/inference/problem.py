"""A fitting problem: measurements, observables with their noise, estimated parameters, conditions.

The hemasim-native form is a YAML problem file (data only: safe loader, every field checked) naming a CSV of
measurements and one scenario per condition (subject)::

    name: docetaxel ANC, synthetic
    measurements: measurements.csv            # path relative to the problem file
    conditions:                               # one per subject (or experimental condition)
      - {id: patient_01, scenario: scenario.yaml}
    observables:
      - id: anc                               # the name in the measurement file
        hemasim: anc_1e9_per_L                # the hemasim observable it measures
        scale: 1.0                            # measured = scale * hemasim observable (optional)
        noise: {model: proportional, sigma: sigma_anc}   # number (fixed) or a parameter id
        lloq: 0.1                             # assay limit: values below it are censored (optional)
    parameters:
      - {id: mtt_h, target: docetaxel_friberg2002__friberg_mean_transit_time_h,
         lower: 20, upper: 400, scale: log10, nominal: 88.7}
      - {id: sigma_anc, lower: 0.01, upper: 1, scale: log10, nominal: 0.2}   # no target: a noise parameter
      - {id: circ0, target: ..., nominal: 5.05, estimate: false}            # fixed at nominal
      - {id: slope, target: ..., lower: 1, upper: 50, prior: {kind: lognormal, mean: 8.58, sd: 0.5}}
    solver: {rtol: 1.0e-8}

The measurement CSV has the columns ``condition, time_days, observable, value`` and optionally ``censored``
(0/1: the value is the assay limit and the measurement only says "below it"). See docs/fitting.md.

Bad input raises :class:`ProblemError`, one line naming the file, the row or field and what is allowed.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hemasim._file_kinds import wrong_file
from hemasim._schema import MAX_FIELDS_LISTED, closest
from hemasim._yaml_limits import quoted
from hemasim.inference.noise import NOISE_KINDS, NoiseModel
from hemasim.inference.sources import ModelSource, ScenarioSource

__all__ = ["Condition", "EstimatedParameter", "Measurements", "ObservableSpec", "Prior", "Problem", "ProblemError",
           "load_measurements", "load_problem", "MEASUREMENT_COLUMNS"]

Scale = Literal["lin", "log10", "log"]
SCALES = ("lin", "log10", "log")
PRIOR_KINDS = ("normal", "lognormal", "uniform", "parameterScaleNormal")
MEASUREMENT_COLUMNS = ("condition", "time_days", "observable", "value")


class ProblemError(ValueError):
    """A problem that cannot be used; the message is one line naming the file and the field or row."""


@dataclass(frozen=True)
class Prior:
    """A prior of one parameter: ``normal`` (mean, sd of the value), ``lognormal`` (median ``mean`` and sd of
    the natural log), ``uniform`` (within ``mean`` .. ``sd`` read as lower .. upper) or ``parameterScaleNormal``
    (mean, sd on the parameter's estimation scale)."""

    kind: str
    mean: float
    sd: float

    def negative_log_density(self, value: np.ndarray, scaled: np.ndarray) -> np.ndarray:
        """Minus the log prior density at natural ``value`` (and ``scaled``, the same on the estimation scale)."""
        if self.kind == "normal":
            return 0.5 * ((value - self.mean) / self.sd) ** 2 + np.log(self.sd * math.sqrt(2 * math.pi))
        if self.kind == "lognormal":
            u = (np.log(np.maximum(value, 1e-300)) - math.log(self.mean)) / self.sd
            return 0.5 * u**2 + np.log(self.sd * math.sqrt(2 * math.pi) * np.maximum(value, 1e-300))
        if self.kind == "parameterScaleNormal":
            return 0.5 * ((scaled - self.mean) / self.sd) ** 2 + np.log(self.sd * math.sqrt(2 * math.pi))
        inside = (value >= self.mean) & (value <= self.sd)
        return np.where(inside, math.log(self.sd - self.mean), np.inf)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws of the natural value (parameterScaleNormal: of the scaled value)."""
        if self.kind == "normal":
            return rng.normal(self.mean, self.sd, n)
        if self.kind == "lognormal":
            return self.mean * np.exp(rng.normal(0.0, self.sd, n))
        if self.kind == "parameterScaleNormal":
            return rng.normal(self.mean, self.sd, n)
        return rng.uniform(self.mean, self.sd, n)


@dataclass(frozen=True)
class EstimatedParameter:
    """One parameter of the problem: a model parameter (``target``, a run-record name) or a noise parameter
    (``target`` None). Estimated on ``scale`` within [lower, upper] unless ``estimate`` is false (then fixed at
    ``nominal``)."""

    id: str
    target: str | None
    lower: float
    upper: float
    nominal: float
    scale: Scale = "log10"
    estimate: bool = True
    prior: Prior | None = None
    unit: str = ""

    def to_scale(self, value: np.ndarray | float) -> np.ndarray:
        v = np.asarray(value, dtype=np.float64)
        return np.log10(v) if self.scale == "log10" else np.log(v) if self.scale == "log" else v

    def from_scale(self, scaled: np.ndarray | float) -> np.ndarray:
        s = np.asarray(scaled, dtype=np.float64)
        return np.power(10.0, s) if self.scale == "log10" else np.exp(s) if self.scale == "log" else s


@dataclass(frozen=True)
class ObservableSpec:
    """A measured quantity: ``scale`` times the hemasim observable ``hemasim``, with its noise model and an
    optional assay limit (measurements below it are censored)."""

    id: str
    hemasim: str
    noise: NoiseModel
    scale: float = 1.0
    lloq: float | None = None


@dataclass(frozen=True)
class Condition:
    """One subject or experimental condition: where its model comes from."""

    id: str
    source: ModelSource


@dataclass(frozen=True)
class Measurements:
    """The measurement table as arrays (one entry per row); ``censored`` rows hold the assay limit."""

    condition: np.ndarray  # (n,) str
    time_days: np.ndarray  # (n,) float
    observable: np.ndarray  # (n,) str
    value: np.ndarray  # (n,) float
    censored: np.ndarray  # (n,) bool
    source: str = "measurements"
    #: each row's place, "FILE: row N", where the rows come from several files (a PEtab problem's measurement
    #: tables); empty: row k is ``source``'s row k + 2
    locations: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.value)

    def where(self, row: int) -> str:
        """Row ``row``'s place for a message: its file and line."""
        return self.locations[row] if self.locations else f"{self.source}: row {row + 2}"  # the header is row 1

    @classmethod
    def from_rows(cls, condition: Sequence[str], time_days: Sequence[float], observable: Sequence[str],
                  value: Sequence[float], censored: Sequence[bool] | None = None, source: str = "measurements"
                  ) -> Measurements:
        n = len(value)
        cens = np.zeros(n, dtype=bool) if censored is None else np.asarray(censored, dtype=bool)
        return cls(np.asarray(condition, dtype=str), np.asarray(time_days, dtype=np.float64),
                   np.asarray(observable, dtype=str), np.asarray(value, dtype=np.float64), cens, source)

    def subset(self, mask: np.ndarray) -> Measurements:
        kept = tuple(np.asarray(self.locations, dtype=object)[mask]) if self.locations else ()
        return Measurements(self.condition[mask], self.time_days[mask], self.observable[mask], self.value[mask],
                            self.censored[mask], self.source, kept)


@dataclass(frozen=True)
class Problem:
    """Everything a fit needs. Build it in Python (:meth:`checked` validates) or load it with :func:`load_problem`."""

    name: str
    conditions: tuple[Condition, ...]
    observables: tuple[ObservableSpec, ...]
    parameters: tuple[EstimatedParameter, ...]
    measurements: Measurements
    rtol: float = 1e-8
    problem_file: str | None = None
    data_files: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def estimated(self) -> tuple[EstimatedParameter, ...]:
        return tuple(p for p in self.parameters if p.estimate)

    def parameter(self, pid: str) -> EstimatedParameter:
        for p in self.parameters:
            if p.id == pid:
                return p
        raise KeyError(f"no parameter {pid!r} in the problem")

    def observable(self, oid: str) -> ObservableSpec:
        for o in self.observables:
            if o.id == oid:
                return o
        raise KeyError(f"no observable {oid!r} in the problem")

    def checked(self) -> Problem:
        """Cross-checks (ids unique and known, targets accepted by every condition); returns the problem, each
        model parameter without a ``unit`` given the unit of its target in the model (``h`` for a drug set's
        ``..._mean_transit_time_h``), so that the estimates carry it."""
        where = self.problem_file or self.name
        _unique(where, "conditions", [c.id for c in self.conditions])
        _unique(where, "observables", [o.id for o in self.observables])
        _unique(where, "parameters", [p.id for p in self.parameters])
        targets: dict[str, str] = {}
        for i, p in enumerate(self.parameters):  # one value per model parameter: the last id's silently set it, the
            # other estimated as a parameter the objective does not read (a flat profile)
            if p.target is not None and targets.setdefault(p.target, p.id) != p.id:
                raise ProblemError(f"{where}: parameters.{i}.target: {p.target!r} is the target of {targets[p.target]!r} "
                                   "too; a model parameter is set by one problem parameter")
        ids = {p.id for p in self.parameters}
        for i, o in enumerate(self.observables):
            for key in ("sigma", "sigma_proportional"):  # a number given in Python (the YAML loader refuses these)
                s = getattr(o.noise, key)
                if isinstance(s, int | float) and not (math.isfinite(s) and s > 0):
                    raise ProblemError(f"{where}: observables.{i}.noise.{key}: must be > 0 (got {s})")
            for pid in o.noise.parameter_ids():
                if pid not in ids:
                    key = next(k for k in ("sigma", "sigma_proportional") if getattr(o.noise, k, None) == pid)
                    raise ProblemError(f"{where}: observables.{i}.noise.{key}: parameter {pid!r} is not in parameters "
                                       f"(their ids: {', '.join(quoted(x, 40) for x in sorted(ids)[:MAX_FIELDS_LISTED])})")
        noise_ids = {pid for o in self.observables for pid in o.noise.parameter_ids()}
        for i, p in enumerate(self.parameters):
            _check_parameter(where, i, p)
            if p.id in noise_ids and not self._noise_floor_ok(p):
                # a standard deviation: at or below 0 the likelihood is the failure value (and numpy warned of the
                # log of a negative number), so part of the box, and the starts drawn there, were dead; 0 is a
                # value of one part of a combined model whose other part stays > 0 (the sd stays > 0: the data
                # decide whether that part exists)
                key = "lower" if p.estimate else "nominal"
                raise ProblemError(f"{where}: parameters.{i}.{key}: {getattr(p, key):g}; {p.id!r} is a noise "
                                   "model's sigma (a standard deviation), which must be > 0 (0 only for one part "
                                   "of a combined model whose other part stays > 0)")
            if p.target is None:
                if not any(p.id in o.noise.parameter_ids() for o in self.observables):
                    raise ProblemError(f"{where}: parameters.{i}.target: {p.id!r} has no target and is used by no "
                                       "noise model (give the run-record name of a model parameter)")
                continue
            if p.estimate and _counted(p.target):
                raise ProblemError(f"{where}: parameters.{i}: {p.target!r} counts stages or divisions (a whole "
                                   "number, the model's shape), which an optimiser cannot step: it stayed at its "
                                   "nominal or stopped where the model cannot be built; hold it (`estimate: false`) "
                                   "at each whole value in turn, fit the others, and compare the objectives (a "
                                   "profile by hand)")
            for c in self.conditions:
                if p.target not in c.source.parameter_names:
                    from hemasim.parameters import renamed_note

                    raise ProblemError(f"{where}: parameters.{i}.target: {p.target!r} is not a parameter of the "
                                       f"model of condition {c.id!r} ({c.source.describe()}); "
                                       + (renamed_note(p.target) or _known(c.source.parameter_names)))
                lo, hi = getattr(c.source, "parameter_bounds", lambda _: (-math.inf, math.inf))(p.target)
                if p.lower < lo or p.upper > hi:
                    raise ProblemError(f"{where}: parameters.{i}: bounds [{p.lower}, {p.upper}] exceed the range "
                                       f"[{lo}, {hi}] the model accepts for {p.target!r}")
        if not self.estimated:
            raise ProblemError(f"{where}: parameters: no parameter is estimated")
        units = self._check_hemasim_observables(where)
        _check_measurements(self)
        unit_of = {p.id: units[p.target] for p in self.parameters if p.target in units}
        unit_of.update({sigma: "1" for sigma in self._relative_sigmas() if sigma not in unit_of})
        if not any(p.unit == "" and p.id in unit_of for p in self.parameters):
            return self
        return replace(self, parameters=tuple(replace(p, unit=unit_of[p.id]) if p.unit == "" and p.id in unit_of
                                              else p for p in self.parameters))

    def _noise_floor(self, sigma: float | str | None) -> float:
        """The lowest value a noise part takes in the fit: a number itself, a parameter its lower bound (its
        nominal when held fixed)."""
        if sigma is None:
            return 0.0
        if isinstance(sigma, str):
            p = self.parameter(sigma)
            return p.lower if p.estimate else p.nominal
        return float(sigma)

    def _noise_floor_ok(self, p: EstimatedParameter) -> bool:
        """Noise parameter ``p``'s lowest value keeps every standard deviation it enters > 0: > 0 itself, or 0 where
        every use of it is one part of a combined model whose other part stays > 0."""
        floor = p.lower if p.estimate else p.nominal
        if floor > 0:
            return True
        if floor < 0:
            return False
        for o in self.observables:
            n = o.noise
            if p.id not in n.parameter_ids():
                continue
            if n.kind != "combined":
                return False
            other = n.sigma_proportional if n.sigma == p.id else n.sigma
            if other == p.id or not self._noise_floor(other) > 0:
                return False
        return True

    def _relative_sigmas(self) -> set[str]:
        """The ids of the noise parameters that are relative (dimensionless, unit 1): a log-normal or proportional
        model's sigma and a combined model's proportional part (the fit report showed sigma_anc without a unit)."""
        relative: set[str] = set()
        absolute: set[str] = set()  # one id could serve both (an additive and a log-normal observable)
        for o in self.observables:
            n = o.noise
            if isinstance(n.sigma, str):
                (relative if n.kind in ("lognormal", "proportional") else absolute).add(n.sigma)
            if isinstance(n.sigma_proportional, str) and n.kind == "combined":
                relative.add(n.sigma_proportional)
        return relative - absolute


    def nominal_targets(self) -> dict[str, float]:
        """Model parameter (run-record name) -> nominal value, for every parameter with a target."""
        return {p.target: p.nominal for p in self.parameters if p.target is not None}

    def _check_hemasim_observables(self, where: str) -> dict[str, str]:
        """Each hemasim observable is one of every condition's model; returns the units of the targets in the
        models (target -> unit, from the first condition that has it)."""
        units: dict[str, str] = {}
        for c in self.conditions:
            model = c.source.build(self.nominal_targets())
            known = {o.name for o in model.observables}
            for i, o in enumerate(self.observables):
                if o.hemasim not in known:
                    raise ProblemError(f"{where}: observables.{i}.hemasim: {o.hemasim!r} is not an observable of "
                                       f"the model of condition {c.id!r}; known: {', '.join(sorted(known))}")
            records = getattr(model, "parameters", None)
            for p in self.parameters:
                if p.target is not None and p.target not in units and records is not None and p.target in records:
                    units[p.target] = str(records[p.target].unit)
        return units


def _known(names: frozenset[str]) -> str:
    shown = sorted(names)
    more = f" and {len(shown) - 12} more (see run.json of a run)" if len(shown) > 12 else ""
    return f"known: {', '.join(shown[:12])}{more}"


def _unique(where: str, section: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for i, x in enumerate(ids):
        if x in seen:
            raise ProblemError(f"{where}: {section}.{i}.id: {x!r} is given twice")
        seen.add(x)


def _counted(target: str) -> bool:
    """Whether ``target`` is a count of stages or divisions (``hemasim.biology.builder.COUNT_PARAMETERS``)."""
    from hemasim.biology.builder import COUNT_PARAMETERS

    return target in COUNT_PARAMETERS


def _check_parameter(where: str, i: int, p: EstimatedParameter) -> None:
    loc = f"{where}: parameters.{i}"
    if p.scale not in SCALES:  # a Problem built in Python: any other text was estimated on the linear scale
        raise ProblemError(f"{loc}.scale: {p.scale!r}; allowed: {', '.join(SCALES)}")
    # a fixed parameter takes its nominal only: its box may be that one value (PEtab leaves a fixed one's bounds empty)
    if not (math.isfinite(p.lower) and math.isfinite(p.upper)
            and (p.lower < p.upper or (not p.estimate and p.lower == p.upper))):
        raise ProblemError(f"{loc}: need finite lower < upper (got {p.lower}, {p.upper})")
    if p.scale != "lin" and p.lower <= 0:
        raise ProblemError(f"{loc}.lower: must be > 0 on scale {p.scale} (got {p.lower})")
    if not p.lower <= p.nominal <= p.upper:
        raise ProblemError(f"{loc}.nominal: {p.nominal} is outside [{p.lower}, {p.upper}]")
    if p.prior is not None and p.prior.kind not in PRIOR_KINDS:
        raise ProblemError(f"{loc}.prior.kind: {p.prior.kind!r}; allowed: {', '.join(PRIOR_KINDS)}")
    if p.prior is not None and p.prior.kind == "uniform" and p.estimate and not p.prior.mean <= p.nominal <= p.prior.sd:
        # prior density 0 at the first start: its objective the failure value, the start stuck there
        raise ProblemError(f"{loc}.nominal: {p.nominal:g} is outside the uniform prior's support [{p.prior.mean:g}, "
                           f"{p.prior.sd:g}] (mean .. sd), where the prior density is 0")


def _check_measurements(problem: Problem) -> None:
    m = problem.measurements
    known_c = {c.id for c in problem.conditions}
    known_o = {o.id for o in problem.observables}
    # a scenario condition ends at its duration; a model built in Python (BuilderSource) has no end
    durations = {c.id: getattr(getattr(c.source, "scenario", None), "duration_days", None) for c in problem.conditions}
    ends = {cid: float(d) for cid, d in durations.items() if d is not None}
    for row in range(len(m)):
        loc = m.where(row)
        for column, value in (("time_days", m.time_days[row]), ("value", m.value[row])):
            if not math.isfinite(value):  # Measurements built in Python: a NaN made every vector the failure value
                raise ProblemError(f"{loc}, column {column}: {float(value)} is not a finite number")
        if m.condition[row] not in known_c:
            raise ProblemError(f"{loc}, column condition: unknown condition {str(m.condition[row])!r}; "
                               f"known: {', '.join(sorted(known_c))}")
        if m.observable[row] not in known_o:
            raise ProblemError(f"{loc}, column observable: unknown observable {str(m.observable[row])!r}; "
                               f"known: {', '.join(sorted(known_o))}")
        observable = next(o for o in problem.observables if o.id == m.observable[row])
        # log of it: the objective would be NaN, the fit silent; a value under the observable's lloq is censored
        # there (the limit stands for it: a lab's 0 for "not detected"), so no log is taken of it
        below_lloq = observable.lloq is not None and m.value[row] < observable.lloq
        if observable.noise.kind == "lognormal" and not m.value[row] > 0 and not below_lloq:
            raise ProblemError(f"{loc}, column value: {float(m.value[row]):g} is not > 0, and observable "
                               f"{str(m.observable[row])!r} has log-normal noise (a count below the assay limit: the "
                               "limit as value, with censored 1)")
        end = ends.get(str(m.condition[row]))
        if end is not None and m.time_days[row] > end:
            # most often times in hours (or from another origin) under the time_days header: the run would be
            # extended silently past the scenario's doses and end
            raise ProblemError(f"{loc}, column time_days: {float(m.time_days[row]):g} is after the end of condition "
                               f"{str(m.condition[row])!r} (its scenario runs duration_days {end:g}; times are days "
                               "from the scenario's start, 0 to its duration)")
    if len(m) == 0:
        raise ProblemError(f"{m.source}: no measurements")
    # a condition without data adds nothing to the likelihood (it ended the first evaluation in an IndexError
    # traceback); most often its id is spelt otherwise in the file, or the file is another subject's
    used = set(map(str, m.condition))
    for i, c in enumerate(problem.conditions):
        if c.id not in used:
            raise ProblemError(f"{problem.problem_file or problem.name}: conditions.{i}.id: no measurement of "
                               f"{m.source} names condition {c.id!r} (its conditions: "
                               f"{', '.join(quoted(x, 40) for x in sorted(used)[:MAX_FIELDS_LISTED])}); remove it "
                               "or give it data")
    # an estimated noise parameter that only observables without data read: the likelihood never reads it, and it
    # was estimated anyway (its profile flat, "non-identifiable", its value the optimiser's wandering)
    measured = set(map(str, m.observable))
    read = {pid for o in problem.observables if o.id in measured for pid in o.noise.parameter_ids()}
    for i, p in enumerate(problem.parameters):
        if p.estimate and p.target is None and p.id not in read:
            unmeasured = [o.id for o in problem.observables if p.id in o.noise.parameter_ids()]
            raise ProblemError(f"{problem.problem_file or problem.name}: parameters.{i}: {p.id!r} is the noise of "
                               f"{', '.join(map(repr, unmeasured))}, which no measurement of {m.source} names, so the "
                               "data say nothing of it; remove it (or fix it, estimate: false)")


# ---------------------------------------------------------------------------------------------- loading
def _cell(row: dict[str, str], column: str, loc: str, kind: str) -> Any:
    text = (row.get(column) or "").strip()
    where = f"{loc}, column {column}"
    if kind == "str":
        if not text:
            raise ProblemError(f"{where}: empty")
        return text
    if kind == "bool":
        if text.lower() in ("", "0", "false", "no"):
            return False
        if text.lower() in ("1", "true", "yes"):
            return True
        raise ProblemError(f"{where}: {text!r} is not 0/1 (or true/false)")
    try:
        value = float(text)
    except ValueError:
        raise ProblemError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ProblemError(f"{where}: {text!r} is not a finite number")
    if kind == "time" and value < 0:
        raise ProblemError(f"{where}: negative time {value} (times are days from the start, >= 0)")
    return value


def load_measurements(path: str | Path) -> Measurements:
    """Read a measurement CSV (columns :data:`MEASUREMENT_COLUMNS`, optional ``censored``), checking every cell."""
    from hemasim._yaml_limits import YamlInputError, decode_text

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as err:
        raise ProblemError(f"{p}: cannot read the measurement file ({err.strerror})") from None
    try:  # as a YAML input is read: Excel's "CSV UTF-8" BOM dropped (its header read "missing column 'condition'"),
        # a byte that is not UTF-8 named by line and column (it was a UnicodeDecodeError traceback)
        text = decode_text(data, str(p), "measurement file")
    except YamlInputError as err:
        raise ProblemError(str(err)) from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:  # it said "missing column 'condition'" of a file with no line at all (an export that failed)
        raise ProblemError(f"{p}: the file is empty (a header line {','.join(MEASUREMENT_COLUMNS)}[,censored], then "
                           "one row per measurement)")
    for col in MEASUREMENT_COLUMNS:
        if col not in header:
            timed = [h for h in header if h.lower().startswith("time") or h.lower() in ("t", "day", "days", "hours")]
            how = "convert hours: / 24" if timed and "h" in timed[0].lower().removeprefix("time") else "rename it"
            hint = (f"; {timed[0]!r} is not read: times are days from the scenario's start, in a column "
                    f"time_days ({how})" if col == "time_days" and timed else "")
            valued = [h for h in header if h.lower().startswith(("value", "dv", "conc", "anc", "obs"))
                      and h not in MEASUREMENT_COLUMNS]
            subject = [h for h in header if h.lower() in ("id", "patient", "subject", "pt", "usubjid", "patient_id")]
            if col == "condition" and subject:  # NONMEM's ID: a subject is a condition of the problem
                hint = (f"; {subject[0]!r} is not read: each row's subject goes in a column condition, holding the id "
                        "of one of the problem's conditions (rename it)")
            if col == "value" and valued:  # value_1e9_per_L, DV, ANC: the unit is the observable's, not the header's
                hint = (f"; {valued[0]!r} is not read: values go in a column value, in the unit of the hemasim "
                        "observable the problem's observable measures (anc_1e9_per_L: 1e9/L; rename it)")
            raise ProblemError(f"{p}: missing column {col!r} (required: {', '.join(MEASUREMENT_COLUMNS)}; "
                               f"optional: censored){hint}")
    # every column is read or refused: a column left unread changed the data silently (a unit column saying cells/uL
    # beside values fitted as 1e9/L; a BLQ or per-row LLOQ column whose censoring was lost)
    read_columns = (*MEASUREMENT_COLUMNS, "censored")
    for h in header:
        if h and h not in read_columns:  # an empty name: a trailing comma (its cells checked below)
            meant = next((c for c in read_columns if c.lower() == h.lower()), None) or closest(h, read_columns)
            hint = (f"did you mean {meant!r}? column names are read as written, lower case" if meant else
                    "values are in the unit of the hemasim observable the problem's observable measures (anc_1e9_per_L: "
                    "1e9/L; convert them, or give the observable a scale)" if "unit" in h.lower() else
                    "a value below the assay limit is written as the limit with censored 1 (or set the observable's "
                    "lloq)" if h.lower() in ("blq", "bql", "lloq", "loq", "cens", "mdv") else
                    "remove it or keep it in another file")
            raise ProblemError(f"{p}: column {h!r} is not read ({hint}); the columns read: "
                               f"{', '.join(MEASUREMENT_COLUMNS)}, censored")
    # a column without a name (a trailing comma) is read only while it is empty: a value under it (a unit, a flag)
    # was dropped; each gets a key of its own, so that two of them are both seen
    unnamed = {f"\0column {i + 1}": i + 1 for i, h in enumerate(header) if not h}
    reader.fieldnames = [h or f"\0column {i + 1}" for i, h in enumerate(header)]
    cond, times, obs, vals, cens, lines = [], [], [], [], [], []
    for row in reader:
        loc = f"{p}: row {reader.line_num}"  # the file's line: blank lines are skipped, and counted
        lines.append(reader.line_num)
        if None in row or any(v is None for v in row.values()):  # csv puts extra cells under None, missing as None
            n = len(header) + len(row.get(None) or []) - sum(v is None for k, v in row.items() if k is not None)
            why = ("a decimal comma, 1,2 for 1.2? numbers take a point; a text with a comma goes in double quotes"
                   if n > len(header) else f"each row has a cell for each of {', '.join(header)}")
            raise ProblemError(f"{loc}: {n} cells where the header has {len(header)} ({why})")
        for key, position in unnamed.items():
            if (row.get(key) or "").strip():
                raise ProblemError(f"{loc}: column {position} has no name in the header but holds {row[key]!r}; it is "
                                   f"not read (name it, or remove it; the columns read: "
                                   f"{', '.join(MEASUREMENT_COLUMNS)}, censored)")
        cond.append(_cell(row, "condition", loc, "str"))
        times.append(_cell(row, "time_days", loc, "time"))
        obs.append(_cell(row, "observable", loc, "str"))
        vals.append(_cell(row, "value", loc, "float"))
        cens.append(_cell(row, "censored", loc, "bool") if "censored" in header else False)
    m = Measurements.from_rows(cond, times, obs, vals, cens, source=str(p))
    # the problem's row checks name the file's line too (they counted rows, one line short after a blank line)
    if lines != list(range(2, len(lines) + 2)):
        m = replace(m, locations=tuple(f"{p}: row {n}" for n in lines))
    return m


def _at(loc: str, key: str) -> str:
    """``FILE: conditions.0.id`` below the top level, ``FILE: name`` at it (``loc`` is then the file, ending in a
    colon; it read ``FILE.name``)."""
    return f"{loc} {key}" if loc.endswith(":") else f"{loc}.{key}"


def _field(data: Mapping[str, Any], key: str, loc: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    if key not in data:
        if default is ...:
            raise ProblemError(f"{_at(loc, key)}: required field is missing")
        return default
    value = data[key]
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ProblemError(f"{_at(loc, key)}: expected {names}, got {value!r}")
    return value


def _only(data: Mapping[str, Any], allowed: Sequence[str], loc: str) -> None:
    for key in data:
        if key not in allowed:
            meant = closest(str(key), allowed)
            raise ProblemError(f"{_at(loc, str(key))}: unknown field; "
                               + (f"did you mean {meant!r}?" if meant else f"allowed: {', '.join(allowed)}"))


def _noise(data: Any, loc: str) -> NoiseModel:
    if not isinstance(data, dict):
        raise ProblemError(f"{loc}: a mapping with model and sigma")
    _only(data, ("model", "sigma", "sigma_proportional"), loc)
    kind = _field(data, "model", loc, str)
    if kind not in NOISE_KINDS:
        raise ProblemError(f"{loc}.model: {kind!r}; allowed: {', '.join(NOISE_KINDS)}")
    sigma = _field(data, "sigma", loc, (str, float, int))
    sp = _field(data, "sigma_proportional", loc, (str, float, int), None)
    if kind == "combined" and sp is None:
        raise ProblemError(f"{loc}.sigma_proportional: required for the combined model")
    for key, s in (("sigma", sigma), ("sigma_proportional", sp)):
        if isinstance(s, int | float) and not s > 0:
            raise ProblemError(f"{loc}.{key}: must be > 0 (got {s})")
    def number_or_id(s: Any) -> Any:
        return s if isinstance(s, str) or s is None else float(s)

    return NoiseModel(kind, number_or_id(sigma), number_or_id(sp))


def _parameter(data: Any, loc: str) -> EstimatedParameter:
    if not isinstance(data, dict):
        raise ProblemError(f"{loc}: a mapping with id, lower, upper, ...")
    _only(data, ("id", "target", "lower", "upper", "nominal", "scale", "estimate", "prior", "unit"), loc)
    scale = _field(data, "scale", loc, str, "log10")
    if scale not in SCALES:
        raise ProblemError(f"{loc}.scale: {scale!r}; allowed: {', '.join(SCALES)}")
    lower, upper = _field(data, "lower", loc, float), _field(data, "upper", loc, float)
    # the geometric mean only of two positive bounds (a negative upper bound was a bare "math domain error"; the
    # bounds' own error comes from _check_parameter)
    default_nominal = math.sqrt(lower * upper) if scale != "lin" and lower > 0 and upper > 0 else 0.5 * (lower + upper)
    prior = None
    if "prior" in data:
        pd_ = data["prior"]
        ploc = f"{loc}.prior"
        if not isinstance(pd_, dict):
            raise ProblemError(f"{ploc}: a mapping with kind, mean, sd")
        _only(pd_, ("kind", "mean", "sd"), ploc)
        prior = Prior(_field(pd_, "kind", ploc, str), _field(pd_, "mean", ploc, float), _field(pd_, "sd", ploc, float))
        if prior.kind != "uniform" and not prior.sd > 0:
            raise ProblemError(f"{ploc}.sd: must be > 0")
        # the density takes log(mean) (a log-normal's median) and log(upper - lower) (a uniform's width): without
        # these checks a bad value passed the loading and ended the fit's first evaluation in "math domain error"
        if prior.kind == "lognormal" and not prior.mean > 0:
            raise ProblemError(f"{ploc}.mean: the median of a lognormal prior must be > 0 (got {prior.mean:g})")
        if prior.kind == "uniform" and not prior.sd > prior.mean:
            raise ProblemError(f"{ploc}.sd: a uniform prior runs from mean (its lower end) to sd (its upper end), so "
                               f"sd must be > mean (got mean {prior.mean:g}, sd {prior.sd:g})")
    target = _field(data, "target", loc, str, None)
    return EstimatedParameter(_field(data, "id", loc, str), target, lower, upper,
                              _field(data, "nominal", loc, float, default_nominal), scale,
                              _field(data, "estimate", loc, bool, True), prior, _field(data, "unit", loc, str, ""))


def _observable(data: Any, loc: str) -> ObservableSpec:
    if not isinstance(data, dict):
        raise ProblemError(f"{loc}: a mapping with id, hemasim, noise")
    _only(data, ("id", "hemasim", "scale", "noise", "lloq"), loc)
    lloq = _field(data, "lloq", loc, float, None)
    scale = _field(data, "scale", loc, float, 1.0)
    if not scale > 0 or (lloq is not None and not lloq > 0):
        raise ProblemError(f"{loc}: scale and lloq must be > 0")
    return ObservableSpec(_field(data, "id", loc, str), _field(data, "hemasim", loc, str),
                          _noise(_field(data, "noise", loc, dict), f"{loc}.noise"), scale, lloq)


def _condition(data: Any, loc: str, base: Path) -> tuple[Condition, Path]:
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.scenario.plausibility import no_output_grid

    if not isinstance(data, dict):
        raise ProblemError(f"{loc}: a mapping with id and scenario")
    _only(data, ("id", "scenario"), loc)
    condition_id = _field(data, "id", loc, str)
    path = base / _field(data, "scenario", loc, str)
    try:
        # a fit simulates at its measurements' days, not on the output grid: the warning of a chemotherapy
        # scenario's 1-day grid (hemasim.scenario.plausibility.NADIR_KINDS) is not about it
        with no_output_grid():
            scenario = load_scenario(path)
    except ScenarioError as err:
        raise ProblemError(f"{loc}.scenario: {err}") from None
    one_patient(scenario, f"{loc}.scenario: {path}", condition_id)
    return Condition(condition_id, ScenarioSource(scenario, path)), path


def one_patient(scenario: Any, where: str, condition_id: str, error: type[ProblemError] = ProblemError) -> None:
    """A condition's scenario with a ``population:`` block (a cohort file), refused naming the condition: a fit (and
    fit-population, each condition one individual) simulated the scenario's one patient and left the block unread
    (review35c). ``where``: the field that named the file, and the file."""
    if getattr(scenario, "population", None) is not None:
        from hemasim.scenario.messages import population_refused

        raise error(population_refused(
            where, f"condition {condition_id!r} is simulated as the scenario's one patient",
            "remove it here (fit-population fits a population from conditions of one patient each)"))


def _list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise ProblemError(f"{where}: {key}: a non-empty list is required")
    return value


#: what a fitting problem holds, for the errors of a file that is none
_PROBLEM_FIELDS = ("a fitting problem has measurements, conditions, observables and parameters (examples/fit/problem.yaml, "
                   "docs/fitting.md)")


def load_problem(path: str | Path) -> Problem:
    """Read a problem YAML file, its measurement CSV and its scenarios; check everything (see module doc)."""
    from hemasim._yaml_limits import YamlInputError, load_yaml_file

    p = Path(path)
    try:  # size, depth, alias, duplicate-key and UTF-8 limits (docs/reliability.md, "Input")
        data = load_yaml_file(p, "problem file")
    except YamlInputError as err:
        raise ProblemError(str(err)) from None
    if not data:
        raise ProblemError(f"{p}: the file holds no fields; {_PROBLEM_FIELDS}")
    if not isinstance(data, dict):
        raise ProblemError(f"{p}: the top level must be a mapping of fields (got {type(data).__name__})")
    if (other := wrong_file(data, str(p), "a fitting problem", f"{_PROBLEM_FIELDS}; its conditions name the "
                            "scenario files")) is not None:
        raise ProblemError(other)
    if "format_version" in data:  # a PEtab problem: it read "format_version: unknown field", with no word of what the
        # file is or how hemasim reads it; a v2 one (parameter_files, not parameter_file) was missed (review35f)
        if data["format_version"] in (1, "1") and "parameter_file" in data:
            raise ProblemError(f"{p}: a PEtab problem (format_version, parameter_file), which this command does not "
                               "read; import it in Python: hemasim.inference.run_fit(hemasim.inference.petab."
                               "import_petab(PATH), OUT) (docs/fitting.md, PEtab)")
        version = str(data["format_version"])[:20]
        raise ProblemError(f"{p}: a PEtab problem (format_version {version}), which this command does not read; "
                           "hemasim imports PEtab v1 (format_version 1, parameter_file) in Python: hemasim.inference."
                           "run_fit(hemasim.inference.petab.import_petab(PATH), OUT) (docs/fitting.md, PEtab)")
    where, top = str(p), f"{p}:"  # top: the file, where its top-level fields are named (see _at)
    _only(data, ("name", "description", "measurements", "conditions", "observables", "parameters", "solver"), top)
    base = p.parent
    conditions = [_condition(c, f"{where}: conditions.{i}", base) for i, c in enumerate(_list(data, "conditions", where))]
    observables = [_observable(o, f"{where}: observables.{i}") for i, o in enumerate(_list(data, "observables", where))]
    parameters = [_parameter(x, f"{where}: parameters.{i}") for i, x in enumerate(_list(data, "parameters", where))]
    meas_file = base / _field(data, "measurements", top, str)
    solver = _field(data, "solver", top, dict, {})
    _only(solver, ("rtol",), f"{where}: solver")
    rtol = _field(solver, "rtol", f"{where}: solver", float, 1e-8)
    if not 1e-13 <= rtol <= 1e-3:
        raise ProblemError(f"{where}: solver.rtol: {rtol} is outside 1e-13 .. 1e-3")
    _field(data, "description", top, str, "")  # text, if given (a mapping passed unread)
    if not meas_file.is_file():  # the field, not only the path the error of reading it names
        raise ProblemError(f"{_at(top, 'measurements')}: {quoted(str(meas_file))} is no file (a CSV file's path, "
                           "relative to the problem file's folder)")
    problem = Problem(_field(data, "name", top, str, p.stem), tuple(c for c, _ in conditions), tuple(observables),
                      tuple(parameters), load_measurements(meas_file), rtol, str(p), (str(meas_file),),
                      {"scenario_files": {c.id: str(sp) for c, sp in conditions}})
    return problem.checked()
