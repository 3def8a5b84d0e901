"""The build order of the healthy model is explicit: the stem module's outputs and the lineage handles are read
through guarded slots, and the model metadata is written and read through one typed record."""

import numpy as np
import pytest

from hemasim.biology import REFERENCE_ADULT, Covariates, healthy_human_model
from hemasim.biology.builder import BuildContext
from hemasim.biology.marrow import stem_module
from hemasim.biology.myeloid import neutrophil_module
from hemasim.biology.origins import split_origins
from hemasim.parameters import healthy_adult_parameters


def _context() -> BuildContext:
    params = healthy_adult_parameters()
    return BuildContext(params=params, patient=REFERENCE_ADULT, blood_volume_L=5.0, aging=False)


def test_a_lineage_built_before_the_stem_module_fails_with_a_clear_error():
    ctx = _context()
    with pytest.raises(RuntimeError, match="before the stem module was built"):
        neutrophil_module(ctx)


def test_the_stem_output_is_set_once_and_read_by_the_lineages_built_after_it():
    ctx = _context()
    module, ctx.stem = stem_module(ctx)
    assert ctx.stem.mpp.compartment == "mpp" and ctx.stem.clp.compartment == "clp"
    assert ctx.stem.hsc_output_per_day == pytest.approx(ctx.p("hsc_count") / ctx.p("hsc_division_interval_days"))
    neutrophils = neutrophil_module(ctx)
    assert any(f.name == "mpp_to_neutrophil_progenitor" and f.source == "mpp" for f in neutrophils.flows)
    assert ctx.lineage("neutrophil").blood == ("neutrophil_blood_1",)
    with pytest.raises(RuntimeError, match="set twice"):
        ctx.stem = stem_module(ctx)[1]


def test_an_unbuilt_lineage_is_named_with_the_built_ones():
    ctx = _context()
    _, ctx.stem = stem_module(ctx)
    neutrophil_module(ctx)
    with pytest.raises(KeyError, match=r"lineage 'erythroid' is not built \(built: neutrophil\)"):
        ctx.lineage("erythroid")


def test_a_signal_weight_cannot_differ_between_patients():
    ctx = _context()
    ctx.per_patient = {"cd8_memory_niche_naive_weight": np.array([0.5, 0.7])}
    with pytest.raises(ValueError, match="cd8_memory_niche_naive_weight must be the same for every patient"):
        ctx.p_shared("cd8_memory_niche_naive_weight")
    assert _context().p_shared("cd8_memory_niche_naive_weight") == healthy_adult_parameters().value(
        "cd8_memory_niche_naive_weight")


def test_models_carry_a_typed_record_of_their_patient():
    model = healthy_human_model(REFERENCE_ADULT, aging=False)
    info = model.info
    assert info.patient == REFERENCE_ADULT and info.aging is False and not info.origins
    assert info.blood_share["neutrophil_blood_1"] == 1.0
    assert info.blood_share["naive_cd4"] == model.parameters.value("lymphocyte_blood_fraction")
    assert model.compile().info is info
    chimeric = split_origins(model, ["clp_to_thymic_seeding"])
    split = chimeric.info
    assert split.origins == ("host", "donor") and split.blocked_host_flows == ("clp_to_thymic_seeding",)
    assert "naive_cd4__donor" in split.blood_share and "naive_cd4" not in split.blood_share


def test_a_cohort_patient_gets_its_own_record():
    ages, weights = np.array([30.0, 60.0]), np.array([60.0, 90.0])
    cohort = healthy_human_model(Covariates(ages, np.array(["female", "male"]), weights, None), aging=False).compile()
    one = cohort.patient(1)
    assert one.info.patient == Covariates(60.0, "male", 90.0, None)
    assert one.info.blood_volume_L == pytest.approx(float(np.asarray(cohort.info.blood_volume_L)[1]))
    assert np.ndim(one.info.blood_share["naive_cd4"]) == 0
