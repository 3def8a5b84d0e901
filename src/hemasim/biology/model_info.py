"""The typed record of what a biology builder knows about the body it built.

``Model.metadata`` (and ``CompiledModel.metadata``) is a plain dict whose keys the model core, the
events and the SBML export read by name. :class:`ModelInfo` is the one place that writes those keys
(:meth:`ModelInfo.as_metadata`) and reads them back typed (:meth:`ModelInfo.from_metadata`), so a reader
gets narrowed types instead of ``object``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from hemasim.biology.body import Covariates
from hemasim.model.core import Value

__all__ = ["ModelInfo"]


@dataclass(frozen=True)
class ModelInfo:
    """What a built model records about its patient (metadata keys of the same names).

    ``blood_volume_L`` is None for a model without a body (the published Friberg chain). ``blood_share`` maps
    each compartment with cells in blood to the share of its cells that is in blood (1 for blood pools, the
    lymphocyte blood fraction for whole-body lymphocyte pools): what a blood loss removes. ``origins`` and
    ``blocked_host_flows`` are set by :func:`hemasim.biology.origins.split_origins` (empty otherwise).
    """

    patient: Covariates | None
    blood_volume_L: Value | None
    blood_share: Mapping[str, Value] = field(default_factory=dict)
    parameters_used: tuple[str, ...] = ()
    aging: bool = False
    origins: tuple[str, ...] = ()
    blocked_host_flows: tuple[str, ...] = ()

    def as_metadata(self) -> dict[str, object]:
        """The metadata dict a ``Model`` is given (keys as read by the model core, events and SBML export)."""
        meta: dict[str, object] = {"blood_volume_L": self.blood_volume_L, "blood_share": dict(self.blood_share),
                                   "parameters_used": sorted(self.parameters_used), "patient": self.patient,
                                   "aging": self.aging}
        if self.origins:
            meta["origins"] = self.origins
            meta["blocked_host_flows"] = sorted(self.blocked_host_flows)
        return meta

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, object]) -> ModelInfo:
        """Read the metadata of a model back, checking each key's type (absent keys take the defaults)."""
        patient = metadata.get("patient")
        if patient is not None and not isinstance(patient, Covariates):
            raise TypeError(f"model metadata 'patient' is a {type(patient).__name__}, not Covariates")
        volume = metadata.get("blood_volume_L")
        if volume is not None and not isinstance(volume, (float, int, np.ndarray)):
            raise TypeError(f"model metadata 'blood_volume_L' is a {type(volume).__name__}, not a number or array")
        share = metadata.get("blood_share", {})
        if not isinstance(share, Mapping):
            raise TypeError(f"model metadata 'blood_share' is a {type(share).__name__}, not a mapping")
        return cls(patient=patient, blood_volume_L=float(volume) if isinstance(volume, int) else volume,
                   blood_share=dict(share), parameters_used=_names(metadata, "parameters_used"),
                   aging=bool(metadata.get("aging", False)), origins=_names(metadata, "origins"),
                   blocked_host_flows=_names(metadata, "blocked_host_flows"))


def _names(metadata: Mapping[str, object], key: str) -> tuple[str, ...]:
    value = metadata.get(key, ())
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"model metadata {key!r} is not a sequence of names")
    return tuple(value)
