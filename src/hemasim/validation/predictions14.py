"""Read-outs of targets B1, B2 (branch predict32c), each chosen and committed with its band before the model was run
on it: a man's haemoglobin just before a later donation of a high-frequency series over his haemoglobin before the
first - whole blood every 97 days (B1, before the 11th and the 16th of 16 units) and two units of red cells by
apheresis every 201 days (B2, before the 4th and the 8th of 8 collections) - the donors of Pehlic 2020 (Transfus Med
Hemother, doi 10.1159/000509026, PMID 33976607), who took no iron.

Each scenario's first collection is on run day 10 (:data:`hemasim.validation.predictions6.FIRST_COLLECTION_DAY`); a
donor's value is read at the last output before a collection's day, as W2, W3 and W6 read theirs.
"""

from __future__ import annotations

from functools import partial

from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.predictions6 import FIRST_COLLECTION_DAY, ratio_before_collection
from hemasim.validation.scenario_runs import cached_scenario_run

HEMOGLOBIN = "hemoglobin_g_per_dL"
#: the sources' mean intervals between donations, days (Pehlic 2020 abstract: 97, SD 18, and 201, SD 32)
WHOLE_BLOOD_INTERVAL_DAYS = 97.0
TWO_UNIT_RBC_INTERVAL_DAYS = 201.0

_WHOLE_BLOOD = cached_scenario_run("whole_blood_donation_every_97_days")
_TWO_UNIT_RBC = cached_scenario_run("two_unit_red_cell_apheresis_every_201_days")


def day_of_collection(number: int, interval_days: float) -> float:
    """The run day of the ``number``-th collection (the first is 1) of a series ``interval_days`` apart."""
    return FIRST_COLLECTION_DAY + (number - 1) * interval_days


PREDICTIONS14: dict[str, Readout] = {
    **{f"whole_blood_every_97_days_hb_ratio_before_{k}th": OwnRun(partial(
        ratio_before_collection, _WHOLE_BLOOD, HEMOGLOBIN, day_of_collection(k, WHOLE_BLOOD_INTERVAL_DAYS)))
       for k in (11, 16)},
    **{f"two_unit_rbc_every_201_days_hb_ratio_before_{k}th": OwnRun(partial(
        ratio_before_collection, _TWO_UNIT_RBC, HEMOGLOBIN, day_of_collection(k, TWO_UNIT_RBC_INTERVAL_DAYS)))
       for k in (4, 8)},
}
