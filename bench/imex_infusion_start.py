"""The IMEX solver on runs whose drug starts from C = 0, the one step whose frozen L has a kill's coefficient at 0
(docs/performance.md, "A multiplier that is 0"): steps and agreement with Dormand-Prince at 1e-10 over two cycles of
docetaxel (1-hour infusion; iv bolus for comparison) and nab-paclitaxel, and over the first infusion hour alone
(adaptive, and fixed steps against Dormand-Prince at 1e-12).

    python bench/imex_infusion_start.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from hemasim.assembly import build_model, run_scenario
from hemasim.scenario import Scenario, parse_scenario
from hemasim.solvers import AdditiveRungeKutta, DormandPrince
from hemasim.solvers.split import implicit_split

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "docetaxel_q3w.yaml"


def scenario(**change: Any) -> Scenario:
    """docetaxel_q3w.yaml, two cycles over 42 days, its intervention's fields changed (None: removed)."""
    data = yaml.safe_load(EXAMPLE.read_text())
    data["duration_days"] = 42
    given = data["interventions"][0]
    given["schedule"]["cycles"] = 2
    for key, value in change.items():
        if value is None:
            given.pop(key)
        else:
            given[key] = value
    return parse_scenario(data)


def scaled_difference(a: np.ndarray, b: np.ndarray) -> float:
    """As tests/test_imex.py's: a state that starts at 0 (a drug's) is scaled by its largest value."""
    start = np.abs(b[:1])
    start = np.where(start > 0.0, start, np.abs(b).max(axis=0, keepdims=True))
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(b), start), 1e-300)))


def runs() -> None:
    cases = {"docetaxel 1 h infusion": scenario(),
             "docetaxel iv bolus": scenario(route="iv_bolus", infusion_hours=None),
             "nab-paclitaxel 260, 0.5 h": scenario(drug_set="nab_paclitaxel_chen2014", dose_mg_per_m2=260,
                                                    infusion_hours=0.5)}
    for name, case in cases.items():
        reference = run_scenario(case, DormandPrince(rtol=1e-10))
        anc_reference = reference.observable("anc_1e9_per_L")
        for solver in (AdditiveRungeKutta(rtol=1e-6), AdditiveRungeKutta(rtol=1e-8), DormandPrince(rtol=1e-8)):
            result = run_scenario(case, solver)
            stats = result.record.solver_stats
            anc = result.observable("anc_1e9_per_L")
            print(f"{name:28s} {type(solver).__name__:18s} rtol={solver.rtol:g} steps={stats.steps_accepted} "
                  f"rejected={stats.steps_rejected} states={scaled_difference(result.states, reference.states):.3e} "
                  f"ANC={np.max(np.abs(anc - anc_reference) / anc_reference):.3e}", flush=True)


def first_hour() -> None:
    model = build_model(scenario()).compile()
    x0 = model.x0.copy()
    x0[model.index("docetaxel_infusion_rate")] = 175e3 * 24.0  # ug/day: 175 mg (100 mg/m2) over 1 h
    split = implicit_split(model)
    killed = sorted({int(model.src[split.flow[k]]) for k in split.cross_entry})
    hour = 1.0 / 24.0
    t = np.linspace(0.0, hour, 5)
    reference = DormandPrince(rtol=1e-12).integrate(model, x0, 0.0, t)
    scale = np.maximum(np.abs(reference).max(axis=0), 1e-300)
    for rtol in (1e-6, 1e-8, 1e-10):
        s = AdditiveRungeKutta(rtol=rtol).solve(model, x0, 0.0, t)
        error = np.abs(s.states[0] - reference) / scale
        print(f"first hour, IMEX rtol={rtol:g}: steps={s.stats.steps_accepted} rejected={s.stats.steps_rejected} "
              f"error={error.max():.3e} (killed cells {error[:, killed].max():.3e})")
    for n in (1, 2, 4, 8, 16):
        x = AdditiveRungeKutta(fixed_step_days=hour / n).integrate(model, x0, 0.0, np.array([0.0, hour]))
        print(f"first hour, IMEX {n} fixed steps: error={np.max(np.abs(x[-1] - reference[-1]) / scale):.3e}")


if __name__ == "__main__":
    runs()
    first_hour()
