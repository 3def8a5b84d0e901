"""The chemotherapy cohort's per-cycle endpoints (report36): each cycle's ANC nadir, its day counted from the cycle's
first dose, its days of grade 4 neutropenia, the cycles a dose rule delayed or reduced and the relative dose
intensity, on a two-cycle toy whose answers are known; then on a cohort, in its Parquet, summary and report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hemasim.endpoints import chemotherapy_cycle_starts, cycle_days_below, cycle_nadirs
from hemasim.interventions.base import EndpointContext
from hemasim.interventions.chemo_cycles import cycle_endpoints
from hemasim.parameters import healthy_adult_parameters
from hemasim.scenario import parse_scenario

#: two docetaxel cycles 10 days apart, a delay rule (ANC) and a reduction rule (platelets)
TOY = {"name": "toy", "patient": {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165},
       "duration_days": 30, "aging": False, "output": {"every_days": 0.5},
       "interventions": [{"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 100,
                          "route": "iv_infusion", "infusion_hours": 1,
                          "schedule": {"start_day": 0, "every_days": 10, "cycles": 2},
                          "rules": [{"observable": "platelets", "below": 100, "action": "reduce"},
                                    {"observable": "anc", "below": 1.5, "action": "delay", "delay_days": 7}]}]}
FULL_UG = 1000.0


def _toy_log() -> list[dict]:
    """Three patients: 0 on time and in full; 1 with cycle 2 delayed by 7 days (given on day 17); 2 with cycle 2 at
    75% of its dose. Entries hold one value per patient, as a cohort's log does."""
    return [
        {"day": 0.0, "drug": "docetaxel", "action": "given", "cycle": np.array([1, 1, 1]),
         "planned_ug": np.full(3, FULL_UG), "given_ug": np.full(3, FULL_UG)},
        {"day": 10.0, "drug": "docetaxel", "action": "delayed 7 d (anc_1e9_per_L < 1.5)", "cycle": np.array([2, 2, 2]),
         "planned_ug": np.array([0.0, FULL_UG, 0.0]), "given_ug": np.zeros(3)},
        {"day": 10.0, "drug": "docetaxel", "action": "given", "cycle": np.array([2, 2, 2]),
         "planned_ug": np.array([FULL_UG, 0.0, FULL_UG]), "given_ug": np.array([FULL_UG, 0.0, 0.75 * FULL_UG])},
        {"day": 17.0, "drug": "docetaxel", "action": "given", "cycle": np.array([2, 2, 2]),
         "planned_ug": np.array([0.0, FULL_UG, 0.0]), "given_ug": np.array([0.0, FULL_UG, 0.0])},
    ]


def _toy_anc(times: np.ndarray) -> np.ndarray:
    """Each patient's ANC: 4 outside the dips; a dip to 0.3 on days 3-5 of cycle 1 (lowest 0.2 on day 4) and to 0.4 on
    days 5-6 of cycle 2 (lowest on its day 5), cycle 2 starting on day 10 (patients 0, 2) or 17 (patient 1)."""
    v = np.full((3, len(times)), 4.0)
    for i, start2 in enumerate((10.0, 17.0, 10.0)):
        v[i, (times >= 3) & (times <= 5)] = 0.3
        v[i, times == 4] = 0.2
        v[i, (times >= start2 + 5) & (times <= start2 + 6)] = 0.4
    return v


def test_the_cycle_starts_follow_each_patients_delays():
    scenario = parse_scenario(TOY, "toy.yaml")
    starts = chemotherapy_cycle_starts(scenario, _toy_log(), 3)
    assert starts.tolist() == [[0.0, 10.0], [0.0, 17.0], [0.0, 10.0]]
    # a cycle a patient was not given (delays pushed it past the run's end): none
    log = [e for e in _toy_log() if e["day"] != 17.0]
    assert np.isnan(chemotherapy_cycle_starts(scenario, log, 3)[1, 1])


