"""An oncology pharmacometrician's first hour (harden9): what a dose in mg/m2 became, and other things looked
for in a chemotherapy report and in the files beside it."""

from __future__ import annotations

import re

import pytest
import yaml

from hemasim.scenario import parse_scenario
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.cli


def _chain_run(**patient: float):
    from hemasim.assembly import run_scenario

    data = yaml.safe_load((EXAMPLES / "friberg_docetaxel.yaml").read_text())
    data["patient"] = {**data["patient"], **patient}
    data["duration_days"] = 21
    data["interventions"][0]["schedule"] = {"start_day": 0, "every_days": 21, "cycles": 1}
    return run_scenario(parse_scenario(data, "s.yaml"))


def test_the_drug_section_states_the_body_surface_area_a_dose_per_m2_used():
    from hemasim.interventions.dosed import _drug_section

    result = _chain_run(weight_kg=81, height_cm=172)
    html = _drug_section(result)
    assert html is not None
    bsa = (172 * 81 / 3600) ** 0.5  # Mosteller
    match = re.search(r"docetaxel 100 mg/m² × ([\d.]+) m² = ([\d.]+) mg", html)
    assert match is not None, html
    assert float(match.group(1)) == pytest.approx(bsa, rel=1e-3)
    planned_mg = result.record.administrations[0]["planned_ug"] / 1000
    assert float(match.group(2)) == pytest.approx(planned_mg, rel=1e-3) == pytest.approx(100 * bsa, rel=1e-3)
    assert "Mosteller" in html and "height 172 cm" in html and "weight 81 kg" in html


def test_the_report_writes_a_dose_rule_with_its_own_action_only():
    # the record holds every rule field with its default: a delay rule listed "reduce by fraction: 0.25", which
    # reads as a 25% dose reduction the scenario never asked for
    from hemasim.report.html import _intervention_text

    rules = [{"observable": "anc", "below": 1.5, "action": "delay", "delay_days": 7, "max_delays": 2,
              "reduce_by_fraction": 0.25},
             {"observable": "platelets", "below": 75, "action": "reduce", "delay_days": 7, "max_delays": 2,
              "reduce_by_fraction": 0.2}]
    text = _intervention_text({"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "rules": rules})
    assert text.endswith("rules: (if ANC < 1.5 ×10⁹/L on a cycle's planned day: delay 7 days (at most 2 times, then "
                         "given); if platelets < 75 ×10⁹/L on a cycle's planned day: reduce this and later doses by "
                         "20%)"), text
