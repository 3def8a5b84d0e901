"""Granulocyte (neutrophil) and monocyte lineages, Friberg-type progenitor feedback.

Neutrophils: progenitor pool (exit rate ktr, Friberg 2002) -> post-mitotic marrow chain (5.8 d,
Lahoz-Beneytez 2016) -> total blood granulocyte pool (circulating + marginated, Athens 1961),
lost with half-life 19 h (Lahoz-Beneytez 2016). ANC = circulating share / blood volume.
"""

from __future__ import annotations

import math

from hemasim.biology.builder import BuildContext, homeostatic_feedback, lineage_from_mpp
from hemasim.model.core import Module, Observable, Signal


def neutrophil_module(ctx: BuildContext) -> Module:
    m = Module("neutrophils")
    bv = ctx.blood_volume_L
    circ = ctx.p("neutrophil_circulating_fraction")
    pool = ctx.p("anc_setpoint_1e9_per_L") * 1e9 * bv / circ
    k_blood = math.log(2) / ctx.p("neutrophil_blood_half_life_days")
    F = k_blood * pool
    r = ctx.p("progenitor_baseline_self_renewal_ratio")
    blood = m.compartment("neutrophil_blood", "blood granulocyte pool (circulating + marginated)", pool, "blood",
                          "myeloid")
    ctx.blood_share[blood] = 1.0
    m.flow("neutrophil_blood_loss", "egress", blood, None, k_blood, parameters=("neutrophil_blood_half_life_days",))
    m.signals.append(Signal("blood_neutrophils", {blood: 1.0}))
    fb_params = ("neutrophil_production_max_fold", "neutrophil_feedback_log_slope", "anc_setpoint_1e9_per_L")
    m.feedbacks.append(homeostatic_feedback("gcsf_like", "blood_neutrophils", pool,
                                            ctx.p("neutrophil_production_max_fold"),
                                            ctx.p("neutrophil_feedback_log_slope"), r, fb_params))
    lineage_from_mpp(ctx, m, key="neutrophil", label="neutrophil", production_per_day=F,
                     progenitor_exit_rate=ctx.p("neutrophil_progenitor_exit_rate_per_day"), r=r, feedback="gcsf_like",
                     maturation_days=ctx.p("neutrophil_marrow_transit_days"),
                     maturation_stages=int(ctx.p("neutrophil_maturation_stages")), target=blood,
                     tags=("marrow", "myeloid"),
                     parameters=("neutrophil_progenitor_exit_rate_per_day", "neutrophil_marrow_transit_days",
                                 "neutrophil_maturation_stages", *fb_params))
    m.observables += [
        Observable("anc_1e9_per_L", "1e9/L", "absolute neutrophil count", {blood: circ / (bv * 1e9)}),
        Observable("neutrophil_production_per_day", "cells/day", "neutrophils released to blood per day",
                   fluxes={f"neutrophil_maturing_{int(ctx.p('neutrophil_maturation_stages'))}_out": 1.0}),
    ]
    return m


def monocyte_module(ctx: BuildContext) -> Module:
    m = Module("monocytes")
    bv = ctx.blood_volume_L
    pool = ctx.p("monocyte_setpoint_1e9_per_L") * 1e9 * bv
    k_blood = 1.0 / ctx.p("monocyte_blood_lifespan_days")
    r = ctx.p("progenitor_baseline_self_renewal_ratio")
    blood = m.compartment("monocyte_blood", "blood monocytes", pool, "blood", "myeloid")
    ctx.blood_share[blood] = 1.0
    m.flow("monocyte_blood_loss", "egress", blood, None, k_blood, parameters=("monocyte_blood_lifespan_days",))
    m.signals.append(Signal("blood_monocytes", {blood: 1.0}))
    fb_params = ("monocyte_production_max_fold", "monocyte_feedback_log_slope", "monocyte_setpoint_1e9_per_L")
    m.feedbacks.append(homeostatic_feedback("mcsf_like", "blood_monocytes", pool,
                                            ctx.p("monocyte_production_max_fold"),
                                            ctx.p("monocyte_feedback_log_slope"), r, fb_params))
    lineage_from_mpp(ctx, m, key="monocyte", label="monocyte", production_per_day=k_blood * pool,
                     progenitor_exit_rate=ctx.p("monocyte_progenitor_exit_rate_per_day"), r=r, feedback="mcsf_like",
                     maturation_days=ctx.p("monocyte_marrow_transit_days"),
                     maturation_stages=int(ctx.p("monocyte_maturation_stages")), target=blood,
                     tags=("marrow", "myeloid"),
                     parameters=("monocyte_progenitor_exit_rate_per_day", "monocyte_marrow_transit_days",
                                 "monocyte_maturation_stages", *fb_params))
    m.observables.append(Observable("monocytes_1e9_per_L", "1e9/L", "blood monocyte count", {blood: 1.0 / (bv * 1e9)}))
    return m