def test_each_cycle_has_its_own_nadir_day_from_its_first_dose_and_grade_4_days():
    times = np.arange(0.0, 30.5, 0.5)
    v = _toy_anc(times)
    starts = np.array([[0.0, 10.0], [0.0, 17.0], [0.0, np.nan]])  # patient 2: cycle 2 not given
    low, day, fallen, _ = cycle_nadirs(times, v, starts)
    assert low[:2].tolist() == [[0.2, 0.4], [0.2, 0.4]]
    assert day[:2].tolist() == [[4.0, 5.0], [4.0, 5.0]]  # counted from each cycle's own first dose
    assert fallen[:2].all()
    # without a cycle 2, cycle 1 reaches to the run's end and holds the later dip too; cycle 2 has no value
    assert low[2, 0] == 0.2 and np.isnan(low[2, 1]) and np.isnan(day[2, 1]) and not fallen[2, 1]
    g4 = cycle_days_below(times, v, starts, 0.5)
    # cycle 1: outputs on days 3..5 below 0.5 start 5 half-day intervals (3, 3.5, 4, 4.5, 5): 2.5 days; cycle 2:
    # days 5, 5.5, 6 of it: 1.5 days
    assert g4[:2].tolist() == [[2.5, 1.5], [2.5, 1.5]]
    assert g4[2, 0] == 4.0 and np.isnan(g4[2, 1])
    # the cycles add up to the run's days below (the first cycle starts the run)
    from hemasim.endpoints import DaysBelow

    assert np.allclose(g4[:2].sum(axis=1), DaysBelow("anc_1e9_per_L", 0.5, "").values(times, v[:2]))


def test_a_count_that_did_not_fall_in_a_cycle_has_no_nadir_day():
    times = np.arange(0.0, 20.5, 0.5)
    v = np.full((1, len(times)), 4.0)
    v[0, (times >= 3) & (times <= 5)] = 0.3
    low, day, fallen, _ = cycle_nadirs(times, v, np.array([[0.0, 10.0]]))
    assert fallen.tolist() == [[True, False]] and low[0, 1] == 4.0  # cycle 2: flat, its lowest is its start


def test_the_family_gives_delays_reductions_and_relative_dose_intensity():
    scenario = parse_scenario(TOY, "toy.yaml")
    family = cycle_endpoints(scenario)
    assert family is not None
    times = np.arange(0.0, 30.5, 0.5)
    ctx = EndpointContext(healthy_adult_parameters(), 55.0, _toy_log(), 3)
    cols = {c.name: c for c in family.values(times, {"anc_1e9_per_L": _toy_anc(times)}, ctx)}
    assert set(cols) == set(family.units())  # as declared
    assert cols["anc_nadir_day_cycle2"].values.tolist() == [5.0, 5.0, 5.0]
    assert cols["days_anc_below_0p5_cycle1"].values.tolist() == [2.5, 2.5, 2.5]
    assert cols["chemotherapy_cycle1_delayed"].values.tolist() == [0, 0, 0]
    assert cols["chemotherapy_cycle2_delayed"].values.tolist() == [0, 1, 0]
    assert cols["chemotherapy_cycle2_dose_reduced"].values.tolist() == [0, 0, 1]
    # RDI: (dose / time from the first cycle's start to the last one's end) over the planned (2 doses / 20 days):
    # on time 1; cycle 2 a week late 2 doses / 27 days; cycle 2 at 75%: 1.75 doses / 20 days
    assert np.allclose(cols["docetaxel_relative_dose_intensity"].values, [1.0, 20 / 27, 0.875])
    assert cols["docetaxel_relative_dose_intensity"].unit == "fraction"


def test_one_cycle_has_no_per_cycle_endpoints():
    one = {**TOY, "interventions": [{**TOY["interventions"][0], "schedule": {"start_day": 0, "every_days": 10,
                                                                             "cycles": 1}}]}
    assert cycle_endpoints(parse_scenario(one, "one.yaml")) is None


