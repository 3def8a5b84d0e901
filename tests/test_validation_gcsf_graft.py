"""T12, T13 (branch gcsfgraft, issue 17): filgrastim after an allogeneic PBSC graft. The bands are the sources'
ranges (Bishop 2000's filgrastim arm) or their stated direction (Przepiorka 2001), the scenarios give the drug as
the trials did, and a count that never fell below its threshold after the graft cannot pass as a recovery."""

import math
from dataclasses import dataclass

import numpy as np
import pytest

from hemasim.validation import load_targets
from hemasim.validation.gcsf_graft import GCSF_GRAFT, _nadir_after_graft, _recovery_or_nan
from hemasim.validation.scenario_runs import validation_scenario

from .conftest import validation_outcome

GROUP = "gcsf_after_allogeneic_graft"


def _targets() -> dict[str, dict]:
    return {t["id"]: t for group in load_targets().values() for t in group}


def _bands(target_id: str) -> dict[str, list[float]]:
    return {c["readout"]: c["band"] for c in _targets()[target_id]["checks"]}


def test_t12_bands_are_the_filgrastim_arms_ranges_and_t8_keeps_the_placebo_arms():
    t12, t8 = _targets()["T12"], _targets()["T8"]
    assert _bands("T12") == {"allo_pbsc_gcsf_day0_anc_nadir_1e9_per_L_5e6": [0, 0.5],
                             "allo_pbsc_gcsf_day0_neutrophil_engraftment_day_5e6": [9, 20],  # Bishop 2000: 11 (9-20)
                             "allo_pbsc_gcsf_day0_platelet_engraftment_day_5e6": [8, 35]}  # 13 (8-35)
    assert _bands("T8") == {"allo_pbsc_neutrophil_engraftment_day_5e6": [10, 22],  # placebo: 15 (10-22)
                            "allo_pbsc_platelet_engraftment_day_5e6": [8, 42]}  # 15.5 (8-42)
    for t in (t12, t8):  # the trial is Bishop's (T8 was cited as "Przepiorka 2000" until the twenty-first session)
        assert t["source"].startswith("Bishop 2000 Blood 96:80") and t["band_basis"] == "range"


def test_t13_judges_the_direction_of_each_difference_and_shows_the_arms():
    t13 = _targets()["T13"]
    assert t13["band_basis"] == "threshold" and t13["source"].startswith("Przepiorka 2001 Blood 97:3405")
    differences = [c for c in t13["checks"] if "_minus_none_" in c["readout"]]
    assert len(differences) == 2  # ANC > 0.5 and > 1.0e9/L
    assert all(c["band"][1] == -1 and c.get("open_end") == "low" for c in differences)
    info = {c["readout"]: c["band"] for c in t13["info_checks"]}  # the published medians, shown and not judged
    assert info["allo_pbsc_anc_0p5_recovery_day_4p3e6"] == [15, 15]
    assert info["allo_pbsc_anc_1e9_recovery_day_4p3e6"] == [16, 16]


def test_t12_and_t13_are_predictions_with_registered_readouts():
    for target_id in ("T12", "T13"):
        t = _targets()[target_id]
        assert t["class"] == "prediction" and "calibrates" not in t
        assert all(c["readout"] in GCSF_GRAFT for c in [*t["checks"], *t.get("info_checks", [])])
    assert {t["id"] for t in load_targets()[GROUP]} == {"T12", "T13"}


def test_the_scenario_gives_filgrastim_from_the_grafts_day_and_t13_from_the_next():
    s = validation_scenario("cy_tbi_pbsc_filgrastim")
    conditioning, graft, gcsf = s.interventions
    assert conditioning.regimen == "cy_tbi_12gy" and graft.day == 6 and graft.donor == "allogeneic"
    assert graft.cd34_per_kg == 5e6
    assert gcsf.drug_set == "filgrastim_wang2001" and gcsf.dose_ug_per_kg == 10 and gcsf.route == "subcutaneous"
    assert gcsf.schedule.dose_days() == [graft.day + d for d in range(21)]  # days 0 to +20 of the graft
    from hemasim.validation import gcsf_graft

    t13 = validation_scenario("cy_tbi_pbsc_filgrastim", {"interventions": {
        1: {"cd34_per_kg": 4.8e6}, 2: {"schedule": {"days": list(range(gcsf_graft._FIRST_DAY_ON, 27))}}}})
    assert t13.interventions[2].schedule.dose_days()[0] == graft.day + 1 and t13.interventions[1].cd34_per_kg == 4.8e6


