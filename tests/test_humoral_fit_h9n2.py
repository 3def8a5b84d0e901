"""The humoral fit of branches humfit36 and humfit36b (bench/humoral_fit_h9n2.py; docs/sensitivity.md, "Humoral
fit"): its data file loads as the fit reads it, the amended (conditional, joint) fit's rounds hold what is not
identifiable at main's values, and the records carry what was adopted (nothing, by its last round) and what was found."""

import csv
import json
import math
from pathlib import Path

import pytest

from hemasim.parameters import healthy_adult_parameters
from hemasim.parameters.core import Assumed, Calibrated, Fitted

ROOT = Path(__file__).parents[1]
DATA = "data/h9n2_vaccine_dose_course/mn_gmt.csv"
FITTED = ("vaccine_b_expansion_per_day", "vaccine_memory_fraction", "long_lived_plasma_cell_fraction")
NOT_IDENTIFIABLE = ("recall_long_lived_plasma_cell_fraction", "vaccine_antigen_half_saturation_au")
I3_CALIBRATED = ("vaccine_antigen_half_life_days", "vaccine_b_differentiation_per_day")


def test_the_data_file_loads_with_an_interval_around_every_fitted_gmt():
    with (ROOT / DATA).open() as fh:
        rows = list(csv.DictReader(fh))
    fit = [r for r in rows if r["use"] == "fit"]
    assert len(fit) == 15  # 5 dose groups x days 21, 42 and 180
    assert {r["dose_ug"] for r in fit} == {"3.75", "7.5", "15", "30", "45"}
    assert {r["study_day"] for r in fit} == {"21", "42", "180"}
    for r in fit:
        lo, gmt, hi = float(r["gmt_ci_low"]), float(r["gmt"]), float(r["gmt_ci_high"])
        assert 0 < lo < gmt < hi
        # a GMT's CI is symmetric on the log scale up to the table's rounding
        assert math.log(gmt / lo) / math.log(hi / gmt) == pytest.approx(1.0, abs=0.05)
    readme = (ROOT / DATA).parent.joinpath("README.md").read_text(encoding="utf-8")
    assert "aichinger2015_t4" in readme and "NCT01320696" in readme


def test_the_amended_fit_adopts_only_what_its_last_round_identifies():
    """The amended fit (humfit36b: conditional, joint with I3): a parameter found not identifiable in a round is held at
    main's value in the next; the values shipped are the last round's identifiable estimates and main's values for the
    rest (none identifiable in the last round: nothing adopted), each record saying what the fits found."""
    params = healthy_adult_parameters()
    result = json.loads((ROOT / "bench/results/humoral_fit_h9n2.json").read_text())
    rounds = result["rounds"]
    for before, after in zip(rounds, rounds[1:], strict=False):
        lost = {p["name"] for p in before["profiles"] if p["status"] != "identifiable"}
        assert lost and lost <= set(after["held"])
        assert {f["name"] for f in after["freed"]} == {f["name"] for f in before["freed"]} - lost
        for f in before["freed"]:
            if f["name"] in lost:
                assert after["held"][f["name"]] == f["main"]
    last = rounds[-1]
    identified = {p["name"] for p in last["profiles"] if p["status"] == "identifiable"}
    freed_ever = [f["name"] for f in rounds[0]["freed"]]
    assert set(freed_ever) == {*FITTED, *I3_CALIBRATED}
    for name in freed_ever:
        p = params[name]
        if name in identified and len(identified) == len(last["freed"]):
            assert isinstance(p.provenance, Fitted) and p.value == pytest.approx(last["estimates"][name], rel=5e-4)
        else:  # held: main's value, its provenance as on main, the fits' findings in its record
            assert p.value == next(f["main"] for f in rounds[0]["freed"] if f["name"] == name)
            assert isinstance(p.provenance, Calibrated if name in I3_CALIBRATED else Assumed), name
            assert "humfit36b" in p.provenance.how, name
    for name in NOT_IDENTIFIABLE:
        assert isinstance(params[name].provenance, Assumed), name
        assert params[name].value == last["held"][name] == result["held_first_fit"][name]
        assert "humfit36" in params[name].provenance.how
    # the first fit's result, kept: the two held now were not identifiable there
    first = {p["name"]: p for p in json.loads((ROOT / "bench/results/humoral_fit_h9n2_first.json").read_text())[
        "profiles"]}
    assert all(first[n]["status"] != "identifiable" for n in NOT_IDENTIFIABLE)


def test_the_fit_reads_no_target_and_its_problem_is_the_data_file():
    """The problem the script wrote measures exactly the data file's fitted GMTs (one row each, model day = study
    day + 1), each with the log-scale SE of its 95% CI as sigma, and I3's one datum (the amendment's joint fit: peak
    day 7.5, SE 0.25 d, normal); it holds the first fit's two not identifiable at their shipped values."""
    import yaml

    problem = yaml.safe_load((ROOT / "bench/humoral_fit/problem.yaml").read_text())
    with (ROOT / "bench/humoral_fit/measurements.csv").open() as fh:
        meas = list(csv.DictReader(fh))
    with (ROOT / DATA).open() as fh:
        fit = [r for r in csv.DictReader(fh) if r["use"] == "fit"]
    titres, i3 = meas[:-1], meas[-1]
    assert len(titres) == len(fit)
    noise = {o["id"]: o["noise"] for o in problem["observables"]}
    for m, r in zip(titres, fit, strict=True):
        assert float(m["value"]) == float(r["gmt"])
        assert float(m["time_days"]) == float(r["study_day"]) + 1.0
        se = math.log(float(r["gmt_ci_high"]) / float(r["gmt_ci_low"])) / (2 * 1.959963984540054)
        assert noise[m["observable"]] == {"model": "lognormal", "sigma": pytest.approx(se, abs=1e-6)}
    assert (i3["condition"], float(i3["value"])) == ("i3_tetanus_one_dose", 7.5)
    assert noise[i3["observable"]] == {"model": "additive", "sigma": 0.25}
    params = {p["id"]: p for p in problem["parameters"]}
    shipped = healthy_adult_parameters()
    for name in NOT_IDENTIFIABLE:  # the conditional fit: held at the value users get
        assert params[name].get("estimate") is False
        assert params[name]["nominal"] == shipped[name].value
    assert {n for n, p in params.items() if p.get("estimate", True)} <= {
        "vaccine_b_expansion_per_day", "vaccine_memory_fraction", "long_lived_plasma_cell_fraction",
        "vaccine_antigen_half_life_days", "vaccine_b_differentiation_per_day"}