@pytest.mark.integration
def test_a_cohort_gives_them_per_patient_summarised_and_cycle_1_first_in_its_report(tmp_path: Path):
    from hemasim.assembly import run_scenario
    from hemasim.cohort import run_cohort
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.report.key_results import cycle_nadirs as run_cycle_nadirs

    data = {**TOY, "duration_days": 42, "interventions": [{**TOY["interventions"][0],
                                                           "schedule": {"start_day": 0, "every_days": 21,
                                                                        "cycles": 2}}]}
    scenario = parse_scenario(data, "two.yaml")
    run_cohort(scenario, 6, tmp_path, partition_size=6, progress=False)
    ep = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "endpoints").glob("*.parquet")))
    # two cycles from day 0: their grade-4 days add up to the run's, and the run's nadir is the lower cycle's
    assert np.allclose(ep["days_anc_below_0p5_cycle1"] + ep["days_anc_below_0p5_cycle2"], ep["days_anc_below_0p5"])
    assert np.allclose(np.fmin(ep["anc_nadir_cycle1"], ep["anc_nadir_cycle2"]), ep["anc_nadir"])
    assert ((ep["anc_nadir_day_cycle1"] > 4) & (ep["anc_nadir_day_cycle1"] < 15)).all()  # docetaxel: day 7-10
    summary = json.loads((tmp_path / "summary.json").read_text())
    rows = {r["endpoint"]: r for r in summary["endpoints"]}
    assert rows["anc_nadir_day_cycle1"]["unit"] == "day of the cycle"
    assert rows["docetaxel_relative_dose_intensity"]["unit"] == "fraction"
    assert rows["chemotherapy_cycle2_delayed"]["unit"] == "flag"
    report = (tmp_path / "report.html").read_text()
    key = report.split('id="endpoints"')[0].split("Key results")[1]
    assert key.index("ANC nadir, cycle 1") < key.index("ANC nadir (lowest of the run)")
    assert "ANC nadir by cycle" in key and "Relative dose intensity, docetaxel" in key
    assert "<h3>Chemotherapy cycles" in report
    # a single run of the same patient: its per-cycle rows and its per-cycle endpoints are one reading
    single = run_scenario(scenario)
    values = {e.name: e.value for e in evaluate_endpoints(single)}
    for k, (low, day) in enumerate(run_cycle_nadirs(single), start=1):
        assert values[f"anc_nadir_cycle{k}"] == pytest.approx(low) and values[f"anc_nadir_day_cycle{k}"] == day


def test_each_patients_cycle_start_is_read_as_a_single_day_is():
    # the count on each patient's own cycle-start day (the did-not-fall rule's reference), read as value_on_day reads
    # one day for every patient: on an output, and between two
    from hemasim.endpoints import _values_on_days, value_on_day

    times = np.arange(0.0, 10.5, 0.5)
    v = np.vstack([np.linspace(1.0, 3.0, len(times)), np.linspace(5.0, 0.0, len(times))])
    days = np.array([2.0, 3.25])
    want = [float(value_on_day(times, v[i:i + 1], days[i])[0]) for i in range(2)]
    assert _values_on_days(times, v, days).tolist() == want


# ---------------------------------------------------------------------------------------------- review36e's findings
def _doc(dose: float, start: float, cycles: int, every: float = 21.0) -> dict:
    return {**TOY["interventions"][0], "dose_mg_per_m2": dose, "rules": [],
            "schedule": {"start_day": start, "every_days": every, "cycles": cycles}}


