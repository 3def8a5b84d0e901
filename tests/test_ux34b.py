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
