"""What review34 found in this session's merges, held (branch mend34): an on-demand G-CSF course ends after the
nadir, not at max_doses when it kept the count above its threshold; a second fall is read up to the next cycle; the
lymphocyte triage reads the count before a fraction given at that hour; a day past the outputs is refused."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.pharmacology import dosing
from hemasim.pharmacology.dosing import OnDemandCourse

PATIENT = {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165}


def _course_on(mornings: list[float], above: float = 1.0, max_doses: int = 30,
               monkeypatch: pytest.MonkeyPatch | None = None, expected_nadir_day: float | None = None
               ) -> tuple[int, float | None]:
    """Fire an OnDemandCourse on a given series of morning counts (one patient); doses given and the day it ended."""
    values = iter(mornings)
    assert monkeypatch is not None
    monkeypatch.setattr(dosing, "observable_of_state", lambda model, x, name: np.array([next(values)]))
    monkeypatch.setattr(dosing.Administration, "apply", lambda self, model, x, rng: x)
    ev: OnDemandCourse | None = OnDemandCourse(1.0, "filgrastim", "subcutaneous", np.array([350.0]), 1.0,
                                               "anc_1e9_per_L", above, 2, max_doses, expected_nadir_day)
    log: list[dict] = []
    x = np.zeros(1)
    for _ in mornings:
        if ev is None:
            break
        x, nxt = ev.fire(None, x, np.random.default_rng(0), log)  # type: ignore[arg-type]
        ev = nxt[0] if nxt else None
    given = [e for e in log if e["action"] == "given"]
    ended = next((e["day"] for e in log if e["action"] == "course ended"), None)
    return len(given), ended


def test_on_demand_ends_after_the_expected_nadir_day_though_the_count_stayed_above_the_threshold(monkeypatch):
    # docetaxel 100 mg/m2 day 0 with filgrastim from day 1 (the model's mornings): the ANC never reached 1.0. Any
    # rise after a fall was taken as the nadir (mend34); that ended courses on bounces (review34c). Without an
    # expected nadir day the course runs to max_doses; with day 7, mornings 8 and 9 above 1.0 end it
    mornings = [4.75, 13.76, 6.57, 2.78, 1.51, 2.05, 4.39, 4.41, 3.33, 2.95, 3.0, 3.56, 5.82, 10.98, 17.34]
    assert _course_on(mornings, max_doses=12, monkeypatch=monkeypatch) == (12, 13.0)
    assert _course_on(mornings, expected_nadir_day=7.0, monkeypatch=monkeypatch) == (8, 9.0)


@pytest.mark.parametrize("mornings", [[4.75 + 0.1 * i for i in range(20)], [4.75] * 20])
def test_on_demand_a_count_that_never_falls_runs_to_max_doses(monkeypatch, mornings):
    assert _course_on(mornings, max_doses=12, monkeypatch=monkeypatch) == (12, 13.0)


def test_on_demand_a_bounce_above_the_threshold_does_not_end_the_course(monkeypatch):
    # flu_tbi_2gy's mornings 1.45, 1.19, 1.30 (a bounce on the way to its nadir of 0.58): mend34 ended the course there
    given, ended = _course_on([4.75, 13.8, 6.6, 2.8, 1.45, 1.19, 1.30, 1.4, 1.2, 1.1], monkeypatch=monkeypatch)
    assert ended is None and given == 10


def test_on_demand_a_count_below_the_threshold_counts_once_above_it(monkeypatch):
    # started during the neutropenia: the count rises from 0.3, never fell in the course; ends on the 2nd day above
    assert _course_on([0.3, 0.5, 0.8, 1.2, 1.6, 2.0], monkeypatch=monkeypatch) == (4, 5.0)


def _docetaxel_with_filgrastim(above: float, expected_nadir_day: float | None = 7.0
                               ) -> tuple[list[float], np.ndarray, np.ndarray]:
    from hemasim.assembly import run_scenario
    from hemasim.scenario import parse_scenario

    data = {"name": "x", "patient": PATIENT, "duration_days": 16, "aging": False, "interventions": [
        {"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 100, "route": "iv_infusion",
         "infusion_hours": 1, "schedule": {"days": [0]}},
        {"kind": "gcsf", "drug_set": "filgrastim_melhem2017", "dose_ug_per_kg": 5, "route": "subcutaneous",
         "on_demand": {"start_day": 1, "until_anc_above": above, "consecutive_days": 2, "max_doses": 14,
                       "expected_nadir_day": expected_nadir_day}}]}
    r = run_scenario(parse_scenario(data))
    given = [e["day"] for e in r.record.administrations if e["drug"] == "filgrastim" and e["action"] == "given"]
    return given, r.times, r.observable("anc_1e9_per_L")


def test_on_demand_docetaxel_course_stops_after_the_nadir_and_a_higher_threshold_never_gives_fewer_doses():
    """docs/drugs.md's on_demand example after docetaxel 100 mg/m2, with the label's expected nadir on day 7: 14
    doses (max_doses) and ANC 26 on day 15 when the days above counted only after a fall to the threshold, which
    G-CSF prevented (review34); 6 doses for docetaxel 50, 75, 100 and none alike when any rise after a fall ended it
    (review34c). Now the course ends on the second morning above after day 7, past the count's lowest point."""
    doses = {}
    for above in (0.5, 1.0, 2.0, 4.0, 8.0):
        given, t, anc = _docetaxel_with_filgrastim(above)
        doses[above] = len(given)
        nadir_day = float(t[np.argmin(anc[t <= 10.0])])
        assert 3 <= len(given) < 14 and given[-1] >= max(nadir_day, 7.0)
        assert np.min(anc[t > given[-1]]) > np.min(anc)  # no deeper fall after the course
    counts = [doses[a] for a in sorted(doses)]
    assert counts == sorted(counts), doses


