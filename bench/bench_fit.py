"""Fitting benchmark (`make bench`): time to fit one patient, on hemasim's batch kernel and, in the same run, on
the same fit with other forward engines (scipy LSODA loop, libRoadRunner), as a table with ratios.

1. The Friberg chain (docetaxel, examples/fit: 16 ANC counts; MTT, gamma, slope and the noise sigma free;
   4 starts, L-BFGS-B). Goal (issue 16): under 5 s.
2. The full multilineage model (docetaxel_friberg2002 at 100 mg/m2 q21d x 2 on a 55-year-old man; synthetic ANC
   from the default parameters with 15% log-normal noise, seed 16; 6 free parameters: the neutrophil progenitor
   exit rate, feedback slope, blood half-life, marrow transit, mitotic transit and the drug slope; least squares,
   2 starts). Goal: under 60 s. The slower engines are timed on one gradient batch (1 + 2 x 6 vectors) and
   their fit time projected from the number of batches the kernel fit used (they are not run to the end).

Numba compilation is done before timing (a warm-up evaluation).

``python bench/bench_fit.py --coverage N`` runs the repeat study instead: N synthetic data sets of the Friberg
example (the generating values, new noise each, seeds 0..N-1; values under the assay limit censored), each
fitted (2 starts) and profiled; prints how often each generating value lies in its 95% profile interval.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DAYS = [0, 4, 7, 9, 11, 14, 17, 20, 25, 28, 30, 32, 35, 38, 41, 42]
FULL_SCENARIO = {
    "name": "docetaxel on the full model (fit benchmark)", "patient": {"age_years": 55, "sex": "male",
                                                                       "weight_kg": 75, "height_cm": 175},
    "duration_days": 42, "aging": False,
    "interventions": [{"kind": "chemotherapy", "drug_set": "docetaxel_friberg2002", "dose_mg_per_m2": 100,
                       "route": "iv_infusion", "infusion_hours": 1,
                       "schedule": {"start_day": 0, "every_days": 21, "cycles": 2}}]}
FULL_FREE = [("neutrophil_progenitor_exit_rate_per_day", 0.3, 5.0), ("neutrophil_feedback_log_slope", 0.03, 1.0),
             ("neutrophil_blood_half_life_days", 0.3, 2.0), ("neutrophil_marrow_transit_days", 4.0, 8.0),
             ("neutrophil_mitotic_transit_days", 1.0, 10.0), ("docetaxel_friberg2002__effects_0_slope_L_per_umol",
                                                               1.0, 50.0)]


@dataclass
class OneAtATime:
    """An engine's vectors one per call (what a forward loop without batching does)."""

    engine: Any

    def simulate(self, source: Any, values: Sequence[Mapping[str, float]], times: np.ndarray,
                 observe: Sequence[str]) -> np.ndarray:
        return np.concatenate([self.engine.simulate(source, [v], times, observe) for v in values])

    def describe(self) -> str:
        return f"{self.engine.describe()}, one vector per call"


def engines() -> list[tuple[str, Any]]:
    from hemasim.inference import KernelEngine, ScipyEngine
    from hemasim.inference.petab import RoadRunnerEngine

    return [("hemasim batch kernel", KernelEngine(rtol=1e-8)),
            ("hemasim kernel, one vector per call", OneAtATime(KernelEngine(rtol=1e-8))),
            ("scipy LSODA loop", ScipyEngine(rtol=1e-8)),
            ("libRoadRunner (CVODE)", RoadRunnerEngine(rtol=1e-8, atol=1e-10))]


def friberg_rows() -> list[list[str]]:
    from hemasim.inference import Objective, fit, load_problem

    problem = load_problem(ROOT / "examples" / "fit" / "problem.yaml")
    rows, base = [], None
    for label, engine in engines():
        objective = Objective(problem, engine)
        objective(objective.nominal[None])  # warm-up (numba compilation, SBML load)
        t0 = time.perf_counter()
        result = fit(objective, n_starts=4, seed=1)
        dt = time.perf_counter() - t0
        base = dt if base is None else base
        est = result.natural
        rows.append([label, f"{dt:.2f}", f"{dt / base:.1f}", f"{result.fun:.5f}",
                     f"{est['mtt_h']:.2f} / {est['gamma']:.4f} / {est['slope']:.3f}"])
    return rows


