"""Sweeps and sensitivities of the published Friberg chain (``model: {kind: friberg_chain}``): its drug set's values
and the scenario's fields vary, a batch equals single runs, and a healthy-model parameter is refused naming what can
be swept instead. `hemasim sweep` refused every Friberg-chain scenario ("the Friberg chain has no batch form")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from hemasim.assembly import run_scenario, scenario_endpoint_columns
from hemasim.endpoints import evaluate_endpoints
from hemasim.scenario import load_scenario, parse_scenario
from hemasim.sensitivity.batch import evaluate_points
from hemasim.sensitivity.spec import SpecError, SweepSpec, resolve_factors
from tests.conftest import invoke_hemasim

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "friberg_docetaxel.yaml"
SET_FILE = ROOT / "src" / "hemasim" / "pharmacology" / "drugs" / "docetaxel_kloft2006.yaml"
MTT = "docetaxel_kloft2006__friberg_mean_transit_time_h"
DOSE = "interventions.0.dose_mg_per_m2"
COMPARED = ("anc_nadir", "anc_nadir_day", "days_anc_below_0p5", "neutrophil_recovery_day",
            "docetaxel_cumulative_auc", "docetaxel_cmax_ng_per_mL", "docetaxel_delivered_mg")


def _single(scenario) -> dict[str, float]:
    result = run_scenario(scenario)
    out = {e.name: np.nan if e.value is None else e.value for e in evaluate_endpoints(result)}
    out.update({c.name: float(c.values[0]) for c in scenario_endpoint_columns(scenario, result)})
    return out


def _with_own_set(tmp_path: Path, mtt_h: float, dose: float):
    """The example with a copy of its drug set whose MTT is ``mtt_h`` (how a user changes a set's value), at
    ``dose`` mg/m2."""
    text = SET_FILE.read_text(encoding="utf-8").replace("name: docetaxel_kloft2006", "name: docetaxel_mine")
    text = text.replace("mean_transit_time_h: {value: 84.2,", f"mean_transit_time_h: {{value: {mtt_h},")
    own = tmp_path / "docetaxel_mine.yaml"
    own.write_text(text, encoding="utf-8")
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["model"]["drug_set"] = data["interventions"][0]["drug_set"] = str(own)
    data["interventions"][0]["dose_mg_per_m2"] = dose
    return parse_scenario(data)


@pytest.mark.slow
def test_a_friberg_batch_gives_the_endpoints_of_single_runs(tmp_path: Path):
    scenario = load_scenario(EXAMPLE)
    points = pd.DataFrame({MTT: [84.2, 60.0, 84.2], DOSE: [100.0, 100.0, 60.0]})
    table = evaluate_points(scenario, points, fields=[DOSE])
    assert table["anc_nadir"].is_unique  # each point differs
    singles = [_single(scenario), _single(_with_own_set(tmp_path, 60.0, 100.0)),
               _single(_with_own_set(tmp_path, 84.2, 60.0))]
    for i, single in enumerate(singles):
        for name in COMPARED:
            assert table.loc[i, name] == pytest.approx(single[name], rel=1e-6, nan_ok=True), (i, name)
    assert "hemoglobin_nadir" not in table  # the chain has one lineage: no endpoint of an observable it lacks


@pytest.mark.slow
def test_a_friberg_batch_keeps_a_fitted_parameter_set_under_the_values_it_sweeps(tmp_path: Path):
    """A fit's output (`hemasim fit` on the chain) loaded with parameter_set: its values stand unless a factor
    varies them, as in a single run of the scenario."""
    from hemasim.sensitivity.spec import factor_parameters

    fitted = tmp_path / "fitted.yaml"
    fitted.write_text(yaml.safe_dump({"name": "fitted", "provenance": {"data": ["m.csv"], "problem": "p.yaml",
                                                                        "objective": 1.0},
                                      "parameters": [{"name": MTT, "value": 60.0, "unit": "h"},
                                                     {"name": "docetaxel_kloft2006__friberg_feedback_gamma",
                                                      "value": 0.2}]}), encoding="utf-8")
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    scenario = parse_scenario({**data, "parameter_set": str(fitted)})
    assert factor_parameters(scenario).value(MTT) == 60.0  # a relative range is around the fitted value
    points = pd.DataFrame({MTT: [60.0, 84.2], DOSE: [100.0, 100.0]})
    table = evaluate_points(scenario, points, fields=[DOSE])
    single = _single(scenario)
    for name in COMPARED:
        assert table.loc[0, name] == pytest.approx(single[name], rel=1e-6, nan_ok=True), name
    assert table.loc[1, "anc_nadir"] != pytest.approx(single["anc_nadir"], rel=1e-3)  # the factor wins


def test_a_healthy_model_parameter_on_the_chain_says_what_can_be_swept():
    spec = SweepSpec.model_validate({"factors": [{"parameter": "neutrophil_feedback_log_slope",
                                                  "relative": [0.5, 2]}]})
    with pytest.raises(SpecError) as err:
        resolve_factors(spec.factors, load_scenario(EXAMPLE), "sweep.factors")
    message = str(err.value)
    assert message.startswith("sweep.factors.0.parameter: neutrophil_feedback_log_slope is not a value of the "
                              "Friberg chain")
    assert MTT in message and DOSE in message and "leave out the model block" in message
    chain = resolve_factors(SweepSpec.model_validate({"factors": [{"parameter": MTT, "relative": [0.5, 2]}]}).factors,
                            load_scenario(EXAMPLE))
    assert (chain[0].low, chain[0].base, chain[0].high) == pytest.approx((42.1, 84.2, 168.4))


@pytest.mark.slow
@pytest.mark.cli
def test_the_friberg_example_sweeps_from_the_command_line(tmp_path: Path):
    sweep = ROOT / "examples" / "sweeps" / "friberg_mtt_x_dose.yaml"
    # the table's nadirs are the point (--no-plot: sweep.png is tests/test_sweep.py's), and the option's folder
    res = invoke_hemasim("sweep", str(EXAMPLE), str(sweep), "--out", str(tmp_path / "out"), "--no-plot")
    assert res.exit_code == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["sweep.csv", "sweep.json", "sweep.parquet"]
    table = pd.read_csv(tmp_path / "out" / "sweep.csv")
    assert "anc_nadir (1e9/L)" in table.columns  # the header carries each endpoint's unit (sensitivity.run.labelled)
    table.columns = [c.split(" (")[0] for c in table.columns]
    assert len(table) == 9 and np.isfinite(table["anc_nadir"]).all()
    # a shorter transit time gives the deeper nadir at either dose (the drug's effect E removes proliferating cells
    # at k_tr E, k_tr = 4 / MTT), and the higher dose the deeper nadir at either transit time
    for dose in table[DOSE].unique():
        assert table[table[DOSE] == dose].sort_values(MTT)["anc_nadir"].is_monotonic_increasing
    for mtt in table[MTT].unique():
        assert table[table[MTT] == mtt].sort_values(DOSE)["anc_nadir"].is_monotonic_decreasing
    units = yaml.safe_load((tmp_path / "out" / "sweep.json").read_text(encoding="utf-8"))["units"]
    assert units[MTT] == "h"


@pytest.mark.cli
def test_a_sensitivity_of_the_chain_varies_its_values(tmp_path: Path):
    res = invoke_hemasim("sensitivity", str(EXAMPLE), "--method", "local", "--parameters", MTT, "--out",
                         str(tmp_path / "out"), "--no-plot")  # the index is the point, not ranking.png
    assert res.exit_code == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["indices.csv", "samples.parquet",
                                                                   "sensitivity.json"]
    indices = pd.read_csv(tmp_path / "out" / "indices.csv").set_index(["endpoint", "factor"])
    assert indices.loc[("anc_nadir", MTT), "sensitivity"] > 0  # a longer transit time, a shallower nadir
    # --all-assumed: every value of the chain has a source; it said "give --parameters ..., --all-assumed, ..."
    res = invoke_hemasim("sensitivity", str(EXAMPLE), "--all-assumed", "--out", str(tmp_path / "none"))
    assert res.exit_code == 2 and not (tmp_path / "none").exists()
    assert res.stderr.startswith("hemasim: error: --all-assumed: no parameter of the scenario's model is Assumed")
    assert MTT in res.stderr
