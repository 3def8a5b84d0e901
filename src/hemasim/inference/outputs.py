"""What ``hemasim fit`` computes and writes: one function, :func:`run_fit`, over the library.

Output folder (written atomically: every file appears together, or none)::

    estimates.csv             estimated parameters: estimate, 95% profile CI, identifiability, bounds, scale
    fit.json                  everything: problem, seed, method, each start, identifiability, noise parameters
    fitted_parameters.yaml    the fitted set scenarios load (``parameter_set: .../fitted_parameters.yaml``)
    predictions.csv           every measurement with its prediction and standardized residual
    trace.csv                 objective at every iterate of every start
    profiles.csv              profile likelihoods (if computed)
    profiles.png, observed_vs_predicted.png, residuals.png, trace.png
    report.html               the tables and figures in one self-contained page
                              (the figures and report.html: not with ``report=False``, ``hemasim fit --no-report``)
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hemasim.inference.fitted import fitted_parameter_set, write_fitted_set
from hemasim.inference.noise import TINY, standard_deviation
from hemasim.inference.objective import Objective
from hemasim.inference.optimize import FitResult, fit
from hemasim.inference.problem import Problem, load_problem
from hemasim.inference.uncertainty import Profile, identifiability, profile_likelihood

__all__ = ["FitOutputs", "compute_fit", "run_fit", "standardized_residuals"]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class FitOutputs:
    """A finished fit and what it says (before anything is written)."""

    problem: Problem
    objective: Objective
    result: FitResult
    profiles: list[Profile]
    predictions: np.ndarray  # (n_measurements,)
    seed: int
    #: (condition, observable) -> (days, the fitted course): the fit drawn between the measurements too
    curves: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] | None = None


def standardized_residuals(objective: Objective, theta: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """(z - y) / sd for normal noise, (log z - log y) / sigma for log-normal (censored rows: at the limit)."""
    values = objective.all_values(theta[None])
    sig, sp = objective._sigmas(values)  # noqa: SLF001 - the same noise bookkeeping as the likelihood
    out = np.empty(len(predictions))
    for k, o in enumerate(objective._obs_of_row):  # noqa: SLF001
        sd = float(standard_deviation(o.noise.kind, np.array([predictions[k]]), sig[0, k], sp[0, k])[0])
        z, y = objective.data[k], predictions[k]
        out[k] = (math.log(max(z, TINY)) - math.log(max(y, TINY))) / sd if o.noise.kind == "lognormal" \
            else (z - y) / sd
    return out


def compute_fit(problem: Problem, n_starts: int = 10, seed: int = 0, profiles: bool | Sequence[str] = True,
                progress: Progress | None = None) -> FitOutputs:
    """Multi-start fit, then the profiles: of every estimated parameter (``profiles`` True), of the parameters named
    (a list of ids), or none (False)."""
    objective = Objective(problem)
    step = (lambda stage: (lambda done, total: progress(stage, done, total))) if progress else (lambda stage: None)
    names = None if profiles is True else [profiles] if isinstance(profiles, str) else list(profiles or [])
    unknown = [n for n in names or [] if n not in objective.names]
    if unknown:  # before the fit, minutes of work
        raise ValueError(f"profiles: {', '.join(unknown)} not estimated here (estimated: {', '.join(objective.names)})")
    result = fit(objective, n_starts=n_starts, seed=seed, progress=step("starts"))
    prof = profile_likelihood(objective, result.x, names=names, progress=step("profiles")) if profiles else []
    predictions = objective.predict(result.x[None])[0]
    return FitOutputs(problem, objective, result, prof, predictions, seed, objective.curves(result.x))


#: every file `hemasim fit` may write (profiles.* only with profiles): what its --out may hold already
FIT_FILES = ("estimates.csv", "fit.json", "fitted_parameters.yaml", "predictions.csv", "trace.csv", "trace.png",
             "profiles.csv", "profiles.png", "observed_vs_predicted.png", "residuals.png", "report.html")


def run_fit(problem_path: str | Path | Problem, out_dir: str | Path, n_starts: int = 10, seed: int = 0,
            profiles: bool | Sequence[str] = True, progress: Progress | None = None, report: bool = True) -> list[Path]:
    """Load (unless given a loaded problem), fit, profile and write the output folder; returns the written paths.
    ``profiles``: every estimated parameter (True), the ids listed, or none (False; :func:`compute_fit`).
    ``report`` False: no figures and no report.html (the rest byte for byte the same; an earlier output's figures
    and report go). Bad input raises :class:`~hemasim.inference.problem.ProblemError`, an --out that cannot take
    the output :class:`~hemasim.io.OutputError`, in that order, both before anything is computed or written (the
    folder was checked only when the fit, minutes of work, was done)."""
    from hemasim.io import atomic_directory, check_output_folder

    problem = problem_path if isinstance(problem_path, Problem) else load_problem(problem_path)
    check_output_folder(out_dir, FIT_FILES)
    outputs = compute_fit(problem, n_starts, seed, profiles, progress)
    # an earlier run's profiles go when this one has none
    return atomic_directory(Path(out_dir), writers(outputs, report), FIT_FILES)


# ---------------------------------------------------------------------------------------------- tables
def estimate_rows(out: FitOutputs) -> list[dict[str, Any]]:
    ident = {row["parameter"]: row for row in identifiability(out.profiles)}
    rows = []
    for p in out.objective.parameters:
        row = ident.get(p.id, {})
        rows.append({"id": p.id, "target": p.target or "(noise)", "estimate": out.result.natural[p.id],
                     "ci95_lower": row.get("ci95_lower"), "ci95_upper": row.get("ci95_upper"),
                     "identifiability": row.get("status", "not profiled"), "unit": p.unit, "scale": p.scale,
                     "lower": p.lower, "upper": p.upper, "nominal": p.nominal, "at_bound": row.get("at_bound", "")})
    return rows


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if v is None else f"{v:.10g}" if isinstance(v, float) else v) for k, v in r.items()})
    return buf.getvalue()


def prediction_rows(out: FitOutputs) -> list[dict[str, Any]]:
    m = out.problem.measurements
    res = standardized_residuals(out.objective, out.result.x, out.predictions)
    # the hemasim observable (scaled as the problem says) names the unit of value and predicted: anc_1e9_per_L
    measured = {o.id: o.hemasim if o.scale == 1 else f"{o.scale:g} x {o.hemasim}" for o in out.problem.observables}
    return [{"condition": m.condition[k], "time_days": float(m.time_days[k]), "observable": m.observable[k],
             "value": float(out.objective.data[k]), "censored": int(out.objective.censored[k]),
             "predicted": float(out.predictions[k]), "standardized_residual": float(res[k]),
             "hemasim_observable": measured[m.observable[k]]} for k in range(len(m))]


def fit_record(out: FitOutputs) -> dict[str, Any]:
    from hemasim import __version__

    r = out.result
    return {"hemasim_version": __version__, "problem": out.problem.problem_file or out.problem.name,
            "data": list(out.problem.data_files), "seed": out.seed, "engine": out.objective.engine.describe(),
            "summary": r.summary(), "estimates": estimate_rows(out), "identifiability": identifiability(out.profiles),
            "starts": [{"start": run.start.tolist(), "end": run.x.tolist(), "objective": run.fun,
                        "success": run.success, "iterations": run.n_iterations, "message": run.message}
                       for run in r.runs],
            "parameter_order": list(r.names), "scales": [p.scale for p in out.objective.parameters]}


def writers(out: FitOutputs, report: bool = True) -> dict[str, Callable[[Path], object]]:
    """Every file of the output folder by name; ``report`` False: no figures and no report.html (matplotlib and the
    drawing not even imported)."""

    def text(s: str) -> Callable[[Path], object]:
        return lambda p: p.write_text(s, encoding="utf-8")

    record = fit_record(out)
    trace = [{"start": i, "iteration": k, "objective": f} for i, run in enumerate(out.result.runs)
             for k, f in enumerate(run.trace)]
    prof = [{"parameter": pr.name, "value": float(v), "objective": float(f)} for pr in out.profiles
            for v, f in zip(pr.natural, pr.objective, strict=True)]
    files: dict[str, Callable[[Path], object]] = {
        "estimates.csv": text(_csv(estimate_rows(out))),
        "fit.json": text(json.dumps(record, indent=2, default=_json_default) + "\n"),
        "fitted_parameters.yaml": lambda p: write_fitted_set(fitted_parameter_set(out.objective, out.result,
                                                                                  out.profiles), p),
        "predictions.csv": text(_csv(prediction_rows(out))),
        "trace.csv": text(_csv(trace)),
    }
    if out.profiles:
        files["profiles.csv"] = text(_csv(prof))
    if report:
        from hemasim.inference import plots

        figures = plots.fit_figures(out, prediction_rows(out))
        files.update({name: _bytes_writer(png) for name, png in figures.items()})
        files["report.html"] = text(plots.fit_report_html(out, record, figures))
    return files


def _bytes_writer(data: bytes) -> Callable[[Path], object]:
    return lambda p: p.write_bytes(data)


def _json_default(v: object) -> object:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return str(v)
