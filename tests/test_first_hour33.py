"""An oncology pharmacometrician's first hour (ux33c): the numbers docs/drugs.md quotes for one docetaxel cycle, a
user's regimen file checked by `hemasim drugs` as a scenario reads it, and a drug set given under the wrong kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from .conftest import ROOT


def _cycle_table() -> dict[str, tuple[str, str]]:
    """docs/drugs.md's table of one docetaxel cycle: read-out -> (Friberg chain, full model) as written."""
    text = (ROOT / "docs" / "drugs.md").read_text(encoding="utf-8")
    section = text.split("## Validation (C1-C6)", 1)[1].split("\n\n(", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"[0-9.]+", cells[1]):
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def _agrees(written: str, value: float) -> bool:
    """``written`` is ``value`` rounded to the digits it shows."""
    decimals = len(written.split(".")[1]) if "." in written else 0
    return abs(float(written) - value) <= 0.5 * 10.0 ** -decimals + 1e-12


def test_the_docetaxel_cycle_table_of_drugs_md_gives_the_runs_numbers():
    """The table read the full model's day-21 ANC as 3.7e9/L where the run (and the validation card's C5 info line)
    gives 4.9, its nadir 0.42 on day 9.25 where the run gives 0.44 on day 9.42 (ux33c): the table is held to the same
    one-cycle runs that `hemasim validate` reads for C4/C5."""
    from hemasim.validation.chemotherapy import _cycle_readouts

    rows = _cycle_table()
    names = {"day of ANC nadir": "anc_nadir_day", "days with ANC < 0.5": "days_anc_below_0p5",
             "ANC nadir (1e9/L)": "anc_nadir", "ANC on day 21 (1e9/L)": "anc_day21"}
    assert set(rows) == set(names), rows
    for kind, column in (("friberg", 0), ("full_model", 1)):
        readouts = _cycle_readouts(kind)
        for row, name in names.items():
            value = readouts[f"{kind}_docetaxel_{name}"].measure()  # type: ignore[attr-defined]
            assert _agrees(rows[row][column], value), (kind, row, rows[row][column], value)


_SET = """name: {name}
drug: mytaxane
description: A user's cytotoxic (test).
routes: [iv_infusion]
references:
  Me2026: {{authors: Me, year: 2026, title: notes, journal: unpublished}}
molar_mass_g_per_mol: {{value: 600.0, assumed: test}}
pk:
  central_volume_L: {{value: 20.0, assumed: test}}
  clearance_L_per_h: {{value: 30.0, assumed: test}}
effects:
  - acts_on: proliferation
    lineages: [neutrophil]
    model: linear
    full_model:
      slope_L_per_umol: {{value: 10.0, assumed: test}}
      lineages: [neutrophil]
      stages: [committed_progenitors, dividing_precursors]
"""


def _regimen(drugs: str) -> str:
    return ("name: mine\ndescription: test\nphases:\n  - cycle_length_days: {value: 21, assumed: test}\n"
            "    cycles: {value: 2, assumed: test}\n    drugs:\n" + drugs)


_MINE = ("      - {drug_set: mytaxane_user.yaml, route: iv_infusion, dose_mg_per_m2: {value: 75, assumed: t}, "
         "infusion_hours: {value: 1, assumed: t}}\n")


