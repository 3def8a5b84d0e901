"""B1-B4 (branch predict32c): the bands are the intervals of the ratios of Pehlic 2020's means (B1, B2) and of
INTERVAL's arms' means (B3, B4), the scenarios give the registered series of donations, the read-outs read the donor's
Hb before the named collection (or averaged over the last interval), and the targets are predictions with registered
read-outs and a registered challenge."""

import math
from pathlib import Path

import numpy as np
import pytest

from hemasim._confidence import Z_95
from hemasim.scenario import load_scenario
from hemasim.validation import load_targets
from hemasim.validation import predictions14 as p14
from hemasim.validation.predictions6 import FIRST_COLLECTION_DAY, ratio_before_collection
from hemasim.validation.predictions14 import PREDICTIONS14, day_of_collection

from .conftest import validation_outcome

SCENARIOS = Path(__file__).resolve().parents[1] / "src" / "hemasim" / "validation" / "scenarios"
GROUP = "high_frequency_donation_haemoglobin"
#: target -> (mean before the first, its SD, mean at the later donations, n): Pehlic 2020's abstract (g/L); the SD at
#: the later donations is not given and is taken as the baseline's
MEANS = {"B1": (153.0, 13.0, 152.0, 294), "B2": (158.0, 8.0, 157.0, 151)}


def _targets() -> dict[str, dict]:
    return {t["id"]: t for t in load_targets()[GROUP]}


@pytest.mark.parametrize("target_id", sorted(MEANS))
def test_the_band_is_the_interval_of_the_ratio_of_the_means(target_id):
    before, sd, after, n = MEANS[target_id]
    ratio = after / before
    se_log = math.hypot(sd / before, sd / after) / math.sqrt(n)
    band = [round(ratio * math.exp(-Z_95 * se_log), 3), round(ratio * math.exp(Z_95 * se_log), 3)]
    target = _targets()[target_id]
    assert target["band_basis"] == "uncertainty"
    assert [c["band"] for c in target["checks"]] == [band, band]  # both later donations had the same mean
    assert band[0] < 1.0 < band[1]  # said when registered: a model back at its set point passes


#: INTERVAL (Kaptoge 2019, PMC7029279 Table 1): Hb (g/L) mean, 95% CI low, high by arm
INTERVAL_HB = {"men_8": (140.8, 140.3, 141.2), "men_10": (142.7, 142.3, 143.1), "men_12": (144.2, 143.8, 144.6),
               "women_12": (130.0, 129.6, 130.4), "women_14": (130.8, 130.4, 131.2),
               "women_16": (131.8, 131.4, 132.2)}
INTERVAL_CHECKS = {"B3": [("men_8", "men_12"), ("men_10", "men_12")],
                   "B4": [("women_12", "women_16"), ("women_14", "women_16")]}


@pytest.mark.parametrize("target_id", sorted(INTERVAL_CHECKS))
def test_the_interval_bands_are_the_intervals_of_the_ratios_of_the_arms_means(target_id):
    def log_se(arm):
        _, low, high = INTERVAL_HB[arm]
        return math.log(high / low) / (2 * Z_95)

    target = _targets()[target_id]
    assert target["band_basis"] == "uncertainty"
    for check, info, (frequent, standard) in zip(target["checks"], target["info_checks"], INTERVAL_CHECKS[target_id],
                                                 strict=True):
        ratio = INTERVAL_HB[frequent][0] / INTERVAL_HB[standard][0]
        se = math.hypot(log_se(frequent), log_se(standard))
        band = [round(ratio * math.exp(-Z_95 * se), 3), round(ratio * math.exp(Z_95 * se), 3)]
        stem = f"interval_{frequent}_over_{standard.split('_')[1]}_week"
        assert check["readout"] == f"{stem}_hb_ratio_before_last_donation" and check["band"] == band
        assert info["readout"] == f"{stem}_hb_ratio_mean_over_last_interval" and info["band"] == band
        assert band[1] < 1.0  # the frequent arms' Hb was lower: a model back at its set point fails


def test_the_targets_are_predictions_with_registered_read_outs_and_challenge():
    targets = _targets()
    assert sorted(targets) == ["B1", "B2", "B3", "B4", "B5"]
    for tid, t in targets.items():
        # B3-B5's failures motivated the iron model (branch iron33): not blind for it, said in each
        not_blind = tid in ("B3", "B4", "B5")
        assert t["class"] == "prediction" and t.get("blind", True) is not not_blind
        assert not not_blind or "iron" in t["blind_reason"]
        assert all(c["readout"] in PREDICTIONS14 for c in [*t["checks"], *t.get("info_checks", [])])
        assert "erythroid_slope_low/high" in t["note"]


