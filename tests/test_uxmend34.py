"""What the radiation physician's walk (ux34) left, held (branch uxmend34): a nadir on the run's last day is no nadir,
a recovery day hides no second fall, the arms' drug plots tell the arms apart, a single fraction lists no protraction,
and an irradiated run reads the lymphocyte count 24 h and 48 h after the exposure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hemasim.endpoints import (
    AT_RUN_END,
    DEFAULT_ENDPOINTS,
    FELL_AGAIN,
    DayOfNadir,
    DaysBelow,
    EndpointValue,
    FirstSustainedDay,
    Nadir,
    still_falling,
)

PATIENT = {"age_years": 40, "sex": "male", "weight_kg": 80, "height_cm": 178}
DAYS = np.arange(22.0)


def _platelets_still_falling() -> np.ndarray:
    """Platelets falling from 270 to 2.5 over 21 days, lowest on the last."""
    return 270.0 * np.exp(-DAYS / 4.6)


def test_a_lowest_value_on_the_last_day_is_flagged_not_called_a_nadir():
    """After 4 Gy every cohort patient's platelet "nadir" fell on day 21 of the 21-day run (5-95%: 21-21): the nadir,
    its day and the days below a count still below at the end carry the run's end, and say which field sets it."""
    v = _platelets_still_falling()
    for endpoint in (Nadir("platelets_1e9_per_L", "1e9/L"), DayOfNadir("platelets_1e9_per_L")):
        assert endpoint.flag_columns(DAYS, v[None, :], endpoint.values(DAYS, v[None, :]))[AT_RUN_END].tolist() == [1.0]
        caveat, flags = endpoint.remark(DAYS, v, 21.0)
        assert caveat.startswith("still falling at the end of the run (day 21)") and "duration_days" in caveat
        assert dict(flags) == {"at_run_end": True}
    below = DaysBelow("platelets_1e9_per_L", 25.0, "grade 4")
    assert below.flag_columns(DAYS, v[None, :], below.values(DAYS, v[None, :]))[AT_RUN_END].tolist() == [1.0]
    caveat, _ = below.remark(DAYS, v, 11.0)
    assert caveat.startswith("still below 25 at the end of the run (day 21): at least this many days")


def test_a_nadir_inside_the_run_carries_nothing():
    """A fall and a recovery within the run: a nadir, no caveat; a count back above the threshold by the end: none
    for its days below either."""
    v = 270.0 - 250.0 * np.exp(-((DAYS - 10.0) ** 2) / 8.0)
    for endpoint in (Nadir("platelets_1e9_per_L", "1e9/L"), DayOfNadir("platelets_1e9_per_L"),
                     DaysBelow("platelets_1e9_per_L", 25.0, "grade 4")):
        assert endpoint.flag_columns(DAYS, v[None, :], endpoint.values(DAYS, v[None, :]))[AT_RUN_END].tolist() == [0.0]
        assert endpoint.remark(DAYS, v, 10.0) is None


def test_a_deep_nadir_that_has_begun_to_rise_is_no_longer_falling():
    """An ANC from 4.7 to 0.04 on day 14 and 0.08 on day 21 rose by less than 1% of its fall: without the bound by
    the lowest value 30% of a 4-Gy cohort's day-12-17 ANC nadirs read "still falling"."""
    v = np.concatenate([4.7 * np.exp(-DAYS[:15] / 2.7), np.linspace(0.04, 0.08, 8)[1:]])
    assert v.argmin() == 14
    assert not still_falling(v[None, :])[0]
    flat = np.concatenate([v[:15], np.full(7, v[14] * 1.0001)])  # stood where it fell (report24's platelets)
    assert still_falling(flat[None, :])[0]


def test_endpoints_json_and_the_tables_carry_the_caveat():
    from hemasim.report.html import endpoint_text

    e = EndpointValue("platelets_nadir_day", 21.0, "day", "d", caveat="still falling at the end of the run (day 21)",
                      flags=(("at_run_end", True),))
    assert e.to_json() == {"value": 21.0, "unit": "day", "definition": "d", "at_run_end": True,
                           "caveat": "still falling at the end of the run (day 21)"}
    assert endpoint_text(e) == "21; still falling at the end of the run (day 21)"
    assert "caveat" not in EndpointValue("anc_nadir", 0.4, "1e9/L", "d").to_json()


