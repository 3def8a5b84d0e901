"""Read-outs of targets K1-K3 (branch cord): neutrophil engraftment after a single cord-blood unit dosed by
nucleated cells, the calibration data of ``cord_blood_cd34_potency_fold`` (hemasim.inference.cord). Each is
read on the scenario of prediction T7 (``cy_tbi_pbsc``: Cy/TBI 12 Gy, graft on day 6, a man of 40), with one
unit of the cohort's median dose instead of T7's two."""

from __future__ import annotations

import math

from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.predictions4 import engraftment_day
from hemasim.validation.scenario_runs import cached_scenario_run

__all__ = ["CORD", "SINGLE_CORD_TNC_PER_KG", "single_cord_readout_name"]

#: the cohorts' median nucleated-cell doses per kg (K1 Ooi 2004, K2 Kurtzberg 2008, K3 Blood 2006;108:3144), as in
#: hemasim.inference.cord.CORD_DATA (a test holds them equal; validation does not import the inference package)
SINGLE_CORD_TNC_PER_KG = (2.51e7, 3.9e7, 4.7e7)


def single_cord_readout_name(tnc_per_kg: float) -> str:
    """``single_cord_neutrophil_engraftment_day_tnc_2p51e7`` for 2.51e7 nucleated cells/kg."""
    exponent = math.floor(math.log10(tnc_per_kg))
    mantissa = f"{round(tnc_per_kg / 10.0 ** exponent, 3):g}".replace(".", "p")
    return f"single_cord_neutrophil_engraftment_day_tnc_{mantissa}e{exponent}"


def _single_cord(tnc_per_kg: float) -> Readout:
    run = cached_scenario_run("cy_tbi_pbsc", {"interventions": {1: {
        "source": "cord_blood", "cd34_per_kg": None, "tnc_per_kg": tnc_per_kg}}})
    return OwnRun(lambda: engraftment_day(run, "neutrophil_engraftment_day"))


CORD: dict[str, Readout] = {single_cord_readout_name(tnc): _single_cord(tnc) for tnc in SINGLE_CORD_TNC_PER_KG}