def test_b5_band_is_the_interval_of_the_mean_relative_change():
    # Transfus Apher Sci 2013 (PMID 24269747): %dHct -12.3 +- 5.9 (mean +- SD) in 117 men, 15.3 +- 4.7 days after
    mean_pct, sd_pct, n = -12.3, 5.9, 117
    half = Z_95 * sd_pct / math.sqrt(n)
    band = [round(1 + (mean_pct - half) / 100, 3), round(1 + (mean_pct + half) / 100, 3)]
    target = _targets()["B5"]
    assert target["band_basis"] == "uncertainty"
    (check,), (info,) = target["checks"], target["info_checks"]
    assert check["band"] == info["band"] == band
    assert (check["readout"], info["readout"]) == ("red_cell_apheresis_2_units_hb_ratio_day15p3",
                                                   "red_cell_apheresis_2_units_70kg_hb_ratio_day15p3")
    assert p14.DAYS_COLLECTION_TO_SURGERY == 15.3
    assert p14._MINIMUM_WEIGHT_MAN == {"patient": {"weight_kg": 70, "height_cm": 170}}  # the source's "> 70 kg"


def test_b5_reads_p17s_collection():
    s = load_scenario(SCENARIOS / "red_cell_apheresis_2_units.yaml")
    (collection,) = s.interventions
    assert (collection.kind, collection.day, collection.volume_mL) == ("blood_donation", FIRST_COLLECTION_DAY, 800)
    assert s.duration_days > FIRST_COLLECTION_DAY + 15.3 and s.patient.sex == "male"


#: INTERVAL's realised donation rates (times a year, Table 1) by arm scenario
INTERVAL_RATES = {"interval_men_8_week_arm": 3.90, "interval_men_10_week_arm": 3.44, "interval_men_12_week_arm": 2.97,
                  "interval_women_12_week_arm": 2.57, "interval_women_14_week_arm": 2.29,
                  "interval_women_16_week_arm": 2.02}


@pytest.mark.parametrize("name", sorted(INTERVAL_RATES))
def test_the_interval_arms_donate_470_mL_at_the_realised_rate_for_at_least_3_years(name):
    s = load_scenario(SCENARIOS / f"{name}.yaml")
    days = [d.day for d in s.interventions]
    interval = round(365.25 / INTERVAL_RATES[name], 2)
    assert days == pytest.approx([FIRST_COLLECTION_DAY + k * interval for k in range(len(days))], abs=0.006)
    assert {(d.kind, d.volume_mL) for d in s.interventions} == {("blood_donation", 470)}
    assert days[-1] - days[0] >= 3 * 365.25 > days[-2] - days[0]  # the series ends at the first session after 3 years
    assert s.duration_days > days[-1] and not s.aging
    assert s.patient.sex == ("male" if "_men_" in name else "female")
    assert {p14.INTERVAL_ARMS[i][1] for i in range(4)} | {p14.INTERVAL_ARMS[i][2] for i in range(4)} == set(INTERVAL_RATES)


@pytest.mark.parametrize(("name", "interval", "count", "volume"),
                         [("whole_blood_donation_every_97_days", 97, 16, 450),
                          ("two_unit_red_cell_apheresis_every_201_days", 201, 8, 800)])
def test_the_scenarios_give_the_sources_series_of_donations(name, interval, count, volume):
    s = load_scenario(SCENARIOS / f"{name}.yaml")
    assert [(d.kind, d.day, d.volume_mL) for d in s.interventions] == [
        ("blood_donation", FIRST_COLLECTION_DAY + k * interval, volume) for k in range(count)]
    assert s.duration_days > s.interventions[-1].day and not s.aging and s.patient.sex == "male"


def test_the_collections_named_by_the_read_outs_are_in_the_series():
    assert day_of_collection(1, 97.0) == FIRST_COLLECTION_DAY
    assert (day_of_collection(11, 97.0), day_of_collection(16, 97.0)) == (980.0, 1465.0)
    assert (day_of_collection(4, 201.0), day_of_collection(8, 201.0)) == (613.0, 1417.0)


class _Result:
    def __init__(self, times, values):
        self.times, self._values = np.asarray(times, float), np.asarray(values, float)

    def observable(self, name):
        return self._values


