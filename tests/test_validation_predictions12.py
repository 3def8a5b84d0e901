"""F1-F4 (branch predict32): docetaxel 75 + cyclophosphamide 600 mg/m2 (TC) without G-CSF (Kosaka 2015's placebo arm,
cycle 1) and with pegfilgrastim 6 or 3 mg after each cycle (a 2021 Chinese cohort), and the duration of severe
neutropenia on TAC with pegfilgrastim (PROTECT-2), registered one-sided before the model was run. The bands are the
Wilson intervals of the sources' counts or the interval of a mean, the cohorts give the registered doses and days and
draw only the cited variability."""

import math

import numpy as np
import pytest

from hemasim._confidence import Z_95
from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology import load_drug_set
from hemasim.validation import load_targets
from hemasim.validation import predictions12 as p12
from hemasim.validation.chemotherapy_schedules import wilson_interval_pct

GROUP = "docetaxel_cyclophosphamide_and_pegfilgrastim"
#: target -> (readout, count, patients, only the lower end judged): Kosaka 2015 FN in cycle 1 on placebo 68.8% of
#: 173; the 2021 cohort's ANC < 0.5e9/L 34.5% of 145 (6 mg) and 39.3% of 150 (3 mg)
COUNTS = {"F1": ("tc_75_600_cycle1_no_gcsf_anc_below_0p5_pct", 119, 173, True),
          "F2": ("tc_75_600_x4_pegfilgrastim_6mg_anc_below_0p5_pct", 50, 145, False),
          "F3": ("tc_75_600_x4_pegfilgrastim_3mg_anc_below_0p5_pct", 59, 150, False)}


def _targets() -> dict[str, dict]:
    return {t["id"]: t for t in load_targets()[GROUP]}


@pytest.mark.parametrize("target_id", sorted(COUNTS))
def test_the_bands_are_the_wilson_intervals_of_the_counts(target_id):
    readout, k, n, lower_only = COUNTS[target_id]
    shares = {"F1": 68.8, "F2": 34.5, "F3": 39.3}
    # the count is the only one of n whose share rounds to the published percentage
    assert [j for j in range(n + 1) if round(100 * j / n, 1) == shares[target_id]] == [k]
    low, high = wilson_interval_pct(k / n, n)
    (check,) = _targets()[target_id]["checks"]
    assert check["readout"] == readout and check["readout"] in p12.PREDICTIONS12
    if lower_only:  # febrile neutropenia is a subset of grade 4: no upper criterion
        assert check["band"] == [round(low, 1), 100.0] and check["open_end"] == "high"
    else:
        assert check["band"] == [round(low, 1), round(high, 1)] and "open_end" not in check
    t = _targets()[target_id]
    # F1's count (febrile neutropenia, a subset of grade 4) is a one-sided lower bound, not an estimate's uncertainty
    assert t["class"] == "prediction" and t.get("blind", True)
    assert t["band_basis"] == ("threshold" if lower_only else "uncertainty")
    assert "NOT decisive" in t["pass"] or lower_only
    assert "decisive" in t["pass"]


def test_the_cohorts_are_the_registered_scenarios():
    assert p12.KOSAKA2015_PLACEBO == p12.TcCohort(cycles=1, ages_years=(26.0, 69.0), seed=3201)
    assert p12.PEG_6MG == p12.TcCohort(cycles=4, ages_years=(30.0, 70.0), seed=3202, pegfilgrastim_mg=6.0)
    assert p12.PEG_3MG == p12.TcCohort(cycles=4, ages_years=(30.0, 70.0), seed=3203, pegfilgrastim_mg=3.0)
    assert p12.COHORT_SIZE == 500 and p12.GRADE4_ANC_1E9_PER_L == 0.5


def test_the_events_give_tc_at_each_womans_bsa_and_pegfilgrastim_the_day_after():
    bsa = np.array([1.5, 1.8])
    no_gcsf = p12.tc_events(p12.KOSAKA2015_PLACEBO, bsa)
    assert [e.drug for e in no_gcsf] == ["docetaxel", "cyclophosphamide"]
    docetaxel, cyclophosphamide = no_gcsf
    assert np.allclose(docetaxel.amount_ug, 75.0 * bsa * 1000) and docetaxel.duration_days == pytest.approx(1 / 24)
    assert np.allclose(cyclophosphamide.amount_ug, 600.0 * bsa * 1000)
    assert cyclophosphamide.duration_days == pytest.approx(0.5 / 24)
    assert docetaxel.cycle_offsets == cyclophosphamide.cycle_offsets == (0.0,)
    *_, peg = p12.tc_events(p12.PEG_3MG, bsa)
    # the regimen starts on run day 1 (clinic day 2): every cycle's dose 24 h after its chemotherapy
    assert (peg.drug, peg.route, peg.amount_ug, peg.day, peg.days_in_cycle) == (
        "pegfilgrastim", "subcutaneous", 3000.0, 1.0, (0.0,))
    assert peg.cycle_offsets == (0.0, 21.0, 42.0, 63.0) and peg.planned_days() == [1.0, 22.0, 43.0, 64.0]
    # Melhem 2017's subcutaneous bioavailability, as a scenario's dosed intervention gives it
    assert peg.bioavailability == load_drug_set("pegfilgrastim_melhem2017").pk.absorption.bioavailability.value


