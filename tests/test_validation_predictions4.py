"""Q1-Q9 (branch predict4): every band is the one computed from the source's figures, the read-outs' helpers do
what they say, and the targets are in the committed prediction split."""

import numpy as np
import pytest

from hemasim.simulation import Result
from hemasim.validation import load_targets
from hemasim.validation.chemotherapy_schedules import cohort_covariates, wilson_interval_pct
from hemasim.validation.predictions4 import (
    DOCETAXEL_50_Q2W_MEN,
    DOCETAXEL_75_Q3W_MEN,
    PREDICTIONS4,
    hours_to_anc_peak,
)

from .conftest import validation_outcome


def _targets() -> dict[str, dict]:
    return {t["id"]: t for group in load_targets().values() for t in group}


def _band(target_id: str, readout: str) -> list[float]:
    return next(c["band"] for c in _targets()[target_id]["checks"] if c["readout"] == readout)


# (target, read-out, events, patients): the counts each band's Wilson interval is computed from
WILSON_BANDS = [
    ("Q1", "docetaxel_75_q3w_men_grade34_neutropenia_pct", 93, 176),
    ("Q1", "docetaxel_75_q3w_men_grade34_leukopenia_pct", 51, 176),
    ("Q2", "docetaxel_50_d1_15_q4w_men_grade34_neutropenia_pct", 61, 170),
    ("Q3", "docetaxel_100_q3w_women_33_70_grade34_neutropenia_pct", 8, 59),
    ("Q3", "docetaxel_100_q3w_women_33_70_grade34_leukopenia_pct", 7, 59),
    ("Q4", "docetaxel_60_q3w_women_grade34_neutropenia_pct", 56, 65),
    ("Q4", "docetaxel_60_q3w_women_grade34_leukopenia_pct", 57, 66),
    ("Q5", "nab_paclitaxel_100_d1_8_15_q4w_grade34_neutropenia_pct", 12, 31),
]


@pytest.mark.parametrize(("target_id", "readout", "events", "patients"), WILSON_BANDS)
def test_cohort_bands_are_the_wilson_intervals_of_the_reported_counts(target_id, readout, events, patients):
    low, high = wilson_interval_pct(events / patients, patients)
    assert _band(target_id, readout) == [pytest.approx(low, abs=0.05), pytest.approx(high, abs=0.05)]


@pytest.mark.parametrize(("percent", "patients", "events"), [(14, 59, 8), (12, 59, 7)])
def test_yip_counts_are_the_only_ones_that_round_to_the_printed_percentages(percent, patients, events):
    """Yip & Chow 2006 print percentages of 59 patients; Q1/Q2's counts are printed by their source."""
    assert [k for k in range(patients + 1) if round(100 * k / patients) == percent] == [events]


@pytest.mark.parametrize(("percent", "events", "patients"), [(86.2, 56, 65), (86.4, 57, 66)])
def test_taguchi_denominators_are_the_only_ones_that_give_the_printed_percentages(percent, events, patients):
    """Taguchi 1994 prints counts and percentages, not the numbers evaluated (74 enrolled)."""
    assert [n for n in range(events, 75) if round(100 * events / n, 1) == percent] == [patients]


def test_q5_count_is_the_nearest_to_the_printed_percentage():
    """38.6% of 31 is no whole count: 12 (38.7%) is the nearest."""
    assert min(range(32), key=lambda k: abs(100 * k / 31 - 38.6)) == 12


def test_engraftment_and_pegfilgrastim_bands_are_the_sources_ranges():
    assert _band("Q6", "auto_myeloma_neutrophil_engraftment_day_5p94e6") == [8, 24]  # Turk J Med Sci 2020
    assert _band("Q7", "auto_myeloma_platelet_engraftment_day_5p94e6") == [7, 40]
    assert _band("Q8", "auto_myeloma_platelet_engraftment_day_2e6")[1] < 21  # "< 21 days"
    assert _band("Q9", "pegfilgrastim_6mg_healthy_hours_to_anc_peak") == [24.0, 108.3]  # Nakov 2018 Table 3


def test_q1_to_q9_are_predictions_with_registered_readouts():
    targets = _targets()
    for i in range(1, 10):
        t = targets[f"Q{i}"]
        assert t["class"] == "prediction"
        assert all(c["readout"] in PREDICTIONS4 for c in t["checks"])


def test_the_prostate_cohorts_are_men_and_the_2_weekly_schedule_doses_every_14_days():
    cov = cohort_covariates(200, DOCETAXEL_75_Q3W_MEN.ages, DOCETAXEL_75_Q3W_MEN.female_share,
                            np.random.default_rng(0))
    assert set(np.asarray(cov.sex)) == {"male"}
    assert 55 <= np.min(cov.age_years) and np.max(cov.age_years) <= 80
    doses = sorted(c + d for c in DOCETAXEL_50_Q2W_MEN.cycle_offsets_days for d in DOCETAXEL_50_Q2W_MEN.days_in_cycle)
    assert doses == [0.0, 14.0, 28.0, 42.0, 56.0, 70.0]


