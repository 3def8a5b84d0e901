"""Erythroid and megakaryocytic lineages: progenitors under EPO-/TPO-like feedback, maturation, ageing
red cells and platelets."""

from __future__ import annotations

import numpy as np

from hemasim.biology.body import child_mch_factor, child_red_cell_factor, set_point_age_factor
from hemasim.biology.builder import BuildContext, FeedbackLineage, feedback_lineage_module, feedback_pool
from hemasim.model.core import Feedback, FeedbackKind, Module, Observable


def erythroid_module(ctx: BuildContext) -> Module:
    bv = ctx.blood_volume_L
    setpoint, setpoint_names = ctx.by_sex("rbc_setpoint_male_1e12_per_L", "rbc_setpoint_female_1e12_per_L")
    # the set point falls with age past 35 (men only: the fitted female rate is 0; docs/model.md)
    age_rate, age_names = ctx.by_sex("rbc_setpoint_age_decline_male_per_year", "rbc_setpoint_age_decline_female_per_year")
    setpoint = setpoint * set_point_age_factor(age_rate, ctx.patient.age_years)
    # a child's Hb follows the mean Hb by age, its MCH the mean MCH by age (Dallman 1977), so its red-cell count
    # their ratio; both 1 from the adult ages on (docs/model.md)
    mch_factor = child_mch_factor(ctx.p, ctx.patient)
    setpoint = setpoint * child_red_cell_factor(ctx.p, ctx.patient) / mch_factor
    setpoint_names = (*setpoint_names, *age_names, "rbc_setpoint_adult_age_years", "mch_adult_age_years")
    spec = FeedbackLineage(
        key="erythroid", label="erythroid", blood_label="circulating red cells",
        setpoint=setpoint, setpoint_scale=1e12, setpoint_parameters=setpoint_names,
        blood_lifespan_days=ctx.p("rbc_lifespan_days"), blood_stages=ctx.p_count("rbc_age_stages"),
        blood_parameters=("rbc_lifespan_days", "rbc_age_stages"), max_fold="erythroid_production_max_fold",
        log_slope="erythroid_feedback_log_slope", progenitor_exit_rate="erythroid_progenitor_exit_rate_per_day",
        maturation_days="erythroblast_maturation_days", maturation_stages="erythroblast_maturation_stages",
        signal="red_cells", feedback="epo_like", tags=("erythroid",))
    m, rbc, release = feedback_lineage_module(ctx, spec)
    mch_g = ctx.p("mean_cell_hemoglobin_pg") * mch_factor * 1e-12
    m.observables += [
        Observable("hemoglobin_g_per_dL", "g/dL", "blood hemoglobin", dict.fromkeys(rbc, mch_g / (bv * 10.0))),
        Observable("rbc_1e12_per_L", "1e12/L", "red cell count", dict.fromkeys(rbc, 1.0 / (bv * 1e12))),
        Observable("rbc_production_per_day", "cells/day", "red cells released to blood per day",
                   fluxes={release: 1.0}),
    ]
    return m


def megakaryocyte_module(ctx: BuildContext) -> Module:
    # Platelets are counted in platelet units throughout: a megakaryocyte stage holds the platelets it
    # will shed, so no per-megakaryocyte platelet yield needs assuming.
    # The blood states hold every platelet the marrow has released: the circulating ones and the splenic pool,
    # which exchange within the hour (Transfusion 1985;25:215: the spleen's and the whole body's labelled platelets
    # fell in parallel during an apheresis), as the neutrophils' blood pool holds the marginated cells. The count
    # reads the circulating share, the TPO-like feedback the whole pool against its set point (the same ratio),
    # and platelets age and are cleared wherever they are.
    splenic_share = ctx.p("platelet_splenic_pool_share")
    circulating_share = 1.0 - splenic_share
    spec = FeedbackLineage(
        key="megakaryocyte", label="megakaryocyte (platelet equivalents)",
        blood_label="platelets, circulating and splenic pool",
        setpoint=ctx.p("platelet_setpoint_1e9_per_L")
        * set_point_age_factor(ctx.p("platelet_setpoint_age_decline_per_year"), ctx.patient.age_years),
        setpoint_scale=1e9 / circulating_share,
        setpoint_parameters=("platelet_setpoint_1e9_per_L", "platelet_setpoint_age_decline_per_year",
                             "platelet_splenic_pool_share"),
        blood_lifespan_days=ctx.p("platelet_lifespan_days"), blood_stages=ctx.p_count("platelet_age_stages"),
        blood_parameters=("platelet_lifespan_days", "platelet_age_stages"),
        max_fold="megakaryocyte_production_max_fold", log_slope="megakaryocyte_feedback_log_slope",
        progenitor_exit_rate="megakaryocyte_progenitor_exit_rate_per_day",
        maturation_days="megakaryocyte_maturation_days", maturation_stages="megakaryocyte_maturation_stages",
        signal="platelet_mass", feedback="tpo_like", tags=("megakaryocytic",),
        # maturing megakaryocytes replicate DNA (endomitosis): conditioning and irradiation hit them like
        # dividing precursors (an assumption; it makes platelets fall within days of myeloablation)
        maturing_tags=("endomitotic",))
    m, plt, release = feedback_lineage_module(ctx, spec)
    _ploidy_arm(ctx, m, spec)
    for name in plt:  # a blood loss or a collection takes circulating platelets; the splenic pool shares the loss
        ctx.blood_share[name] = circulating_share
    m.observables += [
        Observable("platelets_1e9_per_L", "1e9/L", "platelet count (the circulating share of the pool)",
                   dict.fromkeys(plt, circulating_share / (ctx.blood_volume_L * 1e9))),
        Observable("platelet_production_per_day", "cells/day", "platelets released from the marrow per day",
                   fluxes={release: 1.0}),
    ]
    return m


def _ploidy_arm(ctx: BuildContext, m: Module, spec: FeedbackLineage) -> None:
    """The fast TPO arm (docs/platelets.md, "A fast TPO arm"): the TPO-like signal also sets the platelet equivalents
    a committed megakaryocyte carries into maturation (ploidy and volume rise first under TPO, Harker 2000), so the
    marrow's output into maturation is k P h(s) at once and reaches blood after the maturation delay. Built as a
    second flow from the progenitor pool into maturation that consumes nothing, at k (h(s) - 1): zero at the set
    point, negative above it (ploidy falls when the count is high, Harker 2000). h = (1+c)/(1+c (s/s0)^n) with
    h(0) = M and log-slope -L at s0. L = 0 builds nothing (the lineage without the arm, bit for bit)."""
    log_slope = ctx.p("megakaryocyte_ploidy_log_slope")
    if not np.any(np.asarray(log_slope) > 0.0):
        return
    max_fold = ctx.p("megakaryocyte_ploidy_max_fold")
    c = max_fold - 1.0
    names = ("megakaryocyte_ploidy_max_fold", "megakaryocyte_ploidy_log_slope", *spec.setpoint_parameters)
    m.feedbacks.append(Feedback("tpo_ploidy", FeedbackKind.HILL_RATIO,
                                (feedback_pool(ctx, spec), c, log_slope * max_fold / c),
                                signal="platelet_mass", offset=-1.0, parameters=names))
    handles = ctx.lineage("megakaryocyte")
    exit_rate = "megakaryocyte_progenitor_exit_rate_per_day"
    m.flow("megakaryocyte_ploidy_gain", "differentiation", handles.progenitor, "megakaryocyte_maturing_1",
           ctx.p(exit_rate), consume=0.0, feedbacks=("tpo_ploidy",), parameters=(exit_rate, *names))
