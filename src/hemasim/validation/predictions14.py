"""Read-outs of targets B1-B4 (branch predict32c), each chosen and committed with its band before the model was run
on it. B1, B2: a man's haemoglobin just before a later donation of a high-frequency series over his haemoglobin before
the first - whole blood every 97 days (B1, before the 11th and the 16th of 16 units) and two units of red cells by
apheresis every 201 days (B2, before the 4th and the 8th of 8 collections) - the donors of Pehlic 2020 (Transfus Med
Hemother, doi 10.1159/000509026, PMID 33976607), who took no iron. B3, B4: INTERVAL's randomised arms (Kaptoge 2019
Lancet Haematol 6:e510, PMC7029279 Table 1), the Hb of a donor at a more frequent arm's realised donation rate over
the Hb of one at the standard arm's, each read just before the donation that ends a series of at least 3 years (the
pre-donation sample), and as info the same ratio of the Hb averaged over the series' last interval. B5: the Hb
(the model's haematocrit moves with it) 15.3 days after one double red-cell collection over before it, P17's run
(Transfus Apher Sci 2013;49:542, PMID 24269747), and as info the same for a man of the source's minimum weight.

Each scenario's first collection is on run day 10 (:data:`hemasim.validation.predictions6.FIRST_COLLECTION_DAY`); a
donor's value is read at the last output before a collection's day, as W2, W3 and W6 read theirs.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.predictions6 import FIRST_COLLECTION_DAY, ratio_before_collection, value_before
from hemasim.validation.scenario_runs import cached_scenario_run, validation_scenario, value_at

HEMOGLOBIN = "hemoglobin_g_per_dL"
#: the sources' mean intervals between donations, days (Pehlic 2020 abstract: 97, SD 18, and 201, SD 32)
WHOLE_BLOOD_INTERVAL_DAYS = 97.0
TWO_UNIT_RBC_INTERVAL_DAYS = 201.0

_WHOLE_BLOOD = cached_scenario_run("whole_blood_donation_every_97_days")
_TWO_UNIT_RBC = cached_scenario_run("two_unit_red_cell_apheresis_every_201_days")


def day_of_collection(number: int, interval_days: float) -> float:
    """The run day of the ``number``-th collection (the first is 1) of a series ``interval_days`` apart."""
    return FIRST_COLLECTION_DAY + (number - 1) * interval_days


def _last_two_donation_days(scenario: str) -> tuple[float, float]:
    """The run days of the last two donations of the validation scenario ``scenario`` (its data)."""
    *_, before_last, last = (i.day for i in validation_scenario(scenario).interventions)
    return before_last, last


def hb_before_last_donation(scenario: str) -> float:
    """Hb at the last output before the scenario's last donation: the pre-donation sample of its last session."""
    r: Result = cached_scenario_run(scenario)()
    return value_before(r, HEMOGLOBIN, _last_two_donation_days(scenario)[1])


def hb_mean_over_last_interval(scenario: str) -> float:
    """Hb averaged over the outputs from the second-to-last donation's day up to (not including) the last one's: what
    a sample at an unknown time of the interval would read on average."""
    r: Result = cached_scenario_run(scenario)()
    start, end = _last_two_donation_days(scenario)
    window = (r.times >= start) & (r.times < end)
    return float(np.mean(r.observable(HEMOGLOBIN)[window]))


def arm_ratio(frequent: str, standard: str, read=hb_before_last_donation) -> float:
    """``read`` of the more frequent arm's scenario over the same of the standard arm's (one typical donor each)."""
    return read(frequent) / read(standard)


#: B5: the mean days from the double red-cell collection to surgery (Transfus Apher Sci 2013: 15.3 +- 4.7)
DAYS_COLLECTION_TO_SURGERY = 15.3
#: B5's info: the source's minimum weight (> 70 kg), with a height assumed for it (not read)
_MINIMUM_WEIGHT_MAN = {"patient": {"weight_kg": 70, "height_cm": 170}}


def red_cell_apheresis_hb_ratio(days_after: float, variation: dict | None = None) -> float:
    """Hb ``days_after`` the 2-unit red-cell collection of P17's scenario (on run day 10) over the last output
    before it; ``variation`` changes the scenario's data (the donor's size) before it is run."""
    r = cached_scenario_run("red_cell_apheresis_2_units", variation)()
    return value_at(r, HEMOGLOBIN, FIRST_COLLECTION_DAY + days_after) / value_before(r, HEMOGLOBIN, FIRST_COLLECTION_DAY)


#: B3, B4: (the target's read-out stem, the more frequent arm's scenario, the standard arm's scenario)
INTERVAL_ARMS = (("interval_men_8_over_12_week", "interval_men_8_week_arm", "interval_men_12_week_arm"),
                 ("interval_men_10_over_12_week", "interval_men_10_week_arm", "interval_men_12_week_arm"),
                 ("interval_women_12_over_16_week", "interval_women_12_week_arm", "interval_women_16_week_arm"),
                 ("interval_women_14_over_16_week", "interval_women_14_week_arm", "interval_women_16_week_arm"))

PREDICTIONS14: dict[str, Readout] = {
    **{f"{stem}_hb_ratio_before_last_donation": OwnRun(partial(arm_ratio, frequent, standard))
       for stem, frequent, standard in INTERVAL_ARMS},
    **{f"{stem}_hb_ratio_mean_over_last_interval": OwnRun(partial(arm_ratio, frequent, standard,
                                                                    hb_mean_over_last_interval))
       for stem, frequent, standard in INTERVAL_ARMS},
    **{f"whole_blood_every_97_days_hb_ratio_before_{k}th": OwnRun(partial(
        ratio_before_collection, _WHOLE_BLOOD, HEMOGLOBIN, day_of_collection(k, WHOLE_BLOOD_INTERVAL_DAYS)))
       for k in (11, 16)},
    **{f"two_unit_rbc_every_201_days_hb_ratio_before_{k}th": OwnRun(partial(
        ratio_before_collection, _TWO_UNIT_RBC, HEMOGLOBIN, day_of_collection(k, TWO_UNIT_RBC_INTERVAL_DAYS)))
       for k in (4, 8)},
    "red_cell_apheresis_2_units_hb_ratio_day15p3": OwnRun(partial(red_cell_apheresis_hb_ratio,
                                                                  DAYS_COLLECTION_TO_SURGERY)),
    "red_cell_apheresis_2_units_70kg_hb_ratio_day15p3": OwnRun(partial(
        red_cell_apheresis_hb_ratio, DAYS_COLLECTION_TO_SURGERY, _MINIMUM_WEIGHT_MAN)),
}
