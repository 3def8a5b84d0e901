"""The stand-alone Friberg 2002 chain of a drug set, built on the same core as the full model.

    dProl/dt = k_tr Prol (1 - E) (Circ0/Circ)^gamma - k_tr Prol
    dTransit_i/dt = k_tr (previous - Transit_i),  i = 1..3
    dCirc/dt = k_tr (Transit_3 - Circ),           k_tr = 4 / MTT,  E = slope * C

(Friberg et al. 2002, J Clin Oncol 20:4713). States are counts per litre of blood (1e9/L), so the
chain is exactly the published one and pharmacometricians can compare it line by line with NONMEM
or nlmixr2 code; the full multilineage model carries the same drug effect (see docs/drugs.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np

from hemasim.biology.body import Covariates
from hemasim.biology.builder import BuildContext, LineageHandles
from hemasim.model.core import Feedback, FeedbackKind, Model, Module, Observable, Signal, Value
from hemasim.model.info import ModelInfo
from hemasim.parameters import ParameterSet
from hemasim.pharmacology.drug_sets import HOURS_PER_DAY, DrugSet
from hemasim.pharmacology.pkpd import DrugExposure

__all__ = ["friberg_model"]

REFERENCE_PATIENT = Covariates(age_years=55.0, sex="male", weight_kg=75.0, height_cm=175.0)


def friberg_model(drug_set: DrugSet, patient: Covariates = REFERENCE_PATIENT, prior_therapy: bool = False,
                  lineage: Literal["neutrophil", "megakaryocyte"] = "neutrophil", *,
                  per_patient: Mapping[str, np.ndarray] | None = None) -> Model:
    """The published chain of ``drug_set`` with its PK, for ``patient`` (sex and prior therapy shift the
    baseline where the set has those covariates). ``lineage``: the neutrophil/leukocyte chain (block
    ``friberg``) or the platelet chain (block ``friberg_platelets``), with the drug's effects on that lineage.
    ``per_patient``: values of the set by dotted path, one per patient (arrays of one length), replacing the
    set's own in the chain and its :class:`DrugExposure` - the model is then a cohort of that many patients, each
    computed with the same formulas as a chain built from a set holding that patient's values (the fitting
    engine builds a batch of parameter vectors so)."""
    block = "friberg" if lineage == "neutrophil" else "friberg_platelets"
    sys = drug_set.friberg if lineage == "neutrophil" else drug_set.friberg_platelets
    if sys is None:
        raise ValueError(f"drug set {drug_set.name!r} has no {block} block (system parameters of a published chain)")
    name = drug_set.name
    per_patient = dict(per_patient or {})
    unknown = sorted(set(per_patient) - {p for p, _ in drug_set.values_with_paths()})
    if unknown:
        raise ValueError(f"drug set {name!r} has no value at {', '.join(unknown)} (per_patient)")
    records = []

    def rec(path: str, unit: str, description: str) -> Value:
        v: Value = per_patient.get(path, drug_set.get(path))
        records.append(drug_set.parameter(path, float(np.median(v)) if np.ndim(v) else float(v), unit, description))
        return v

    circ0 = rec(f"{block}.baseline_1e9_per_L", "1e9/L", "baseline of the circulating cells")
    if patient.sex == "female" and sys.female_baseline_change is not None:
        circ0 = circ0 * (1.0 + rec(f"{block}.female_baseline_change", "1", "fractional baseline change in women"))
    if prior_therapy and sys.prior_therapy_baseline_change is not None:
        circ0 = circ0 * (1.0 + rec(f"{block}.prior_therapy_baseline_change", "1",
                                   "fractional baseline change after prior therapy"))  # (not in place: a caller's array)
    mtt_h = rec(f"{block}.mean_transit_time_h", "h", "mean transit time through proliferation and transits")
    gamma = rec(f"{block}.feedback_gamma", "1", "feedback exponent")
    ktr = 4.0 / (mtt_h / HOURS_PER_DAY)  # 1/day
    used = tuple(f"{name}__{block}_{p}" for p in ("baseline_1e9_per_L", "mean_transit_time_h", "feedback_gamma"))
    m = Module("friberg_chain")
    prol = m.compartment("prol", "proliferating cells (1e9/L equivalents)", circ0, "marrow", "progenitor")
    transits = [m.compartment(f"transit_{i}", f"maturing cells, transit {i} (1e9/L equivalents)", circ0, "marrow")
                for i in (1, 2, 3)]
    circ = m.compartment("circ", "circulating cells (1e9/L)", circ0, "blood")
    m.signals.append(Signal("circulating", {circ: 1.0}))
    m.feedbacks.append(Feedback("friberg_feedback", FeedbackKind.POWER, (circ0, -gamma, 1e-9 * circ0),
                                signal="circulating", parameters=used))
    m.flow("prol_proliferation", "proliferation", prol, prol, ktr, consume=0.0, feedbacks=("friberg_feedback",),
           parameters=used)
    chain = [prol, *transits, circ]
    for a, b in zip(chain[:-1], chain[1:], strict=True):
        m.flow(f"{a}_to_{b}", "maturation", a, b, ktr, parameters=used)
    m.flow("circ_loss", "death", circ, None, ktr, parameters=used)
    obs = {"anc": "anc_1e9_per_L", "leukocytes": "leukocytes_1e9_per_L", "platelets": "platelets_1e9_per_L"}[
        sys.observable]
    m.observables.append(Observable(obs, "1e9/L", f"circulating {sys.observable} (Friberg chain)", {circ: 1.0}))

    ctx = BuildContext(params=ParameterSet.from_records("none", []), patient=patient, blood_volume_L=1.0,
                       aging=False)
    ctx.register_lineage(lineage, LineageHandles(
        progenitor=prol, proliferation_flow="prol_proliferation", proliferation_rate=ktr, feedback="friberg_feedback",
        input_flow="", maturation_flows=tuple(f"{a}_to_{b}" for a, b in zip(chain[:-1], chain[1:], strict=True)),
        blood=(circ,), signal="circulating"))
    if drug_set.pk is None:
        modules = [m]
    else:
        pkpd, extra = DrugExposure(drug_set, lineages=(lineage,), per_patient=per_patient).extend(ctx)
        if extra:
            raise ValueError(f"drug set {name!r}: the Friberg chain takes proliferation effects only")
        modules = [m, pkpd]
    params = ParameterSet.from_records(name, [*records, *ctx.extra_parameters])
    info = ModelInfo(patient=patient, blood_volume_L=None, parameters_used=tuple(params), aging=False)
    return Model(modules, params, name=f"friberg_{name}", info=info)
