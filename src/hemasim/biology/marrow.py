"""Stem and multipotent compartments: HSCs with niche-regulated self-renewal, short-term repopulating cells,
MPPs, CLPs.

HSC division (rate 1/T_div, Catlin 2011) gives two daughters; each stays an HSC with probability
a(H) = f(H)/2, with f the niche feedback (f = 1 at the homeostatic pool, up to 2*a_max when the
niche is empty), so dH/dt = k H (f - 1) and short-term repopulating cells (and lymphoid progenitors)
receive k H (2 - f).
"""

from __future__ import annotations

from hemasim.biology.body import stem_pool_size_fraction
from hemasim.biology.builder import BuildContext, CyclingStage, ProgenitorSource, StemOutput
from hemasim.model.core import Feedback, FeedbackKind, Module, Observable, Signal, Value

HSC_DIVISION_PARAMETERS = ("hsc_division_interval_days",)
ST_HSPC_PARAMETERS = ("st_hspc_residence_days", "st_hspc_baseline_self_renewal_ratio")


def stem_module(ctx: BuildContext) -> tuple[Module, StemOutput]:
    """HSCs, short-term HSPCs, MPPs (with their circulating share) and CLPs; returns the module and what the
    lineages built after it draw from (set it as ``ctx.stem``)."""
    m = Module("marrow_stem")
    hsc, hsc_division_rate, hsc_output_per_day = _hsc_pool(ctx, m)
    st_hspc = _short_term_hspc(ctx, m, hsc, hsc_division_rate, hsc_output_per_day)
    mpp = _multipotent_progenitors(ctx, m, st_hspc, hsc_output_per_day)
    cd34_in_blood = _circulating_hspc(ctx, m, mpp.compartment, hsc_output_per_day)
    clp = _common_lymphoid_progenitors(ctx, m, hsc, hsc_division_rate, hsc_output_per_day)
    m.observables += [
        Observable("hsc_count_cells", "cells", "active HSC pool", {hsc: 1.0}),
        Observable("hsc_divisions_per_day", "cells/day", "HSC divisions per day", fluxes={"hsc_division": 1.0}),
        cd34_in_blood,
    ]
    return m, StemOutput(hsc_output_per_day=hsc_output_per_day, mpp=mpp, clp=clp,
                         clp_output_per_day=hsc_output_per_day)


def _hsc_pool(ctx: BuildContext, m: Module) -> tuple[str, Value, Value]:
    """Long-term HSCs under the niche feedbacks; returns the compartment, its division rate (1/day) and the
    cells/day leaving it at steady state. The pool is the adult ``hsc_count`` times the patient's size fraction
    (a growing child's is smaller, :func:`~hemasim.biology.body.stem_pool_size_fraction`); the short-term, MPP and
    CLP pools follow from its output."""
    H = ctx.p("hsc_count") * stem_pool_size_fraction(ctx.p, ctx.patient)
    k_div = 1.0 / ctx.p("hsc_division_interval_days")
    a_max = ctx.p("hsc_max_self_renewal_probability")
    hill = ctx.p("hsc_niche_hill")
    hsc = m.compartment("hsc", "long-term haematopoietic stem cells", H, "marrow", "hsc")
    m.signals.append(Signal("hsc_pool", {hsc: 1.0}))
    law = (H, 2.0 * a_max - 1.0, hill)
    p_names = ("hsc_count", "hsc_max_self_renewal_probability", "hsc_niche_hill")
    m.feedbacks.append(Feedback("niche_self_renewal", FeedbackKind.HILL_RATIO, law, signal="hsc_pool",
                                parameters=p_names))
    m.feedbacks.append(Feedback("niche_differentiation", FeedbackKind.HILL_RATIO, law, signal="hsc_pool",
                                offset=2.0, scale=-1.0, parameters=p_names))
    # an emptied niche also makes HSCs divide faster (after transplantation): 1 at the homeostatic pool,
    # up to hsc_max_division_fold when it is empty
    act = (H, ctx.p("hsc_max_division_fold") - 1.0, hill)
    m.feedbacks.append(Feedback("niche_activation", FeedbackKind.HILL_RATIO, act, signal="hsc_pool",
                                parameters=("hsc_count", "hsc_max_division_fold", "hsc_niche_hill")))
    m.flow("hsc_division", "division", hsc, None, k_div, feedbacks=("niche_activation",),
           parameters=HSC_DIVISION_PARAMETERS)
    m.flow("hsc_self_renewal", "self_renewal", hsc, hsc, k_div, consume=0.0,
           feedbacks=("niche_self_renewal", "niche_activation"), parameters=HSC_DIVISION_PARAMETERS)
    # long-term HSCs divide once per hsc_division_interval_days (Catlin 2011: 40 weeks), 0.36% of them a day:
    # a cycle-dependent drug mostly spares them
    ctx.cycling_stages.append(CyclingStage("long_term_stem", hsc, k_div, ("niche_activation",),
                                           HSC_DIVISION_PARAMETERS))
    return hsc, k_div, k_div * H


