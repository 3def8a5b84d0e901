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
