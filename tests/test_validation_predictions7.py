"""Y1-Y6 (branch predict7): every band is the one computed from the source's figures, the scenario says what the
targets describe, and the targets are predictions with registered read-outs."""

import math
from pathlib import Path

import pytest

from hemasim.scenario import load_scenario
from hemasim.validation import load_targets
from hemasim.validation.predictions7 import PREDICTIONS7, ratio_interval_from_cis

from .conftest import validation_outcome

SCENARIOS = Path(__file__).resolve().parents[1] / "src" / "hemasim" / "validation" / "scenarios"
Z_95 = 1.959964


def _targets() -> dict[str, dict]:
    return {t["id"]: t for group in load_targets().values() for t in group}


def _band(target_id: str, readout: str, kind: str = "checks") -> list[float]:
    return next(c["band"] for c in _targets()[target_id][kind] if c["readout"] == readout)


# Keeffe 1998, Table 3, healthy adults: anti-HAV GMC (mIU/mL) and its 95% CI, by month after the first dose
KEEFFE_GMC = {1: (175, 150, 206), 2: (100, 87, 115), 6: (74, 63, 87), 7: (1315, 1086, 1593)}
# (target, read-out, month of the numerator, month of the denominator, checks or info_checks)
GMC_RATIO_BANDS = [
    ("Y1", "hepatitis_a_igg_ratio_month2_to_month1", 2, 1, "checks"),
    ("Y1", "hepatitis_a_igg_ratio_month6_to_month1", 6, 1, "checks"),
    ("Y2", "hepatitis_a_igg_ratio_month7_to_month1", 7, 1, "checks"),
    ("Y2", "hepatitis_a_igg_ratio_month7_to_month6", 7, 6, "info_checks"),
]
# Doria-Rose 2021: binding-antibody GMT at day 209 and its 95% CI, by age group
DORIA_ROSE_GMT = {"18-55": (92451, 57148, 149562), "56-70": (62424, 36765, 105990), "71+": (49373, 25171, 96849)}
AGE_RATIO_BANDS = [("mrna_vaccine_igg_day209_ratio_63_to_35", "56-70"), ("mrna_vaccine_igg_day209_ratio_75_to_35", "71+")]


def _by_hand(numerator: tuple[float, float, float], denominator: tuple[float, float, float]) -> tuple[float, float]:
    """The interval written out: each GMC's log-scale SE from its CI width, the two combined as independent."""
    se = math.hypot(*(math.log(hi / lo) / (2 * Z_95) for _, lo, hi in (numerator, denominator)))
    ratio = numerator[0] / denominator[0]
    return ratio * math.exp(-Z_95 * se), ratio * math.exp(Z_95 * se)


@pytest.mark.parametrize(("target_id", "readout", "month", "reference_month", "kind"), GMC_RATIO_BANDS)
def test_vaccine_bands_are_the_intervals_of_the_ratio_of_gmcs(target_id, readout, month, reference_month, kind):
    low, high = ratio_interval_from_cis(KEEFFE_GMC[month], KEEFFE_GMC[reference_month])
    assert (low, high) == pytest.approx(_by_hand(KEEFFE_GMC[month], KEEFFE_GMC[reference_month]))
    # the bands are written to three or four significant figures
    assert _band(target_id, readout, kind) == [pytest.approx(low, rel=1e-3), pytest.approx(high, rel=1e-3)]


@pytest.mark.parametrize(("readout", "group"), AGE_RATIO_BANDS)
def test_age_bands_are_the_intervals_of_the_ratio_of_the_groups_gmts(readout, group):
    low, high = ratio_interval_from_cis(DORIA_ROSE_GMT[group], DORIA_ROSE_GMT["18-55"])
    assert _band("Y6", readout) == [pytest.approx(low, rel=1e-3), pytest.approx(high, rel=1e-3)]


def test_the_half_life_band_is_the_letters_interval():
    assert _band("Y5", "mrna_vaccine_igg_half_life_days_43_to_209") == [46, 58]  # exponential model, 52 days


def test_the_interval_of_a_ratio_contains_the_ratio_and_widens_with_either_interval():
    low, high = ratio_interval_from_cis((100, 80, 125), (50, 40, 62.5))
    assert low < 2.0 < high and low * high == pytest.approx(4.0)
    wider_low, wider_high = ratio_interval_from_cis((100, 60, 166.7), (50, 40, 62.5))
    assert wider_low < low and wider_high > high


