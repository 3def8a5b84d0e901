"""Cancer patients' white cells other than neutrophils in the chemotherapy cohorts (docs/chemotherapy_full_model.md,
"White cells other than neutrophils"): the cited lymphocyte distribution, the draws, and what they change."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from hemasim.biology import healthy_human_model
from hemasim.biology.body import body_surface_area_m2
from hemasim.cohort.sampling import LYMPHOCYTE_REFERENCES, cancer_white_cell_draws, lymphocyte_log_sd
from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology import DrugExposure, Regimen, load_drug_set
from hemasim.simulation import Simulation
from hemasim.validation.patients import PATIENTS

PARAMS = healthy_adult_parameters()


def test_the_log_sd_gives_the_cited_median_and_share() -> None:
    median = PARAMS.value("metastatic_cancer_lymphocytes_median_1e9_per_L")
    share = PARAMS.value("metastatic_cancer_lymphopenia_fraction")
    sd = lymphocyte_log_sd(median, share)
    assert sd == pytest.approx(0.499, abs=1e-3)
    below = NormalDist(np.log(median), sd).cdf(np.log(1.0))
    assert below == pytest.approx(share, abs=1e-3)
    # Emile 2021's other statistic, 57% below 1.5e9/L, is close to what the two cited values imply (55.5%)
    assert NormalDist(np.log(median), sd).cdf(np.log(1.5)) == pytest.approx(0.57, abs=0.02)


def test_the_draws_give_the_cited_lymphocyte_distribution_and_the_monocyte_iiv() -> None:
    n = 40_000
    v = cancer_white_cell_draws(PARAMS, np.random.default_rng(3), n)
    total = sum(v[name] for name in LYMPHOCYTE_REFERENCES) / 1e3  # cells/uL -> 1e9/L
    assert np.median(total) == pytest.approx(1.4, rel=0.02)
    assert np.mean(total < 1.0) == pytest.approx(0.25, abs=0.01)
    # one factor for all four subsets: their proportions are the reference ones in every patient
    ref = np.array([PARAMS.value(name) for name in LYMPHOCYTE_REFERENCES])
    shares = np.array([v[name] for name in LYMPHOCYTE_REFERENCES]).T / total[:, None] / 1e3
    inside = np.all([(v[name] > PARAMS[name].bounds[0]) & (v[name] < PARAMS[name].bounds[1])
                     for name in LYMPHOCYTE_REFERENCES], axis=0)
    assert np.allclose(shares[inside], ref / ref.sum())
    mono = PARAMS["monocyte_setpoint_1e9_per_L"]
    assert np.median(v[mono.name]) == pytest.approx(mono.value, rel=0.02)
    assert np.std(np.log(v[mono.name])) == pytest.approx(np.sqrt(np.log1p(mono.iiv_cv**2)), rel=0.03)


def test_the_validation_cohorts_keep_their_drug_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """The white cells are drawn after everything else: covariates and the drug set's draws are those of the cohort
    without them (so neutrophil, platelet and haemoglobin read-outs do not move)."""
    import hemasim.validation.chemotherapy as chemo

    n = 40
    cov, per_patient, drug = chemo._cohort_draws(n, 17)
    monkeypatch.setattr(chemo, "cancer_white_cell_draws", lambda params, rng, n: {})
    cov0, per_patient0, drug0 = chemo._cohort_draws(n, 17)
    assert np.array_equal(cov.age_years, cov0.age_years) and np.array_equal(cov.weight_kg, cov0.weight_kg)
    for name, values in per_patient0.items():
        assert np.array_equal(per_patient[name], values)
    for path, values in drug0.items():
        assert np.array_equal(drug[path], values)
    assert set(per_patient) - set(per_patient0) == {*LYMPHOCYTE_REFERENCES, "monocyte_setpoint_1e9_per_L"}


@pytest.mark.slow
def test_low_lymphocytes_let_docetaxel_take_wbc_below_2() -> None:
    """The typical woman after docetaxel 100 mg/m2: with the reference lymphocytes her WBC stays above 2.0e9/L at
    the ANC nadir; with a cancer patient's low lymphocytes (a tenth-percentile factor) it falls below, while her
    ANC is the same."""
    woman = PATIENTS["reference_female"]
    ds = load_drug_set("docetaxel_kloft2006")
    z10 = NormalDist().inv_cdf(0.10)
    factor = (PARAMS.value("metastatic_cancer_lymphocytes_median_1e9_per_L")
              / (sum(PARAMS.value(n) for n in LYMPHOCYTE_REFERENCES) / 1e3)
              * np.exp(lymphocyte_log_sd(PARAMS.value("metastatic_cancer_lymphocytes_median_1e9_per_L"),
                                         PARAMS.value("metastatic_cancer_lymphopenia_fraction")) * z10))
    low = {name: np.array([PARAMS.value(name), PARAMS.value(name) * factor]) for name in LYMPHOCYTE_REFERENCES}
    two = type(woman)(age_years=np.full(2, woman.age_years), sex=np.array([woman.sex] * 2),
                      weight_kg=np.full(2, woman.weight_kg), height_cm=np.full(2, woman.height_cm))
    model = healthy_human_model(two, aging=False, per_patient=low, extensions=[DrugExposure(ds)])
    dose = Regimen(0.0, ds.drug, "iv_infusion", 100.0 * body_surface_area_m2(two) * 1000.0, 1.0 / 24.0)
    r = Simulation(model, events=[dose]).run(21.0, output_every_days=1.0 / 8.0,
                                             observe=["anc_1e9_per_L", "lymphocytes_1e9_per_L", "wbc_1e9_per_L"])
    lymph0 = r.observable("lymphocytes_1e9_per_L")[:, 0]
    assert lymph0[1] / lymph0[0] == pytest.approx(factor, rel=0.01)  # the factor reaches the blood count
    anc_low = r.observable("anc_1e9_per_L").min(axis=1)
    assert anc_low[0] == pytest.approx(anc_low[1], rel=1e-6)  # lymphocytes do not move the neutrophils
    wbc_low = r.observable("wbc_1e9_per_L").min(axis=1)
    assert wbc_low[0] > 2.0 > wbc_low[1]
