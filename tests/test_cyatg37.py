"""cy_atg's cyclophosphamide progenitor surviving fraction, fitted on a neutrophil recovery day (branch cyatg37;
docs/transplant.md, "Cy/ATG marrow kill"; the rule was committed before the fit)."""

from __future__ import annotations

import math
from pathlib import Path

from hemasim.pharmacology.conditioning import load_regimen

ROOT = Path(__file__).resolve().parents[1]


def _fit():
    from tests._scripts import load_script

    return load_script(ROOT / "bench" / "cy_atg_progenitor_fit.py")


def _progenitor():
    return load_regimen("cy_atg").components[0].surviving["progenitor"]


def test_the_progenitor_fraction_is_fitted_and_names_its_data_and_script():
    v = _progenitor()
    assert v.fitted is not None and v.assumed is None
    assert "Pavletic 2001" in v.fitted.data and "bench/cy_atg_progenitor_fit.py" in v.fitted.problem
    assert (ROOT / "bench" / "cy_atg_progenitor_fit.py").exists()


def test_the_typical_patient_falls_below_0p5_and_engrafts_inside_the_patients_days():
    # the MS example's patient and graft, read every 6 hours: the ANC falls below 0.5e9/L (the patients were all
    # neutropenic) and its engraftment day lies in the patients' spread (6-12 days, Blood 2016;128:2262)
    fit = _fit()
    r = fit.readouts(_progenitor().value)
    assert r["anc_nadir"] < 0.5 and r["days_anc_below_0p5"] > 0
    assert fit.SPREAD[0] <= r["neutrophil_engraftment_day"] <= fit.SPREAD[1]


def test_the_old_assumed_value_gave_no_fall_and_the_rule_returns_the_shipped_value():
    # the pre-registered rule, re-run: 0.1 (the old assumed value) gives no engraftment day (never below 0.5), the
    # step of s nearest Pavletic's day 7 has its middle at the shipped value to 2 significant digits
    fit = _fit()
    assert math.isnan(fit.readouts(0.1)["neutrophil_engraftment_day"])
    out = fit.fit()
    assert out["adopt"] and out["adopted_2sf"] == _progenitor().value
    assert out["step"][0] < _progenitor().value < out["step"][1]


def test_a_smaller_surviving_fraction_gives_a_lower_nadir_and_no_earlier_recovery():
    fit = _fit()
    s = _progenitor().value
    reads = [fit.readouts(s * f) for f in (0.25, 0.5, 1.0, 1.02)]
    nadirs = [r["anc_nadir"] for r in reads]
    assert nadirs == sorted(nadirs) and len(set(nadirs)) == len(nadirs)
    days = [r["neutrophil_engraftment_day"] for r in reads[:3]]
    assert days == sorted(days, reverse=True)
