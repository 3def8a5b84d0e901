"""Z1-Z7 (branch predict30): every band is the one read from the source's figures, the scenarios say what the
targets describe, the read-outs' helpers measure what they say, and the targets are blind predictions with
registered read-outs."""

import re
from pathlib import Path

import numpy as np
import pytest

from hemasim.scenario import load_scenario
from hemasim.validation import load_targets
from hemasim.validation.predictions10 import AGRANULOCYTOSIS_1E9_PER_L, PREDICTIONS10, days_below

from .conftest import validation_outcome

SCENARIOS = Path(__file__).resolve().parents[1] / "src" / "hemasim" / "validation" / "scenarios"
GROUP = "radiation_granulocytes_and_filgrastim_doses"


def _targets() -> dict[str, dict]:
    return {t["id"]: t for t in load_targets()[GROUP]}


def _bands(target_id: str) -> dict[str, list[float]]:
    return {c["readout"]: c["band"] for c in _targets()[target_id]["checks"]}


# Soloviev 2013 (Chernobyl database): agranulocytosis (< 0.5e9/L) above 1.2 Gy, < 0.1e9/L above 2.0 Gy; its duration
# on average 12-15 days over 2-6 Gy in patients without radiation burns
SOLOVIEV_THRESHOLD_GY, SOLOVIEV_DEEP_GY = 1.2, 2.0
SOLOVIEV_DAYS_WITHOUT_BURNS = (12, 15)
# Bonig 2014 Table 2 (its reference 47): filgrastim 5 ug/kg, CD34+ in blood, originator group (n = 9)
BONIG_ORIGINATOR_5UG = (86.3, 42.3, 146.4)
# Borleffs 1998: peak "approximately 12 hours" after a dose; doses in ug, the scenario's weight in kg
BORLEFFS_PEAK_HOURS = 12.0
BORLEFFS_DOSES_UG = (75, 150, 300, 600)


def test_z1_bands_sit_on_the_sides_of_the_sources_dose_thresholds():
    # the doses and counts as targets.yaml's Z1 quotes the source (final read: the test compared its own constants)
    value = " ".join(_targets()["Z1"]["value"].split())
    threshold_gy, deep_gy = (float(x) for x in re.findall(r"greater than ([\d.]+) Gy", value))
    assert (threshold_gy, deep_gy) == (SOLOVIEV_THRESHOLD_GY, SOLOVIEV_DEEP_GY)
    agranulocytosis, deep = (float(x) for x in re.findall(r"< ([\d.]+)e9/L", value))
    bands = _bands("Z1")
    assert bands["whole_body_1p0gy_lowest_anc_90d"][0] == AGRANULOCYTOSIS_1E9_PER_L == agranulocytosis
    assert bands["whole_body_1p6gy_lowest_anc_90d"][1] < agranulocytosis
    assert bands["whole_body_3p0gy_lowest_anc_90d"][1] < deep
    # one dose each side of the threshold, the deep fall's dose above its own (the read-outs' doses in their names)
    doses = {k: float(".".join(re.search(r"(\d+)p(\d+)gy", k).groups())) for k in bands}
    assert doses["whole_body_1p0gy_lowest_anc_90d"] < threshold_gy < doses["whole_body_1p6gy_lowest_anc_90d"]
    assert deep_gy < doses["whole_body_3p0gy_lowest_anc_90d"]


def test_z2_band_is_the_average_duration_without_burns_at_two_doses_inside_2_to_6_gy():
    bands = _bands("Z2")
    assert sorted(bands) == ["whole_body_3p0gy_days_anc_below_0p5", "whole_body_5p0gy_days_anc_below_0p5"]
    assert all(b == list(SOLOVIEV_DAYS_WITHOUT_BURNS) for b in bands.values())
    # a range of group averages over 2-6 Gy applied at each of two doses: a project judgement, not a stated threshold
    # (labelled "threshold" until review30; the band unchanged)
    assert _targets()["Z2"]["band_basis"] == "judgement"


def test_z3_band_is_the_originator_groups_range():
    mean, low, high = BONIG_ORIGINATOR_5UG
    assert _bands("Z3") == {"filgrastim_5ug_cd34_per_uL_course_day_5": [low, high]}
    assert low < mean < high
    assert _targets()["Z3"]["band_basis"] == "range"


def test_z4_to_z6_bands():
    assert all(b == [1.01, 1000] for b in _bands("Z4").values())
    assert all(b == [BORLEFFS_PEAK_HOURS * 0.5, BORLEFFS_PEAK_HOURS * 1.5] for b in _bands("Z5").values())
    assert all(b == [pytest.approx(1 / 1.5, abs=1e-3), 1.5] for b in _bands("Z6").values())


