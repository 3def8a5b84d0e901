"""mend37h: review37h's findings held - a Result without start states gives a day-0 insult's naive CD4 ratio none
with its note (no crash), a cohort's start values read at once (the same as patient by patient), and only a
cell depletion that reaches T cells is an insult the ratio's "before" precedes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.test_naive_cd4_endpoints import _short_graft


def test_a_result_without_start_states_gives_none_with_the_note():
    # review37h: "this result has no start states" raised for a day-0 conditioning on a pickled-before or hand-built
    # Result; the ratio has no "before" there, as the EndpointContext without start values says
    from hemasim.assembly import run_scenario, scenario_endpoint_columns
    from hemasim.interventions.transplant import NO_OUTPUT_BEFORE

    scenario = _short_graft([{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0},
                             {"kind": "transplant", "day": 6, "source": "bone_marrow", "cd34_per_kg": 3.0e6}])
    result = dataclasses.replace(run_scenario(scenario), start_states=None)
    cols = {c.name: c for c in scenario_endpoint_columns(scenario, result)}
    ratio = cols["naive_cd4_ratio_month12_to_before"]
    assert np.isnan(ratio.values).all() and ratio.missing == NO_OUTPUT_BEFORE
    assert np.isfinite(cols["naive_cd4_per_uL_month12"].values).all()  # the other read-outs are kept


def test_a_cohorts_start_values_equal_each_patients_own():
    # review37h: start_values looped model.patient(i) (~0.9 s per 1000 patients); read at once, the same numbers
    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.simulation import Result

    cohort = Covariates(age_years=np.array([7.7, 40.0, 75.0]), sex=np.array(["male", "female", "male"]),
                        weight_kg=np.array([25.9, 55.0, 80.0]))
    model = healthy_human_model(cohort).compile()
    # states off the steady state (each patient's own), so that flux-weighted observables differ too
    states = np.asarray(model.x0, dtype=np.float64) * np.random.default_rng(3).uniform(0.5, 1.5, model.x0.shape)
    result = Result(model, np.array([0.0]), np.zeros((1, 1)), None,  # type: ignore[arg-type]
                    start_states=states)  # no run: start_values reads the model and the states alone
    for name in ("naive_cd4_per_uL", "anc_1e9_per_L", "platelets_1e9_per_L", *model.observable_names[::7]):
        looped = np.array([model.patient(i).observables(np.array([0.0]), states[i][None])[
            0, model.observable_names.index(name)] for i in range(3)])
        np.testing.assert_allclose(result.start_values(name), looped, rtol=1e-12, atol=1e-300)
    assert len(set(result.start_values("naive_cd4_per_uL"))) == 3


@pytest.mark.parametrize(("depletion", "counts"), [
    ({"groups": ["megakaryocytic"], "applies_to": "circulating"}, False),  # a plateletpheresis
    ({"groups": ["erythroid"]}, False),
    ({"groups": ["lymphocyte"], "except_groups": ["t_cell"]}, False),  # B and NK cells: no naive CD4 taken
    ({"groups": ["lymphocyte"], "applies_to": "circulating"}, True),  # a photopheresis-style collection
    # the model's T-cell compartments carry no "blood" tag (their blood share is a share of each): a "blood"
    # depletion takes the blood compartments' cells, no naive CD4
    ({"groups": ["t_cell"]}, True), ({"groups": ["cd4"], "except_groups": ["cd8"]}, True),
    ({"groups": ["blood"]}, False),
    # review37i: a CD8 depletion reaches T-cell compartments but takes no naive CD4
    ({"groups": ["cd8"]}, False), ({"groups": ["t_cell"], "except_groups": ["cd4"]}, False),
    ({"groups": ["lymphocyte"], "except_groups": ["cd4"]}, False),
    ({"groups": ["cd8"], "applies_to": "circulating"}, False)],
    ids=["plateletpheresis", "erythroid", "b_nk", "photopheresis", "t_cell", "cd4", "blood", "cd8", "t_cell_not_cd4",
         "lymphocyte_not_cd4", "cd8_circulating"])
def test_only_a_depletion_reaching_t_cells_comes_before_the_naive_cd4_ratio(depletion, counts):
    # review37h: every cell_depletion counted as an insult, a plateletpheresis on day 10 read "before" on day 5
    from hemasim.interventions.cell_depletion import CellDepletionSpec
    from hemasim.interventions.transplant import NaiveCd4Endpoints, first_insult_or_graft_day
    from hemasim.scenario import parse_scenario

    graft = {"kind": "transplant", "day": 35, "source": "bone_marrow", "cd34_per_kg": 3.0e6}
    scenario = parse_scenario({"name": "g", "duration_days": 400, "patient": {"age_years": 30, "sex": "male",
                                                                             "weight_kg": 70, "height_cm": 175},
                               "interventions": [{"kind": "conditioning", "regimen": "cy_atg", "start_day": 30},
                                                 {"kind": "cell_depletion", "day": 10, "surviving_fraction": 0.5,
                                                  **depletion}, graft]})
    assert isinstance(next(iv for iv in scenario.interventions if iv.kind == "cell_depletion"), CellDepletionSpec)
    assert first_insult_or_graft_day(scenario.interventions, 35.0) == (10.0 if counts else 30.0)
    family = NaiveCd4Endpoints.of(scenario.interventions)
    assert family is not None and family.first_kind == ("cell depletion" if counts else "conditioning")


def _bench_screen():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "regimen_screen.py"
    spec = importlib.util.spec_from_file_location("regimen_screen_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_regimen_screen_keeps_the_fraction_measured_apart_out_and_its_row():
    # review37h: cy_atg's progenitor fraction is assumed again, so a run of the whole screen took it in at x0.5-x2
    # (0.049-0.196, above the 0.0989 bound), into the regimen's Morris design, and dropped its note and range
    from hemasim.sensitivity.screen import regimen_screen

    rs = _bench_screen()
    key = ("cy_atg", 0, "progenitor")
    assert key in {k for k, _, _ in rs.screened_values(apart=True)}
    screened = rs.screened_values()  # the one-at-a-time jobs and each regimen's Morris design are drawn from these
    assert key not in {k for k, _, _ in screened}
    assert {k for k, _, _ in screened if k[0] == "cy_atg"} == {("cy_atg", 0, "hsc"), ("cy_atg", 0, "lymphoid"),
                                                                ("cy_atg", 1, "lymphoid")}
    committed = next(r for r in regimen_screen()["fractions"] if (r["regimen"], r["component"], r["class"]) == key)
    assert committed["range"] == [0.001, 0.0989] and "measured apart" in committed["note"]
    assert "not in the Morris design" in committed["note"]
    # the row the screen writes for it is the measured one: its range, outcome and a note of how
    value, day = next((v, d) for k, v, d in rs.screened_values(apart=True) if k == key)
    row = rs.measured_apart_row(key, value, day, committed["targets"])
    assert {k: row[k] for k in committed if k != "note"} == {k: v for k, v in committed.items() if k != "note"}
    assert row["range"] == [0.001, 0.0989] and "measured apart (bench/cy_atg_progenitor_screen.py)" in row["note"]
    assert "s 0.001-0.0989" in row["note"] and "not in the Morris design" in row["note"]