@pytest.mark.integration
def test_the_same_drug_in_two_blocks_makes_four_cycles_and_one_plan_of_its_doses():
    # docetaxel 100 q21x2 then 75 q21x2: each block counts its cycles from 1, and the second overwrote the first
    # (starts [nan, nan, 0, 21], cycle 4 over days 21-84, RDI 1.75)
    from hemasim.assembly import run_scenario
    from hemasim.endpoints import evaluate_endpoints

    data = {**TOY, "duration_days": 84, "interventions": [_doc(100, 0, 2), _doc(75, 42, 2)]}
    scenario = parse_scenario(data, "two_blocks.yaml")
    result = run_scenario(scenario)
    assert chemotherapy_cycle_starts(scenario, result.record.administrations).tolist() == [[0.0, 21.0, 42.0, 63.0]]
    values = {e.name: e.value for e in evaluate_endpoints(result)}
    assert values["docetaxel_relative_dose_intensity"] == pytest.approx(1.0)  # every planned dose, on time
    assert values["anc_nadir_day_cycle4"] < 21  # cycle 4 is days 63-84, not 21-84


def test_a_cycle_cut_short_is_still_falling_not_a_nadir():
    # a count still falling when the next dose (or the run's end) comes: its lowest so far, flagged
    times = np.arange(0.0, 20.5, 0.5)
    v = np.vstack([4.0 - 0.1 * times, np.full(len(times), 4.0)])  # falling all along; flat
    v[1, (times >= 3) & (times <= 5)] = 0.3
    low, day, fallen, falling = cycle_nadirs(times, v, np.array([[0.0, 10.0], [0.0, 10.0]]))
    assert falling.tolist() == [[True, True], [False, False]]
    assert day[0].tolist() == [9.5, 10.0]  # each cycle's last output: the lowest so far
    # the family's flags, which fill the cohort summary's fraction_at_run_end
    family = cycle_endpoints(parse_scenario({**TOY, "duration_days": 20}, "toy.yaml"))
    assert family is not None
    ctx = EndpointContext(healthy_adult_parameters(), 55.0, _toy_log()[:3], 2)
    log = [{**e, **{k: e[k][[0, 2]] for k in ("cycle", "planned_ug", "given_ug")}} for e in ctx.administrations]
    ctx = EndpointContext(healthy_adult_parameters(), 55.0, log, 2)
    cols = {c.name: c.values.tolist() for c in family.values(times, {"anc_1e9_per_L": v}, ctx)}
    assert cols["anc_nadir_cycle1_at_run_end"] == [1.0, 0.0] and cols["anc_nadir_day_cycle2_at_run_end"] == [1.0, 0.0]


def test_the_cohort_key_rows_say_a_cycle_was_cut_short():
    from hemasim.report.key_results import cohort_key_results_html

    def row(name: str, unit: str, median: float, at_end: float | None = None) -> dict:
        return {"endpoint": name, "unit": unit, "definition": name, "median": median, "p05": median, "p95": median,
                "fraction_reaching": 1.0, "n": 10, "n_with_value": 10, "no_value_note": None,
                "fraction_did_not_fall": 0.0 if "day" in name else None, "missing": None,
                "fraction_at_run_end": at_end, "fraction_fell_again": None}

    rows = [row("anc_nadir_cycle1", "1e9/L", 3.1, 1.0), row("anc_nadir_day_cycle1", "day of the cycle", 6.5, 1.0),
            row("days_anc_below_0p5_cycle1", "day", 0.0), row("anc_nadir_cycle2", "1e9/L", 0.9, 0.0),
            row("anc_nadir_day_cycle2", "day of the cycle", 9.5, 0.0), row("days_anc_below_0p5_cycle2", "day", 0.0)]
    text = cohort_key_results_html(rows)
    assert text.count("still falling at the cycle&#x27;s end") == 2  # cycle 1's nadir and its day
    # most still falling: no nadir, no median day that reads as a time to nadir (review37b)
    assert "1: no nadir within the cycle (falling through it in 100%): 3.1 on its last day · 2: 0.9 (day 9.5)" in text


