"""GPU cohort benchmark (issue 20, goal 6): GpuDormandPrince against the CPU lock-step kernel, then 10^4-10^6 patients.

The cohort of bench_cohort.py: examples/cohort_marrow_depletion.yaml (80% marrow kill on day 7), one year, daily
output of ANC, platelets, hemoglobin and CD4, rtol 1e-6, both solvers through the same Simulation (events
included).

1. Check: 1,000 virtual patients on the GPU and with DormandPrince (CPU, all cores); the largest relative
   difference of the read-outs must be <= 1e-6.
2. Timings: 10^4, 10^5 and 10^6 patients on the GPU (integration wall: host transposes, copies and kernel, after a
   warm-up that compiled the kernel), beside the CPU lock-step kernel on all cores of the same machine for the
   smaller sizes (larger ones extrapolated linearly, marked so). Patients beyond ``--distinct`` (default 10^5) are
   the drawn ones repeated: drawing and steady-stating 10^6 patients is host work this benchmark does not time, and
   the GPU does the full work of every one of them.

On a machine without a usable GPU it prints a 'no GPU: skipped' row and exits 0. ``--json PATH`` writes the
figures (date, device, versions, results); bench/results/gpu_h200.json is such a record, read by bench_goals.py.

Run: ``python bench/bench_gpu.py [--json PATH] [--sizes 10000 100000 1000000] [--check-n 1000]``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cohort import OBS, prepare  # noqa: E402

TOLERANCE = 1e-6


def observables_only(model: Any) -> Any:
    """The cohort model with only the read-outs of OBS (the per-patient weights of the others are not needed)."""
    from hemasim.model.compiled import ObservableWeights

    sel = [model.observable_names.index(o) for o in OBS]
    return replace(model, observable_names=list(OBS), observable_units=[model.observable_units[i] for i in sel],
                   observable_descriptions=[model.observable_descriptions[i] for i in sel],
                   obs_weights=ObservableWeights.from_arrays(*model.obs_weights.rows(sel)))


def cohort_of(model: Any, x0: np.ndarray, n: int) -> tuple[Any, np.ndarray]:
    """The first ``n`` patients of ``model`` (or its patients repeated up to ``n``) with their initial states."""
    index = np.arange(n) % model.n_patients

    def pick(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a[index])

    return replace(model, x0=pick(model.x0), rate=pick(model.rate), yield_=pick(model.yield_),
                   fb_params=pick(model.fb_params), obs_weights=model.obs_weights.patients(index),
                   n_patients=n), pick(x0)


def integrate(scenario: Any, model: Any, x0: np.ndarray, solver: Any) -> tuple[np.ndarray, float]:
    """Read-outs (N, days + 1, len(OBS)) of the scenario's year with ``solver``; integration wall seconds."""
    from hemasim.assembly import build_events
    from hemasim.simulation import Simulation

    sim = Simulation(model, solver, build_events(scenario))
    t0 = time.perf_counter()
    values = sim.run(scenario.duration_days, scenario.output.every_days, x0=x0, observe=list(OBS)).values
    return values, time.perf_counter() - t0


def _relative(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b) / np.maximum(np.abs(b), 1e-300)


def compare_with_cpu(n: int, max_registers: int | None = None) -> dict[str, Any]:
    """``n`` patients on the GPU and with the CPU lock-step kernel: the largest relative difference, and times."""
    from hemasim.solvers import DormandPrince, GpuDormandPrince

    scenario, model, x0 = prepare(n)
    model = observables_only(model)
    cpu, cpu_s = integrate(scenario, model, x0, DormandPrince(rtol=1e-6))
    gpu, gpu_s = integrate(scenario, model, x0, GpuDormandPrince(rtol=1e-6, max_registers=max_registers))
    rel = _relative(gpu, cpu)
    return {"n": n, "max_rel_diff": float(rel.max()), "p99_rel_diff": float(np.percentile(rel, 99)),
            "tolerance": TOLERANCE, "ok": bool(rel.max() <= TOLERANCE), "gpu_s": gpu_s, "cpu_s": cpu_s,
            "worst_observable": OBS[int(np.unravel_index(rel.argmax(), rel.shape)[2])]}


