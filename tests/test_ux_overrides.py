"""Parameter overrides: ``parameters:`` in a scenario and ``--set NAME=VALUE`` (issue 19, item 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hemasim.scenario import ScenarioError, parse_scenario
from hemasim.scenario.overrides import parse_set_options, with_set_options
from tests.conftest import invoke_hemasim

BASE = {"name": "t", "patient": {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175},
        "duration_days": 5, "output": {"every_days": 1}}


def scenario(**more: object):
    return parse_scenario({**BASE, **more})


def test_a_number_or_a_value_with_its_unit_is_accepted():
    s = scenario(parameters={"igg_half_life_days": 25, "bacteria_growth_per_day": {"value": 3, "unit": "1/day"}})
    assert s.parameters == {"igg_half_life_days": 25.0, "bacteria_growth_per_day": 3.0}


@pytest.mark.parametrize(("parameters", "words"), [
    ({"igg_half_life_dayz": 25}, ["parameters.igg_half_life_dayz", "unknown parameter", "igg_half_life_days"]),
    ({"igg_half_life_days": {"value": 25, "unit": "week"}}, ["igg_half_life_days.unit", "'day'", "'week'"]),
    ({"igg_half_life_days": 1000}, ["igg_half_life_days", "outside the parameter's bounds", "[5, 60]"]),
    ({"igg_half_life_days": "25"}, ["igg_half_life_days", "must be a number"]),
    ({"igg_half_life_days": float("nan")}, ["igg_half_life_days", "finite"]),
    ({"igg_half_life_days": True}, ["igg_half_life_days", "expected a number"]),
    ({"igg_half_life_days": {"value": 25, "units": "day"}}, ["igg_half_life_days", "value: NUMBER"]),
    ([1, 2], ["parameters", "mapping"]),
])
def test_bad_overrides_name_the_field(parameters, words):
    with pytest.raises(ScenarioError) as err:
        scenario(parameters=parameters)
    text = str(err.value)
    assert "\n" not in text
    for w in words:
        assert w in text, text


def test_a_number_in_exponent_form_is_read_as_in_the_rest_of_a_scenario():
    # branch firsthour3: PyYAML reads `hsc_count: 2e5` as the string '2e5'; the scenario's own fields take it
    # (cd34_per_kg: 5e6), the parameters block refused it ("the value must be a number (got '2e5')")
    import yaml

    data = yaml.safe_load("hsc_count: 2e5\nbacteria_growth_per_day: {value: 3E0, unit: 1/day}")
    assert data["hsc_count"] == "2e5"  # what the block receives
    assert scenario(parameters=data).parameters == {"hsc_count": 2e5, "bacteria_growth_per_day": 3.0}
    with pytest.raises(ScenarioError, match="outside the parameter's bounds"):
        scenario(parameters={"hsc_count": "2e99"})  # read as a number, then checked as one


def test_the_friberg_chain_refuses_overrides():
    with pytest.raises(ScenarioError, match="Friberg chain"):
        scenario(model={"kind": "friberg_chain", "drug_set": "docetaxel_friberg2002"},
                 parameters={"igg_half_life_days": 25})


def test_set_options_are_numbers_never_code():
    assert parse_set_options(["igg_half_life_days=25", " bacteria_growth_per_day = 3e0 "]) == {
        "igg_half_life_days": 25.0, "bacteria_growth_per_day": 3.0}
    for bad in ("igg_half_life_days", "igg_half_life_days=__import__('os')", "=3", "igg_half_life_days=2*10"):
        with pytest.raises(ValueError, match="--set"):
            parse_set_options([bad])


def test_a_set_value_written_with_its_unit_is_refused_with_the_unit_to_leave_out():
    with pytest.raises(ValueError, match=r"'3/day' is not a number; write the number alone, in the parameter's "
                                         r"unit \(1/day\)"):
        parse_set_options(["bacteria_growth_per_day=3/day"])


def test_set_options_win_over_the_scenario_and_its_arms():
    s = scenario(parameters={"igg_half_life_days": 20},
                 arms=[{"name": "a", "parameters": {"igg_half_life_days": 30}}, {"name": "b"}])
    out = with_set_options(s, ["igg_half_life_days=25"])
    assert out.parameters["igg_half_life_days"] == 25.0
    assert all(arm.parameters["igg_half_life_days"] == 25.0 for arm in out.arms if arm.parameters)


def test_an_override_changes_the_model_and_is_recorded_as_the_users():
    from hemasim.assembly import build_model

    model = build_model(scenario(parameters={"hsc_count": 50000}, aging=False))
    assert model.parameters["hsc_count"].value == 50000
    assert model.parameters["hsc_count"].provenance.describe().startswith("set by the user (default was: ")


@pytest.mark.cli
def test_run_with_set_records_the_override_in_run_json(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps({**BASE, "aging": False}))
    res = invoke_hemasim("run", str(path), "--out", str(tmp_path / "o"), "--set", "hsc_count=50000")
    assert res.exit_code == 0, res.output
    record = json.loads((tmp_path / "o" / "run.json").read_text())
    hsc = next(p for p in record["parameters"] if p["name"] == "hsc_count")
    assert hsc["value"] == 50000 and hsc["source"].startswith("set by the user")
    html = (tmp_path / "o" / "report.html").read_text()
    assert "user override" in html


@pytest.mark.cli
def test_run_with_a_bad_set_exits_2_and_writes_nothing(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(BASE))
    res = invoke_hemasim("run", str(path), "--out", str(tmp_path / "o"), "--set", "hsc_cont=5")
    assert res.exit_code == 2
    assert "hsc_cont" in res.output and "hsc_count" in res.output
    assert not (tmp_path / "o").exists()


def test_set_options_meet_the_friberg_chain_check():
    from hemasim.scenario import ScenarioError

    s = scenario(model={"kind": "friberg_chain", "drug_set": "docetaxel_friberg2002"})
    with pytest.raises(ScenarioError, match="--set: parameters: the Friberg chain"):
        with_set_options(s, ["igg_half_life_days=25"])


def test_a_cohort_draws_its_patients_around_the_overridden_values(monkeypatch):
    import hemasim.cohort.runner as runner

    seen = {}

    class Drawn(Exception):
        pass

    def capture(population, patient, params, *args, **kwargs):
        seen["params"] = params
        raise Drawn

    monkeypatch.setattr(runner, "draw_patients", capture)
    data = scenario(parameters={"igg_half_life_days": 25}, population={"variability": True}).model_dump(mode="json")
    with pytest.raises(Drawn):
        runner.simulate_partition(data, 0, 0, 2, 0, None, False)
    record = seen["params"]["igg_half_life_days"]
    assert record.value == 25.0 and record.provenance.describe().startswith("set by the user")


def test_overrides_reach_what_interventions_read_from_the_parameters():
    """A `parameters:` value read by a kind when it makes its events (a graft's content per CD34+ cell, the
    radiosensitivity of a TBI fraction) is the overridden one, not the default table's."""
    from hemasim.assembly import build_events
    from hemasim.scenario import parse_scenario

    base = {"name": "graft", "patient": {"age_years": 40, "sex": "male", "weight_kg": 75, "height_cm": 178},
            "duration_days": 30, "interventions": [{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0},
                                                   {"kind": "transplant", "day": 6, "source": "peripheral_blood",
                                                    "cd34_per_kg": 5.0e6}]}
    default = build_events(parse_scenario(base, source="t"))
    doubled = build_events(parse_scenario({**base, "parameters": {"graft_short_term_units_per_cd34": 8.46e-6,
                                                                   "radiosensitivity_alpha_hsc_per_Gy": 0.3}},
                                          source="t"))
    assert len(default) == len(doubled)
    assert any(repr(a) != repr(b) for a, b in zip(default, doubled, strict=True))
    graft = [(a, b) for a, b in zip(default, doubled, strict=True) if type(a).__name__ == "Transplant"]
    assert graft and repr(graft[0][0]) != repr(graft[0][1])


