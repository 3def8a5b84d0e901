"""Cohort benchmark (`make bench`): hemasim against a libRoadRunner loop on hemasim's exported SBML.

One process, the same virtual patients (examples/cohort_marrow_depletion.yaml, one year, daily output):
(a) hemasim's cohort path (lock-step numba integration on all cores), (b) a libRoadRunner loop, one
simulate() per patient, on the exported SBML re-targeted to each patient by setting its parameters and
initial amounts. The two must agree within 1e-3 relative on ANC, platelets, hemoglobin and CD4. Then
hemasim alone for 1,000 / 10,000 / 100,000 patients (end to end: sampling, model, steady state,
integration, endpoints, Parquet), each in a fresh process with its peak memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "cohort_marrow_depletion.yaml"
OBS = ("anc_1e9_per_L", "platelets_1e9_per_L", "hemoglobin_g_per_dL", "cd4_per_uL")


def prepare(n: int, seed: int = 0):
    from hemasim.biology import healthy_human_model
    from hemasim.cohort.sampling import draw_patients
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import load_scenario
    from hemasim.simulation import steady_state

    scenario = load_scenario(SCENARIO)
    params = healthy_adult_parameters()
    vp = draw_patients(scenario.population, scenario.patient, params, 0, n, seed)
    model = healthy_human_model(vp.covariates, params, aging=scenario.aging, per_patient=vp.parameters).compile()
    x0 = steady_state(model)
    return scenario, model, x0


#: the cohort solvers this benchmark can time, and the lock-step kernel each calls (counted through the module)
SOLVERS = {"dormand_prince": ("DormandPrince", "integrate_lockstep"),
           "additive_runge_kutta": ("AdditiveRungeKutta", "integrate_lockstep_imex")}
#: settings a SOLVERS key may take ("name:setting=value"): rtol (1e-6 unless given) and the IMEX solver's opt-in
#: chain tolerance and scaling of unread states
SOLVER_SETTINGS = {"dormand_prince": ("rtol",), "additive_runge_kutta": ("rtol", "chain_tolerance", "unread_states")}


def build_solver(solver: str, rtol: float = 1e-6):
    """``solver``: a key of SOLVERS, optionally with settings ("additive_runge_kutta:chain_tolerance=pool:rtol=3e-6")."""
    import hemasim.solvers as solvers

    name, *settings = solver.split(":")
    options = dict(setting.split("=", 1) for setting in settings)
    unknown = set(options) - set(SOLVER_SETTINGS.get(name, ()))
    if unknown:
        raise ValueError(f"{name} takes no setting {sorted(unknown)} here")
    if "rtol" in options:
        rtol = float(options.pop("rtol"))
    return getattr(solvers, SOLVERS[name][0])(rtol=rtol, **options)


def hemasim_batch(scenario, model, x0, times, sel, work=None, solver="dormand_prince"):
    """The cohort's observables by ``solver`` (a key of SOLVERS, with settings: :func:`build_solver`; rtol 1e-6
    unless they say otherwise);
    ``work`` (a list), when given, receives the lock-step kernel's steps and right-hand-side evaluations per patient
    of each integration (accepted, rejected, evaluations)."""
    import hemasim.solvers._lockstep as lockstep
    from hemasim.assembly import build_events
    from hemasim.simulation import Simulation

    kernel_name = SOLVERS[solver.split(":")[0]][1]
    kernel = getattr(lockstep, kernel_name)

    def counting(*args):
        out = kernel(*args)
        n, chunk = args[0].shape[0], args[-1]
        sizes = np.minimum(chunk, n - np.arange(len(out[3])) * chunk)  # patients per chunk: they share its steps
        work.append((out[3] * sizes[:, None]).sum(axis=0) / n)
        return out

    sim = Simulation(model, build_solver(solver), build_events(scenario))
    if work is not None:
        setattr(lockstep, kernel_name, counting)  # the solvers import it from the module at each call
    try:
        return sim.run(scenario.duration_days, scenario.output.every_days, x0=x0,
                       observe=[model.observable_names[int(i)] for i in sel]).values
    finally:
        setattr(lockstep, kernel_name, kernel)


def roadrunner_loop(scenario, model, x0, times, sel, rtol=None, patients=None):
    """One libRoadRunner simulate() per patient (all, or the indices ``patients``, in that order): at its default
    tolerances (CVODE, relative 1e-6, absolute 1e-12), or at relative ``rtol`` (absolute 1e-14: a reference of the
    exported model itself)."""
    import roadrunner

    from hemasim.assembly import build_events
    from hemasim.model.sbml import sbml_parameter_matrix, to_sbml

    events = build_events(scenario)
    text = to_sbml(model.patient(0), events, initial_state=x0[0])
    ids, values = sbml_parameter_matrix(model)
    rr = roadrunner.RoadRunner(text)
    if rtol is not None:
        rr.integrator.relative_tolerance = rtol
        rr.integrator.absolute_tolerance = 1e-14
        rr.integrator.maximum_num_steps = 10**6
    species = list(model.state_names)
    w = model.obs_state_w[:, sel, :]  # (N, k, n)
    patients = range(model.n_patients) if patients is None else patients
    obs = np.empty((len(patients), len(times), len(sel)))
    t0, c0 = time.perf_counter(), time.process_time()
    for j, i in enumerate(patients):
        rr.reset()
        rr.setValues(ids, values[i])
        rr.setValues(species, x0[i])
        res = rr.simulate(float(times[0]), float(times[-1]), len(times), selections=species)
        obs[j] = np.asarray(res) @ w[i].T
    return obs, time.perf_counter() - t0, time.process_time() - c0


def relative_difference(values, reference):
    """|values - reference| / |reference| elementwise (the reference floored at 1e-12): the agreement's measure."""
    return np.abs(values - reference) / np.maximum(np.abs(reference), 1e-12)


