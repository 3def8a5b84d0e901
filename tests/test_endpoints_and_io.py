"""Endpoint definitions on known series; atomic writing; bit-for-bit reproducibility."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from hemasim.assembly import run_scenario
from hemasim.endpoints import DayOfNadir, DaysBelow, FirstSustainedDay, Nadir
from hemasim.io import atomic_directory, write_run_outputs
from hemasim.scenario import load_scenario

from .conftest import EXAMPLES


@dataclass
class FakeResult:
    times: np.ndarray
    values: np.ndarray
    # a run without a scenario or doses (a recovery day reads the chemotherapy doses from it)
    record: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(scenario=None, administrations=[]))

    def observable(self, name):
        return self.values


def series():
    t = np.arange(0, 30.0)
    anc = np.full_like(t, 4.0)
    anc[8:15] = 0.3  # days 8-14 below 0.5
    anc[15:17] = 0.8
    return FakeResult(t, anc)


def test_duration_nadir_and_recovery_definitions():
    r = series()
    assert DaysBelow("anc_1e9_per_L", 0.5, "G4").evaluate(r).value == 7
    assert DaysBelow("anc_1e9_per_L", 1.0, "G3").evaluate(r).value == 9
    assert Nadir("anc_1e9_per_L", "1e9/L").evaluate(r).value == pytest.approx(0.3)
    assert DayOfNadir("anc_1e9_per_L").evaluate(r).value == 8
    # first of 3 consecutive days >= 0.5 after being below: day 15
    assert FirstSustainedDay("anc_1e9_per_L", 0.5, 3, "x").evaluate(r).value == 15
    # >= 1.0 for 3 days: day 17
    assert FirstSustainedDay("anc_1e9_per_L", 1.0, 3, "x").evaluate(r).value == 17
    never = FakeResult(np.arange(5.0), np.full(5, 4.0))
    assert FirstSustainedDay("anc_1e9_per_L", 0.5, 3, "x").evaluate(never).value is None


def test_failed_write_leaves_nothing_behind(tmp_path: Path):
    def boom(p: Path):
        p.write_text("partial")
        raise RuntimeError("disk full")

    out = tmp_path / "run"
    with pytest.raises(RuntimeError):
        atomic_directory(out, {"a.txt": lambda p: p.write_text("ok"), "b.txt": boom})
    assert list(tmp_path.iterdir()) == []


def test_rewrite_replaces_files_in_an_existing_folder(tmp_path: Path):
    out = tmp_path / "run"
    atomic_directory(out, {"a.txt": lambda p: p.write_text("one")})
    atomic_directory(out, {"a.txt": lambda p: p.write_text("two")})
    assert (out / "a.txt").read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


@pytest.mark.integration
@pytest.mark.slow
def test_same_scenario_gives_identical_files(tmp_path: Path):
    scen = load_scenario(EXAMPLES / "blood_donation.yaml")
    for name in ("a", "b"):
        write_run_outputs(run_scenario(scen), tmp_path / name)
    for f in ("timeseries.csv", "endpoints.json", "run.json"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    ep = json.loads((tmp_path / "a" / "endpoints.json").read_text())
    assert ep["hemoglobin_nadir"]["value"] < 13.8


def test_engraftment_does_not_depend_on_the_output_interval():
    """Output every 2 days must not turn "3 consecutive days" into "never" (a false primary graft failure):
    a day without output is judged by the last output before it."""
    from hemasim.endpoints import engraftment_days
    from hemasim.interventions.transplant import RECOVERY_LINEAGES, TRANSPLANT_OBSERVABLES, transplant_endpoint_values

    references = {ref: 1000.0 for _, ref, _ in RECOVERY_LINEAGES}

    def anc(days):  # aplasia from day 5, back above 0.5e9/L from day 21
        return np.where((days >= 5) & (days < 21), 0.1, 2.0)[None, :]

    daily, every2 = np.arange(0.0, 60.0, 1.0), np.arange(0.0, 60.0, 2.0)
    assert engraftment_days(daily, anc(daily), 0.5, 3)[0] == 21
    assert engraftment_days(every2, anc(every2), 0.5, 3)[0] == 22
    for days in (daily, every2):
        obs = {name: np.full((1, days.size), 500.0) for name in TRANSPLANT_OBSERVABLES}
        obs["anc_1e9_per_L"] = anc(days)
        values = {name: v[0] for name, _, _, v in transplant_endpoint_values(days, obs, references)}
        assert values["primary_graft_failure"] == 0.0


def _daily_ok_by_definition(days, ok):
    """daily_ok's definition written out day by day: a day with outputs is ok when all of them are; a day without
    one takes the last output before it; days before the first output are not ok."""
    idx = np.floor(days + 1e-9).astype(int)
    out = np.zeros((ok.shape[0], idx[-1] + 1), dtype=bool)
    for d in range(idx[-1] + 1):
        at = np.nonzero(idx == d)[0]
        before = np.nonzero(idx <= d)[0]
        if len(at):
            out[:, d] = ok[:, at].all(axis=1)
        elif len(before):
            out[:, d] = out[:, idx[before[-1]]]
    return out


@pytest.mark.parametrize("days", [np.arange(0.0, 40.0), np.arange(0.0, 40.0) + 1e-12, np.arange(0.0, 20.0, 0.5),
                                  np.arange(0.0, 60.0, 3.0), np.arange(2.0, 40.0), np.array([0.0, 1.0, 3.0, 4.0])])
def test_daily_ok_daily_outputs_and_the_general_path(days):
    """daily_ok on one output a day from day 0 (the cohorts' grid: a shortcut returns the outputs themselves) and on
    other grids (sub-daily, coarser, a late start, a gap) equals its definition; the result is a new bool array."""
    from hemasim.endpoints import daily_ok

    rng = np.random.default_rng(7)
    ok = rng.random((25, days.size)) < 0.8
    got = daily_ok(days, ok)
    assert got.dtype == bool and np.array_equal(got, _daily_ok_by_definition(days, ok))
    got[:] = False
    assert ok.any()  # the caller's array is not the result
    as_int = daily_ok(days, ok.astype(np.int64))
    assert as_int.dtype == bool and np.array_equal(as_int, _daily_ok_by_definition(days, ok))


def test_a_recovery_whose_count_never_fell_has_no_day_and_says_so():
    from hemasim.interventions.transplant import TRANSPLANT_OBSERVABLES, transplant_endpoint_values

    days = np.arange(0.0, 61.0)
    # patient 0: CD4 stays at 500/uL (never below 200: the old endpoint read day 0); patient 1: falls to 50 on day
    # 3 and is back at 250 from day 40
    cd4 = np.array([np.full(days.size, 500.0), np.where((days >= 3) & (days < 40), 50.0, 250.0)])
    obs = {name: np.ones((2, days.size)) for name in TRANSPLANT_OBSERVABLES} | {"cd4_per_uL": cd4}
    refs = {"nk_reference_per_uL": 1.0, "cd8_reference_per_uL": 1.0, "b_reference_per_uL": 1.0,
            "cd4_reference_per_uL": 800.0}
    cols = {c.name: c.values for c in transplant_endpoint_values(days, obs, refs)}
    assert np.isnan(cols["cd4_200_day"][0]) and cols["cd4_200_day"][1] == 40.0
    assert list(cols["cd4_200_day_did_not_fall"]) == [1.0, 0.0]
    # half the reference (400/uL): patient 0 never fell below it, patient 1 never recovered to it
    assert np.isnan(cols["cd4_50pct_normal_day"]).all()
    assert list(cols["cd4_50pct_normal_day_did_not_fall"]) == [1.0, 0.0]
    assert list(cols["nk_50pct_normal_day_did_not_fall"]) == [1.0, 1.0]


def test_a_response_or_an_infection_that_never_rose_has_no_day_and_says_so():
    """A vaccine without a plasmablast rise (no B cells) has no peak day, a virus never detectable and a bacterial
    inoculum that never reached 1 CFU have no clearance day: each read day 0 before."""
    from hemasim.interventions.infection import infection_endpoint_values
    from hemasim.interventions.vaccine import vaccine_endpoint_values
    from hemasim.interventions.viral_infection import VIRUS_DETECTION_TCID50, viral_endpoint_values

    times = np.arange(0.0, 21.0)
    flat, peak = np.zeros(times.size), np.exp(-0.5 * (times - 7.0) ** 2)
    common = {"wbc_1e9_per_L": np.ones((2, times.size)), "anc_1e9_per_L": np.ones((2, times.size)),
              "lymphocytes_1e9_per_L": np.ones((2, times.size)), "cd34_blood_per_uL": np.ones((2, times.size))}
    pb = {"tetanus_plasmablasts_au": np.array([flat, peak]), "tetanus_igg_au": np.ones((2, times.size))}
    cols = {c.name: c.values for c in vaccine_endpoint_values(times, pb, {"tetanus": [(0.0, 1.0)]})}
    assert np.isnan(cols["tetanus_plasmablast_peak_day"][0]) and cols["tetanus_plasmablast_peak_day"][1] == 7.0
    assert list(cols["tetanus_plasmablast_peak_day_did_not_rise"]) == [1.0, 0.0]
    load = np.array([np.full(times.size, 0.1 * VIRUS_DETECTION_TCID50), 10 * VIRUS_DETECTION_TCID50 * peak])
    virus = {"flu_viral_load": load, "flu_cd8_effectors_au": np.ones((2, times.size)),
             "flu_igg_au": np.ones((2, times.size)), **common}
    cols = {c.name: c.values for c in viral_endpoint_values(times, virus, {"flu": 0.0})}
    assert np.isnan(cols["flu_clearance_day"][0]) and cols["flu_clearance_day"][1] > 7.0
    assert list(cols["flu_clearance_day_did_not_rise"]) == [1.0, 0.0]
    cfu = {"bacteria_cfu": np.array([np.full(times.size, 0.5), 1e6 * peak]), **common}
    cols = {c.name: c.values for c in infection_endpoint_values(times, cfu, {"bacteria": 0.0})}
    assert np.isnan(cols["bacteria_clearance_day"][0]) and cols["bacteria_clearance_day"][1] > 7.0
    assert list(cols["bacteria_clearance_day_did_not_rise"]) == [1.0, 0.0]


def test_endpoints_json_drops_the_round_off_and_keeps_the_values(tmp_path: Path):
    """A healthy run's ANC nadir read 4.749999999999999 in endpoints.json for its set point 4.75 (firsthour27): the
    file writes 15 significant digits, each value within 1e-12 of the endpoint in memory."""
    import hemasim as hs
    from hemasim.biology import REFERENCE_ADULT, healthy_human_model
    from hemasim.endpoints import evaluate_endpoints

    result = hs.Simulation(healthy_human_model(REFERENCE_ADULT), seed=0).run(duration_days=10)
    write_run_outputs(result, tmp_path / "run", report=False)
    written = json.loads((tmp_path / "run" / "endpoints.json").read_text())
    in_memory = {e.name: e.value for e in evaluate_endpoints(result)}
    assert written.keys() == in_memory.keys()
    for name, value in in_memory.items():
        got = written[name]["value"]
        assert (got is None) == (value is None), name
        if value is not None:
            assert got == pytest.approx(value, rel=1e-12, abs=0.0), name
            assert len(repr(got).split("e")[0].replace("-", "").replace(".", "").strip("0")) <= 15, (name, got)
    assert written["anc_nadir"]["value"] == pytest.approx(4.75, rel=1e-12)  # the set point, as the run starts there
