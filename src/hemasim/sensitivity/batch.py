"""Many parameter points of one scenario as one batch of "patients" on the lock-step kernel.

A batch is a cohort whose patients share the scenario's patient and differ only in parameter values: the
points become the ``per_patient`` arrays of :func:`hemasim.assembly.build_model` (the cohort path: the
model is built once in array arithmetic and compiled once), run by :class:`hemasim.simulation.Simulation` and
read by the same endpoint families as a single run or a cohort. Two kinds of factor need more than one batch:
a parameter the compiled model shares between patients (:meth:`BuildContext.p_shared`, e.g. a signal weight)
and a scenario field (a dose, a day): points with equal values of those run together, as one batch each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hemasim.biology.body import Covariates
from hemasim.scenario import FribergChain, Scenario

if TYPE_CHECKING:
    from hemasim.model.core import Model

__all__ = ["ProgressFn", "evaluate_points", "failed_points", "scenario_with_fields", "time_averaged_name"]

#: called with the number of points finished so far
ProgressFn = Callable[[int], None]

#: a parameter the model shares between patients: refused when the model is built, or (a drug's central volume,
#: which weighs its concentration signal) when it is compiled
_SHARED = re.compile(r"parameter (\S+) must be the same for every patient|"
                     r"signal (\S+): weights must be the same for every patient")
#: points per batch: a few lock-step chunks, so a progress bar moves and memory stays small
BATCH_SIZE = 128


def failed_points(table: pd.DataFrame, endpoints: Sequence[str]) -> np.ndarray:
    """The points (rows of a design's table) with no endpoint at all: they could not be built or integrated (a
    steady-state balance that cannot close, the solver's step budget), so :func:`evaluate_points` left every endpoint
    empty there. The one rule the plots and the commands' warning read (branch mend33: written twice before)."""
    columns = list(endpoints)
    return table[columns].isna().all(axis=1).to_numpy() if columns else np.zeros(len(table), dtype=bool)


def time_averaged_name(observable: str) -> str:
    return f"{observable}_time_average"


def scenario_with_fields(scenario: Scenario, fields: Mapping[str, float]) -> Scenario:
    """The scenario with values at dotted paths (``interventions.0.dose_mg_per_m2``), validated as a whole."""
    from hemasim.scenario import parse_scenario

    if not fields:
        return scenario
    data = scenario.model_dump(mode="json", exclude_unset=True)
    whole: dict[str, object] | None = None
    for path, value in fields.items():
        node: object = data
        keys = path.split(".")
        for depth, key in enumerate(keys[:-1]):
            if isinstance(node, dict) and key not in node:
                # a group the file left at its default (solver, output): its values as the scenario has them (a
                # KeyError's traceback before)
                whole = scenario.model_dump(mode="json") if whole is None else whole
                group: object = whole
                for k in keys[:depth + 1]:
                    group = group[int(k)] if isinstance(group, list) else group[k]  # type: ignore[index]
                node[key] = group
            node = node[int(key)] if isinstance(node, list) else node[key]  # type: ignore[index]
        last = keys[-1]
        if isinstance(node, list):
            node[int(last)] = float(value)  # a numpy float printed as np.float64(...) in errors
        else:
            node[last] = float(value)  # type: ignore[index]
    return parse_scenario(data, f"scenario with {', '.join(f'{k}={v:g}' for k, v in fields.items())}")


def batch_covariates(scenario: Scenario, n: int) -> Covariates:
    """The scenario's patient, ``n`` times (arrays, as a cohort's covariates)."""
    one = scenario.patient.covariates()
    height = None if one.height_cm is None else np.full(n, one.height_cm, dtype=np.float64)
    return Covariates(np.full(n, one.age_years, dtype=np.float64), np.full(n, one.sex, dtype=object),
                      np.full(n, one.weight_kg, dtype=np.float64), height)


def _run_batch(scenario: Scenario, per_patient: dict[str, np.ndarray], shared: Mapping[str, float],
               rtol: float | None, averaged: Sequence[str]) -> pd.DataFrame:
    """Endpoints (one row per point) of one batch: ``per_patient`` arrays of equal length N; ``shared``
    parameters set in the parameter table for the whole batch."""
    from hemasim.assembly import (
        batch_events,
        scenario_endpoint_observables,
        scenario_endpoint_values,
        scenario_output_days,
    )
    from hemasim.cohort.runner import cohort_model
    from hemasim.endpoints import DEFAULT_ENDPOINTS, endpoint_observables
    from hemasim.interventions.base import EndpointContext
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.simulation import Simulation

    n = len(next(iter(per_patient.values())))
    cov = batch_covariates(scenario, n)
    if shared:  # the scenario's own overrides, then the shared values of this batch
        scenario = scenario.model_copy(update={"parameters": {**scenario.parameters, **shared}})
    drug_values: dict[str, dict[str, np.ndarray]] = {}
    if isinstance(scenario.model, FribergChain):
        built, drug_values = _friberg_batch(scenario, per_patient)
    else:
        per_patient, drug_values = _drug_columns(scenario, per_patient)
        built = cohort_model(scenario, cov, healthy_adult_parameters(), per_patient, drug_values)
    # the endpoints read the values the model was built with, as a single run's do: a fitted parameter_set's
    # (a recovery endpoint's reference count, a drug's PK for its Cmax) over the table, then the scenario's own
    params = built.parameters
    model = built.compile()
    unknown = [name for name in averaged if name not in model.observable_names]
    if unknown:
        raise ValueError(f"time_averages: the model has no observable {unknown[0]!r}; it has "
                         f"{', '.join(model.observable_names)}")
    extra = scenario_endpoint_observables(scenario, model.observable_names)
    # the observables a model lacks are skipped, as in a single run (the Friberg chain has one lineage)
    endpoints = [e for e in DEFAULT_ENDPOINTS if e.observable in model.observable_names]
    observe = list(dict.fromkeys([*endpoint_observables(tuple(endpoints)), *extra, *averaged]))
    solver = scenario.solver.build()
    if rtol is not None:
        solver = replace(solver, rtol=rtol)
    # a graft's per-CD34+ contents are read when its event is built, not by the model: each point's own here
    events = batch_events(scenario, cov, per_patient)
    sim = Simulation(model, solver, events, seed=scenario.seed)
    result = sim.run(scenario.duration_days, scenario.output.every_days, observe=observe,
                     extra_output_days=scenario_output_days(scenario))
    out: dict[str, np.ndarray] = {e.name: e.values(result.times, result.observable(e.observable))
                                  for e in endpoints}
    ctx = EndpointContext(params, cov.age_years, result.record.administrations, n, covariates=cov,
                          drug_values=drug_values, per_patient=per_patient,  # each point's own values
                          points_are_runs=True,  # and units, as a single run with them
                          extra_samples=result.extra_samples(list(extra)), start_values=result.start_values
                          if result.start_states is not None else None)
    obs = {name: result.observable(name) for name in extra}
    for column in scenario_endpoint_values(scenario, result.times, obs, ctx):
        out[column.name] = column.values
    for name in averaged:
        v = result.observable(name)
        span = result.times[-1] - result.times[0]
        out[time_averaged_name(name)] = np.trapezoid(v, result.times, axis=-1) / span
    return pd.DataFrame(out)


def _drug_columns(scenario: Scenario, per_patient: Mapping[str, np.ndarray]
                  ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """``per_patient`` split into the healthy model's columns and the values of the scenario's drug sets, by set and
    dotted path (run-record names, as a fit names them: ``docetaxel_kloft2006__effects_0_full_model_slope_L_per_umol``,
    a coupled refit's slope per point): the full model takes the latter as a cohort takes its patients' drawn drug
    values (:func:`hemasim.cohort.runner.cohort_model`)."""
    from hemasim.inference.sources import ScenarioSource

    source = ScenarioSource(scenario)
    healthy, per_set = source.split_columns(per_patient)
    if per_set and scenario.parameter_set is not None:  # the cohort path builds the table's model, not the fitted set's
        raise ValueError(f"{next(n for n in per_patient if n in source.drug_parameter_paths)}: a drug-set value per "
                         f"point is not supported with the fitted parameter_set {scenario.parameter_set}")
    return healthy, per_set


def _friberg_batch(scenario: Scenario, per_patient: Mapping[str, np.ndarray]
                   ) -> tuple[Model, dict[str, dict[str, np.ndarray]]]:
    """The published chain of the scenario's patient once per point, with the values of its drug set that the
    points give (run-record names, as a fit names them: ``docetaxel_kloft2006__friberg_mean_transit_time_h``), over a
    fitted ``parameter_set`` where the scenario has one; and those values by set and dotted path."""
    from hemasim.inference.fitted import fitted_model
    from hemasim.inference.sources import ScenarioSource, scenario_model

    source = ScenarioSource(scenario)
    model_values, per_set = source.split_columns(per_patient)
    if model_values:  # a chain has only its drug set's values
        raise KeyError(next(iter(model_values)))
    if scenario.parameter_set is not None:  # the fitted values stand where no factor varies them
        return fitted_model(scenario, scenario.parameter_set, drug_per_patient=per_set), per_set
    return scenario_model(scenario, {}, source.drug_sets, source.drug_parameter_paths,
                          drug_per_patient=per_set), per_set


def _group_rows(points: pd.DataFrame, by: Sequence[str]) -> list[tuple[dict[str, float], np.ndarray]]:
    if not by:
        return [({}, np.arange(len(points)))]
    groups = points.groupby(list(by), sort=False).indices
    return [(dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)), rows)
            for key, rows in groups.items()]


