"""Parameter overrides: ``parameters:`` in a scenario and ``--set NAME=VALUE`` on the command line.

A scenario may change any value of the parameter table (docs/parameters.md) of the full model::

    parameters:
      bacteria_growth_per_day: 3.0                        # in the unit of the parameter record
      igg_half_life_days: {value: 25, unit: day}          # the unit, when stated, must be the record's

Each name must be in the table, each value a finite number within the parameter's bounds (a count of stages or
divisions, ``COUNT_PARAMETERS``, a whole number); a run records the
changed values with :class:`~hemasim.parameters.UserOverride` provenance (run.json shows the default they
replaced). Values are numbers only: nothing is evaluated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, overload

from pydantic import BeforeValidator

from hemasim._schema import OWN_NUMBER_CHECKS, suggestions
from hemasim.parameters import Parameter, ParameterSet, UserOverride, healthy_adult_parameters

if TYPE_CHECKING:
    from hemasim.scenario import Scenario

__all__ = ["ParameterOverrides", "PartialParameterOverrides", "apply_overrides", "check_overrides", "parameter_table",
           "parse_set_options", "with_set_options"]


@cache
def parameter_table() -> ParameterSet:
    """The shipped parameter table, built once: what an override's name and value are checked against (and what the
    explorer's override controls list)."""
    return healthy_adult_parameters()


def close_names(name: str, n: int = 3) -> list[str]:
    """Parameter names of the table that ``name`` was probably meant to be (for error messages): the package's
    rule (:func:`hemasim._schema.suggestions`), with a word found anywhere in a name (``renewal``,
    ``setpoint``: parameters are named by what they belong to first)."""
    return suggestions(name, parameter_table(), n, anywhere=True)


def unknown_name_hint(name: str, otherwise: str = "; see docs/parameters.md for the names") -> str:
    """What to say after "unknown parameter NAME": the record that replaced a former name (a renamed parameter), else
    the names it was probably meant to be, else ``otherwise``."""
    from hemasim.parameters import renamed_note

    renamed = renamed_note(name)
    if renamed is not None:
        return f"; {renamed}"
    close = close_names(name)
    return f"; did you mean {', '.join(close)}?" if close else otherwise


#: a number in exponent form without a dot (2e5), which YAML 1.1 (PyYAML) reads as a string; the scenario schema
#: reads such strings as numbers (hemasim._schema), and so does a parameters block
_EXPONENT_FORM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def _unit_suffix(record: Parameter) -> str:
    """`` day`` after a value of the parameter; nothing for a share (unit "1")."""
    return "" if record.unit == "1" else f" {record.unit}"


def _allowed(record: Parameter) -> str:
    """A parameter's bounds as its errors give them: ``[0, 1]``, ``[5, 1000] day`` (no unit for a share)."""
    lo, hi = record.bounds
    return f"[{lo:g}, {hi:g}]{_unit_suffix(record)}"


def _number(name: str, raw: object, allowed: str) -> float:
    """``raw`` as a finite number, else the error naming the parameter and its ``allowed`` values."""
    if isinstance(raw, str) and _EXPONENT_FORM.fullmatch(raw.strip()):
        raw = float(raw)
    if isinstance(raw, bool):
        raise ValueError(f"{name}: expected a number in {allowed}, not a boolean (got {str(raw).lower()})")
    if not isinstance(raw, int | float):
        raise ValueError(f"{name}: the value must be a number in {allowed} (got {raw!r})")
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"{name}: the value must be a finite number in {allowed} (got {raw!r})")
    return value


def drug_set_value(name: str) -> tuple[str, str] | None:
    """For a drug-set value's run-record name (``docetaxel_kloft2006__friberg_mean_transit_time_h``, as run.json and
    a fit name it): the shipped set and the value's dotted path (``friberg.mean_transit_time_h``); else None."""
    set_name, sep, path = name.partition("__")
    if not sep:
        return None
    dotted = shipped_drug_set_values(set_name)
    return (set_name, dotted[path]) if path in dotted else None


def shipped_drug_set_values(set_name: str) -> dict[str, str]:
    """The values of the shipped drug set ``set_name``: the part of each one's run-record name after ``__``
    (``friberg_mean_transit_time_h``) -> its dotted path (``friberg.mean_transit_time_h``); empty when hemasim ships
    no set of that name."""
    from hemasim.pharmacology.drug_sets import available_drug_sets, load_drug_set  # only for a name of this form

    if set_name not in available_drug_sets():
        return {}
    return {p.replace(".", "_"): p for p, _ in load_drug_set(set_name).values_with_paths()}


def _drug_set_value_hint(name: str) -> str:
    """Why a drug-set value cannot be overridden here and where it can be changed; empty for any other name."""
    found = drug_set_value(name)
    if found is None:
        return ""
    return (f"a value of drug set {found[0]} ({found[1]}), not a parameter of the healthy model, which is all that "
            "parameters: and --set change (docs/parameters.md); change it in a copy of the set's file given by its "
            "path as drug_set (docs/drugs.md), or fit it and load the result with parameter_set: (docs/fitting.md)")


