"""L1-L6 (branch predict29b): every band is the one computed from the source's figures, the scenarios say what the
targets describe, and the targets are blind predictions with registered read-outs."""

from pathlib import Path

import pytest

from hemasim.scenario import load_scenario
from hemasim.validation import load_targets
from hemasim.validation.predictions7 import ratio_interval_from_cis
from hemasim.validation.predictions9 import PREDICTIONS9

from .conftest import validation_outcome

SCENARIOS = Path(__file__).resolve().parents[1] / "src" / "hemasim" / "validation" / "scenarios"
DAYS_PER_MONTH = 30.44


def _targets() -> dict[str, dict]:
    return {t["id"]: t for group in load_targets().values() for t in group}


def _band(target_id: str, readout: str) -> list[float]:
    return next(c["band"] for c in _targets()[target_id]["checks"] if c["readout"] == readout)


# Kadlecek 2018 (MMWR RR 68(2) Table 7): JE-VC GMT and its 95% CI, by month after the booster (0: before it)
KADLECEK_GMT = {0: (53, 45, 64), 1: (2067, 1671, 2556), 12: (428, 335, 546), 24: (350, 279, 440)}
KADLECEK_BANDS = [("je_vc_child_igg_ratio_booster_month1_to_prebooster", 1, 0),
                  ("je_vc_child_igg_ratio_booster_month12_to_month1", 12, 1),
                  ("je_vc_child_igg_ratio_booster_month24_to_month12", 24, 12)]
# Frey 2019 Table 2: day 43 over day 1 GMR and its 95% CI, by age group and dose
FREY_GMR = {("adults", "full"): (41, 34, 49), ("adults", "half"): (11, 8.7, 13),
            ("elderly", "full"): (16, 14, 18), ("elderly", "half"): (5.7, 5.0, 6.6)}
FREY_BANDS = [("h5n1_vaccine_igg_day43_ratio_full_to_half_dose_age40", "adults"),
              ("h5n1_vaccine_igg_day43_ratio_full_to_half_dose_age72", "elderly")]
# Kosalaraksa 2017: JE-CV GMT before and 28 days after a booster five years after one dose
KOSALARAKSA_GMT = {"before": (61.2, 43.8, 85.7), "after": (4951, 3928, 6241)}


@pytest.mark.parametrize(("readout", "month", "reference_month"), KADLECEK_BANDS)
def test_l1_bands_are_the_intervals_of_the_ratios_of_the_gmts(readout, month, reference_month):
    low, high = ratio_interval_from_cis(KADLECEK_GMT[month], KADLECEK_GMT[reference_month])
    assert low < KADLECEK_GMT[month][0] / KADLECEK_GMT[reference_month][0] < high
    assert _band("L1", readout) == [pytest.approx(low, rel=1e-3), pytest.approx(high, rel=1e-3)]


def test_l2_band_is_the_interval_of_the_ratio_of_the_gmts():
    low, high = ratio_interval_from_cis(KOSALARAKSA_GMT["after"], KOSALARAKSA_GMT["before"])
    band = _band("L2", "je_cv_toddler_igg_ratio_day28_after_year5_booster_to_prebooster")
    assert band == [pytest.approx(low, rel=1e-3), pytest.approx(high, rel=1e-3)]


@pytest.mark.parametrize(("readout", "group"), FREY_BANDS)
def test_l4_bands_are_the_intervals_of_the_ratios_of_the_arms_gmrs(readout, group):
    low, high = ratio_interval_from_cis(FREY_GMR[(group, "full")], FREY_GMR[(group, "half")])
    assert _band("L4", readout) == [pytest.approx(low, rel=1e-3), pytest.approx(high, rel=1e-3)]


def test_the_h5n1_scenario_gives_two_standard_doses_three_weeks_apart():
    s = load_scenario(SCENARIOS / "h5n1_vaccine_two_doses.yaml")
    assert [(v.day, v.dose, v.antigen) for v in s.interventions] == [(1, 1.0, "influenza_h5n1"), (22, 1.0, "influenza_h5n1")]
    assert 18 <= s.patient.age_years <= 64 and not s.aging and s.duration_days > 43


def test_l5_and_l6_bands_are_the_envelopes_of_the_published_intervals():
    # Hum Vaccin Immunother 2014: women/girls, HPV-16 0.37 (0.32-0.43), HPV-18 0.42 (0.36-0.49)
    assert _band("L5", "hpv_vaccine_igg_month7_ratio_21_to_13") == [0.32, 0.49]
    # Bhatla 2018 Table 3: 15-18 over 10-14 years, HPV 16 0.43 (0.36-0.52), 18 0.30 (0.21-0.45), 6 0.46 (0.28-0.77)
    assert _band("L6", "hpv_vaccine_igg_month18_ratio_16p5_to_12_days_1_60_180") == [0.21, 0.77]
    assert 6262 / 14417 == pytest.approx(0.43, abs=0.005)  # the table's reference group is the 3-dose 10-14 group