def test_a_recovery_followed_by_a_second_fall_says_so():
    """With filgrastim after 4 Gy the ANC recovered by day 14 (3 days >= 0.5) and fell below 0.5 again on day 20
    after the course stopped; neutrophil_recovery_day read 14 and nothing more. The day keeps its definition (a
    validation target reads it); the second fall is told."""
    v = np.full(DAYS.size, 0.2)
    v[:3] = 4.5
    v[14:20] = 1.2
    recovery = next(e for e in DEFAULT_ENDPOINTS if isinstance(e, FirstSustainedDay) and e.threshold == 0.5)
    assert recovery.values(DAYS, v[None, :]).tolist() == [14.0]
    assert recovery.flag_columns(DAYS, v[None, :], recovery.values(DAYS, v[None, :]))[FELL_AGAIN].tolist() == [1.0]
    caveat, flags = recovery.remark(DAYS, v, 14.0)
    assert caveat.startswith("fell below 0.5 again on day 20")
    assert dict(flags) == {"fell_below_again_day": 20.0}
    v[20:] = 1.2  # stays up: no caveat
    assert recovery.remark(DAYS, v, 14.0) is None
    assert recovery.flag_columns(DAYS, v[None, :], recovery.values(DAYS, v[None, :]))[FELL_AGAIN].tolist() == [0.0]


def test_a_cohort_summary_gives_the_shares_and_its_report_says_them():
    from hemasim.cohort.runner import _summary_row
    from hemasim.report.html import render_cohort_report

    day = DayOfNadir("platelets_1e9_per_L")
    ep = pd.DataFrame({day.name: [21.0, 21.0, 18.0, 21.0], f"{day.name}{AT_RUN_END}": [1.0, 1.0, 0.0, 1.0]})
    row = _summary_row(day, ep)
    assert row["fraction_at_run_end"] == 0.75 and row["fraction_fell_again"] is None
    recovery = next(e for e in DEFAULT_ENDPOINTS if isinstance(e, FirstSustainedDay) and e.threshold == 0.5)
    ep = pd.DataFrame({recovery.name: [14.0, 14.0], f"{recovery.name}{FELL_AGAIN}": [1.0, 0.0],
                       "anc_nadir": [0.1, 0.1]})
    assert _summary_row(recovery, ep)["fraction_fell_again"] == 0.5
    nadir = {"endpoint": "platelets_nadir", "median": 2.4, "p05": 1.7, "p95": 3.1, "fraction_reaching": 1.0,
             "unit": "1e9/L", "definition": "d", "n": 4, "fraction_did_not_fall": None, "fraction_at_run_end": 1.0}
    report = render_cohort_report({"n_patients": 4, "endpoints": [nadir, row]}, b"", {"scenario": {"name": "c"}})
    text = " ".join(report.split())
    assert ("median 2.4 ×10⁹/L (5-95%: 1.7-3.1); still falling at the end of the run (the lowest value so far, not "
            "a nadir) in 100% of patients: run longer to see it (duration_days sets the run&#x27;s length)") in text
    assert "still falling at the end of the run (the lowest value so far, not a nadir) in 75% of patients" in text


@pytest.mark.parametrize(("fields", "listed", "left_out"), [
    ({}, "total dose 4 Gy, a single fraction", ("fractions per day", "hours between")),
    ({"fractions": 4}, "fractions: 4, fractions per day: 1", ("hours between",)),
    ({"fractions": 4, "fractions_per_day": 2}, "fractions per day: 2, hours between: 6", ()),
])
def test_a_radiation_lists_only_the_fields_that_act(fields, listed, left_out):
    """A single 4-Gy fraction was listed "fractions: 1, fractions per day: 1, hours between: 6", a protracted
    exposure to the reader; one fraction a day has no hours between its fractions."""
    from hemasim.report.html import _intervention_text
    from hemasim.scenario import parse_scenario

    data = {"name": "x", "patient": PATIENT, "duration_days": 10,
            "interventions": [{"kind": "radiation", "start_day": 0, "total_dose_Gy": 4, **fields}]}
    iv = parse_scenario(data).interventions[0].model_dump()
    text = _intervention_text(iv)
    assert listed in text
    for words in left_out:
        assert words not in text