def test_cycles_that_start_out_of_order_do_not_overlap():
    # a later regimen phase keeps its planned start (day 14) while delays push the earlier phase's cycle to day 30
    from hemasim.endpoints import DaysBelow, _cycle_windows

    starts = np.array([[0.0, 30.0, 14.0, np.nan]])
    windows = _cycle_windows(starts)
    assert windows[0, :3].tolist() == [[0.0, 14.0], [30.0, np.inf], [14.0, 30.0]]
    times = np.arange(0.0, 45.0, 0.5)
    v = np.where((times % 7) < 2, 0.3, 4.0)[None, :]
    g4 = cycle_days_below(times, v, starts, 0.5)
    assert np.isnan(g4[0, 3])  # a cycle not given: none, not 0 days
    assert np.nansum(g4) == pytest.approx(DaysBelow("anc_1e9_per_L", 0.5, "").values(times, v)[0])


def test_two_drugs_on_different_schedules_have_no_per_cycle_endpoints_and_a_reason():
    from hemasim.endpoints import chemotherapy_cycle_plan, chemotherapy_cycle_problem

    cyclo = {"kind": "chemotherapy", "drug_set": "cyclophosphamide_ahmed2020", "dose_mg_per_m2": 300,
             "route": "iv_infusion", "infusion_hours": 0.5, "schedule": {"start_day": 3, "every_days": 14, "cycles": 4}}
    scenario = parse_scenario({**TOY, "duration_days": 63, "interventions": [_doc(100, 0, 3), cyclo]}, "two.yaml")
    assert cycle_endpoints(scenario) is None and chemotherapy_cycle_plan(scenario) == {}
    assert "different schedules" in chemotherapy_cycle_problem(scenario)
    # a regimen's drugs share each phase's grid: AC (q14 x4) then docetaxel (q21 x4) is 8 cycles
    ac_t = parse_scenario({**TOY, "duration_days": 160, "interventions": [
        {"kind": "chemotherapy_regimen", "regimen": "ac_docetaxel"}]}, "act.yaml")
    plan = chemotherapy_cycle_plan(ac_t)
    assert max(plan.values()) == 7 and plan[("doxorubicin", 0, 1)] == plan[("cyclophosphamide", 0, 1)] == 0
    assert chemotherapy_cycle_problem(ac_t) == ""


def test_relative_dose_intensity_counts_a_cycle_pushed_past_the_runs_end():
    # patient 1's cycle 2 never given within the 30-day run: one dose over the run's 30 days against 2 over 20
    scenario = parse_scenario(TOY, "toy.yaml")
    family = cycle_endpoints(scenario)
    assert family is not None
    times = np.arange(0.0, 30.5, 0.5)
    log = [e for e in _toy_log() if e["day"] != 17.0]
    cols = {c.name: c for c in family.values(times, {"anc_1e9_per_L": _toy_anc(times)},
                                               EndpointContext(healthy_adult_parameters(), 55.0, log, 3))}
    assert cols["docetaxel_relative_dose_intensity"].values[1] == pytest.approx((1 / 30) / (2 / 20))
    # a cycle not given: no did-not-fall flag, and the summary's note says why it has no value
    assert np.isnan(cols["anc_nadir_day_cycle2_did_not_fall"].values[1])
    assert "not given" in (cols["anc_nadir_cycle2"].missing or "")


def test_a_long_course_lists_its_first_cycles_and_its_last():
    from hemasim.interventions.chemo_cycles import listed_cycles

    assert listed_cycles(3) == [1, 2, 3] and listed_cycles(8) == list(range(1, 9))
    assert listed_cycles(20) == [1, 2, 3, 4, 5, 6, 20]
    weekly = {**TOY, "duration_days": 140, "interventions": [
        {**TOY["interventions"][0], "rules": [], "schedule": {"days": [7.0 * i for i in range(20)]}}]}
    family = cycle_endpoints(parse_scenario(weekly, "weekly.yaml"))
    assert family is not None and len(family.units()) == 7 * 7 + 1  # 7 columns a listed cycle and the RDI