# ------------------------------------------------------------- a second fall, read up to the next cycle
def _anc_recovery():
    from hemasim.endpoints import DEFAULT_ENDPOINTS, FirstSustainedDay

    return next(e for e in DEFAULT_ENDPOINTS if isinstance(e, FirstSustainedDay) and e.threshold == 0.5)


def test_the_next_cycles_nadir_is_no_second_fall():
    """Two 21-day cycles: the ANC recovers on day 12 and falls again after the day-21 dose. Read to the run's end
    that was "fell below 0.5 again on day 26: no lasting recovery" (review34); a fall before day 21 is still told."""
    from hemasim.endpoints import FELL_AGAIN

    days = np.arange(43.0)
    v = np.full(days.size, 3.0)
    v[7:12] = 0.2
    v[28:33] = 0.2  # the second cycle's nadir
    recovery = _anc_recovery()
    cycles = [np.array([0.0, 21.0])]
    assert recovery.values(days, v[None, :]).tolist() == [12.0]
    day = recovery.values(days, v[None, :])
    assert recovery.flag_columns(days, v[None, :], day)[FELL_AGAIN].tolist() == [1.0]  # no doses known: to the end
    assert recovery.flag_columns(days, v[None, :], day, cycles)[FELL_AGAIN].tolist() == [0.0]
    assert recovery.remark(days, v, 12.0, cycles) is None
    v[17] = 0.3  # below again before the next cycle: told, neutrally
    caveat, flags = recovery.remark(days, v, 12.0, cycles)
    assert caveat == "fell below 0.5 again on day 17, before the next cycle (day 21)"
    assert dict(flags) == {"fell_below_again_day": 17.0}
    # per patient: each patient's own next dose (a delayed cycle moves it)
    both = np.vstack([v, v])
    assert recovery.flag_columns(days, both, recovery.values(days, both),
                                 [np.array([0.0, 16.0]), np.array([0.0, 21.0])])[FELL_AGAIN].tolist() \
        == [0.0, 1.0]


