"""Granulocyte (neutrophil) and monocyte lineages, Friberg-type progenitor feedback.

Neutrophils: progenitor pool (exit rate ktr, Friberg 2002) -> dividing precursors (myeloblast to
myelocyte, a few amplifying divisions) -> post-mitotic marrow chain (5.8 d,
Lahoz-Beneytez 2016) -> total blood granulocyte pool (circulating + marginated, Athens 1961),
lost with half-life 19 h (Lahoz-Beneytez 2016). ANC = circulating share / blood volume.

Endogenous G-CSF speeds the post-mitotic transit when ANC falls (Quartino 2014): G-CSF is cleared by the kidneys
(ke) and by neutrophils (kANC ANC), so in quasi-steady state (half-life ~1 h against days for the cells)
G/G0 = (ke + kANC ANC0)/(ke + kANC ANC), and each maturation rate is multiplied by (G/G0)^beta, bounded at
(1 + kANC ANC0/ke)^beta when ANC -> 0 (taken as a Hill ratio with the same maximum and slope at the set point);
it is 1 at the set point, so the healthy steady state is unchanged. Equations: docs/chemotherapy_full_model.md.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from hemasim.biology.builder import BuildContext, FeedbackLineage, feedback_lineage_module
from hemasim.model.core import Feedback, FeedbackKind, Module, Observable, Value

TRANSIT_ACCELERATION = "neutrophil_transit_acceleration"
#: the share of the post-mitotic stages (the last ones: the mature reserve) G-CSF's speed-up acts on (1: all)
RESERVE_SHARE = "neutrophil_gcsf_reserve_share"
TRANSIT_ACCELERATION_PARAMETERS = ("gcsf_renal_elimination_rate_per_h", "gcsf_neutrophil_elimination_rate_per_h_per_anc",
                                   "neutrophil_transit_gcsf_exponent", "anc_setpoint_1e9_per_L",
                                   "neutrophil_circulating_fraction")


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
    _accelerate_post_mitotic_transit(ctx, m, spec.setpoint * spec.setpoint_scale * bv)
    m.observables += [
        Observable("anc_1e9_per_L", "1e9/L", "absolute neutrophil count", {blood[0]: circ / (bv * 1e9)}),
        Observable("neutrophil_production_per_day", "cells/day", "neutrophils released to blood per day",
                   fluxes={release: 1.0}),
    ]
    return m


def endogenous_steady_state(g_ref: Value, anc_ref: Value, ke: Value, k_anc: Value, anc: Value) -> Value:
    """Quartino 2014's steady state of endogenous G-CSF, k_in / (k_e + k_ANC ANC), k_in = g_ref (k_e + k_ANC anc_ref)
    (any one time unit for both rates; g_ref 1: G/G0 relative to the reference)."""
    return g_ref * (ke + k_anc * anc_ref) / (ke + k_anc * anc)


def transit_acceleration_law(ctx: BuildContext, pool: Value) -> tuple[Value, Value, Value]:
    """HILL_RATIO parameters (ref, c, n) of the endogenous G-CSF speed-up of neutrophil maturation,
    (1 + c)/(1 + c (N/N0)^n) with N the blood granulocyte pool: Quartino's quasi-steady (G/G0)^beta,
    G/G0 = (1 + a)/(1 + a N/N0) with a = kANC ANC0/ke, matched in its maximum (1 + c = (1 + a)^beta, no neutrophils
    left to clear G-CSF) and in its log-slope at the set point (c n/(1 + c) = beta a/(1 + a)). The exact power of
    a Hill ratio is not one of the kernel's laws; the two differ by at most 12% in the speed-up for ANC up to
    10 times the set point (docs)."""
    # 1 + a is G/G0 with no neutrophils left (endogenous_steady_state at ANC 0); a written directly, not as that
    # ratio minus 1, whose extra rounding would move a cohort's sampled values in the last bit
    a = ctx.p("gcsf_neutrophil_elimination_rate_per_h_per_anc") * ctx.p("anc_setpoint_1e9_per_L") \
        / ctx.p("gcsf_renal_elimination_rate_per_h")
    return (pool, *transit_law_constants(a, ctx.p("neutrophil_transit_gcsf_exponent")))


def transit_law_constants(a: Value, beta: Value) -> tuple[Value, Value]:
    """(c, n) of the speed-up (1 + c)/(1 + c x^n) for a = kANC ANC0/ke and exponent ``beta``
    (:func:`transit_acceleration_law`)."""
    c = (1.0 + a) ** beta - 1.0
    # beta/c -> 1/ln(1 + a) as beta -> 0 (no speed-up: c = 0, and n stays finite)
    beta_over_c = np.where(c > 0.0, beta / np.where(c > 0.0, c, 1.0), 1.0 / np.log1p(a))
    n = a / (1.0 + a) * (1.0 + c) * beta_over_c
    return c, n


def reserve_stage_count(share: float, stages: int) -> int:
    """How many of the last post-mitotic stages G-CSF speeds (the marrow reserve) at reserve share ``share`` of
    ``stages``: round(share x stages), at least 1 (share 1: the whole chain)."""
    if not 0.0 < share <= 1.0:
        raise ValueError(f"neutrophil_gcsf_reserve_share: {share} is outside (0, 1]")
    return max(1, min(stages, round(share * stages)))


def _accelerate_post_mitotic_transit(ctx: BuildContext, m: Module, pool: Value) -> None:
    """Multiply the post-mitotic maturation flows (not the progenitor exit, not the divisions) by the endogenous
    G-CSF speed-up (Quartino 2014): every one, or with ``neutrophil_gcsf_reserve_share`` below 1 the flows out of
    the chain's last stages only (the mature reserve; a drug's maturation speed-up follows the same flows)."""
    m.feedbacks.append(Feedback(TRANSIT_ACCELERATION, FeedbackKind.HILL_RATIO, transit_acceleration_law(ctx, pool),
                                signal="blood_neutrophils", parameters=TRANSIT_ACCELERATION_PARAMETERS))
    h = ctx.lineage("neutrophil")
    share = ctx.p_shared(RESERVE_SHARE)  # the stage split is structure: one for the whole cohort
    if share < 1.0:
        chain = h.maturation_flows[1:]
        h = replace(h, speed_flows=chain[-reserve_stage_count(share, len(chain)):])
        ctx.lineages["neutrophil"] = h  # the handles registered by feedback_lineage_module, narrowed
    post_mitotic = set(h.gcsf_speed_flows)
    m.flows = [replace(f, feedbacks=(*f.feedbacks, TRANSIT_ACCELERATION),
                       parameters=(*f.parameters, *TRANSIT_ACCELERATION_PARAMETERS))
               if f.name in post_mitotic else f for f in m.flows]


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
