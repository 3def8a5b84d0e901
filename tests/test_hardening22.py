"""Hardening, session 22: a coupling's misspelt target is refused naming it and the allowed targets (it was dropped
silently when it held "__"), and the gene-therapy run record goes through the project's JSON writer."""

from __future__ import annotations

import pandas as pd
import pytest

from hemasim.parameters import healthy_adult_parameters

SLOPE = "docetaxel_kloft2006__effects_0_full_model_slope_L_per_umol"
AGE = "lymphocyte_reference_age_years"


def _coupled(target: str) -> pd.DataFrame:
    """The columns a coupling of ``target`` from the reference age gives on the healthy model's table (which doses
    no drug set)."""
    from hemasim.sensitivity.coupling import Coupling, coupled_columns

    coupling = Coupling((AGE,), (target,), lambda held: {target: 1.0})
    return coupled_columns(pd.DataFrame({AGE: [24.0, 30.0]}), [coupling], healthy_adult_parameters())


def test_a_drug_set_value_the_scenario_does_not_dose_is_left_out():
    assert _coupled(SLOPE).empty  # a shipped set's value: it acts on nothing in this scenario


@pytest.mark.parametrize(("target", "message"), [
    # a misspelt value of a shipped set: was dropped silently as one of a set not dosed
    ("docetaxel_kloft2006__effects_0_full_model_slope_L_per_uml",
     rf"^Coupling.targets: docetaxel_kloft2006__effects_0_full_model_slope_L_per_uml: no value of drug set "
     rf"docetaxel_kloft2006; did you mean {SLOPE}[^?]*\? its values \(after docetaxel_kloft2006__\): .*"
     r"effects_0_full_model_slope_L_per_umol.* \(the coupling from lymphocyte_reference_age_years\)$"),
    # a misspelt set: was dropped silently too
    ("docetaxel_kloft2060__effects_0_full_model_slope_L_per_umol",
     r"^Coupling.targets: docetaxel_kloft2060__effects_0_full_model_slope_L_per_umol: docetaxel_kloft2060 is no drug "
     r"set the scenario doses or hemasim ships; did you mean docetaxel_kloft2006.*\(drug sets: .*docetaxel_kloft2006, "),
    # a misspelt parameter: was a KeyError
    ("naive_cd4_decline_at_reference_age_per_yr",
     r"^Coupling.targets: naive_cd4_decline_at_reference_age_per_yr: no parameter of the scenario's model; did you "
     r"mean naive_cd4_decline_at_reference_age_per_year.*\(allowed: the model's parameters, docs/parameters.md, and "
     r"a drug set's values as SET__VALUE\)"),
])
def test_a_misspelt_coupling_target_is_refused_naming_it_and_the_allowed_targets(target: str, message: str):
    with pytest.raises(ValueError, match=message):
        _coupled(target)
