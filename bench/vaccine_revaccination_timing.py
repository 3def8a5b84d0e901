"""Diagnosis (no target, no fit) of the time dependence of a revaccination after an allogeneic transplant against
Parkkali 1997 (Bone Marrow Transplant 19:933; abstract, link.springer.com record, pages corpus; no validation target
reads it): tetanus toxoid at months 6, 8 and 14 after the graft (early) or 18, 20 and 26 (late). The patient is the one
of examples/tetanus_revaccination_after_hsct.yaml (45-year-old man, Cy/TBI 12 Gy from day 365, a PBSC graft on day
371), with the dose a year before the transplant (as the trial's patients, most of them seropositive at month 6) and
without it. Prints IgG on each dose day and 28 days after it, the fold-rise, and the B and CD4 counts and help factors
at the first dose (docs/immunity.md, "Revaccination after a transplant against published studies").

Run: python bench/vaccine_revaccination_timing.py
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import yaml

from hemasim.assembly import run_scenario
from hemasim.scenario import parse_scenario

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tetanus_revaccination_after_hsct.yaml"
GRAFT_DAY, MONTH_DAYS = 371.0, 30.4
SCHEDULES = {"early": (6, 8, 14), "late": (18, 20, 26)}


def help_factor(count: float, reference: float, half_saturation: float) -> float:
    """h(c) = c (1 + K/c_ref) / (c + K), the law of hemasim.biology.vaccine._saturating_help."""
    return count * (1 + half_saturation / reference) / (count + half_saturation)


def at(times: np.ndarray, values: np.ndarray, day: float) -> float:
    """``values`` at the last output on or before ``day`` (before a dose given that day)."""
    return float(values[np.searchsorted(times, day + 1e-9) - 1])


def main() -> None:
    from hemasim.biology.vaccine import reference_blood_counts
    from hemasim.parameters import healthy_adult_parameters

    p = healthy_adult_parameters()
    ref = reference_blood_counts()
    k_b, k_cd4 = p.value("vaccine_b_help_half_saturation_per_uL"), p.value("vaccine_cd4_help_half_saturation_per_uL")
    data = yaml.safe_load(EXAMPLE.read_text())
    data.pop("arms")
    for prior in (True, False):
        for name, months in SCHEDULES.items():
            days = [GRAFT_DAY + m * MONTH_DAYS for m in months]
            scen = copy.deepcopy(data)
            scen["interventions"] = (data["interventions"][:3] if prior else data["interventions"][1:3]) + [
                {"kind": "vaccine", "day": round(d), "antigen": "tetanus"} for d in days]
            scen["duration_days"] = round(days[-1]) + 29
            r = run_scenario(parse_scenario(scen))
            igg = r.observable("tetanus_igg_au")

            rows = [(round(at(r.times, igg, round(d)), 2), round(at(r.times, igg, round(d) + 28), 1)) for d in days]
            first = round(days[0])
            b, n4 = at(r.times, r.observable("b_cells_per_uL"), first), at(r.times, r.observable("naive_cd4_per_uL"), first)
            m4 = at(r.times, r.observable("cd4_per_uL"), first) - n4
            fold = rows[0][1] / rows[0][0] if rows[0][0] > 0 else float("nan")
            print(f"{'vaccinated before' if prior else 'never vaccinated'}, {name} {months}: (IgG on the dose day, "
                  f"28 days after) {rows}; fold-rise after dose 1 {fold:.2f}; "
                  f"B {b:.0f}/uL (h {help_factor(b, ref['b'], k_b):.2f}), "
                  f"naive CD4 {n4:.0f}/uL (h {help_factor(n4, ref['naive_cd4'], k_cd4):.2f}), memory CD4 {m4:.0f}/uL "
                  f"(h {help_factor(m4, ref['memory_cd4'], k_cd4):.2f})")


if __name__ == "__main__":
    main()