@pytest.mark.parametrize(("drugs", "said"), [
    # a drug-set file that is not there (a typo in its name)
    (_MINE.replace("mytaxane_user.yaml", "mytaxane_usr.yaml"), "phases.0.drugs.0.drug_set: "),
    # a route the set does not allow
    (_MINE.replace("route: iv_infusion", "route: iv_bolus").replace(
        ", infusion_hours: {value: 1, assumed: t}", ""), "phases.0.drugs.0.route: 'iv_bolus' is not a route"),
    # an infusion without its length
    (_MINE.replace(", infusion_hours: {value: 1, assumed: t}", ""), "phases.0.drugs.0.infusion_hours: required"),
    # a set without PK
    ("      - {drug_set: paclitaxel_friberg2002, route: iv_infusion, dose_mg_per_m2: {value: 175, assumed: t}, "
     "infusion_hours: {value: 3, assumed: t}}\n", "'paclitaxel_friberg2002' has no PK model"),
], ids=["missing_set_file", "route_refused", "infusion_length_missing", "no_pk"])
def test_drugs_checks_a_regimen_file_as_a_scenario_reads_it(tmp_path: Path, drugs: str, said: str):
    """`hemasim drugs my_regimen.yaml` printed a regimen whose drug set did not exist, whose route the set refused,
    an infusion without its length and a set without PK, all of which a scenario giving the regimen refused; the
    help says it checks the file as a scenario would read it (ux33c)."""
    from hemasim.cli.app import app

    (tmp_path / "mytaxane_user.yaml").write_text(_SET.format(name="mytaxane_user"), encoding="utf-8")
    path = tmp_path / "mine.yaml"
    path.write_text(_regimen(drugs), encoding="utf-8")
    res = CliRunner().invoke(app, ["drugs", str(path)], env={"COLUMNS": "300"})
    assert res.exit_code == 2, res.output
    assert f"{path}: " in res.output and said in res.output, res.output
    path.write_text(_regimen(_MINE), encoding="utf-8")  # the same file, right: printed
    res = CliRunner().invoke(app, ["drugs", str(path)], env={"COLUMNS": "300"})
    assert res.exit_code == 0 and "mine (combination regimen" in res.output, res.output


def _scenario(block: dict) -> dict:
    return {"name": "t", "patient": {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165},
            "duration_days": 30, "interventions": [block]}


@pytest.mark.parametrize(("block", "said"), [
    ({"kind": "chemotherapy", "drug_set": "pegfilgrastim_melhem2017", "dose_mg": 6, "route": "subcutaneous",
      "schedule": {"days": [1]}}, "'pegfilgrastim_melhem2017' stimulates blood formation"),
    ({"kind": "gcsf", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 75, "route": "iv_infusion",
      "infusion_hours": 1, "schedule": {"days": [0]}}, "'docetaxel_kloft2006' is not a G-CSF (it kills"),
    ({"kind": "gcsf", "drug_set": "carboplatin_zandvliet2008", "dose_mg_per_m2": 400, "route": "iv_infusion",
      "infusion_hours": 1, "schedule": {"days": [0]}}, "is not a G-CSF (it has no effect on blood cells"),
], ids=["gcsf_as_chemotherapy", "cytotoxic_as_gcsf", "pk_only_as_gcsf"])
def test_a_drug_set_under_the_other_kind_is_refused(block: dict, said: str):
    """Pegfilgrastim as `kind: chemotherapy` ran (its doses obeyed the dose rules, no CD34+ mobilisation), docetaxel
    as `kind: gcsf` ran too (its concentration mobilised CD34+ cells as G-CSF's does): a regimen file's drug without
    `kind: gcsf` is a chemotherapy, so pegfilgrastim there met this silently (ux33c)."""
    from hemasim.scenario import ScenarioError, parse_scenario

    with pytest.raises(ScenarioError, match=re.escape(said)):
        parse_scenario(_scenario(block), source="t")
    right = dict(block, kind="gcsf" if block["kind"] == "chemotherapy" else "chemotherapy")
    parse_scenario(_scenario(right), source="t")  # the same block under its kind is taken


def test_the_cohort_report_lists_the_interventions_given():
    """A cohort report showed the scenario's description and population, not its interventions: a docetaxel cohort
    given 75 mg/m2 read "Docetaxel 100 mg/m2" (the description of the example it was copied from) and nowhere the
    dose given (ux33c). It lists them as the single run's report does."""
    from html import unescape

    from hemasim.report.html import render_cohort_report

    scenario = {"name": "c", "description": "Docetaxel 100 mg/m2 every 21 days.",
                "interventions": [{"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 75,
                                   "route": "iv_infusion", "infusion_hours": 1,
                                   "schedule": {"start_day": 0, "every_days": 21, "cycles": 3}}]}
    report = unescape(render_cohort_report({"n_patients": 10, "endpoints": []}, b"", {"scenario": scenario}))
    assert "Interventions:" in report and "dose 75 mg/m²" in report, report


