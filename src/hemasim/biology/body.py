"""Patient covariates and body-size relations (blood volume)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hemasim.parameters import ParameterSet

Sex = Literal["male", "female"]

# Nadler 1962 (Surgery 51:224), blood volume in litres from height (m) and weight (kg):
# men 0.3669 H^3 + 0.03219 W + 0.6041; women 0.3561 H^3 + 0.03308 W + 0.1833.
_NADLER = {"male": (0.3669, 0.03219, 0.6041), "female": (0.3561, 0.03308, 0.1833)}


@dataclass(frozen=True)
class Covariates:
    """What the biology needs to know about a patient."""

    age_years: float
    sex: Sex
    weight_kg: float
    height_cm: float | None = None


def blood_volume_L(cov: Covariates, params: ParameterSet) -> float:
    """Blood volume: Nadler 1962 when height is known, otherwise mL/kg by sex (textbook)."""
    if cov.height_cm is not None:
        a, b, c = _NADLER[cov.sex]
        h = cov.height_cm / 100.0
        return a * h**3 + b * cov.weight_kg + c
    per_kg = params.value(f"blood_volume_mL_per_kg_{cov.sex}")
    return per_kg * cov.weight_kg / 1000.0
