"""Endpoints of a patient's autoimmune disease (``patient.autoimmune_disease``; not an intervention kind, so
:func:`hemasim.assembly.endpoint_families` adds the family from the patient): the lowest and the final disease
activity, and CD4 clonotype richness relative to the start (its dip and where it ends). Without them the report of
an immune reset (examples/ms_autologous_hsct.yaml) opened on blood counts and named nothing of the disease it is
about (harden10)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from hemasim.interventions.base import EndpointColumn, EndpointContext, EndpointFamily

__all__ = ["DiseaseActivityEndpoints", "disease_activity_values"]

RICHNESS = "cd4_clonotype_richness"


def disease_activity_values(times: np.ndarray, obs: Mapping[str, np.ndarray], disease: str) -> list[EndpointColumn]:
    """For many patients (``obs``: name -> (N, T)): the lowest and the final activity of ``disease`` (1 = untreated
    chronic disease) and the lowest and final CD4 clonotype richness over its value at the start."""
    activity = obs[f"{disease}_activity"]
    label = disease.replace("_", " ")
    out = [EndpointColumn(f"{disease}_activity_lowest", "1", f"lowest {label} activity (autoreactive memory CD4 T "
                          "cells) relative to untreated chronic disease (1); a model quantity, not a clinical score",
                          activity.min(axis=1)),
           EndpointColumn(f"{disease}_activity_final", "1", f"{label} activity at the end of the run relative to "
                          "untreated chronic disease (1)", activity[:, -1])]
    if RICHNESS in obs:
        richness = obs[RICHNESS]
        start = np.where(richness[:, 0] > 0, richness[:, 0], np.nan)
        out += [EndpointColumn("cd4_clonotype_richness_lowest_relative", "1", "lowest whole-body CD4 clonotype "
                               "richness over its value at the start", richness.min(axis=1) / start),
                EndpointColumn("cd4_clonotype_richness_final_relative", "1", "whole-body CD4 clonotype richness "
                               "at the end of the run over its value at the start", richness[:, -1] / start)]
    return out


class DiseaseActivityEndpoints(EndpointFamily):
    def __init__(self, disease: str) -> None:
        self.disease = disease

    def observables(self, available: Sequence[str]) -> list[str]:
        return [o for o in (f"{self.disease}_activity", RICHNESS) if o in available]

    def units(self) -> dict[str, str]:
        # every column is a ratio; the richness pair only where the model has the observable (declared all the same)
        return {name: "1" for name in (f"{self.disease}_activity_lowest", f"{self.disease}_activity_final",
                                       "cd4_clonotype_richness_lowest_relative",
                                       "cd4_clonotype_richness_final_relative")}

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        return disease_activity_values(times, obs, self.disease)
