"""The claims of docs/humoral_diagnosis.py that docs/immunity.md ("Diagnosis of the failing vaccine predictions") and the
notes of L4, L5 and L6 rest on, checked on the model as it is: a model change that made one false fails here."""

from __future__ import annotations

from pathlib import Path

from ._scripts import load_script

DIAGNOSIS = Path(__file__).resolve().parents[1] / "docs" / "humoral_diagnosis.py"


def test_no_help_law_in_blood_counts_reaches_the_youth_bands():
    """L5/L6: the older group's primary help over the younger's stays above L5's band (0.32-0.49) even with a help
    linear in the counts (the steepest the saturating family reaches), and their recall help goes the other way."""
    diag = load_script(DIAGNOSIS)
    h = diag.help_factors()
    for tag in ("L5", "L6"):
        shipped, linear = h[f"{tag}_primary_help_ratio_shipped"], h[f"{tag}_primary_help_ratio_linear_law"]
        assert linear < shipped < 1.0  # the younger have more naive CD4 and B cells: the linear law is steeper
        assert linear > 0.49, tag
        assert h[f"{tag}_recall_help_ratio_shipped"] > 1.0, tag  # fewer memory CD4 cells in the younger
    first_dose = h["pcv_after_hsct_at_doses"]["from_month_3"][0]
    assert first_dose["h_n4"] < min(first_dose["h_b"], first_dose["h_m4"])  # I6: naive CD4 help is the smallest


def test_the_models_dose_response_is_steeper_than_proportional_and_the_published_flatter():
    """L4: the model's response grows faster than the dose (elasticity > 1 after one and two doses), the published
    nonadjuvanted dose-responses slower (< 1)."""
    diag = load_script(DIAGNOSIS)
    d = diag.dose_response()
    assert d["model_one_dose_elasticity_0.25_to_2"] > 1.5
    assert d["model_two_dose_elasticity_0.25_to_2"] > d["model_one_dose_elasticity_0.25_to_2"]
    for name, published in d["published_dose_response"].items():
        if "nonadjuvanted" in name:
            assert 0.0 < published["elasticity"] < 1.0, name