def test_a_fitted_set_reaches_the_events_and_the_scenario_overrides_win(tmp_path):
    """A fitted `parameter_set` value read by a kind (a graft's content per CD34+ cell) reaches its events, and
    the scenario's own `parameters:` win over the fitted set, in the model and in the events."""
    from hemasim.assembly import build_events, build_model
    from hemasim.scenario import parse_scenario

    fitted = tmp_path / "fitted.yaml"
    fitted.write_text("provenance: {data: [synthetic], problem: test, objective: 1.0}\n"
                      "parameters:\n  - {name: graft_short_term_units_per_cd34, value: 8.46e-6}\n"
                      "  - {name: mpp_residence_days, value: 12.0}\n", encoding="utf-8")
    base = {"name": "graft", "patient": {"age_years": 40, "sex": "male", "weight_kg": 75, "height_cm": 178},
            "duration_days": 30, "interventions": [{"kind": "transplant", "day": 6, "source": "peripheral_blood",
                                                    "cd34_per_kg": 5.0e6}]}

    def graft(data: dict) -> str:
        events = build_events(parse_scenario(data, source="t"))
        return next(repr(e) for e in events if type(e).__name__ == "Transplant")

    plain = graft(base)
    with_set = {**base, "parameter_set": str(fitted)}
    assert graft(with_set) != plain
    assert graft({**with_set, "parameters": {"graft_short_term_units_per_cd34": 8.46e-6}}) == graft(with_set)
    model = build_model(parse_scenario({**with_set, "parameters": {"mpp_residence_days": 9.0}}, source="t"))
    assert model.parameters.value("mpp_residence_days") == 9.0
    assert build_model(parse_scenario(with_set, source="t")).parameters.value("mpp_residence_days") == 12.0