def _one(name: object, raw: object) -> tuple[str, float]:
    """One override checked against the table: (name, value in the record's unit)."""
    if not isinstance(name, str):
        raise ValueError(f"{name!r}: parameter names are text")
    table = parameter_table()
    if name not in table:
        drug_value = _drug_set_value_hint(name)
        if drug_value:
            raise ValueError(f"{name}: {drug_value}")
        raise ValueError(f"{name}: unknown parameter{unknown_name_hint(name)}")
    record = table[name]
    if isinstance(raw, Mapping):
        extra = set(raw) - {"value", "unit"}
        if extra or "value" not in raw:
            raise ValueError(f"{name}: write a number, or {{value: NUMBER, unit: TEXT}} (got fields "
                             f"{', '.join(map(str, raw))})")
        unit = raw.get("unit")
        if unit is not None and unit != record.unit:
            raise ValueError(f"{name}.unit: the parameter is in {record.unit!r}; got {unit!r} (no unit conversion)")
        raw = raw["value"]
    value = _number(name, raw, _allowed(record))
    lo, hi = record.bounds
    if not lo <= value <= hi:
        raise ValueError(f"{name}: {value:g}{_unit_suffix(record)} is outside the parameter's bounds {_allowed(record)}")
    from hemasim.biology.builder import COUNT_PARAMETERS, whole_count

    if name in COUNT_PARAMETERS:
        # refused here, where `hemasim check` sees it: the build refused it (BuildContext.p_count) only once a run
        # started, after `hemasim check` had called the scenario valid (branch ux33); 4.0000000001 is 4 (the one
        # whole-number rule, builder.WHOLE_TOLERANCE)
        value = float(whole_count(name, value))
    return name, value


def _check_sums(values: Mapping[str, float]) -> None:
    """Shares of one cell that the overrides (with the table's values for the others) make add up to more than 1."""
    from hemasim.parameters.sets.vaccine_kinetics import PLASMA_CELL_SHARES, plasma_cell_shares_problem

    table = parameter_table()
    for names in PLASMA_CELL_SHARES.values():
        if any(n in values for n in names):
            problem = plasma_cell_shares_problem(names, sum(values.get(n, table[n].value) for n in names))
            if problem:
                raise ValueError(problem)


def check_overrides(raw: object, whole: bool = True) -> dict[str, float]:
    """Validate overrides (a mapping name -> number or {value, unit}); raises ValueError naming the parameter.
    ``whole``: the values are all a run changes, so shares of one cell must add up to at most 1 with the table's
    values for the others; False for a part merged over other values later (an arm's block, ``--set``), whose sums
    are checked once merged (the base's values stand in for the table's)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"the parameters block must be a mapping of name: value (got {type(raw).__name__})")
    values = dict(_one(k, v) for k, v in raw.items())
    if whole:
        _check_sums(values)
    return values


def _check_part(raw: object) -> dict[str, float]:
    return check_overrides(raw, whole=False)


#: The schema type of a ``parameters:`` block: normalised to name -> value in the record's unit.
ParameterOverrides = Annotated[dict[str, float], OWN_NUMBER_CHECKS, BeforeValidator(check_overrides)]
#: The same for a block merged over a scenario's ``parameters:`` (an arm's): sums checked in the merged scenario.
PartialParameterOverrides = Annotated[dict[str, float], OWN_NUMBER_CHECKS, BeforeValidator(_check_part)]


@overload
def apply_overrides(overrides: Mapping[str, float], parameters: ParameterSet) -> ParameterSet: ...


@overload
def apply_overrides(overrides: Mapping[str, float], parameters: None = None) -> ParameterSet | None: ...


def apply_overrides(overrides: Mapping[str, float], parameters: ParameterSet | None = None) -> ParameterSet | None:
    """``parameters`` (default: the healthy adult table) with the overrides (UserOverride provenance); None when
    there is nothing to change and no set was given (the model then uses its default)."""
    if not overrides:
        return parameters
    base = parameters if parameters is not None else parameter_table()
    # a set that already carries these overrides (a cohort applies them before drawing patients) is kept as it is
    todo = {k: v for k, v in overrides.items()
            if not (isinstance(base[k].provenance, UserOverride) and base[k].value == v)}
    return base.with_values(**todo) if todo else base


def parse_set_options(options: Iterable[str]) -> dict[str, float]:
    """``NAME=VALUE`` strings (``--set``) as checked overrides; the value is parsed as a number, never evaluated."""
    out: dict[str, object] = {}
    for text in options:
        name, sep, value = text.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise ValueError(f"--set {text!r}: write NAME=VALUE, e.g. --set igg_half_life_days=25")
        try:
            number = float(value)
        except ValueError:
            unit = f", in the parameter's unit ({parameter_table()[name].unit})" if name in parameter_table() else ""
            raise ValueError(f"--set {text!r}: {value!r} is not a number; write the number alone{unit}") from None
        if name in out:  # the last one won silently, as PyYAML keeps the last of two equal keys (refused in a file)
            raise ValueError(f"--set {name}: given twice ({out[name]:g} and {number:g}); give each parameter once")
        out[name] = number
    try:
        return check_overrides(out, whole=False)  # merged over the file's values, then checked whole
    except ValueError as err:
        raise ValueError(f"--set {err}") from None


def merged_overrides(base: Mapping[str, float], *more: Mapping[str, Any] | None) -> dict[str, float]:
    """``base`` updated by each of ``more`` in turn (later wins)."""
    out = dict(base)
    for m in more:
        out.update(m or {})
    return out


def with_set_options(scenario: Scenario, options: Iterable[str], source: str = "--set") -> Scenario:
    """``scenario`` with ``--set NAME=VALUE`` overrides on top of its ``parameters:`` (they apply to every arm, and
    win over the arms' own values); checked again as a whole (a Friberg chain refuses them)."""
    from hemasim.scenario import parse_scenario

    sets = parse_set_options(options)
    if not sets:
        return scenario
    data = scenario.model_dump(mode="json")
    data["parameters"] = {**scenario.parameters, **sets}
    data["arms"] = [{**arm.model_dump(mode="json", exclude_none=True), "parameters": {**(arm.parameters or {}), **sets}}
                    for arm in scenario.arms]
    return parse_scenario(data, source)
