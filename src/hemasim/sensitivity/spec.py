"""Sweep and sensitivity files: data only (YAML read within limits, strict schema, errors naming file and field).

A factor is a parameter of the healthy model (``parameter: NAME``; docs/parameters.md) or a number in the
scenario (``field: interventions.0.dose_mg_per_m2``), with its range either in its own unit (``range: [lo, hi]``)
or relative to the scenario's value (``relative: [0.5, 2]``), sampled linearly or on a log scale::

    sweep:
      method: grid            # or latin_hypercube
      n_points: 7             # per factor (grid) or in all (latin_hypercube)
      seed: 0
      factors:
        - {parameter: neutrophil_feedback_log_slope, relative: [0.5, 2], log: true}
        - {field: interventions.0.dose_mg_per_m2, range: [60, 120]}

    sensitivity:
      method: morris          # or sobol, local
      trajectories: 10        # morris: r; levels: 4
      samples: 256            # sobol: N (a power of 2), N (k + 2) runs
      step: 0.01              # local: relative step h of the central difference
      factors: [...]          # as above
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationError, model_validator

from hemasim._file_kinds import wrong_file
from hemasim._schema import StrictData, closest, field_hints, validation_problems
from hemasim.scenario import Scenario
from hemasim.sensitivity.design import Factor

if TYPE_CHECKING:
    from hemasim.parameters import ParameterSet

__all__ = ["FactorSpec", "SensitivitySpec", "SpecError", "SweepSpec", "coupling_parameters", "factor_parameters",
           "load_spec", "resolve_factors"]

MAX_POINTS = 100_000  # a sweep or design larger than this is refused before anything runs


class SpecError(ValueError):
    """A sweep or sensitivity file that cannot be used (one line per problem, naming the file and field)."""


class FactorSpec(StrictData):
    parameter: str | None = Field(default=None, min_length=1, description="a parameter of docs/parameters.md")
    field: str | None = Field(default=None, min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$",
                              description="a number in the scenario, as a dotted path")
    range: tuple[float, float] | None = Field(default=None, description="[low, high] in the factor's unit")
    relative: tuple[float, float] | None = Field(default=None, description="[low, high] x the scenario's value")
    log: bool = False
    n_points: int | None = Field(default=None, ge=1, le=1000, description="grid levels of this factor")

    @model_validator(mode="after")
    def _one_of_each(self) -> FactorSpec:
        if (self.parameter is None) == (self.field is None):
            raise ValueError("give exactly one of parameter or field")
        if (self.range is None) == (self.relative is None):
            raise ValueError("give exactly one of range or relative")
        key = "range" if self.range is not None else "relative"
        lo, hi = self.range if self.range is not None else self.relative  # type: ignore[misc]
        got = f"(got [{lo:g}, {hi:g}])"
        if self.relative is not None and lo <= 0:
            raise ValueError(f"relative: multiples of the scenario's value, both above 0, low first (e.g. [0.5, 2]) "
                             f"{got}")
        if not lo < hi:
            raise ValueError(f"{key}: [low, high] with low < high {got}")
        if self.log and lo <= 0:
            raise ValueError(f"log: a log scale needs a {key} above 0 {got}")
        return self

    @property
    def name(self) -> str:
        return self.parameter if self.parameter is not None else str(self.field)


class SweepSpec(StrictData):
    method: Literal["grid", "latin_hypercube"] = "grid"
    n_points: int = Field(default=9, ge=1, le=MAX_POINTS)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)  # a scenario's seed's bounds (a 64-bit integer)
    rtol: float | None = Field(default=None, gt=0, lt=1e-2)
    factors: list[FactorSpec] = Field(min_length=1, max_length=50)
    time_averages: list[str] = Field(default_factory=list, description="observables also averaged over the run")

    @model_validator(mode="after")
    def _size(self) -> SweepSpec:
        if self.method == "grid" and math.prod(f.n_points or self.n_points for f in self.factors) > MAX_POINTS:
            raise ValueError(f"the grid has more than {MAX_POINTS} points")
        return self


class SensitivitySpec(StrictData):
    method: Literal["morris", "sobol", "local"] = "morris"
    trajectories: int = Field(default=10, ge=2, le=1000)
    levels: int = Field(default=4, ge=2, le=20)
    samples: int = Field(default=256, ge=8, le=2**16)
    step: float = Field(default=0.01, gt=0, le=0.2)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)  # a scenario's seed's bounds (a 64-bit integer)
    rtol: float | None = Field(default=None, gt=0, lt=1e-2)
    factors: list[FactorSpec] = Field(min_length=1, max_length=500)
    time_averages: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _design(self) -> SensitivitySpec:
        if self.levels % 2:
            raise ValueError(f"levels: must be even (got {self.levels})")
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples: Sobol' sampling needs a power of 2 (got {self.samples})")
        # refused before anything runs, as a sweep's grid is (MAX_POINTS): a Sobol' design of 2^16 samples was taken
        # whatever the number of factors, and its unit design alone can outgrow the memory
        if self.design_size() > MAX_POINTS:  # (local: at most 4 x 500 + 1)
            fewer = "trajectories" if self.method == "morris" else "samples"
            raise ValueError(f"the {self.method} design has {self.design_size():,} points, more than "
                             f"{MAX_POINTS:,}: fewer {fewer} or factors")
        return self

    def design_size(self) -> int:
        """How many points the design evaluates, the scenario's own values first: Morris r (k + 1) + 1, Sobol'
        N (k + 2) + 1, local 4 k + 1 (steps h and h/2)."""
        k = len(self.factors)
        if self.method == "morris":
            return self.trajectories * (k + 1) + 1
        if self.method == "sobol":
            return self.samples * (k + 2) + 1
        return 4 * k + 1


#: each command that reads a design file: what it calls the file, and its command line (the scenario first)
DESIGN_FILES = {"sweep": ("a sweep file", "hemasim sweep SCENARIO.yaml SWEEP.yaml --out DIR"),
                "sensitivity": ("a sensitivity design",
                                "hemasim sensitivity SCENARIO.yaml --file SENSITIVITY.yaml --out DIR")}


def _found(data: object, source: str, command: str = "sweep") -> str:
    """What a sweep file holds instead of its one block: nothing, a list, a misspelt block name (did you mean) or
    other keys; a scenario, with ``command``'s own line (``hemasim sensitivity --file`` suggested a sweep's)."""
    if data is None or data == {}:
        return " (the file holds nothing)"
    if not isinstance(data, dict):
        return f" (it holds a {type(data).__name__})"
    keys = [str(k) for k in data]
    noun, usage = DESIGN_FILES[command]
    if {"patient", "duration_days"} & set(keys):
        return f" (it is a scenario: the scenario comes first, `{usage}`)"
    other = wrong_file(data, source, noun, "", kinds=("a sweep file", "a sensitivity design", "a scenario"))
    if other is not None:  # "SOURCE: this is a fitting problem (...), not a sweep file: run it with `hemasim fit ...`; "
        return f" ({other.removeprefix(f'{source}: ').removesuffix('; ')})"
    meant = [m for k in keys if (m := closest(k, ("sweep", "sensitivity"))) is not None and m not in keys]
    return (f" (it holds {', '.join(f'`{k}:`' for k in keys[:5])}{', ...' if len(keys) > 5 else ''}"
            f"{f'; did you mean `{meant[0]}:`?' if meant else ''})")


def load_spec(path: str | Path, command: str = "sweep") -> SweepSpec | SensitivitySpec:
    """A file holding a ``sweep:`` or a ``sensitivity:`` block (or a scenario with one beside its fields is
    not accepted: keep them in their own file, next to the scenario); ``command`` (a key of :data:`DESIGN_FILES`),
    the one that reads it, names the file and its command line in the errors."""
    from hemasim._yaml_limits import YamlInputError, load_yaml_file

    p = Path(path)
    try:
        data = load_yaml_file(p, DESIGN_FILES[command][0].removeprefix("a "))
    except YamlInputError as err:
        raise SpecError(str(err)) from None
    if not isinstance(data, dict) or len(data) != 1 or next(iter(data)) not in ("sweep", "sensitivity"):
        raise SpecError(f"{p}: the file must hold one block, `sweep:` or `sensitivity:`{_found(data, str(p), command)}")
    key, body = next(iter(data.items()))
    schema: type[SweepSpec] | type[SensitivitySpec] = SweepSpec if key == "sweep" else SensitivitySpec
    try:
        return schema.model_validate(body)
    except ValidationError as err:
        lines = field_hints(validation_problems(err, model=schema), err, schema)
        # a problem of the block as a whole (the design's size) is the block's, not a field "top level" of it
        raise SpecError("\n".join(f"{p}: {key}: {line.removeprefix('top level: ')}" if line.startswith("top level: ")
                                   else f"{p}: {key}.{line}" for line in lines)) from None


def _scenario_value(scenario: Scenario, path: str) -> float:
    node: object = scenario.model_dump(mode="json")
    done: list[str] = []
    for key in path.split("."):
        try:
            node = node[int(key)] if isinstance(node, list) else node[key]  # type: ignore[index]
        except (KeyError, IndexError, ValueError, TypeError):
            raise ValueError(f"the scenario has no field {path}{_field_hint(node, done, key)}") from None
        done.append(key)
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise ValueError(f"the scenario's {path} is not a number")
    return float(node)


def _field_hint(node: object, done: Sequence[str], key: str) -> str:
    """Where a factor's path went wrong at ``key`` after ``done``: the numbers and groups of fields it could go on to
    there, those ``key`` resembles first (``interventions.0.dose``: "interventions.0.dose_mg_per_m2, ..."), or how
    many items a list holds (branch ux33: the refusal named the path alone)."""
    from hemasim._schema import suggestions

    at = ".".join(done)
    if isinstance(node, list):
        return f"; {at} holds {len(node)} item(s), numbered from 0" if node else f"; {at} is empty"
    if not isinstance(node, dict):
        return f"; {at} is a value, not a group of fields" if at else ""
    names = [str(k) for k, v in node.items()
             if isinstance(v, dict | list) and v or isinstance(v, int | float) and not isinstance(v, bool)]
    if not names:
        return ""
    listed = list(dict.fromkeys([*suggestions(key, names), *names]))
    prefix = f"{at}." if at else ""
    return f"; the fields there: {', '.join(prefix + n for n in listed[:8])}{', ...' if len(listed) > 8 else ''}"


def factor_parameters(scenario: Scenario) -> ParameterSet:
    """The parameters a factor may name, with the scenario's values: the healthy model's (with its ``parameters:``),
    or, for the published Friberg chain (``model: {kind: friberg_chain}``), the values of its drug set that the chain
    and its PK use, by run-record name (``docetaxel_kloft2006__friberg_mean_transit_time_h``, as a fit names them)."""
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import FribergChain
    from hemasim.scenario.overrides import apply_overrides

    if isinstance(scenario.model, FribergChain):
        from hemasim.assembly import build_model

        return build_model(scenario).parameters
    if scenario.parameter_set is not None:
        # a fitted set's healthy-model values under the scenario's own, as its model and events take them: a
        # factor's relative range and the design's base point are around the value the scenario runs with (they
        # were around the table's, and the base point ran the table's value in place of the fitted one)
        from hemasim.assembly import event_table

        return event_table(scenario)
    return apply_overrides(scenario.parameters, healthy_adult_parameters())


def coupling_parameters(scenario: Scenario) -> ParameterSet:
    """The parameters a coupling may refit, with the scenario's values: the model's whole table, the values of the
    drug sets it doses by run-record name included (``docetaxel_kloft2006__effects_0_full_model_slope_L_per_umol``:
    a batch carries them per point, :mod:`hemasim.sensitivity.batch`), which :func:`factor_parameters` leaves out of
    the full model's factors."""
    from hemasim.assembly import build_model

    return build_model(scenario).parameters


