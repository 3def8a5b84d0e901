"""Random valid scenarios (bench/fuzz_scenarios.py, fuzz35): a few seeds of the fuzzer, and the minimal scenario of
each bug it found, inline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hemasim.assembly import run_scenario
from hemasim.scenario import ScenarioError, parse_scenario
from tests._scripts import load_script

fuzz = load_script(Path(__file__).resolve().parents[1] / "bench" / "fuzz_scenarios.py")

ADULT = {"age_years": 40, "sex": "male", "weight_kg": 70, "height_cm": 175}


def _scenario(*interventions: dict[str, Any], days: float = 10, **more: Any) -> dict[str, Any]:
    return {"name": "fuzz", "patient": dict(ADULT), "duration_days": days, "interventions": list(interventions),
            **more}


def test_the_same_seed_gives_the_same_scenario_data():
    assert fuzz.random_scenario(7) == fuzz.random_scenario(7)
    assert fuzz.random_scenario(7) != fuzz.random_scenario(8)


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "max_days", "max_interventions", "extreme"), [
    (311, 60, 3, False), (391, 60, 3, False), (2, 60, 3, False), (5, 60, 3, False), (1051, 60, 3, False),
    (2121, 150, 5, False), (7071, 60, 3, True), (7014, 60, 3, True)])
def test_random_scenarios_hold_the_invariants(seed: int, max_days: float, max_interventions: int, extreme: bool):
    """Seeds of cases the fuzzer failed on once (each now refused naming a field, or run), with a few others; the
    1-patient cohort compared too."""
    out = fuzz.check_scenario(fuzz.random_scenario(seed, max_days, max_interventions, extreme), seed,
                              cohort=seed == 1051)
    assert out.problems == []


@pytest.mark.parametrize(("groups", "applies_to", "except_groups", "field"), [
    (["hsc"], "circulating", [], "applies_to"),
    (["marrow", "precursor"], "circulating", [], "applies_to"),
    (["hsc"], "all", ["marrow"], "groups"),
])
def test_a_depletion_that_reaches_no_compartment_is_refused_naming_its_field(groups, applies_to, except_groups,
                                                                            field):
    """fuzz35 seed 311: a collection from the circulation of marrow groups passed `hemasim check` and was refused
    only as the run began, in a line that named no field; a hit whose groups are all excepted ran as no hit."""
    iv = {"kind": "cell_depletion", "day": 2, "groups": groups, "except_groups": except_groups,
          "surviving_fraction": 0.5, "applies_to": applies_to}
    with pytest.raises(ScenarioError, match=rf"^fuzz: interventions\.0\.{field}: "):
        parse_scenario(_scenario(iv), "fuzz")


def test_a_collection_that_reaches_circulating_cells_still_runs():
    iv = {"kind": "cell_depletion", "day": 2, "groups": ["marrow", "blood"], "surviving_fraction": 0.5,
          "applies_to": "circulating"}
    result = run_scenario(parse_scenario(_scenario(iv), "fuzz"))
    assert result.observable("platelets_1e9_per_L")[3] < result.observable("platelets_1e9_per_L")[1]


@pytest.mark.slow
def test_an_unmobilised_apheresis_peak_day_is_the_first_day_in_a_cohort_as_in_a_single_run():
    """fuzz35 seed 1051: without G-CSF blood CD34+ stays at rest until the session, and its peak day was the
    argmax of solver noise: 35 in a 1-patient cohort (rtol 1e-6), 0 in the single run."""
    from hemasim.cohort.runner import simulate_partition
    from hemasim.endpoints import evaluate_endpoints

    data = _scenario({"kind": "apheresis", "day": 46.5, "blood_volumes": 2.5},
                     {"kind": "cell_infusion", "day": 1.36, "compartment": "naive_cd4", "cells_per_kg": 1.5e6},
                     days=46.5, aging=False, output={"every_days": 0.5})
    data["patient"] = {"age_years": 3.25, "sex": "female", "weight_kg": 11.3, "height_cm": 71.1}
    single = {e.name: e.value for e in evaluate_endpoints(run_scenario(parse_scenario(data, "fuzz")))}
    cohort = simulate_partition({**data, "population": {"variability": False}}, 0, 0, 1, 0, None, False).endpoints
    assert single["peak_cd34_blood_day"] == 0.0
    assert cohort["peak_cd34_blood_day"].iloc[0] == 0.0


INFANT = {"age_years": 0.28, "sex": "male", "weight_kg": 5.2, "height_cm": 57.0}


def test_a_blood_loss_of_the_whole_blood_volume_is_refused_naming_its_field():
    """fuzz35 seed 2121: 1214 mL from a 5.2-kg infant (~0.43 L of blood) took every red cell; Hb was NaN from then
    on. The loss is refused before the run, naming the field."""
    data = _scenario({"kind": "blood_donation", "day": 1, "volume_mL": 1214}, days=5, aging=False)
    data["patient"] = dict(INFANT)
    with pytest.raises(ValueError, match=r"^interventions\.0\.volume_mL: 1214 mL on day 1 is the whole blood volume"):
        run_scenario(parse_scenario(data, "fuzz"))


def test_a_blood_loss_just_below_the_blood_volume_reads_finite_counts():
    import numpy as np

    data = _scenario({"kind": "blood_donation", "day": 1, "volume_mL": 400}, days=5, aging=False)
    data["patient"] = dict(INFANT)
    hb = run_scenario(parse_scenario(data, "fuzz")).observable("hemoglobin_g_per_dL")
    assert np.all(np.isfinite(hb)) and hb[-1] < hb[0]


@pytest.mark.parametrize("interventions", [
    # fuzz35 seed 7071 (minimised): a graft on day 5, outputs every 55 days: day 28 after it lies before the
    # first output after the graft
    [{"kind": "transplant", "day": 5, "source": "peripheral_blood", "cd34_per_kg": 5e6},
     {"kind": "donor_lymphocyte_infusion", "day": 24, "cd3_per_kg": 1e5}],
    [{"kind": "viral_infection", "day": 5, "inoculum_tcid50": 0.1}],  # day 28 after it, outputs on days 0, 40, 80
])
def test_a_value_on_a_day_before_the_first_output_after_its_event_is_no_value_not_a_crash(interventions):
    """value_on_day raised out of the endpoints (and so out of `hemasim run`, with a traceback) when the output grid
    was coarser than the read-out's day after its event."""
    from hemasim.endpoints import evaluate_endpoints

    every = 55.0 if interventions[0]["kind"] == "transplant" else 40.0
    data = _scenario(*interventions, days=2 * every, aging=False, output={"every_days": every})
    values = {e.name: e.value for e in evaluate_endpoints(run_scenario(parse_scenario(data, "fuzz")))}
    assert "donor_chimerism_anc_1e9_day28" not in values and "donor_t_chimerism_day28" not in values
    if "influenza_igg_day28" in values:
        assert values["influenza_igg_day28"] is None
    else:
        assert "donor_chimerism_anc_1e9_day100" in values  # a day the grid reaches is still read