def reference_errors(scenario, model, x0, times, sel, ours, theirs, rtol=1e-10, check=100, seed=0):
    """Each side's own error against a converged libRoadRunner loop (rtol ``rtol``, absolute 1e-14) on every patient:
    "max_rel_error" (hemasim's ``ours``), "roadrunner_max_rel_error" (the timed loop's ``theirs``), the patient
    and value of each, and the reference's convergence: its largest relative difference from the same loop at
    ``rtol`` / 10 on ``check`` seeded random patients and the five worst of each comparison ("reference_convergence",
    over "reference_check_n" patients). "worst_vs_timed": the three patients farthest between hemasim and the timed
    loop, each [patient, that difference, hemasim's own error, the timed loop's own error]."""
    c0 = time.process_time()
    exact, _, _ = roadrunner_loop(scenario, model, x0, times, sel, rtol)
    cpu = time.process_time() - c0
    own, rr_own = (relative_difference(x, exact).max(axis=(1, 2)) for x in (ours, theirs))  # per patient
    diff = relative_difference(ours, theirs).max(axis=(1, 2))
    n = len(own)
    picked = np.random.default_rng(seed).choice(n, min(n, check), replace=False)
    patients = sorted({int(i) for i in picked} | {int(i) for e in (own, rr_own, diff) for i in np.argsort(e)[-5:]})
    tighter, _, _ = roadrunner_loop(scenario, model, x0, times, sel, rtol / 10, patients)
    return {"max_rel_error": float(own.max()), "max_rel_error_patient": int(own.argmax()),
            "roadrunner_max_rel_error": float(rr_own.max()), "roadrunner_max_rel_error_patient": int(rr_own.argmax()),
            "reference_rtol": rtol, "reference_cpu_s": cpu, "reference_check_n": len(patients),
            "reference_convergence": float(relative_difference(exact[patients], tighter).max()),
            "worst_vs_timed": [[int(i), float(diff[i]), float(own[i]), float(rr_own[i])]
                               for i in np.argsort(diff)[::-1][:3]]}


def compare(n: int, solver: str = "dormand_prince", reference_rtol: float | None = None) -> dict[str, Any]:
    """hemasim's ``solver`` against the libRoadRunner loop on ``n`` patients: CPU and wall seconds, the agreement
    (max and 99th percentile of the relative difference over patients, days and observables) and hemasim's work per
    patient-year. With ``reference_rtol`` (e.g. 1e-10) also a libRoadRunner loop at that tolerance on every patient,
    untimed, as the converged solution: each side's own error against it (:func:`reference_errors`)."""
    from hemasim.simulation import output_times

    # untimed: load the solver's compiled kernels on a small cohort first, as the libRoadRunner side builds (and
    # compiles) its model before its timed loop; the timed runs then compare integration work alone
    small = prepare(min(n, 64))
    small_times = output_times(small[0].duration_days, small[0].output.every_days)
    hemasim_batch(*small, small_times, np.array([small[1].observable_names.index(o) for o in OBS]), None, solver)
    t0 = time.perf_counter()
    scenario, model, x0 = prepare(n)
    t_prep = time.perf_counter() - t0
    times = output_times(scenario.duration_days, scenario.output.every_days)
    sel = np.array([model.observable_names.index(o) for o in OBS])
    work: list[np.ndarray] = []
    t0, c0 = time.perf_counter(), time.process_time()  # CPU time: every thread of the lock-step kernel
    ours = hemasim_batch(scenario, model, x0, times, sel, work, solver)
    t_ours, cpu_ours = time.perf_counter() - t0, time.process_time() - c0
    accepted, rejected, evaluations = np.sum(work, axis=0)  # per patient, over the integrations between events
    years = scenario.duration_days / 365.25
    theirs, t_rr, cpu_rr = roadrunner_loop(scenario, model, x0, times, sel)
    rel = relative_difference(ours, theirs)
    errors = {}
    if reference_rtol is not None:
        errors = reference_errors(scenario, model, x0, times, sel, ours, theirs, reference_rtol)
    return {"n": n, "prep_s": t_prep, "hemasim_s": t_ours, "roadrunner_s": t_rr,
            "hemasim_cpu_s": cpu_ours, "roadrunner_cpu_s": cpu_rr, "max_rel_diff": float(rel.max()),
            "p99_rel_diff": float(np.percentile(rel, 99)), "steps_per_patient_year": (accepted + rejected) / years,
            "rejected_per_patient_year": rejected / years, "rhs_per_patient_year": evaluations / years, **errors}


