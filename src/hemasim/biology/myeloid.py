"""Granulocyte (neutrophil) and monocyte lineages, Friberg-type progenitor feedback.

Neutrophils: progenitor pool (exit rate ktr, Friberg 2002) -> dividing precursors (myeloblast to
myelocyte, a few amplifying divisions) -> post-mitotic marrow chain (5.8 d,
Lahoz-Beneytez 2016) -> total blood granulocyte pool (circulating + marginated, Athens 1961),
lost with half-life 19 h (Lahoz-Beneytez 2016). ANC = circulating share / blood volume.
"""

from __future__ import annotations

import math

from hemasim.biology.builder import BuildContext, FeedbackLineage, feedback_lineage_module
from hemasim.model.core import Module, Observable


def neutrophil_module(ctx: BuildContext) -> Module:
    bv = ctx.blood_volume_L
    circ = ctx.p("neutrophil_circulating_fraction")
    spec = FeedbackLineage(
        key="neutrophil", label="neutrophil", blood_label="blood granulocyte pool (circulating + marginated)",
        setpoint=ctx.p("anc_setpoint_1e9_per_L"), setpoint_scale=1e9 / circ,
        setpoint_parameters=("anc_setpoint_1e9_per_L", "neutrophil_circulating_fraction"),
        blood_lifespan_days=ctx.p("neutrophil_blood_half_life_days") / math.log(2), blood_stages=1,
        blood_parameters=("neutrophil_blood_half_life_days",), max_fold="neutrophil_production_max_fold",
        log_slope="neutrophil_feedback_log_slope", progenitor_exit_rate="neutrophil_progenitor_exit_rate_per_day",
        maturation_days="neutrophil_marrow_transit_days", maturation_stages="neutrophil_maturation_stages",
        signal="blood_neutrophils", feedback="gcsf_like", tags=("myeloid",),
        divisions="neutrophil_precursor_divisions", dividing_days="neutrophil_mitotic_transit_days")
    m, blood, release = feedback_lineage_module(ctx, spec)
    m.observables += [
        Observable("anc_1e9_per_L", "1e9/L", "absolute neutrophil count", {blood[0]: circ / (bv * 1e9)}),
        Observable("neutrophil_production_per_day", "cells/day", "neutrophils released to blood per day",
                   fluxes={release: 1.0}),
    ]
    return m


def monocyte_module(ctx: BuildContext) -> Module:
    spec = FeedbackLineage(
        key="monocyte", label="monocyte", blood_label="blood monocytes", setpoint=ctx.p("monocyte_setpoint_1e9_per_L"),
        setpoint_scale=1e9, setpoint_parameters=("monocyte_setpoint_1e9_per_L",),
        blood_lifespan_days=ctx.p("monocyte_blood_lifespan_days"), blood_stages=1,
        blood_parameters=("monocyte_blood_lifespan_days",), max_fold="monocyte_production_max_fold",
        log_slope="monocyte_feedback_log_slope", progenitor_exit_rate="monocyte_progenitor_exit_rate_per_day",
        maturation_days="monocyte_marrow_transit_days", maturation_stages="monocyte_maturation_stages",
        signal="blood_monocytes", feedback="mcsf_like", tags=("myeloid",))
    m, blood, _ = feedback_lineage_module(ctx, spec)
    m.observables.append(Observable("monocytes_1e9_per_L", "1e9/L", "blood monocyte count",
                                    {blood[0]: 1.0 / (ctx.blood_volume_L * 1e9)}))
    return m