_DOCETAXEL_NO_RULES = {
    "name": "docetaxel", "patient": {"age_years": 60, "sex": "female", "weight_kg": 68, "height_cm": 162},
    "duration_days": 30, "aging": False, "output": {"every_days": 0.25},
    "interventions": [{"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 75,
                       "route": "iv_infusion", "infusion_hours": 1, "schedule": {"days": [0, 21]}}]}


@pytest.mark.slow
@pytest.mark.integration
def test_the_exported_sbml_gives_the_reports_counts_to_libroadrunner():
    """`hemasim export-sbml` wrote the states (cells, a drug's micrograms) and no count: to compare the ANC with
    libRoadRunner one had to find that it is 1.1e-10 x neutrophil_blood_1 for this patient (its blood volume and
    circulating share), nowhere in the file (ux33c). The counts are parameters obs_NAME in their units, and
    libRoadRunner's follow hemasim's."""
    import numpy as np

    from hemasim.assembly import export_scenario_sbml, run_scenario
    from hemasim.scenario import parse_scenario

    from .conftest import assert_follows, roadrunner_trajectory

    scenario = parse_scenario(_DOCETAXEL_NO_RULES, source="t")
    text, errors, left_out = export_scenario_sbml(scenario)
    assert errors == [] and left_out == [] and 'id="obs_anc_1e9_per_L"' in text and 'id="unit_1e9_per_L"' in text
    result = run_scenario(scenario)
    names = [n for n in result.observables.columns if n != "time_days"]  # every one (it compared 6, review33c)
    assert len(names) > 20 and all(f'id="obs_{n}"' in text for n in names)
    theirs = roadrunner_trajectory(text, 30, len(result.times), [f"obs_{n}" for n in names])
    ours = np.column_stack([result.observable(n) for n in names])
    assert_follows(theirs, ours, 1e-4, 1e-6 * np.max(np.abs(ours), axis=0), names)


def test_the_exported_counts_declare_their_units_and_leave_out_what_a_blood_loss_dilutes(reference_model):
    """The counts' units pass libSBML's unit checks with neither errors nor warnings (as the states' do); after a
    blood loss hemasim reads Hb and the red-cell count over the plasma-refilled volume, outside the equations, so the
    file leaves them out and says so, rather than give a haemoglobin 13% off (ux33c)."""
    from hemasim.events import BloodLoss
    from hemasim.model.sbml import to_sbml, validate_sbml
    from hemasim.simulation import steady_state

    x0 = steady_state(reference_model)
    text = to_sbml(reference_model, initial_state=x0, observables=True)
    assert validate_sbml(text, warnings=True) == []
    assert all(f'id="obs_{n}"' in text for n in reference_model.observable_names)
    lost = to_sbml(reference_model, [BloodLoss(10.0, 500.0)], initial_state=x0, observables=True)
    assert 'id="obs_hemoglobin_g_per_dL"' not in lost and 'id="obs_anc_1e9_per_L"' in lost
    assert "hemoglobin_g_per_dL and rbc_1e12_per_L left out" in lost
    assert 'id="obs_' not in to_sbml(reference_model, initial_state=x0)  # the comparisons' export: states alone


