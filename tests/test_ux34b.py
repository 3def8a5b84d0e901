"""A Python user's first hour in a notebook (ux34b): what a result says of itself, the units of its table, its
endpoints by name, a parameter's source, and a progress display in a notebook without ipywidgets."""

from __future__ import annotations

import sys
import warnings

import pytest

import hemasim as hs
from hemasim._progress import tracked
from hemasim.endpoints import evaluate_endpoints
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def healthy():
    scenario = hs.load_scenario(EXAMPLES / "healthy_adult.yaml").model_copy(update={"duration_days": 20.0})
    return hs.run_scenario(scenario)


def test_a_results_repr_says_what_it_holds_in_a_line(healthy):
    """A notebook cell ending in `result` printed the dataclass's repr: the whole compiled model and every array,
    95,000 characters for the healthy adult."""
    text = repr(healthy)
    assert len(text) < 400, text[:400]
    assert "'healthy adult'" in text and "one patient" in text and "days 0-20" in text and "seed 0" in text
    assert "anc_1e9_per_L" in text and ".units" in text and ".endpoints()" in text


def test_a_cohorts_repr_names_its_patients():
    from hemasim.biology import Covariates

    model = hs.healthy_human_model(Covariates(
        age_years=[30.0, 60.0], sex=["male", "female"], weight_kg=[70.0, 60.0], height_cm=[175.0, 160.0]))
    result = hs.Simulation(model).run(2.0, observe=["anc_1e9_per_L"])
    assert "a cohort of 2 patients" in repr(result) and "(1 in all)" not in repr(result)
    assert ".patient(i)" in repr(result) and ".endpoints()" not in repr(result)  # a cohort has no single table


def test_every_column_of_the_table_has_its_unit_and_what_it_counts(healthy):
    table = healthy.observables
    assert list(healthy.units) == list(table.columns)
    assert table.attrs["units"] == healthy.units
    assert healthy.units["time_days"] == "day" and healthy.units["anc_1e9_per_L"] == "1e9/L"
    assert healthy.units["hsc_divisions_per_day"] == "cells/day"
    assert set(table.attrs["descriptions"]) == set(table.columns)
    assert table.attrs["descriptions"]["anc_1e9_per_L"] == "absolute neutrophil count"


def test_the_endpoints_are_read_by_name_from_the_result(healthy):
    endpoints = healthy.endpoints()
    assert list(endpoints) == [e.name for e in evaluate_endpoints(healthy)]
    assert endpoints["anc_nadir"].unit == "1e9/L" and endpoints["days_anc_below_0p5"].value == 0.0


def test_a_parameter_says_its_source_and_an_override_what_it_replaced():
    params = hs.healthy_adult_parameters()
    assert params["neutrophil_circulating_fraction"].source.startswith("Athens1961, ")
    assert params["bacteria_growth_per_day"].source.startswith("assumed (no source yet")
    changed = params.with_values(neutrophil_circulating_fraction=0.5, bacteria_growth_per_day=3.0)
    # a fraction's unit "1" was written after the value as if a digit: "default was: 0.44 1, Athens1961"
    assert changed["neutrophil_circulating_fraction"].source.startswith("set by the user (default was: 0.44, Athens")
    assert changed["bacteria_growth_per_day"].source.startswith("set by the user (default was: 4.0 1/day, ")


def test_a_notebook_without_ipywidgets_counts_the_steps_as_text(monkeypatch, capsys):
    """rich's live bar draws nothing in a Jupyter kernel without ipywidgets and warns at every refresh (a 500-patient
    cohort in a notebook: 20 'install "ipywidgets"' warnings and an empty output)."""
    import rich.console

    monkeypatch.setattr(rich.console, "_is_jupyter", lambda: True)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # not installed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(tracked(range(3), True, "cohort partitions")) == [0, 1, 2]
        assert list(tracked(iter(range(2)), True, "steps", total=2, count=True)) == [0, 1]
    err = capsys.readouterr().err
    assert "\rcohort partitions: 3/3\n" in err and "\rsteps: 2/2\n" in err


def test_a_misspelt_parameter_name_is_answered_with_the_one_meant():
    """The KeyError listed the set's 220 names, alphabetically, and nothing else (a scenario's parameters already
    said "did you mean"); a fraction's bounds error read "=5.0 1"."""
    params = hs.healthy_adult_parameters()
    with pytest.raises(KeyError, match=r"not in set 'healthy_adult' \(did you mean neutrophil_circulating_fraction\?\)"):
        params.with_values(neutrophil_circ_fraction=0.5)
    with pytest.raises(ValueError, match=r"neutrophil_circulating_fraction=5.0 is outside its bounds \[0.2, 1.0\]"):
        params.with_values(neutrophil_circulating_fraction=5)


def test_a_missing_field_of_named_values_says_them():
    """A chemotherapy block without its route was told "route: required field is missing", not which routes."""
    from hemasim.scenario import ScenarioError, parse_scenario

    data = {"name": "x", "duration_days": 30,
            "patient": {"age_years": 50, "sex": "female", "weight_kg": 60, "height_cm": 160},
            "interventions": [{"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 75,
                               "schedule": {"start_day": 0, "every_days": 21, "cycles": 2}}]}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    assert str(err.value).endswith(
        "interventions.0.route: required field is missing (allowed: iv_bolus, iv_infusion, subcutaneous, oral)")


def test_a_shipped_example_is_read_where_it_is_installed():
    """A notebook outside a clone has no examples/ folder; the only way shown was the command that copies them."""
    assert "examples_folder" in dir(hs)
    scenario = hs.load_scenario(hs.examples_folder() / "healthy_adult.yaml")
    assert scenario.name == "healthy adult"


def test_a_parameter_sets_repr_says_how_many_and_how_to_list_them():
    params = hs.healthy_adult_parameters()
    assert repr(params) == (f"<ParameterSet 'healthy_adult': {len(params)} parameters; .to_records() lists them "
                            "with units and sources>")