def test_the_ratio_reads_the_last_output_before_each_collection():
    times = np.arange(0.0, 1000.0, 0.5)
    values = np.full_like(times, 15.0)
    values[times >= 10.0] = 13.0  # the first collection's own output already has the loss
    values[(times > 975.0) & (times < 980.0)] = 14.7
    values[times >= 980.0] = 12.0  # the 11th collection's
    result = _Result(times, values)
    assert ratio_before_collection(lambda: result, "hemoglobin_g_per_dL", 980.0) == pytest.approx(14.7 / 15.0)


def test_the_interval_read_outs_take_the_sample_before_the_last_donation_and_the_mean_over_the_last_interval(
        monkeypatch):
    times = np.arange(0.0, 40.0, 0.5)
    runs = {"a": np.where(times < 30.0, 14.0, 13.0), "b": np.full_like(times, 15.0)}
    runs["a"][(times >= 20.0) & (times < 25.0)] = 12.0  # the dip after the second-to-last donation (day 20)
    monkeypatch.setattr(p14, "cached_scenario_run", lambda name: (lambda: _Result(times, runs[name])))
    monkeypatch.setattr(p14, "_last_two_donation_days", lambda name: (20.0, 30.0))
    assert p14.arm_ratio("a", "b") == pytest.approx(14.0 / 15.0)  # the output at day 29.5
    assert p14.arm_ratio("a", "b", p14.hb_mean_over_last_interval) == pytest.approx((10 * 12.0 + 10 * 14.0) / 20 / 15.0)


@pytest.mark.slow
def test_the_predictions_pass_or_fail_as_reported():
    """First run, after the registration commits (0909c4c8, b6d5c54c, and 4f8ad33f for B5 after B1-B4 had run; nothing
    registered changed): B5 fails decisively above its band (0.940 15 days after a 2RBC against 0.866-0.888). B1 passes near its
    upper edge (the tail of the erythroid overshoot 97 days after a donation), B2 passes, B3 and B4 fail decisively
    above their bands (the model's donor is back at his set point before every session; the trial's frequent arms
    lost iron; the ratios of the Hb averaged over the last interval, info, are above too). Each is a deterministic run;
    the series are periodic, so the 11th and 16th (4th and 8th) read alike."""
    status, values = validation_outcome(["high_frequency_donation_haemoglobin"])
    assert status == {"B1": "pass", "B2": "pass", "B3": "fail", "B4": "fail", "B5": "fail"}
    assert values == {
        # B5 (registered after B1-B4 ran): decisive fail above, the 70-kg man's info above too
        "red_cell_apheresis_2_units_hb_ratio_day15p3": pytest.approx(0.9399, abs=0.0005),
        "red_cell_apheresis_2_units_70kg_hb_ratio_day15p3": pytest.approx(0.9341, abs=0.0005),
        "whole_blood_every_97_days_hb_ratio_before_11th": pytest.approx(1.0045, abs=0.0005),
        "whole_blood_every_97_days_hb_ratio_before_16th": pytest.approx(1.0045, abs=0.0005),
        "two_unit_rbc_every_201_days_hb_ratio_before_4th": pytest.approx(0.9993, abs=0.0005),
        "two_unit_rbc_every_201_days_hb_ratio_before_8th": pytest.approx(0.9993, abs=0.0005),
        "interval_men_8_over_12_week_hb_ratio_before_last_donation": pytest.approx(1.0035, abs=0.0005),
        "interval_men_10_over_12_week_hb_ratio_before_last_donation": pytest.approx(1.0020, abs=0.0005),
        "interval_women_12_over_16_week_hb_ratio_before_last_donation": pytest.approx(1.0008, abs=0.0005),
        "interval_women_14_over_16_week_hb_ratio_before_last_donation": pytest.approx(0.9999, abs=0.0005),
        # info: the registered rule's decisiveness (above the bands on the same side)
        "interval_men_8_over_12_week_hb_ratio_mean_over_last_interval": pytest.approx(0.9972, abs=0.0005),
        "interval_men_10_over_12_week_hb_ratio_mean_over_last_interval": pytest.approx(0.9986, abs=0.0005),
        "interval_women_12_over_16_week_hb_ratio_mean_over_last_interval": pytest.approx(0.9982, abs=0.0005),
        "interval_women_14_over_16_week_hb_ratio_mean_over_last_interval": pytest.approx(0.9993, abs=0.0005),
    }
