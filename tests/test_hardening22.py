"""Hardening, session 22: a coupling's misspelt target is refused naming it and the allowed targets (it was dropped
silently when it held "__"), and the gene-therapy run record goes through the project's JSON writer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hemasim.parameters import healthy_adult_parameters

SLOPE = "docetaxel_kloft2006__effects_0_full_model_slope_L_per_umol"
AGE = "lymphocyte_reference_age_years"


def _coupled(target: str) -> pd.DataFrame:
    """The columns a coupling of ``target`` from the reference age gives on the healthy model's table (which doses
    no drug set)."""
    from hemasim.sensitivity.coupling import Coupling, coupled_columns

    coupling = Coupling((AGE,), (target,), lambda held: {target: 1.0})
    return coupled_columns(pd.DataFrame({AGE: [24.0, 30.0]}), [coupling], healthy_adult_parameters())


def test_a_drug_set_value_the_scenario_does_not_dose_is_left_out():
    assert _coupled(SLOPE).empty  # a shipped set's value: it acts on nothing in this scenario


@pytest.mark.parametrize(("target", "message"), [
    # a misspelt value of a shipped set: was dropped silently as one of a set not dosed
    ("docetaxel_kloft2006__effects_0_full_model_slope_L_per_uml",
     rf"^Coupling.targets: docetaxel_kloft2006__effects_0_full_model_slope_L_per_uml: no value of drug set "
     rf"docetaxel_kloft2006; did you mean {SLOPE}[^?]*\? its values \(after docetaxel_kloft2006__\): .*"
     r"effects_0_full_model_slope_L_per_umol.* \(the coupling from lymphocyte_reference_age_years\)$"),
    # a misspelt set: was dropped silently too
    ("docetaxel_kloft2060__effects_0_full_model_slope_L_per_umol",
     r"^Coupling.targets: docetaxel_kloft2060__effects_0_full_model_slope_L_per_umol: docetaxel_kloft2060 is no drug "
     r"set the scenario doses or hemasim ships; did you mean docetaxel_kloft2006.*\(drug sets: .*docetaxel_kloft2006, "),
    # a misspelt parameter: was a KeyError
    ("naive_cd4_decline_at_reference_age_per_yr",
     r"^Coupling.targets: naive_cd4_decline_at_reference_age_per_yr: no parameter of the scenario's model; did you "
     r"mean naive_cd4_decline_at_reference_age_per_year.*\(allowed: the model's parameters, docs/parameters.md, and "
     r"a drug set's values as SET__VALUE\)"),
])
def test_a_misspelt_coupling_target_is_refused_naming_it_and_the_allowed_targets(target: str, message: str):
    with pytest.raises(ValueError, match=message):
        _coupled(target)


def _small_gene_therapy_run():  # noqa: ANN202 - GeneTherapyRun
    """The example gene therapy over two months in a 2-kg patient (a second instead of four)."""
    from hemasim.clonal.gene_therapy_report import load_gene_therapy_scenario, run_gene_therapy

    from .conftest import EXAMPLES

    scenario = load_gene_therapy_scenario(EXAMPLES / "gene_therapy" / "lentiviral_x_scid.yaml")
    small = scenario.model_copy(update={"horizon_months": 2, "sample_months": [1, 2], "cells_per_sample": 1000,
                                        "patient": scenario.patient.model_copy(update={"weight_kg": 2.0})})
    return run_gene_therapy(small)


def test_the_run_records_are_written_by_the_projects_json_writer(tmp_path, monkeypatch):
    """gene-therapy's and clonal-hematopoiesis's run.json are io.json_writer's bytes (indented, strict, a newline at
    the end; clonal-hematopoiesis's had none), and a value JSON has no type for is written as text as in every other
    run.json (gene-therapy's own json call failed on it)."""
    import json
    from pathlib import Path

    from hemasim.clonal import gene_therapy_report as gt
    from hemasim.clonal.report import run_ch_population, write_ch_outputs

    run = _small_gene_therapy_run()
    gt.write_gene_therapy_outputs(run, tmp_path / "gt", report=False)
    record = gt.run_record(run)
    written = (tmp_path / "gt" / "run.json").read_bytes()
    assert written == (json.dumps(record, indent=2, allow_nan=False) + "\n").encode()  # the bytes of before
    monkeypatch.setattr(gt, "run_record", lambda r: {**record, "source": Path("mine") / "x.yaml"})
    gt.write_gene_therapy_outputs(run, tmp_path / "gt", report=False)
    assert json.loads((tmp_path / "gt" / "run.json").read_text(encoding="utf-8"))["source"] == "mine/x.yaml"

    ch = run_ch_population(3, seed=1, max_age_years=20, example_pool_size=500)
    write_ch_outputs(ch, tmp_path / "ch", report=False)
    text = (tmp_path / "ch" / "run.json").read_text(encoding="utf-8")
    assert text.endswith("}\n") and json.loads(text)["n_people"] == 3


# ------------------------------------------------------------------ what tests/test_mutated_inputs.py found
def _example(name: str) -> dict:
    import yaml

    from .conftest import EXAMPLES

    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def _scenario_error(data: dict) -> str:
    from hemasim.scenario import ScenarioError, parse_scenario

    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "s.yaml")
    return str(err.value)


