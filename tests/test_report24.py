"""A clinician's reading of two reports (the X-SCID unconditioned graft, docetaxel q3w; report24): the subtitle's
model in words, one rule for a count's digits, every nadir with its day, and a lowest value at the end of a run that
is still falling not called a nadir."""

from __future__ import annotations

import re

import pytest


def _run(data: dict):
    from hemasim.assembly import run_scenario
    from hemasim.scenario import parse_scenario

    base = {"name": "t", "aging": False, "patient": {"age_years": 40, "sex": "male", "weight_kg": 75, "height_cm": 178}}
    return run_scenario(parse_scenario({**base, **data}))


def _report(result) -> str:
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.io import run_record
    from hemasim.report.html import render_report

    return render_report(result, evaluate_endpoints(result), run_record(result), "t")


@pytest.fixture(scope="module")
def scid_report() -> str:
    # an unconditioned graft into an X-SCID infant, as examples/xscid_unconditioned.yaml, a short run
    return _report(_run({"duration_days": 30, "output": {"every_days": 1},
                         "patient": {"age_years": 0.3, "sex": "male", "weight_kg": 6.0, "height_cm": 61,
                                     "genotype": "il2rg_scid"},
                         "interventions": [{"kind": "transplant", "day": 7, "source": "bone_marrow",
                                            "cd34_per_kg": 3.0e6, "cd3_per_kg": 1.0e5}]}))


def test_the_subtitle_says_the_model_in_words_and_the_parameters_section_keeps_its_name(scid_report):
    # "model healthy_human_chimeric" read, for a SCID infant, as a model of a healthy person
    subtitle = re.search(r'<h1>.*?</h1>\s*<p class="muted">(.*?)</p>', scid_report, re.S)
    assert subtitle is not None
    assert "model: the multilineage model, split into host and donor cells" in subtitle.group(1)
    assert "healthy_human" not in subtitle.group(1)
    params = scid_report.index("<h2>Parameters used</h2>")
    assert scid_report.index("<code>healthy_human_chimeric</code>") > params


def test_model_words_of_each_built_model():
    from hemasim.report.html import model_words

    assert model_words("healthy_human") == "the multilineage model of blood formation"
    assert model_words("friberg_docetaxel_friberg2002").startswith("the published Friberg chain")
    assert model_words("something_new") == "something_new"  # an unknown name as it is


def test_a_count_has_three_significant_digits_everywhere_in_the_report():
    # docetaxel q3w: the run's ANC nadir read 0.4288 beside its cycles' nadirs 0.441, 0.437, 0.431, 0.429
    from html import unescape

    from hemasim.endpoints import EndpointValue
    from hemasim.report.html import endpoint_text
    from hemasim.report.key_results import cohort_key_results_html, count_text, key_results_html

    def ep(name: str, value: float, unit: str) -> EndpointValue:
        return EndpointValue(name, value, unit, "d")

    eps = [ep("anc_nadir", 0.4288063, "1e9/L"), ep("platelets_nadir", 219.5788, "1e9/L"),
           ep("hemoglobin_nadir", 13.00904, "g/dL"), ep("collected_cd34_per_kg", 1.0283e7, "cells/kg")]
    key = unescape(key_results_html({"": eps}))
    assert "0.429 ×10⁹/L" in key and "220 ×10⁹/L" in key and "13 g/dL" in key
    assert "1.028×10⁷" in key  # a dose is no count: its four digits stay
    assert [endpoint_text(e) for e in eps[:3]] == ["0.429", "220", "13"]
    assert count_text(1234.4) == "1234"  # a count of thousands whole, not 1.23×10³
    row = {"endpoint": "anc_nadir", "median": 0.4288, "p05": 0.1234, "p95": 1.2345, "fraction_reaching": 1.0,
           "unit": "1e9/L", "definition": "d", "n": 40}
    assert "median 0.429 ×10⁹/L (5-95%: 0.123-1.23)" in unescape(cohort_key_results_html([row]))
