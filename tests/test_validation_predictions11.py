"""U1-U5 (branch predict30b): every band is the one read from the source's figures, the scenario gives the collection
the targets describe, the read-outs' helper measures what it says, and the targets are predictions with
registered read-outs (U1 and U2 not blind)."""

import math
from pathlib import Path

import numpy as np
import pytest

from hemasim._confidence import Z_95
from hemasim.scenario import load_scenario
from hemasim.validation import load_targets
from hemasim.validation.predictions11 import PREDICTIONS11, highest_ratio_between

SCENARIOS = Path(__file__).resolve().parents[1] / "src" / "hemasim" / "validation" / "scenarios"
GROUP = "plateletpheresis_platelet_recovery"


def _targets() -> dict[str, dict]:
    return {t["id"]: t for t in load_targets()[GROUP]}


def _bands(target_id: str) -> dict[str, list[float]]:
    return {c["readout"]: c["band"] for c in _targets()[target_id]["checks"]}


def test_u1_band_is_the_interval_of_the_ratio_of_the_means():
    # Fani et al. (bloodjournal.ir a_id 1239): 25 donors, platelets before and 7 days after (x10^3/uL, mean and SD)
    before, sd_before, after, sd_after, n = 235.720, 52.109, 243.400, 67.399, 25
    ratio = after / before
    se_log = math.hypot(sd_before / before, sd_after / after) / math.sqrt(n)
    low, high = ratio * math.exp(-Z_95 * se_log), ratio * math.exp(Z_95 * se_log)
    assert _bands("U1") == {"plateletpheresis_platelet_ratio_day7": [round(low, 3), round(high, 3)]}
    assert _targets()["U1"]["band_basis"] == "uncertainty"


def test_u2_and_u3_are_the_directions_the_sources_state():
    assert _bands("U2") == {"plateletpheresis_platelet_ratio_day3": [0, 0.99],
                            "plateletpheresis_platelet_ratio_day5": [0, 0.99]}
    assert _bands("U3") == {"plateletpheresis_highest_platelet_ratio_days_8_to_11": [1.01, 1000]}
    assert _targets()["U2"]["band_basis"] == _targets()["U3"]["band_basis"] == "threshold"


def test_u1_to_u3_are_predictions_with_registered_readouts_not_counted_as_blind():
    targets = _targets()
    assert sorted(targets) == ["U1", "U2", "U3"]
    for t in targets.values():
        assert t["class"] == "prediction"
        # the model's course after the same collection was in docs/platelets.md before they were registered
        assert t["blind"] is False and "docs/platelets.md" in t["blind_reason"]
        assert all(c["readout"] in PREDICTIONS11 for c in [*t["checks"], *t.get("info_checks", [])])


def test_the_scenario_takes_a_quarter_of_the_circulating_platelets_once_and_follows_eleven_days():
    s = load_scenario(SCENARIOS / "plateletpheresis_one_collection_follow_up.yaml")
    (collection,) = s.interventions
    assert collection.kind == "cell_depletion" and collection.day == 10.0
    assert collection.surviving_fraction == pytest.approx(0.75)  # W1's source's mean fraction collected, 25%
    assert s.duration_days >= collection.day + 11 and not s.aging and s.patient.sex == "male"
    # U1's cohort's means: 85.84 kg, 178.2 cm, 32.4 y
    assert (s.patient.weight_kg, s.patient.height_cm, s.patient.age_years) == (86, 178, 32)


class _Result:
    def __init__(self, times, values):
        self.times, self._values = np.asarray(times, float), np.asarray(values, float)

    def observable(self, name):
        return self._values


def test_highest_ratio_between_reads_the_window_over_the_count_before_the_collection():
    times = np.arange(0.0, 24.25, 0.25)
    values = np.full_like(times, 200.0)
    values[times == 18.0] = 230.0  # 8 days after the day-10 collection: inside the window
    values[times == 22.0] = 260.0  # 12 days after: outside it
    result = _Result(times, values)
    assert highest_ratio_between(lambda: result, "platelets_1e9_per_L", 8.0, 11.0) == pytest.approx(1.15)


SCHEDULE_GROUP = "filgrastim_schedule_mobilisation"