def test_z7_is_the_direction_of_the_medians_of_the_age_groups():
    # Motllo 2014's peak blood CD34+ medians as targets.yaml's Z7 quotes them (cells/uL): younger, then over 55
    value = " ".join(_targets()["Z7"]["value"].split())
    younger = float(re.search(r"median ([\d.]+) cells/uL", value).group(1))
    older = float(re.search(r"against ([\d.]+) \(", value).group(1))
    assert older / younger < 0.99 and f"ratio of the medians {older / younger:.2f}" in value
    assert _bands("Z7") == {"filgrastim_10ug_peak_cd34_ratio_age65_to_age40": [0, 0.99]}
    assert _targets()["Z7"]["band_basis"] == "threshold"


def test_z1_to_z7_are_blind_predictions_with_registered_readouts():
    targets = _targets()
    assert sorted(targets) == [f"Z{i}" for i in range(1, 8)]
    for t in targets.values():
        assert t["class"] == "prediction" and t.get("blind", True)
        assert all(c["readout"] in PREDICTIONS10 for c in [*t["checks"], *t.get("info_checks", [])])


def test_the_radiation_scenario_gives_one_whole_body_dose_and_follows_90_days():
    s = load_scenario(SCENARIOS / "whole_body_radiation_granulocytes.yaml")
    (exposure,) = s.interventions
    assert exposure.fractions == 1 and exposure.start_day == 1.0
    assert s.duration_days >= exposure.start_day + 90 and not s.aging and s.patient.sex == "male"


def test_the_daily_filgrastim_scenario_gives_ten_daily_doses_and_hourly_outputs():
    s = load_scenario(SCENARIOS / "filgrastim_daily_ten_days.yaml")
    (gcsf,) = s.interventions
    assert list(gcsf.schedule.days) == list(range(10))
    assert gcsf.dose_ug_per_kg * s.patient.weight_kg == pytest.approx(300)  # the file's dose; the read-outs vary it
    assert s.output.every_days == pytest.approx(1 / 24) and s.duration_days >= 9 + 2


def test_days_below_counts_the_time_under_the_level():
    times = np.arange(0.0, 10.25, 0.25)
    values = np.where((times >= 2.0) & (times <= 5.0), 0.1, 1.0)  # below from day 2 to day 5
    assert days_below(times, values, 0.5) == pytest.approx(3.0 + 0.25)  # the two crossing intervals count half each
    assert days_below(times, np.ones_like(times), 0.5) == 0.0


@pytest.mark.slow
def test_the_new_predictions_pass_or_fail_as_reported():
    """First run, after Z1-Z6 (7d2a6b4) and Z7 (1f4bde1) were committed: Z4 and Z5 pass, the others fail (notes in
    targets.yaml). Held so that a model change that moves them shows up (Z3 32.74 on the first run, 32.58 since G1's
    fit was rerun on the current model, branch g1refit31)."""
    status, values = validation_outcome(["radiation_granulocytes_and_filgrastim_doses"])  # GROUP, named for test_cli
    assert status == {"Z1": "fail", "Z2": "fail", "Z3": "fail", "Z4": "pass", "Z5": "pass", "Z6": "fail", "Z7": "fail"}
    expected = {"whole_body_1p0gy_lowest_anc_90d": 1.428, "whole_body_1p6gy_lowest_anc_90d": 0.700,
                "whole_body_3p0gy_lowest_anc_90d": 0.1362, "whole_body_3p0gy_days_anc_below_0p5": 14.25,
                "whole_body_5p0gy_days_anc_below_0p5": 27.75, "filgrastim_5ug_cd34_per_uL_course_day_5": 32.58,
                "filgrastim_daily_x10_peak_anc_ratio_150_to_75ug": 1.413,
                "filgrastim_daily_x10_peak_anc_ratio_300_to_150ug": 1.401,
                "filgrastim_daily_x10_75ug_hours_to_first_anc_peak": 12.0,
                "filgrastim_daily_x10_600ug_hours_to_first_anc_peak": 14.0,
                "filgrastim_daily_x10_75ug_anc_48h_after_last_dose_over_before": 1.935,
                "filgrastim_daily_x10_600ug_anc_48h_after_last_dose_over_before": 3.919,
                "filgrastim_10ug_peak_cd34_ratio_age65_to_age40": 1.000}
    for readout, value in expected.items():
        assert values[readout] == pytest.approx(value, rel=2e-3), readout
