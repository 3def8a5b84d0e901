"""A growing patient's stem and progenitor pools scale linearly with body mass (Dingli & Pacheco 2007), an
adult's are the adult pools at every body size (hemasim.biology.body.stem_pool_size_fraction)."""

import numpy as np
import pytest

from hemasim.biology import REFERENCE_ADULT, Covariates, healthy_human_model
from hemasim.biology.body import stem_pool_size_fraction
from hemasim.parameters import healthy_adult_parameters

PARAMS = healthy_adult_parameters()
COBLT_CHILD = Covariates(age_years=7.7, sex="male", weight_kg=25.9)  # Kurtzberg 2008: median 7.7 y, 25.9 kg
STEM_POOLS = ("hsc", "st_hspc", "mpp", "clp", "blood_hspc")


def _x0(patient: Covariates, params=PARAMS) -> dict[str, float]:
    compiled = healthy_human_model(patient, params, aging=False).compile()
    return dict(zip(compiled.state_names, np.asarray(compiled.x0, dtype=np.float64).ravel(), strict=True))


def _switched_off():
    return PARAMS.with_values(stem_pool_growth_end_age_years=0.0)


def test_adults_keep_the_adult_pool_at_every_body_size():
    for cov in (REFERENCE_ADULT, Covariates(43.0, "male", 55.2), Covariates(30.0, "female", 120.0, 170.0),
                Covariates(20.0, "female", 40.0)):
        assert stem_pool_size_fraction(PARAMS.value, cov) == 1.0
    assert _x0(REFERENCE_ADULT)["hsc"] == PARAMS.value("hsc_count")


def test_a_child_gets_its_mass_over_the_adult_mass():
    frac = stem_pool_size_fraction(PARAMS.value, COBLT_CHILD)
    assert frac == pytest.approx(25.9 / PARAMS.value("stem_pool_adult_body_mass_kg"))
    assert 0.36 < frac < 0.38
    # heavier than the adult mass before growth ends: the adult pool, never more
    assert stem_pool_size_fraction(PARAMS.value, Covariates(16.0, "male", 90.0)) == 1.0
    assert stem_pool_size_fraction(PARAMS.value, Covariates(0.3, "male", 6.0)) == pytest.approx(6.0 / 70.0)


def test_every_stem_and_progenitor_pool_of_a_child_shrinks_by_that_fraction_and_its_blood_does_not():
    child, off = _x0(COBLT_CHILD), _x0(COBLT_CHILD, _switched_off())
    frac = 25.9 / 70.0
    for name in STEM_POOLS:
        assert child[name] == pytest.approx(frac * off[name], rel=1e-12), name
    # the lineage yields are derived from the set points: the same blood counts from a smaller stem pool
    for name in ("neutrophil_blood_1", "monocyte_blood_1", "erythroid_blood_1", "megakaryocyte_blood_1"):
        assert child[name] == pytest.approx(off[name], rel=1e-9), name


def test_the_switch_leaves_adults_exactly_as_they_were():
    on, off = _x0(REFERENCE_ADULT), _x0(REFERENCE_ADULT, _switched_off())
    assert on == off
    assert _x0(COBLT_CHILD, _switched_off())["hsc"] == PARAMS.value("hsc_count")


def test_a_cohort_gets_one_fraction_per_patient():
    cohort = Covariates(age_years=np.array([7.7, 40.0, 15.0]), sex=np.array(["male", "female", "male"]),
                        weight_kg=np.array([25.9, 55.0, 80.0]))
    np.testing.assert_allclose(stem_pool_size_fraction(PARAMS.value, cohort), [25.9 / 70.0, 1.0, 1.0])
    compiled = healthy_human_model(cohort, aging=False).compile()
    hsc = np.asarray(compiled.x0, dtype=np.float64)[:, compiled.state_names.index("hsc")]
    np.testing.assert_allclose(hsc, PARAMS.value("hsc_count") * np.array([25.9 / 70.0, 1.0, 1.0]))
