"""What a built model knows about the body it was built for: the typed record every model carries
(:attr:`hemasim.model.Model.info`, :attr:`hemasim.model.CompiledModel.info`), read by the events (a blood
loss needs the blood volume and what share of each compartment is in blood), the SBML export, the report
and the run record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hemasim.biology.body import Covariates
    from hemasim.model.core import Value

__all__ = ["ModelInfo"]


def _one(value: Value, i: int) -> Value:
    """Patient ``i``'s entry of a per-patient array (a scalar is everyone's)."""
    return float(np.asarray(value).reshape(-1)[i]) if np.ndim(value) else value


@dataclass(frozen=True)
class ModelInfo:
    """What a model records about its patient (or, with arrays, each patient of a cohort).

    ``blood_volume_L`` is None for a model without a body (the published Friberg chain). ``blood_share`` maps
    each compartment with cells in blood to the share of its cells that is in blood (1 for blood pools, the
    lymphocyte blood fraction for whole-body lymphocyte pools): what a blood loss removes. ``origins`` and
    ``blocked_host_flows`` are set by :func:`hemasim.biology.origins.split_origins` (empty otherwise).
    """

    patient: Covariates | None = None
    blood_volume_L: Value | None = None
    blood_share: Mapping[str, Value] = field(default_factory=dict)
    parameters_used: tuple[str, ...] = ()
    aging: bool = False
    origins: tuple[str, ...] = ()
    blocked_host_flows: tuple[str, ...] = ()

    def for_patient(self, i: int) -> ModelInfo:
        """Patient ``i`` of a cohort's record (per-patient arrays sliced)."""
        patient = self.patient
        if patient is not None and np.ndim(patient.age_years):
            patient = replace(patient, age_years=_one(patient.age_years, i),
                              sex=str(np.asarray(patient.sex).reshape(-1)[i]),  # type: ignore[arg-type]
                              weight_kg=_one(patient.weight_kg, i),
                              height_cm=None if patient.height_cm is None else _one(patient.height_cm, i))
        volume = None if self.blood_volume_L is None else _one(self.blood_volume_L, i)
        return replace(self, patient=patient, blood_volume_L=volume,
                       blood_share={k: _one(v, i) for k, v in self.blood_share.items()})
