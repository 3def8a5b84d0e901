"""The simulated patients the validation checks refer to."""

from __future__ import annotations

from hemasim.biology import Covariates

#: Simulated patients the checks refer to.
PATIENTS: dict[str, Covariates] = {
    "reference_male": Covariates(age_years=35.0, sex="male", weight_kg=70.0, height_cm=175.0),
    "reference_female": Covariates(age_years=35.0, sex="female", weight_kg=60.0, height_cm=163.0),
}