def test_threshold_targets_judge_the_direction_only():
    for target_id in ("Y3", "Y4"):
        t = _targets()[target_id]
        assert t["band_basis"] == "threshold"
        assert all(c["band"] == [1.01, 1000] and c.get("open_end") == "high" for c in t["checks"])


def test_y1_to_y6_are_predictions_with_registered_readouts():
    targets = _targets()
    for i in range(1, 7):
        t = targets[f"Y{i}"]
        assert t["class"] == "prediction"
        assert t["band_basis"] == ("threshold" if i in (3, 4) else "uncertainty")
        assert all(c["readout"] in PREDICTIONS7 for c in [*t["checks"], *t.get("info_checks", [])])


def test_the_hepatitis_a_scenario_gives_two_doses_six_months_apart():
    s = load_scenario(SCENARIOS / "hepatitis_a_vaccine_two_doses.yaml")
    first, booster = s.interventions
    assert (first.antigen, booster.antigen) == ("hepatitis_a", "hepatitis_a")
    assert first.day == 7 and booster.day - first.day == pytest.approx(6 * 30.44)
    assert first.dose == booster.dose == 1.0
    # the run covers the month-7 read-out (one month after the booster)
    assert s.duration_days > booster.day + 30.44


def test_the_mrna_scenario_gives_two_doses_on_the_study_days():
    s = load_scenario(SCENARIOS / "mrna_vaccine_two_doses.yaml")
    assert [(v.day, v.antigen) for v in s.interventions] == [(1, "sars_cov_2_spike"), (29, "sars_cov_2_spike")]
    assert s.duration_days > 209 and not s.aging


@pytest.mark.slow
def test_the_new_predictions_pass_or_fail_as_reported():
    """First run, after Y1-Y4 (4aa2702) and Y5-Y6 (4556886) were committed: Y2, Y3, Y6 pass; Y1, Y4, Y5 fail (notes in
    targets.yaml). Held so that a model change that moves them shows up; each is one deterministic run."""
    status, values = validation_outcome(["vaccines_and_immune_reconstitution"])
    assert status == {
        "Y1": "fail", "Y2": "pass", "Y3": "pass", "Y4": "fail", "Y5": "fail", "Y6": "pass"}
    assert values["hepatitis_a_igg_ratio_month2_to_month1"] == pytest.approx(0.484, abs=0.005)
    assert values["hepatitis_a_igg_ratio_month6_to_month1"] == pytest.approx(0.187, abs=0.005)
    assert values["hepatitis_a_igg_ratio_month7_to_month1"] == pytest.approx(7.11, abs=0.05)
    # graftT: the default T-cell doses sourced (blood 1.8e8, marrow 9.0e7 CD3+/kg; were 2.5e8 and 2.5e7 assumed):
    # the grafts' T cells differ twofold, not tenfold, and so do the CD4 ratios (were 3.38, 2.69, 4.93, 1.23)
    assert values["allo_pbsc_over_marrow_naive_cd4_ratio_day180"] == pytest.approx(1.54, abs=0.05)  # 3.44 at CD4 838/uL
    assert values["allo_pbsc_over_marrow_memory_cd4_ratio_day180"] == pytest.approx(1.27, abs=0.05)  # 5.15 at CD4 838/uL, 5.23 at CD4 fold 1.5
    assert values["allo_pbsc_over_marrow_cd4_ratio_month4"] == pytest.approx(1.56, abs=0.05)  # 6.17 at fold 1.5
    assert values["allo_pbsc_over_marrow_cd4_ratio_month12"] == pytest.approx(1.07, abs=0.02)  # 1.69 at fold 1.5
    assert values["alemtuzumab_b_cells_ratio_month12_to_before"] == pytest.approx(0.970, abs=0.005)
    assert values["mrna_vaccine_igg_half_life_days_43_to_209"] == pytest.approx(59.1, abs=0.3)
    # naiveage: 0.980 -> 0.866 and 0.960 -> 0.778 (the naive pools' decline at 35 fitted on a cohort's naive counts)
    assert values["mrna_vaccine_igg_day209_ratio_63_to_35"] == pytest.approx(0.866, abs=0.005)
    assert values["mrna_vaccine_igg_day209_ratio_75_to_35"] == pytest.approx(0.778, abs=0.005)