def test_the_events_as_fired_give_no_pegfilgrastim_before_run_day_1():
    """Fired, not read off the fields: F2-F4's first runs built the pegfilgrastim regimen from day 0 with
    days_in_cycle (1,), which gave cycle 1's dose with the chemotherapy (Regimen fires a patient's first dose at its
    ``day``; review32b). Each cycle's dose now comes 24 h after that cycle's chemotherapy, none before run day 1."""
    from hemasim.biology import healthy_human_model
    from hemasim.biology.body import Covariates, body_surface_area_m2
    from hemasim.pharmacology import DrugExposure
    from hemasim.simulation import Simulation

    cov = Covariates(age_years=np.array([50.0, 60.0]), sex=np.array(["female", "female"]),
                     weight_kg=np.array([60.0, 75.0]), height_cm=np.array([158.0, 168.0]))
    sets = (p12.DOCETAXEL_SET, p12.CYCLOPHOSPHAMIDE_SET, p12.PEGFILGRASTIM_SET)
    model = healthy_human_model(cov, aging=False, extensions=[DrugExposure(load_drug_set(s)) for s in sets])
    r = Simulation(model, events=p12.tc_events(p12.PEG_6MG, body_surface_area_m2(cov))).run(84.0, 7.0)
    given = {}
    for e in r.record.administrations:
        if e["action"] == "given":
            given.setdefault(e["drug"], []).append(e["day"])
    assert given["docetaxel"] == given["cyclophosphamide"] == [0.0, 21.0, 42.0, 63.0]
    assert given["pegfilgrastim"] == [1.0, 22.0, 43.0, 64.0]
    assert min(given["pegfilgrastim"]) >= 1.0


def test_the_cohort_draws_only_the_cited_variability():
    n = 4000
    cov, healthy, docetaxel, cyclophosphamide, doxorubicin = p12._draws(p12.PEG_6MG, n)
    assert doxorubicin == {}  # TC: no third drug
    assert set(np.asarray(cov.sex)) == {"female"}
    assert 30.0 <= np.min(cov.age_years) and np.max(cov.age_years) <= 70.0
    assert set(healthy) == {"anc_setpoint_1e9_per_L", "neutrophil_mitotic_transit_days",
                            "neutrophil_marrow_transit_days"}
    kloft = load_drug_set("docetaxel_kloft2006")
    omega = {k: math.sqrt(v.value) for k, v in kloft.friberg.iiv_variance.items()}
    slope = docetaxel["effects.0.full_model.slope_L_per_umol"]
    assert np.std(np.log(slope)) == pytest.approx(omega["slope"], rel=0.05)
    assert np.exp(np.mean(np.log(slope))) == pytest.approx(kloft.get("effects.0.full_model.slope_L_per_umol"), rel=0.02)
    # cyclophosphamide: its clearance only (Ahmed 2020), nothing on its kill
    ahmed = load_drug_set("cyclophosphamide_ahmed2020")
    assert set(cyclophosphamide) == {"pk.clearance_L_per_h"}
    assert np.std(np.log(cyclophosphamide["pk.clearance_L_per_h"])) == pytest.approx(
        ahmed.pk.clearance_iiv_sd_log.value, rel=0.05)
    typical = healthy_adult_parameters().value("anc_setpoint_1e9_per_L")
    assert np.exp(np.mean(np.log(healthy["anc_setpoint_1e9_per_L"]))) == pytest.approx(typical, rel=0.02)


