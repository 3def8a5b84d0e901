"""C12 (branch dees31): Dees 2000's cycle-1 ANC < 0.1e9/L share on AC 60/600, registered one-sided before the model
was run (94c9f35a). The band is the Wilson interval of 8 of 44, the cohort carries only cited variability (the two
clearances, Kloft 2006's patient-level ANC variability) and none on the AC kill, and the first run's outcome is
held."""

import math

import numpy as np
import pytest

from hemasim.pharmacology import load_drug_set
from hemasim.validation import chemotherapy as chemo
from hemasim.validation import load_targets
from hemasim.validation.chemotherapy_schedules import wilson_interval_pct

SHARE = "full_model_ac_60_600_cohort_cycle1_anc_below_0p1_pct"


def _c12() -> dict:
    return next(t for group in load_targets().values() for t in group if t["id"] == "C12")


def _band(readout: str) -> list[float]:
    t = _c12()
    return next(c["band"] for c in [*t["checks"], *t.get("info_checks", [])] if c["readout"] == readout)


def test_the_band_is_the_wilson_interval_of_8_of_44_and_the_age_bands_the_hulls_of_their_splits():
    low, high = wilson_interval_pct(8 / 44, 44)
    assert _band(SHARE) == [pytest.approx(low, abs=0.051), pytest.approx(high, abs=0.051)]  # written to 0.1 point
    for readout, splits in {SHARE.replace("_pct", "_under_65_pct"): ((5, 28), (3, 17)),
                            SHARE.replace("_pct", "_65_plus_pct"): ((3, 16), (5, 27))}.items():
        ends = [wilson_interval_pct(k / n, n) for k, n in splits]
        assert all(round(100 * k / n) == (18 if "under" in readout else 19) for k, n in splits)
        assert _band(readout) == [pytest.approx(min(e[0] for e in ends), abs=0.051),
                                  pytest.approx(max(e[1] for e in ends), abs=0.051)]


def test_c12_is_a_registered_prediction_read_from_the_chemotherapy_readouts():
    t = _c12()
    assert t["class"] == "prediction" and t["band_basis"] == "uncertainty"
    assert all(c["readout"] in chemo.CHEMOTHERAPY for c in [*t["checks"], *t.get("info_checks", [])])
    assert "NOT decisive" in t["pass"] and "decisive" in t["pass"].replace("NOT decisive", "")


def test_the_clearance_variability_is_the_cited_cv():
    # sd of log CL = sqrt(log(CV^2 + 1)): Ahmed 2020 Table 3 46.4%, Joerger 2007 (Janssen 2023 Table 1) 24.6%
    for name, cv in {"cyclophosphamide_ahmed2020": 0.464, "doxorubicin_joerger2007": 0.246}.items():
        sd = load_drug_set(name).pk.clearance_iiv_sd_log.value
        assert sd == pytest.approx(math.sqrt(math.log1p(cv**2)), abs=5e-5)


def test_the_cohort_draws_only_the_cited_variability():
    n = 4000
    cov, healthy, drug = chemo._ac_cohort_draws(n, chemo.AC_COHORT_SEED)
    assert set(np.asarray(cov.sex)) == {"female"}
    ages = np.asarray(cov.age_years)
    assert ages.min() >= 35.0 and ages.max() <= 79.0
    kloft = {k: math.sqrt(v.value) for k, v in load_drug_set("docetaxel_kloft2006").friberg.iiv_variance.items()}
    assert set(healthy) == {"anc_setpoint_1e9_per_L", "neutrophil_mitotic_transit_days",
                            "neutrophil_marrow_transit_days"}
    assert np.std(np.log(healthy["anc_setpoint_1e9_per_L"])) == pytest.approx(kloft["baseline"], rel=0.05)
    assert np.std(np.log(healthy["neutrophil_marrow_transit_days"])) == pytest.approx(kloft["mean_transit_time"],
                                                                                        rel=0.05)
    # clearance only: no slope (kill) varies between patients (no source for it)
    for name, d in zip(chemo.AC_DRUG_SETS, drug, strict=True):
        assert set(d) == {"pk.clearance_L_per_h"}
        ds = load_drug_set(name)
        assert np.std(np.log(d["pk.clearance_L_per_h"])) == pytest.approx(ds.pk.clearance_iiv_sd_log.value, rel=0.05)


@pytest.mark.slow
def test_the_first_run_passes_at_the_lower_edge_as_reported():
    """First run after the registration (nothing changed after it): 95 of 1,000 women, 9.5%, a pass at the lower
    edge of [9.5, 32.0] (targets.yaml C12's note). Held so that a change of the AC kill or the cohort shows."""
    course = chemo._validate_ac_cohort()
    share = float(100.0 * np.mean(course.nadir_anc < chemo.DEES2000_ANC_THRESHOLD_1E9_PER_L))
    low, high = _band(SHARE)
    assert share == pytest.approx(9.5, abs=0.05) and low <= share <= high
    assert float(np.median(course.nadir_anc)) == pytest.approx(0.1760, rel=2e-3)