@pytest.mark.slow
@pytest.mark.integration
def test_the_exported_counts_follow_the_model_re_targeted_to_another_patient():
    """The counts' weights (a blood volume, a circulating share) were numbers in the obs_ formulas: re-targeting a
    loaded model to another patient (sbml_parameter_values, as the cohort cross-check does) left every obs_ at the
    first patient's blood volume (review33c). They are named constants that the values set."""
    import numpy as np

    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.model.sbml import sbml_parameter_matrix, sbml_parameter_values, to_sbml
    from hemasim.simulation import Simulation, steady_state
    from hemasim.solvers import DormandPrince

    from .conftest import assert_follows, roadrunner_trajectory

    first = healthy_human_model(Covariates(35.0, "male", 80.0, 180.0)).compile()
    other = healthy_human_model(Covariates(70.0, "female", 50.0, 155.0)).compile()
    amounts = dict(zip(other.state_names, steady_state(other), strict=True))
    values = sbml_parameter_values(other, observables=True)
    assert any(pid.startswith("w_obs_anc_1e9_per_L_") for pid in values)

    def to_other(rr) -> None:  # the first patient's model, re-targeted: the other's steady state and values
        rr.model.setFloatingSpeciesInitAmounts(np.array([amounts[s] for s in rr.model.getFloatingSpeciesIds()]))
        rr.reset()
        for pid, value in values.items():
            rr[pid] = value

    names = other.observable_names
    theirs = roadrunner_trajectory(to_sbml(first, initial_state=steady_state(first), observables=True), 10, 11,
                                   [f"obs_{n}" for n in names], prepare=to_other)
    ours = Simulation(other, solver=DormandPrince(rtol=1e-10)).run(10, 1.0)
    mine = np.column_stack([ours.observable(n) for n in names])
    assert_follows(theirs, mine, 1e-4, 1e-6 * np.max(np.abs(mine), axis=0), names)
    # the two patients' counts differ (a woman of 50 kg has less blood): without the weights the test would fail
    at_first = first.observables(np.zeros(1), steady_state(first)[None])[0]
    assert np.sum(np.abs(theirs[0] / np.where(at_first == 0, 1.0, at_first) - 1) > 0.01) >= 5
    ids, matrix = sbml_parameter_matrix(first, observables=True)  # one patient: the same ids and values
    assert ids == list(sbml_parameter_values(first, observables=True)) and matrix.shape == (1, len(ids))


