"""E1, E2 (branch predict33): the bands are the 95% intervals of the children's mean engraftment days (BMT 1996;18:699)
widened by the whole-day read-out's half day, the read-outs graft the registered doses on the registered child, and
the targets are predictions with registered read-outs and challenge."""

import math

import pytest

from hemasim._confidence import Z_95
from hemasim.validation import load_targets
from hemasim.validation import predictions15 as p15
from hemasim.validation.cord import K2_PATIENT
from hemasim.validation.patients import PATIENTS
from hemasim.validation.predictions15 import PREDICTIONS15

GROUP = "whole_blood_donation_and_autologous_engraftment"
#: target -> (mean day, SD, n): the abstract's days to ANC > 0.5e9/L and to platelets > 20e9/L unsupported
MEANS = {"E1": (9.50, 1.2, 40), "E2": (18.1, 8.3, 40)}
#: a whole-day reading d stands for [d - 0.5, d + 0.5): it passes when that meets the mean's interval
HALF_DAY = 0.5


def _targets() -> dict[str, dict]:
    return {t["id"]: t for t in load_targets()[GROUP]}


@pytest.mark.parametrize("target_id", sorted(MEANS))
def test_the_band_is_the_interval_of_the_mean_day_widened_by_half_a_day(target_id):
    mean, sd, n = MEANS[target_id]
    half = Z_95 * sd / math.sqrt(n)
    band = [round(mean - half - HALF_DAY, 2), round(mean + half + HALF_DAY, 2)]
    target = _targets()[target_id]
    assert target["band_basis"] == "uncertainty"
    assert [c["band"] for c in [*target["checks"], *target["info_checks"]]] == [band] * (
        len(target["checks"]) + len(target["info_checks"]))
    # whole days that pass: E1 9-10 (no whole day lies in the unwidened 9.13-9.87), E2 16-21
    passing = [d for d in range(60) if band[0] <= d <= band[1]]
    assert passing == {"E1": [9, 10], "E2": [16, 17, 18, 19, 20, 21]}[target_id]


def test_the_targets_are_predictions_with_registered_read_outs_and_challenge():
    targets = _targets()
    for target_id in MEANS:
        t = targets[target_id]
        assert t["class"] == "prediction" and t.get("blind", True)
        assert all(c["readout"] in PREDICTIONS15 for c in [*t["checks"], *t["info_checks"]])
        assert all(c["patient"] == K2_PATIENT for c in [*t["checks"], *t["info_checks"]])
        assert "graft_profile_a_low" in t["note"] or "challenge: as E1's" in t["note"]
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))
    from validation_challenges import ENGRAFT

    assert {"E1", "E2"} <= set(ENGRAFT)


def test_the_doses_are_the_abstracts_mean_and_its_lognormal_median():
    assert (p15.CHILD_CD34_MEAN_PER_KG, p15.CHILD_CD34_SD_PER_KG) == (7.21e6, 7.8e6)
    median = p15.CHILD_CD34_LOGNORMAL_MEDIAN_PER_KG
    # a log-normal with this median and sigma^2 = ln(1 + CV^2) has the abstract's mean and SD
    sigma2 = math.log(1 + (7.8 / 7.21) ** 2)
    assert median * math.exp(sigma2 / 2) == pytest.approx(7.21e6)
    assert median * math.sqrt(math.exp(sigma2) - 1) * math.exp(sigma2 / 2) == pytest.approx(7.8e6)
    assert round(median / 1e6, 1) == 4.9  # the read-outs' name


def test_the_variations_graft_the_dose_on_k2s_child_and_give_filgrastim_from_day_1():
    plain = p15.child_autologous_variation(7.21e6)
    child = PATIENTS[K2_PATIENT]
    assert plain["patient"]["age_years"] == child.age_years and plain["patient"]["height_cm"] is None
    assert plain["interventions"][1] == {"donor": "autologous", "cd34_per_kg": 7.21e6}
    gcsf = p15.child_autologous_filgrastim_variation(7.21e6)
    assert gcsf["interventions"][1] == plain["interventions"][1]
    assert gcsf["interventions"][2] == {"dose_ug_per_kg": 5, "schedule": {"days": list(range(7, 27))}}
