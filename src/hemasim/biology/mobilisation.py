"""G-CSF mobilisation of CD34+ cells into blood, their collection by apheresis and the collected product.

The circulating HSPC pool ``blood_hspc`` of the stem module (:mod:`hemasim.biology.marrow`) is fed by egress
from the MPP pool at ``k share`` and homes back at ``k`` (no net flow at rest). G-CSF multiplies the egress by

    g = 1 + E_max S^h / (EC50^h + S^h),

where S (ng/mL) is the G-CSF concentration passed through an Erlang delay (``n`` stages, mean ``T`` days): the
marrow changes that release progenitors (neutrophil proteases cleaving CXCL12 and VCAM-1) take days to build,
so blood CD34+ rises from day 4 of a course, not on day 1. The extension exists only when a G-CSF drug is
dosed, so a run without G-CSF is the healthy model unchanged.

Apheresis processes V litres of blood (blood volume BV) and takes the share 1 - exp(-CE V / BV) of the
circulating HSPCs (a well-mixed pool passed through a separator of efficiency CE, without recruitment during
the session), so a collection never holds more cells than the blood did. The collected cells are kept in
``apheresis_product`` (not a body compartment: it is neither split by origin nor reached by conditioning);
a later graft of ``product: collected`` infuses them (:class:`CollectedProductTransplant`).
Equations and sources: docs/mobilisation.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hemasim.biology.builder import BuildContext
from hemasim.biology.marrow import resting_blood_hspc
from hemasim.biology.origins import DONOR, HOST, origin_name
from hemasim.biology.transplant import Transplant
from hemasim.events import Event
from hemasim.model.compiled import CompiledModel
from hemasim.model.core import Feedback, FeedbackKind, Module, Observable, Signal, Value
from hemasim.model.sbml_events import Assignment, number, sbml_event_form

__all__ = ["BLOOD_HSPC", "COLLECTED_CELLS", "COLLECTED_PER_KG", "PRODUCT", "Apheresis", "ApheresisProduct",
           "CollectedProductTransplant", "GcsfMobilisation", "collected_cells_per_unit", "collected_share",
           "mobilisation_drive_states"]

BLOOD_HSPC = "blood_hspc"
PRODUCT = "apheresis_product"  # the collected cells, in the units of blood_hspc (MPP units)
COLLECTED_CELLS = "collected_cd34_cells"
COLLECTED_PER_KG = "collected_cd34_per_kg"
MOBILISATION_PARAMETERS = ("gcsf_mobilisation_max_fold", "gcsf_mobilisation_ec50_ng_per_mL", "gcsf_mobilisation_hill",
                           "gcsf_mobilisation_delay_days", "gcsf_mobilisation_delay_stages")


def mobilisation_drive_states(drug: str, stages: int) -> list[str]:
    return [f"{drug}_mobilising_drive_{i + 1}" for i in range(stages)]


@dataclass(frozen=True)
class GcsfMobilisation:
    """Model extension: the delayed G-CSF concentration of ``drug`` drives HSPC egress into blood.

    ``central_volume_L`` is the drug set's central volume (the drive states hold concentrations, ng/mL)."""

    drug: str
    central_volume_L: float

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        d = self.drug
        m = Module(f"gcsf_mobilisation_{d}")
        stages = ctx.p_count("gcsf_mobilisation_delay_stages")
        delay = ctx.p("gcsf_mobilisation_delay_days")
        drive = m.chain(f"{d}_mobilising_drive", f"{d} concentration delayed towards the egress drive (ng/mL)",
                        stages, delay, 0.0, None, "drug", "mobilising_drive", kind="signalling",
                        parameters=("gcsf_mobilisation_delay_days", "gcsf_mobilisation_delay_stages"))
        # the first stage receives (n/T) C: central amount / V1 is the concentration; the drug is not consumed
        m.flow(f"{d}_mobilising_input", "signalling", f"{d}_central", drive[0], stages / delay / self.central_volume_L,
               consume=0.0, parameters=("gcsf_mobilisation_delay_days", "gcsf_mobilisation_delay_stages"))
        m.signals.append(Signal(f"{d}_mobilising_concentration", {drive[-1]: 1.0}))
        law: tuple[Value, ...] = (ctx.p("gcsf_mobilisation_max_fold"), ctx.p("gcsf_mobilisation_ec50_ng_per_mL"),
                                  ctx.p("gcsf_mobilisation_hill"))
        fb = f"{d}_mobilisation_drive"
        m.feedbacks.append(Feedback(fb, FeedbackKind.EMAX, law, signal=f"{d}_mobilising_concentration",
                                    parameters=MOBILISATION_PARAMETERS))
        return m, {"hspc_egress": (fb,)}


