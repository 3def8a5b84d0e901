"""Read-outs of targets E1, E2 (branch predict33, issue 17), each chosen and committed with its band before the model
was run on it: neutrophil and platelet engraftment after an autologous PBPC graft in children (BMT 1996;18:699, 40
children after myeloablative conditioning, 7.21 +- 7.8 x10^6 CD34+/kg), read as Q6-Q8 and V4-V5 read an autologous
graft (the validation scenario ``cy_tbi_pbsc``, graft on day 6: the model's graft is the same whatever conditioning
came before it), on K2's stand-in child (a child without a height engrafts at a per-kg dose as a 70-kg adult does:
docs/transplant.md, K2's note).

The abstract gives the cohort's mean dose and its SD only. The decisive reading is at the mean dose; two info readings
say whether a miss could be the reading's choices: at the log-normal median the mean and SD imply (a skewed dose: the
typical child got less than the mean) and, for the neutrophils, with filgrastim 5 ug/kg/day from day +1 (the abstract
does not say whether G-CSF was given after the graft; pediatric centres then often gave it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.cord import K2_PATIENT, cohort_patient_data
from hemasim.validation.patients import PATIENTS
from hemasim.validation.predictions4 import engraftment_day
from hemasim.validation.scenario_runs import cached_scenario_run

#: BMT 1996;18:699 (PMID 8899183): CD34+ cells grafted, mean and SD (cells/kg)
CHILD_CD34_MEAN_PER_KG = 7.21e6
CHILD_CD34_SD_PER_KG = 7.8e6


def lognormal_median(mean: float, sd: float) -> float:
    """The median of the log-normal distribution with this mean and SD: mean / sqrt(1 + (sd / mean)^2)."""
    return mean / math.sqrt(1.0 + (sd / mean) ** 2)


#: 4.90e6/kg: the typical child's dose if the grafted doses are log-normal (an info reading only)
CHILD_CD34_LOGNORMAL_MEDIAN_PER_KG = lognormal_median(CHILD_CD34_MEAN_PER_KG, CHILD_CD34_SD_PER_KG)
_GRAFT_DAY = 6
#: info reading: filgrastim 5 ug/kg/day s.c. from day +1 through day +20 (the abstract names no post-graft G-CSF)
FILGRASTIM_AFTER_GRAFT_UG_PER_KG = 5
FILGRASTIM_AFTER_GRAFT_DAYS = list(range(_GRAFT_DAY + 1, _GRAFT_DAY + 21))


def child_autologous_variation(cd34_per_kg: float) -> dict[Any, Any]:
    """The change to ``cy_tbi_pbsc``: an autologous graft of ``cd34_per_kg`` on K2's stand-in child."""
    return {"duration_days": 120, "patient": cohort_patient_data(PATIENTS[K2_PATIENT]),
            "interventions": {1: {"donor": "autologous", "cd34_per_kg": cd34_per_kg}}}


def child_autologous_filgrastim_variation(cd34_per_kg: float) -> dict[Any, Any]:
    """As :func:`child_autologous_variation` on ``cy_tbi_pbsc_filgrastim``, filgrastim 5 ug/kg/day from day +1."""
    change = child_autologous_variation(cd34_per_kg)
    change["interventions"][2] = {"dose_ug_per_kg": FILGRASTIM_AFTER_GRAFT_UG_PER_KG,
                                  "schedule": {"days": FILGRASTIM_AFTER_GRAFT_DAYS}}
    return change


_MEAN = cached_scenario_run("cy_tbi_pbsc", child_autologous_variation(CHILD_CD34_MEAN_PER_KG))
_MEDIAN = cached_scenario_run("cy_tbi_pbsc", child_autologous_variation(CHILD_CD34_LOGNORMAL_MEDIAN_PER_KG))
_MEAN_FILGRASTIM = cached_scenario_run("cy_tbi_pbsc_filgrastim",
                                       child_autologous_filgrastim_variation(CHILD_CD34_MEAN_PER_KG))


def _day(run: Callable[[], Result], endpoint: str) -> Readout:
    """The engraftment day; NaN where the count did not fall after the graft (the card shows it as not computed, with
    the check's why): 0 read as "engrafted on the graft's day" (review33)."""
    return OwnRun(lambda: engraftment_day(run, endpoint, did_not_fall=math.nan))


PREDICTIONS15: dict[str, Readout] = {
    "auto_child_neutrophil_engraftment_day_7p21e6": _day(_MEAN, "neutrophil_engraftment_day"),
    "auto_child_platelet_engraftment_day_7p21e6": _day(_MEAN, "platelet_engraftment_day"),
    "auto_child_neutrophil_engraftment_day_4p9e6": _day(_MEDIAN, "neutrophil_engraftment_day"),
    "auto_child_platelet_engraftment_day_4p9e6": _day(_MEDIAN, "platelet_engraftment_day"),
    "auto_child_filgrastim_day1_neutrophil_engraftment_day_7p21e6": _day(_MEAN_FILGRASTIM,
                                                                         "neutrophil_engraftment_day"),
}