@dataclass
class _Course:
    """A stand-in for a run's result: daily ANC from day 0, the graft on day 6."""

    anc: np.ndarray

    @property
    def times(self) -> np.ndarray:
        return np.arange(self.anc.size, dtype=float)

    def observable(self, name: str) -> np.ndarray:
        assert name == "anc_1e9_per_L"
        return self.anc


def test_an_anc_that_never_falls_has_no_recovery_day_and_cannot_pass_a_difference():
    never_falls = _Course(np.r_[np.full(6, 3.0), np.linspace(2.5, 20.0, 40)])
    falls = _Course(np.r_[np.full(6, 3.0), np.linspace(2.0, 0.05, 8), np.full(4, 0.05), np.linspace(0.2, 4.0, 28)])
    assert _nadir_after_graft(lambda: never_falls) == 2.5  # not in T12's and T13's band [0, 0.5]
    assert math.isnan(_recovery_or_nan(lambda: never_falls, 0.5))
    day = _recovery_or_nan(lambda: falls, 0.5)
    anc_after = falls.anc[6:]
    assert anc_after[int(day) - 1] < 0.5 <= min(anc_after[int(day):int(day) + 3])  # first of 3 days >= 0.5
    difference = _recovery_or_nan(lambda: never_falls, 0.5) - day
    assert not (-120 <= difference <= -1)  # NaN: the check fails, where a day 0 would have passed


@pytest.mark.slow
def test_the_new_predictions_pass_or_fail_as_reported():
    """First run, after T12 and T13 were committed (ef2f976): both fail (docs/transplant.md, "G-CSF after the
    graft"): with filgrastim the ANC never falls below 0.5e9/L after the graft (the transit speed-up rushes the
    graft's first cells into the blood). Held so that a model change that moves them shows up; three runs. Since
    branch gcsfrefit the set shares its receptor with endogenous G-CSF: still both fail (the graft is given while
    the host's ANC is 3.75, before endogenous G-CSF rises; docs/transplant.md, "Outcome")."""
    status, values = validation_outcome(["gcsf_after_allogeneic_graft"])
    assert status == {"T12": "fail", "T13": "fail"}
    assert values["allo_pbsc_gcsf_day0_anc_nadir_1e9_per_L_5e6"] == pytest.approx(0.849, abs=0.01)  # day +27
    assert values["allo_pbsc_gcsf_day0_neutrophil_engraftment_day_5e6"] == 0.0  # did not fall: no day
    assert values["allo_pbsc_gcsf_day0_platelet_engraftment_day_5e6"] == 38.0
    assert values["allo_pbsc_gcsf_day1_anc_nadir_1e9_per_L_4p8e6"] == pytest.approx(0.819, abs=0.01)
    assert math.isnan(values["allo_pbsc_gcsf_day1_minus_none_anc_0p5_recovery_days_4p8e6_vs_4p3e6"])
    assert math.isnan(values["allo_pbsc_gcsf_day1_anc_0p5_recovery_day_4p8e6"])
    # the filgrastim arm falls below 1.0 only after the course (days +1 to +20) and recovers on day +29
    assert values["allo_pbsc_gcsf_day1_minus_none_anc_1e9_recovery_days_4p8e6_vs_4p3e6"] == 16.0
    assert values["allo_pbsc_anc_0p5_recovery_day_4p3e6"] == 12.0  # T8's 11 at 5e6/kg
    assert values["allo_pbsc_anc_1e9_recovery_day_4p3e6"] == 13.0
