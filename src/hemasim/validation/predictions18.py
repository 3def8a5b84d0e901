"""Read-outs of targets Y7-Y9 (branch predict35, issue 17), each chosen and committed with its band before the model
was run on it: the binding antibody of the mRNA-1273 phase 1 trial's 100-ug group (Jackson 2020, N Engl J Med
383:1920, Table 2: 15 adults 18-55 y, doses on days 1 and 29) on the study's sampling days, each as a ratio to the
antibody on day 29 (after the first dose, before the second): day 57 (Y7, four weeks after the second dose: the
prime-boost rise), day 36 (Y8, one week after it: how fast the recall comes) and day 15 (Y9, two weeks after the
first dose: how early the primary response comes).

The run is Y5/Y6's (scenario mrna_vaccine_two_doses.yaml, the reference man of 35: the study's day numbers are the
run's; the same cached runner, so one simulation serves Y5-Y9). Antibody units are arbitrary, so each read-out is a
ratio of the same run's IgG on two days; the band of a ratio of two geometric means comes from their published 95%
intervals (:func:`hemasim.validation.predictions7.ratio_interval_from_cis`; a test recomputes each band). The day-29
value is read at the second dose's time: the dose adds antigen, and the antibody it brings takes days to come, so the
value then is the one the study's pre-dose sample measures (as Y2's month 6).
"""

from __future__ import annotations

from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.scenario_runs import cached_scenario_run, value_at

#: the study's sampling days read (days 1 and 29 are the doses)
REFERENCE_DAY = 29.0
_MRNA_IGG = "sars_cov_2_spike_igg_au"
# the same variation as predictions7's Y5 run at 35 y, so the runner (and its one simulation) is shared
_MRNA_35 = cached_scenario_run("mrna_vaccine_two_doses", {"patient": {"age_years": 35}})


def igg_ratio_to_day29(day: float) -> Readout:
    """The reference man's vaccine IgG on study ``day`` over his IgG on day 29."""
    return OwnRun(lambda: value_at(_MRNA_35(), _MRNA_IGG, day) / value_at(_MRNA_35(), _MRNA_IGG, REFERENCE_DAY))


PREDICTIONS18: dict[str, Readout] = {
    "mrna_vaccine_igg_ratio_day57_to_day29": igg_ratio_to_day29(57.0),
    "mrna_vaccine_igg_ratio_day36_to_day29": igg_ratio_to_day29(36.0),
    "mrna_vaccine_igg_ratio_day15_to_day29": igg_ratio_to_day29(15.0),
}