def _launch_seconds(since: int) -> dict[str, float]:
    from hemasim.solvers import _cuda

    launches = _cuda.LAUNCHES[since:]
    return {key: sum(launch[key] for launch in launches) for key in ("to_gpu_s", "kernel_s", "from_gpu_s")}


def time_sizes(sizes: list[int], distinct: int, cpu_up_to: int, variants: list[int | None],
               measured: Callable[[list[dict[str, Any]]], None] = lambda rows: None) -> list[dict[str, Any]]:
    """GPU (each register variant) and CPU integration wall for each size; CPU beyond ``cpu_up_to`` extrapolated.
    ``measured`` gets the rows so far after each size."""
    from hemasim.solvers import DormandPrince, GpuDormandPrince, _cuda

    scenario, drawn, x0_drawn = prepare(min(distinct, max(sizes)))
    drawn = observables_only(drawn)
    rows: list[dict[str, Any]] = []
    cpu_per_patient = None
    for n in sizes:
        model, x0 = cohort_of(drawn, x0_drawn, n)
        row: dict[str, Any] = {"n": n, "distinct_patients": min(n, drawn.n_patients), "gpu": {}}
        for max_registers in variants:
            since = len(_cuda.LAUNCHES)
            _, seconds = integrate(scenario, model, x0, GpuDormandPrince(rtol=1e-6, max_registers=max_registers))
            row["gpu"][str(max_registers)] = {"wall_s": seconds, **_launch_seconds(since)}
        if n <= cpu_up_to:
            _, cpu_s = integrate(scenario, model, x0, DormandPrince(rtol=1e-6))
            row["cpu_s"], row["cpu_extrapolated"] = cpu_s, False
            cpu_per_patient = cpu_s / n
        elif cpu_per_patient is not None:
            row["cpu_s"], row["cpu_extrapolated"] = cpu_per_patient * n, True
        rows.append(row)
        print(json.dumps(row), flush=True)
        measured(rows)
    return rows


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("numpy", "numba", "numba-cuda", "llvmlite", "cuda-bindings"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "-"
    return found


def _device() -> dict[str, Any]:
    """The GPU and host; a field that cannot be read is '-' (the record must not be lost over a name)."""
    from numba import cuda

    found: dict[str, Any] = {"host_cpu_cores": os.cpu_count(), "host": platform.processor() or platform.machine()}
    def dev() -> Any:
        return cuda.get_current_device()

    readers = {
        "name": lambda: dev().name.decode() if isinstance(dev().name, bytes) else str(dev().name),
        "compute_capability": lambda: ".".join(map(str, dev().compute_capability)),
        "multiprocessors": lambda: int(dev().MULTIPROCESSOR_COUNT),
        "memory_GiB": lambda: round(cuda.current_context().get_memory_info()[1] / 2**30, 1),
        "driver": lambda: ".".join(map(str, cuda.cudadrv.driver.driver.get_version())),
        "runtime": lambda: ".".join(map(str, cuda.runtime.get_version())),
    }
    for key, read in readers.items():
        try:
            found[key] = read()
        except Exception:  # noqa: BLE001 - a field the driver or simulator does not give
            found[key] = "-"
    return found


def warm_up(variants: list[int | None]) -> dict[str, float]:
    """Compile the kernels (GPU: first launch of the process, per register variant; CPU: numba's cache) on 64
    patients for 8 days, so that no timing below includes a compilation; seconds each took."""
    from hemasim.solvers import DormandPrince, GpuDormandPrince

    scenario, model, x0 = prepare(64)
    scenario = scenario.model_copy(update={"duration_days": 8.0})
    model = observables_only(model)
    integrate(scenario, model, x0, DormandPrince(rtol=1e-6))
    took: dict[str, Any] = {}
    for max_registers in variants:
        t0 = time.perf_counter()
        integrate(scenario, model, x0, GpuDormandPrince(rtol=1e-6, max_registers=max_registers))
        took[str(max_registers)] = {"compile_and_run_s": time.perf_counter() - t0, **_resources(model, max_registers)}
    return took


def _resources(model: Any, max_registers: int | None) -> dict[str, str]:
    """Registers and local memory per thread of the compiled kernel, as numba-cuda reports them ('-' if not)."""
    from hemasim.solvers._cuda import lockstep_kernel

    kernel = lockstep_kernel(model.n_states, len(model.flow_names), len(model.signal_names), len(model.fb_kind),
                             max_registers)
    found = {}
    for key, read in (("registers_per_thread", "get_regs_per_thread"), ("local_bytes_per_thread",
                                                                        "get_local_mem_per_thread")):
        try:
            found[key] = str(getattr(kernel, read)())
        except Exception:  # noqa: BLE001 - not every numba-cuda version or the simulator reports it
            found[key] = "-"
    return found


def print_table(record: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    check = record["check"]
    t = Table(title=f"GPU cohorts (GpuDormandPrince) - {record['device']['name']}, one year, daily output, rtol 1e-6")
    for col in ("patients", "GPU wall (s)", "of which kernel (s)", "CPU lock-step, all cores (s)", "CPU / GPU"):
        t.add_column(col, justify="right")
    best = record["default_variant"]
    for row in record["timings"]:
        g = row["gpu"][best]
        cpu = row.get("cpu_s")
        cpu_text = "-" if cpu is None else f"{cpu:.2f}" + (" (extrapolated)" if row["cpu_extrapolated"] else "")
        t.add_row(f"{row['n']:,}", f"{g['wall_s']:.2f}", f"{g['kernel_s']:.2f}", cpu_text,
                  "-" if cpu is None else f"{cpu / g['wall_s']:.1f}x")
    console.print(t)
    console.print(f"check, {check['n']:,} patients: max relative difference GPU vs CPU {check['max_rel_diff']:.1e} "
                  f"(99th pct {check['p99_rel_diff']:.1e}; tolerance {TOLERANCE:g}): "
                  + ("[green]OK[/]" if check["ok"] else "[red]NOT[/]"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the record (date, device, versions, figures) here")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--check-n", type=int, default=1_000)
    parser.add_argument("--distinct", type=int, default=100_000, help="patients drawn; larger cohorts repeat them")
    parser.add_argument("--cpu-up-to", type=int, default=100_000, help="largest size also run on the CPU")
    parser.add_argument("--max-registers", type=int, nargs="*", default=[128],
                        help="register caps to time beside the compiler's choice (default: 128, GpuDormandPrince's)")
    args = parser.parse_args()
    from hemasim.solvers.gpu import gpu_unavailable_reason, simulated

    reason = gpu_unavailable_reason() or ("the CUDA simulator is on (NUMBA_ENABLE_CUDASIM): no timings"
                                          if simulated() else None)
    if reason is not None:
        print(f"GPU cohorts | no GPU: skipped ({reason})")
        return
    variants: list[int | None] = [None, *args.max_registers]
    record: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": os.environ.get("HEMASIM_COMMIT", "-"), "device": _device(), "versions": _versions(),
        "scenario": "examples/cohort_marrow_depletion.yaml", "duration_days": 365, "output_every_days": 1,
        "observables": list(OBS), "rtol": 1e-6,
        "note": f"patients beyond {args.distinct:,} are the drawn ones repeated; GPU wall = host-side preparation, "
                "copies and kernel of every Simulation segment (kernel_s: the kernel alone); CPU = DormandPrince "
                "(lock-step numba kernel, all cores of this machine)"}

    def save() -> None:  # after every stage: what was measured survives a later failure or time-out
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(record, indent=1) + "\n")

    save()
    record["kernel_compile_s"] = warm_up(variants)
    save()
    record["check"] = check = compare_with_cpu(args.check_n)
    print(json.dumps(check), flush=True)
    save()
    def measured(rows: list[dict[str, Any]]) -> None:
        record["timings"] = rows
        save()

    timings = time_sizes(sorted(args.sizes), args.distinct, args.cpu_up_to, variants, measured)
    largest = timings[-1]["gpu"]
    record["default_variant"] = min(largest, key=lambda v: largest[v]["kernel_s"])  # (wall: host copies' noise)
    save()
    print_table(record)
    if not check["ok"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