def friberg_fit_time_rows(repeats: int = 3) -> list[list[str]]:
    """The goal's number: one Friberg-chain fit on the batch kernel with the default starts (``hemasim fit``:
    10), and with the 4 starts of the engine table; wall and CPU seconds (CPU is what to compare on a shared
    machine), per fit and per start, the best of ``repeats`` fits."""
    from hemasim.inference import KernelEngine, Objective, fit, load_problem

    problem = load_problem(ROOT / "examples" / "fit" / "problem.yaml")
    objective = Objective(problem, KernelEngine(rtol=1e-8))
    objective(objective.nominal[None])  # warm-up (numba compilation)
    rows = []
    for n_starts in (10, 4):
        wall, cpu = [], []
        for _ in range(repeats):
            w0, c0 = time.perf_counter(), time.process_time()
            result = fit(objective, n_starts=n_starts, seed=1)
            wall.append(time.perf_counter() - w0)
            cpu.append(time.process_time() - c0)
        rows.append([str(n_starts), f"{min(wall):.2f}", f"{min(cpu):.2f}", f"{min(wall) / n_starts:.3f}",
                     f"{min(cpu) / n_starts:.3f}", f"{result.fun:.5f}"])
    return rows


def full_problem() -> Any:
    from hemasim.inference import (
        Condition,
        EstimatedParameter,
        KernelEngine,
        Measurements,
        NoiseModel,
        Objective,
        ObservableSpec,
        Problem,
        ScenarioSource,
    )
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology.drug_sets import load_drug_set
    from hemasim.scenario import parse_scenario

    source = ScenarioSource(parse_scenario(FULL_SCENARIO))
    defaults = healthy_adult_parameters()
    slope = load_drug_set("docetaxel_friberg2002").get("effects.0.slope_L_per_umol")
    truth = {n: (slope if n.startswith("docetaxel") else defaults[n].value) for n, _, _ in FULL_FREE}
    params = tuple(EstimatedParameter(n, n, lo, hi, float(np.sqrt(lo * hi))) for n, lo, hi in FULL_FREE)
    cond = Condition("patient", source)
    obs = (ObservableSpec("anc", "anc_1e9_per_L", NoiseModel("lognormal", 0.15)),)
    blank = Measurements.from_rows(["patient"] * len(DAYS), DAYS, ["anc"] * len(DAYS), np.ones(len(DAYS)))
    draft = Problem("full model, synthetic", (cond,), obs, params, blank)
    y = Objective(draft, KernelEngine(rtol=1e-8)).predict(np.log10([truth[n] for n, _, _ in FULL_FREE])[None])[0]
    noisy = y * np.exp(0.15 * np.random.default_rng(16).standard_normal(len(y)))
    data = Measurements.from_rows(["patient"] * len(DAYS), DAYS, ["anc"] * len(DAYS), noisy)
    return Problem("full model, synthetic", (cond,), obs, params, data).checked(), truth


def full_rows() -> list[list[str]]:
    from hemasim.inference import Objective, fit

    problem, truth = full_problem()
    rows: list[list[str]] = []
    kernel_batches, base = 0, 0.0
    for label, engine in engines():
        objective = Objective(problem, engine)
        batch, _ = objective.perturbations(objective.nominal)
        objective(batch)  # warm-up
        if not rows:
            t0 = time.perf_counter()
            calls = _count_calls(objective)
            result = fit(objective, n_starts=2, seed=1)
            base = time.perf_counter() - t0
            kernel_batches = calls[0]
            worst = max(abs(result.natural[n] / truth[n] - 1) for n in truth)
            rows.append([label, f"{base:.1f}", "1.0", f"{kernel_batches} batches; objective {result.fun:.3f}; "
                         f"largest relative error of the 6 estimates {worst:.2f}"])
            continue
        t0 = time.perf_counter()
        objective(batch)
        per_batch = time.perf_counter() - t0
        projected = per_batch * kernel_batches
        rows.append([label, f"{projected:.0f} (projected)", f"{projected / base:.0f}",
                     f"{per_batch:.2f} s per batch of {len(batch)} vectors x {kernel_batches} batches"])
    return rows