def evaluate_points(scenario: Scenario, points: pd.DataFrame, fields: Sequence[str] = (), rtol: float | None = None,
                    averaged: Sequence[str] = (), progress: ProgressFn | None = None) -> pd.DataFrame:
    """Endpoints of ``scenario`` at each row of ``points`` (columns: parameter names of the healthy model in
    their units, and the scenario ``fields`` as dotted paths); one row per point, in order. ``rtol`` replaces
    the scenario solver's tolerance; ``averaged`` observables are also reported as time averages over the run."""
    from hemasim.assembly import event_parameters

    params = [c for c in points.columns if c not in fields]
    read = event_parameters(scenario, params)  # a batch's per-patient values do not reach them: one batch per value
    try:
        return _evaluate(scenario, points, list(fields), params, read, rtol, averaged, progress)
    except (TypeError, ValueError) as err:
        if isinstance(err, ValueError) and not _SHARED.search(str(err)):
            raise
    # some parameter cannot differ between the patients of one model: find which, run one batch per value
    shared = shared_parameters(scenario, params)
    return _evaluate(scenario, points, list(fields), params, [*shared, *(p for p in read if p not in shared)], rtol,
                     averaged, progress)


def time_average_units(scenario: Scenario, names: Sequence[str], where: str) -> dict[str, str]:
    """The unit of each time average's column (its observable's). Refuses, before any point runs, a time average
    of an observable the scenario's model does not have: ``SpecError`` naming ``where`` (``sweep.time_averages``),
    the name and the names meant (the columns of ``hemasim run``'s timeseries.csv)."""
    from hemasim._schema import suggestions
    from hemasim.assembly import build_model
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.sensitivity.spec import SpecError

    if not names:
        return {}
    # the scenario's patient alone: the observables are those of a batch (the Friberg chain takes no cohort)
    units = {o.name: o.unit for o in build_model(scenario, None, healthy_adult_parameters(), {}).observables}
    for i, name in enumerate(names):
        if name not in units:
            close = suggestions(name, units)
            hint = f"did you mean {', '.join(close)}?" if close else f"allowed: {', '.join(units)}"
            raise SpecError(f"{where}.{i}: {name!r} is not an observable of the scenario's model; {hint} "
                            "(the columns of hemasim run's timeseries.csv)")
    return {time_averaged_name(name): units[name] for name in names}


