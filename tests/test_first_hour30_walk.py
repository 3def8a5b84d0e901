"""firsthour30's walk on main after acfit30 and tidy30: what the AC-T report says its neutropenia rests on, how
`hemasim drugs` marks the AC sets, and the BMI >= 40 pounds question's wording and how to silence it."""

from __future__ import annotations

import pytest


def _run(*drug_sets: str, days: float = 12.0):
    from hemasim.assembly import run_scenario
    from hemasim.scenario import parse_scenario

    doses = {"doxorubicin_joerger2007": 60, "cyclophosphamide_ahmed2020": 600, "docetaxel_kloft2006": 100}
    return run_scenario(parse_scenario({
        "name": "t", "patient": {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165},
        "duration_days": days, "aging": False,
        "interventions": [{"kind": "chemotherapy", "drug_set": d, "dose_mg_per_m2": doses[d], "route": "iv_infusion",
                           "infusion_hours": 1, "schedule": {"days": [0]}} for d in drug_sets]}))


@pytest.mark.slow
def test_an_ac_report_says_where_its_neutropenia_is_read_what_the_kill_rests_on():
    """The AC-T example's report showed four AC cycles of grade-4 neutropenia (nadirs 0.16-0.19e9/L, ~4 days each)
    with nothing near them saying that the AC kill is one scale fitted on one figure (Ahmed 2020's day-20 ANC, C10)
    with the doxorubicin/cyclophosphamide split assumed; only the example's own description said it."""
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.interventions.dosed import fitted_kill_text
    from hemasim.io import run_record
    from hemasim.report import render_report

    ac = _run("doxorubicin_joerger2007", "cyclophosphamide_ahmed2020")
    line = fitted_kill_text(ac)
    assert line.startswith("Fitted marrow kill: doxorubicin and cyclophosphamide lower the counts here by one kill "
                           "scale fitted on one figure")
    assert "C10" in line and "assumed (half each)" in line and "not fitted" in line and "not calibrated" not in line
    page = render_report(ac, evaluate_endpoints(ac), run_record(ac), "t")
    # under the key results, before the scenario, and again in the Drugs section
    assert page.index("Key results") < page.index("Fitted marrow kill") < page.index("<h2>Scenario</h2>")
    assert page.index("<h2>Drugs</h2>") < page.rindex("Fitted marrow kill")
    assert "PK only" not in page
    # one of the pair alone: its kill was never calibrated alone, and the line says so
    alone = fitted_kill_text(_run("doxorubicin_joerger2007"))
    assert alone.startswith("Fitted marrow kill: doxorubicin lowers ") and "not calibrated" in alone
    # a drug with a published chain, or none dosed: no line
    assert fitted_kill_text(_run("docetaxel_kloft2006")) == ""
    assert "Fitted marrow kill" not in render_report(*(lambda r: (r, evaluate_endpoints(r), run_record(r), "t"))(
        _run("docetaxel_kloft2006")))


def test_the_line_s_figure_is_the_one_the_sets_were_fitted_on():
    """72% of baseline on day 20: the C10 figure the drug sets' fitted provenance names (0.724)."""
    from hemasim.pharmacology import load_drug_set

    for name in ("doxorubicin_joerger2007", "cyclophosphamide_ahmed2020"):
        ds = load_drug_set(name)
        assert ds.full_model_kill_only
        (fitted,) = {v.fitted.data for _, v in ds.values_with_paths() if v.fitted is not None}
        assert "0.724 of her baseline ANC on day 20" in fitted and "w = 0.5 assumed" in fitted
    assert not load_drug_set("docetaxel_kloft2006").full_model_kill_only
    assert not load_drug_set("carboplatin_zandvliet2008").full_model_kill_only  # PK only


def test_hemasim_drugs_marks_the_ac_sets_as_it_marks_pk_only_and_pd_only_ones():
    """`hemasim drugs` listed "Doxorubicin" and "Cyclophosphamide (parent drug)" with no word of their kill, beside
    "Carboplatin PK only" and "Docetaxel neutropenia"."""
    from hemasim.cli.drugs import _mark, _summary
    from hemasim.pharmacology import load_drug_set

    doxorubicin = load_drug_set("doxorubicin_joerger2007")
    assert _summary(doxorubicin.description) + _mark(doxorubicin) == ("Doxorubicin  [marrow kill fitted; full model "
                                                                       "only]")
    assert _mark(load_drug_set("paclitaxel_wahlby2004")) == "  [no PK: PD only]"
    for name in ("docetaxel_kloft2006", "carboplatin_zandvliet2008"):
        assert _mark(load_drug_set(name)) == ""
    for name in ("doxorubicin_joerger2007", "cyclophosphamide_ahmed2020"):
        assert "PK only" not in load_drug_set(name).description


def _weight_warnings(**patient) -> dict[str, str]:
    from hemasim.scenario import parse_scenario
    from hemasim.scenario.plausibility import plausibility_warnings

    return dict(plausibility_warnings(parse_scenario({"name": "t", "patient": patient, "duration_days": 10}, "s.yaml")))


