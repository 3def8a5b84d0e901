"""What a transplant physician reads in a report's scenario section: the graft's doses with their units and the
conditioning regimen's drugs and days (they read "cd34 per kg: 5e6" and "regimen: cy_tbi_12gy")."""

from __future__ import annotations

from hemasim.pharmacology.conditioning import load_regimen
from hemasim.report.html import interventions_html


def test_graft_doses_read_with_their_units():
    text = interventions_html({"interventions": [
        {"kind": "transplant", "day": 6, "source": "cord_blood", "tnc_per_kg": 3e7, "cd3_per_kg": 1e7},
        {"kind": "donor_lymphocyte_infusion", "day": 124, "cd3_per_kg": 1e7}]})
    assert "total nucleated cell (TNC) dose 3e7 cells/kg" in text and "CD3+ dose 1e7 cells/kg" in text
    assert "per kg:" not in text


def test_a_shipped_conditioning_regimen_is_named_with_its_drugs_and_days():
    text = interventions_html({"interventions": [{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0},
                                                 {"kind": "transplant", "day": 6, "source": "peripheral_blood",
                                                  "cd34_per_kg": 5e6}]})
    regimen = load_regimen("cy_tbi_12gy")
    assert "regimen: cy_tbi_12gy" in text and regimen.title in text
    assert "cyclophosphamide 2 x 60 mg/kg on days -6 and -5" in regimen.description
    assert regimen.description in text and "CD34+ dose 5e6 cells/kg" in text


def test_a_regimen_file_is_named_as_given():
    text = interventions_html({"interventions": [{"kind": "conditioning", "regimen": "my/regimen.yaml",
                                                  "start_day": 0}]})
    assert text == "<li><b>conditioning</b>: regimen: my/regimen.yaml, start day: 0</li>"