SCALE_SNIPPET = """
import json, sys, tempfile, time
from hemasim.cohort import run_cohort
from hemasim.scenario import load_scenario
s = load_scenario(sys.argv[1])
with tempfile.TemporaryDirectory() as d:
    t0 = time.perf_counter()
    run_cohort(s, int(sys.argv[2]), d, partition_size=2000, progress=False)
    dt = time.perf_counter() - t0
# VmHWM: this process's own peak resident memory (ru_maxrss would include the parent's, inherited at fork)
hwm = [int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(json.dumps({"seconds": dt, "peak_rss_MB": hwm / 1024}))
"""


def scale(n: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", SCALE_SNIPPET, str(SCENARIO), str(n)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(sizes: tuple[int, ...] = (1_000, 10_000, 100_000), compare_n: int = 10_000) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    with console.status("warming up the numba kernels"):
        compare(64)
        scale(200)
    with console.status(f"hemasim vs libRoadRunner, {compare_n} patients"):
        c = compare(compare_n)
    ratio = c["roadrunner_s"] / c["hemasim_s"]
    t = Table(title=f"hemasim vs libRoadRunner loop - {compare_n} patients, 1 year, daily output, "
                    f"{os.cpu_count()} cores")
    for col in ("engine", "time (s)", "per patient (ms)"):
        t.add_column(col, justify="right" if col != "engine" else "left")
    t.add_row("hemasim (lock-step numba, all cores)", f"{c['hemasim_s']:.2f}", f"{1e3 * c['hemasim_s'] / compare_n:.3f}")
    t.add_row("libRoadRunner loop (exported SBML)", f"{c['roadrunner_s']:.2f}",
              f"{1e3 * c['roadrunner_s'] / compare_n:.3f}")
    t.add_row("ratio (roadrunner / hemasim), wall", f"{ratio:.1f}x", "")
    t.add_row("ratio (roadrunner / hemasim), CPU time", f"{c['roadrunner_cpu_s'] / c['hemasim_cpu_s']:.1f}x",
              f"{c['hemasim_cpu_s']:.2f} s vs {c['roadrunner_cpu_s']:.2f} s")
    t.add_row("agreement: max / 99th pct relative difference", f"{c['max_rel_diff']:.1e}", f"{c['p99_rel_diff']:.1e}")
    t.add_row("hemasim steps / right-hand sides per patient-year", f"{c['steps_per_patient_year']:.0f}",
              f"{c['rhs_per_patient_year']:.0f}")
    t.add_row("(hemasim set-up not timed above: sampling, model, steady state)", f"{c['prep_s']:.2f}", "")
    console.print(t)
    s = Table(title="hemasim cohorts end to end (sampling, model, steady state, integration, endpoints, Parquet)")
    for col in ("patients", "time (s)", "per patient (ms)", "peak memory (MB)"):
        s.add_column(col, justify="right")
    for n in sizes:
        with console.status(f"hemasim alone, {n} patients"):
            r = scale(n)
        s.add_row(f"{n:,}", f"{r['seconds']:.2f}", f"{1e3 * r['seconds'] / n:.3f}", f"{r['peak_rss_MB']:.0f}")
    console.print(s)
    if c["max_rel_diff"] > 1e-3:
        console.print("[bold red]hemasim and libRoadRunner disagree by more than 1e-3[/]")
        raise SystemExit(1)


if __name__ == "__main__":
    if "--quick" in sys.argv:
        main(sizes=(1_000, 5_000), compare_n=1_000)
    else:
        main()
