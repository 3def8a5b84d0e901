"""Read-outs of targets W1-W6 (branch predict6), each chosen and committed with its band before the model was run on
it: platelet counts after one plateletpheresis and under plateletphereses every other day, and haemoglobin after three
preoperative autologous donations on three schedules, each relative to the donor's own value before the first
collection (read as V1-V3 read a donation, :mod:`hemasim.validation.predictions5`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.scenario_runs import cached_scenario_run, value_at

#: Every W scenario's first collection is on this day (its source's "day 0" or "day 1").
FIRST_COLLECTION_DAY = 10.0
HOURS_PER_DAY = 24.0

Run = Callable[[], Result]


def value_before(r: Result, observable: str, day: float) -> float:
    """``observable`` at the last output before ``day``: a donor's count is taken before that day's collection."""
    return float(r.observable(observable)[r.times < day][-1])


def ratio_after_first_collection(run: Run, observable: str, days_after: float) -> float:
    """``observable`` ``days_after`` the first collection over its value before it."""
    r = run()
    return value_at(r, observable, FIRST_COLLECTION_DAY + days_after) / value_before(r, observable, FIRST_COLLECTION_DAY)


def ratio_before_collection(run: Run, observable: str, collection_day: float) -> float:
    """``observable`` just before the collection on ``collection_day`` over its value before the first collection."""
    r = run()
    return value_before(r, observable, collection_day) / value_before(r, observable, FIRST_COLLECTION_DAY)


def cohort_mean_ratio(runs: Sequence[tuple[Run, int]], observable: str, days_after: float) -> float:
    """The ratio of a mixed cohort's mean ``observable`` ``days_after`` the first collection to its mean before it,
    each typical patient's run weighted by the number of such patients (the source's ratio of group means)."""
    results = [(run(), count) for run, count in runs]
    after = sum(count * value_at(r, observable, FIRST_COLLECTION_DAY + days_after) for r, count in results)
    before = sum(count * value_before(r, observable, FIRST_COLLECTION_DAY) for r, count in results)
    return after / before


# W1: one collection of a quarter of the circulating platelets; FU1 (4-11 h) and FU2 (11-41 h) read at their middles.
_ONE_COLLECTION = cached_scenario_run("plateletpheresis_one_collection")
# W2, W3: collections every other day from day 10; the 3rd is on day 14, the 6th on day 20.
_EVERY_OTHER_DAY = cached_scenario_run("plateletpheresis_every_other_day")

_PLATELETPHERESIS: dict[str, Readout] = {
    "plateletpheresis_platelet_ratio_7h": OwnRun(
        lambda: ratio_after_first_collection(_ONE_COLLECTION, "platelets_1e9_per_L", 7.5 / HOURS_PER_DAY)),
    "plateletpheresis_platelet_ratio_26h": OwnRun(
        lambda: ratio_after_first_collection(_ONE_COLLECTION, "platelets_1e9_per_L", 26.0 / HOURS_PER_DAY)),
    "plateletpheresis_every_other_day_ratio_before_3rd": OwnRun(
        lambda: ratio_before_collection(_EVERY_OTHER_DAY, "platelets_1e9_per_L", FIRST_COLLECTION_DAY + 4.0)),
    "plateletpheresis_every_other_day_ratio_before_6th": OwnRun(
        lambda: ratio_before_collection(_EVERY_OTHER_DAY, "platelets_1e9_per_L", FIRST_COLLECTION_DAY + 10.0)),
}

# W4, W5: the Heidelberg groups were mixed (weekly: 9 men, 10 women; days 0/3/7: 11 men, 10 women); the patients'
# sizes are not in the abstract, so the woman is the validation's reference size, varied as data before parsing.
_WOMAN = {"patient": {"sex": "female", "weight_kg": 60, "height_cm": 163}}
_WEEKLY = ((cached_scenario_run("autologous_donation_3_units_weekly"), 9),
           (cached_scenario_run("autologous_donation_3_units_weekly", _WOMAN), 10))
_SHORT_INTERVAL = ((cached_scenario_run("autologous_donation_3_units_short_interval"), 11),
                   (cached_scenario_run("autologous_donation_3_units_short_interval", _WOMAN), 10))
# W6: donations on days 10, 21 and 32.
_ELEVEN_DAYS = cached_scenario_run("autologous_donation_3_units_11_days")

_AUTOLOGOUS_DONATION: dict[str, Readout] = {
    "autologous_donation_weekly_hb_ratio_day28": OwnRun(
        lambda: cohort_mean_ratio(_WEEKLY, "hemoglobin_g_per_dL", 28.0)),
    "autologous_donation_weekly_hb_ratio_day35": OwnRun(
        lambda: cohort_mean_ratio(_WEEKLY, "hemoglobin_g_per_dL", 35.0)),
    "autologous_donation_short_interval_hb_ratio_day28": OwnRun(
        lambda: cohort_mean_ratio(_SHORT_INTERVAL, "hemoglobin_g_per_dL", 28.0)),
    "autologous_donation_short_interval_hb_ratio_day35": OwnRun(
        lambda: cohort_mean_ratio(_SHORT_INTERVAL, "hemoglobin_g_per_dL", 35.0)),
    "autologous_donation_11_days_hb_ratio_before_2nd": OwnRun(
        lambda: ratio_before_collection(_ELEVEN_DAYS, "hemoglobin_g_per_dL", FIRST_COLLECTION_DAY + 11.0)),
    "autologous_donation_11_days_hb_ratio_before_3rd": OwnRun(
        lambda: ratio_before_collection(_ELEVEN_DAYS, "hemoglobin_g_per_dL", FIRST_COLLECTION_DAY + 22.0)),
}

PREDICTIONS6: dict[str, Readout] = {**_PLATELETPHERESIS, **_AUTOLOGOUS_DONATION}
