"""Two new users' first hour, thirty-fourth walk (branch ux34): a radiation-emergency physician and an immunologist of
ageing; what misled them, held."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hemasim.biology import Covariates, healthy_human_model
from hemasim.simulation import Simulation

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _settled(age: float):
    model = healthy_human_model(Covariates(age_years=age, sex="male", weight_kg=70.0, height_cm=175.0))
    return Simulation(model, seed=0).run(duration_days=1.0)


@pytest.fixture(scope="module")
def by_age():
    return {age: _settled(age) for age in (20.0, 30.0, 35.0, 60.0, 80.0)}


def test_immunity_page_quotes_the_naive_cd8_fall_with_age_the_model_gives(by_age):
    """docs/immunity.md said the model's naive CD8 count at 80 was 0.71 of its count at 30, written before branch
    naiveage fitted the naive pools' decline at the reference age; the model gives 0.37 (the reference man)."""
    text = " ".join((DOCS / "immunity.md").read_text(encoding="utf-8").split())
    quoted = re.search(r"naive CD8 count at 80 is ([0-9.]+) of its count at 30", text)
    assert quoted is not None
    ratio = by_age[80.0].state("naive_cd8")[0] / by_age[30.0].state("naive_cd8")[0]
    assert float(quoted.group(1)) == pytest.approx(ratio, abs=0.005)


def test_immunity_page_quotes_the_clonotype_richness_by_age_the_model_gives(by_age):
    """The richness by age in docs/immunity.md (2.3e8 at 20 where the model gives 2.2e8), each to its two figures."""
    text = " ".join((DOCS / "immunity.md").read_text(encoding="utf-8").split())
    quoted = re.search(r"thymic output with age \(([0-9.]+e[0-9]+) at 20, ([0-9.]+e[0-9]+) at 35, ([0-9.]+e[0-9]+) at "
                       r"60, ([0-9.]+e[0-9]+) at 80 years\)", text)
    assert quoted is not None
    for age, written in zip((20.0, 35.0, 60.0, 80.0), quoted.groups(), strict=True):
        value = float(by_age[age].observable("cd4_clonotype_richness")[0])
        assert float(written) == float(f"{value:.2g}"), age


@pytest.mark.cli
def test_check_names_the_intervention_kinds_the_arms_bring(tmp_path: Path):
    """`hemasim check` on a base scenario of 4 Gy whose arms add filgrastim said "radiation, 3 arms", as if the G-CSF
    arms had been dropped; it names the kinds of every arm, and which arms give a kind only some have."""
    from tests.conftest import invoke_hemasim

    path = tmp_path / "arms.yaml"
    path.write_text(
        "name: x\npatient: {age_years: 40, sex: male, weight_kg: 80, height_cm: 178}\nduration_days: 40\n"
        "interventions: [{kind: radiation, start_day: 0, total_dose_Gy: 4}]\n"
        "arms:\n  - name: none\n  - name: g\n    interventions:\n"
        "      - {kind: radiation, start_day: 0, total_dose_Gy: 4}\n"
        "      - {kind: gcsf, drug_set: filgrastim_melhem2017, dose_ug_per_kg: 5, route: subcutaneous,"
        " schedule: {start_day: 1, every_days: 1, cycles: 5}}\n")
    res = invoke_hemasim("check", str(path))
    assert res.exit_code == 0, res.stderr
    assert "40 days, radiation, gcsf (arm g), 2 arms;" in res.stdout


