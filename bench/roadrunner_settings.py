"""Goal 2's agreement line: libRoadRunner's own error at the bench's rtol 1e-6 under other integrator settings.

The bench times a libRoadRunner loop (CVODE, rtol 1e-6, its defaults otherwise: absolute tolerance 1e-12, BDF, no
maximum step, CVODE's own initial step) against hemasim's cohort kernel, and the agreement line (<= 1e-4) measures
the difference of the two. libRoadRunner's own error on the worst patients (1.26e-4 on day 8 of the marrow-depletion
cohort) is above the line by itself (docs/performance.md, goal 2, eighth round). This asks whether a setting at the
same rtol is unfair to it: each setting's per-patient largest relative error against libRoadRunner at rtol 1e-10
(absolute 1e-14: the exact solution of the exported model) on the known worst patients and a random sample of the
10,000, with its CPU per patient (docs/performance.md, "Goal 2's agreement, eleventh session").

Run: ``python bench/roadrunner_settings.py [--sample 150]`` (~1 min of CPU at --sample 150).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import bench_cohort  # this folder: python puts a script's folder on the path
import numpy as np

#: the 10,000-patient bench cohort's patients with libRoadRunner's largest errors at its defaults (eighth round)
WORST = (7176, 4980, 7579, 274)

#: settings tried at rtol 1e-6 (integrator attributes of libRoadRunner's CVODE)
SETTINGS: tuple[dict[str, Any], ...] = (
    {}, {"absolute_tolerance": 1e-6}, {"maximum_time_step": 1.0}, {"maximum_time_step": 0.2}, {"stiff": False},
    {"maximum_bdf_order": 3}, {"initial_time_step": 1e-3}, {"initial_time_step": 3e-4}, {"initial_time_step": 1e-4},
    {"initial_time_step": 1e-5}, {"initial_time_step": 1e-7},
)


def observables(n: int, patients: list[int], settings: dict[str, Any]) -> tuple[np.ndarray, float]:
    """The four band observables of ``patients`` of the ``n``-patient bench cohort by libRoadRunner with
    ``settings``, and its CPU seconds."""
    import roadrunner

    from hemasim.assembly import build_events
    from hemasim.model.sbml import sbml_parameter_matrix, to_sbml
    from hemasim.simulation import output_times

    scenario, model, x0 = _cohort(n)
    times = output_times(scenario.duration_days, scenario.output.every_days)
    sel = np.array([model.observable_names.index(o) for o in bench_cohort.OBS])
    rr = roadrunner.RoadRunner(to_sbml(model.patient(0), build_events(scenario), initial_state=x0[0]))
    for key, value in settings.items():
        setattr(rr.integrator, key, value)
    ids, values = sbml_parameter_matrix(model)
    species = list(model.state_names)
    w = model.obs_state_w[:, sel, :]
    out = np.empty((len(patients), len(times), len(sel)))
    c0 = time.process_time()
    for j, i in enumerate(patients):
        rr.reset()
        rr.setValues(ids, values[i])
        rr.setValues(species, x0[i])
        out[j] = np.asarray(rr.simulate(float(times[0]), float(times[-1]), len(times), selections=species)) @ w[i].T
    return out, time.process_time() - c0


_COHORTS: dict[int, Any] = {}


def _cohort(n: int) -> Any:
    if n not in _COHORTS:
        _COHORTS[n] = bench_cohort.prepare(n)
    return _COHORTS[n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=150, help="random patients besides the known worst")
    parser.add_argument("--n", type=int, default=10_000, help="the bench cohort's size (patients are drawn from it)")
    args = parser.parse_args()
    sample = np.random.default_rng(2).choice(args.n, args.sample, replace=False).tolist()
    patients = [p for p in WORST if p < args.n] + sample
    exact, _ = observables(args.n, patients, {"relative_tolerance": 1e-10, "absolute_tolerance": 1e-14,
                                              "maximum_num_steps": 10**6})
    default = None
    for extra in SETTINGS:
        ours, cpu = observables(args.n, patients, {"relative_tolerance": 1e-6, **extra})
        error = (np.abs(ours - exact) / np.abs(exact)).max(axis=(1, 2))  # each patient's largest, over days and observables
        default = error if default is None else default
        print(f"{json.dumps(extra) or 'defaults':34s} {1e3 * cpu / len(patients):5.1f} ms CPU/patient; error max "
              f"{error.max():.2e}, 90th pct {np.percentile(error, 90):.2e}, median {np.median(error):.2e}; below / above "
              f"the defaults' for {np.mean(error < default):.0%} / {np.mean(error > default):.0%}; known worst "
              f"{', '.join(f'{e:.2e}' for e in error[:len(WORST)])}", flush=True)


if __name__ == "__main__":
    main()
