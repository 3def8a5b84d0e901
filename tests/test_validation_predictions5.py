"""V1-V5 (branch predict5): every band is the one computed from the source's figures, the scenarios say what the
targets describe, and the targets are predictions with registered read-outs."""

import math
from pathlib import Path

import pytest

from hemasim.scenario import load_scenario
from hemasim.validation import load_targets
from hemasim.validation.predictions5 import PREDICTIONS5

from .conftest import validation_outcome

SCENARIOS = Path(__file__).resolve().parents[1] / "src" / "hemasim" / "validation" / "scenarios"
Z_95 = 1.959964


def _targets() -> dict[str, dict]:
    return {t["id"]: t for group in load_targets().values() for t in group}


def _band(target_id: str, readout: str) -> list[float]:
    return next(c["band"] for c in _targets()[target_id]["checks"] if c["readout"] == readout)


def ratio_interval(before: float, se_before: float, after: float, se_after: float) -> tuple[float, float]:
    """95% interval of after/before from the two means' standard errors, combined on the log scale as independent."""
    ratio = after / before
    se_log = math.hypot(se_before / before, se_after / after)
    return ratio * math.exp(-Z_95 * se_log), ratio * math.exp(Z_95 * se_log)


# (target, read-out, mean before, its SE, mean after, its SE), as printed in the abstracts
RATIO_BANDS = [
    ("V1", "donation_450mL_man_hb_ratio_day3", 9.3, 0.11, 8.6, 0.1),  # Ziegler 2015, Hb mmol/L
    ("V2", "donation_450mL_man_hb_ratio_day28", 43.8, 0.5, 42.8, 0.5),  # Ziegler 2015, Hct %
    ("V3", "donation_450mL_woman_hb_ratio_day3", 8.4, 0.1, 7.8, 0.1),  # Stangerup 2017, Hb mmol/L
]


@pytest.mark.parametrize(("target_id", "readout", "before", "se_before", "after", "se_after"), RATIO_BANDS)
def test_donation_bands_are_the_intervals_of_the_ratio_of_means(target_id, readout, before, se_before, after,
                                                                se_after):
    low, high = ratio_interval(before, se_before, after, se_after)
    assert _band(target_id, readout) == [pytest.approx(low, abs=5e-4), pytest.approx(high, abs=5e-4)]


def test_engraftment_bands_are_the_cohort_ranges():
    assert _band("V4", "auto_aubmc_neutrophil_engraftment_day_5p8e6") == [1, 97]  # AUBMC abstract
    assert _band("V5", "auto_aubmc_platelet_engraftment_day_5p8e6") == [7, 46]


def test_v1_to_v5_are_predictions_with_registered_readouts():
    targets = _targets()
    for i in range(1, 6):
        t = targets[f"V{i}"]
        # V1 and V3 are consistency checks since the twenty-fourth session: the day-3 ratio is the cited plasma
        # refill's arithmetic, the same at every erythroid slope of its CI (targets.yaml, class_reason)
        assert t["class"] == ("consistency" if i in (1, 3) else "prediction")
        # V1-V3: the uncertainty of the donors' mean Hb; V4, V5: the range of the transplanted patients
        assert t["band_basis"] == ("uncertainty" if i <= 3 else "range")
        assert all(c["readout"] in PREDICTIONS5 for c in t["checks"])


@pytest.mark.parametrize(("name", "sex"), [("blood_donation_450mL_man", "male"),
                                          ("blood_donation_450mL_woman", "female")])
def test_donation_scenarios_take_450_mL_after_a_settled_start(name, sex):
    s = load_scenario(SCENARIOS / f"{name}.yaml")
    assert s.patient.sex == sex
    (donation,) = s.interventions
    assert donation.volume_mL == 450
    assert donation.day == 10  # the read-outs take the last output before day 10 as the donor's own value


@pytest.mark.slow
def test_the_new_predictions_pass_or_fail_as_reported():
    """First run, after V1-V5 were committed (371c39e): V1, V2, V4, V5 pass, V3 fails (notes in targets.yaml). Held
    so that a model change that moves them shows up. Each is one deterministic run (no cohort, no Monte Carlo)."""
    status, values = validation_outcome(["whole_blood_donation_and_autologous_engraftment"])
    assert status == {
        "V1": "pass", "V2": "pass", "V3": "pass", "V4": "pass", "V5": "pass", "E1": "fail", "E2": "fail"}
    # the plasma-refill read-out (rule cace999, built in on branch plasma; docs/model.md): V1 0.918 -> 0.935,
    # V2 0.971 -> 0.977, V3 0.886 -> 0.910 (fail -> pass), the what-if's values
    assert values["donation_450mL_man_hb_ratio_day3"] == pytest.approx(0.935, abs=0.003)
    # V2 0.977 -> 0.985 with the erythroid gain fitted on Falz 2014 and the feedback on late progenitors (donation)
    assert values["donation_450mL_man_hb_ratio_day28"] == pytest.approx(0.985, abs=0.003)
    assert values["donation_450mL_woman_hb_ratio_day3"] == pytest.approx(0.910, abs=0.003)
    # 13 -> 11 with the engraftment refit on the fitted neutrophil structure (branch engraft, merged after V1-V5);
    # 11 -> 12 with the G-CSF exponent fitted to 0 (gcsfbeta) and the engraftment re-fit on the cited platelet
    # chain (megak), merged together in the ninth session; 12 -> 11 with the engraftment fit's free optimum (engfree)
    assert values["auto_aubmc_neutrophil_engraftment_day_5p8e6"] == pytest.approx(11.0, abs=1.0)
    # platelets 32 -> 27: 10 platelet age stages and the platelet feedback log-slope 0.304 (branch megak); 27 -> 29:
    # the engraftment fit's free optimum (branch engfree: lodging 1.39 -> 0.5 d, exit 0.0208 -> 0.02/day; a pin of
    # the re-fit's result, not a choice made by it)
    assert values["auto_aubmc_platelet_engraftment_day_5p8e6"] == pytest.approx(29.0, abs=1.0)
    # E1, E2 (branch predict33, first run after 5fc0dcb): the children's autologous graft of 7.21e6/kg (mean dose) and
    # 4.9e6/kg (its log-normal median); with filgrastim from day +1 the ANC never falls below 0.5e9/L: no day (NaN
    # since branch mend33; it read 0, which a reader took for "engrafted on the graft's day")
    assert values["auto_child_neutrophil_engraftment_day_7p21e6"] == pytest.approx(11.0, abs=1.0)
    assert values["auto_child_neutrophil_engraftment_day_4p9e6"] == pytest.approx(12.0, abs=1.0)
    assert math.isnan(values["auto_child_filgrastim_day1_neutrophil_engraftment_day_7p21e6"])
    assert values["auto_child_platelet_engraftment_day_7p21e6"] == pytest.approx(25.0, abs=1.0)
    assert values["auto_child_platelet_engraftment_day_4p9e6"] == pytest.approx(41.0, abs=2.0)
