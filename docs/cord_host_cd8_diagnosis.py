"""Why the host's CD8 T cells take back about half of the T cells a year after Cy/TBI and a cord graft (thirty-first
session, branch `chim35`, report35; the findings are in docs/chimerism.md, "Host CD8 T cells after a myeloablative
cord graft"). A diagnosis, not a fit: no shipped value is changed and no validation target is read.

For the shipped examples allo_hsct_cord_blood, allo_hsct_double_cord_blood, allo_hsct_pbsc and allo_hsct_bone_marrow
it prints the donor share of blood T cells (CD3) and CD8 cells on days 21, 100, 180 and 365, and the host and donor
memory CD8 pools (cells, whole body); then the same with the alloreactive kill in the model, which only the
`immunosuppression` and `donor_lymphocyte_infusion` kinds add: (a) a ciclosporin/mycophenolate course from day 3 to
day 100 tapered over 80 days (an illustrative course, not a sourced one), (b) the kill with no inhibition at all.
Since branch `gvhd35` the examples carry their own prophylaxis; every variant here first takes it out, so the first
variant is the examples as they were (no alloreactive kill) and the others replace the shipped course.

Run: PYTHONPATH=src python docs/cord_host_cd8_diagnosis.py (about 30 s of CPU once the kernels are built).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from hemasim.assembly import run_scenario
from hemasim.scenario import Scenario, load_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "hemasim" / "examples"
DAYS = (21, 100, 180, 365)
#: (label, extra intervention or None): the kill is in the model only when one of these kinds is
VARIANTS = (("without prophylaxis (no alloreactive kill)", None),
            ("+ ciclosporin/MMF days 3-100, taper 80 d (kill on)",
             {"kind": "immunosuppression", "agent": "ciclosporin_mycophenolate", "start_day": 3, "end_day": 100,
              "taper_days": 80}),
            ("+ kill, no inhibition", {"kind": "immunosuppression", "agent": "other", "start_day": 3, "end_day": 4,
                                       "inhibition": 0.0}))


def with_extra(scenario: Scenario, extra: dict | None) -> Scenario:
    """The scenario without its own immunosuppression (the examples' prophylaxis, branch gvhd35), plus ``extra``."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["interventions"] = [iv for iv in data["interventions"] if iv["kind"] != "immunosuppression"]
    if extra is not None:
        data["interventions"].append(extra)
    return type(scenario).model_validate(data)


def table(name: str, extra: dict | None) -> list[str]:
    result = run_scenario(with_extra(load_scenario(EXAMPLES / f"{name}.yaml"), extra))
    obs = result.observables
    t = obs["time_days"].to_numpy() if "time_days" in obs.columns else obs.index.to_numpy()
    rows = []
    for day in DAYS:
        i = int(np.argmin(abs(t - day)))
        cd3, cd3d = obs["cd3_per_uL"].to_numpy()[i], obs["cd3_per_uL__donor"].to_numpy()[i]
        cd8, cd8d = obs["cd8_per_uL"].to_numpy()[i], obs["cd8_per_uL__donor"].to_numpy()[i]
        mh, md = result.state("memory_cd8__host")[i], result.state("memory_cd8__donor")[i]
        rows.append(f"  day {day:3d}: donor T {cd3d / cd3:.3f}, donor CD8 {cd8d / cd8:.3f} (host {cd8 - cd8d:.3g}/uL, "
                    f"donor {cd8d:.3g}/uL); memory CD8 host {mh:.3g}, donor {md:.3g} cells")
    return rows


def main(argv: list[str]) -> None:
    names = argv or ["allo_hsct_cord_blood", "allo_hsct_double_cord_blood", "allo_hsct_pbsc", "allo_hsct_bone_marrow"]
    for name in names:
        for label, extra in VARIANTS:
            print(f"{name}: {label}")
            print("\n".join(table(name, extra)))


if __name__ == "__main__":
    main(sys.argv[1:])