def shared_parameters(scenario: Scenario, names: Sequence[str]) -> list[str]:
    """The ``names`` that cannot take per-patient values: those the compiled model shares between patients
    (:meth:`BuildContext.p_shared`) and structural ones (a number of stages or divisions: the model's shape). They
    run one batch per value. A drug-set value that cannot differ between patients (a drug's central volume, which
    weighs its concentration signal: refused when the model is compiled) is refused, naming it: a sweep of it
    returned rows with no columns, each point's compile error taken for a failed point (review34c)."""
    from hemasim.assembly import build_model
    from hemasim.cohort.runner import cohort_model
    from hemasim.inference.sources import ScenarioSource
    from hemasim.parameters import healthy_adult_parameters

    cov = batch_covariates(scenario, 2)
    table = healthy_adult_parameters()
    source = ScenarioSource(scenario)
    drug_paths = source.drug_parameter_paths
    out = []
    for name in names:
        if name in drug_paths and not isinstance(scenario.model, FribergChain):
            set_name, path = drug_paths[name]
            value = dict(source.drug_sets[set_name].values_with_paths())[path].value
            try:  # the set's own value for both patients: per-patient values at all
                cohort_model(scenario, cov, table, {}, {set_name: {path: np.full(2, float(value))}}).compile()
            except ValueError as err:
                if not _SHARED.search(str(err)):
                    raise
                raise ValueError(f"{name}: this drug-set value must be the same for every patient of a batch "
                                 f"({err}); it cannot be a factor of a sweep or a design") from None
            continue
        try:
            build_model(scenario, cov, table, {name: np.full(2, table.value(name))}).compile()
        except TypeError:
            out.append(name)
        except ValueError as err:
            if not _SHARED.search(str(err)):
                raise
            out.append(name)
    return out