def test_the_bmi_question_is_a_question_and_says_how_to_stop_it():
    """tidy30's question to an adult with a BMI of 40 or more named the class ("severe obesity") and ended "if the
    weight is right, nothing to change" while asking again on every run and check, with no way to answer it."""
    import re

    woman = {"age_years": 52, "sex": "female", "height_cm": 162}
    message = _weight_warnings(**woman, weight_kg=118)["patient.weight_kg"]
    assert message.startswith("118 and height 162 cm give a BMI of 45 if the weight is in kilograms: is it? ")
    assert "obesity" not in message and "write weight_kg: 53.5" in message
    assert message.endswith("If 118 kg is right, the run is right as it stands; add weight_confirmed: true to patient "
                            "to stop this question")
    # what the message says to add does stop it, and nothing else about the patient is silenced
    field, value = re.search(r"add (\w+): (true) to patient", message).groups()
    assert _weight_warnings(**woman, weight_kg=118, **{field: value == "true"}) == {}
    inches = _weight_warnings(**{**woman, "height_cm": 64}, weight_kg=118, weight_confirmed=True)
    assert "if height_cm is in inches" in inches["patient.height_cm"]


@pytest.mark.parametrize(("patient", "field"), [
    ({"age_years": 40, "sex": "male", "weight_kg": 270}, "patient.weight_kg"),  # over 250 kg: "if that is pounds"
    ({"age_years": 8, "sex": "male", "weight_kg": 60}, "patient.weight_kg"),  # over +3 SD for a boy of 8
])
def test_a_confirmed_weight_is_not_asked_about(patient, field):
    assert field in _weight_warnings(**patient)
    assert field not in _weight_warnings(**patient, weight_confirmed=True)


def test_a_report_writes_a_confirmed_weight_beside_it_and_its_box_does_not_call_a_question_outside_the_clinic():
    from hemasim.report.html import patient_text, warnings_html
    from hemasim.scenario import parse_scenario

    assert patient_text({"sex": "female", "weight_kg": 118, "weight_confirmed": True}) == "female, weight 118 kg (confirmed)"
    assert patient_text({"sex": "female", "weight_kg": 70, "weight_confirmed": False}) == "female, weight 70 kg"
    scenario = parse_scenario({"name": "t", "patient": {"age_years": 52, "sex": "female", "height_cm": 162,
                                                        "weight_kg": 118}, "duration_days": 10}, "s.yaml")
    box = warnings_html([("", scenario)])
    assert "is it?" in box and "outside the range met in the clinic" not in box and "one that is right needs no change" in box


def test_the_explorer_returns_the_report_s_notes_with_each_arm():
    """The explorer's page showed the AC-T example's grade-4 AC nadirs, and took a weight of 118 kg at 162 cm, with
    neither the fitted-kill line nor the BMI question that the report and the terminal give."""
    from hemasim.explore.service import Explorer
    from tests.conftest import EXAMPLES

    ac = {"name": "ac", "patient": {"age_years": 52, "sex": "female", "weight_kg": 118, "height_cm": 162},
          "duration_days": 12, "aging": False, "output": {"every_days": 0.25}, "interventions": [  # (harden34: no grid warning)
              {"kind": "chemotherapy", "drug_set": d, "dose_mg_per_m2": dose, "route": "iv_infusion",
               "infusion_hours": 1, "schedule": {"days": [0]}}
              for d, dose in (("doxorubicin_joerger2007", 60), ("cyclophosphamide_ahmed2020", 600))]}
    confirmed = {**ac, "patient": {**ac["patient"], "weight_confirmed": True}}
    res = Explorer(examples_folder=EXAMPLES).run({"arms": [{"name": "A", "scenario": ac},
                                                           {"name": "B", "scenario": confirmed}]})
    notes = {a["name"]: a["notes"] for a in res["arms"]}
    assert notes["A"][0].startswith("check patient.weight_kg: 118 and height 162 cm give a BMI of 45")
    assert notes["A"][1].startswith("Fitted marrow kill: doxorubicin and cyclophosphamide")
    assert notes["B"] == notes["A"][1:]



def test_a_gene_therapy_patient_s_weight_can_be_confirmed_too():
    """A SCID infant small for age was warned about her weight on every `hemasim gene-therapy` run and check."""
    import yaml

    from hemasim.clonal.gene_therapy_report import GeneTherapyScenario
    from hemasim.scenario.plausibility import gene_therapy_warnings
    from tests.conftest import EXAMPLES

    data = yaml.safe_load((EXAMPLES / "gene_therapy" / "lentiviral_x_scid.yaml").read_text())
    data["patient"] = {"age_years": 1, "sex": "female", "weight_kg": 5.5}  # below -3 SD at one year
    assert [f for f, _ in gene_therapy_warnings(GeneTherapyScenario.model_validate(data))] == ["patient.weight_kg"]
    data["patient"]["weight_confirmed"] = True
    assert gene_therapy_warnings(GeneTherapyScenario.model_validate(data)) == []
