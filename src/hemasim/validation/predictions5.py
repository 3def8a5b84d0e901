"""Read-outs of targets V1-V5 (branch predict5), each chosen and committed with its band before the model was run
on it: haemoglobin days after a standard 450-mL whole-blood donation in men and in women, relative to the donor's
own value before it, and neutrophil and platelet engraftment after an autologous PBSC graft at a cohort's median
CD34+ dose (read as Q6-Q8 read theirs, :mod:`hemasim.validation.predictions4`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.predictions4 import engraftment_day
from hemasim.validation.scenario_runs import cached_scenario_run

_DONATION_DAY = 10.0
_DONATION_450ML_MAN = cached_scenario_run("blood_donation_450mL_man")
_DONATION_450ML_WOMAN = cached_scenario_run("blood_donation_450mL_woman")


def hemoglobin_ratio_after_donation(run: Callable[[], Result], days_after: float) -> float:
    """Haemoglobin ``days_after`` the donation over the last output before it (that output has no loss yet)."""
    r = run()
    hb = r.observable("hemoglobin_g_per_dL")
    before = float(hb[r.times < _DONATION_DAY][-1])
    return float(np.interp(_DONATION_DAY + days_after, r.times, hb)) / before


_DONATION: dict[str, Readout] = {
    "donation_450mL_man_hb_ratio_day3": OwnRun(lambda: hemoglobin_ratio_after_donation(_DONATION_450ML_MAN, 3.0)),
    "donation_450mL_man_hb_ratio_day28": OwnRun(lambda: hemoglobin_ratio_after_donation(_DONATION_450ML_MAN, 28.0)),
    "donation_450mL_woman_hb_ratio_day3": OwnRun(
        lambda: hemoglobin_ratio_after_donation(_DONATION_450ML_WOMAN, 3.0)),
}

# V4, V5: the AUBMC cohort (median age 45, median 5.8e6 CD34+/kg), in the validation scenario cy_tbi_pbsc (graft on
# day 6) as Q6-Q8: the model's graft is the same whatever conditioning came before it.
_AUBMC_AGE = 45.0
_AUBMC_CD34_PER_KG = 5.8e6
_AUTO_AUBMC = cached_scenario_run("cy_tbi_pbsc", {"duration_days": 120, "patient": {"age_years": _AUBMC_AGE},
                                                  "interventions": {1: {"donor": "autologous",
                                                                        "cd34_per_kg": _AUBMC_CD34_PER_KG}}})

_ENGRAFTMENT: dict[str, Readout] = {
    "auto_aubmc_neutrophil_engraftment_day_5p8e6": OwnRun(
        lambda: engraftment_day(_AUTO_AUBMC, "neutrophil_engraftment_day")),
    "auto_aubmc_platelet_engraftment_day_5p8e6": OwnRun(
        lambda: engraftment_day(_AUTO_AUBMC, "platelet_engraftment_day")),
}

PREDICTIONS5: dict[str, Readout] = {**_DONATION, **_ENGRAFTMENT}
