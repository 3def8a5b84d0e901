"""Hardening, session 22: a coupling's misspelt target is refused naming it and the allowed targets (it was dropped
silently when it held "__"), and the gene-therapy run record goes through the project's JSON writer."""

from __future__ import annotations

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
