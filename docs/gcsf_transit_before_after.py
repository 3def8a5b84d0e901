"""Before/after figure of docs/chemotherapy_full_model.md: the typical docetaxel 100 mg/m2 cycle of the reference
woman in the full model without the G-CSF speed-up of neutrophil maturation (exponent 0, the previous slope
33.73 L/umol) and with it (Quartino 2014 exponent, the refitted slope), beside the Kloft 2006 chain the slope is
fitted to; and the nadirs of four q3w cycles. Run: PYTHONPATH=src python docs/gcsf_transit_before_after.py
(writes docs/images/chemo_gcsf_transit_before_after.png and prints the numbers)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from hemasim.biology import healthy_human_model
from hemasim.biology.body import body_surface_area_m2
from hemasim.inference.sources import drug_set_with_values
from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology import DrugExposure, Regimen, friberg_model, load_drug_set
from hemasim.simulation import Simulation
from hemasim.validation.patients import PATIENTS

PATIENT = PATIENTS["reference_female"]
SLOPE_PATH = "effects.0.full_model.slope_L_per_umol"
PREVIOUS_SLOPE = 33.73  # the fit without the speed-up (docs/chemotherapy_full_model.md, "before")
OUT = Path(__file__).parent / "images" / "chemo_gcsf_transit_before_after.png"


def doses(cycles: int) -> list[Regimen]:
    amount = 100.0 * body_surface_area_m2(PATIENT) * 1000.0
    return [Regimen(21.0 * c, "docetaxel", "iv_infusion", amount, 1.0 / 24.0) for c in range(cycles)]


def full_model_run(speed_up: bool, cycles: int = 1):  # type: ignore[no-untyped-def]
    ds = load_drug_set("docetaxel_kloft2006")
    params = healthy_adult_parameters()
    if not speed_up:
        params = params.with_values(neutrophil_transit_gcsf_exponent=0.0)
        ds = drug_set_with_values(ds, {SLOPE_PATH: PREVIOUS_SLOPE})
    model = healthy_human_model(PATIENT, params, aging=False, extensions=[DrugExposure(ds)])
    return Simulation(model, events=doses(cycles)).run(21.0 * cycles, output_every_days=0.125)


def main() -> None:
    chain = Simulation(friberg_model(load_drug_set("docetaxel_kloft2006"), PATIENT), events=doses(1)).run(21.0, 0.125)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(chain.times, chain.observable("anc_1e9_per_L"), "k--", label="Kloft 2006 chain (fitted course)")
    for speed_up, label in ((False, "full model before (no speed-up, slope 33.7)"),
                            (True, "full model after (G-CSF speed-up, refitted slope)")):
        r = full_model_run(speed_up)
        anc = r.observable("anc_1e9_per_L")
        ax.plot(r.times, anc, label=label)
        i = int(np.argmin(anc))
        print(f"{label}: nadir {anc[i]:.2f} on day {r.times[i]:.2f}, day 21 {anc[-1]:.2f}")
        four = full_model_run(speed_up, cycles=4)
        for obs in ("anc_1e9_per_L", "platelets_1e9_per_L"):
            y = four.observable(obs)
            print(f"  {obs} cycle nadirs:", [round(float(y[(four.times >= 21 * c) & (four.times <= 21 * (c + 1))].min()), 2)
                                               for c in range(4)])
    ax.axhline(1.0, color="grey", lw=0.6)
    ax.set_yscale("log")
    ax.set_xlabel("day after docetaxel 100 mg/m2")
    ax.set_ylabel("ANC (1e9/L)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT, dpi=110)


if __name__ == "__main__":
    main()
