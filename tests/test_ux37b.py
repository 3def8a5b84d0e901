"""ux37b: a neurologist's and a rheumatologist's first hour with an immune reset (examples/ms_autologous_hsct.yaml,
examples/ra_autologous_hsct.yaml): what the walk found wrong, held."""

from __future__ import annotations

import copy

import pytest
import yaml

from hemasim.scenario import ScenarioError, parse_scenario
from tests.conftest import EXAMPLES

MS = yaml.safe_load((EXAMPLES / "ms_autologous_hsct.yaml").read_text())


def _refusal(**patient: object) -> str:
    data = copy.deepcopy(MS)
    data["patient"].update(patient)
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    return str(err.value)


def test_a_disease_the_model_lacks_is_told_so_not_offered_another_disease_spelt_alike():
    # "systemic_sclerosis" got "did you mean 'multiple_sclerosis'?": another disease, offered by its spelling
    text = _refusal(autoimmune_disease="systemic_sclerosis")
    assert "did you mean" not in text
    assert "systemic sclerosis is not modelled" in text and "share with the same values" in text
    assert "docs/immunity.md" in text
    text = _refusal(autoimmune_disease="SLE")
    # named since mend37e (review37e: "that disease")
    assert "did you mean" not in text and "systemic lupus erythematosus is not modelled" in text


@pytest.mark.parametrize(("written", "meant"), [("ms", "multiple_sclerosis"), ("RRMS", "multiple_sclerosis"),
                                                ("RA", "rheumatoid_arthritis")])
def test_a_clinicians_abbreviation_of_a_modelled_disease_is_told_the_name_meant(written, meant):
    # "ms" had no hint at all
    assert f"did you mean {meant!r}?" in _refusal(autoimmune_disease=written)


def test_a_misspelt_modelled_disease_still_gets_its_name():
    assert "did you mean 'multiple_sclerosis'?" in _refusal(autoimmune_disease="multiple_sclerose")


def _activity_row(name: str, low: float, median: float, high: float) -> dict[str, object]:
    return {"endpoint": name, "unit": "1", "definition": "relative to untreated chronic disease (1)", "median": median,
            "p05": low, "p95": high, "fraction_reaching": 1.0, "n": 100, "n_with_value": 100}


def test_a_cohorts_activity_the_same_in_every_patient_says_the_spread_is_no_uncertainty():
    # a cohort of 100 patients with variability drawn read "median 0.05222 (5-95%: 0.05222-0.05222)": the assumed
    # re-expansion rate and kill are drawn alike, so the spread is none, and it read as a certain prediction
    from hemasim.report.key_results import ACTIVITY_NO_SPREAD, cohort_key_results_html

    page = cohort_key_results_html([_activity_row("multiple_sclerosis_activity_final", 0.0522164136825435,
                                                  0.0522164136825442, 0.0522164136825445)])
    assert "5-95%" not in page and "the same in every patient" in page
    assert "autoreactive_net_growth_per_year" in ACTIVITY_NO_SPREAD
    # a spread there is (a user's own variability on the parameter) is shown as any cohort value is
    page = cohort_key_results_html([_activity_row("multiple_sclerosis_activity_final", 0.01, 0.05, 0.7)])
    assert "5-95%: 0.01-0.7" in page and "the same in every patient" not in page


def _regimen_refusal(regimen: str) -> str:
    data = copy.deepcopy(MS)
    data["interventions"][0]["regimen"] = regimen
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    return str(err.value)


@pytest.mark.parametrize("written", ["BEAM/ATG", "Flu/Cy", "bu_cy_atg", "TBI/Cy/ATG", "ATG"])
def test_a_regimen_of_other_agents_is_not_offered_a_shipped_one_spelt_alike(written):
    # BEAM/ATG (the European aHSCT regimen for MS) got "did you mean 'cy_atg'?", Flu/Cy "'bu_cy'?", Bu/Cy/ATG
    # "'cy_atg'?": regimens that drop or add a drug; the refusal lists the shipped regimens instead
    text = _regimen_refusal(written)
    assert "did you mean" not in text
    assert "'cy_atg'" in text and "'high_dose_melphalan'" in text  # the shipped names listed


