"""Sweeps and sensitivity analyses of a scenario: designs evaluated as batches, indices, output folders."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hemasim.scenario import Scenario
from hemasim.sensitivity.batch import ProgressFn, evaluate_points, time_average_units
from hemasim.sensitivity.coupling import Coupling, coupled_columns
from hemasim.sensitivity.design import Factor, grid, latin_hypercube, morris_trajectories, saltelli, to_values
from hemasim.sensitivity.estimators import (
    elementary_effects,
    local_normalised,
    morris_indices,
    mu_star_interval,
    sobol_indices,
)
from hemasim.sensitivity.spec import SensitivitySpec, SweepSpec, resolve_factors

__all__ = ["SensitivityResult", "SweepResult", "design_size", "run_sensitivity", "run_sweep",
           "write_sensitivity_outputs", "write_sweep_outputs"]

#: the unit recorded for a swept scenario field: the field's name carries it (dose_mg_per_m2, day)
FIELD_UNIT = "unit in the field's name"
#: a relative change of the step-halved local estimate above this flags the step as too coarse (or too fine)
STEP_TOLERANCE = 0.05


@dataclass(frozen=True)
class SweepResult:
    factors: list[Factor]
    table: pd.DataFrame  # one row per point: the factor values, then the endpoints
    seconds: float
    spec: SweepSpec
    units: dict[str, str] = field(default_factory=dict)  # column -> unit (factors and endpoints)
    coupled: tuple[str, ...] = ()  # parameters refitted at each point from the factors (columns of table)
    #: the endpoints the scenario does not compute (a G-CSF's Cmax): no value at any point, and not "not reached"
    not_computed: tuple[str, ...] = ()

    @property
    def endpoints(self) -> list[str]:
        names = {f.name for f in self.factors} | set(self.coupled)
        return [c for c in self.table.columns if c not in names]


@dataclass(frozen=True)
class SensitivityResult:
    method: str
    factors: list[Factor]
    indices: pd.DataFrame  # one row per (endpoint, factor)
    samples: pd.DataFrame  # the design's points and their endpoints
    seconds: float
    spec: SensitivitySpec
    baseline: dict[str, float] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # factor or endpoint -> unit
    coupled: tuple[str, ...] = ()  # parameters refitted at each point from the factors (columns of samples)
    not_computed: tuple[str, ...] = ()  # as :attr:`SweepResult.not_computed`


def count_of(column: str) -> str | None:
    """The count parameter (``COUNT_PARAMETERS``) a design column sets, as a parameter factor (``rbc_age_stages``)
    or as a scenario field (``parameters.rbc_age_stages``), else None."""
    from hemasim.biology.builder import COUNT_PARAMETERS

    name = column.removeprefix("parameters.")
    return name if name in COUNT_PARAMETERS else None


def whole_counts(points: pd.DataFrame) -> pd.DataFrame:
    """``points`` with each column the builder reads as a count (:func:`count_of`; the builder refuses a value that
    is not whole) at the screens' whole number (:func:`hemasim.biology.builder.floor_counts`: within the tolerance of
    a whole number it is that number, else rounded down): 12.7 age stages run as 12, as the build's ``int`` ran them
    before counts were checked (bench/targeted_screen.py's ``whole_if_count`` applies it to one value)."""
    from hemasim.biology.builder import floor_counts

    counts = [c for c in points.columns if count_of(str(c))]
    if not counts:
        return points
    out = points.copy()
    out[counts] = floor_counts(out[counts].to_numpy(dtype=np.float64))
    return out


def _count_fix(factor: Factor, spec: SweepSpec | SensitivitySpec) -> str:
    """What makes a design put ``factor``, a count, at whole numbers only (the end of the refusal's line)."""
    from hemasim.biology.builder import snapped_counts

    lo, hi = math.ceil(float(snapped_counts(factor.low))), math.floor(float(snapped_counts(factor.high)))
    ends = f"[{lo}, {hi}]" if lo < hi else "with whole ends"
    if isinstance(spec, SweepSpec) and spec.method == "grid":
        return (f"give it a `range:` {ends} with `log: false` and `n_points: {hi - lo + 1 if lo < hi else 'N'}` "
                "(one point per whole number; or n_points - 1 dividing the range's width)")
    if isinstance(spec, SweepSpec):
        return ("a Latin hypercube samples each factor continuously: sweep the count with `method: grid` (whole "
                "range ends, `log: false`), or leave it out")
    if spec.method == "morris":
        width = (spec.levels - 1) * max(1, (hi - lo) // (spec.levels - 1)) if lo < hi else spec.levels - 1
        return (f"in a `--file` design give it a `range:` with whole ends whose width is a multiple of levels - 1 = "
                f"{spec.levels - 1} and `log: false` (e.g. [{lo}, {lo + width}]), or leave it out (`hemasim "
                "sensitivity --all-assumed` varies the assumed counts as the screen of the assumed parameters does, "
                "each point at its design value rounded down)")
    what = ("Sobol' sampling varies each factor continuously" if spec.method == "sobol"
            else f"a local sensitivity steps each factor by +-{spec.step:g} of its value")
    return (f"{what}, which a count cannot follow: leave it out, or sweep it on a grid of whole numbers "
            "(`hemasim sweep`, `method: grid`)")


def whole_design(factors: Sequence[Factor], values: np.ndarray, spec: SweepSpec | SensitivitySpec,
                 where: str) -> np.ndarray:
    """``values`` (design points, one column per factor) with each count factor's values (:func:`count_of`: a
    ``COUNT_PARAMETERS`` parameter or its field ``parameters.<count>``) made exactly whole where they are whole to
    within :data:`hemasim.biology.builder.WHOLE_TOLERANCE`; a design that puts a count elsewhere is refused before any
    point runs (:class:`SpecError`, naming the factor as ``where.i``, the values, each printed once with enough digits,
    and the fix): the build refused it point by point, after the batches before it had run, with the scenario's path."""
    from hemasim.biology.builder import count_text, snapped_counts
    from hemasim.sensitivity.spec import SpecError

    out = values.copy()
    for j, f in enumerate(factors):
        if count_of(f.name) is None:  # a parameter factor, or a field `parameters.<count>` (branch mend33)
            continue
        column = snapped_counts(out[:, j])
        whole = np.round(column)
        near = column == whole
        if near.all():
            out[:, j] = whole
            continue
        bad = list(dict.fromkeys(count_text(v) for v in np.sort(column[~near])))
        shown = ", ".join(bad[:6]) + (f", ... ({len(bad)} values)" if len(bad) > 6 else "")
        raise SpecError(f"{where}.{j}: {f.name} counts stages or divisions and runs at whole numbers only, but the "
                        f"design puts it at {shown} (range [{f.low:g}, {f.high:g}]{', log scale' if f.log else ''}); "
                        f"{_count_fix(f, spec)}")
    return out


def _evaluate(scenario: Scenario, factors: Sequence[Factor], values: np.ndarray, rtol: float | None,
              averaged: Sequence[str], progress: ProgressFn | None, couplings: Sequence[Coupling] = (),
              floor_counts: bool = False) -> pd.DataFrame:
    """The points (factor values, then the coupled parameters refitted at each) and their endpoints. With
    ``floor_counts`` a count parameter runs at its value rounded down (:func:`whole_counts`) while the table keeps the
    design's value (the elementary effects are taken over the design, as when the build truncated it)."""
    points = pd.DataFrame(values, columns=[f.name for f in factors])
    if couplings:
        from hemasim.sensitivity.spec import coupling_parameters

        points = pd.concat([points, coupled_columns(points, couplings, coupling_parameters(scenario))], axis=1)
    run = whole_counts(points) if floor_counts else points
    ends = evaluate_points(scenario, run, [f.name for f in factors if f.is_field], rtol, averaged, progress)
    return pd.concat([points, ends], axis=1)


def _not_computed(scenario: Scenario, frame: pd.DataFrame) -> tuple[str, ...]:
    """The endpoints of ``frame`` the scenario does not compute (:func:`hemasim.assembly.scenario_not_computed`)."""
    from hemasim.assembly import scenario_not_computed

    return tuple(name for name in scenario_not_computed(scenario) if name in frame.columns)


def _units(scenario: Scenario, factors: Sequence[Factor], frame: pd.DataFrame, averages: dict[str, str],
           coupled: Sequence[str] = ()) -> dict[str, str]:
    """The unit of each column of ``frame``: a factor's or a ``coupled`` parameter's (its record's), an endpoint's as
    the scenario's endpoint families declare it (:func:`hemasim.assembly.scenario_endpoint_units`), a time
    average's (``averages``: its observable's)."""
    from hemasim.assembly import scenario_endpoint_units
    from hemasim.sensitivity.spec import coupling_parameters

    units = _factor_units(scenario, factors)
    if coupled:
        table = coupling_parameters(scenario)
        units.update({name: table[name].unit for name in coupled})
    declared = {**scenario_endpoint_units(scenario), **averages}
    return {**units, **{c: declared[c] for c in frame.columns if c not in units}}


def _factor_units(scenario: Scenario, factors: Sequence[Factor]) -> dict[str, str]:
    """A parameter's unit from its record (as docs/parameters.md lists it); a scenario field's is in its name
    (``dose_mg_per_m2``, ``day``), as the scenario file has it."""
    from hemasim.sensitivity.spec import factor_parameters

    table = factor_parameters(scenario)
    return {f.name: FIELD_UNIT if f.is_field else table[f.name].unit for f in factors}


def _unit_in_name(name: str, unit: str) -> bool:
    """Whether ``name`` ends in ``unit`` as names spell units: ``1e9/L`` as ``_1e9_per_L``, ``1/day`` as
    ``_per_day``, ``day`` as ``_days``, ``L/h/m2`` as ``_L_per_h_per_m2`` (any case)."""
    spelled = unit.replace("1/", "per_", 1) if unit.startswith("1/") else unit
    spelled = spelled.replace("/", "_per_").replace(" ", "_").lower()
    if spelled == "day":  # ``_day`` names the day an event falls on (anc_nadir_day), a quantity; ``_days`` a unit
        return name.lower().endswith("_days")
    return name.lower().endswith((f"_{spelled}", f"_{spelled}s"))


def labelled(name: str, units: Mapping[str, str]) -> str:
    """A column's name with its unit, as sweep.csv's header and the plots' titles read it: ``anc_nadir (1e9/L)``,
    ``primary_graft_failure (flag)``; the name alone for a scenario field (its unit is in its name, as the scenario
    file has it: ``dose_mg_per_m2``), a ratio (unit 1) and a name that ends in its unit already (the Friberg chain's
    ``docetaxel_kloft2006__friberg_mean_transit_time_h``, ``anc_setpoint_1e9_per_L``: it read ``..._h (h)``)."""
    unit = units.get(name, "")
    return f"{name} ({unit})" if unit and unit not in ("1", FIELD_UNIT) and not _unit_in_name(name, unit) else name


def _sweep_design(spec: SweepSpec) -> np.ndarray:
    if spec.method == "grid":
        return grid([f.n_points or spec.n_points for f in spec.factors])
    return latin_hypercube(spec.n_points, len(spec.factors), spec.seed)


def design_size(spec: SweepSpec | SensitivitySpec) -> int:
    """How many points the design evaluates (for a progress bar's total)."""
    if isinstance(spec, SweepSpec):
        return len(_sweep_design(spec))
    return spec.design_size()


def run_sweep(scenario: Scenario, spec: SweepSpec, progress: ProgressFn | None = None,
              couplings: Sequence[Coupling] = ()) -> SweepResult:
    """Every point of the sweep's design, as batches on the lock-step kernel. ``couplings``: as for
    :func:`run_sensitivity` (the refitted parameters are columns of the table, after the factors)."""
    factors = resolve_factors(spec.factors, scenario, "sweep.factors")
    averages = time_average_units(scenario, spec.time_averages, "sweep.time_averages")
    start = time.perf_counter()
    values = whole_design(factors, to_values(_sweep_design(spec), factors), spec, "sweep.factors")
    table = _evaluate(scenario, factors, values, spec.rtol, spec.time_averages, progress, couplings)
    coupled = _coupled_names(table, couplings)
    return SweepResult(factors, table, time.perf_counter() - start, spec,
                       _units(scenario, factors, table, averages, coupled), coupled, _not_computed(scenario, table))


def _endpoint_columns(frame: pd.DataFrame, factors: Sequence[Factor], coupled: Sequence[str] = ()) -> list[str]:
    names = {f.name for f in factors} | set(coupled)
    return [c for c in frame.columns if c not in names and pd.api.types.is_numeric_dtype(frame[c])]


def run_sensitivity(scenario: Scenario, spec: SensitivitySpec, progress: ProgressFn | None = None,
                    couplings: Sequence[Coupling] = (), floor_counts: bool = False) -> SensitivityResult:
    """Morris, Sobol' or local sensitivities of every endpoint of the scenario to the factors. ``couplings``: fitted
    parameters refitted at every point from the assumed factors their fit held (:mod:`hemasim.sensitivity.coupling`;
    a coupling none of whose sources is a factor changes nothing). ``floor_counts``: a count parameter among the
    factors runs at its design value rounded down (:func:`whole_counts`; bench/sensitivity_screen.py, whose stored
    design ran so), not refused point by point."""
    factors = resolve_factors(spec.factors, scenario, "sensitivity.factors")
    averages = time_average_units(scenario, spec.time_averages, "sensitivity.time_averages")
    k = len(factors)
    start = time.perf_counter()
    if spec.method == "local":
        return _local(scenario, spec, factors, start, progress, averages, couplings)
    if spec.method == "morris":
        unit, _ = morris_trajectories(spec.trajectories, k, spec.levels, spec.seed)
    else:
        unit = saltelli(spec.samples, k, spec.seed)
    base = np.array([[f.base for f in factors]])
    values = np.concatenate([base, to_values(unit, factors)])
    if not floor_counts:
        values = whole_design(factors, values, spec, "sensitivity.factors")
    frame = _evaluate(scenario, factors, values, spec.rtol, spec.time_averages, progress, couplings, floor_counts)
    coupled = _coupled_names(frame, couplings)
    baseline = {c: float(frame[c].iloc[0]) for c in _endpoint_columns(frame, factors, coupled)}
    samples = frame.iloc[1:].reset_index(drop=True)
    rows: list[dict[str, Any]] = []
    for name in baseline:
        y = samples[name].to_numpy(dtype=np.float64)
        if spec.method == "morris":
            m = morris_indices(unit, y, k)
            low, high = mu_star_interval(elementary_effects(unit, y, k), seed=spec.seed)
            for j, f in enumerate(factors):
                rows.append({"endpoint": name, "factor": f.name, "mu": m.mu[j], "mu_star": m.mu_star[j],
                             "sigma": m.sigma[j], "mu_star_relative": _relative(m.mu_star[j], baseline[name]),
                             "mu_star_low": low[j], "mu_star_high": high[j]})
        else:
            s = sobol_indices(y, spec.samples, k)
            for j, f in enumerate(factors):
                rows.append({"endpoint": name, "factor": f.name, "first_order": s.first[j],
                             "total_order": s.total[j], "variance": s.variance})
    return SensitivityResult(spec.method, factors, pd.DataFrame(rows), samples, time.perf_counter() - start,
                             spec, baseline, _units(scenario, factors, frame, averages, coupled), coupled,
                             _not_computed(scenario, frame))


def _coupled_names(frame: pd.DataFrame, couplings: Sequence[Coupling]) -> tuple[str, ...]:
    """The coupled parameters the design refitted (a coupling none of whose sources is a factor adds none)."""
    return tuple(t for c in couplings for t in c.targets if t in frame.columns)


def _relative(change: float, base: float) -> float:
    return abs(change / base) if base != 0 and np.isfinite(base) else float("nan")


def _local(scenario: Scenario, spec: SensitivitySpec, factors: list[Factor], start: float,
           progress: ProgressFn | None, averages: dict[str, str], couplings: Sequence[Coupling] = ()
           ) -> SensitivityResult:
    """Central differences at steps h and h/2 (4k + 1 points); the step is checked by their agreement."""
    k, h = len(factors), spec.step
    base = np.array([f.base for f in factors])
    rows_values = [base]
    for step in (h, h / 2):
        for j in range(k):
            for sign in (1.0, -1.0):
                x = base.copy()
                x[j] *= 1.0 + sign * step
                rows_values.append(x)
    values = whole_design(factors, np.array(rows_values), spec, "sensitivity.factors")
    frame = _evaluate(scenario, factors, values, spec.rtol, spec.time_averages, progress, couplings)
    coupled = _coupled_names(frame, couplings)
    baseline = {c: float(frame[c].iloc[0]) for c in _endpoint_columns(frame, factors, coupled)}
    rows: list[dict[str, Any]] = []
    for name, y0 in baseline.items():
        y = frame[name].to_numpy(dtype=np.float64)
        for j, f in enumerate(factors):
            coarse = local_normalised(y[[1 + 2 * j]], y[[2 + 2 * j]], np.array([y0]), h)[0]
            fine = local_normalised(y[[1 + 2 * k + 2 * j]], y[[2 + 2 * k + 2 * j]], np.array([y0]), h / 2)[0]
            disagreement = abs(coarse - fine) / max(abs(fine), 1e-12) if np.isfinite(coarse + fine) else np.nan
            rows.append({"endpoint": name, "factor": f.name, "sensitivity": fine, "sensitivity_step_h": coarse,
                         "step_disagreement": disagreement,
                         "step_ok": bool(np.isfinite(disagreement) and (disagreement <= STEP_TOLERANCE
                                                                         or abs(fine) < 1e-6))})
    return SensitivityResult("local", factors, pd.DataFrame(rows), frame, time.perf_counter() - start, spec,
                             baseline, _units(scenario, factors, frame, averages, coupled), coupled,
                             _not_computed(scenario, frame))


# ---------------------------------------------------------------------------------------------- outputs
def _factor_json(factors: Sequence[Factor]) -> list[dict[str, Any]]:
    return [{"name": f.name, "kind": "field" if f.is_field else "parameter", "low": f.low, "high": f.high,
             "log": f.log, "scenario_value": f.base} for f in factors]


def _text(text: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")
    return write


def _json(data: dict[str, Any]) -> Callable[[Path], None]:
    # strict JSON: an endpoint with no value at the scenario's values (a recovery that never came) is null, as in
    # hemasim run's endpoints.json; NaN, which json.dumps writes by default, is refused by JSON parsers. Values to
    # endpoints.json's digits: a baseline nadir of 4.749999999999999 is 4.75
    from hemasim.io import null_for_nonfinite, written_floats

    return _text(json.dumps(null_for_nonfinite(written_floats(data)), indent=2, allow_nan=False, default=str) + "\n")


def _frame(frame: pd.DataFrame, kind: str) -> Callable[[Path], None]:
    from hemasim.io import written_frame

    def write(path: Path) -> None:
        if kind == "csv":  # text to endpoints.json's digits; the Parquet file keeps the full float64
            written_frame(frame).to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
    return write


def _labelled_header(table: pd.DataFrame, units: Mapping[str, str]) -> pd.DataFrame:
    """sweep.csv's table: each header :func:`labelled` with its column's unit, for the person who opens the CSV
    (sweep.parquet and sweep.json keep the bare names, the units under ``units``)."""
    return table.rename(columns=lambda c: labelled(str(c), units))


def _with_unit_columns(indices: pd.DataFrame, units: Mapping[str, str]) -> pd.DataFrame:
    """indices.csv's table (one row per endpoint and factor): each name with its unit beside it, ``endpoint_unit``
    (mu, mu* and sigma are in it) and ``factor_unit``, as a cohort's summary.csv has a unit beside its endpoint."""
    out = indices.copy()
    for column in ("factor", "endpoint"):  # each to the front in turn: endpoint, its unit, factor, its unit
        out.insert(0, f"{column}_unit", out[column].map(lambda n: units.get(n, "")))
        out.insert(0, column, out.pop(column))
    return out


SWEEP_FILES = ("sweep.csv", "sweep.parquet", "sweep.json", "sweep.png")
SENSITIVITY_FILES = ("indices.csv", "samples.parquet", "sensitivity.json", "ranking.png")


def write_sweep_outputs(result: SweepResult, scenario: Scenario, out_dir: str | Path,
                        plot: bool = True) -> list[Path]:
    """sweep.csv / sweep.parquet (the table), sweep.json (design, factors, points), sweep.png (not with ``plot``
    False, ``hemasim sweep --no-plot``: the figure is most of the writing), atomically. No wall-clock time is written
    (the command says it on stderr): the same sweep gives the same files, bit for bit."""
    from hemasim.io import atomic_directory
    from hemasim.sensitivity.plots import sweep_figure

    meta = {"scenario": scenario.name, "design": result.spec.model_dump(mode="json"),
            "factors": _factor_json(result.factors), "coupled": list(result.coupled), "units": result.units,
            "not_computed": list(result.not_computed), "points": len(result.table)}
    files: dict[str, Callable[[Path], object]] = {
        "sweep.csv": _frame(_labelled_header(result.table, result.units), "csv"),
        "sweep.parquet": _frame(result.table, "parquet"), "sweep.json": _json(meta)}
    if plot:
        files["sweep.png"] = sweep_figure(result)
    return atomic_directory(Path(out_dir), files, SWEEP_FILES)  # an earlier sweep's plot goes with its folder


def write_sensitivity_outputs(result: SensitivityResult, scenario: Scenario, out_dir: str | Path,
                              plot: bool = True) -> list[Path]:
    """indices.csv, samples.parquet, sensitivity.json (design, factors, baseline, runs), ranking.png (not with
    ``plot`` False, ``hemasim sensitivity --no-plot``); no wall-clock time, as for a sweep."""
    from hemasim.io import atomic_directory
    from hemasim.sensitivity.plots import ranking_figure

    meta = {"scenario": scenario.name, "method": result.method, "design": result.spec.model_dump(mode="json"),
            "factors": _factor_json(result.factors), "coupled": list(result.coupled), "units": result.units,
            "not_computed": list(result.not_computed), "baseline": result.baseline, "runs": len(result.samples)}
    files: dict[str, Callable[[Path], object]] = {
        "indices.csv": _frame(_with_unit_columns(result.indices, result.units), "csv"),
        "samples.parquet": _frame(result.samples, "parquet"), "sensitivity.json": _json(meta)}
    if plot:
        files["ranking.png"] = ranking_figure(result)
    return atomic_directory(Path(out_dir), files, SENSITIVITY_FILES)