@pytest.mark.slow
def test_the_tc_predictions_pass_or_fail_as_reported():
    """First run, after F1-F3 were committed (54f39067): F1 passes, F2 and F3 fail decisively; F4's, after it was
    committed (c612c5cb): fails decisively (notes in targets.yaml). F2-F4's values are the registered scenario's
    (pegfilgrastim on run day 1 of every cycle, finalmend32): their first runs (10.4, 12.0, 0.372) gave cycle 1's
    pegfilgrastim with the chemotherapy, a coding error found by review32b. Held so that a model change that moves
    them shows up."""
    from .conftest import validation_outcome

    status, values = validation_outcome(["docetaxel_cyclophosphamide_and_pegfilgrastim"])  # GROUP, named for test_cli
    # F5, F6 (predict34b) read another cohort in the same group: tests/test_validation_predictions17.py holds them
    assert {k: status[k] for k in ("F1", "F2", "F3", "F4")} == {"F1": "pass", "F2": "fail", "F3": "fail", "F4": "fail"}
    # mend36: Kloft's transit factor clipped to the transits' bounds (7 and 9 of 500 patients past them): F2 4.4 -> 4.2,
    # F4 0.098 -> 0.094
    expected = {"tc_75_600_cycle1_no_gcsf_anc_below_0p5_pct": 97.6,
                "tc_75_600_x4_pegfilgrastim_6mg_anc_below_0p5_pct": 4.2,
                "tc_75_600_x4_pegfilgrastim_3mg_anc_below_0p5_pct": 5.8,
                "tac_75_50_500_pegfilgrastim_6mg_cycle1_mean_days_anc_below_0p5": 0.094}
    for readout, value in expected.items():
        assert values[readout] == pytest.approx(value, abs=0.0005 if value < 1 else 0.05), readout


def test_f4_band_is_the_interval_of_the_reference_arms_mean():
    # PROTECT-2, reference pegfilgrastim: DSN in cycle 1 1.19 +- 0.98 days (mean +- SD), n = 153
    half = Z_95 * 0.98 / math.sqrt(153)
    t = {x["id"]: x for x in load_targets()[GROUP]}["F4"]
    (check,) = t["checks"]
    assert check["band"] == [round(1.19 - half, 2), round(1.19 + half, 2)] and "open_end" not in check
    assert check["readout"] == "tac_75_50_500_pegfilgrastim_6mg_cycle1_mean_days_anc_below_0p5"
    assert check["readout"] in p12.PREDICTIONS12
    assert t["class"] == "prediction" and t["band_basis"] == "uncertainty" and "NOT decisive" in t["pass"]
    # registered after F1-F3 had run: it says so
    assert "AFTER F1-F3 had run" in t["class_reason"]


def test_f4_cohort_is_tac_with_pegfilgrastim_on_day_2_and_draws_doxorubicin_last():
    c = p12.PROTECT2_TAC_PEG_6MG
    assert c == p12.TcCohort(cycles=1, ages_years=(30.0, 70.0), seed=3204, pegfilgrastim_mg=6.0,
                             cyclophosphamide_mg_per_m2=500.0, doxorubicin_mg_per_m2=50.0)
    assert c.docetaxel_mg_per_m2 == 75.0 and p12.DSN_COUNT_DAYS == (1, 20)
    bsa = np.array([1.7])
    events = {e.drug: e for e in p12.tc_events(c, bsa)}
    assert set(events) == {"docetaxel", "cyclophosphamide", "doxorubicin", "pegfilgrastim"}
    assert np.allclose(events["cyclophosphamide"].amount_ug, 500.0 * bsa * 1000)
    assert np.allclose(events["doxorubicin"].amount_ug, 50.0 * bsa * 1000)
    assert events["doxorubicin"].route == "iv_bolus" and events["pegfilgrastim"].planned_days() == [1.0]
    # the TC draws come first, unchanged by the third drug's after them
    tac = p12._draws(c, 200)
    tc = p12._draws(p12.TcCohort(cycles=1, ages_years=(30.0, 70.0), seed=3204), 200)
    for a, b in zip(tac[1:4], tc[1:4], strict=True):
        assert set(a) == set(b) and all(np.array_equal(a[k], b[k]) for k in a)
    joerger = load_drug_set("doxorubicin_joerger2007").pk.clearance_iiv_sd_log.value
    assert set(tac[4]) == {"pk.clearance_L_per_h"}
    assert np.std(np.log(p12._draws(c, 4000)[4]["pk.clearance_L_per_h"])) == pytest.approx(joerger, rel=0.05)


def test_the_duration_is_the_longest_run_of_daily_counts_below_the_threshold():
    times = np.arange(0.0, 21.0 + 1e-9, 0.125)
    anc = np.full((3, times.size), 2.0)
    # woman 0: below on days 6, 7, 8 and again on day 11 (runs 3 and 1); woman 1: below only between counts
    for d in (6, 7, 8, 11):
        anc[0, times == d] = 0.3
    anc[1, (times > 6.2) & (times < 6.8)] = 0.1
    anc[2, (times >= 5) & (times <= 9)] = 0.49  # days 5-9: five days
    got = p12.longest_run_of_days_below(times, anc, 0.5, 1, 20)
    assert got.tolist() == [3, 0, 5]