def test_a_day_after_the_end_names_the_field_the_file_has():
    """``day`` is a field of some kinds and a property of the others: the message named ``interventions.0.day`` for a
    conditioning's ``start_day`` and a schedule's days."""
    data = _example("conditioning_cy_tbi.yaml")
    data["interventions"][0]["start_day"] = 61
    assert _scenario_error(data) == ("s.yaml: interventions.0.start_day: day 61 is after the end of the scenario "
                                     "(duration_days = 60)")
    gcsf = _example("docetaxel_q3w_pegfilgrastim.yaml")
    gcsf["interventions"][1]["schedule"]["start_day"] = 85
    assert "s.yaml: interventions.1.schedule.start_day: day 85 is after the end" in _scenario_error(gcsf)


@pytest.mark.parametrize("where", ["start_day", "every_days"])
def test_a_schedule_day_beyond_any_scenario_is_refused_naming_it(where: str):
    """At 1e30 the cycles' days fell together in floating point: "infusions overlap (doses 0 d apart)"."""
    data = _example("docetaxel_q3w.yaml")
    data["interventions"][0]["schedule"][where] = 1e30
    assert _scenario_error(data) == (f"s.yaml: interventions.0.schedule.{where}: Input should be less than or equal "
                                     f"to 43830 (allowed: {'>=' if where == 'start_day' else '>'} 0 and <= 43830) "
                                     "(got 1e+30)")


def test_a_misspelt_kind_is_named_as_a_misspelt_key_in_the_scenario_and_its_arms():
    data = _example("ric_allo_hsct.yaml")
    for block, at in ((data, ""), (data["arms"][1], "arms.1: ")):
        block["interventions"][0]["kidn"] = block["interventions"][0].pop("kind")
        assert _scenario_error(data) == (f"s.yaml: {at}interventions.0.kidn: unknown field; did you mean 'kind'? "
                                         "(it names the kind of block)")
        block["interventions"][0]["kind"] = block["interventions"][0].pop("kidn")


def test_a_model_block_without_kind_names_the_kind_its_fields_belong_to():
    """Without ``kind`` the block was the full model's, and its friberg_chain fields two unknown fields."""
    data = _example("friberg_docetaxel.yaml")
    del data["model"]["kind"]
    assert _scenario_error(data) == ("s.yaml: model.kind: required field is missing; drug_set, prior_therapy: field(s) "
                                     "of kind friberg_chain (kinds: full, friberg_chain; without kind: full)")
    data["model"] = {"rtol": 1e-6}  # another kind's fields are not guessed at: an unknown field, as before
    assert _scenario_error(data).startswith("s.yaml: model.rtol: unknown field")


