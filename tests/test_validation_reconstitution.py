"""R1-R8 (branch predict3): the bands derived from published means, standard errors and p-values are the ones
the helpers compute, and the targets' groups are the committed prediction split."""

import pytest

from hemasim.validation import load_targets
from hemasim.validation.reconstitution_and_ageing import interval_from_p_value, ratio_interval_from_standard_errors

from .conftest import validation_outcome


def _band(target_id: str, readout: str, info: bool = False) -> list[float]:
    targets = {t["id"]: t for group in load_targets().values() for t in group}
    checks = targets[target_id]["info_checks" if info else "checks"]
    return next(c["band"] for c in checks if c["readout"] == readout)


def test_r1_band_is_the_ratio_interval_of_the_two_group_means():
    low, high = ratio_interval_from_standard_errors((177.0, 28.0), (825.0, 48.0))  # Fagnoni 2000
    assert _band("R1", "naive_t_per_uL_ratio_100_to_30") == [pytest.approx(low, abs=5e-4),
                                                              pytest.approx(high, abs=5e-4)]
    assert _band("R1", "naive_t_per_uL_at_30", info=True) == [pytest.approx(825 - 1.96 * 48, abs=1),
                                                              pytest.approx(825 + 1.96 * 48, abs=1)]


def test_r2_band_is_the_mean_plus_minus_two_standard_errors():
    assert _band("R2", "naive_cd8_per_uL_at_100") == [pytest.approx(13 - 1.96 * 4, abs=0.05),
                                                      pytest.approx(13 + 1.96 * 4, abs=0.05)]


def test_r3_band_comes_from_the_estimate_and_its_p_value():
    low_g_per_L, high_g_per_L = interval_from_p_value(0.53, 0.038)  # Nilsson-Ehle 2000, healthy men
    assert _band("R3", "hemoglobin_decline_g_per_dL_per_year_70_to_88") == [
        pytest.approx(low_g_per_L / 10, abs=5e-4), pytest.approx(high_g_per_L / 10, abs=5e-4)]


def test_interval_helpers():
    low, high = ratio_interval_from_standard_errors((2.0, 0.0), (1.0, 0.0))
    assert low == pytest.approx(2.0) and high == pytest.approx(2.0)
    low, high = interval_from_p_value(1.0, 0.05)
    assert low == pytest.approx(0.0, abs=1e-9) and high == pytest.approx(2.0)


@pytest.mark.integration
@pytest.mark.slow
def test_the_new_predictions_pass_or_fail_as_reported():
    """First run, after R1-R8 were committed: R4 and R5 pass; R1-R3 and R6-R8 fail (notes in targets.yaml). Held
    so that a model change that moves them shows up. R3 and R8 pass since branch agetrend (set points fall with age,
    fitted on non-target data; docs/model.md). R6 passes since branch melph (melphalan's lymphoid surviving fraction
    fitted on another cohort's day-15 lymphocyte counts, docs/drugs.md: 294 -> 105/uL, band 100-200). Branch naiveage
    (the naive pools' decline at 35 fitted on an Italian cohort's naive counts at age): R1 passes (0.514 -> 0.160),
    R6 fails (101.7 -> 87/uL: the assumed 57-year-old starts with fewer naive CD4 cells)."""
    status, values = validation_outcome(["ageing_blood_counts", "immune_reconstitution_after_autologous_hsct"])
    assert status == {
        "R1": "pass", "R2": "fail", "R3": "pass", "R8": "pass", "R4": "pass", "R5": "pass", "R6": "fail", "R7": "fail"}
    # agetrend: 0 -> 0.0178 g/dL per year (R3), 1.000 -> 0.890 (R8)
    assert values["hemoglobin_decline_g_per_dL_per_year_70_to_88"] == pytest.approx(0.0178, abs=0.001)
    assert values["platelets_1e9_per_L_ratio_80_to_30"] == pytest.approx(0.890, abs=0.005)
    # 0.823 before branch ageing, 0.514 before branch naiveage
    assert values["naive_t_per_uL_ratio_100_to_30"] == pytest.approx(0.160, abs=0.005)
    assert values["naive_cd8_per_uL_at_100"] == pytest.approx(60.0, abs=1.0)  # 152 before branch naiveage
    # 107 with melphalan's lymphoid fraction refitted (0.10) on the sourced autograft T-cell dose 7.6e7/kg (graftT);
    # 110 at 0.065 with the assumed 2.5e8/kg graft (branch melph); 304 at the assumed 0.3 (309-312 at CD4 838/uL, 298
    # at CD4 fold 1.5, t4fit)
    # 93.8 since branch naiveage (the patient's age: fewer naive CD4 cells before conditioning)
    assert values["auto_hsct_lymphoma_cd4_per_uL_day15"] == pytest.approx(93.8, rel=0.02)
    # 105 at 0.065 with the 2.5e8/kg graft; 294 at 0.3
    # 101.7 before branch naiveage
    assert values["auto_hsct_myeloma_cd4_per_uL_at_neutrophil_recovery"] == pytest.approx(87.1, rel=0.02)
    assert values["ms_hsct_naive_cd4_ratio_month12_to_before"] == pytest.approx(0.082, abs=0.005)