@dataclass(frozen=True)
class ApheresisProduct:
    """Model extension: the bag of collected cells and its read-outs (total CD34+ cells and per kg)."""

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        m = Module("apheresis_product")
        m.compartment(PRODUCT, "CD34+ cells collected by apheresis (MPP units of blood_hspc)", 0.0, "apheresis_product")
        # the blood read-out's scale: cd34_blood_per_uL = baseline / B* per unit of blood_hspc
        per_uL = ctx.p("cd34_blood_baseline_per_uL") / resting_blood_hspc(ctx, ctx.stem.hsc_output_per_day)
        cells_per_unit = per_uL * ctx.blood_volume_L * 1e6  # cells/uL per unit x uL of blood
        weight = np.asarray(ctx.patient.weight_kg, dtype=np.float64)
        m.observables += [
            Observable(COLLECTED_CELLS, "cells", "CD34+ cells collected by apheresis", {PRODUCT: cells_per_unit}),
            Observable(COLLECTED_PER_KG, "cells/kg", "CD34+ cells collected by apheresis per kg of body weight",
                       {PRODUCT: cells_per_unit / weight}),
        ]
        return m, {}


def collected_share(collection_efficiency: float, blood_volumes_processed: float | np.ndarray
                    ) -> float | np.ndarray:
    """Share of the circulating CD34+ cells one session takes: 1 - exp(-CE V/BV) (well mixed, no recruitment)."""
    return 1.0 - np.exp(-collection_efficiency * np.asarray(blood_volumes_processed, dtype=np.float64))


def _blood_hspc_indices(model: CompiledModel) -> list[int]:
    if BLOOD_HSPC in model.state_names:
        return [model.index(BLOOD_HSPC)]
    return [model.index(origin_name(BLOOD_HSPC, o)) for o in (HOST, DONOR)]


@dataclass(frozen=True)
class Apheresis(Event):
    """One apheresis session: the share ``collected`` (one value or one per patient) of the circulating HSPCs
    moves into the product."""

    collected: float | np.ndarray

    def check(self, model: CompiledModel) -> None:
        if PRODUCT not in model.state_names:
            raise ValueError("an apheresis needs the apheresis product compartment (biology.mobilisation."
                             "ApheresisProduct)")

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        share = np.asarray(self.collected, dtype=np.float64)
        for i in _blood_hspc_indices(model):
            taken = x[..., i] * share
            y[..., i] -= taken
            y[..., model.index(PRODUCT)] += taken
        return y


def collected_cells_per_unit(model: CompiledModel) -> np.ndarray:
    """CD34+ cells per unit of the product state, one per patient (the ``collected_cd34_cells`` weight)."""
    k = model.observable_names.index(COLLECTED_CELLS)
    patients = [model] if model.n_patients is None else [model.patient(i) for i in range(model.n_patients)]
    unit = np.zeros((1, model.n_states))
    unit[0, model.index(PRODUCT)] = 1.0
    return np.array([one.observables(np.zeros(1), unit)[0, k] for one in patients])


@dataclass(frozen=True)
class CollectedProductTransplant(Transplant):
    """A graft of the cells collected so far (``apheresis_product``): its CD34+ dose is read from the product
    when it is infused, not given in the scenario (``cd34_cells`` is ignored)."""

    def check(self, model: CompiledModel) -> None:
        super().check(model)
        if PRODUCT not in model.state_names:
            raise ValueError("a graft of the collected product needs an apheresis before it")

    def cd34_infused(self, model: CompiledModel, x: np.ndarray) -> np.ndarray:
        cells = x[..., model.index(PRODUCT)] * collected_cells_per_unit(model).reshape(np.shape(x)[:-1] or (1,))
        return cells if np.ndim(x) > 1 else cells.reshape(())

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        graft = replace(self, cd34_cells=self.cd34_infused(model, x))
        return Transplant.apply(graft, model, x, rng)


# ------------------------------------------------------------------ SBML forms
# registered with the event classes, so wherever an event of them exists its form does (hemasim.export_sbml)
@sbml_event_form(Apheresis)
def _apheresis(model: CompiledModel, event: Apheresis) -> list[Assignment]:
    share = number(float(np.asarray(event.collected)))
    blood = [model.state_names[i] for i in _blood_hspc_indices(model)]
    taken = " + ".join(blood)
    return [*((b, f"{b} * (1 dimensionless - {share} dimensionless)") for b in blood),
            (PRODUCT, f"{PRODUCT} + {share} dimensionless * ({taken})")]


@sbml_event_form(CollectedProductTransplant)
def _collected_graft(model: CompiledModel, event: CollectedProductTransplant) -> list[Assignment]:
    cells_per_unit = float(collected_cells_per_unit(model)[0])
    per_cd34 = CollectedProductTransplant(event.day, 1.0, event.cd3_cells, event.hsc_per_cd34,
                                          event.short_term_units_per_cd34, event.st_hspc_per_cd34,
                                          event.naive_t_only, event.autologous).composition()
    fixed = CollectedProductTransplant(event.day, 0.0, event.cd3_cells, event.hsc_per_cd34,
                                       event.short_term_units_per_cd34, event.st_hspc_per_cd34,
                                       event.naive_t_only, event.autologous).composition()
    out = []
    for base, cells in fixed.items():
        name = origin_name(base, DONOR)
        per_unit = (float(np.asarray(per_cd34[base])) - float(np.asarray(cells))) * cells_per_unit
        dose = f" + {number(per_unit)} dimensionless * {PRODUCT}" if per_unit else ""
        out.append((name, f"{name} + {number(float(np.asarray(cells)))} item{dose}"))
    return out
