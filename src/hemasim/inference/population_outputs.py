"""What ``hemasim fit-population`` writes: the population set, the estimates, the trace and the VPC, atomically;
and the population fit of a core-engine fitting problem (conditions = subjects)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hemasim._progress import StageFn
from hemasim.inference.population import (
    MapFit,
    PopulationData,
    PopulationFit,
    Predictor,
    ProblemPredictor,
    SaemSettings,
    map_estimates,
    population_parameter_set,
    saem,
    visual_predictive_check,
)

if TYPE_CHECKING:
    from hemasim.inference.problem import Problem

__all__ = ["POPULATION_FILES", "fit_problem_population", "write_population_outputs"]

#: the files `hemasim fit-population` writes: what its --out may hold already
POPULATION_FILES = ("population.yaml", "population.json", "individual.csv", "trace.csv", "vpc.csv", "vpc.png")


def write_population_outputs(out_dir: str | Path, data: PopulationData, predict: Predictor,
                             days: Sequence[np.ndarray], pop: PopulationFit, individual: Sequence[MapFit],
                             document: Mapping[str, object], label: str, seed: int) -> list[Path]:
    """Write atomically to ``out_dir``: population.yaml (``document``, a fitted parameter set with ``iiv_cv``),
    population.json (the full result), individual.csv (MAP estimates, 95% intervals), trace.csv (SAEM
    iterations) and the visual predictive check (vpc.csv, vpc.png; ``label`` names the observable)."""
    import yaml

    from hemasim.inference.population_plots import vpc_png
    from hemasim.io import atomic_directory

    vpc = visual_predictive_check(data, predict, days, pop, seed=seed)
    # each column named by the parameter's run-record name (population.yaml's `name`), which carries its unit as
    # sweep.csv's and predictions.csv's names do (maintenance_circ0_1e9_per_L); population.json gives every unit.
    # It named the problem's short id (circ0), no unit
    rows = document.get("parameters", [])
    record_name = {str(r["id"]): str(r["name"]) for r in rows} if isinstance(rows, list) else {}
    names = [record_name.get(n, n) for n in pop.names]
    header = ["subject", *(f"{n}{s}" for n in names for s in ("", "_ci95_low", "_ci95_high"))]
    lines = [",".join(header)] + [",".join([m.subject, *(f"{v:.6g}" for k in range(len(m.values))
                                                          for v in (m.values[k], *m.ci[k]))]) for m in individual]
    trace = [",".join(["iteration", *(f"typical_{n}" for n in names), *(f"omega_{n}" for n in names), "sigma"])]
    trace += [",".join([str(i), *(f"{v:.6g}" for v in row)]) for i, row in enumerate(pop.trace)]
    vpc_rows = vpc.rows()
    vpc_lines = [",".join(vpc_rows[0])] + [",".join(f"{r[k]:.6g}" for k in vpc_rows[0]) for r in vpc_rows]
    writers: dict[str, Callable[[Path], object]] = {
        "population.yaml": lambda p: p.write_text(yaml.safe_dump(dict(document), sort_keys=False), encoding="utf-8"),
        "population.json": lambda p: p.write_text(json.dumps(_population_record(pop, document), indent=2,
                                                             allow_nan=False) + "\n", encoding="utf-8"),
        "individual.csv": lambda p: p.write_text("\n".join(lines) + "\n", encoding="utf-8"),
        "trace.csv": lambda p: p.write_text("\n".join(trace) + "\n", encoding="utf-8"),
        "vpc.csv": lambda p: p.write_text("\n".join(vpc_lines) + "\n", encoding="utf-8"),
        "vpc.png": lambda p: p.write_bytes(vpc_png(vpc, label)),
    }
    return atomic_directory(Path(out_dir), writers)


def _population_record(pop: PopulationFit, document: Mapping[str, Any]) -> Any:
    """population.json: the fit's plain data, each parameter with the run-record ``name`` and ``unit`` of
    population.yaml (the estimates are in that unit), and an interval that could not be computed (a singular
    information matrix, few subjects) as null: strict JSON, which NaN is not."""
    record = pop.to_dict()
    rows = {str(r["id"]): r for r in document.get("parameters", [])}
    record["parameters"] = {pid: {"name": rows.get(pid, {}).get("name", pid), "unit": rows.get(pid, {}).get("unit", ""),
                                  **values} for pid, values in record["parameters"].items()}
    from hemasim.io import null_for_nonfinite

    return null_for_nonfinite(record)


def vpc_label(problem: Problem) -> str:
    """The VPC's axis: each measured observable with the hemasim observable it measures, whose name carries the
    unit ("anc (anc_1e9_per_L)", as the fit's plots write it; it read "anc", no unit)."""
    measured = set(problem.measurements.observable.tolist())
    return ", ".join(f"{o.id} ({o.hemasim})" for o in problem.observables if o.id in measured)


def fit_problem_population(problem_path: str | Path | Problem, out_dir: str | Path,
                           settings: SaemSettings = SaemSettings(), progress: bool | StageFn = False) -> list[Path]:
    """SAEM and MAP on a core-engine fitting problem (``hemasim fit``'s YAML + CSV, or the problem loaded from it)
    whose conditions are the subjects: every estimated model parameter gets log-normal between-subject variability
    (start: its nominal value; omega: its log-scale prior SD, else 0.5), the residual error is log-normal (the
    problem's noise models are not used). Outputs as :func:`write_population_outputs`."""
    from hemasim.inference.problem import Problem, load_problem
    from hemasim.io import check_output_folder

    problem = problem_path if isinstance(problem_path, Problem) else load_problem(problem_path)
    check_output_folder(out_dir, POPULATION_FILES)  # before SAEM, not after it
    predictor = ProblemPredictor(problem)
    data = predictor.data()
    pop = saem(data, predictor, predictor.start(), settings, progress)
    individual = map_estimates(data, predictor, pop.names, pop.typical, pop.omega, pop.sigma)
    targets = {p.id: str(p.target) for p in predictor.parameters}
    units = {p.id: p.unit for p in predictor.parameters}
    document = population_parameter_set(pop, targets, units, [Path(f).name for f in problem.data_files]
                                        or [problem.measurements.source],
                                        Path(problem.problem_file).name if problem.problem_file else problem.name)
    # the values held fixed are part of the fitted population model (as in hemasim fit's set): without them a
    # scenario or cohort loading population.yaml ran its defaults under typical values fitted at other values
    document["parameters"] += [{"name": p.target, "id": p.id, "value": p.nominal, "unit": p.unit, "fixed": True}
                               for p in problem.parameters if not p.estimate and p.target is not None]
    m = problem.measurements
    days = [m.time_days[m.condition == c.id] for c in problem.conditions]
    label = vpc_label(problem)
    return write_population_outputs(out_dir, data, predictor, days, pop, individual, document, label, settings.seed)