def _schedule_targets() -> dict[str, dict]:
    return {t["id"]: t for t in load_targets()[SCHEDULE_GROUP]}


@pytest.mark.parametrize(("target_id", "readout", "split", "sem_split", "n_split"),
                         [("U4", "filgrastim_6ug_every_12h_over_10ug_daily_cd34_ratio_day5", 83.3, 6.7, 21),
                          ("U5", "filgrastim_8ug_every_12h_over_10ug_daily_cd34_ratio_day5", 121.0, 6.9, 6)])
def test_u4_u5_bands_are_the_intervals_of_the_ratio_of_the_groups_means(target_id, readout, split, sem_split, n_split):
    # Arbona 1998: 10 ug/kg once a day 71.6 +- 6.5 (21 donors); the +- values read as standard errors of the means
    daily, sem_daily = 71.6, 6.5
    ratio = split / daily
    se_log = math.hypot(sem_split / split, sem_daily / daily)
    band = [round(ratio * math.exp(-Z_95 * se_log), 3), round(ratio * math.exp(Z_95 * se_log), 3)]
    target = _schedule_targets()[target_id]
    assert {c["readout"]: c["band"] for c in target["checks"]} == {readout: band}
    assert target["band_basis"] == "uncertainty" and target["class"] == "prediction" and target.get("blind", True)
    # read as SDs the interval is narrower and lies inside the judged one (the SEM reading is the cautious one)
    se_sd = math.hypot(sem_split / split / math.sqrt(n_split), sem_daily / daily / math.sqrt(21))
    assert band[0] < ratio * math.exp(-Z_95 * se_sd) < ratio * math.exp(Z_95 * se_sd) < band[1]
    assert all(c["readout"] in PREDICTIONS11 for c in [*target["checks"], *target["info_checks"]])


def test_the_split_schedules_give_ten_doses_every_12_hours_over_five_days():
    from hemasim.validation.predictions11 import TWELVE_HOURLY_VARIATIONS
    from hemasim.validation.scenario_runs import validation_scenario

    (daily,) = validation_scenario("filgrastim_mobilisation").interventions
    assert list(daily.schedule.days) == [0, 1, 2, 3, 4] and daily.dose_ug_per_kg == 10
    for ug, variation in TWELVE_HOURLY_VARIATIONS.items():
        (split,) = validation_scenario("filgrastim_mobilisation", variation).interventions
        assert split.dose_ug_per_kg == ug and list(split.schedule.days) == [0.5 * k for k in range(10)]
        assert split.drug_set == daily.drug_set and split.route == daily.route


@pytest.mark.slow
def test_the_new_predictions_pass_or_fail_as_reported():
    """First run, after U1-U3 were committed (86b9b7f): U1 and U2 pass, U3 fails (notes in targets.yaml). Held so
    that a model change that moves them shows up."""
    from .conftest import validation_outcome

    status, values = validation_outcome(["plateletpheresis_platelet_recovery"])  # GROUP, named for test_cli
    assert status == {"U1": "pass", "U2": "pass", "U3": "fail"}
    expected = {"plateletpheresis_platelet_ratio_day7": 0.9413, "plateletpheresis_platelet_ratio_day3": 0.8693,
                "plateletpheresis_platelet_ratio_day5": 0.9068,
                "plateletpheresis_highest_platelet_ratio_days_8_to_11": 0.9857}
    for readout, value in expected.items():
        assert values[readout] == pytest.approx(value, rel=2e-3), readout


@pytest.mark.slow
def test_the_schedule_predictions_fail_as_reported():
    """First run, after U4 and U5 were committed (da370cd): both fail (notes in targets.yaml). The values since G1's
    fit was rerun on the current model (branch g1refit31: first run 0.7929, 1.1677, 0.8128, 1.1333)."""
    from .conftest import validation_outcome

    status, values = validation_outcome(["filgrastim_schedule_mobilisation"])  # SCHEDULE_GROUP, named for test_cli
    assert {k: status[k] for k in ("U4", "U5")} == {"U4": "fail", "U5": "fail"}
    expected = {"filgrastim_6ug_every_12h_over_10ug_daily_cd34_ratio_day5": 0.7876,
                "filgrastim_8ug_every_12h_over_10ug_daily_cd34_ratio_day5": 1.1720,
                "filgrastim_6ug_every_12h_over_10ug_daily_peak_cd34_ratio": 0.8105,
                "filgrastim_8ug_every_12h_over_10ug_daily_peak_cd34_ratio": 1.1355}
    for readout, value in expected.items():
        assert values[readout] == pytest.approx(value, rel=2e-3), readout


