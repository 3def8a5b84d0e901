"""N1-N4 (branch predict29a): every band is the one computed from the trial's shares, the cohorts give the trial's
schedules, and the targets are predictions with registered read-outs."""

import pytest

from hemasim.validation import load_targets
from hemasim.validation.chemotherapy_schedules import wilson_interval_pct
from hemasim.validation.predictions8 import (
    DOCETAXEL_33_WEEKLY_X6_NSCLC,
    DOCETAXEL_75_Q3W_NSCLC,
    PREDICTIONS8,
    ratio_of_proportions_interval,
)

ARM_SIZE = 110  # 220 randomised 1:1 (the arms' sizes were not in what was read)
# DISTAL-01 (Gridelli 2004), grade 3-4 shares by arm, as read on the eviQ protocol page
SHARES = {("N1", "docetaxel_75_q3w_nsclc_grade34_neutropenia_pct"): 0.19,
          ("N1", "docetaxel_75_q3w_nsclc_grade34_leukopenia_pct"): 0.10,
          ("N1", "docetaxel_75_q3w_nsclc_grade34_anaemia_pct"): 0.03,
          ("N2", "docetaxel_33_weekly_x6_nsclc_grade34_neutropenia_pct"): 0.02,
          ("N2", "docetaxel_33_weekly_x6_nsclc_grade34_leukopenia_pct"): 0.02}


def _targets() -> dict[str, dict]:
    return {t["id"]: t for group in load_targets().values() for t in group}


def _band(target_id: str, readout: str) -> list[float]:
    t = _targets()[target_id]
    return next(c["band"] for c in [*t["checks"], *t.get("info_checks", [])] if c["readout"] == readout)


@pytest.mark.parametrize(("key", "share"), SHARES.items())
def test_incidence_bands_are_wilson_intervals_of_the_arms_shares(key, share):
    low, high = wilson_interval_pct(share, ARM_SIZE)
    assert _band(*key) == [pytest.approx(low, abs=0.051), pytest.approx(high, abs=0.051)]  # written to 0.1 point


def test_the_ratio_band_is_the_katz_interval_of_the_two_neutropenia_shares():
    low, high = ratio_of_proportions_interval(0.02 * ARM_SIZE, ARM_SIZE, 0.19 * ARM_SIZE, ARM_SIZE)
    assert _band("N3", "docetaxel_weekly_over_3_weekly_nsclc_grade34_neutropenia_ratio") == [
        pytest.approx(low, rel=2e-3), pytest.approx(high, rel=2e-3)]


def test_the_katz_interval_contains_the_ratio_and_narrows_with_more_patients():
    low, high = ratio_of_proportions_interval(10, 100, 40, 100)
    assert low < 0.25 < high
    low4, high4 = ratio_of_proportions_interval(40, 400, 160, 400)
    assert low < low4 < 0.25 < high4 < high


def test_the_arms_are_the_trials_schedules_at_equal_dose_intensity():
    q3w, weekly = DOCETAXEL_75_Q3W_NSCLC, DOCETAXEL_33_WEEKLY_X6_NSCLC
    assert (q3w.dose_mg_per_m2, q3w.cycle_offsets_days, q3w.days_in_cycle) == (75.0, (0.0, 21.0, 42.0), (0.0,))
    assert (weekly.dose_mg_per_m2, weekly.days_in_cycle) == (33.3, (0.0, 7.0, 14.0, 21.0, 28.0, 35.0))
    # 25 mg/m2 a week in both arms (the trial's design), each read over its own doses' weeks
    assert 75.0 / 3 == pytest.approx(33.3 * 6 / 8, rel=2e-3)
    assert q3w.duration_days == 63.0 and weekly.duration_days == 56.0
    assert q3w.ages == weekly.ages == (40.0, 75.0) and q3w.seed != weekly.seed


def test_n1_to_n4_are_predictions_with_registered_readouts():
    targets = _targets()
    for target_id in ("N1", "N2", "N3", "N4"):
        t = targets[target_id]
        assert t["class"] == "prediction" and t["band_basis"] == ("threshold" if target_id == "N4" else "uncertainty")
        assert t["checks"] and all(c["readout"] in PREDICTIONS8 for c in [*t["checks"], *t.get("info_checks", [])])


def test_n1s_anaemia_share_is_info_not_judged():
    """review29: from healthy Hb the cohort cannot reach Hb < 8 g/dL in 63 days (largest fall 2.15 g/dL), so the
    anaemia band is a structurally unreachable threshold: reported, not judged (a set-up bug, named in N1's note)."""
    n1 = _targets()["N1"]
    anaemia = "docetaxel_75_q3w_nsclc_grade34_anaemia_pct"
    assert anaemia not in [c["readout"] for c in n1["checks"]]
    (info,) = [c for c in n1["info_checks"] if c["readout"] == anaemia]
    assert "set-up bug" in info["why"] and "set-up bug" in n1["note"]


# Mettler & Voelz 2002 (the Merck Manual's adaptation): lowest lymphocytes at 48 h (1e9/L) by whole-body dose (Gy)
TRIAGE_TABLE = {"0p4": (1.5, None), "1p2": (1.0, 1.499), "3p0": (0.5, 0.999), "6p0": (0.1, 0.499)}
TABLE_DOSE_RANGES = {"1p2": (0.5, 1.9), "3p0": (2.0, 3.9), "6p0": (4.0, 7.9)}


