"""A new user's first mistakes in a scenario file: each gives a line naming the field and what is allowed (the
field meant, the fields allowed there, the kinds allowed, the number without its unit), exits 2 and writes no
output folder (the first-hour review)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from hemasim.scenario import ScenarioError, parse_scenario
from tests.conftest import EXAMPLES, ROOT, invoke_hemasim

DOCETAXEL = yaml.safe_load((EXAMPLES / "docetaxel_q3w.yaml").read_text())


def _problems(change: dict[str, object], intervention: dict[str, object] | None = None) -> list[str]:
    data = {**DOCETAXEL, **change}
    if intervention is not None:
        data["interventions"] = [{**DOCETAXEL["interventions"][0], **intervention}]
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "s.yaml")
    return str(err.value).splitlines()


def test_a_misspelt_field_of_an_intervention_names_the_field_meant():
    chemo = {**DOCETAXEL["interventions"][0], "infusion_hrs": 1}
    del chemo["infusion_hours"]
    assert _problems({"interventions": [chemo]}) == [
        "s.yaml: interventions.0.infusion_hrs: unknown field (check the spelling; see docs/scenarios.md for the "
        "allowed fields); did you mean 'infusion_hours'?"]


def test_a_field_like_none_allowed_lists_the_fields_allowed_in_its_block():
    chemo = {**DOCETAXEL["interventions"][0], "schedule": {"every_days": 21, "cycles": 4, "repeat": 2}}
    assert _problems({"interventions": [chemo]}) == [
        "s.yaml: interventions.0.schedule.repeat: unknown field (check the spelling; see docs/scenarios.md for the "
        "allowed fields); allowed here: days, start_day, every_days, cycles, days_in_cycle"]
    (line,) = _problems({"colour": "red"})
    assert line.startswith("s.yaml: colour: unknown field") and "allowed here: name, description, patient" in line


def test_drug_instead_of_drug_set_points_to_drug_set():
    chemo = {k: v for k, v in DOCETAXEL["interventions"][0].items() if k != "drug_set"}
    (line,) = _problems({"interventions": [{**chemo, "drug": "docetaxel"}]})
    assert line.startswith("s.yaml: interventions.0.drug: unknown field") and line.endswith("did you mean 'drug_set'?")


def test_a_misspelt_required_field_is_one_line_not_also_a_missing_one():
    # the field meant is there, misspelt: "required field is missing" beside the "did you mean" would be a second,
    # wrong, instruction (firsthour4)
    lines = _problems({"duration_days": None, "duraton_days": 84})
    assert lines == ["s.yaml: duraton_days: unknown field (check the spelling; see docs/scenarios.md for the allowed "
                     "fields); did you mean 'duration_days'?"]
    depletion = {"kind": "cell_depletion", "day": 7, "groups": ["marrow"], "surviving_fracton": 0.1}
    (line,) = _problems({"interventions": [depletion]})
    assert line.startswith("s.yaml: interventions.0.surviving_fracton: unknown field")
    assert line.endswith("did you mean 'surviving_fraction'?")
    # a required field missing with no misspelt key that resembles it is still named
    lines = _problems({"duration_days": None, "colour": "red"})
    assert "s.yaml: duration_days: required field is missing" in lines
    assert any(line.startswith("s.yaml: colour: unknown field") for line in lines)


def test_an_unknown_intervention_kind_lists_the_kinds_and_the_one_meant():
    (line,) = _problems({}, {"kind": "chemo"})
    assert line.startswith("s.yaml: interventions.0.kind: 'chemo' is not a kind hemasim knows")
    assert "transplant" in line and "gcsf" in line
    assert line.endswith("did you mean 'chemotherapy'?")


def test_a_unit_typed_after_a_number_is_explained():
    (line,) = _problems({"patient": {**DOCETAXEL["patient"], "weight_kg": "70kg"}})
    assert line.startswith("s.yaml: patient.weight_kg: Input should be a valid number")
    assert line.endswith("write the number alone: the unit is the one in the field's name")
    (line,) = _problems({}, {"schedule": {"every_days": "21 days", "cycles": 4}})
    assert "interventions.0.schedule.every_days" in line and "the unit is the one in the field's name" in line
    (line,) = _problems({"patient": {**DOCETAXEL["patient"], "weight_kg": "heavy"}})
    assert "the unit is" not in line  # no number at all: no unit to blame


def test_an_unknown_drug_name_lists_the_shipped_sets_and_the_ones_meant():
    (line,) = _problems({}, {"drug_set": "docetaxol_kloft2006"})
    assert "unknown drug set 'docetaxol_kloft2006'" in line and line.endswith("did you mean 'docetaxel_kloft2006'?")
    (line,) = _problems({}, {"drug_set": "docetaxel"})  # the drug, not a set
    assert line.endswith("; the sets of docetaxel: docetaxel_friberg2002, docetaxel_kloft2006")
    (line,) = _problems({}, {"drug_set": "docetaxl"})  # a near miss of the drug: its sets too
    assert line.endswith("; did you mean docetaxel? its sets: docetaxel_friberg2002, docetaxel_kloft2006")


@pytest.mark.parametrize(("edit", "expected"), [
    ({"dose_mg_per_m2": -100}, "interventions.0.dose_mg_per_m2: Input should be greater than 0 (allowed: > 0"),
    ({"kind": "chemo"}, "did you mean 'chemotherapy'?"),
])
def test_the_command_line_refuses_with_exit_2_and_writes_nothing(tmp_path: Path, edit, expected):
    bad = {**DOCETAXEL, "interventions": [{**DOCETAXEL["interventions"][0], **edit}]}
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(yaml.safe_dump(bad))
    out = tmp_path / "out"
    res = invoke_hemasim("run", str(scenario), "--out", str(out))
    assert res.exit_code == 2
    (line,) = res.stderr.splitlines()
    assert line.startswith(f"hemasim: error: {scenario}: ") and expected in line
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_a_missing_scenario_file_is_one_line_and_exit_2(tmp_path: Path):
    res = invoke_hemasim("run", str(tmp_path / "nothere.yaml"), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2
    assert res.stderr.strip() == f"hemasim: error: {tmp_path / 'nothere.yaml'}: cannot read the scenario (No such " \
                                 "file or directory)"
    assert not (tmp_path / "out").exists()


def test_interventions_not_written_as_a_list_of_mappings_say_how_to_write_them():
    (line,) = _problems({"interventions": {"kind": "blood_donation", "day": 1, "volume_mL": 500}})
    assert line.startswith("s.yaml: interventions: Input should be a valid list")
    assert line.endswith("write each item on a line of its own starting with '- ' (examples/*.yaml)")
    (line,) = _problems({"interventions": ["chemotherapy"]})
    assert line.startswith("s.yaml: interventions.0: ") and "(got 'chemotherapy')" in line
    assert line.endswith("write each intervention as a mapping with its kind, e.g. - {kind: chemotherapy, ...}")


def test_a_share_written_as_a_percentage_gets_the_fraction():
    # firsthour4: surviving_fraction: 10 (meant 10%) said only "less than or equal to 1"
    (line,) = _problems({"interventions": [{"kind": "cell_depletion", "day": 7, "groups": ["marrow"],
                                            "surviving_fraction": 10}]})
    assert line.startswith("s.yaml: interventions.0.surviving_fraction: Input should be less than or equal to 1")
    assert line.endswith("(got 10); a fraction: write 0.1 for 10%")
    (line,) = _problems({"patient": {**DOCETAXEL["patient"], "clones": [{"label": "x", "vaf": 15}]}})
    assert line.endswith("; a fraction: write 0.15 for 15%")  # VAF is at most 0.5
    (line,) = _problems({"interventions": [{"kind": "cell_depletion", "day": 7, "groups": ["marrow"],
                                            "surviving_fraction": 1000}]})
    assert "a fraction" not in line  # no percentage either
    (line,) = _problems({"solver": {"rtol": 0.5}})
    assert "a fraction" not in line  # a bound below one half is no share


@pytest.mark.parametrize(("text", "hint"), [
    ("name: x\npatient:\n  age_years: 55\n\tsex: male\nduration_days: 90\n", "; indent with spaces, not tabs"),
    ("name: x\npatient: {age_years: 55, sex: male, weight_kg: 80\nduration_days: 90\n",
     "; a comma missing inside { } or [ ], or a { or [ not closed on its line?"),
    ("name: x\npatient: {age_years: 55 sex: male}\nduration_days: 90\n", "a comma missing"),
])
def test_malformed_yaml_says_what_to_do(tmp_path: Path, text: str, hint: str):
    # firsthour4: a tab or an unclosed { gave PyYAML's words only ("found character '\t' that cannot start any token")
    from hemasim.scenario import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    (line,) = str(err.value).splitlines()
    assert "malformed YAML at line" in line and hint in line


def test_a_misspelt_required_field_of_a_drug_set_is_one_line_with_the_field_meant(tmp_path: Path):
    # the rule of the scenario's typo (one line, "did you mean") holds for every schema (hemasim._schema)
    from hemasim.pharmacology import DrugSetError, load_drug_set
    from tests.conftest import ROOT

    text = (ROOT / "src" / "hemasim" / "pharmacology" / "drugs" / "docetaxel_kloft2006.yaml").read_text()
    path = tmp_path / "mine.yaml"
    path.write_text(text.replace("\ndescription:", "\ndescripton:", 1))
    with pytest.raises(DrugSetError) as err:
        load_drug_set(path)
    assert str(err.value).splitlines() == [f"{path}: descripton: unknown field (see docs/drugs.md for the schema); "
                                           "did you mean 'description'?"]


def _own_set_problem(tmp_path: Path, old: str, new: str) -> str:
    from hemasim.pharmacology import DrugSetError, load_drug_set
    from tests.conftest import ROOT

    text = (ROOT / "src" / "hemasim" / "pharmacology" / "drugs" / "docetaxel_friberg2002.yaml").read_text()
    assert old in text
    path = tmp_path / "docetaxel_friberg2002.yaml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(DrugSetError) as err:
        load_drug_set(path)
    (line,) = str(err.value).splitlines()
    return line.removeprefix(f"{path}: ")


def test_a_drug_set_field_like_none_allowed_lists_the_fields_of_its_block(tmp_path: Path):
    # as a scenario's (hemasim._schema.field_hints): the fields allowed there, not only "see the docs"
    assert _own_set_problem(tmp_path, "  clearance_L_per_h_per_m2:", "  CL:") == (
        "pk.CL: unknown field (see docs/drugs.md for the schema); allowed here: central_volume_L, clearance_L_per_h, "
        "clearance_L_per_h_per_m2, peripheral, saturable_peripheral, saturable_elimination, absorption, "
        "neutrophil_mediated_clearance, clearance_iiv_sd_log")
    assert _own_set_problem(tmp_path, "  clearance_L_per_h_per_m2:", "  clearance_L_per_min:").endswith(
        "pk.clearance_L_per_min: unknown field (see docs/drugs.md for the schema); did you mean 'clearance_L_per_h'?")


def test_a_unit_typed_into_a_drug_set_value_is_explained(tmp_path: Path):
    assert _own_set_problem(tmp_path, "{value: 88.7,", "{value: 88.7 h,") == (
        "friberg.mean_transit_time_h.value: Input should be a valid number, unable to parse string as a number "
        "(allowed: the plausible range of mean_transit_time_h, [1, 10000]) (got '88.7 h'); write the number alone: the "
        "unit is the one in the field's name")


@pytest.mark.parametrize(("kind", "meant"), [("vaccination", "'vaccine'?"), ("Immunisation", "'vaccine'?"),
                                             ("gene_therapy", "'transplant'? (gene therapy is an autologous graft"),
                                             ("HSCT", "'transplant'?"), ("flu", "'viral_infection'?"),
                                             ("DLI", "'donor_lymphocyte_infusion'?"), ("chemo", "'chemotherapy'?")])
def test_a_clinicians_word_for_an_intervention_names_the_kind_that_gives_it(kind, meant):
    """Spelling alone guessed 'radiation' for ``vaccination`` and 'chemotherapy' for ``gene_therapy`` (harden10)."""
    (line,) = _problems({}, {"kind": kind})
    assert f"{kind!r} is not a kind hemasim knows" in line
    assert line.split("; did you mean ", 1)[1].startswith(meant)


def test_a_name_refused_by_its_pattern_says_what_a_name_may_hold_and_the_name_meant():
    """``antigen: Influenza A`` printed the regular expression '^[a-z][a-z0-9_]*$' (harden10)."""
    vaccine = {"kind": "vaccine", "day": 7, "antigen": "Influenza A"}
    (line,) = _problems({"interventions": [vaccine]})
    assert line == ("s.yaml: interventions.0.antigen: 'Influenza A' is not a name in lower case: a letter, then "
                    "letters, digits or _ (e.g. influenza, tetanus, hepatitis_b); did you mean 'influenza_a'?")
    (line,) = _problems({"interventions": [{**vaccine, "antigen": "2nd"}]})  # no name to offer: none offered
    assert "is not a name in lower case" in line and "did you mean" not in line


def test_clinic_days_before_the_graft_say_how_far_to_move_every_day():
    # a transplant physician counts from the graft (melphalan on day -2, the graft on day 0); the line said only
    # "Input should be greater than or equal to 0" (firsthour27)
    auto = {"name": "auto", "patient": {"age_years": 60, "sex": "male", "weight_kg": 80, "height_cm": 175},
            "duration_days": 100, "interventions": [
                {"kind": "conditioning", "regimen": "high_dose_melphalan", "start_day": -2},
                {"kind": "transplant", "day": 0, "source": "peripheral_blood", "donor": "autologous",
                 "cd34_per_kg": 3.5e6},
                {"kind": "immunosuppression", "agent": "ciclosporin", "start_day": -1, "end_day": 60}]}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(auto, "auto.yaml")
    lines = str(err.value).splitlines()
    assert [line.split(":")[1].strip() for line in lines] == ["interventions.0.start_day", "interventions.2.start_day"]
    for line in lines:  # the shift is the most negative day's, so that every day lands at or after 0
        assert "days count from the start of the run (day 0), not from a graft or a cycle's day 1: add 2 to every day" in line
    # a dose list's day gets it too; a negative count that is not a day does not
    chemo = {**DOCETAXEL["interventions"][0], "schedule": {"days": [-1, 20]}}
    (line,) = _problems({"interventions": [chemo]})
    assert line.startswith("s.yaml: interventions.0.schedule.days.0:") and "add 1 to every day" in line
    (line,) = _problems({}, {"infusion_hours": -1})
    assert "days count" not in line
    # the graft on the clinic's day 0 beside melphalan from day 0: the day it goes on, not only "comes before"
    auto["interventions"] = [{**auto["interventions"][0], "start_day": 0}, auto["interventions"][1]]
    with pytest.raises(ScenarioError) as err:
        parse_scenario(auto, "auto.yaml")
    assert str(err.value) == (
        "auto.yaml: interventions.1.day: the graft (day 0) comes before conditioning interventions.0 "
        "(high_dose_melphalan, from day 0) allows it: give it on day 2, the clinic's day 0 (days count from the run's "
        "start; docs/getting_started.md, Days)")


def test_the_days_section_the_hint_names_holds_a_scenario_that_checks_clean_on_the_days_it_says(tmp_path: Path):
    # docs/getting_started.md, "Days": the clinic's day 1 of a cycle is the run's day 0, "day 2" is day 1; its
    # example is what a new user copies first, so it must check without a warning and dose on the days it states
    page = (ROOT / "docs" / "getting_started.md").read_text(encoding="utf-8")
    section = page.split("\n## Days\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    path = tmp_path / "my.yaml"
    path.write_text(block, encoding="utf-8")
    res = invoke_hemasim("check", "--strict", str(path))
    assert res.exit_code == 0 and "no warnings" in res.stdout, res.output
    chemo, gcsf = parse_scenario(yaml.safe_load(block), "my.yaml").interventions
    assert chemo.schedule.dose_days() == [0, 21, 42, 63]  # "the clinic's day 1 of cycles 1-4"
    assert gcsf.schedule.dose_days() == [1, 22, 43, 64]  # "day 2 of each cycle"


def test_a_dose_rule_in_a_protocols_words_gets_the_values_meant():
    # "hold if neutrophils < 1.5": the lines listed 'anc' or 'platelets' and 'delay' or 'reduce' with no hint
    rule = {"observable": "neutrophils", "below": 1.5, "action": "hold", "delay_days": 7}
    observable, action = _problems({}, {"rules": [rule]})
    assert observable.startswith("s.yaml: interventions.0.rules.0.observable: Input should be 'anc' or 'platelets'")
    assert observable.endswith("did you mean 'anc'?")
    assert action.startswith("s.yaml: interventions.0.rules.0.action:") and action.endswith("did you mean 'delay'?")
    (line,) = _problems({}, {"rules": [{**rule, "observable": "PLT", "action": "delay"}]})
    assert line.endswith("did you mean 'platelets'?")