def test_an_arm_without_a_cycle_says_why_its_cells_are_empty():
    from hemasim.endpoints import EndpointValue
    from hemasim.report.arms import NO_SUCH_CYCLE, _endpoint_table

    nadir = EndpointValue("anc_nadir", 0.4, "1e9/L", "lowest ANC")
    cycle1 = EndpointValue("anc_nadir_cycle1", 0.44, "1e9/L", "lowest ANC in cycle 1")
    table = _endpoint_table(["q3w_x3", "one_cycle"], {"q3w_x3": [nadir, cycle1], "one_cycle": [nadir]})
    assert table.count("no such cycle in this arm") == 1 and NO_SUCH_CYCLE.split(";")[0] in table.replace("&#x27;", "'")


@pytest.mark.integration
def test_a_cohort_of_two_drugs_on_different_schedules_says_why_it_has_no_cycles(tmp_path: Path):
    from hemasim.cohort import run_cohort

    cyclo = {"kind": "chemotherapy", "drug_set": "cyclophosphamide_ahmed2020", "dose_mg_per_m2": 300,
             "route": "iv_infusion", "infusion_hours": 0.5, "schedule": {"start_day": 3, "every_days": 14, "cycles": 3}}
    data = {**TOY, "duration_days": 45, "output": {"every_days": 1},
            "interventions": [_doc(100, 0, 2), cyclo]}
    run_cohort(parse_scenario(data, "two.yaml"), 2, tmp_path, partition_size=2, progress=False)
    ep = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "endpoints").glob("*.parquet")))
    assert not [c for c in ep.columns if "_cycle1" in c]
    report = (tmp_path / "report.html").read_text()
    assert "Chemotherapy cycles: docetaxel" in report and "different schedules" in report


def test_the_sensitivity_figures_draw_the_runs_own_endpoints_first():
    from hemasim.sensitivity.plots import run_level_first

    names = ["anc_nadir_cycle3", "anc_nadir", "chemotherapy_cycle2_delayed", "days_anc_below_0p5", "anc_nadir_cycle4"]
    assert run_level_first(names) == ["anc_nadir", "days_anc_below_0p5", "anc_nadir_cycle3",
                                      "chemotherapy_cycle2_delayed", "anc_nadir_cycle4"]


@pytest.mark.integration
def test_a_regimen_with_the_drug_in_two_phases_numbers_its_cycles_in_turn(tmp_path: Path):
    from hemasim.assembly import run_scenario
    from hemasim.endpoints import chemotherapy_cycle_plan, evaluate_endpoints

    def phase(dose: float) -> dict:
        return {"cycle_length_days": {"value": 21, "assumed": "test"}, "cycles": {"value": 2, "assumed": "test"},
                "drugs": [{"drug_set": "docetaxel_kloft2006", "route": "iv_infusion",
                           "dose_mg_per_m2": {"value": dose, "assumed": "test"},
                           "infusion_hours": {"value": 1, "assumed": "test"}}]}

    path = tmp_path / "doc_two_phases.yaml"
    path.write_text(json.dumps({"name": "doc_two_phases", "description": "docetaxel 100 x2 then 75 x2",
                                "phases": [phase(100), phase(75)]}))
    scenario = parse_scenario({**TOY, "duration_days": 84, "interventions": [
        {"kind": "chemotherapy_regimen", "regimen": str(path)}]}, "reg.yaml")
    assert sorted(chemotherapy_cycle_plan(scenario).items()) == [
        (("docetaxel", 0, 1), 0), (("docetaxel", 0, 2), 1), (("docetaxel", 1, 1), 2), (("docetaxel", 1, 2), 3)]
    result = run_scenario(scenario)
    assert chemotherapy_cycle_starts(scenario, result.record.administrations).tolist() == [[0.0, 21.0, 42.0, 63.0]]
    values = {e.name: e.value for e in evaluate_endpoints(result)}
    assert values["docetaxel_relative_dose_intensity"] == pytest.approx(1.0)