def _evaluate(scenario: Scenario, points: pd.DataFrame, fields: list[str], params: list[str], shared: list[str],
              rtol: float | None, averaged: Sequence[str], progress: ProgressFn | None) -> pd.DataFrame:
    per_point = [p for p in params if p not in shared]
    parts: list[pd.DataFrame] = []
    done = 0
    for group, rows in _group_rows(points, [*fields, *shared]):
        variant = scenario_with_fields(scenario, {k: group[k] for k in fields})
        for start in range(0, len(rows), BATCH_SIZE):
            chunk = rows[start:start + BATCH_SIZE]
            shared_values = {k: float(group[k]) for k in shared}
            if per_point:
                frame = _run_or_split(variant, points, per_point, chunk, shared_values, rtol, averaged)
            else:  # nothing varies within the group: one patient stands for all its points
                frame = _run_constant(variant, len(chunk), shared_values, rtol, averaged)
                frame.index = chunk
            parts.append(frame)
            done += len(chunk)
            if progress is not None:
                progress(done)
    return pd.concat(parts).sort_index().reset_index(drop=True)


def _run_or_split(scenario: Scenario, points: pd.DataFrame, names: Sequence[str], rows: np.ndarray,
                  shared: Mapping[str, float], rtol: float | None, averaged: Sequence[str]) -> pd.DataFrame:
    """The batch of ``rows``; when a point cannot be built or integrated (a balance that cannot close, the
    solver's step budget), the batch is halved until that point stands alone and gives NaN endpoints."""
    from hemasim.assembly import EventParameterError
    from hemasim.solvers import SolverError

    arrays = {p: points[p].to_numpy(dtype=np.float64)[rows] for p in names}
    try:
        frame = _run_batch(scenario, arrays, shared, rtol, averaged)
    except (SolverError, ArithmeticError, SystemError, np.linalg.LinAlgError, ValueError) as err:
        # SystemError: numba's wrapping of an exception raised inside a parallel kernel (kept as a guard: the steady
        # state now reports a singular Jacobian as SolverError, the cause of the SystemErrors seen before)
        if isinstance(err, EventParameterError) or isinstance(err, ValueError) and (
                _SHARED.search(str(err)) or "time_averages" in str(err)):
            raise  # not a property of one point
        if len(rows) == 1:
            return pd.DataFrame(index=rows)
        half = len(rows) // 2
        halves = [_run_or_split(scenario, points, names, part, shared, rtol, averaged)
                  for part in (rows[:half], rows[half:])]
        return pd.concat(halves)
    frame.index = rows
    return frame


def _run_constant(scenario: Scenario, n: int, shared: Mapping[str, float], rtol: float | None,
                  averaged: Sequence[str]) -> pd.DataFrame:
    """Points that differ only in shared parameters or scenario fields: one patient, repeated."""
    from hemasim.sensitivity.spec import factor_parameters

    table = factor_parameters(scenario.model_copy(update={"parameters": {**scenario.parameters, **shared}}))
    anchor = next(iter(table))
    frame = _run_batch(scenario, {anchor: np.array([table.value(anchor)])}, shared, rtol, averaged)
    return pd.concat([frame] * n, ignore_index=True)
