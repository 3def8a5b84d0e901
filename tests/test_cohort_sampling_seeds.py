"""The cohort's per-patient generators seeded all at once (branch e2e3: ``patient_rngs`` hashes every patient's
SeedSequence in one vectorised pass) give each patient the stream ``patient_rng`` gives it alone."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.cohort.sampling import draw_patients, patient_rng, patient_rngs


def _draws(rng: np.random.Generator) -> np.ndarray:
    return np.concatenate([rng.random(3), rng.standard_normal(3), rng.integers(0, 2**62, size=2).astype(float)])


@pytest.mark.parametrize("base_seed", [0, 1, 7, 2**32 - 1, 2**32, 2**63 - 1, 2**100 + 12345, 2**130 + 3])
def test_patient_rngs_give_each_patient_its_own_stream(base_seed):
    # indices of one to three 32-bit words, each word count its own group
    indices = [0, 1, 2, 999, 2**32 - 1, 2**32, 2**40 + 5, 2**64 + 1]
    for start in indices:
        batch = patient_rngs(base_seed, start, start + 3)
        for k, rng in enumerate(batch):
            np.testing.assert_array_equal(_draws(rng), _draws(patient_rng(base_seed, start + k)))


def test_patient_rngs_follow_a_seed_list():
    seeds = [0, 1, 5, 2**31, 2**32 - 1, 2**32, 2**33 + 7, 2**63 - 1]
    batch = patient_rngs(99, 0, len(seeds), seeds)
    for k, rng in enumerate(batch):
        np.testing.assert_array_equal(_draws(rng), _draws(patient_rng(99, k, seeds)))
    tail = patient_rngs(99, 3, 6, seeds)  # a partition of the list
    for k, rng in enumerate(tail):
        np.testing.assert_array_equal(_draws(rng), _draws(patient_rng(99, 3 + k, seeds)))


def test_patient_rngs_refuse_negative_seeds_as_seedsequence_does():
    with pytest.raises(ValueError, match="non-negative"):
        patient_rngs(-1, 0, 2)
    with pytest.raises(ValueError, match="non-negative"):
        patient_rngs(0, 0, 2, [3, -4])


def test_draw_patients_as_one_patient_at_a_time():
    """A whole partition's draws equal each patient's drawn alone from ``patient_rng`` in the documented order
    (covariates, then the parameters' normals, then the vaccine-response factor's): what made the patients
    reproducible before the seeding was vectorised."""
    from hemasim.cohort.sampling import (
        VACCINE_RESPONSE,
        draw_covariates,
        iiv_values,
        vaccine_response_values,
        variable_parameters,
    )
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import load_scenario

    from .conftest import EXAMPLES

    s = load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml")
    params = healthy_adult_parameters()
    names = variable_parameters(params)
    batch = draw_patients(s.population, s.patient, params, 40, 60, 3)
    for k, i in enumerate(range(40, 60)):
        rng = patient_rng(3, i)
        age, female, weight, height = draw_covariates(s.population, s.patient, rng)
        etas = rng.standard_normal(len(names))
        assert (batch.covariates.age_years[k], batch.covariates.weight_kg[k], batch.covariates.height_cm[k]) == \
            (age, weight, height)
        assert batch.covariates.sex[k] == ("female" if female else "male")
        for j, name in enumerate(names):
            assert batch.parameters[name][k] == iiv_values(params[name], etas[j:j + 1])[0], name
        # last: the patient's vaccine-response factor (docs/immunity.md)
        assert batch.parameters[VACCINE_RESPONSE][k] == vaccine_response_values(params, rng.standard_normal(1))[0]
