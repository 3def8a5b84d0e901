"""A fitted population set (``hemasim fit-population``'s population.yaml) named by a cohort scenario's
``parameter_set``: the cohort draws its patients from the fitted typical values and between-patient variability."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

pytestmark = pytest.mark.integration  # two 16-patient, 30-day cohorts: about 0.5 s once compiled

NAME = "neutrophil_feedback_log_slope"  # default 0.161, no between-patient variability of its own
TYPICAL, CV = 0.3, 0.5
OMEGA = float(np.sqrt(np.log1p(CV**2)))


def _scenario(parameter_set: str | None) -> dict:
    data = {"name": "fitted cohort", "duration_days": 30,
            "patient": {"age_years": 50, "sex": "male", "weight_kg": 75, "height_cm": 172},
            "interventions": [{"kind": "cell_depletion", "day": 3, "groups": ["marrow"], "except_groups": ["hsc"],
                               "surviving_fraction": 0.2}],
            "population": {"variability": True, "age_years": {"min": 20, "max": 80}}}
    if parameter_set is not None:
        data["parameter_set"] = parameter_set
    return data


def _population_set(path, typical: float = TYPICAL) -> str:
    doc = {"name": "toy population fit (fitted)",
           "provenance": {"data": ["data.csv"], "problem": "toy", "objective": 1.0, "method": "SAEM"},
           "parameters": [{"name": NAME, "value": typical, "unit": "1", "iiv_cv": CV}]}
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return str(path)


def test_a_cohort_draws_its_patients_from_the_fitted_population_set(tmp_path) -> None:
    from hemasim.cohort import simulate_partition

    n = 16
    fitted = simulate_partition(_scenario(_population_set(tmp_path / "population.yaml")), 0, 0, n, 7, None, False)
    plain = simulate_partition(_scenario(None), 0, 0, n, 7, None, False)
    draws = np.log(fitted.endpoints[f"param_{NAME}"].to_numpy())
    assert f"param_{NAME}" not in plain.endpoints  # the default has no variability: only the set adds it
    assert abs(draws.mean() - np.log(TYPICAL)) < 3 * OMEGA / np.sqrt(n)  # geometric mean near the typical value
    assert 0.5 * OMEGA < draws.std(ddof=1) < 1.6 * OMEGA
    assert len(np.unique(draws)) == n
    # the drawn values reach the model (hemasim.biology.builder: per-patient values win over the set's typical
    # value): the endpoints differ from the same cohort without the set
    assert not np.allclose(fitted.endpoints["anc_nadir"].to_numpy(), plain.endpoints["anc_nadir"].to_numpy())


def test_a_fitted_value_outside_its_bounds_is_refused_with_the_scenario_naming_the_file_and_row(tmp_path) -> None:
    """A population fit's typical value is not bounded; outside the parameter's bounds a cohort's table would have
    clipped it, then its model and events refused it naming no file: the scenario naming the set is refused once,
    when parsed."""
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import ScenarioError, parse_scenario

    assert healthy_adult_parameters()[NAME].bounds == (0.01, 1.0)
    path = _population_set(tmp_path / "population.yaml", typical=2.0)
    with pytest.raises(ScenarioError, match=r"population.yaml: parameters.0.value: neutrophil_feedback_log_slope: 2 is "
                                            r"outside the parameter's bounds \[0.01, 1\]"):
        parse_scenario(_scenario(path))
    parse_scenario(_scenario(_population_set(tmp_path / "population.yaml", typical=1.0)))  # a bound itself is in