def test_u6_u7_are_blind_predictions_on_the_sources_range_and_direction():
    """U6: Kroschinsky 2005's 25 donors, maximum CD34+ median 67/uL, range 10-385 (a range of donors); U7: Li 2020's
    146 donors, day 5 above day 4 (82.26 against 51.65/uL, P < 0.001; a direction, 1% taken as a rise, as Z4)."""
    targets = _schedule_targets()
    u6, u7 = targets["U6"], targets["U7"]
    assert u6["class"] == u7["class"] == "prediction" and u6.get("blind", True) and u7.get("blind", True)
    assert (u6["band_basis"], u7["band_basis"]) == ("range", "threshold")
    assert [(c["readout"], c["band"]) for c in u6["checks"]] == [("pegfilgrastim_12mg_peak_cd34_per_uL", [10, 385])]
    assert [(c["readout"], c["band"], c.get("open_end")) for c in u7["checks"]] == [
        ("pegfilgrastim_12mg_cd34_ratio_day5_to_day4", [1.01, 1000], "high")]
    # the medians' ratio, shown as info, lies inside the info band
    (info,) = u7["info_checks"]
    assert info["band"][0] < 82.26 / 51.65 < info["band"][1]
    assert all(c["readout"] in PREDICTIONS11 for t in (u6, u7) for c in [*t["checks"], *t["info_checks"]])


def test_the_pegfilgrastim_run_is_one_12mg_injection_on_run_day_0_read_on_the_sources_days_4_and_5():
    from hemasim.validation.predictions11 import PEGFILGRASTIM_12MG, SOURCE_DAY_4_RUN_DAY, SOURCE_DAY_5_RUN_DAY
    from hemasim.validation.scenario_runs import validation_scenario

    (shipped,) = validation_scenario("pegfilgrastim_single_dose").interventions
    (peg,) = validation_scenario("pegfilgrastim_single_dose", PEGFILGRASTIM_12MG).interventions
    assert shipped.dose_mg == 6 and peg.dose_mg == 12
    assert peg.drug_set == "pegfilgrastim_melhem2017" and peg.route == "subcutaneous"
    assert list(peg.schedule.days) == [0]
    # day 1 of the sources is the injection's day (run day 0)
    assert (SOURCE_DAY_4_RUN_DAY, SOURCE_DAY_5_RUN_DAY) == (3.0, 4.0)


def test_run_day_of_cd34_peak_reads_the_first_output_at_the_maximum():
    from types import SimpleNamespace

    from hemasim.validation.predictions11 import run_day_of_cd34_peak

    times = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    cd34 = np.array([3.0, 10.0, 40.0, 40.0, 20.0])
    fake = SimpleNamespace(times=times, observable=lambda name: {"cd34_blood_per_uL": cd34}[name])
    assert run_day_of_cd34_peak(lambda: fake) == 2.0


@pytest.mark.slow
def test_the_pegfilgrastim_mobilisation_predictions_pass_as_reported():
    """First run, after U6 and U7 were committed (4d613ac): both pass (notes in targets.yaml); held so that a model
    change that moves them shows up."""
    from .conftest import validation_outcome

    status, values = validation_outcome(["filgrastim_schedule_mobilisation"])  # SCHEDULE_GROUP, named for test_cli
    assert {k: status[k] for k in ("U6", "U7")} == {"U6": "pass", "U7": "pass"}
    expected = {"pegfilgrastim_12mg_peak_cd34_per_uL": 211.82, "pegfilgrastim_12mg_cd34_ratio_day5_to_day4": 1.1440,
                "pegfilgrastim_12mg_run_day_of_cd34_peak": 8.375}
    for readout, value in expected.items():
        assert values[readout] == pytest.approx(value, rel=2e-3), readout