def test_the_hpv_scenario_gives_three_doses_at_0_1_and_6_months():
    s = load_scenario(SCENARIOS / "hpv_vaccine_three_doses.yaml")
    days = [v.day for v in s.interventions]
    assert days[0] == 7 and [d - days[0] for d in days[1:]] == pytest.approx([DAYS_PER_MONTH, 6 * DAYS_PER_MONTH])
    assert 18 <= s.patient.age_years <= 25 and s.patient.sex == "female" and not s.aging
    assert s.duration_days > days[0] + 7 * DAYS_PER_MONTH


def test_l3_is_the_sources_bound_on_both_days():
    t = _targets()["L3"]
    assert t["band_basis"] == "threshold"
    assert [c["band"] for c in t["checks"]] == [[0, 0.5], [0, 0.5]]


def test_l1_to_l3_are_blind_predictions_with_registered_readouts():
    targets = _targets()
    for target_id in ("L1", "L2", "L3", "L4", "L5", "L6"):
        t = targets[target_id]
        assert t["class"] == "prediction" and t.get("blind", True)
        assert all(c["readout"] in PREDICTIONS9 for c in [*t["checks"], *t.get("info_checks", [])])


def test_the_je_vc_scenario_gives_a_primary_series_and_a_booster_11_months_after_it():
    s = load_scenario(SCENARIOS / "je_vaccine_booster_child.yaml")
    first, second, booster = s.interventions
    assert {v.antigen for v in s.interventions} == {"japanese_encephalitis"}
    assert second.day - first.day == 28 and booster.day - second.day == pytest.approx(11 * DAYS_PER_MONTH)
    assert 14 / 12 <= s.patient.age_years <= 17 and not s.aging
    assert s.duration_days > booster.day + 24 * DAYS_PER_MONTH  # the 24-month read-out


def test_the_je_cv_scenario_boosts_a_toddler_five_years_after_one_dose():
    s = load_scenario(SCENARIOS / "je_chimeric_vaccine_toddler_booster.yaml")
    first, booster = s.interventions
    assert 1.0 <= s.patient.age_years <= 1.5 and s.aging
    assert booster.day - first.day == pytest.approx(5 * 365.25)
    assert s.duration_days > booster.day + 28


def test_the_chemotherapy_scenario_depletes_the_lymphocytes_to_the_sources_bound():
    s = load_scenario(SCENARIOS / "dose_intense_chemotherapy_lymphodepletion.yaml")
    (depletion,) = s.interventions
    assert depletion.groups == ["lymphocyte"] and depletion.surviving_fraction == 0.4  # "greater than 60%" at its bound
    assert 33 <= s.patient.age_years <= 69 and s.patient.sex == "female"
    assert s.duration_days > depletion.day + 14 * DAYS_PER_MONTH


@pytest.mark.slow
def test_the_new_predictions_pass_or_fail_as_reported():
    """First run, after L1-L3 (464ba68) and L4 (5f5abb8) were committed, and L5-L6 (ac358c4): all six fail (L1's two
    checks of the fall after the booster pass; notes in targets.yaml). Held so that a model change that moves them
    shows up."""
    status, values = validation_outcome(["vaccine_boosters_and_chemotherapy_lymphodepletion"])
    assert status == {"L1": "fail", "L2": "fail", "L3": "fail", "L4": "fail", "L5": "fail", "L6": "fail"}
    assert values["je_vc_child_igg_ratio_booster_month1_to_prebooster"] == pytest.approx(17.7, abs=0.1)
    assert values["je_vc_child_igg_ratio_booster_month12_to_month1"] == pytest.approx(0.216, abs=0.002)
    assert values["je_vc_child_igg_ratio_booster_month24_to_month12"] == pytest.approx(0.939, abs=0.005)
    assert values["je_cv_toddler_igg_ratio_day28_after_year5_booster_to_prebooster"] == pytest.approx(24.0, abs=0.2)
    assert values["dose_intense_chemo_cd4_ratio_month12_to_before"] == pytest.approx(0.734, abs=0.005)
    assert values["dose_intense_chemo_cd4_ratio_month14_to_before"] == pytest.approx(0.747, abs=0.005)
    assert values["h5n1_vaccine_igg_day43_ratio_full_to_half_dose_age40"] == pytest.approx(7.08, abs=0.05)
    assert values["h5n1_vaccine_igg_day43_ratio_full_to_half_dose_age72"] == pytest.approx(7.85, abs=0.05)
    assert values["hpv_vaccine_igg_month7_ratio_21_to_13"] == pytest.approx(1.056, abs=0.005)
    assert values["hpv_vaccine_igg_month18_ratio_16p5_to_12_days_1_60_180"] == pytest.approx(1.041, abs=0.005)
