"""Read-outs of targets U1-U3 (branch predict30b), each chosen and committed with its band before the model was run
on it: the donor's platelet count in the days after one plateletpheresis, relative to his count before it - 7 days
after (U1, 25 donors on MCS+, bloodjournal.ir a_id 1239), 3 and 5 days after (U2, Hans 2019, 29 donors on Trima and
Amicus) and its rebound above the count before 8-11 days after (U3, Transfusion 1981, 352 donors on Haemonetics
Model 30).

The collection is on run day 10 (scenario plateletpheresis_one_collection_follow_up.yaml); "before" is the last
output before it, as W1-W3 read theirs (:mod:`hemasim.validation.predictions6`).
"""

from __future__ import annotations

import numpy as np

from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.predictions6 import FIRST_COLLECTION_DAY, Run, ratio_after_first_collection, value_before
from hemasim.validation.scenario_runs import cached_scenario_run

PLATELETS = "platelets_1e9_per_L"
_FOLLOW_UP = cached_scenario_run("plateletpheresis_one_collection_follow_up")


def highest_ratio_between(run: Run, observable: str, first_day_after: float, last_day_after: float) -> float:
    """The highest ``observable`` from ``first_day_after`` to ``last_day_after`` days after the collection (outputs in
    that window, ends included) over its value before the collection."""
    r = run()
    days_after = r.times - FIRST_COLLECTION_DAY
    window = (days_after >= first_day_after - 1e-9) & (days_after <= last_day_after + 1e-9)
    return float(np.max(r.observable(observable)[window]) / value_before(r, observable, FIRST_COLLECTION_DAY))


PREDICTIONS11: dict[str, Readout] = {
    **{f"plateletpheresis_platelet_ratio_day{d}": OwnRun(
        lambda d=d: ratio_after_first_collection(_FOLLOW_UP, PLATELETS, float(d))) for d in (3, 5, 7)},
    "plateletpheresis_highest_platelet_ratio_days_8_to_11": OwnRun(
        lambda: highest_ratio_between(_FOLLOW_UP, PLATELETS, 8.0, 11.0)),
}
