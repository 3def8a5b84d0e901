"""A cohort's ``population.white_cell_baseline``: ``metastatic_cancer`` draws cancer patients' lymphocytes and
monocytes with the library function the validation's chemotherapy cohorts use
(:func:`hemasim.cohort.sampling.cancer_white_cell_draws`); the default, ``healthy``, draws what a cohort drew
before the option existed (docs/cohorts.md, "White-cell baseline")."""

import numpy as np
import pandas as pd
import pytest
import yaml

from hemasim.cohort import run_cohort, simulate_partition
from hemasim.cohort.runner import CohortError
from hemasim.cohort.sampling import (
    LYMPHOCYTE_REFERENCES,
    VACCINE_RESPONSE,
    draw_covariates,
    draw_patients,
    patient_rng,
    vaccine_response_values,
    variable_parameters,
)
from hemasim.parameters import healthy_adult_parameters
from hemasim.scenario import Patient, Population, ScenarioError, parse_scenario

from .conftest import EXAMPLES

PARAMS = healthy_adult_parameters()
WHITE = (*LYMPHOCYTE_REFERENCES, "monocyte_setpoint_1e9_per_L")
BASE = Patient(age_years=55, sex="female", weight_kg=70, height_cm=165)
POPULATION = {"age_years": {"min": 30, "max": 75}, "female_fraction": 0.6,
              "weight_kg": {"male": {"mean": 80, "sd": 12}, "female": {"mean": 68, "sd": 12}}}


def _population(**fields: object) -> Population:
    return Population.model_validate({**POPULATION, **fields})


def _scenario(baseline: str | None, **population: object) -> dict:
    """A short cohort without treatment: the white-cell baseline (None: the field left out) is all it varies."""
    pop = {**POPULATION, **population} | ({} if baseline is None else {"white_cell_baseline": baseline})
    return {"name": "white cells", "patient": BASE.model_dump(), "duration_days": 2, "aging": False,
            "output": {"every_days": 1.0}, "population": pop}


def _lymphocytes_1e9_per_L(parameters: dict[str, np.ndarray]) -> np.ndarray:
    return sum(parameters[name] for name in LYMPHOCYTE_REFERENCES) / 1e3


def test_the_default_is_healthy_and_a_bad_value_names_the_field_and_the_values() -> None:
    assert Population().white_cell_baseline == "healthy"
    for bad in ("cancer", True, 1):
        with pytest.raises(ScenarioError) as err:
            parse_scenario(_scenario(bad))  # type: ignore[arg-type]
        message = str(err.value)
        assert "population.white_cell_baseline" in message and "'healthy' or 'metastatic_cancer'" in message


@pytest.mark.parametrize("variability", [True, False])
def test_the_default_draws_the_cohort_the_option_does_not_touch(variability: bool) -> None:
    """``healthy`` (given or left out) draws each patient's values from its generator as a cohort without the option
    always has: covariates, then one standard normal per parameter with variability (log-normal around its value
    with its ``iiv_cv``, clipped), then (with variability) the vaccine-response factor's normal, last, and nothing
    else; ``metastatic_cancer`` changes the five white-cell values and, drawn after them, the vaccine factor."""
    left_out = draw_patients(_population(variability=variability), BASE, PARAMS, 0, 25, 11)
    healthy = draw_patients(_population(variability=variability, white_cell_baseline="healthy"), BASE, PARAMS,
                            0, 25, 11)
    cancer = draw_patients(_population(variability=variability, white_cell_baseline="metastatic_cancer"), BASE,
                           PARAMS, 0, 25, 11)
    names = variable_parameters(PARAMS) if variability else []
    drawn = [*names, VACCINE_RESPONSE] if variability else []
    assert list(left_out.parameters) == drawn and list(healthy.parameters) == drawn
    for k in range(25):  # the healthy draws, recomputed from each patient's own generator
        rng = patient_rng(11, k)
        draw_covariates(_population(variability=variability), BASE, rng)
        eta = rng.standard_normal(len(names))
        for j, name in enumerate(names):
            p = PARAMS[name]
            want = np.clip(p.value * np.exp(np.sqrt(np.log1p(p.iiv_cv**2)) * eta[j]), *p.bounds)  # type: ignore[operator]
            assert left_out.parameters[name][k] == want
        if variability:
            assert left_out.parameters[VACCINE_RESPONSE][k] == vaccine_response_values(
                PARAMS, np.array([rng.standard_normal()]))[0]
    for other in (healthy, cancer):
        for field in ("age_years", "weight_kg"):
            assert np.array_equal(getattr(other.covariates, field), getattr(left_out.covariates, field))
        assert np.array_equal(other.covariates.sex, left_out.covariates.sex)
    for name in drawn:
        assert np.array_equal(healthy.parameters[name], left_out.parameters[name])
        if name not in (*WHITE, VACCINE_RESPONSE):
            assert np.array_equal(cancer.parameters[name], left_out.parameters[name])
    assert set(cancer.parameters) == set(drawn) | set(WHITE)
    assert all(not np.array_equal(cancer.parameters[name], left_out.parameters.get(name, PARAMS.value(name)))
               for name in WHITE)


