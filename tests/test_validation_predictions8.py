"""N1-N3 (branch predict29a): every band is the one computed from the trial's shares, the cohorts give the trial's
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
    return next(c["band"] for c in _targets()[target_id]["checks"] if c["readout"] == readout)


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


def test_n1_to_n3_are_predictions_with_registered_readouts():
    targets = _targets()
    for target_id in ("N1", "N2", "N3"):
        t = targets[target_id]
        assert t["class"] == "prediction" and t["band_basis"] == "uncertainty"
        assert t["checks"] and all(c["readout"] in PREDICTIONS8 for c in t["checks"])
