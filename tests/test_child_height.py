"""A child's height against the CDC 2000 length- and stature-for-age curves (hemasim.scenario.plausibility,
child_height_band): a height in inches, or a child's age with an adult's height, is warned about with the cm meant."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from hemasim.scenario import parse_scenario
from hemasim.scenario.plausibility import child_height_band, plausibility_warnings
from tests.conftest import EXAMPLES

Z97 = 1.8807936081512509  # the standard normal's 97th percentile


@pytest.mark.parametrize(("age_months", "sex", "p3", "p97"), [
    # the P3 and P97 columns of CDC's statage.csv (percentiles the band does not read; zainul1996/baby-prediction-backend
    # statage.csv, code corpus, 2026-12-06)
    (60.5, "male", 100.331847, 117.831386), (120.5, "female", 125.9599043, 151.2919534),
    (24, "male", 79.91084447, 93.02265441)])
def test_the_child_height_band_reads_the_cdc_curves_as_cdc_computes_its_percentiles(age_months, sex, p3, p97):
    low, high = child_height_band(age_months / 12.0, sex, sd=Z97)
    assert low == pytest.approx(p3, rel=1e-8) and high == pytest.approx(p97, rel=1e-8)


def test_the_band_grows_with_age_and_is_lying_length_under_two_years():
    bands = [child_height_band(a, "female") for a in (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 17.9)]
    assert all(b0[0] < b1[0] and b0[1] < b1[1] for b0, b1 in zip(bands, bands[1:], strict=False))
    assert 40 < bands[0][0] < 49.3 < bands[0][1] < 60  # the newborn girl's median length 49.3 cm inside


def _child(**patient: Any) -> dict[str, str]:
    data = yaml.safe_load((EXAMPLES / "child_tcd_marrow.yaml").read_text())  # a boy of 8 years, 25 kg, 128 cm
    data["patient"].update(patient)
    return dict(plausibility_warnings(parse_scenario(data)))


def test_a_childs_height_in_inches_is_warned_with_the_cm_it_means():
    assert "patient.height_cm" not in _child()  # the example's 128 cm
    message = _child(height_cm=50)["patient.height_cm"]  # 50 in = 127 cm
    assert message.startswith("50 cm for a boy of 8 years is outside 111-146 cm, 3 SD either side of the median "
                              "height for age and sex; if that is inches, 127 cm; check height_cm and age_years")
    # an adult's height with an infant's age: no inches to offer
    message = _child(age_years=0.5, weight_kg=8, height_cm=175)["patient.height_cm"]
    assert message.startswith("175 cm for a boy of 0.5 years is outside") and "inches" not in message


def test_no_shipped_childs_height_is_warned_about():
    for path in EXAMPLES.rglob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        patient = data.get("patient") if isinstance(data, dict) else None
        if isinstance(patient, dict) and patient.get("age_years", 99) < 18 and patient.get("height_cm"):
            low, high = child_height_band(patient["age_years"], patient.get("sex", "male"))
            assert low <= patient["height_cm"] <= high, path
