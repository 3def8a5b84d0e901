"""harden25: a user's look at the X-SCID and docetaxel reports (an infant's age in months; labels that read wrong
for a SCID child or had no unit)."""

from __future__ import annotations

from hemasim.report.html import patient_text
from hemasim.report.key_results import _CYCLE_ROWS, KEY_ENDPOINTS


def test_an_infants_age_is_shown_in_months_too_and_an_adults_as_before():
    # the X-SCID example's 0.3 years was read as a rounding of its description's 3.6 months
    assert patient_text({"age_years": 0.3, "sex": "male", "weight_kg": 6}).startswith(
        "age 0.3 years (3.6 months), male, weight 6 kg")
    assert patient_text({"age_years": 55, "sex": "female"}) == "age 55 years, female"


def test_the_cd4_row_does_not_say_back_to_and_the_per_cycle_days_name_their_unit():
    labels = {name: label for name, label, _ in KEY_ENDPOINTS}
    assert "back to" not in labels["cd4_200_day"] and "after the graft" in labels["cd4_200_day"]
    assert _CYCLE_ROWS["days_anc_below_0p5"][0].endswith("(cycle: days)")
