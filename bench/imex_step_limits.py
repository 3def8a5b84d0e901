"""Where the IMEX solver's steps come from (docs/performance.md, 2026-12-04, branch solvers): patients of the
marrow-depletion cohort (examples/cohort_marrow_depletion.yaml, one year, rtol 1e-6) through the one-patient kernel
run as Python (its compiled helpers do the arithmetic), the scaled error squares recorded at every step.

Prints per patient the steps by period, the share of the squared error norm in the neutrophil chain and where in
the chain the largest error sits; then which state groups hold the largest error over all steps below the 7-day
cap. ``python bench/imex_step_limits.py [patients]`` (~15 s CPU a patient).
"""

from __future__ import annotations

import collections
import os
import sys

import numpy as np

os.environ["HEMASIM_AOT"] = "0"  # the numba kernel's Python body, not the compiled module

PERIODS_DAYS = ((0, 7), (7, 14), (14, 30), (30, 60), (60, 120), (120, 240), (240, 366))


def main(n_patients: int) -> None:
    import hemasim.solvers._kernel as facade
    import hemasim.solvers._kernel_numba as kernels
    from hemasim.assembly import build_events
    from hemasim.biology import healthy_human_model
    from hemasim.cohort.sampling import draw_patients
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import load_scenario
    from hemasim.simulation import Simulation, steady_state
    from hemasim.solvers import AdditiveRungeKutta

    records: list[tuple[float, np.ndarray]] = []
    error_squares = kernels.ark_error_squares

    def recording(h, x, xn, K, atol, rtol, out):  # noqa: ANN001, ANN202, N803 - the kernel's helper, as it is called
        error_squares(h, x, xn, K, atol, rtol, out)
        records.append((h, out.copy()))

    kernels.ark_error_squares = recording  # the Python body looks its helpers up in the module at each call
    facade.ark_imex = kernels.ark_imex.py_func
    scenario = load_scenario("examples/cohort_marrow_depletion.yaml")
    parameters = healthy_adult_parameters()
    drawn = draw_patients(scenario.population, scenario.patient, parameters, 0, n_patients, 0)
    model = healthy_human_model(drawn.covariates, parameters, aging=scenario.aging,
                                per_patient=drawn.parameters).compile()
    x0 = steady_state(model)
    group = [name.rstrip("0123456789_") for name in model.state_names]
    chain = [j for j, name in enumerate(model.state_names) if name.startswith("neutrophil_maturing")]
    largest: collections.Counter[str] = collections.Counter()
    for i in range(n_patients):
        records.clear()
        Simulation(model.patient(i), AdditiveRungeKutta(rtol=1e-6), build_events(scenario)).run(
            scenario.duration_days, scenario.output.every_days, x0=x0[i])
        steps = np.array([h for h, _ in records])
        ends = np.cumsum(steps)
        second = int(np.argmax(ends > 7.0 + 1e-9))  # the day-7 depletion starts the second integration
        ends[second:] = 7.0 + np.cumsum(steps[second:])
        rejected = sum(1 for _, e in records if np.sqrt(e.mean()) > 1.0)
        print(f"patient {i}: {len(records)} steps ({rejected} rejected), {np.sum(steps >= 7.0 - 1e-9)} at the 7-day cap")
        for lo, hi in PERIODS_DAYS:
            inside = (ends > lo) & (ends <= hi)
            median = float(np.median(steps[inside])) if inside.any() else 0.0
            print(f"  days {lo:3d}-{hi:3d}: {inside.sum():4d} steps, median {median:.3f} d")
        shares = [e[chain].sum() / e.sum() for _, e in records if e.sum() > 0.0]
        print(f"  median share of the squared error norm in the neutrophil chain: {np.median(shares):.3f}")
        stage = collections.Counter(chain.index(j) + 1 for j in (int(np.argmax(e)) for _, e in records) if j in chain)
        print(f"  chain stage with the largest error (stage: steps): {dict(stage.most_common(5))}")
        for h, e in records:
            if h < 7.0 - 1e-9:
                largest[group[int(np.argmax(e))]] += 1
    print("the state group with the largest error, steps below the cap:")
    for name, count in largest.most_common(8):
        print(f"  {count:6d}  {name}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
