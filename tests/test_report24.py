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
    # a CD34+ yield in millions per kg, as a harvest is judged (2 and 5 ×10⁶/kg) and the apheresis section writes it
    # (report35; it read 1.028×10⁷ cells/kg)
    assert "10.3 ×10⁶ CD34+/kg" in key
    assert [endpoint_text(e) for e in eps[:3]] == ["0.429", "220", "13"]
    assert count_text(1234.4) == "1234"  # a count of thousands whole, not 1.23×10³
    row = {"endpoint": "anc_nadir", "median": 0.4288, "p05": 0.1234, "p95": 1.2345, "fraction_reaching": 1.0,
           "unit": "1e9/L", "definition": "d", "n": 40}
    assert "median 0.429 ×10⁹/L (5-95%: 0.123-1.23)" in unescape(cohort_key_results_html([row]))


def test_the_haemoglobin_nadir_has_its_day_and_a_count_still_falling_at_the_end_is_no_nadir():
    # docetaxel q3w: "Haemoglobin nadir 13.01 g/dL" had no day, and the platelets, falling slowly over the whole run,
    # read "nadir 219.6 on day 83.75" of an 84-day run
    from html import unescape

    import numpy as np

    from hemasim.endpoints import evaluate_endpoints
    from hemasim.report.key_results import count_text, key_results_html, still_falling

    result = _run({"duration_days": 30, "output": {"every_days": 0.5},
                   "patient": {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165},
                   "interventions": [{"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006",
                                      "dose_mg_per_m2": 100, "route": "iv_infusion", "infusion_hours": 1,
                                      "schedule": {"start_day": 0, "every_days": 21, "cycles": 1}}]})
    by_name = {e.name: e for e in evaluate_endpoints(result)}
    key = unescape(key_results_html({"": list(by_name.values())}, {"": result}))
    hb = result.observable("hemoglobin_g_per_dL")
    hb_row = key[key.index("Haemoglobin nadir"):].split("</tr>")[0]
    assert f"{count_text(float(hb.min()))} g/dL on day {float(result.times[np.argmin(hb)]):g}" in hb_row
    # the platelets fall slowly over the whole run, lowest on its last day: no nadir within it
    platelets = result.observable("platelets_1e9_per_L")
    assert np.argmin(platelets) == len(platelets) - 1 and still_falling(platelets)
    platelet_row = key[key.index("Platelet nadir"):].split("</tr>")[0]
    assert (f"still falling at the end of the run (day 30): lowest {count_text(float(platelets.min()))} ×10⁹/L; "
            "no nadir within the run") in platelet_row
    # and the endpoint table's platelets_nadir_day 30 is told apart from a nadir, in the row and in its definition
    # ("no nadir" beside "platelets_nadir_day 84" read as a contradiction: firsthour27)
    day = by_name["platelets_nadir_day"]
    assert "(the endpoints' platelets_nadir_day is the day of this lowest value)" in platelet_row
    assert day.value == float(result.times[np.argmin(platelets)])
    assert "at or near the run's end when it is still falling then, not a nadir" in day.definition
    anc_row = key[key.index("ANC nadir"):].split("</tr>")[0]  # the ANC came back: its nadir stands
    assert f"on day {by_name['anc_nadir_day'].value:g}" in anc_row and "still falling" not in anc_row


def test_still_falling_reads_the_rise_after_the_lowest_against_the_fall():
    import numpy as np

    from hemasim.report.key_results import still_falling

    assert still_falling(np.array([261.0, 240.0, 219.579, 219.580]))  # back 0.002% of its fall: still where it fell
    assert still_falling(np.array([5.0, 4.0, 3.0]))  # lowest on the last day
    assert not still_falling(np.array([13.8, 13.009, 13.05]))  # back 5% of its fall: a nadir
    assert not still_falling(np.array([4.75, 0.43, 4.6]))
    assert not still_falling(np.array([4.75, 4.75, 4.75]))  # no fall: no nadir at all (the nadir day says it)