@pytest.mark.parametrize(("label", "counts"), TRIAGE_TABLE.items())
def test_radiation_bands_are_the_triage_tables_count_ranges(label, counts):
    check = next(c for c in _targets()["N4"]["checks"] if c["readout"] == f"whole_body_{label}gy_lowest_lymphocytes_48h")
    low, high = counts
    assert check["band"][0] == low
    if high is None:
        assert check.get("open_end") == "high"
    else:
        assert check["band"][1] == high and "open_end" not in check


@pytest.mark.parametrize(("label", "dose_range"), TABLE_DOSE_RANGES.items())
def test_each_radiation_dose_is_the_middle_of_its_table_range(label, dose_range):
    dose = float(label.replace("p", "."))
    assert dose == pytest.approx(sum(dose_range) / 2, abs=0.06)


def test_the_radiation_scenario_gives_one_whole_body_fraction_on_day_1():
    from hemasim.validation.scenario_runs import validation_scenario

    s = validation_scenario("whole_body_radiation_single_exposure", {"interventions": {0: {"total_dose_Gy": 6.0}}})
    (exposure,) = s.interventions
    assert (exposure.kind, exposure.start_day, exposure.total_dose_Gy, exposure.fractions) == ("radiation", 1.0, 6.0, 1)
    assert s.duration_days >= 1.0 + 2.0 and s.patient.sex == "male"


@pytest.mark.slow
def test_the_new_predictions_read_as_reported():
    """First run, after N1-N3 (4b4bc67) and N4 (255fd1b) were committed: all four fail (notes in targets.yaml). N4
    passes since branch radclear29 (lethally hit lymphocytes leave the blood as PubMed 3303160 measured; it failed at
    0.786, 0.1755 and 0.0144 at 1.2, 3.0 and 6.0 Gy before). Held so that a model change that moves them shows up; the
    cohorts are seeded, the radiation runs deterministic. N1's anaemia share is an info check since mend29 (review29:
    unreachable from healthy Hb), still read here."""
    from hemasim.validation import run_validation

    report = run_validation(["docetaxel_weekly_against_3_weekly", "whole_body_radiation_lymphocytes"])
    assert {t.id: t.status for t in report.targets} == {"N1": "fail", "N2": "fail", "N3": "fail", "N4": "pass"}
    values = {c.readout: c.value for t in report.targets for c in t.checks}
    assert values["docetaxel_75_q3w_nsclc_grade34_neutropenia_pct"] == pytest.approx(90.0, abs=0.5)
    assert values["docetaxel_75_q3w_nsclc_grade34_leukopenia_pct"] == pytest.approx(25.0, abs=0.5)
    assert values["docetaxel_75_q3w_nsclc_grade34_anaemia_pct"] == 0.0
    statuses = {c.readout: c.status for t in report.targets for c in t.checks}
    assert statuses["docetaxel_75_q3w_nsclc_grade34_anaemia_pct"] == "info"
    assert values["docetaxel_33_weekly_x6_nsclc_grade34_neutropenia_pct"] == pytest.approx(52.2, abs=0.5)
    assert values["docetaxel_33_weekly_x6_nsclc_grade34_leukopenia_pct"] == pytest.approx(14.0, abs=0.5)
    assert values["docetaxel_weekly_over_3_weekly_nsclc_grade34_neutropenia_ratio"] == pytest.approx(0.580, abs=0.01)
    assert values["whole_body_0p4gy_lowest_lymphocytes_48h"] == pytest.approx(1.640, abs=0.005)
    assert values["whole_body_1p2gy_lowest_lymphocytes_48h"] == pytest.approx(1.0285, abs=0.005)
    assert values["whole_body_3p0gy_lowest_lymphocytes_48h"] == pytest.approx(0.5152, abs=0.002)
    assert values["whole_body_6p0gy_lowest_lymphocytes_48h"] == pytest.approx(0.3669, abs=0.002)


@pytest.mark.parametrize("dose", [1.2, 3.0, 6.0])
def test_radiation_readout_is_the_survivors_plus_the_dying_cells_still_in_blood(dose):
    """The lowest count in 48 h is close to the resting count times S + (1 - S) x 0.5 x 2^(-48/30), S = exp(-dose/D0):
    the survivors and the lethally hit cells of the slow half still in blood at 48 h (PubMed 3303160; N4's note), not
    the survivors alone (the earlier removal at the exposure)."""
    import math

    from hemasim.parameters import healthy_adult_parameters
    from hemasim.validation.predictions8 import lowest_lymphocytes_48h
    from hemasim.validation.scenario_runs import cached_scenario_run

    p = healthy_adult_parameters()
    s = math.exp(-p.value("radiosensitivity_alpha_lymphoid_per_Gy") * dose)
    dying = (1.0 - p.value("irradiated_lymphocyte_fast_loss_share")) * 2.0 ** (
        -2.0 / p.value("irradiated_lymphocyte_blood_half_life_days"))
    run = cached_scenario_run("whole_body_radiation_single_exposure", {"interventions": {0: {"total_dose_Gy": dose}}})()
    resting = float(run.observable("lymphocytes_1e9_per_L")[run.times < 1.0][-1])
    lowest = lowest_lymphocytes_48h(dose)()
    assert lowest == pytest.approx(resting * (s + (1.0 - s) * dying), rel=0.05)
    assert lowest > 1.3 * resting * s