@pytest.mark.parametrize("intervention", [
    {"kind": "radiation", "start_day": 0, "total_dose_Gy": 4},
    {"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0},
])
def test_an_irradiated_run_lists_the_radiosensitivities_it_used_with_their_sources(intervention):
    """After 2, 4 and 6 Gy run.json and the report's "Parameters used" listed the dying lymphocytes' half-life alone:
    the linear-quadratic values that set the whole kill (read by the fractions, events, not by the model's flows)
    were not there, nor Kimler 1985, whose marrow colony D0 gives the progenitors' alpha, among the references."""
    from hemasim.assembly import run_scenario
    from hemasim.io import run_record
    from hemasim.radiation import CLASSES
    from hemasim.scenario import parse_scenario

    data = {"name": "x", "patient": {"age_years": 40, "sex": "male", "weight_kg": 80, "height_cm": 178},
            "duration_days": 10, "aging": False, "interventions": [intervention]}
    record = run_record(run_scenario(parse_scenario(data)))
    listed = {p["name"]: p["source"] for p in record["parameters"]}
    for c, _ in CLASSES:
        assert f"radiosensitivity_alpha_{c}_per_Gy" in listed and f"radiosensitivity_beta_{c}_per_Gy2" in listed
    assert listed["radiosensitivity_alpha_progenitor_per_Gy"].startswith("Kimler1985")
    assert "irradiated_lymphocyte_fast_loss_share" in listed
    assert any("Kimler" in r for r in record["references"])


def test_the_endpoint_table_says_below_what_a_count_did_not_fall():
    """After 2 Gy the platelets fell from 270 to 25e9/L, and the endpoint table's platelet_recovery_day read "did not
    fall" beside that nadir: the day is defined after a fall below 20e9/L, and the table says so now. A nadir's day
    (no fall of more than 1%) keeps its words."""
    from hemasim.endpoints import DID_NOT_FALL_NOTE, EndpointValue
    from hemasim.report.html import endpoint_text

    day = EndpointValue("platelet_recovery_day", None, "day", "", DID_NOT_FALL_NOTE)
    assert endpoint_text(day) == "did not fall below 20"
    anc = EndpointValue("neutrophil_recovery_day", None, "day", "", DID_NOT_FALL_NOTE)
    assert endpoint_text(anc) == "did not fall below 0.5"
    nadir = EndpointValue("anc_nadir_day", None, "day", "", DID_NOT_FALL_NOTE)
    assert endpoint_text(nadir) == DID_NOT_FALL_NOTE
    assert endpoint_text(EndpointValue("platelet_recovery_day", None, "day", "", "not reached")) == "not reached"
    # a cohort's table says it alike, for all patients or a share of them
    from hemasim.report.html import render_cohort_report

    row = {"endpoint": "platelet_recovery_day", "median": 40.0, "p05": 35.0, "p95": 45.0, "fraction_reaching": 0.8,
           "unit": "day", "definition": "d", "n": 40, "fraction_did_not_fall": 0.2}
    report = render_cohort_report({"n_patients": 40, "endpoints": [row]}, b"", {"scenario": {"name": "c"}})
    assert "80% reached (20% did not fall below 20)" in report


@pytest.mark.parametrize(("field", "guess"), [("total_dose_Gy", None), ("dose_mg_per_m2", None),
                                              ("interventions", None)])
def test_a_dose_spread_asked_of_a_cohort_says_how_to_get_one(field, guess):
    """`population: {total_dose_Gy: {min: 2, max: 6}}` (a mass-casualty cohort with a spread of doses) was refused
    with the population's fields alone: the error says that every patient gets the scenario's interventions as written,
    and what to do for a spread."""
    from hemasim.scenario import ScenarioError, parse_scenario

    data = {"name": "x", "patient": {"age_years": 40, "sex": "male", "weight_kg": 80, "height_cm": 178},
            "duration_days": 60, "interventions": [{"kind": "radiation", "start_day": 0, "total_dose_Gy": 4}],
            "population": {"age_years": {"min": 18, "max": 70}, field: {"min": 2, "max": 6}}}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    text = str(err.value)
    assert f"population.{field}: unknown field" in text
    assert "every patient of a cohort gets the scenario's interventions as written" in text
    assert "docs/cohorts.md" in text and "allowed here: age_years" in text