@pytest.mark.parametrize(("written", "meant"), [("Cy/ATG", "cy_atg"), ("Cy200/ATG", "cy_atg"), ("cy_atq", "cy_atg"),
                                                ("Flu/Mel", "flu_mel"), ("bucy", "bu_cy"), ("MEL200",
                                                                                         "high_dose_melphalan")])
def test_a_shipped_regimen_as_a_clinic_writes_it_is_still_told_its_name(written, meant):
    assert f"did you mean {meant!r}?" in _regimen_refusal(written)


def test_hemasim_drugs_does_not_offer_a_regimen_of_other_agents():
    from tests.conftest import invoke_hemasim

    result = invoke_hemasim("drugs", "bu_cy_atg")  # was "did you mean 'cy_atg'?"
    assert result.exit_code != 0 and "did you mean" not in result.output and "cy_atg" in result.output
    assert "did you mean 'bu_cy'?" in invoke_hemasim("drugs", "bucy").output


def test_immunity_md_states_the_cy_atg_marrow_as_the_example_runs_it():
    # docs/immunity.md, "What a clinician should not read from it": the ANC's lowest after Cy/ATG on a 6-hour grid
    # and the engraftment day it gives; the page must follow the model
    import re

    import hemasim as hs
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "immunity.md").read_text()
    said = float(re.search(r"The ANC is lowest at ([\d.]+)e9/L on day \+7 \(read every 6 hours", text).group(1))
    scenario = hs.load_scenario(EXAMPLES / "ms_autologous_hsct.yaml").model_copy(update={"duration_days": 60.0})
    scenario = scenario.model_copy(update={"output": scenario.output.model_copy(update={"every_days": 0.25})})
    result = hs.run_scenario(scenario)
    endpoints = result.endpoints()
    assert endpoints["anc_nadir"].value == pytest.approx(said, abs=5e-4)
    assert endpoints["anc_nadir_day"].value - 35 == pytest.approx(7, abs=0.5)
    # since branch cyatg37 the count dips below 0.5 for a day (the fitted progenitor fraction) and engrafts on day +8
    said_day = float(re.search(r"so the example's patient engrafts \(ANC >= 0.5e9/L on 3 days\) on day \+(\d+)",
                               text).group(1))
    assert endpoints["neutrophil_engraftment_day"].value == said_day


def test_an_autologous_grafts_report_heads_its_share_tables_graft_derived(tmp_path):
    # the plots said "graft-derived" (the patient's own re-infused cells) and the endpoint table's heading "Chimerism:
    # the donor share of each count"
    import hemasim as hs
    from hemasim.io import write_run_outputs
    from hemasim.report.html import GRAFT_DERIVED_TITLES

    scenario = hs.load_scenario(EXAMPLES / "ms_autologous_hsct.yaml").model_copy(update={"duration_days": 140.0})
    write_run_outputs(hs.run_scenario(scenario), tmp_path / "out")
    text = (tmp_path / "out" / "report.html").read_text()
    assert "Chimerism: the donor share of each count" not in text
    assert GRAFT_DERIVED_TITLES["Chimerism: the donor share of each count"].replace("'", "&#x27;") in text


def test_an_allogeneic_grafts_report_keeps_its_chimerism_headings():
    from hemasim.report.html import grouped_endpoint_tables

    names = ["anc_nadir", "donor_chimerism_cd4_day28"]
    assert "Chimerism: the donor share of each count" in grouped_endpoint_tables(names, "", lambda n: n)
    assert "Graft-derived share of each count" in grouped_endpoint_tables(names, "", lambda n: n, "graft-derived")


def test_the_autoimmune_panel_draws_the_naive_cd4_count():
    # naive CD4, the thymus's part of the reset, was in timeseries.csv alone
    import hemasim as hs
    from hemasim.report.plots import autoimmunity_figure

    scenario = hs.load_scenario(EXAMPLES / "ms_autologous_hsct.yaml").model_copy(update={"duration_days": 120.0})
    result = hs.run_scenario(scenario)
    fig = autoimmunity_figure(result)
    lines = [line for ax in fig.axes for line in ax.get_lines() if line.get_label() == "naive CD4 count"]
    assert len(lines) == 1
    naive = result.observable("naive_cd4_per_uL")
    assert lines[0].get_ydata()[-1] == pytest.approx(naive[-1] / naive[0])
