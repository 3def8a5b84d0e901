"""A user's look at the X-SCID and docetaxel q3w reports (report25): words a clinician reads in the scenario
section, one format for cell doses, the lineage note's text, primary graft failure after no aplasia, and the AUC
in the endpoint table as the other numbers."""

from __future__ import annotations

import re


def test_the_band_note_of_a_child_crossing_age_rows_reads_without_a_stray_apostrophe():
    from hemasim.report.reference_ranges import band_note

    note = band_note(0.3, 737.0)  # examples/xscid_unconditioned.yaml: 3.6 months, two years
    assert "years adults'" not in note and "from 18 years on, adults' ranges" in note


def test_cell_doses_of_a_graft_read_in_one_format():
    # "CD34+ dose 3e6 cells/kg, CD3+ dose 100000 cells/kg" mixed two formats
    from hemasim.report.html import _intervention_text

    text = _intervention_text({"kind": "transplant", "day": 7, "cd34_per_kg": 3.0e6, "cd3_per_kg": 1.0e5})
    assert "CD34+ dose 3×10⁶ cells/kg" in text and "CD3+ dose 1×10⁵ cells/kg" in text, text
    assert "100000" not in text


def test_an_auc_in_the_endpoint_table_reads_as_the_other_numbers():
    from hemasim.endpoints import EndpointValue
    from hemasim.report.html import endpoint_text
    from hemasim.report.key_results import value_text

    e = EndpointValue("docetaxel_cumulative_auc", 19046.3, "ng*h/mL", "area under the curve")
    assert endpoint_text(e) == "19050"
    assert value_text("mg", 716.5) == "716.5" and value_text("cells/kg", 1.0283e7) == "1.028×10⁷"
    assert value_text("1", 2.5e-5) == "2.5×10⁻⁵"
    from hemasim.report.key_results import unit_words  # its unit as the Drugs section writes it

    assert unit_words({e.name: e.unit, "anc_nadir": "1e9/L"}) == {e.name: "ng·h/mL", "anc_nadir": "×10⁹/L"}


def _key(values: dict[str, float]) -> str:
    from hemasim.endpoints import EndpointValue
    from hemasim.report.key_results import key_results_html

    return key_results_html({"": [EndpointValue(n, v, "flag", n) for n, v in values.items()]})


def test_primary_graft_failure_after_no_aplasia_is_not_applicable():
    # an unconditioned graft: ANC never fell, so "Primary graft failure: no" read as an engraftment
    html = _key({"primary_graft_failure": 0.0, "neutrophil_engraftment_day_did_not_fall": 1.0})
    assert "not applicable: no aplasia (ANC never fell below 0.5 ×10⁹/L after the graft)" in html
    assert ">no<" not in html
    # after an aplasia the flag says what happened
    assert ">no<" in _key({"primary_graft_failure": 0.0, "neutrophil_engraftment_day_did_not_fall": 0.0})
    assert ">yes<" in _key({"primary_graft_failure": 1.0, "neutrophil_engraftment_day_did_not_fall": 0.0})


def test_scenario_values_read_in_words_with_the_scenarios_own_value_in_brackets():
    # "genotype: il2rg_scid", "route: iv_infusion", "drug set: docetaxel_kloft2006" read as code
    from hemasim.report.html import _intervention_text, patient_text, value_words

    patient = patient_text({"age_years": 0.3, "sex": "male", "genotype": "il2rg_scid"})
    assert "genotype: X-linked SCID (IL2RG; T- B+ NK-) [il2rg_scid]" in patient
    assert "genotype: healthy" in patient_text({"genotype": "healthy"})  # a word already: as it is
    chemo = _intervention_text({"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 100.0,
                                "route": "iv_infusion", "infusion_hours": 1.0})
    assert "drug set: docetaxel (Kloft 2006 parameters) [docetaxel_kloft2006]" in chemo
    assert "route: IV infusion [iv_infusion]" in chemo
    graft = _intervention_text({"kind": "transplant", "day": 7, "source": "bone_marrow", "donor": "allogeneic"})
    assert "source: bone marrow [bone_marrow]" in graft and "donor: allogeneic" in graft  # a word already
    assert value_words("drug_set", "nab_paclitaxel_chen2014") == "nab-paclitaxel (Chen 2014 parameters) [nab_paclitaxel_chen2014]"
    assert value_words("drug_set", "sets/my_docetaxel.yaml") == "sets/my_docetaxel.yaml"  # a user's file: as it is


def test_the_administration_table_names_the_route_in_words():
    from hemasim.assembly import run_scenario
    from hemasim.interventions.dosed import _drug_section
    from hemasim.scenario import parse_scenario

    scen = parse_scenario({"name": "t", "aging": False, "duration_days": 3,
                           "patient": {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165},
                           "interventions": [{"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006",
                                              "dose_mg_per_m2": 250, "route": "iv_infusion", "infusion_hours": 1,
                                              "schedule": {"start_day": 0, "every_days": 21, "cycles": 1}}]})
    section = _drug_section(run_scenario(scen)) or ""
    assert "<td>IV infusion</td>" in section and "<td>iv_infusion</td>" not in section
    auc = re.search(r"cumulative AUC ([^ ]+) ng·h/mL", section)
    assert auc is not None and "e+" not in auc[1] and float(auc[1]) > 1e4, auc  # ~11900: 2.5 x one 100 mg/m2 dose's
    # 4754 by day 3 (a dose large enough for an AUC of five digits, which read 1.905e+04 after four cycles)