def test_export_sbml_of_a_blood_loss_names_the_counts_it_leaves_out(tmp_path: Path):
    """`hemasim export-sbml examples/blood_donation.yaml` (the README's and cohorts.md's example) left Hb and the
    red-cell count out of the obs_ parameters with no word but a note inside the file (review33c)."""
    from hemasim.cli.app import app

    out = tmp_path / "donation.xml"
    res = CliRunner().invoke(app, ["export-sbml", str(ROOT / "examples" / "blood_donation.yaml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "warning: hemoglobin_g_per_dL and rbc_1e12_per_L left out" in res.stderr, res.stderr
    assert 'id="obs_anc_1e9_per_L"' in out.read_text(encoding="utf-8")


def test_the_readme_counts_the_drug_sets_hemasim_drugs_lists():
    """The README said 20 drug sets where `hemasim drugs` lists 21 (filgrastim_wang2001_v1 came after the count)."""
    from hemasim.pharmacology import available_drug_sets

    said = re.search(r"(\d+) cited drug sets", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert said is not None and int(said[1]) == len(available_drug_sets())


def test_the_own_drug_set_of_drugs_md_loads_and_doses(tmp_path: Path):
    """docs/drugs.md said "copy a shipped file" and listed the value forms without `fitted` (which the shipped AC sets
    use) or the `full_model` block: its example of a set of one's own (PK and a full-model kill only) loads, prints,
    is dosed as chemotherapy, and is refused by the Friberg chain it does not have (ux33c)."""
    import yaml

    from hemasim.cli.app import app
    from hemasim.pharmacology import load_drug_set
    from hemasim.scenario import ScenarioError, parse_scenario

    text = (ROOT / "docs" / "drugs.md").read_text(encoding="utf-8")
    block = text.split("in `mytaxane_2026.yaml`", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "mytaxane_2026.yaml"
    path.write_text(block, encoding="utf-8")
    ds = load_drug_set(path)
    assert ds.full_model_kill_only and ds.pk is not None and yaml.safe_load(block)["name"] == ds.name
    res = CliRunner().invoke(app, ["drugs", str(path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "effects.0.full_model.slope_L_per_umol = 10" in res.output, res.output
    # what it acts on, as docs/drug_sets.md marks a shipped set (the printout said only what its description said)
    assert "Full-model kill only: no published chain" in res.output, res.output
    chemo = {"kind": "chemotherapy", "drug_set": str(path), "dose_mg_per_m2": 75, "route": "iv_infusion",
             "infusion_hours": 1, "schedule": {"days": [0]}}
    parse_scenario(_scenario(chemo), source="t")
    with pytest.raises(ScenarioError, match="friberg"):
        parse_scenario({**_scenario(chemo), "model": {"kind": "friberg_chain", "drug_set": str(path)}}, source="t")


def test_a_list_written_as_one_mapping_and_a_misspelt_regimen_field_say_what_to_write(tmp_path: Path):
    """A drug set's `peripheral:` written as one compartment's mapping said only "Input should be a valid list"; a
    regimen's `dose_mg_m2` said "unknown field" and named no field, where a drug set's misspelling is told the field
    it resembles (ux33c)."""
    import yaml

    from hemasim.pharmacology.chemo_regimens import RegimenError, load_chemo_regimen
    from hemasim.pharmacology.drug_sets import DrugSetError, load_drug_set

    data = yaml.safe_load(_SET.format(name="two_comp"))
    data["pk"]["peripheral"] = {"volume_L": {"value": 100.0, "assumed": "t"},
                                "intercompartmental_clearance_L_per_h": {"value": 10.0, "assumed": "t"}}
    (tmp_path / "two_comp.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DrugSetError, match=r"pk\.peripheral: Input should be a valid list; write it as a list: each "
                                           r"item on a line of its own starting with '- '"):
        load_drug_set(tmp_path / "two_comp.yaml")
    (tmp_path / "mytaxane_user.yaml").write_text(_SET.format(name="mytaxane_user"), encoding="utf-8")
    (tmp_path / "mine.yaml").write_text(_regimen(_MINE.replace("dose_mg_per_m2", "dose_mg_m2")), encoding="utf-8")
    with pytest.raises(RegimenError, match=r"phases\.0\.drugs\.0\.dose_mg_m2: unknown field .*did you mean "
                                           r"'dose_mg_per_m2'\?"):
        load_chemo_regimen(tmp_path / "mine.yaml")


@pytest.mark.parametrize(("path", "said"), [
    (("pk", "clearance_iiv_sd_log"), "not a CV in %: a CV of 30% is sqrt(ln(1 + 0.3^2)) = 0.294"),
    (("friberg", "iiv_variance", "baseline"), "not a CV in %: a CV of 30% is ln(1 + 0.3^2) = 0.0862"),
])
def test_a_variability_written_as_a_cv_in_percent_is_given_its_log_scale_value(tmp_path: Path, path, said: str):
    """A paper's "CL IIV 30%" written as clearance_iiv_sd_log: 30 was told only that 30 is outside [0, 2] (ux33c)."""
    import yaml

    from hemasim.pharmacology.drug_sets import DrugSetError, load_drug_set

    data = yaml.safe_load(_SET.format(name="cv_set"))
    if path[0] == "friberg":  # a chain of its own, as docetaxel_kloft2006's, with the chain's slope
        data["friberg"] = {"observable": "anc", "baseline_1e9_per_L": {"value": 5.0, "assumed": "t"},
                           "mean_transit_time_h": {"value": 90.0, "assumed": "t"},
                           "feedback_gamma": {"value": 0.15, "assumed": "t"}, "iiv_variance": {}}
        data["effects"][0]["slope_L_per_umol"] = {"value": 10.0, "assumed": "t"}
    block = data
    for key in path[:-1]:
        block = block[key]
    block[path[-1]] = {"value": 30, "assumed": "t"}
    (tmp_path / "cv_set.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DrugSetError, match=re.escape(said)):
        load_drug_set(tmp_path / "cv_set.yaml")
    # just above the bound (a variance of 5 where 4 is the most, an SD of 3 where 2 is) is not read as a CV: it was
    # told "a CV of 5%" (review33c); the range alone is said
    block[path[-1]] = {"value": 5 if path[-1] == "baseline" else 3, "assumed": "t"}
    (tmp_path / "cv_set.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DrugSetError, match="outside the plausible range") as err:
        load_drug_set(tmp_path / "cv_set.yaml")
    assert "CV" not in str(err.value), err.value


def test_a_data_file_given_in_the_wrong_place_is_named_with_where_it_goes(tmp_path: Path):
    """A conditioning regimen given as a combination regimen, a regimen as a drug set, a drug set to `hemasim check`:
    each met a line for every field it lacked ("title: required field is missing; ... phases: unknown field")
    instead of what the file is and where it goes (ux33c)."""
    from hemasim.cli.app import app
    from hemasim.scenario import ScenarioError, parse_scenario

    (tmp_path / "mytaxane_user.yaml").write_text(_SET.format(name="mytaxane_user"), encoding="utf-8")
    (tmp_path / "mine.yaml").write_text(_regimen(_MINE), encoding="utf-8")
    chemo = {"kind": "chemotherapy", "drug_set": str(tmp_path / "mine.yaml"), "dose_mg_per_m2": 75,
             "route": "iv_infusion", "infusion_hours": 1, "schedule": {"days": [0]}}
    with pytest.raises(ScenarioError, match=r"this is a combination regimen \(`phases:`\), not a drug set: give it as "
                                            r"`regimen: .*mine\.yaml` of a `kind: chemotherapy_regimen` intervention"):
        parse_scenario(_scenario(chemo), source="t")
    conditioning = {"kind": "conditioning", "regimen": str(tmp_path / "mytaxane_user.yaml"), "start_day": 0}
    with pytest.raises(ScenarioError, match=r"this is a drug set \(`drug:` and `routes:`\), not a conditioning "
                                            r"regimen: give it as `drug_set: "):
        parse_scenario(_scenario(conditioning), source="t")
    res = CliRunner().invoke(app, ["check", str(tmp_path / "mine.yaml")], env={"COLUMNS": "300"})
    assert res.exit_code == 2 and "this is a combination regimen" in res.output and "required" not in res.output


def test_the_report_says_how_a_kill_of_ones_own_was_obtained_and_names_its_file(tmp_path: Path):
    """A set of one's own with an assumed full-model slope read "Fitted marrow kill: mytaxane lower the counts ...
    what it was fitted on: hemasim drugs mytaxane_user", a command that finds no such shipped set; a carboplatin Cmax
    read "3.899e+04 ng/mL" beside the report's "13120 ng·h/mL" (ux33c)."""
    from hemasim.assembly import run_scenario
    from hemasim.interventions.dosed import fitted_kill_text, peak_text
    from hemasim.scenario import parse_scenario

    path = tmp_path / "mytaxane_user.yaml"
    path.write_text(_SET.format(name="mytaxane_user"), encoding="utf-8")
    chemo = {"kind": "chemotherapy", "drug_set": str(path), "dose_mg_per_m2": 75, "route": "iv_infusion",
             "infusion_hours": 1, "schedule": {"days": [0]}}
    carbo = {"kind": "chemotherapy", "drug_set": "carboplatin_zandvliet2008", "dose_mg_per_m2": 400,
             "route": "iv_infusion", "infusion_hours": 0.5, "schedule": {"days": [0]}}
    result = run_scenario(parse_scenario({**_scenario(chemo), "duration_days": 3, "interventions": [chemo, carbo]},
                                         source="t"))
    line = fitted_kill_text(result)
    assert line.startswith("Assumed marrow kill: mytaxane lowers the counts here by a kill in the full model only")
    assert line.endswith(f"its slope assumed; where it comes from: hemasim drugs {path}."), line
    peaks = peak_text(result)
    assert "e+" not in peaks and re.search(r"carboplatin Cmax \d{5} ng/mL", peaks), peaks


def test_drugs_names_the_file_a_bare_name_meant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`hemasim drugs mytaxane_user` beside mytaxane_user.yaml listed the shipped names only (ux33c)."""
    from hemasim.cli.app import app

    (tmp_path / "mytaxane_user.yaml").write_text(_SET.format(name="mytaxane_user"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["drugs", "mytaxane_user"], env={"COLUMNS": "300"})
    assert res.exit_code == 2 and "a file of that name is here: hemasim drugs mytaxane_user.yaml" in res.output


_INHIBITOR = _SET.split("effects:")[0] + """effects:
  - acts_on: production
    lineages: [neutrophil]
    model: emax
    emax: {{value: -0.5, assumed: test}}
    ec50_ng_per_mL: {{value: 100.0, assumed: test}}
    hill: {{value: 1.0, assumed: test}}
"""


def test_a_production_inhibitor_is_a_chemotherapy_not_a_gcsf(tmp_path: Path):
    """A set whose only effect is a production effect with emax < 0 (an indirect-response inhibition, which the schema
    takes) was refused as chemotherapy ("stimulates blood formation ... give it as kind: gcsf") and, as gcsf,
    mobilised CD34+ cells 3 -> 221/uL (review33c): the kind follows the effect's sign."""
    import numpy as np

    from hemasim.assembly import run_scenario
    from hemasim.scenario import ScenarioError, parse_scenario

    path = tmp_path / "myinhib.yaml"
    path.write_text(_INHIBITOR.format(name="myinhib"), encoding="utf-8")
    block = {"kind": "gcsf", "drug_set": str(path), "dose_mg_per_m2": 75, "route": "iv_infusion",
             "infusion_hours": 1, "schedule": {"days": [0]}}
    with pytest.raises(ScenarioError, match=re.escape("'myinhib' is not a G-CSF (it inhibits blood formation")):
        parse_scenario(_scenario(block), source="t")
    scenario = parse_scenario({**_scenario(dict(block, kind="chemotherapy")), "duration_days": 10}, source="t")
    result = run_scenario(scenario)
    cd34 = result.observable("cd34_blood_per_uL")
    assert np.max(cd34) < 1.05 * cd34[0], (cd34[0], np.max(cd34))  # not mobilised
    anc = result.observable("anc_1e9_per_L")
    assert np.min(anc) < 0.997 * anc[0], (anc[0], np.min(anc))  # and it acts: production inhibited


@pytest.mark.slow
def test_the_exported_iron_and_collection_counts_declare_their_units():
    """The iron amounts (mg, mg/day, ug/L) and the apheresis collection per kg (cells/kg) were exported without a
    unit, which libSBML cannot check (review33c): every obs_ parameter of these exports declares one, without a unit
    warning."""
    import libsbml
    import yaml

    from hemasim.assembly import export_scenario_sbml
    from hemasim.model.sbml import validate_sbml
    from hemasim.scenario import parse_scenario

    iron = {**_scenario({"kind": "iron_balance"}), "duration_days": 10}
    mobilised = yaml.safe_load((ROOT / "examples" / "autologous_mobilised.yaml").read_text(encoding="utf-8"))
    for data, wanted in ((iron, ("storage_iron_mg", "iron_absorbed_mg_per_day", "serum_ferritin_ug_per_L")),
                         (mobilised, ("collected_cd34_per_kg",))):
        text, errors, _ = export_scenario_sbml(parse_scenario(data, source="t"))
        m = libsbml.readSBMLFromString(text).getModel()
        obs = {p.getId(): p.getUnits() for p in m.getListOfParameters() if p.getId().startswith("obs_")}
        assert errors == [] and all(f"obs_{n}" in obs for n in wanted), sorted(obs)
        assert [pid for pid, unit in obs.items() if not unit] == []
        assert [w for w in validate_sbml(text, warnings=True) if "obs_" in w] == []


def test_architecture_names_what_ux33c_added():
    """docs/architecture.md did not name what ux33c added: a set's mark (table.what_it_acts_on), the kind check of
    the dosed kinds (DosedSpec._kind_fits), the data files a scenario names (_file_kinds.DATA_KINDS) and the strict
    JSON of validate --json (io.null_for_nonfinite) (review33c); tests/test_architecture_doc.py holds them true."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [n for n in ("what_it_acts_on", "DosedSpec._kind_fits", "DATA_KINDS", "null_for_nonfinite",
                           "stimulating_effects", "left_out_observables") if f"`{n}" not in text and f".{n}`" not in text]
    assert missing == []


def test_a_conditioning_regimen_file_may_name_itself(tmp_path: Path):
    """A conditioning regimen file refused `name:` ("unknown field"), which a drug set and a combination regimen
    require, so a user writing one after the other met it (review33c): docs/chimerism.md's example, with its name,
    loads, prints and is given to a scenario."""
    from hemasim.cli.app import app
    from hemasim.pharmacology.conditioning import load_regimen

    text = (ROOT / "docs" / "chimerism.md").read_text(encoding="utf-8")
    block = text.split("# my_regimen.yaml\n", 1)[1].split("```", 1)[0]
    assert block.startswith("name: my_regimen")
    path = tmp_path / "my_regimen.yaml"
    path.write_text(block, encoding="utf-8")
    assert load_regimen(str(path)).name == "my_regimen"
    res = CliRunner().invoke(app, ["drugs", str(path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "TBI 3 Gy" in res.output, res.output