@pytest.fixture(scope="module")
def four_gy():
    from hemasim.assembly import run_scenario
    from hemasim.scenario import parse_scenario

    data = {"name": "x", "patient": PATIENT, "duration_days": 21, "aging": False,
            "interventions": [{"kind": "radiation", "start_day": 0, "total_dose_Gy": 4}]}
    return run_scenario(parse_scenario(data))


def test_an_irradiated_run_reads_the_lymphocytes_at_24_and_48_hours(four_gy):
    """The early triage marker after a whole-body exposure: the lymphocyte count at 24 h and 48 h, in the endpoints
    and the key results (the model's lymphocytes fall within hours: the lethally hit share leaves with t1/2 30 h)."""
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.report.key_results import key_results_html

    by_name = {e.name: e for e in evaluate_endpoints(four_gy)}
    lymphocytes = four_gy.observable("lymphocytes_1e9_per_L")
    for hours in (24, 48):
        e = by_name[f"lymphocytes_{hours}h_after_exposure"]
        assert e.unit == "1e9/L"
        assert e.value == pytest.approx(np.interp(hours / 24.0, four_gy.times, lymphocytes), rel=1e-12)
    assert by_name["lymphocytes_48h_after_exposure"].value < by_name["lymphocytes_24h_after_exposure"].value \
        < 0.8 * lymphocytes[0]
    html = key_results_html({"": list(by_name.values())}, {"": four_gy})
    assert "Lymphocytes 24 h after the exposure (triage marker of the dose)" in html
    assert "Lymphocytes 48 h after the exposure" in html


def test_the_4_gy_run_says_its_platelets_are_still_falling(four_gy):
    """The walk's run: platelets lowest on day 21 of 21; endpoints.json flags it, the key results say which field
    sets the run's length."""
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.report.key_results import key_results_html

    endpoints = evaluate_endpoints(four_gy)
    by_name = {e.name: e for e in endpoints}
    assert by_name["platelets_nadir_day"].to_json()["at_run_end"] is True
    assert by_name["days_platelets_below_25"].to_json()["at_run_end"] is True
    assert "at_run_end" not in by_name["anc_nadir_day"].to_json()  # lowest on day 14, rising since
    html = key_results_html({"": endpoints}, {"": four_gy})
    assert "still falling at the end of the run (day 21)" in html and "duration_days sets the run" in html


def test_the_arms_drug_plot_gives_each_arm_its_colour_and_its_doses():
    """Filgrastim from day 1 against day 3 after 4 Gy: both arms' curves were purple and their doses shared grey
    lines. Each arm has its colour of the lineage plots, and its dose lines that colour, in a strip of its own."""
    from hemasim.assembly import run_scenario
    from hemasim.report.interactive import COLORS, drug_specs
    from hemasim.scenario import parse_scenario

    def arm(start: int) -> tuple[str, object]:
        data = {"name": "x", "patient": PATIENT, "duration_days": 8, "aging": False, "interventions": [
            {"kind": "gcsf", "drug_set": "filgrastim_melhem2017", "dose_ug_per_kg": 5, "route": "subcutaneous",
             "schedule": {"start_day": start, "every_days": 1, "cycles": 2}}]}
        return f"day {start}", run_scenario(parse_scenario(data))

    (spec,) = drug_specs([arm(1), arm(3)])
    assert [s["color"] for s in spec["series"]] == [COLORS[0], COLORS[1]]
    by_arm = {c: sorted(v["x"] for v in spec["vlines"] if v["color"] == c) for c in (COLORS[0], COLORS[1])}
    assert by_arm == {COLORS[0]: [1.0, 2.0], COLORS[1]: [3.0, 4.0]}
    strips = {(v["color"], v["from"], v["to"]) for v in spec["vlines"]}
    assert strips == {(COLORS[0], 0.0, 0.5), (COLORS[1], 0.5, 1.0)}
    (single,) = drug_specs(arm(1)[1])
    assert {v["color"] for v in single["vlines"]} == {"#999999"} and "from" not in single["vlines"][0]
