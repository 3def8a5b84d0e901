"""Hardening from the twenty-third session's review list (harden24): each test fails on the code before its fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hemasim.pharmacology.chemo_regimens import RegimenError, load_chemo_regimen
from hemasim.scenario import ScenarioError, parse_scenario

PATIENT = {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165}


def _regimen(path: Path, drug: dict[str, Any], references: dict[str, Any] | None = None) -> Path:
    data = {"name": path.stem, "description": "test", "phases": [{
        "cycle_length_days": {"value": 21, "assumed": "test"}, "cycles": {"value": 2, "assumed": "test"},
        "drugs": [drug]}]}
    if references is not None:
        data["references"] = references
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _docetaxel(**changes: Any) -> dict[str, Any]:
    return {"drug_set": "docetaxel_kloft2006", "route": "iv_infusion",
            "dose_mg_per_m2": {"value": 75, "assumed": "test"}, "infusion_hours": {"value": 1, "assumed": "test"},
            **changes}


def _scenario_with(regimen: Path) -> dict[str, Any]:
    return {"name": "t", "patient": PATIENT, "duration_days": 60, "aging": False,
            "interventions": [{"kind": "chemotherapy_regimen", "regimen": str(regimen)}]}


@pytest.mark.parametrize(("field", "value"), [("dose_mg_per_m2", 1e300), ("infusion_hours", 1e6)])
def test_a_regimen_file_refuses_a_value_beyond_the_scenario_bound_naming_its_own_field(tmp_path, field, value):
    """1e300 mg/m2 passed the regimen file and was refused only by the scenario, as 'reg: dose_mg_per_m2: ...'
    (neither the file nor the drug's place in it)."""
    path = _regimen(tmp_path / "huge.yaml", _docetaxel(**{field: {"value": value, "assumed": "test"}}))
    with pytest.raises(RegimenError, match=rf"huge.yaml: phases\.0\.drugs\.0\.{field}\.value: must be > 0 and at "
                                           rf"most \d+ \(got {re.escape(f'{value:g}')}\)"):
        load_chemo_regimen(path)
    with pytest.raises(ScenarioError, match=rf"interventions\.0\.regimen: {path}: phases\.0\.drugs\.0\.{field}\.value"):
        parse_scenario(_scenario_with(path))


def test_a_regimen_drug_that_cannot_be_given_is_named_in_its_file(tmp_path):
    """A route the set has not: the scenario's error named the regimen's name and 'route' alone."""
    drug = _docetaxel(route="oral")
    del drug["infusion_hours"]
    path = _regimen(tmp_path / "oral.yaml", drug)
    with pytest.raises(ScenarioError, match=rf"interventions\.0\.regimen: {path}: phases\.0\.drugs\.0\.route: 'oral' "
                                            r"is not a route of drug set 'docetaxel_kloft2006'"):
        parse_scenario(_scenario_with(path))


def test_a_dropped_regimen_reference_is_named_with_the_references_the_file_has(tmp_path):
    """Reported at the value citing it (where the fix is made), with the file, the key and the file's keys."""
    refs = {"Label": {"authors": "X", "year": 2020, "title": "t", "journal": "j"}}
    path = _regimen(tmp_path / "refs.yaml", _docetaxel(dose_mg_per_m2={"value": 75, "source": "Gone", "where": "x"}),
                    refs)
    with pytest.raises(RegimenError, match=r"refs\.yaml: phases\.0\.drugs\.0\.dose_mg_per_m2\.source: unknown reference "
                                           r"'Gone'; this regimen's references: Label \(add 'Gone' under references, "
                                           r"or cite one of them\)"):
        load_chemo_regimen(path)
    path = _regimen(tmp_path / "norefs.yaml", _docetaxel(dose_mg_per_m2={"value": 75, "source": "Gone", "where": "x"}))
    with pytest.raises(RegimenError, match="unknown reference 'Gone'; this regimen has no references"):
        load_chemo_regimen(path)


def test_a_sweeps_not_computed_endpoints_come_from_the_scenario_and_reach_sweep_json(tmp_path):
    """"Not computed" rode on pandas' experimental DataFrame.attrs through the batches to the figure, and sweep.json
    had no word of it: a reader saw null Cmax values it could take for "not reached". Now it is derived from the
    scenario's endpoint families (cmax_supported) without running, kept by the result, and written to sweep.json."""
    import json

    import numpy as np
    import pandas as pd

    from hemasim.assembly import scenario_not_computed
    from hemasim.scenario import load_scenario
    from hemasim.sensitivity.design import Factor
    from hemasim.sensitivity.run import SweepResult, write_sweep_outputs
    from hemasim.sensitivity.spec import SweepSpec

    from .conftest import EXAMPLES

    with_peg = load_scenario(EXAMPLES / "docetaxel_q3w_pegfilgrastim.yaml")
    assert scenario_not_computed(with_peg) == ["pegfilgrastim_cmax_ng_per_mL", "pegfilgrastim_cmax_day"]
    assert scenario_not_computed(load_scenario(EXAMPLES / "docetaxel_q3w.yaml")) == []  # docetaxel's is computed
    spec = SweepSpec.model_validate({"method": "grid", "n_points": 2, "factors": [
        {"field": "interventions.0.dose_mg_per_m2", "range": [75, 100]}]})
    table = pd.DataFrame({"interventions.0.dose_mg_per_m2": [75.0, 100.0], "anc_nadir": [0.5, 0.3],
                          "pegfilgrastim_cmax_ng_per_mL": [np.nan, np.nan]})
    result = SweepResult([Factor("interventions.0.dose_mg_per_m2", 75, 100, is_field=True, base=75)], table, 0.0,
                         spec, {"anc_nadir": "1e9/L"}, (), ("pegfilgrastim_cmax_ng_per_mL",))
    write_sweep_outputs(result, with_peg, tmp_path, plot=False)
    meta = json.loads((tmp_path / "sweep.json").read_text(encoding="utf-8"))
    assert meta["not_computed"] == ["pegfilgrastim_cmax_ng_per_mL"]


def test_a_cohort_summary_row_has_the_same_fields_for_every_endpoint():
    """summary.csv had a `missing` column only in cohorts with a G-CSF (a row of a not-computed endpoint added the
    key): a script reading the summaries of two cohorts met different columns. Every row has every field now."""
    import numpy as np
    import pandas as pd

    from hemasim.cohort.runner import _Column, _summary_row
    from hemasim.endpoints import DEFAULT_ENDPOINTS

    ep = pd.DataFrame({e.name: [1.0, np.nan] for e in DEFAULT_ENDPOINTS[:1]} | {"g_cmax": [np.nan, np.nan],
                                                                                "d_auc": [3.0, 4.0]})
    rows = [_summary_row(DEFAULT_ENDPOINTS[0], ep), _summary_row(_Column("g_cmax", "ng/mL", "d", "not computed"), ep),
            _summary_row(_Column("d_auc", "ng*h/mL", "d"), ep)]
    assert len({tuple(r) for r in rows}) == 1, [list(r) for r in rows]
    assert [r["missing"] for r in rows] == [None, "not computed", None]
    assert list(pd.DataFrame(rows[::2]).columns) == list(pd.DataFrame(rows).columns)  # summary.csv's header


def test_the_per_kg_slip_hint_takes_the_dose_per_kg_the_range_check_computed():
    """_per_kg_slip read the intervention's field and converted it to ug/kg again (what the range check beside it
    had computed): it takes that dose now, None for a dose per m2 or a flat dose."""
    from hemasim.scenario.plausibility import _per_kg_slip

    inside = lambda f: 1 <= 5000.0 * f <= 10  # noqa: E731  # filgrastim's ug/kg range (a test's own)
    assert _per_kg_slip("dose_mg_per_kg", 5000.0, inside) == "; did you mean 5 ug/kg (0.005 mg/kg)? write dose_mg_per_kg: 0.005"
    assert _per_kg_slip("dose_ug_per_kg", 5000.0, inside) == "; did you mean 5 ug/kg (0.005 mg/kg)? write dose_ug_per_kg: 5"
    assert _per_kg_slip("dose_mg", None, inside) is None


@pytest.mark.parametrize(("field", "value"), [("transduction_efficiency", 60), ("mean_vcn", 0.5)])
def test_the_gene_therapy_library_and_the_scenario_file_give_one_hint(tmp_path, field, value):
    """The percentage and bulk-VCN hints were written three times (the library's GeneTherapy, the file loader's, the
    field's description) and read differently: the library's error now ends in the file's words, with its numbers."""
    from hemasim._schema import BULK_VCN_NOTE
    from hemasim.clonal.gene_therapy import GeneTherapy
    from hemasim.clonal.gene_therapy_report import GeneTherapyScenarioError, Graft, load_gene_therapy_scenario

    from .conftest import EXAMPLES

    data = yaml.safe_load((EXAMPLES / "gene_therapy" / "lentiviral_x_scid.yaml").read_text(encoding="utf-8"))
    data["gene_therapy"][field] = value
    path = tmp_path / "gt.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(GeneTherapyScenarioError) as from_file:
        load_gene_therapy_scenario(path)
    graft = data["gene_therapy"]
    with pytest.raises(ValueError) as from_library:
        GeneTherapy(graft_hsc=5_000, host_surviving_fraction=0.3, transduction_efficiency=graft["transduction_efficiency"],
                    mean_vcn=graft["mean_vcn"])
    hint = str(from_file.value).split(f"(got {value:g})", 1)[1]
    assert hint.startswith("; ") and str(from_library.value).endswith(hint), (str(from_library.value), hint)
    assert Graft.model_fields["mean_vcn"].description == BULK_VCN_NOTE


def test_the_drug_section_reads_a_regimen_and_its_drug_sets_once(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """The report's drug section (administration table, dose basis, peaks, PK-only line) read a regimen given by
    path 4 times and its drug set by path 8 times from disk for a two-row table: each line looked them up again."""
    import shutil

    import hemasim.pharmacology.chemo_regimens as regimens
    import hemasim.pharmacology.drug_sets as drug_sets
    from hemasim.assembly import run_scenario
    from hemasim.interventions.dosed import _drug_section

    drug_file = shutil.copy(drug_sets._shipped_dir() / "docetaxel_kloft2006.yaml", tmp_path)
    path = _regimen(tmp_path / "mine.yaml", _docetaxel(drug_set=str(drug_file)))
    result = run_scenario(parse_scenario({**_scenario_with(path), "duration_days": 42}))
    reads = {"regimen": 0, "drug set": 0}

    def counted(kind: str, load: Any) -> Any:
        def read(p: Path) -> Any:
            reads[kind] += 1
            return load(p)
        return read

    monkeypatch.setattr(regimens, "_load_file", counted("regimen", regimens._load_file))
    monkeypatch.setattr(drug_sets, "_load_file", counted("drug set", drug_sets._load_file))
    section = _drug_section(result)
    assert section is not None and section.count("<td>docetaxel</td>") == 2
    # once each: the regimen's parts validate their set, and the section takes each part's set
    assert reads == {"regimen": 1, "drug set": 2}, reads


def test_a_hint_is_added_once_to_a_line_two_errors_print():
    """validation_problems keeps one line for two errors that print the same; each error's hint was added to it in
    turn (the unit-slip rule guarded itself with '"if that is" not in line and slip not in line', a test no input
    reached: 1,093 mutated example values, and the suite's 7 unit slips, never had it decide). hint_lines changes a
    line once, for every rule."""
    from pydantic import ValidationError

    from hemasim._schema import hint_lines, validation_problems

    error = {"type": "less_than_equal", "loc": ("weight_kg",), "input": 70000, "ctx": {"le": 400}}
    err = ValidationError.from_exception_data("Patient", [error, error])
    lines = validation_problems(err)
    assert len(lines) == 1
    hinted = hint_lines(lines, err, (), lambda e, line, where: line + "; if that is grams, write 70")
    assert hinted == [lines[0] + "; if that is grams, write 70"]


@pytest.mark.parametrize(("drop", "add", "message"), [
    ("emax", None, "effects.0.emax: required field is missing (an emax effect takes emax, hill and one of "
                   "ec50_ng_per_mL / ec50_nmol_per_L)"),
    ("hill", None, "effects.0.hill: required field is missing"),
    ("ec50_nmol_per_L", None, "effects.0.ec50_ng_per_mL: an emax effect takes exactly one of ec50_ng_per_mL or "
                              "ec50_nmol_per_L"),
    (None, "slope_L_per_umol", "effects.0.slope_L_per_umol: not a field of an emax effect"),
])
def test_a_drug_set_effect_without_a_value_it_needs_is_refused_at_that_field(tmp_path, drop, add, message):
    """A G-CSF set without emax was refused as 'effects.0: an emax effect takes ...', naming no field; and the
    shared-receptor check beside it took a missing emax as 0 ('effects.0.emax.value: 0'), a value nobody wrote."""
    from hemasim.pharmacology.drug_sets import DrugSetError, _shipped_dir, load_drug_set

    data = yaml.safe_load((_shipped_dir() / "filgrastim_melhem2017.yaml").read_text(encoding="utf-8"))
    data["name"] = "mine"
    effect = data["effects"][0]
    if drop is not None:
        del effect[drop]
    if add is not None:
        effect[add] = {"value": 1.0, "assumed": "test"}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DrugSetError, match=re.escape(message)):
        load_drug_set(path)


def test_hemasim_drugs_shows_or_checks_a_regimen_file_of_ones_own(tmp_path):
    """`hemasim drugs my_regimen.yaml` read every .yaml as a drug set: a combination regimen met "drug: required field
    is missing; ... phases: unknown field", a line for each drug-set field, about a file that is no drug set."""
    from .conftest import invoke_hemasim

    path = _regimen(tmp_path / "mine.yaml", _docetaxel())
    shown = invoke_hemasim("drugs", str(path))
    assert shown.exit_code == 0, shown.stderr
    assert f"kind: chemotherapy_regimen, regimen: {path}" in " ".join(shown.stdout.split())
    bad = _regimen(tmp_path / "bad.yaml", _docetaxel(dose_mg_per_m2={"value": 1e300, "assumed": "test"}))
    refused = invoke_hemasim("drugs", str(bad))
    assert refused.exit_code != 0
    message = " ".join(refused.stderr.split())
    assert "phases.0.drugs.0.dose_mg_per_m2.value: must be > 0" in message and "required field" not in message, message


def test_hemasim_drugs_help_names_the_combination_regimens():
    """The command lists three tables (drug sets, combination regimens, conditioning regimens); its help named two."""
    from .conftest import invoke_hemasim

    shown = invoke_hemasim("drugs", "--help")
    assert "combination and conditioning regimens" in " ".join(shown.stdout.replace("│", " ").split())


def test_the_drug_section_times_a_peak_from_its_dose_and_counts_days_of_the_run():
    """Read as a physician: "docetaxel Cmax 2837 ng/mL on day 0.04167" left the hour to be worked out, and the
    administration table's "day" beside a regimen described in clinical days (pegfilgrastim "on day 2" listed on
    day 1) did not say which count it was."""
    from hemasim.assembly import run_scenario
    from hemasim.interventions.dosed import _drug_section, peak_text

    result = run_scenario(parse_scenario({
        "name": "t", "patient": PATIENT, "duration_days": 10, "aging": False, "output": {"every_days": 0.5},
        "interventions": [{"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 75,
                           "route": "iv_infusion", "infusion_hours": 1, "schedule": {"days": [2]}}]}))
    assert re.search(r"docetaxel Cmax [\d.]+ ng/mL on day 2\.042, 1 h after the dose of day 2 \(cumulative AUC",
                     peak_text(result)), peak_text(result)
    section = _drug_section(result)
    assert section is not None and "<th>day of the run</th>" in section


@pytest.mark.parametrize(("written", "value", "hint"), [
    ("weight_lbs", 165, "did you mean 'weight_kg'? weight_kg is in kg: write weight_kg: 74.8 for 165 pounds"),
    ("weight_lb", 165, "did you mean 'weight_kg'? weight_kg is in kg: write weight_kg: 74.8 for 165 pounds"),
    ("age_months", 480, "did you mean 'age_years'? age_years is in years: write age_years: 40 for 480 months"),
    ("height_m", 1.78, "did you mean 'height_cm'? height_cm is in cm: write height_cm: 178 for 1.78 metres"),
])
def test_a_patient_field_named_in_another_unit_gets_the_value_in_the_fields_unit(written, value, hint):
    """Read as a physician: 'weight_lbs: 165' was told only "did you mean 'weight_kg'?", and weight_kg: 165 is a valid
    weight (no warning) that runs as 165 kg, twice the patient."""
    patient = {"age_years": 40, "sex": "male", "weight_kg": 75, "height_cm": 178}
    field = next(f for f in patient if f.startswith(written.split("_")[0]))
    del patient[field]
    patient[written] = value
    with pytest.raises(ScenarioError) as err:
        parse_scenario({"name": "t", "patient": patient, "duration_days": 30})
    line = next(x for x in str(err.value).splitlines() if f"patient.{written}:" in x)
    assert hint in line, line  # tidy30: a weight in pounds is also told what 165 in weight_kg would do
    assert line.count("did you mean") == 1, line


def test_a_share_written_with_a_percent_sign_is_told_the_fraction(tmp_path):
    """Read as a physician: 'transduction_efficiency: 90%' was told "write the number alone: the unit is the one in
    the field's name" (a share's name has no unit, and 90 is refused again); a scenario's 'surviving_fraction: 10%'
    the same. A weight with a percent sign keeps the number-alone rule."""
    from hemasim.clonal.gene_therapy_report import GeneTherapyScenarioError, load_gene_therapy_scenario

    from .conftest import EXAMPLES

    data = yaml.safe_load((EXAMPLES / "gene_therapy" / "lentiviral_x_scid.yaml").read_text(encoding="utf-8"))
    data["gene_therapy"]["transduction_efficiency"] = "90%"
    path = tmp_path / "gt.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(GeneTherapyScenarioError, match=r"\(got '90%'\); a fraction: write 0\.9 for 90%$"):
        load_gene_therapy_scenario(path)
    scenario = yaml.safe_load((EXAMPLES / "marrow_depletion.yaml").read_text(encoding="utf-8"))
    scenario["interventions"][0]["surviving_fraction"] = "10 %"
    with pytest.raises(ScenarioError, match=r"surviving_fraction: .*\(got '10 %'\); a fraction: write 0\.1 for 10%$"):
        parse_scenario(scenario)
    scenario["interventions"][0]["surviving_fraction"] = 0.1
    scenario["patient"]["weight_kg"] = "70%"
    with pytest.raises(ScenarioError, match="weight_kg: .*write the number alone"):
        parse_scenario(scenario)


def test_a_regimen_files_relative_drug_set_is_read_from_the_regimens_folder(tmp_path, monkeypatch):
    """A regimen file's drug_set path was read from the folder hemasim ran in, where a scenario's own paths are read
    from its file's folder: a run from elsewhere failed ("cannot read the drug set"), or took another file of the
    same name that stood in the working folder."""
    import shutil

    from hemasim.pharmacology.drug_sets import _shipped_dir

    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy(_shipped_dir() / "docetaxel_kloft2006.yaml", mine)
    path = _regimen(mine / "rel.yaml", _docetaxel(drug_set="docetaxel_kloft2006.yaml"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    reg = load_chemo_regimen(path)
    assert reg.phases[0].drugs[0].drug_set == str(mine / "docetaxel_kloft2006.yaml")
    parse_scenario(_scenario_with(path))  # the scenario gives it too


@pytest.mark.parametrize("donor", ["haplo", "MUD", "matched sibling", "MSD"])
def test_a_transplant_clinics_donor_type_is_told_the_donor_kind(donor):
    """Read as a transplant physician: 'donor: haplo' (or MUD, MSD) got the allowed values and no hint; the model's
    donor is allogeneic or autologous (haploidentical already mapped)."""
    data = {"name": "t", "patient": PATIENT, "duration_days": 30,
            "interventions": [{"kind": "transplant", "day": 1, "source": "peripheral_blood", "cd34_per_kg": 5e6,
                               "donor": donor}]}
    with pytest.raises(ScenarioError, match=r"interventions\.0\.donor: .*did you mean 'allogeneic'\?"):
        parse_scenario(data)


@pytest.mark.parametrize(("written", "meant"), [("BuCy", "bu_cy"), ("FLU-BU2", "flu_bu2"), ("MEL200", "high_dose_melphalan"),
                                                ("Flu/Mel", "flu_mel"), ("Cy/TBI", "cy_tbi_12gy")])
def test_a_conditioning_regimen_as_a_clinic_writes_it_is_told_the_shipped_one(tmp_path, written, meant):
    """Read as a transplant physician: 'BuCy', 'FLU-BU2' and 'MEL200' got the shipped names and no hint (only a
    lower-case name was matched), and 'Flu/Mel' read as a file path: 'cannot read the conditioning regimen (No such
    file or directory)'."""
    from .conftest import invoke_hemasim

    data = {"name": "t", "patient": PATIENT, "duration_days": 40,
            "interventions": [{"kind": "conditioning", "regimen": written, "start_day": 0},
                              {"kind": "transplant", "day": 10, "source": "peripheral_blood", "cd34_per_kg": 5e6}]}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    checked = invoke_hemasim("check", str(path))
    assert checked.exit_code == 2
    assert " ".join(checked.stderr.split()).endswith(f"did you mean {meant!r}?"), checked.stderr
    if "/" not in written:  # hemasim drugs NAME: the same
        shown = invoke_hemasim("drugs", written)
        assert " ".join(shown.stderr.split()).endswith(f"did you mean {meant!r}?"), shown.stderr