def test_hemasim_check_refuses_the_loss_of_the_whole_blood_volume_as_run_does(tmp_path):
    import yaml

    from tests.conftest import invoke_hemasim

    data = _scenario({"kind": "blood_donation", "day": 1, "volume_mL": 1214}, days=5, aging=False)
    data["patient"] = dict(INFANT)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    result = invoke_hemasim("check", str(path))
    assert result.exit_code == 2
    assert f"{path}: interventions.0.volume_mL: 1214 mL on day 1 is the whole blood volume" in result.output


def test_the_reports_chimerism_table_has_no_value_where_the_endpoints_have_none():
    """fuzz35 left it: on a grid coarser than the interval (graft on day 5, outputs every 30 days: days 0, 30, 60)
    the report's lineage-chimerism table read day 14 after the graft (day 19) between the day-0 output (before the
    graft) and the day-30 one: values made up across the graft, where the endpoints have none. The table says no
    value there, and gives the endpoints' values on the days they have."""
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.interventions.chimerism import chimerism_by_day, lineage_chimerism_section
    from hemasim.report.key_results import key_results_html

    data = _scenario({"kind": "transplant", "day": 5, "source": "peripheral_blood", "cd34_per_kg": 5e6},
                     {"kind": "donor_lymphocyte_infusion", "day": 40, "cd3_per_kg": 1e6},  # the lineage endpoints
                     days=120, aging=False, output={"every_days": 30})
    result = run_scenario(parse_scenario(data, "fuzz"))
    values = {e.name: e.value for e in evaluate_endpoints(result)}
    graft, rows = chimerism_by_day(result)
    assert graft == 5.0 and [d for d, _, _ in rows] == [14, 28, 56, 84, 100]
    for d, t, m in rows:
        if d < 25:  # before the first output after the graft (day 30: 25 days after it)
            assert (t, m) == (None, None)
            assert f"donor_t_chimerism_day{d}" not in values and f"donor_myeloid_chimerism_day{d}" not in values
        else:
            assert t == values[f"donor_t_chimerism_day{d}"] and m == values[f"donor_myeloid_chimerism_day{d}"]
    section = lineage_chimerism_section(result)
    assert "<tr><td>14</td><td>&ndash;</td><td>&ndash;</td></tr>" in section
    assert "no output lies between the graft and that day" in section
    assert f"<tr><td>28</td><td>{100 * rows[1][1]:.1f}</td><td>{100 * rows[1][2]:.1f}</td></tr>" in section
    page = key_results_html({"run": evaluate_endpoints(result)}, {"run": result})
    assert f"T cells {100 * rows[-1][1]:.1f}% · myeloid {100 * rows[-1][2]:.1f}%" in page  # day 100 has a value


