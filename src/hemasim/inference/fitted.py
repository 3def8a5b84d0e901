"""Fitted parameter sets: what ``hemasim fit`` writes and scenarios load (``parameter_set: path/to/fitted.yaml``).

The file is data (YAML)::

    name: docetaxel Friberg chain, synthetic (fitted)
    provenance: {data: [measurements.csv], problem: problem.yaml, objective: 13.81, method: L-BFGS-B,
                 hemasim: 0.1.0}
    parameters:
      - {name: docetaxel_friberg2002__friberg_mean_transit_time_h, id: mtt_h, value: 89.05, unit: h,
         ci95: [80.2, 99.1]}

Loaded into a scenario, each value replaces the default with provenance :class:`~hemasim.parameters.core.Fitted`
(healthy-model parameters) or ``derived: fitted to ...`` (drug-set values), so ``run.json`` names the data; a value
the fit held at its nominal (``fixed: true``) gets :class:`~hemasim.parameters.core.HeldFixed` (``derived: held
fixed ...``) instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hemasim.parameters.core import Fitted, HeldFixed

if TYPE_CHECKING:
    from hemasim.biology.body import Covariates
    from hemasim.inference.objective import Objective
    from hemasim.inference.optimize import FitResult
    from hemasim.inference.uncertainty import Profile
    from hemasim.model import Model
    from hemasim.parameters import ParameterSet
    from hemasim.scenario import Scenario

__all__ = ["FittedValues", "fitted_model", "fitted_parameter_set", "fitted_values_under", "load_fitted_values",
           "write_fitted_set"]


@dataclass(frozen=True)
class FittedValues:
    """Run-record name -> fitted value, the provenance every value carries, and the between-patient variability
    (coefficient of variation) of the names a population fit gave one."""

    values: dict[str, float]
    provenance: Fitted
    iiv_cv: dict[str, float] = field(default_factory=dict)
    #: the names the fit held at their nominal (``fixed: true``): written so that the set runs the fitted model, not
    #: estimated (they were loaded as Fitted, the run record saying the data chose them)
    fixed: frozenset[str] = frozenset()

    def provenance_of(self, name: str) -> Fitted | HeldFixed:
        if name in self.fixed:
            return HeldFixed(self.provenance.data, self.provenance.problem)
        return self.provenance


def fitted_parameter_set(objective: Objective, result: FitResult, profiles: Sequence[Profile] = ()) -> dict[str, Any]:
    """The fitted-set document (model parameters only; noise parameters are in fit.json): the estimates, then the
    values held fixed in the fit (``fixed: true``), so that a scenario loading the set runs the fitted model."""
    from hemasim import __version__

    problem = objective.problem
    ci = {pr.name: [pr.ci_lower, pr.ci_upper] for pr in profiles}
    rows = []
    for p in problem.estimated:
        if p.target is None:
            continue
        row: dict[str, Any] = {"name": p.target, "id": p.id, "value": result.natural[p.id], "unit": p.unit}
        if p.id in ci:
            row["ci95"] = ci[p.id]
        rows.append(row)
    # the values held fixed are part of the fitted model: without them a scenario loading the set ran its defaults
    # under estimates made at other values (gamma fixed at 0.5 ran at the set's 0.161)
    rows += [{"name": p.target, "id": p.id, "value": p.nominal, "unit": p.unit, "fixed": True}
             for p in problem.parameters if not p.estimate and p.target is not None]
    return {"name": f"{problem.name} (fitted)",
            "provenance": {"data": [Path(f).name for f in problem.data_files] or [problem.measurements.source],
                           "problem": Path(problem.problem_file).name if problem.problem_file else problem.name,
                           "objective": result.fun, "method": result.method, "hemasim": __version__},
            "parameters": rows}


def write_fitted_set(document: Mapping[str, Any], path: Path) -> None:
    import yaml

    path.write_text(yaml.safe_dump(dict(document), sort_keys=False), encoding="utf-8")


def fitted_healthy_values(path: str | Path) -> dict[str, float]:
    """The values of a fitted set that are healthy-model parameters (not drug-set values): what interventions read
    from the parameter table when they make their events (a graft's content per CD34+ cell)."""
    from hemasim.parameters import healthy_adult_parameters

    table = healthy_adult_parameters()
    return {name: v for name, v in load_fitted_values(path).values.items() if name in table}


def load_fitted_values(path: str | Path) -> FittedValues:
    """Read a fitted-set file; a ValueError naming the file and field when it is not one, or when a healthy-model
    value is outside its parameter's bounds (a population fit's typical value is not bounded)."""
    from hemasim._yaml_limits import YamlInputError, load_yaml_file

    p = Path(path)
    try:  # size, depth, alias, duplicate-key and UTF-8 limits (docs/reliability.md, "Input")
        data = load_yaml_file(p, "parameter set")
    except YamlInputError as err:
        raise ValueError(f"parameter_set: {err}") from None
    from hemasim._file_kinds import wrong_file

    holds = "a fitted parameter set has provenance and parameters (hemasim fit writes fitted_parameters.yaml)"
    if (other := wrong_file(data, str(p), "a fitted parameter set", holds)) is not None:
        raise ValueError(f"parameter_set: {other}")
    if not isinstance(data, dict) or not isinstance(data.get("parameters"), list) \
            or not isinstance(data.get("provenance"), dict):
        raise ValueError(f"parameter_set: {p}: not a fitted parameter set (needs provenance and parameters)")
    from hemasim.scenario.overrides import check_overrides, parameter_table

    prov = data["provenance"]
    table = parameter_table()
    values: dict[str, float] = {}
    iiv_cv: dict[str, float] = {}
    fixed: set[str] = set()
    for i, row in enumerate(data["parameters"]):
        if not isinstance(row, dict) or not isinstance(row.get("name"), str) \
                or not isinstance(row.get("value"), int | float) or not math.isfinite(row["value"]):
            raise ValueError(f"parameter_set: {p}: parameters.{i}: needs a name and a finite value")
        if row["name"] in table:  # a healthy-model value as a scenario's `parameters:` takes it: within its bounds,
            try:  # so that the model and the events (which read the table) refuse or take it alike
                check_overrides({row["name"]: row["value"]}, whole=False)
            except ValueError as err:
                raise ValueError(f"parameter_set: {p}: parameters.{i}.value: {err}") from None
        values[row["name"]] = float(row["value"])
        if (held := row.get("fixed", False)) is not False:
            if held is not True:
                raise ValueError(f"parameter_set: {p}: parameters.{i}.fixed: must be true or false, got {held!r}")
            fixed.add(row["name"])
        cv = row.get("iiv_cv")
        if cv is not None:
            if not (isinstance(cv, int | float) and math.isfinite(cv) and cv >= 0):
                raise ValueError(f"parameter_set: {p}: parameters.{i}.iiv_cv: must be a number >= 0, got {cv!r}")
            iiv_cv[row["name"]] = float(cv)
    try:
        fitted = Fitted(tuple(str(d) for d in prov.get("data", ())), str(prov.get("problem", "")),
                        float(prov.get("objective", math.nan)))
    except (TypeError, ValueError):
        raise ValueError(f"parameter_set: {p}: provenance: data, problem and objective are required") from None
    return FittedValues(values, fitted, iiv_cv, frozenset(fixed))


def fitted_values_under(fitted: FittedValues, scenario: Scenario) -> dict[str, float]:
    """The fitted values a scenario's model takes: the scenario's own ``parameters:`` (and --set) are the most
    specific choice and win over the fitted set (as they do in its events, :func:`hemasim.assembly.build_events`)."""
    return {name: v for name, v in fitted.values.items() if name not in scenario.parameters}


def fitted_model(scenario: Scenario, path: str, covariates: Covariates | None = None,
                 parameters: ParameterSet | None = None, per_patient: Mapping[str, Any] | None = None,
                 drug_per_patient: Mapping[str, Mapping[str, Any]] | None = None) -> Model:
    """The scenario's model with the fitted set at ``path`` (what :func:`hemasim.assembly.build_model` builds
    when the scenario names a ``parameter_set``); ``drug_per_patient`` as :func:`~hemasim.inference.sources.
    scenario_model` takes it (per-patient drug-set values, over the fitted ones: a sweep of the Friberg chain)."""
    from hemasim.inference.sources import ScenarioSource, scenario_model

    fitted = load_fitted_values(path)
    source = ScenarioSource(scenario)
    unknown = sorted(set(fitted.values) - source.parameter_names)
    if unknown:
        raise ValueError(f"parameter_set: {path}: {unknown[0]!r} is not a parameter of this scenario's model")
    return scenario_model(scenario, fitted_values_under(fitted, scenario), source.drug_sets, source.drug_parameter_paths,
                          covariates=covariates, parameters=parameters, per_patient=per_patient,
                          fitted=fitted.provenance, drug_per_patient=drug_per_patient, held_fixed=fitted.fixed)
