"""The healthy human model: one module per subsystem, assembled by :func:`healthy_human_model`.

Modules: marrow stem compartments (HSC, MPP, CLP), neutrophils, monocytes, erythroid,
megakaryocytes/platelets, lymphoid (B, NK, thymus, naive and memory CD4/CD8 T cells).
Equations and sources: docs/model.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from typing import Protocol

import numpy as np

from hemasim.biology.body import REFERENCE_ADULT, Covariates, blood_volume_L
from hemasim.biology.builder import BuildContext
from hemasim.biology.erythroid import erythroid_module, megakaryocyte_module
from hemasim.biology.lymphoid import lymphoid_module
from hemasim.biology.marrow import stem_module
from hemasim.biology.myeloid import monocyte_module, neutrophil_module
from hemasim.model.compiled import CompiledModel
from hemasim.model.core import Model, Module, Observable, Value
from hemasim.model.info import ModelInfo
from hemasim.parameters import ParameterSet, healthy_adult_parameters

__all__ = ["Covariates", "ModelExtension", "ModelInfo", "REFERENCE_ADULT", "blood_volume_L", "healthy_human_model",
           "reference_adult_model"]


class ModelExtension(Protocol):
    """Something that adds to the healthy model (a drug's PK and effects, a graft).

    ``extend`` returns a module of its own and, for flows of the healthy model, extra feedbacks that
    multiply them (by feedback name). It may read the lineage handles of ``ctx``.
    """

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]: ...



def _blood_count_module(model_modules: list[Module]) -> Module:
    """Observables that span modules (total white cells)."""
    weights: dict[str, Value] = {}
    for m in model_modules:
        for o in m.observables:
            if o.name in ("anc_1e9_per_L", "monocytes_1e9_per_L", "lymphocytes_1e9_per_L"):
                for c, w in o.compartments.items():
                    weights[c] = weights.get(c, 0.0) + w * o.scale
    return Module("blood_counts", observables=[
        Observable("wbc_1e9_per_L", "1e9/L", "white cells (neutrophils + monocytes + lymphocytes)", weights)])


def healthy_human_model(patient: Covariates = REFERENCE_ADULT, parameters: ParameterSet | None = None,
                        aging: bool = True, per_patient: Mapping[str, np.ndarray] | None = None,
                        extensions: Sequence[ModelExtension] = ()) -> Model:
    """Build the healthy human model for one patient, or for a cohort in one go.

    ``aging`` lets age-dependent processes (thymic output) follow the patient's age as simulated
    time passes; with ``aging=False`` they stay at the starting age. For a cohort, give covariates
    as arrays and ``per_patient`` parameter values (arrays of the same length): every rate, yield
    and initial state then becomes an array with one entry per patient. ``extensions`` add
    intervention biology (drug PK/PD, see :mod:`hemasim.pharmacology`).
    """
    params = parameters if parameters is not None else healthy_adult_parameters()
    unknown = sorted(set(per_patient or {}) - set(params))
    if unknown:
        from hemasim.parameters import renamed_note

        raise ValueError("per_patient names unknown parameters: " + ", ".join(
            f"{n} ({note})" if (note := renamed_note(n)) else n for n in unknown))
    for name, values in (per_patient or {}).items():  # as a scenario's value or ParameterSet.with_values is
        bad = np.asarray(values, dtype=float)[~np.isfinite(np.asarray(values, dtype=float))]
        if bad.size:
            raise ValueError(f"per_patient {name}: every value must be finite (got {bad[0]!r})")
    bv = blood_volume_L(patient, params, per_patient)  # a cohort's (a design's) own values, as ctx.p reads them
    used_bv = {"blood_volume_child_end_age_years"}
    if patient.height_cm is None:
        sexes = set(np.atleast_1d(np.asarray(patient.sex)).tolist())
        used_bv |= {f"blood_volume_mL_per_kg_{s}" for s in sexes}
    ctx = BuildContext(params=params, patient=patient, blood_volume_L=bv, aging=aging,
                       per_patient=dict(per_patient or {}))
    ctx.used |= used_bv
    stem, ctx.stem = stem_module(ctx)  # every lineage below draws from the stem module's MPPs or CLPs
    modules = [stem, neutrophil_module(ctx), monocyte_module(ctx), erythroid_module(ctx), megakaryocyte_module(ctx),
               lymphoid_module(ctx)]
    modules.append(_blood_count_module(modules))
    modules += _extension_modules(modules, extensions, ctx)
    all_params = params.merged(ParameterSet.from_records("derived", [*ctx.derived, *ctx.extra_parameters]),
                               name=params.name)
    info = ModelInfo(patient=patient, blood_volume_L=bv, blood_share=dict(ctx.blood_share),
                     parameters_used=tuple(ctx.used | {p.name for p in (*ctx.derived, *ctx.extra_parameters)}),
                     aging=aging)
    return Model(modules, all_params, name="healthy_human", info=info)


def _extension_modules(modules: list[Module], extensions: Sequence[ModelExtension], ctx: BuildContext
                       ) -> list[Module]:
    """The extensions' modules; the feedbacks they add to flows of ``modules`` are joined to those flows."""
    added: list[Module] = []
    extra_feedbacks: dict[str, tuple[str, ...]] = {}
    for ext in extensions:
        module, more = ext.extend(ctx)
        added.append(module)
        for flow, fbs in more.items():
            extra_feedbacks[flow] = extra_feedbacks.get(flow, ()) + tuple(fbs)
    for ext_module in added:  # the healthy modules' observables and the other extensions' alike
        _count_as([m for m in (*modules, *added) if m is not ext_module], ext_module.counted_as)
    if extra_feedbacks:
        known = {f.name for m in (*modules, *added) for f in m.flows}
        missing = sorted(set(extra_feedbacks) - known)
        if missing:
            raise ValueError(f"extensions name unknown flows: {', '.join(missing)}")
        for m in (*modules, *added):
            m.flows = [replace(f, feedbacks=f.feedbacks + extra_feedbacks[f.name]) if f.name in extra_feedbacks
                       else f for f in m.flows]
    return added


def _count_as(modules: list[Module], counted_as: Mapping[str, str]) -> None:
    """Every observable of ``modules`` that weighs compartment ``old`` weighs ``new`` alike, for each ``new: old``."""
    if not counted_as:
        return
    for m in modules:
        m.observables = [replace(o, compartments={**o.compartments,
                                                  **{new: o.compartments[old] for new, old in counted_as.items()
                                                     if old in o.compartments}})
                         if any(old in o.compartments for old in counted_as.values()) else o
                         for o in m.observables]


@cache
def reference_adult_model() -> CompiledModel:
    """The healthy reference adult's compiled model, age frozen (built once): the healthy pools and counts
    that grafts (lymphocyte proportions) and vaccine responses (help) are measured against."""
    return healthy_human_model(REFERENCE_ADULT, aging=False).compile()
