"""The simulated patients the validation checks refer to."""

from __future__ import annotations

from hemasim.biology import Covariates

#: Simulated patients the checks refer to.
PATIENTS: dict[str, Covariates] = {
    "reference_male": Covariates(age_years=35.0, sex="male", weight_kg=70.0, height_cm=175.0),
    "reference_female": Covariates(age_years=35.0, sex="female", weight_kg=60.0, height_cm=163.0),
    # K1 (single cord unit, hemasim.validation.cord): Ooi 2004 Blood 103:489 abstract, 18 adults with AML, median
    # age 43 years and weight 55.2 kg; sex and height not given (a man as T7's scenario; no height: 70 mL/kg)
    "ooi2004_adult_aml_median": Covariates(age_years=43.0, sex="male", weight_kg=55.2, height_cm=None),
    # K2 (and K3, whose abstract gives no age or weight): Kurtzberg 2008 Blood 112:4318 abstract (COBLT), 191
    # children, median age 7.7 years and weight 25.9 kg; sex and height not given (a boy as T7's scenario; a
    # child's blood volume is Linderkamp 1977's mL/kg by age, with or without a height: hemasim.biology.body)
    "coblt2008_child_median": Covariates(age_years=7.7, sex="male", weight_kg=25.9, height_cm=None),
}