def _not_in_chain(at: str, name: str, table: ParameterSet) -> SpecError:
    """A parameter the Friberg chain does not have: what can be swept on it instead."""
    return SpecError(f"{at}.parameter: {name} is not a value of the Friberg chain (model: friberg_chain has none of the "
                     f"healthy model's parameters); sweep the chain's values ({', '.join(table)}) or the scenario's "
                     "fields (interventions.0.dose_mg_per_m2, a schedule's days, the patient's weight_kg), or leave "
                     "out the model block to sweep the full model")


def resolve_factors(specs: Sequence[FactorSpec], scenario: Scenario, where: str = "factors") -> list[Factor]:
    """Factors with absolute ranges: parameters checked against the table (a ``range`` within the record's
    bounds; a ``relative`` range clipped to them), fields against the scenario."""
    from hemasim.scenario import FribergChain
    from hemasim.scenario.overrides import drug_set_value, unknown_name_hint

    table = factor_parameters(scenario)
    out, seen = [], set()
    for i, f in enumerate(specs):
        at = f"{where}.{i}"
        if f.name in seen:
            raise SpecError(f"{at}: {f.name} is listed twice")
        seen.add(f.name)
        if f.parameter is not None:
            if f.parameter not in table and isinstance(scenario.model, FribergChain):
                raise _not_in_chain(at, f.parameter, table)
            if f.parameter not in table:
                found = drug_set_value(f.parameter)
                if found is not None:
                    raise SpecError(f"{at}.parameter: {f.parameter} is a value of drug set {found[0]} ({found[1]}), "
                                    "which sweeps and sensitivities of the full model do not vary (they vary the "
                                    "healthy model's parameters, docs/parameters.md, and the scenario's fields, a "
                                    "dose among them; on the Friberg chain, model: friberg_chain, they vary its "
                                    "set's values); compare copies of the set's file as scenarios, or fit the value "
                                    "(docs/fitting.md)")
                hint = unknown_name_hint(f.parameter, "; see docs/parameters.md")
                raise SpecError(f"{at}.parameter: unknown parameter {f.parameter}{hint}")
            value, (lo_b, hi_b) = table.value(f.parameter), table[f.parameter].bounds
        else:
            try:
                value, (lo_b, hi_b) = _scenario_value(scenario, str(f.field)), (-math.inf, math.inf)
            except ValueError as err:
                raise SpecError(f"{at}.field: {err}") from None
        if f.range is not None:
            lo, hi = f.range
            if lo < lo_b or hi > hi_b:
                raise SpecError(f"{at}.range: [{lo:g}, {hi:g}] leaves the parameter's bounds [{lo_b:g}, {hi_b:g}]")
        else:
            lo, hi = sorted((f.relative[0] * value, f.relative[1] * value))  # type: ignore[index]
            lo, hi = max(lo, lo_b), min(hi, hi_b)
            if not lo < hi:
                raise SpecError(f"{at}.relative: the scenario's value {value:g} gives an empty range")
        if f.log and lo <= 0:
            raise SpecError(f"{at}.log: a log scale needs values above 0 (range [{lo:g}, {hi:g}])")
        if f.field is not None:
            _check_field_ends(scenario, str(f.field), lo, hi, f"{at}.{'range' if f.range is not None else 'relative'}")
        out.append(Factor(f.name, lo, hi, f.log, f.field is not None, value))
    return out


def _check_field_ends(scenario: Scenario, path: str, lo: float, hi: float, at: str) -> None:
    """Both ends of a scenario field's range must make a valid scenario: checked before any point runs (a dose
    out of the field's bounds failed in its batch, after the other values had run, and was named by the scenario's
    path, not by the sweep's range)."""
    from hemasim.scenario import ScenarioError
    from hemasim.sensitivity.batch import scenario_with_fields

    for end in (lo, hi):
        try:
            scenario_with_fields(scenario, {path: end})
        except ScenarioError as err:
            problems = [line.split(": ", 1)[-1] for line in str(err).splitlines() if line.strip()]
            raise SpecError(f"{at}: {path} = {end:g} makes no valid scenario: {'; '.join(problems)}") from None