@pytest.mark.parametrize(("path", "value", "message"), [
    (("pk", "saturable_elimination", "km_ng_per_mL"), -41.2, "pk.saturable_elimination.km_ng_per_mL.value: "),
    (("pk", "saturable_peripheral", "vmax_ug_per_h"), -1.0, "pk.saturable_peripheral.vmax_ug_per_h.value: "),
])
def test_a_saturable_pk_value_outside_its_range_is_refused(path: tuple[str, ...], value: float, message: str):
    """A Michaelis-Menten Vmax or Km was unchecked: a negative Km divides by zero at some concentration."""
    import yaml

    from hemasim.pharmacology.drug_sets import DrugSetError, parse_drug_set

    from .test_mutated_inputs import PHARMACOLOGY

    data = yaml.safe_load((PHARMACOLOGY / "drugs" / "nab_paclitaxel_chen2014.yaml").read_text(encoding="utf-8"))
    node = data
    for key in path:
        node = node[key]
    node["value"] = value
    with pytest.raises(DrugSetError, match=f"^set.yaml: {message}"):
        parse_drug_set(data, "set.yaml")


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["phases"][0]["drugs"][1].__setitem__("infusion_hours", {"value": -5, "assumed": "x"}),
     "phases.0.drugs.1.infusion_hours.value: must be > 0 and at most 336 (got -5)"),
    (lambda d: d["phases"][0]["drugs"][0]["dose_mg_per_m2"].__setitem__("value", -60),
     "phases.0.drugs.0.dose_mg_per_m2.value: must be > 0 and at most 20000 (got -60)"),
    (lambda d: d["phases"][0]["cycle_length_days"].__setitem__("value", 1e300),
     "phases.0.cycle_length_days.value: must be > 0 and at most 43830 (the longest scenario) (got 1e+300)"),
    (lambda d: d["phases"][0]["drugs"][0].__setitem__("days_in_cycle", [0, 21]),
     "phases.0.drugs.0.days_in_cycle: days inside the cycle, each below cycle_length_days (21) (got 21)"),
    (lambda d: d["phases"][0]["drugs"][0].__setitem__("drug_set", "doxorubicin_joerger2070"),
     "phases.0.drugs.0.drug_set: unknown drug set 'doxorubicin_joerger2070'; did you mean doxorubicin_joerger2007?"),
])
def test_a_combination_regimen_file_refuses_what_its_scenario_refused_naming_the_files_field(change, message,
                                                                                             tmp_path):
    """These passed the regimen's file and were refused by the scenario that gave it, without the file's field (a
    negative infusion, an unknown drug set) or as something else (a long cycle: "infusions overlap")."""
    import yaml

    from hemasim.pharmacology.chemo_regimens import RegimenError, load_chemo_regimen

    from .test_mutated_inputs import PHARMACOLOGY

    data = yaml.safe_load((PHARMACOLOGY / "chemo_regimens" / "ac_docetaxel.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "ac_docetaxel.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RegimenError) as err:
        load_chemo_regimen(path)
    assert str(err.value).startswith(f"{path}: {message}"), str(err.value)


@pytest.mark.parametrize(("change", "message"), [
    # a negative upper bound: a bare "math domain error" from the default nominal's geometric mean
    (lambda d: d["parameters"][0].__setitem__("upper", -301), "parameters.0: need finite lower < upper (got 30.0, "
                                                                "-301.0)"),
    (lambda d: d.__setitem__("description", {"x": 1}), "description: expected str, got {'x': 1}"),
    (lambda d: d.__setitem__("measurements", "measurement.csv"), "measurements: '"),
    (lambda d: d["observables"][0]["noise"].__setitem__("sigma", "sigma_nac"),
     "observables.0.noise.sigma: parameter 'sigma_nac' is not in parameters (their ids: 'gamma', 'mtt_h', "
     "'sigma_anc', 'slope')"),
])
def test_a_fitting_problem_names_the_field_of_each_mistake(change, message, tmp_path):
    import shutil

    import yaml

    from hemasim.inference.problem import ProblemError, load_problem

    from .conftest import EXAMPLES

    folder = Path(shutil.copytree(EXAMPLES / "fit", tmp_path / "fit"))
    data = yaml.safe_load((folder / "problem.yaml").read_text(encoding="utf-8"))
    change(data)
    (folder / "problem.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ProblemError) as err:
        load_problem(folder / "problem.yaml")
    assert str(err.value).startswith(f"{folder / 'problem.yaml'}: {message}"), str(err.value)


def test_a_design_seed_has_a_scenario_seeds_bounds(tmp_path):
    from hemasim.sensitivity.spec import SpecError, load_spec

    path = tmp_path / "sweep.yaml"
    path.write_text("sweep: {seed: 1000000000000000000000000000000, factors: [{parameter: hsc_niche_hill, "
                    "relative: [0.5, 2]}]}\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"sweep.seed: Input should be less than or equal to 9223372036854775807"):
        load_spec(path)


# ------------------------------------------------------------------ data is never code
#: what turns text into code or objects: the builtins, PyYAML's loaders other than the safe one, sympy's parsers,
#: pickle and its kin (by module), and numpy's or pandas' pickle readers
_BUILTINS = {"eval", "exec", "compile", "__import__"}
_YAML = {"load", "load_all", "full_load", "full_load_all", "unsafe_load", "unsafe_load_all", "Loader", "FullLoader",
         "UnsafeLoader", "Constructor", "FullConstructor", "UnsafeConstructor"}
_NAMES = {"sympify", "parse_expr", "lambdify", "literal_eval", "read_pickle"}
_MODULES = {"pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "sympy", "jsonpickle"}
#: the one exec: solvers/_aot.py writes ``def entry(a0, ..., aN): return kernel(a0, ..., aN)`` from a count of
#: arguments (numba's ahead-of-time entry points), no text of any input
_ALLOWED = {("hemasim/solvers/_aot.py", "exec")}


def code_from_text(source: str) -> list[str]:
    """The calls and imports of ``source`` that can turn text into code (:data:`_BUILTINS`, ...), by name."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _BUILTINS:
            found.append(node.func.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "yaml" \
                and node.attr in _YAML:
            found.append(f"yaml.{node.attr}")
        elif isinstance(node, ast.Name | ast.Attribute) and (node.id if isinstance(node, ast.Name) else node.attr) \
                in _NAMES:
            found.append(node.id if isinstance(node, ast.Name) else node.attr)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in _MODULES]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.split(".")[0] in _MODULES:
                found.append(module)
            elif module == "yaml":
                found += [f"yaml.{a.name}" for a in node.names if a.name in _YAML]
            found += [a.name for a in node.names if a.name in _NAMES]
        elif isinstance(node, ast.keyword) and node.arg == "allow_pickle" and not (
                isinstance(node.value, ast.Constant) and node.value.value is False):
            found.append("allow_pickle")
    return found


@pytest.mark.slow
def test_no_source_turns_text_into_code():
    """Scenario and data files are data: nothing in the package evaluates text (eval, exec, compile), loads YAML
    other than safely (yaml.load, full_load, unsafe_load, their loaders), parses expressions (sympy) or unpickles
    (pickle and kin, allow_pickle, read_pickle). The scanner finds each form in a snippet first."""
    snippet = ("import yaml, pickle, sympy\nfrom yaml import load, FullLoader\nfrom ast import literal_eval\n"
               "eval('1')\nexec('x = 1')\ncompile('1', 'f', 'eval')\nyaml.load(t, Loader=yaml.Loader)\n"
               "yaml.unsafe_load(t)\nyaml.full_load(t)\nsympy.sympify(t)\nparse_expr(t)\nnp.load(f, allow_pickle=True)\n"
               "pd.read_pickle(f)\nfrom marshal import loads\n__import__(name)\n")
    assert sorted(set(code_from_text(snippet))) == sorted({
        "pickle", "sympy", "yaml.load", "yaml.FullLoader", "literal_eval", "eval", "exec", "compile", "yaml.Loader",
        "yaml.unsafe_load", "yaml.full_load", "sympify", "parse_expr", "allow_pickle", "read_pickle", "marshal",
        "__import__"})
    assert code_from_text("yaml.safe_load(t)\nmodel.compile()\nnp.load(f)\nre.compile('x')\n") == []
    src = Path(__file__).resolve().parents[1] / "src"
    found = {(str(p.relative_to(src)), name) for p in sorted((src / "hemasim").rglob("*.py"))
             for name in code_from_text(p.read_text(encoding="utf-8"))}
    assert found == _ALLOWED