def test_a_key_chimerism_day_before_the_first_output_after_the_graft_says_no_value():
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.report.key_results import key_results_html

    data = _scenario({"kind": "transplant", "day": 5, "source": "peripheral_blood", "cd34_per_kg": 5e6},
                     days=120, aging=False, output={"every_days": 120})
    result = run_scenario(parse_scenario(data, "fuzz"))
    page = key_results_html({"run": evaluate_endpoints(result)}, {"run": result})
    assert "no value: no output between the graft and day 100" in page


def test_docs_scenarios_lists_every_key_an_endpoint_entry_has():
    """fuzz35 left it: docs/scenarios.md gave an entry as {value, unit, definition}; at_run_end, caveat and
    fell_below_again_day were in docs/getting_started.md only. Every key EndpointValue.to_json writes is listed."""
    import inspect

    import hemasim.endpoints as endpoints

    text = (Path(__file__).resolve().parents[1] / "docs" / "scenarios.md").read_text(encoding="utf-8")
    source = inspect.getsource(endpoints.EndpointValue.to_json)
    flags = {"at_run_end", "fell_below_again_day"}  # the flags' names (Endpoint.remark's)
    assert all(f'"{k}"' in inspect.getsource(endpoints) for k in flags)
    for key in {"value", "unit", "definition", "note", "caveat"} | flags:
        assert key in source or key in flags
        assert f"`{key}`" in text, key


@pytest.mark.parametrize("sites", [5, 12, 13])
def test_an_even_samples_clonality_is_zero_not_below(sites: int):
    """fuzz35b gene-therapy seed 48: 5 sites of equal counts (month 60, CD3) had clonality -2.2e-16 in samples.csv
    (1 - shannon / ln(sites), the Shannon index ln(5) only to rounding); docs/clonal.md: 0 is every site equally
    common."""
    import numpy as np

    from hemasim.clonal.gene_therapy import diversity_indices

    assert diversity_indices(np.full(sites, 3))["clonality"] == 0.0
    assert 0.0 <= diversity_indices(np.array([1, 2, 3, 400] * sites))["clonality"] <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize("seed", [48, 22, 19])
def test_random_gene_therapy_scenarios_hold_the_invariants(seed: int, tmp_path):
    """fuzz35b --gene-therapy: seed 48 (an even sample's clonality below zero), 22 (no transduced cells: the blocked
    lineage's samples have no cells and no marked share), 19 (samples without sites)."""
    assert fuzz.check_gene_therapy(fuzz.random_gene_therapy(seed), tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 7])
def test_random_clonal_runs_hold_the_invariants(seed: int):
    assert fuzz.check_clonal(fuzz.random_clonal(seed)) == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 100, 102])
def test_random_arms_hold_the_invariants(seed: int):
    assert fuzz.check_arms(fuzz.random_scenario(seed), seed) == []


@pytest.mark.slow
def test_a_varied_cohort_is_the_same_in_partitions_of_1_and_16_to_the_solvers_tolerance():
    """fuzz35b seed 27: 12 patients (a child with RAG-SCID, 11 Gy); the ANC nadirs of 8e-4 differ by 7.5e-7 between
    the partitionings, within rtol times the healthy ANC (the solver's absolute tolerance; docs/cohorts.md)."""
    from hemasim.scenario import parse_scenario as parse

    assert fuzz._check_population(parse(fuzz.random_scenario(27), "fuzz"), 27) == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", [102, 105, 109])
def test_random_scenarios_through_the_explorer_hold_the_invariants(seed: int):
    """fuzz35b --explorer: an upload (two arms for seeds 102 and 105, one for 109), its run's JSON, downloads and the
    written YAML."""
    assert fuzz.check_explorer(fuzz.random_scenario(seed), seed) == []


def test_a_cohorts_stochastic_graft_does_not_depend_on_the_partition_size():
    """fuzz35b seed 12064: the stochastic-engraftment draws came from one generator per partition, patient after
    patient, so a patient's engrafting cells changed with --partition-size (NK cells on day 28 204.545 in partitions
    of 16, 204.485 in partitions of 1). Each patient now draws from its own generator."""
    import numpy as np
    import pandas as pd

    from hemasim.cohort.runner import simulate_partition

    data = _scenario({"kind": "transplant", "day": 1, "source": "peripheral_blood", "cd34_per_kg": 3e5,
                      "stochastic_engraftment": True}, days=20, aging=False,
                     population={"variability": False})
    whole = simulate_partition(data, 0, 0, 4, 5, None, False).endpoints
    ones = pd.concat([simulate_partition(data, i, i, i + 1, 5, None, False).endpoints for i in range(4)],
                     ignore_index=True)
    for c in whole.select_dtypes("number").columns:
        np.testing.assert_allclose(ones[c].to_numpy(float), whole[c].to_numpy(float), rtol=1e-6, atol=1e-12,
                                   err_msg=c)
    # the patients still differ by chance (their own draws), though nothing else varies
    assert whole["nk_cells_final"].nunique() == 4
