"""J1-J4 (branch predict34): blood counts after fludarabine, busulfan 8 mg/kg and an allogeneic blood graft (Slavin 1998,
Blood 91:756, 26 patients). The class bands follow from the abstract's counts by the registered rule (a Wilson 95%
interval wholly above one half puts the typical patient in the class), the range bands are the abstract's ranges, the
read-outs read X1-X3's run, and the targets are predictions with their registered challenge runs."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from hemasim.clonal.report import wilson_interval
from hemasim.validation import load_targets, scenario_runs
from hemasim.validation import predictions16 as p16
from hemasim.validation.predictions16 import PREDICTIONS16
from hemasim.validation.scenario_runs import cached_scenario_run

from .conftest import validation_outcome

GROUP = "reduced_intensity_allogeneic_blood_counts"
PATIENTS_N = 26
#: class targets: (patients in the class of 26, the class's threshold): 24 fell below ANC 0.5, 22 below platelets 20
CLASS_COUNTS = {"J1": (24, 0.5), "J3": (22, 20.0)}
#: range targets: the abstract's ranges of days
RANGES = {"J2": [10, 32], "J4": [0, 35]}


def _targets() -> dict[str, dict]:
    return {t["id"]: t for t in load_targets()[GROUP]}


@pytest.mark.parametrize("target_id", sorted(CLASS_COUNTS))
def test_a_count_whose_wilson_interval_lies_above_one_half_puts_the_typical_patient_below_the_threshold(target_id):
    k, threshold = CLASS_COUNTS[target_id]
    low, high = wilson_interval(k, PATIENTS_N)
    assert low > 0.5  # the rule's condition: the typical patient is in the class
    target = _targets()[target_id]
    assert target["band_basis"] == "threshold"
    assert [c["band"] for c in target["checks"]] == [[0.0, threshold]]
    assert target["checks"][0]["open_end"] == "low"
    # the interval the band_source states, to three places
    assert f"{low:.3f}-{high:.3f}" in " ".join(target["band_source"].split())


def test_the_anc_below_0p1_count_straddles_one_half_so_it_is_info_only():
    low, high = wilson_interval(17, PATIENTS_N)
    assert low < 0.5 < high
    j1 = _targets()["J1"]
    assert [c["band"] for c in j1["info_checks"]] == [[0.0, 0.1]]
    assert f"{low:.3f}-{high:.3f}" in " ".join(j1["band_source"].split())


@pytest.mark.parametrize("target_id", sorted(RANGES))
def test_the_range_bands_are_the_abstracts_ranges_of_days(target_id):
    target = _targets()[target_id]
    assert target["band_basis"] == "range"
    assert [c["band"] for c in target["checks"]] == [RANGES[target_id]]


def test_the_targets_are_predictions_on_x1s_run_with_registered_challenges():
    targets = _targets()
    assert set(targets) == {"J1", "J2", "J3", "J4"}
    for t in targets.values():
        assert t["class"] == "prediction" and t.get("blind", True)
        assert all(c["readout"] in PREDICTIONS16 for c in [*t["checks"], *t.get("info_checks", [])])
        assert all(c["patient"] == "reference_male" for c in t["checks"])
    # the same cached runner as X1-X3: one simulation for both groups
    assert p16._RIC is cached_scenario_run("ric_flu_bu2")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))
    from validation_challenges import CHALLENGES, RIC_COUNTS

    assert RIC_COUNTS == ["J1", "J2", "J3", "J4"]
    for name in ("busulfan_8mg_ablative", "busulfan_8mg_milder"):
        assert set(RIC_COUNTS) <= set(CHALLENGES[name][2])
    milder = CHALLENGES["busulfan_8mg_milder"][0]
    # bu_cy's 16-mg/kg survival ten times higher, spread over four 4-mg/kg steps
    assert milder["regimen:flu_bu2:1:hsc"] == pytest.approx(0.01 ** 0.25, abs=5e-4)
    assert milder["regimen:flu_bu2:1:progenitor"] == pytest.approx(0.1 ** 0.25, abs=5e-4)


class _Run:
    """A stand-in result: daily times, one observable."""

    def __init__(self, values: list[float]):
        self.times = np.arange(len(values), dtype=float)
        self._v = np.asarray(values, dtype=float)

    def observable(self, name: str) -> np.ndarray:
        return self._v


def test_the_lowest_count_reads_the_whole_run():
    assert p16.lowest_count(lambda: _Run([3.0, 0.4, 0.02, 1.5]), "anc_1e9_per_L") == 0.02


def test_the_engraftment_day_is_nan_or_zero_where_the_count_never_fell(monkeypatch):
    endpoints = {"neutrophil_engraftment_day": None, "neutrophil_engraftment_day_did_not_fall": 1.0,
                 "platelet_engraftment_day": 14.0, "platelet_engraftment_day_did_not_fall": 0.0}
    monkeypatch.setattr(scenario_runs, "endpoints_of", lambda run: endpoints)
    run = lambda: _Run([1.0] * 121)  # noqa: E731 - a stand-in runner
    assert math.isnan(scenario_runs.engraftment_day_after_graft(run, "neutrophil_engraftment_day", p16._RIC_GRAFT_DAY, did_not_fall=math.nan))
    assert scenario_runs.engraftment_day_after_graft(run, "neutrophil_engraftment_day", p16._RIC_GRAFT_DAY, did_not_fall=0.0) == 0.0
    assert scenario_runs.engraftment_day_after_graft(run, "platelet_engraftment_day", p16._RIC_GRAFT_DAY, did_not_fall=0.0) == 14.0
    # fell and never came back: the days from the graft (day 10) to the run's end, a lower bound
    endpoints["platelet_engraftment_day"] = None
    assert scenario_runs.engraftment_day_after_graft(run, "platelet_engraftment_day", p16._RIC_GRAFT_DAY, did_not_fall=0.0) == 110.0


@pytest.mark.slow
def test_the_predictions_pass_as_reported():
    """First run, after the registration commit (edaa2e44; nothing registered changed): all four pass. The ANC falls to
    0.24e9/L (below 0.5, above the info 0.1) and is back above 0.5 to stay 11 days after the graft, near the range's
    lower end (10); the platelets fall to 15.5e9/L and are above 20 to stay from day 16. Deterministic run."""
    status, values = validation_outcome(["reduced_intensity_allogeneic_blood_counts"])
    assert status == {"J1": "pass", "J2": "pass", "J3": "pass", "J4": "pass"}
    assert values == {
        "ric_flu_bu2_lowest_anc": pytest.approx(0.2399, abs=0.0005),
        "ric_flu_bu2_neutrophil_engraftment_day": 11.0,
        "ric_flu_bu2_lowest_platelets": pytest.approx(15.54, abs=0.01),
        "ric_flu_bu2_platelet_engraftment_day": 16.0,
    }