def _count_calls(objective: Any) -> list[int]:
    """Count the objective's batches (calls of predict) from now on."""
    calls = [0]
    predict = objective.predict

    def counted(theta: np.ndarray) -> np.ndarray:
        calls[0] += 1
        return predict(theta)

    objective.predict = counted
    return calls


def coverage(n_repeats: int) -> list[list[str]]:
    """The repeat study: coverage of the generating MTT, gamma and slope by their 95% profile intervals."""
    from dataclasses import replace

    from hemasim.inference import Objective, fit, load_problem, profile_likelihood

    truth = {"mtt_h": 88.7, "gamma": 0.161, "slope": 8.58, "sigma_anc": 0.15}
    names = ["mtt_h", "gamma", "slope"]
    problem = load_problem(ROOT / "examples" / "fit" / "problem.yaml")
    clean = Objective(problem).predict(Objective(problem).scaled(truth)[None])[0]
    covered = dict.fromkeys(names, 0)
    widths: dict[str, list[float]] = {n: [] for n in names}
    for seed in range(n_repeats):
        noisy = clean * np.exp(truth["sigma_anc"] * np.random.default_rng(seed).standard_normal(len(clean)))
        data = replace(problem.measurements, value=np.maximum(noisy, 0.1), censored=noisy < 0.1)
        objective = Objective(replace(problem, measurements=data))
        best = fit(objective, n_starts=2, seed=seed).x
        for prof in profile_likelihood(objective, best, names=names):
            lo, hi = prof.ci_lower, prof.ci_upper
            covered[prof.name] += int(lo is not None and hi is not None and lo <= truth[prof.name] <= hi)
            if lo is not None and hi is not None:
                widths[prof.name].append(hi / lo)
        print(f"repeat {seed + 1}/{n_repeats}: covered so far {covered}", flush=True)
    return [[n, f"{truth[n]:g}", f"{covered[n]}/{n_repeats}", f"{100 * covered[n] / n_repeats:.0f}%",
             f"{np.median(widths[n]):.2f}" if widths[n] else "-"] for n in names]


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if len(sys.argv) == 3 and sys.argv[1] == "--coverage":
        n = int(sys.argv[2])
        table = Table(title=f"95% profile-interval coverage over {n} synthetic data sets (Friberg chain, docetaxel)")
        for col in ("parameter", "generating value", "covered", "coverage", "median upper/lower"):
            table.add_column(col, justify="right")
        for row in coverage(n):
            table.add_row(*row)
        console.print(table)
        return
    table = Table(title="time to fit one patient: Friberg chain on the batch kernel (goal: under 5 s; best of 3)")
    for col in ("starts", "wall (s)", "CPU (s)", "wall per start (s)", "CPU per start (s)", "objective"):
        table.add_column(col, justify="right")
    for row in friberg_fit_time_rows():
        table.add_row(*row)
    console.print(table)
    table = Table(title="fit one patient: Friberg chain (docetaxel, 16 ANC counts, 4 free, 4 starts)")
    for col in ("forward engine", "time (s)", "x batch kernel", "objective", "MTT (h) / gamma / slope"):
        table.add_column(col, justify="right")
    for row in friberg_rows():
        table.add_row(*row)
    console.print(table)
    table = Table(title="fit one patient: full model (6 free parameters, 16 ANC counts, 2 starts, least squares)")
    for col in ("forward engine", "time (s)", "x batch kernel", "detail"):
        table.add_column(col, justify="right")
    for row in full_rows():
        table.add_row(*row)
    console.print(table)


if __name__ == "__main__":
    main()
