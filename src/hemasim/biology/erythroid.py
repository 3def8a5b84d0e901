"""Erythroid lineage: progenitors under EPO-like feedback, erythroblast maturation, ageing red cells."""

from __future__ import annotations

from hemasim.biology.builder import BuildContext, homeostatic_feedback, lineage_from_mpp
from hemasim.model.core import Module, Observable, Signal


def erythroid_module(ctx: BuildContext) -> Module:
    m = Module("erythroid")
    bv = ctx.blood_volume_L
    setpoint_name = f"rbc_setpoint_{ctx.patient.sex}_1e12_per_L"
    pool = ctx.p(setpoint_name) * 1e12 * bv
    lifespan = ctx.p("rbc_lifespan_days")
    n_age = int(ctx.p("rbc_age_stages"))
    F = pool / lifespan
    r = ctx.p("progenitor_baseline_self_renewal_ratio")
    rbc = m.chain("rbc", "circulating red cells", n_age, lifespan, pool / n_age, None, "blood", "erythroid",
                  kind="senescence", parameters=("rbc_lifespan_days", "rbc_age_stages"))
    for name in rbc:
        ctx.blood_share[name] = 1.0
    m.signals.append(Signal("red_cells", dict.fromkeys(rbc, 1.0)))
    fb_params = ("erythroid_production_max_fold", "erythroid_feedback_log_slope", setpoint_name)
    m.feedbacks.append(homeostatic_feedback("epo_like", "red_cells", pool, ctx.p("erythroid_production_max_fold"),
                                            ctx.p("erythroid_feedback_log_slope"), r, fb_params))
    n_mat = int(ctx.p("erythroblast_maturation_stages"))
    lineage_from_mpp(ctx, m, key="erythroid", label="erythroid", production_per_day=F,
                     progenitor_exit_rate=ctx.p("erythroid_progenitor_exit_rate_per_day"), r=r, feedback="epo_like",
                     maturation_days=ctx.p("erythroblast_maturation_days"), maturation_stages=n_mat, target=rbc[0],
                     tags=("marrow", "erythroid"),
                     parameters=("erythroid_progenitor_exit_rate_per_day", "erythroblast_maturation_days",
                                 "erythroblast_maturation_stages", *fb_params))
    mch_g = ctx.p("mean_cell_hemoglobin_pg") * 1e-12
    m.observables += [
        Observable("hemoglobin_g_per_dL", "g/dL", "blood hemoglobin", dict.fromkeys(rbc, mch_g / (bv * 10.0))),
        Observable("rbc_1e12_per_L", "1e12/L", "red cell count", dict.fromkeys(rbc, 1.0 / (bv * 1e12))),
        Observable("rbc_production_per_day", "cells/day", "red cells released to blood per day",
                   fluxes={f"erythroid_maturing_{n_mat}_out": 1.0}),
    ]
    return m


def megakaryocyte_module(ctx: BuildContext) -> Module:
    m = Module("megakaryocytes")
    bv = ctx.blood_volume_L
    pool = ctx.p("platelet_setpoint_1e9_per_L") * 1e9 * bv
    lifespan = ctx.p("platelet_lifespan_days")
    n_age = int(ctx.p("platelet_age_stages"))
    r = ctx.p("progenitor_baseline_self_renewal_ratio")
    plt = m.chain("platelets", "circulating platelets", n_age, lifespan, pool / n_age, None, "blood",
                  "megakaryocytic", kind="senescence", parameters=("platelet_lifespan_days", "platelet_age_stages"))
    for name in plt:
        ctx.blood_share[name] = 1.0
    m.signals.append(Signal("platelet_mass", dict.fromkeys(plt, 1.0)))
    fb_params = ("megakaryocyte_production_max_fold", "megakaryocyte_feedback_log_slope",
                 "platelet_setpoint_1e9_per_L")
    m.feedbacks.append(homeostatic_feedback("tpo_like", "platelet_mass", pool,
                                            ctx.p("megakaryocyte_production_max_fold"),
                                            ctx.p("megakaryocyte_feedback_log_slope"), r, fb_params))
    # Platelets are counted in platelet units throughout: a megakaryocyte "stage" holds the platelets it
    # will shed, so no per-megakaryocyte platelet yield needs assuming.
    n_mat = int(ctx.p("megakaryocyte_maturation_stages"))
    lineage_from_mpp(ctx, m, key="megakaryocyte", label="megakaryocyte (platelet equivalents)",
                     production_per_day=pool / lifespan,
                     progenitor_exit_rate=ctx.p("megakaryocyte_progenitor_exit_rate_per_day"), r=r,
                     feedback="tpo_like", maturation_days=ctx.p("megakaryocyte_maturation_days"),
                     maturation_stages=n_mat, target=plt[0], tags=("marrow", "megakaryocytic"),
                     parameters=("megakaryocyte_progenitor_exit_rate_per_day", "megakaryocyte_maturation_days",
                                 "megakaryocyte_maturation_stages", *fb_params))
    m.observables += [
        Observable("platelets_1e9_per_L", "1e9/L", "platelet count", dict.fromkeys(plt, 1.0 / (bv * 1e9))),
        Observable("platelet_production_per_day", "cells/day", "platelets released to blood per day",
                   fluxes={f"megakaryocyte_maturing_{n_mat}_out": 1.0}),
    ]
    return m
