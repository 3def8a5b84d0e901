"""The validation scenarios (``validation/scenarios/*.yaml``, shipped with the package) and their cached runs.

A read-out that varies a scenario (an age, a graft dose, a vaccine day) keeps one YAML file and gives the
variation as data: a nested mapping merged into the loaded YAML *before* it is parsed, so the varied scenario is
checked by the schema like any other (``model_copy(update=...)`` would skip that check).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping
from importlib import resources
from typing import Any

import numpy as np

from hemasim._yaml_limits import load_yaml_text
from hemasim.assembly import run_scenario
from hemasim.endpoints import DID_NOT_FALL, evaluate_endpoints
from hemasim.scenario import Scenario, parse_scenario
from hemasim.simulation import Result

#: A change to a scenario's YAML data: a mapping merges into a mapping key by key; into a list, its integer keys
#: name the items to change (``{"interventions": {1: {"cd34_per_kg": 2e6}}}``); any other value replaces.
Variation = Mapping[Any, Any]


def validation_scenario_names() -> list[str]:
    """The names of the shipped validation scenarios (file names without ``.yaml``)."""
    folder = resources.files("hemasim.validation").joinpath("scenarios")
    return sorted(entry.name.removesuffix(".yaml") for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def _scenario_data(name: str) -> dict[str, Any]:
    text = resources.files("hemasim.validation").joinpath("scenarios", f"{name}.yaml").read_text(encoding="utf-8")
    data = load_yaml_text(text, f"validation scenario {name}", "scenario")
    if not isinstance(data, dict):
        raise ValueError(f"validation scenario {name}: the top level must be a mapping")
    return data


def _merged(base: Any, change: Any) -> Any:
    if isinstance(change, Mapping) and isinstance(base, dict):
        return {**base, **{key: _merged(base.get(key), value) for key, value in change.items()}}
    if isinstance(change, Mapping) and isinstance(base, list):
        return [_merged(item, change[i]) if i in change else item for i, item in enumerate(base)]
    return change


def varied_scenario_data(name: str, variation: Variation | None = None) -> dict[str, Any]:
    """The data of the shipped validation scenario ``name`` with ``variation`` merged in (not yet parsed: a cohort
    partition parses it itself)."""
    data = _scenario_data(name)
    return _merged(data, variation) if variation else data


def validation_scenario(name: str, variation: Variation | None = None) -> Scenario:
    """The shipped validation scenario ``name``, with ``variation`` merged into its data before parsing."""
    return parse_scenario(varied_scenario_data(name, variation), f"validation scenario {name}")


def scenario_run(name: str, variation: Variation | None = None) -> Result:
    return run_scenario(validation_scenario(name, variation))


def cached_scenario_run(name: str, variation: Variation | None = None) -> Callable[[], Result]:
    """A zero-argument runner of a validation scenario that simulates once, however many read-outs use it (the
    scenario is read on the first call, not when the read-outs are defined). Read-out modules asking for the same
    scenario and variation get the same runner: one simulation (ms_autologous_hsct was run twice a card, for the
    immunity and the reconstitution targets)."""
    key = (name, _frozen(variation))
    if key not in _RUNNERS:
        _RUNNERS[key] = functools.cache(lambda: scenario_run(name, variation))
    return _RUNNERS[key]


_RUNNERS: dict[tuple[str, Hashable], Callable[[], Result]] = {}


def _frozen(value: Any) -> Hashable:
    """A variation as a hashable key, equal for equal variations (an integer key and its string kept apart: they
    name a list's item and a mapping's key)."""
    if isinstance(value, Mapping):
        return "map", tuple(sorted((repr(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return "seq", tuple(_frozen(v) for v in value)
    return repr(value)


@functools.cache
def endpoints_of(run: Callable[[], Result]) -> dict[str, float | None]:
    """Every endpoint of a (cached) run, evaluated once however many read-outs use it."""
    return {e.name: e.value for e in evaluate_endpoints(run())}


def engraftment_day_after_graft(run: Callable[[], Result], name: str, graft_day: float,
                                did_not_fall: float = 0.0) -> float:
    """Days after the graft on ``graft_day`` of engraftment endpoint ``name`` (neutrophils: first of 3 days with ANC
    >= 0.5e9/L; platelets: first of 7 days >= 20e9/L, after the fall): ``did_not_fall`` where the count never fell
    below the threshold (0, or NaN where the card should show the reading as not computed), the days to the run's end
    (a lower bound) where it did not recover."""
    values = endpoints_of(run)
    value = values[name]
    if value is None and values.get(f"{name}{DID_NOT_FALL}") == 1.0:
        return did_not_fall
    return float(run().times[-1] - graft_day) if value is None else float(value)


def value_at(result: Result, observable: str, day: float) -> float:
    """``observable`` of a result on ``day``, interpolated linearly between its outputs."""
    return float(np.interp(day, result.times, result.observable(observable)))


def value_after_graft(run: Callable[[], Result], observable: str, day: float, graft_day: float) -> float:
    """``observable`` of a run ``day`` days after its graft on ``graft_day``."""
    return value_at(run(), observable, graft_day + day)