class _Peak:
    """A stand-in result: ANC rising to a peak 2.5 days after a dose on day 1, then falling."""

    times = np.linspace(0.0, 10.0, 241)

    def observable(self, name: str) -> np.ndarray:
        assert name == "anc_1e9_per_L"
        return 3.0 + np.exp(-((self.times - 3.5) ** 2))


def test_hours_to_anc_peak_counts_from_the_dose():
    peak: Result = _Peak()  # type: ignore[assignment]
    assert hours_to_anc_peak(peak, 1.0) == pytest.approx(60.0)
    assert np.isnan(hours_to_anc_peak(peak, 11.0))


@pytest.mark.integration
@pytest.mark.slow
def test_the_new_predictions_pass_or_fail_as_reported():
    """First run, after Q1-Q9 were committed: Q6, Q7, Q9 pass; Q1-Q5 and Q8 fail (notes in targets.yaml). Held so
    that a model change that moves them shows up."""
    status, values = validation_outcome(["chemotherapy_incidence_by_schedule", "engraftment_and_pegfilgrastim"])
    assert status == {
        "Q1": "fail", "Q2": "fail", "Q3": "fail", "Q4": "fail", "Q5": "fail", "Q6": "pass", "Q7": "pass",
        "Q8": "fail", "Q9": "pass"}
    # Q2 78.4 -> 65.4, Q4 79.6 -> 76.0, Q1 90.0 -> 87.4: the G-CSF exponent fit (gcsfbeta; docetaxel slope 13.13)
    assert values["docetaxel_75_q3w_men_grade34_neutropenia_pct"] == pytest.approx(87.4, abs=3.0)
    assert values["docetaxel_50_d1_15_q4w_men_grade34_neutropenia_pct"] == pytest.approx(65.4, abs=3.0)
    assert values["docetaxel_60_q3w_women_grade34_neutropenia_pct"] == pytest.approx(76.0, abs=3.0)
    # leukopenia 0 -> 22.2 (Q1), 27.8 (Q3), 11.6 (Q4): the cohorts carry cancer patients' lymphocytes and monocytes
    # (branch wbc; before, every patient had the reference adult's 2.0e9/L lymphocytes and WBC never fell below 2.0)
    # -> 27.0, 31.8, 14.2: older patients carry fewer naive T cells (branch naiveage, the pools' decline at 35 fitted)
    assert values["docetaxel_75_q3w_men_grade34_leukopenia_pct"] == pytest.approx(27.0, abs=3.0)
    assert values["docetaxel_100_q3w_women_33_70_grade34_leukopenia_pct"] == pytest.approx(31.8, abs=3.0)
    assert values["docetaxel_60_q3w_women_grade34_leukopenia_pct"] == pytest.approx(14.2, abs=3.0)
    assert values["nab_paclitaxel_100_d1_8_15_q4w_grade34_neutropenia_pct"] == pytest.approx(1.2, abs=2.0)
    # Q6 13 -> 11, Q7 30 -> 31, Q8 55 -> 62: the engraftment refit on the fitted neutrophil structure (branch engraft,
    # merged after Q1-Q9's first run; more committed graft content, megakaryocyte progenitor exit 0.0393 -> 0.02/day);
    # Q7 31 -> 26, Q8 62 -> 60: 10 platelet age stages and the platelet feedback log-slope 0.304 (branch megak);
    # Q6 12 -> 11, Q7 26 -> 28, Q8 60 -> 61: the engraftment fit's free optimum (branch engfree: lodging 1.39 -> 0.5 d,
    # exit 0.0208 -> 0.02/day; these pin the re-fit's result, they were not chosen by it)
    assert values["auto_myeloma_neutrophil_engraftment_day_5p94e6"] == pytest.approx(11.0, abs=1.0)
    # Q7 28 -> 30, Q8 61 -> 62: the myeloma patients' platelet set point falls with age (branch agetrend)
    assert values["auto_myeloma_platelet_engraftment_day_5p94e6"] == pytest.approx(30.0, abs=1.0)
    assert values["auto_myeloma_platelet_engraftment_day_2e6"] == pytest.approx(62.0, abs=1.0)
    # 33 -> 28 h: no endogenous G-CSF speed-up since the exponent was fitted to 0 (gcsfbeta)
    assert values["pegfilgrastim_6mg_healthy_hours_to_anc_peak"] == pytest.approx(28.0, abs=2.0)
