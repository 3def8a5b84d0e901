"""Cycle-dependent chemotherapy kill in the full model (docs/chemotherapy_full_model.md)."""

import numpy as np
import pytest

from hemasim.biology import healthy_human_model
from hemasim.parameters.core import Fitted
from hemasim.pharmacology import DrugExposure, friberg_model, load_drug_set
from hemasim.pharmacology.drug_sets import parse_drug_set


def _kill_flows(drug_set: str, chain: bool = False) -> dict[str, object]:
    ds = load_drug_set(drug_set)
    model = friberg_model(ds) if chain else healthy_human_model(aging=False, extensions=[DrugExposure(ds)])
    return {f.name: f for m in model.modules for f in m.flows if f.kind == "drug_kill"}


def test_full_model_kill_reaches_every_cycling_compartment_the_set_names() -> None:
    flows = _kill_flows("docetaxel_kloft2006")
    for lineage in ("neutrophil", "monocyte", "erythroid", "megakaryocyte"):
        assert f"docetaxel_kill_{lineage}_progenitors" in flows
    for stage in ("hsc", "st_hspc", "mpp"):
        assert f"docetaxel_kill_{stage}" in flows
    assert "docetaxel_kill_neutrophil_precursor_1" in flows
    # long-term HSCs are killed at their division rate (Catlin 2011: once per 280 days): mostly spared
    hsc = flows["docetaxel_kill_hsc"]
    assert hsc.rate == pytest.approx(1.0 / 280.0)  # type: ignore[attr-defined]
    assert "niche_activation" in hsc.feedbacks  # type: ignore[attr-defined]
    assert flows["docetaxel_kill_mpp"].rate == pytest.approx(1.0 / 10.0)  # type: ignore[attr-defined]


def test_sets_without_a_full_model_block_and_the_chain_keep_the_chain_law() -> None:
    from hemasim.parameters import healthy_adult_parameters

    flows = _kill_flows("docetaxel_friberg2002")
    divisions = int(healthy_adult_parameters().value("neutrophil_precursor_divisions"))
    assert set(flows) == {"docetaxel_kill_neutrophil_progenitors",
                          *(f"docetaxel_kill_neutrophil_precursor_{j}" for j in range(1, divisions + 1))}
    chain = _kill_flows("docetaxel_kloft2006", chain=True)
    assert set(chain) == {"docetaxel_kill_neutrophil_progenitors"}


def test_a_fitted_drug_set_value_carries_fitted_provenance() -> None:
    ds = load_drug_set("docetaxel_kloft2006")
    data = ds.model_dump(exclude_none=True)
    slope = data["effects"][0]["full_model"]["slope_L_per_umol"]
    slope.clear()
    slope.update(value=30.0, fitted={"data": "some course", "problem": "fit.py", "objective": 1.5,
                                     "interval": "95% profile CI [20, 40]"})
    fitted = parse_drug_set(data, "x")
    prov = fitted.parameter("effects.0.full_model.slope_L_per_umol", 30.0, "L/umol", "slope").provenance
    assert isinstance(prov, Fitted) and prov.data == ("some course",) and "CI [20, 40]" in prov.describe()
    slope["assumed"] = "and assumed"
    with pytest.raises(ValueError, match="exactly one of source, derived or assumed"):
        parse_drug_set(data, "x")


def test_per_patient_drug_values_reach_the_kill_and_unknown_paths_are_refused() -> None:
    from hemasim.biology.body import Covariates

    ds = load_drug_set("docetaxel_kloft2006")
    cov = Covariates(age_years=np.array([50.0, 50.0]), sex=np.array(["female", "female"]),
                     weight_kg=np.array([70.0, 70.0]), height_cm=np.array([165.0, 165.0]))
    slopes = np.array([10.0, 40.0])
    model = healthy_human_model(cov, aging=False, extensions=[
        DrugExposure(ds, per_patient={"effects.0.full_model.slope_L_per_umol": slopes})]).compile()
    k = model.feedback_names.index("docetaxel_effect_0_full_model_kill")
    assert np.allclose(np.asarray(model.fb_params)[:, k, 0] * 807.88, slopes)  # (patients, feedbacks, law)
    with pytest.raises(ValueError, match="no value at effects.0.nope"):
        healthy_human_model(aging=False, extensions=[DrugExposure(ds, per_patient={"effects.0.nope": slopes})])


@pytest.mark.slow
def test_the_virtual_cohort_responds_to_the_dose_and_varies_between_patients() -> None:
    from hemasim.validation.chemotherapy import docetaxel_cohort

    low, high = docetaxel_cohort(n=16, dose_mg_per_m2=60.0), docetaxel_cohort(n=16, dose_mg_per_m2=100.0)
    assert np.all(high.nadir_anc < low.nadir_anc)  # the same patients (same seed), a larger dose
    assert np.all(high.nadir_platelets <= low.nadir_platelets)
    assert np.ptp(np.log(high.nadir_anc)) > 0.3  # between-patient variability (Kloft 2006 IIV, Onoue 2016 CL)
