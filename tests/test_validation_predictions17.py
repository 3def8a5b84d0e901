"""F5, F6 (branch predict34b): cycle 1 of TC with pegfilgrastim 6 mg on day 2, the pegfilgrastim arms of ADVANCE and
RECOVER pooled (Moon 2023, Cancer Res Treat 55:766, Table 2: 329 women), registered before the model was run on them.
The bands are recomputed from the published distribution of the duration of severe neutropenia: F5 the 95% interval
of its mean, F6 the Wilson interval of the women with at least one day."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from hemasim._confidence import Z_95
from hemasim.validation import load_targets
from hemasim.validation import predictions12 as p12
from hemasim.validation import predictions17 as p17
from hemasim.validation.chemotherapy_schedules import wilson_interval_pct

GROUP = "docetaxel_cyclophosphamide_and_pegfilgrastim"
#: Table 2, All, Pegfilgrastim (n = 329): women with a duration of severe neutropenia of 0, 1, 2, 3, 4 and 7 days
DSN_DISTRIBUTION = {0: 250, 1: 52, 2: 19, 3: 6, 4: 1, 7: 1}
N = 329


def _targets() -> dict[str, dict]:
    return {t["id"]: t for t in load_targets()[GROUP]}


def test_the_published_mean_and_sd_are_those_of_the_published_distribution():
    days = np.repeat(list(DSN_DISTRIBUTION), list(DSN_DISTRIBUTION.values()))
    assert days.size == N
    assert round(float(days.mean()), 2) == 0.36 and round(float(days.std(ddof=1)), 2) == 0.79


def test_f5_band_is_the_interval_of_the_pooled_arms_mean_widened_outward_to_two_places():
    half = Z_95 * 0.79 / math.sqrt(N)
    low, high = 0.36 - half, 0.36 + half
    (check,) = _targets()["F5"]["checks"]
    assert check["band"] == [math.floor(low * 100) / 100, math.ceil(high * 100) / 100] == [0.27, 0.45]
    assert f"{low:.3f}-{high:.3f}" in " ".join(_targets()["F5"]["band_source"].split())
    assert check["readout"] in p17.PREDICTIONS17 and "open_end" not in check


def test_f6_band_is_the_wilson_interval_of_the_women_with_a_day_below():
    k = N - DSN_DISTRIBUTION[0]
    assert k == 79
    low, high = wilson_interval_pct(k / N, N)
    (check,) = _targets()["F6"]["checks"]
    assert check["band"] == [round(low, 1), round(high, 1)] == [19.7, 28.9]
    assert check["readout"] in p17.PREDICTIONS17 and "open_end" not in check


@pytest.mark.parametrize("target_id", ["F5", "F6"])
def test_the_targets_are_blind_predictions_on_an_estimates_uncertainty_with_a_one_sided_decisive_rule(target_id):
    t = _targets()[target_id]
    assert t["class"] == "prediction" and t.get("blind", True)
    assert t["band_basis"] == "uncertainty"
    assert "decisive" in t["pass"] and "NOT decisive" in t["pass"]
    assert all(c["patient"] == "reference_female" for c in t["checks"])


def test_the_cohort_is_f2s_for_one_cycle_with_its_own_seed():
    c = p17.ADVANCE_RECOVER_TC_PEG_6MG
    assert c == p12.TcCohort(cycles=1, ages_years=(30.0, 70.0), seed=3401, pegfilgrastim_mg=6.0)
    assert (c.docetaxel_mg_per_m2, c.cyclophosphamide_mg_per_m2, c.doxorubicin_mg_per_m2) == (75.0, 600.0, 0.0)
    bsa = np.array([1.7])
    events = {e.drug: e for e in p12.tc_events(c, bsa)}
    assert set(events) == {"docetaxel", "cyclophosphamide", "pegfilgrastim"}
    # pegfilgrastim on run day 1 (the trials' day 2), the chemotherapy on run day 0
    assert events["pegfilgrastim"].planned_days() == [1.0] and events["pegfilgrastim"].amount_ug == 6000.0
    assert p12.DSN_COUNT_DAYS == (1, 20)
    seeds = {p12.KOSAKA2015_PLACEBO.seed, p12.PEG_6MG.seed, p12.PEG_3MG.seed, p12.PROTECT2_TAC_PEG_6MG.seed}
    assert c.seed not in seeds


def test_the_share_counts_a_woman_with_any_daily_count_below():
    times = np.arange(0.0, 21.0 + 1e-9, 0.125)
    anc = np.full((4, times.size), 2.0)
    anc[0, times == 7] = 0.3  # one day
    anc[1, (times > 6.2) & (times < 6.8)] = 0.1  # between counts only: not counted
    anc[2, (times >= 5) & (times <= 9)] = 0.49  # five days
    runs = p12.longest_run_of_days_below(times, anc, 0.5, *p12.DSN_COUNT_DAYS)
    assert runs.tolist() == [1, 0, 5, 0]
    assert float(100.0 * np.mean(runs >= 1)) == 50.0


def test_the_registered_challenges_include_f5_and_f6():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))
    from validation_challenges import CHALLENGES

    for name in ("docetaxel_slope_low", "docetaxel_slope_high", "ac_scale_low", "ac_scale_high",
                 "pegfilgrastim_speedup_healthy"):
        assert {"F5", "F6"} <= set(CHALLENGES[name][2]), name


@pytest.mark.slow
def test_f5_and_f6_fail_decisively_as_reported():
    """First run, after F5 and F6 were committed (9168f187): both fail below their bands' lower ends, decisive by the
    registered rule (notes in targets.yaml). Held so that a model change that moves them shows up."""
    from .conftest import validation_outcome

    status, values = validation_outcome(["docetaxel_cyclophosphamide_and_pegfilgrastim"])
    assert {k: status[k] for k in ("F5", "F6")} == {"F5": "fail", "F6": "fail"}
    f5 = values["tc_75_600_pegfilgrastim_6mg_cycle1_mean_days_anc_below_0p5"]
    f6 = values["tc_75_600_pegfilgrastim_6mg_cycle1_pct_with_a_day_anc_below_0p5"]
    assert f5 == pytest.approx(0.058, abs=0.0005) and f5 < 0.27
    assert f6 == pytest.approx(3.6, abs=0.05) and f6 < 19.7
