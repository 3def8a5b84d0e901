"""Steps and CPU of each solver with filgrastim's endogenous G-CSF state (docs/performance.md, "Filgrastim's
endogenous G-CSF state"): 300 ug s.c. on days 0-4 over 30 days, and examples/autologous_mobilised.yaml, with the
shipped set (filgrastim_wang2001) and the one without the state (filgrastim_wang2001_v1); Dormand-Prince at 1e-8 and
1e-10, the IMEX solver at 1e-8. CPU: the second of two runs (the first compiles or loads the kernels).

    python bench/gcsf_endogenous_steps.py [short] [example]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from hemasim.assembly import run_scenario
from hemasim.scenario import Scenario, load_scenario, parse_scenario
from hemasim.solvers import AdditiveRungeKutta, DormandPrince

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "autologous_mobilised.yaml"


def course(drug_set: str) -> Scenario:
    return parse_scenario({
        "name": "filgrastim", "patient": {"age_years": 50, "sex": "male", "weight_kg": 75, "height_cm": 175},
        "duration_days": 30, "output": {"every_days": 0.5},
        "interventions": [{"kind": "gcsf", "drug_set": drug_set, "dose_mg": 0.3, "route": "subcutaneous",
                           "schedule": {"days": [0, 1, 2, 3, 4]}}]}, "filgrastim")


def example(drug_set: str) -> Scenario:
    s = load_scenario(EXAMPLE)
    given = [iv.model_copy(update={"drug_set": drug_set}) if getattr(iv, "kind", "") == "gcsf" else iv
             for iv in s.interventions]
    return s.model_copy(update={"interventions": given})


def main(which: list[str]) -> None:
    for name in which:
        for drug_set in ("filgrastim_wang2001_v1", "filgrastim_wang2001"):
            scenario = course(drug_set) if name == "short" else example(drug_set)
            for solver in (DormandPrince(), AdditiveRungeKutta(), DormandPrince(rtol=1e-10)):
                run_scenario(scenario, solver)
                start = time.process_time()
                result = run_scenario(scenario, solver)
                cpu = time.process_time() - start
                stats = result.record.solver_stats
                print(f"{name:8s} {drug_set:24s} {type(solver).__name__:20s} rtol={solver.rtol:g} "
                      f"steps={stats.steps_accepted} rejected={stats.steps_rejected} cpu={cpu:.3f}s "
                      f"peak ANC={result.observable('anc_1e9_per_L').max():.8g}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["short", "example"])
