"""The docetaxel 100 mg/m2 label figures beside C7 and C8 (branch docetaxel): each band is the 95% Wilson interval of
the share the US prescribing information's Table 4 gives for 2045 patients (all tumour types, normal liver tests),
recomputed here; each is an info line (the model's values were known before the figures were found)."""

import pytest

from hemasim.validation import load_targets
from hemasim.validation.chemotherapy import CHEMOTHERAPY
from hemasim.validation.chemotherapy_schedules import wilson_interval_pct

KEY = "full_model_docetaxel_cohort_"
#: (target, read-out) -> (share in Table 4, patients)
LABEL_TABLE_4 = {
    ("C7", KEY + "grade4_neutropenia_pct"): (0.754, 2045),
    ("C8", KEY + "platelets_below_100_pct"): (0.080, 2045),
    ("C8", KEY + "hemoglobin_below_8_pct"): (0.088, 2045),
    ("C8", KEY + "hemoglobin_below_11_pct"): (0.904, 2045),
}


def _info_check(target_id: str, readout: str) -> dict:  # type: ignore[type-arg]
    target = next(t for group in load_targets().values() for t in group if t["id"] == target_id)
    return next(c for c in target.get("info_checks", []) if c["readout"] == readout)


@pytest.mark.parametrize(("key", "reported"), LABEL_TABLE_4.items(), ids=[f"{t}:{r}" for t, r in LABEL_TABLE_4])
def test_each_label_band_is_the_wilson_interval_of_table_4(key, reported):  # type: ignore[no-untyped-def]
    check = _info_check(*key)
    low, high = wilson_interval_pct(*reported)
    assert check["band"] == [round(low, 1), round(high, 1)]
    assert "Table 4" in check["why"] or "same table" in check["why"]
    assert "Not judged" in check["why"]


def test_the_label_read_outs_are_registered_and_not_judged_checks() -> None:
    for target_id, readout in LABEL_TABLE_4:
        assert readout in CHEMOTHERAPY
        target = next(t for group in load_targets().values() for t in group if t["id"] == target_id)
        assert readout not in {c["readout"] for c in target["checks"]}
    assert KEY + "median_days_grade4_among_grade4" in CHEMOTHERAPY
