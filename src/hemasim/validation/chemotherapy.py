"""Read-outs of one docetaxel cycle (targets C4, C5).

The cycle is built from the drug set and the model directly rather than from a scenario: it gives the dose as
an amount (100 mg/m2 times the body surface area) to the Friberg chain and to the full model alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from hemasim.biology import healthy_human_model
from hemasim.biology.body import body_surface_area_m2
from hemasim.endpoints import DayOfNadir, DaysBelow
from hemasim.pharmacology import DrugExposure, Regimen, friberg_model, load_drug_set
from hemasim.simulation import Simulation
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.patients import PATIENTS

ANC = "anc_1e9_per_L"


def _docetaxel_cycle(model_kind: str) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    """One cycle of docetaxel 100 mg/m2 (1-h infusion, Kloft 2006 ANC set) in the reference woman: a runner of
    (times, ANC)."""

    @functools.cache
    def run() -> tuple[np.ndarray, np.ndarray]:
        patient = PATIENTS["reference_female"]
        ds = load_drug_set("docetaxel_kloft2006")
        model = friberg_model(ds, patient) if model_kind == "friberg" else healthy_human_model(
            patient, aging=False, extensions=[DrugExposure(ds)])
        dose = Regimen(0.0, "docetaxel", "iv_infusion", 100.0 * body_surface_area_m2(patient) * 1000.0, 1.0 / 24.0)
        r = Simulation(model, events=[dose]).run(28.0, output_every_days=1.0 / 24.0)
        return r.times, r.observable(ANC)

    return run


def _cycle_readouts(model_kind: str) -> dict[str, Readout]:
    run = _docetaxel_cycle(model_kind)

    def first21(f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Readout:
        def value() -> float:
            t, anc = run()
            keep = t <= 21.0
            return float(f(t[keep], anc[keep][None, :])[0])

        return OwnRun(value)

    return {
        f"{model_kind}_docetaxel_anc_nadir_day": first21(DayOfNadir(ANC).values),
        f"{model_kind}_docetaxel_days_anc_below_0p5": first21(DaysBelow(ANC, 0.5, "").values),
        f"{model_kind}_docetaxel_anc_nadir": first21(lambda t, v: np.min(v, axis=1)),
        f"{model_kind}_docetaxel_anc_day21": OwnRun(lambda: float(np.interp(21.0, *run()))),
    }


CHEMOTHERAPY: dict[str, Readout] = {**_cycle_readouts("friberg"), **_cycle_readouts("full_model")}