def test_the_q3w_docetaxel_example_tells_no_second_fall():
    from hemasim.assembly import run_scenario
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.scenario import load_scenario

    r = run_scenario(load_scenario("examples/docetaxel_q3w.yaml"))
    recovery = next(e for e in evaluate_endpoints(r) if e.name == "neutrophil_recovery_day")
    assert recovery.value is not None and recovery.caveat is None
    anc = r.observable("anc_1e9_per_L")
    assert np.any((anc < 0.5) & (r.times > 21.0))  # the later cycles do fall below 0.5


def test_a_cohort_on_q3w_docetaxel_counts_no_second_fall(tmp_path):
    """examples/cohort_docetaxel.yaml: 51% of 100 patients were counted as falling again (review34)."""
    from hemasim.cohort.runner import run_cohort
    from hemasim.scenario import load_scenario

    summary = run_cohort(load_scenario("examples/cohort_docetaxel.yaml"), 8, tmp_path / "c", progress=False,
                         report=False)
    row = next(r for r in summary["endpoints"] if r["endpoint"] == "neutrophil_recovery_day")
    assert row["fraction_reaching"] > 0 and not row["fraction_fell_again"]


# ------------------------------------------------------------- the lymphocyte triage read-out
def _irradiated(interventions: list[dict], duration_days: float = 5.0, every: float = 0.25):
    from hemasim.assembly import run_scenario
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.scenario import parse_scenario

    data = {"name": "x", "patient": {"age_years": 40, "sex": "male", "weight_kg": 80, "height_cm": 178},
            "duration_days": duration_days, "aging": False, "output": {"every_days": every},
            "interventions": interventions}
    r = run_scenario(parse_scenario(data))
    return r, {e.name: e for e in evaluate_endpoints(r)}


def test_a_fractionated_exposure_has_no_triage_read_out():
    """12 Gy in 6 fractions, 2 a day: the "24 h" count was read at the third fraction's hour, after it (0.631; 0.676
    an hour earlier; review34). The triage read-out is a single exposure's."""
    _, by = _irradiated([{"kind": "radiation", "start_day": 0, "total_dose_Gy": 12, "fractions": 6,
                          "fractions_per_day": 2, "hours_between": 6}])
    assert not any(name.endswith("_after_exposure") for name in by)


def test_a_single_exposure_keeps_its_read_out_and_a_later_one_does_not_take_it_away():
    _, one = _irradiated([{"kind": "radiation", "start_day": 0, "total_dose_Gy": 4}])
    r, two = _irradiated([{"kind": "radiation", "start_day": 0, "total_dose_Gy": 4},
                          {"kind": "radiation", "start_day": 3, "total_dose_Gy": 1}])
    for hours in (24, 48):
        name = f"lymphocytes_{hours}h_after_exposure"
        assert one[name].value == pytest.approx(two[name].value, rel=1e-9)
        assert one[name].value == pytest.approx(
            float(r.observable("lymphocytes_1e9_per_L")[np.isclose(r.times, hours / 24.0)][0]), rel=1e-9)


def test_a_read_out_after_the_run_says_so():
    _, by = _irradiated([{"kind": "radiation", "start_day": 0, "total_dose_Gy": 4}], duration_days=1.5)
    assert by["lymphocytes_24h_after_exposure"].value is not None
    late = by["lymphocytes_48h_after_exposure"]
    assert late.value is None and late.note == "after the end of the run"
    assert late.to_json()["note"] == "after the end of the run"


# ------------------------------------------------------------- a value on a day, within the outputs only
def test_a_value_on_a_day_outside_the_outputs_is_refused():
    from hemasim.endpoints import value_on_day

    days = np.array([0.0, 1.0, 2.0])
    v = np.array([[10.0, 20.0, 30.0]])
    assert value_on_day(days, v, 1.5).tolist() == [25.0]
    assert value_on_day(days, v, 2.0 + 1e-12).tolist() == [30.0]  # the last output, within round-off
    for day in (3.0, -0.5):  # read 30 and 10 before (review34), though "within them"
        with pytest.raises(ValueError, match=rf"day {day:g} is outside the outputs \(days 0-2\)"):
            value_on_day(days, v, day)