def _short_term_hspc(ctx: BuildContext, m: Module, hsc: str, hsc_division_rate: Value,
                     hsc_output_per_day: Value) -> str:
    """Short-term repopulating HSPCs (ST-HSC/early MPP): HSC progeny that self-renew for a while before they
    become MPPs. At rest they proliferate at r x their exit rate (amplifying HSC output 1/(1-r)); an emptied
    short-term pool raises that proliferation (its own signal, up to st_hspc_max_proliferation_fold), so after
    a transplant the graft's short-term cells regrow the pool and carry haematopoiesis until donor HSCs refill."""
    st_res = ctx.p("st_hspc_residence_days")
    r_st = ctx.p("st_hspc_baseline_self_renewal_ratio")
    st0 = hsc_output_per_day * st_res / (1.0 - r_st)
    st = m.compartment("st_hspc", "short-term repopulating stem/progenitor cells", st0, "marrow", "progenitor",
                       "short_term_hspc")
    m.flow("hsc_differentiation", "differentiation", hsc, st, hsc_division_rate, consume=0.0,
           feedbacks=("niche_differentiation", "niche_activation"), parameters=HSC_DIVISION_PARAMETERS)
    m.signals.append(Signal("st_hspc_pool", {st: 1.0}))
    m.feedbacks.append(Feedback("niche_st_expansion", FeedbackKind.HILL_RATIO,
                                (st0, ctx.p("st_hspc_max_proliferation_fold") - 1.0, ctx.p("hsc_niche_hill")),
                                signal="st_hspc_pool",
                                parameters=(*ST_HSPC_PARAMETERS, "st_hspc_max_proliferation_fold", "hsc_niche_hill")))
    m.flow("st_hspc_proliferation", "proliferation", st, st, r_st / st_res, consume=0.0,
           feedbacks=("niche_st_expansion",), parameters=ST_HSPC_PARAMETERS)
    ctx.cycling_stages.append(CyclingStage("short_term_stem", st, r_st / st_res, ("niche_st_expansion",),
                                           ST_HSPC_PARAMETERS))
    return st


def _multipotent_progenitors(ctx: BuildContext, m: Module, st_hspc: str, hsc_output_per_day: Value
                             ) -> ProgenitorSource:
    """MPPs fed by short-term HSPCs."""
    st_res = ctx.p("st_hspc_residence_days")
    r_st = ctx.p("st_hspc_baseline_self_renewal_ratio")
    mpp_res = ctx.p("mpp_residence_days")
    mpp = m.compartment("mpp", "multipotent progenitors", hsc_output_per_day * mpp_res, "marrow", "progenitor")
    # MPPs are counted in units of one HSC differentiation: a short-term cell leaving is 1 - r of those units,
    # so the MPP influx at rest equals the HSC output whatever r is (the downstream yields are derived from it)
    m.flow("st_hspc_to_mpp", "differentiation", st_hspc, mpp, 1.0 / st_res, yield_=1.0 - r_st,
           parameters=ST_HSPC_PARAMETERS)
    m.flow("mpp_commitment", "differentiation", mpp, None, 1.0 / mpp_res, parameters=("mpp_residence_days",))
    # an MPP commits by dividing (its progeny are the committed progenitors), so it cycles at its exit rate
    ctx.cycling_stages.append(CyclingStage("multipotent_progenitors", mpp, 1.0 / mpp_res, (), ("mpp_residence_days",)))
    return ProgenitorSource(mpp, 1.0 / mpp_res, "mpp_residence_days")


def _circulating_hspc(ctx: BuildContext, m: Module, mpp: str, hsc_output_per_day: Value) -> Observable:
    """Circulating HSPCs: progenitors leave the marrow and return (no net flow at rest); inflammation and G-CSF
    raise the egress (mobilisation). Returns their observable: CD34+ cells per uL relative to a resting
    baseline."""
    k_back = 1.0 / ctx.p("hspc_blood_residence_days")
    share = ctx.p("hspc_blood_share_of_mpp")
    resting = resting_blood_hspc(ctx, hsc_output_per_day)
    blood_hspc = m.compartment("blood_hspc", "circulating haematopoietic stem and progenitor cells (MPP units)",
                               resting, "blood", "progenitor_circulating")
    m.flow("hspc_egress", "egress", mpp, blood_hspc, k_back * share,
           parameters=("hspc_blood_residence_days", "hspc_blood_share_of_mpp"))
    m.flow("hspc_homing", "homing", blood_hspc, mpp, k_back, parameters=("hspc_blood_residence_days",))
    ctx.blood_share[blood_hspc] = 1.0
    return Observable("cd34_blood_per_uL", "cells/uL", "circulating CD34+ cells (resting baseline x fold over rest)",
                      {blood_hspc: ctx.p("cd34_blood_baseline_per_uL") / resting})


def resting_blood_hspc(ctx: BuildContext, hsc_output_per_day: Value) -> Value:
    """Circulating HSPCs at rest (MPP units): the share ``hspc_blood_share_of_mpp`` of the resting MPP pool; the
    blood CD34+ read-out is ``cd34_blood_baseline_per_uL`` per this many units (used by the apheresis product)."""
    return hsc_output_per_day * ctx.p("mpp_residence_days") * ctx.p("hspc_blood_share_of_mpp")


def _common_lymphoid_progenitors(ctx: BuildContext, m: Module, hsc: str, hsc_division_rate: Value,
                                 hsc_output_per_day: Value) -> ProgenitorSource:
    """Common lymphoid progenitors: one per HSC differentiation event (a scale choice; downstream yields carry
    the amplification, see docs/model.md). They come from long-term HSCs directly, not through the
    short-term stage: short-term repopulating cells are myeloid-biased, so after a graft B cells and thymic
    seeding wait for donor HSCs while myeloid cells and NK cells (made from MPPs) return early."""
    clp_res = ctx.p("clp_residence_days")
    clp = m.compartment("clp", "common lymphoid progenitors", hsc_output_per_day * clp_res, "marrow",
                        "progenitor", "lymphoid_progenitor")
    m.flow("hsc_to_clp", "differentiation", hsc, clp, hsc_division_rate, consume=0.0,
           feedbacks=("niche_differentiation", "niche_activation"), parameters=HSC_DIVISION_PARAMETERS)
    m.flow("clp_commitment", "differentiation", clp, None, 1.0 / clp_res, parameters=("clp_residence_days",))
    return ProgenitorSource(clp, 1.0 / clp_res, "clp_residence_days")
