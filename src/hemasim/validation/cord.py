"""Read-outs of targets K1-K3 (branch cord): neutrophil engraftment after a single cord-blood unit dosed by
nucleated cells, the calibration data of ``cord_blood_cd34_potency_fold`` (hemasim.inference.cord). Each is
read on the scenario of prediction T7 (``cy_tbi_pbsc``: Cy/TBI 12 Gy, graft on day 6), with one unit of the
cohort's median infused dose instead of T7's two, on the cohort's median patient (K1's adults; K2's children, whose
median child also stands for K3's, the K3 abstract giving no age or weight). A child's stem pool is sized by
body mass (hemasim.biology.body.stem_pool_size_fraction; docs/engraftment_fit.md, "A child's stem pool, eighth
session")."""

from __future__ import annotations

import math
from typing import Any

from hemasim.biology import Covariates
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.patients import PATIENTS
from hemasim.validation.predictions4 import engraftment_day
from hemasim.validation.scenario_runs import Variation, cached_scenario_run

__all__ = ["CORD", "K1_PATIENT", "K2_PATIENT", "POST_THAW_TNC_RECOVERY", "SINGLE_CORD_PATIENTS", "SINGLE_CORD_TNC_PER_KG",
           "cohort_patient_data", "single_cord_readout_name", "single_cord_variation"]

#: infused over pre-cryopreservation nucleated cells of single cord units: the ratio of COBLT's medians, 3.9e7 and
#: 5.1e7 per kg (Kurtzberg 2008 Blood 112:4318 abstract, ashpublications.net and pubmed 18723429, pages corpus).
#: It converts a dose counted before freezing (K1 cryopreserved, K3 collected) to the infused dose that
#: ``tnc_per_kg`` means (T7 is dosed by its infused median); the only cited nucleated-cell recovery found
POST_THAW_TNC_RECOVERY = 3.9e7 / 5.1e7
#: K1's patient (Ooi 2004's adults: median age 43 years, median weight 55.2 kg), named in PATIENTS
K1_PATIENT = "ooi2004_adult_aml_median"
#: K2's patient (COBLT's children: median age 7.7 years, median weight 25.9 kg), named in PATIENTS; also K3's, whose
#: abstract (162 Japanese children with AML) gives no age or weight: the other single-unit paediatric leukaemia
#: cohort with the same median day (27) and a similar dose stands in for it. Under the stem-pool law a child
#: without a height engrafts at a per-kg dose as a 70-kg adult does whatever its weight (graft and stem pools
#: both scale with weight), so the weight chosen for K3 does not move its day.
K2_PATIENT = "coblt2008_child_median"
#: the cohorts' median infused nucleated-cell doses per kg (K1 Ooi 2004 2.51e7 cryopreserved, K2 Kurtzberg 2008
#: 3.9e7 infused, K3 Blood 2006;108:3144 4.7e7 collected), as in hemasim.inference.cord.CORD_DATA (a test holds
#: them equal; validation does not import the inference package)
SINGLE_CORD_TNC_PER_KG = (2.51e7 * POST_THAW_TNC_RECOVERY, 3.9e7, 4.7e7 * POST_THAW_TNC_RECOVERY)
#: the patient of each (a name in PATIENTS; None: the scenario's own man of 40)
SINGLE_CORD_PATIENTS: tuple[str | None, ...] = (K1_PATIENT, K2_PATIENT, K2_PATIENT)


def cohort_patient_data(patient: Covariates) -> dict[str, Any]:
    """``patient`` as a scenario's ``patient`` data (a missing height stays missing: blood volume per kg)."""
    return {"age_years": float(patient.age_years), "sex": str(patient.sex), "weight_kg": float(patient.weight_kg),
            "height_cm": None if patient.height_cm is None else float(patient.height_cm)}


def single_cord_variation(tnc_per_kg: float, patient: Covariates | None = None) -> dict[str, Any]:
    """The change to ``cy_tbi_pbsc`` that grafts one cord unit of ``tnc_per_kg`` (on ``patient``, if given)."""
    change: dict[Any, Any] = {"interventions": {1: {"source": "cord_blood", "cd34_per_kg": None,
                                                    "tnc_per_kg": tnc_per_kg}}}
    if patient is not None:
        change["patient"] = cohort_patient_data(patient)
    return change


def single_cord_readout_name(tnc_per_kg: float) -> str:
    """``single_cord_neutrophil_engraftment_day_tnc_2p51e7`` for 2.51e7 nucleated cells/kg."""
    exponent = math.floor(math.log10(tnc_per_kg))
    mantissa = f"{round(tnc_per_kg / 10.0 ** exponent, 3):g}".replace(".", "p")
    return f"single_cord_neutrophil_engraftment_day_tnc_{mantissa}e{exponent}"


def _single_cord(tnc_per_kg: float, patient_name: str | None) -> Readout:
    patient = None if patient_name is None else PATIENTS[patient_name]
    variation: Variation = single_cord_variation(tnc_per_kg, patient)
    run = cached_scenario_run("cy_tbi_pbsc", variation)
    return OwnRun(lambda: engraftment_day(run, "neutrophil_engraftment_day"))


CORD: dict[str, Readout] = {single_cord_readout_name(tnc): _single_cord(tnc, name)
                            for tnc, name in zip(SINGLE_CORD_TNC_PER_KG, SINGLE_CORD_PATIENTS, strict=True)}
