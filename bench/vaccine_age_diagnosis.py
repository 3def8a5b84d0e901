"""Diagnosis of the age effect on one influenza dose (docs/immunity.md, "Between-patient variability of vaccine
responses"): IgG 28 days after the dose relative to the healthy 35-year-old's, and the blood counts that carry it
(B, naive and memory CD4) with their saturating help factors, at several ages (scenario influenza_vaccine_by_age,
the P6 woman of 65 kg, 160 cm, the age varied as data). Single runs: no between-patient variability.

Run: python bench/vaccine_age_diagnosis.py
"""

from __future__ import annotations

import numpy as np

from hemasim.biology.vaccine import reference_blood_counts
from hemasim.interventions.vaccine import reference_igg_day28
from hemasim.parameters import healthy_adult_parameters
from hemasim.validation.scenario_runs import cached_scenario_run


def help_factor(count: float, reference: float, half_saturation: float) -> float:
    """h(c) = c (1 + K/c_ref) / (c + K), the law of hemasim.biology.vaccine._saturating_help."""
    return count * (1 + half_saturation / reference) / (count + half_saturation)


def main() -> None:
    p = healthy_adult_parameters()
    k_b, k_cd4 = p.value("vaccine_b_help_half_saturation_per_uL"), p.value("vaccine_cd4_help_half_saturation_per_uL")
    ref = reference_igg_day28("influenza", ((7.0, 1.0),))
    rc = reference_blood_counts()
    for age in (20, 35, 50, 65, 80, 90):
        r = cached_scenario_run("influenza_vaccine_by_age", {"patient": {"age_years": age}})()
        igg = float(np.interp(35.0, r.times, r.observable("influenza_igg_au")))
        b, n4 = float(r.observable("b_cells_per_uL")[0]), float(r.observable("naive_cd4_per_uL")[0])
        m4 = float(r.observable("cd4_per_uL")[0]) - n4
        print(f"age {age}: relative response {igg / ref:.3f}; B {b:.0f}/uL h(B) {help_factor(b, rc['b'], k_b):.3f}; "
              f"naive CD4 {n4:.0f}/uL h(N4) {help_factor(n4, rc['naive_cd4'], k_cd4):.3f}; memory CD4 {m4:.0f}/uL")


if __name__ == "__main__":
    main()