def test_the_default_cohort_table_is_bit_identical_to_the_field_left_out() -> None:
    a = simulate_partition(_scenario(None), 0, 0, 4, 5, None, False).endpoints
    b = simulate_partition(_scenario("healthy"), 0, 0, 4, 5, None, False).endpoints
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_metastatic_cancer_draws_the_cited_lymphocyte_distribution() -> None:
    """2,000 patients: median total lymphocytes 1.4e9/L (Emile 2021) and 25% below 1.0e9/L (Ray-Coquard 2009),
    within four standard errors (log median: 1.25 x 0.499 / sqrt(n) = 0.014; share: 0.0097); the monocyte set
    point log-normal with its own ``iiv_cv``."""
    n = 2000
    vp = draw_patients(_population(white_cell_baseline="metastatic_cancer", variability=False), BASE, PARAMS,
                       0, n, 23)
    total = _lymphocytes_1e9_per_L(vp.parameters)
    assert np.median(total) == pytest.approx(PARAMS.value("metastatic_cancer_lymphocytes_median_1e9_per_L"),
                                             rel=4 * 0.014)
    assert np.mean(total < 1.0) == pytest.approx(PARAMS.value("metastatic_cancer_lymphopenia_fraction"),
                                                 abs=4 * 0.0097)
    healthy_total = sum(PARAMS.value(name) for name in LYMPHOCYTE_REFERENCES) / 1e3
    assert healthy_total > 2.0 and np.median(total) < 0.75 * healthy_total  # the option moves the cohort
    mono = PARAMS["monocyte_setpoint_1e9_per_L"]
    omega = np.sqrt(np.log1p(mono.iiv_cv**2))  # type: ignore[operator]
    assert np.median(vp.parameters[mono.name]) == pytest.approx(mono.value, rel=4 * 1.25 * omega / np.sqrt(n))
    assert np.std(np.log(vp.parameters[mono.name])) == pytest.approx(omega, rel=4 / np.sqrt(2 * n))


def test_the_drawn_lymphocytes_reach_the_blood_and_a_seed_gives_the_same_table() -> None:
    """Patients alike but for the white cells: blood CD4 at day 0 is in proportion to each patient's drawn CD4
    reference; the same seed gives the same table bit for bit, and a partition of the cohort the same patients."""
    data = {**_scenario(None), "population": {"white_cell_baseline": "metastatic_cancer", "variability": False}}
    out = simulate_partition(data, 0, 0, 6, 7, None, True)
    ep, ts = out.endpoints, out.timeseries
    assert ts is not None
    cd4_day0 = ts[ts["time_days"] == 0.0].set_index("patient_id")["cd4_per_uL"].to_numpy(dtype=float)
    ratio = cd4_day0 / ep["param_cd4_reference_per_uL"].to_numpy()
    assert np.std(np.log(ep["param_cd4_reference_per_uL"])) > 0.2
    assert np.allclose(ratio, ratio[0], rtol=1e-3)
    again = simulate_partition(data, 0, 0, 6, 7, None, False).endpoints
    pd.testing.assert_frame_equal(ep, again, check_exact=True)
    tail = simulate_partition(data, 1, 4, 6, 7, None, False).endpoints
    drawn = [c for c in ep.columns if c.startswith("param_")]
    pd.testing.assert_frame_equal(ep[drawn].iloc[4:].reset_index(drop=True), tail[drawn], check_exact=True)


def test_a_lymphocyte_value_the_user_sets_is_refused_not_replaced(tmp_path) -> None:
    data = _scenario("metastatic_cancer") | {"parameters": {"cd8_reference_per_uL": 400}}
    with pytest.raises(CohortError, match=r"parameters\.cd8_reference_per_uL: .*white_cell_baseline"):
        run_cohort(parse_scenario(data), 2, tmp_path / "c", progress=False)
    assert not (tmp_path / "c").exists()  # refused before anything is written
    run_cohort(parse_scenario(_scenario("healthy") | {"parameters": {"cd8_reference_per_uL": 400}}), 1,
               tmp_path / "ok", progress=False, report=False)  # the default takes the override


def test_a_fitted_lymphocyte_reference_is_refused(tmp_path) -> None:
    from hemasim.inference.population import PopulationFit, population_parameter_set

    name = "nk_reference_per_uL"
    fit = PopulationFit((name,), np.array([300.0]), np.array([0.25]), 0.1,
                        np.array([[280.0, 320.0]]), np.array([[0.2, 0.3]]), np.array([0.05]),
                        np.array([0.01]), np.zeros((3, 1)), np.zeros((2, 3)), 3, 30)
    path = tmp_path / "population.yaml"
    path.write_text(yaml.safe_dump(population_parameter_set(fit, {name: name}, {name: "cells/uL"}, ["d.csv"], "toy"),
                                   sort_keys=False))
    data = _scenario("metastatic_cancer") | {"parameter_set": str(path)}
    with pytest.raises(CohortError, match=r"white_cell_baseline: metastatic_cancer draws nk_reference_per_uL"):
        run_cohort(parse_scenario(data), 2, tmp_path / "c", progress=False)


def test_the_docetaxel_example_asks_for_the_cancer_baseline() -> None:
    population = parse_scenario(yaml.safe_load((EXAMPLES / "cohort_docetaxel.yaml").read_text())).population
    assert population is not None and population.white_cell_baseline == "metastatic_cancer"
