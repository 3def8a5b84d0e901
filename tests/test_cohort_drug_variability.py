"""A cohort's ``population.drug_variability``: each patient draws the dosed drug sets' published between-patient
variability (the draw the validated docetaxel cohort, targets C7/C8, makes), and the values reach the model."""

import numpy as np
import pandas as pd
import pytest
import yaml

from hemasim.cohort import run_cohort, simulate_partition
from hemasim.cohort.runner import CohortError
from hemasim.cohort.sampling import drug_variability_draws
from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology import load_drug_set
from hemasim.scenario import ScenarioError, parse_scenario

from .conftest import EXAMPLES

SLOPE = "param_docetaxel_kloft2006__effects_0_full_model_slope_L_per_umol"
CLEARANCE = "param_docetaxel_kloft2006__pk_clearance_L_per_h_per_m2"


def _one_cycle(drug_variability: bool, variability: bool = True) -> dict:
    """examples/cohort_docetaxel.yaml cut to one cycle, with or without the drug's variability."""
    data = yaml.safe_load((EXAMPLES / "cohort_docetaxel.yaml").read_text())
    data["duration_days"] = 20
    data["interventions"][0]["schedule"]["cycles"] = 1
    data["population"] = {**data["population"], "drug_variability": drug_variability, "variability": variability}
    return data


def test_the_example_asks_for_the_drug_variability():
    assert parse_scenario(yaml.safe_load((EXAMPLES / "cohort_docetaxel.yaml").read_text())).population \
        .drug_variability


def test_drug_variability_widens_the_spread_of_nadir_anc():
    """Healthy-model variability off: without the drug's variability patients differ only by covariates."""
    without = simulate_partition(_one_cycle(False, variability=False), 0, 0, 30, 3, None, False).endpoints
    with_it = simulate_partition(_one_cycle(True, variability=False), 0, 0, 30, 3, None, False).endpoints
    assert SLOPE not in without and CLEARANCE not in without
    assert np.std(np.log(with_it["anc_nadir"])) > 10 * np.std(np.log(without["anc_nadir"]))
    assert np.std(np.log(with_it[SLOPE])) > 0.2 and np.std(np.log(with_it[CLEARANCE])) > 0.15


def test_per_patient_clearance_reaches_the_model():
    """One cycle of 100 mg/m2 gives AUC = dose / clearance: AUC x clearance is the same for every patient."""
    ep = simulate_partition(_one_cycle(True), 0, 0, 20, 5, None, False).endpoints
    product = ep["docetaxel_cumulative_auc"] * ep[CLEARANCE]
    assert np.std(np.log(ep[CLEARANCE])) > 0.1
    assert np.allclose(product, product.iloc[0], rtol=1e-4)


def test_same_seed_same_table_and_partitions_agree():
    data = _one_cycle(True)
    a = simulate_partition(data, 0, 0, 12, 7, None, False).endpoints
    b = simulate_partition(data, 0, 0, 12, 7, None, False).endpoints
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    tail = simulate_partition(data, 1, 8, 12, 7, None, False).endpoints
    drawn = [c for c in a.columns if c.startswith("param_")]
    pd.testing.assert_frame_equal(a[drawn].iloc[8:].reset_index(drop=True), tail[drawn], check_exact=True)
    other = simulate_partition(data, 0, 0, 12, 8, None, False).endpoints
    assert not np.allclose(a[SLOPE], other[SLOPE])


def test_draws_map_the_published_variances_to_the_full_model():
    ds = load_drug_set("docetaxel_kloft2006")
    params = healthy_adult_parameters()
    draws = drug_variability_draws(ds, params, np.random.default_rng(1), 20000)
    assert ds.friberg is not None and ds.pk is not None and ds.pk.clearance_iiv_sd_log is not None
    sd = {k: float(np.sqrt(v.value)) for k, v in ds.friberg.iiv_variance.items()}
    h = draws.healthy
    assert np.std(np.log(h["anc_setpoint_1e9_per_L"])) == pytest.approx(sd["baseline"], rel=0.03)
    ratio = h["neutrophil_marrow_transit_days"] / h["neutrophil_mitotic_transit_days"]  # one factor for both
    assert np.allclose(ratio, params.value("neutrophil_marrow_transit_days")
                       / params.value("neutrophil_mitotic_transit_days"))
    assert np.std(np.log(h["neutrophil_marrow_transit_days"])) == pytest.approx(sd["mean_transit_time"], rel=0.03)
    slope = draws.drug["effects.0.full_model.slope_L_per_umol"]
    assert np.median(slope) == pytest.approx(ds.get("effects.0.full_model.slope_L_per_umol"), rel=0.03)
    assert np.std(np.log(slope)) == pytest.approx(sd["slope"], rel=0.03)
    clearance = draws.drug["pk.clearance_L_per_h_per_m2"]
    assert np.std(np.log(clearance)) == pytest.approx(ds.pk.clearance_iiv_sd_log.value, rel=0.03)


def test_a_bad_value_is_one_line_naming_the_field():
    data = _one_cycle(True)
    data["population"]["drug_variability"] = "sometimes"
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    assert "population.drug_variability" in str(err.value) and "\n" not in str(err.value)


def test_drug_variability_without_a_drug_that_publishes_one_is_refused(tmp_path):
    data = yaml.safe_load((EXAMPLES / "cohort_marrow_depletion.yaml").read_text())
    data["population"] = {**(data.get("population") or {}), "drug_variability": True}
    with pytest.raises(CohortError) as err:
        run_cohort(parse_scenario(data), 2, tmp_path / "c", progress=False)
    message = str(err.value)
    assert message.startswith("population.drug_variability") and "docetaxel_kloft2006" in message
    assert "\n" not in message and not (tmp_path / "c").exists()
