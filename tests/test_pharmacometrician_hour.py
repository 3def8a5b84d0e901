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


def test_a_cohort_share_reads_the_same_in_the_key_results_and_the_endpoint_table():
    # 0.915 read "92% of patients" in the key results and "91.5%" in the table below
    from hemasim.report.html import render_cohort_report

    rows = [{"endpoint": "days_anc_below_1", "median": 10.5, "p05": 0.0, "p95": 18.0, "fraction_reaching": 0.915,
             "unit": "day", "definition": "d", "n": 200},
            {"endpoint": "days_anc_below_0p5", "median": 1.0, "p05": 0.0, "p95": 10.5, "fraction_reaching": 0.52,
             "unit": "day", "definition": "d", "n": 200}]
    report = render_cohort_report({"n_patients": 200, "endpoints": rows}, b"", {"scenario": {"name": "c"}})
    key, table = report.split('id="endpoints"')
    assert "91.5% of patients; median 10.5 days" in key and "<td>91.5%</td>" in table
    assert "52% of patients; median 1 day" in key and "<td>52%</td>" in table
