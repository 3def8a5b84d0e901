"""Lymphoid lineages: B cells, NK cells, thymus and naive/memory CD4 and CD8 T cells.

Lymphocyte pools are whole-body; blood counts are the blood share (about 2%, Westermann & Pabst
1992) over blood volume. Peripheral pools self-renew by homeostatic proliferation under an
IL-7-like feedback on total T cells (B and NK pools under the same law on their own counts).
Past the lymphocyte reference age the naive T-cell pools are what their history leaves under constant per-cell
kinetics (no compensation of the involuting thymus: Westera 2015, Wallace 2004; see naive_history_factor).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hemasim.biology.body import REFERENCE_ADULT, blood_volume_L
from hemasim.biology.builder import BuildContext
from hemasim.model.compiled import DAYS_PER_YEAR
from hemasim.model.core import Feedback, FeedbackKind, Module, Observable, Signal, Value
from hemasim.parameters import ParameterSet

PER_UL = 1e6  # microlitres per litre


def _from_progenitors(ctx: BuildContext, m: Module, target: str, influx: Value, name: str, label: str,
                      feedbacks: tuple[str, ...] = (), extra_params: tuple[str, ...] = (), from_mpp: bool = False) -> None:
    """A lineage fed by lymphoid progenitors (or, ``from_mpp``, by multipotent progenitors: same event rate)."""
    stem = ctx.stem
    y = ctx.derive(f"{name}_yield", influx / stem.clp_output_per_day, "cells/CLP event",
                   f"{label} made per CLP differentiation event", ("hsc_count", "hsc_division_interval_days",
                                                                    *extra_params),
                   "closes the steady-state balance of the downstream pool at its reference count")
    source = stem.mpp if from_mpp else stem.clp
    m.flow(f"{source.compartment}_to_{name}", "differentiation", source.compartment, target, source.exit_rate_per_day,
           consume=0.0, yield_=y, feedbacks=feedbacks, parameters=(source.residence_parameter,))


#: lineage key -> the adult reference count it scales (children carry more of these per uL)
CHILD_EXCESS_LINEAGES = {"cd4": "cd4_reference_per_uL", "cd8": "cd8_reference_per_uL", "b": "b_reference_per_uL"}


def _decaying_with_age(at_birth: Value, decay_years: Value, age_years: Value) -> Value:
    """at_birth x exp(-age / decay): a float for one age, an array for a cohort's ages."""
    x = at_birth * np.exp(-np.asarray(age_years, dtype=np.float64) / decay_years)
    return float(x) if np.ndim(x) == 0 else x


def child_lymphocyte_factor(value: Callable[[str], Value], lineage: str, age_years: Value) -> Value:
    """Age-specific reference count over the adult one for CD4, CD8 and B cells (parameter set
    paediatric_lymphocytes): (1 + excess exp(-age/decay)) / (1 + excess exp(-ref/decay)), exactly 1 at the
    lymphocyte reference age; 1 for other lineages. ``value`` reads a parameter by name."""
    if lineage not in CHILD_EXCESS_LINEAGES:
        return 1.0
    excess, decay = value(f"{lineage}_child_excess_at_birth"), value(f"{lineage}_child_excess_decay_years")
    return ((1.0 + _decaying_with_age(excess, decay, age_years))
            / (1.0 + _decaying_with_age(excess, decay, value("lymphocyte_reference_age_years"))))


def infant_naive_turnover_per_day(value: Callable[[str], Value], age_years: Value) -> Value:
    """Extra division (and equal extra loss) of an infant's naive T cells, per day (parameter set
    paediatric_lymphocytes): excess at birth x exp(-age/decay). ``value`` reads a parameter by name."""
    return _decaying_with_age(value("naive_infant_turnover_at_birth_per_day"),
                              value("naive_infant_turnover_decay_years"), age_years)


def memory_accrual_factor(value: Callable[[str], Value], age_years: Value) -> Value:
    """Memory T cells at this age over those at the lymphocyte reference age: (1 - exp(-age/tau)) /
    (1 - exp(-ref/tau)), memory accruing with antigen exposure (parameter set paediatric_lymphocytes)."""
    tau = value("memory_t_cell_accrual_years")
    return ((1.0 - _decaying_with_age(1.0, tau, age_years))
            / (1.0 - _decaying_with_age(1.0, tau, value("lymphocyte_reference_age_years"))))


#: parameters the naive pools' history after the reference age reads (besides each pool's half-life and decline)
NAIVE_HISTORY_PARAMETERS = ("thymic_share_of_naive_production", "thymic_output_decline_per_year",
                            "thymic_output_peak_age_years", "lymphocyte_reference_age_years")
#: each naive pool's half-life parameter -> the parameter of its decline at the reference age (fitted on a cohort's
#: naive counts at age, parameter set naive_decline_by_age)
NAIVE_DECLINE_PARAMETER = {"naive_cd4_half_life_years": "naive_cd4_decline_at_reference_age_per_year",
                           "naive_cd8_half_life_years": "naive_cd8_decline_at_reference_age_per_year"}


def _decay_difference_quotient(x: Value, y: Value, span: Value) -> Value:
    """(exp(-x L) - exp(-y L)) / (y - x) for spans L >= 0, and its limit L exp(-x L) where y = x."""
    x, y, span = (np.asarray(v, dtype=np.float64) for v in (x, y, span))
    gap = y - x
    close = np.abs(gap) < 1e-12
    safe_gap = np.where(close, 1.0, gap)
    out = np.where(close, span * np.exp(-x * span), (np.exp(-x * span) - np.exp(-y * span)) / safe_gap)
    return float(out) if np.ndim(out) == 0 else out


def naive_history_factor(value: Callable[[str], Value], half_life_parameter: str, age_years: Value) -> Value:
    """Naive T cells at this age over those at the lymphocyte reference age, as their history leaves them.

    Deuterium labelling finds the same per-cell naive division rates in elderly as in young adults (Wallace 2004,
    Westera 2015: no compensatory rise despite a tenfold fall of thymic output), with the thymus supplying about
    10% of naive production at the reference age (den Braber 2012) and a naive half-life of years (Vrisekoop 2008).
    With division p and loss d per cell held, the pool follows dN/dt = theta(t) - k N with k = d - p = share x d
    + delta: the thymus replaces share x d of the pool a year at the reference age and the pool is already
    shrinking there at delta a year (cross-sectional naive counts at age; docs/model.md). The relaxation time
    (1/k) is decades: the pool at an age is what its history left, not the equilibrium of that age's thymic output.
    From N = N_ref at the reference age and theta falling as exp(-rate (age - max(ref, peak))) (the model's
    thymic_capacity law), N(A) / N_ref = exp(-k T) + share d (integral of theta(tau) / theta_ref exp(-k (A - tau))),
    T = A - ref, in closed form below; exactly 1 up to the reference age (children: the model's existing set points).
    ``value`` reads a parameter by name."""
    age = np.asarray(age_years, dtype=np.float64)
    ref_age = value("lymphocyte_reference_age_years")
    decline_start = np.maximum(ref_age, value("thymic_output_peak_age_years"))
    decline = value("thymic_output_decline_per_year")
    thymic_input = value("thymic_share_of_naive_production") * math.log(2) / value(half_life_parameter)  # per year
    net_loss = thymic_input + value(NAIVE_DECLINE_PARAMETER[half_life_parameter])
    span = np.maximum(age - ref_age, 0.0)
    flat = np.maximum(np.minimum(age, decline_start) - ref_age, 0.0)  # full thymic output (reference age to peak)
    declining = np.maximum(age - decline_start, 0.0)
    # thymic cells still present: flat part (entered before the decline, then decaying for `declining` years)
    from_flat = thymic_input / net_loss * np.exp(-net_loss * declining) * (1.0 - np.exp(-net_loss * flat))
    from_declining = thymic_input * _decay_difference_quotient(decline, net_loss, declining)
    h = np.exp(-net_loss * span) + from_flat + from_declining
    return float(h) if np.ndim(h) == 0 else h


def naive_thymic_share_at_age(value: Callable[[str], Value], half_life_parameter: str, age_years: Value,
                              thymic_age_factor: Value) -> Value:
    """Share of naive production the thymus supplies at this age: the share at the reference age (den Braber
    2012) up to it, then share x thymic output relative to the reference age / naive_history_factor (the
    pool is held at its history by a per-cell division p = d (1 - this share), about constant: Westera 2015)."""
    age = np.asarray(age_years, dtype=np.float64)
    share = value("thymic_share_of_naive_production")
    history = naive_history_factor(value, half_life_parameter, age)
    later = share * np.minimum(np.asarray(thymic_age_factor, dtype=np.float64), 1.0) / history
    out = np.where(age > value("lymphocyte_reference_age_years"), later, share)
    return float(out) if np.ndim(out) == 0 else out


def reference_adult_blood_volume_L(params: ParameterSet) -> float:
    """Blood volume of the reference adult (the body the thymic output is derived on)."""
    return float(blood_volume_L(REFERENCE_ADULT, params))


def _homeostatic(name: str, signal: str, ref: Value, ctx: BuildContext, max_fold: str = "il7_max_fold") -> Feedback:
    """Homeostatic proliferation: 1 at the reference pool, up to ``max_fold`` (a parameter) when it is empty."""
    return Feedback(name, FeedbackKind.HILL_RATIO, (ref, ctx.p(max_fold) - 1.0, ctx.p("il7_hill")),
                    signal=signal, parameters=(max_fold, "il7_hill"))


@dataclass(frozen=True)
class _Periphery:
    """Whole-body lymphocyte pools, of which ``blood_fraction`` circulates."""

    blood_fraction: Value
    cells_per_count_per_uL: Value  # whole-body cells per blood cell/uL

    def pool(self, ctx: BuildContext, m: Module, name: str, description: str, cells: Value, *tags: str) -> str:
        c = m.compartment(name, description, cells, "lymphocyte", *tags)
        ctx.blood_share[c] = self.blood_fraction
        ctx.lymphocyte_pools.append(c)
        return c


@dataclass(frozen=True)
class _TCellPools:
    """The peripheral T-cell compartments and their steady-state cells."""

    naive_cd4: str
    cm_cd4: str
    em_cd4: str
    naive_cd8: str
    memory_cd8: str
    naive_cd4_cells: Value
    cm_cd4_cells: Value
    em_cd4_cells: Value
    naive_cd8_cells: Value
    memory_cd8_cells: Value
    cd4_adult_cells: Value  # the adult reference CD4 count in this body
    cd8_adult_cells: Value
    naive_cd4_loss_per_day: Value  # from the naive half-life (adult)
    naive_cd8_loss_per_day: Value

    @property
    def compartments(self) -> tuple[str, ...]:
        return (self.naive_cd4, self.cm_cd4, self.em_cd4, self.naive_cd8, self.memory_cd8)


@dataclass(frozen=True)
class _Thymus:
    """The export-destined thymocytes and what the markers of thymic output need."""

    export_stage: str  # the last thymocyte stage, which exports naive T cells
    stage_rate_per_day: Value  # transit rate of one of the two thymocyte stages
    cd4_export_per_day: Value  # naive CD4 export at the reference age (derived)
    export_per_day: Value  # naive CD4 + CD8 export at the reference age
    age_factor: Value  # thymic capacity at the patient's age over that at the reference age
    feedbacks: tuple[str, ...]  # lymphopenic rebound and involution, on every thymic flow

    @property
    def cd4_export_rate_per_day(self) -> Value:
        """Rate of the CD4 export flow out of the last thymocyte stage."""
        return self.stage_rate_per_day * self.cd4_export_per_day / self.export_per_day


def lymphoid_module(ctx: BuildContext) -> Module:
    """B, NK and T cells with their marrow precursors, the thymus and its markers (TREC, CD4 clonotypes)."""
    m = Module("lymphoid")
    bv = ctx.blood_volume_L
    frac = ctx.p("lymphocyte_blood_fraction")
    periphery = _Periphery(frac, PER_UL * bv / frac)
    b = _b_cells(ctx, m, periphery)
    nk = _nk_cells(ctx, m, periphery)
    t = _t_cell_pools(ctx, m, periphery)
    age = np.asarray(ctx.patient.age_years, dtype=np.float64)
    # Infants' naive T cells divide and die faster than adults' (balanced: the set point is unchanged); under
    # lymphopenia the IL-7-like signal multiplies the faster division, so an empty infant periphery refills within
    # months. Zero effect in adults (the excess decays with age).
    infant_turnover = infant_naive_turnover_per_day(ctx.p, age)
    thymus = _thymus(ctx, m, t, age)
    trec = _trec_marker(ctx, m, periphery, t, thymus, infant_turnover)
    clonotypes = _cd4_clonotypes(ctx, m, t, thymus)
    _naive_turnover(ctx, m, t.naive_cd4, t.naive_cd4_loss_per_day, t.cm_cd4, "naive_cd4_half_life_years",
                    infant_turnover, thymus.age_factor)
    _naive_turnover(ctx, m, t.naive_cd8, t.naive_cd8_loss_per_day, t.memory_cd8, "naive_cd8_half_life_years",
                    infant_turnover, thymus.age_factor)
    _memory_turnover(ctx, m, t)
    m.observables += _lymphoid_observables(frac / (bv * PER_UL), frac / (bv * 1e9), b, nk, t, trec, clonotypes)
    return m


def _b_cells(ctx: BuildContext, m: Module, periphery: _Periphery) -> str:
    """Peripheral B cells under a BAFF-like feedback, fed by marrow precursors from CLPs."""
    B = (ctx.p("b_reference_per_uL") * child_lymphocyte_factor(ctx.p, "b", ctx.patient.age_years)
         * periphery.cells_per_count_per_uL)
    p_b = ctx.p("b_proliferation_per_day")
    s_b = ctx.p("b_marrow_share_of_production")
    d_b = ctx.derive("b_death_rate_per_day", p_b / (1.0 - s_b), "1/day", "loss rate of peripheral B cells",
                     ("b_proliferation_per_day", "b_marrow_share_of_production"), "d = p / (1 - marrow share)")
    b = periphery.pool(ctx, m, "b_cells", "peripheral B cells", B, "b_cell")
    m.signals.append(Signal("b_pool", {b: 1.0}))
    m.feedbacks.append(_homeostatic("baff_like", "b_pool", B, ctx, "b_lymphopenia_max_fold"))
    b_res = ctx.p("b_precursor_residence_days")
    b_influx = s_b * d_b * B
    bprec = m.chain("b_precursor", "marrow B-cell precursors", 2, b_res, b_influx * b_res / 2, b, "marrow", "b_cell",
                    parameters=("b_precursor_residence_days",))
    _from_progenitors(ctx, m, bprec[0], b_influx, "b_precursor", "B precursors",
                      extra_params=("b_reference_per_uL", "b_marrow_share_of_production"))
    m.flow("b_cells_proliferation", "proliferation", b, b, p_b, consume=0.0, feedbacks=("baff_like",),
           parameters=("b_proliferation_per_day",))
    m.flow("b_cells_death", "death", b, None, d_b, parameters=("b_proliferation_per_day", "b_marrow_share_of_production"))
    return b


def _nk_cells(ctx: BuildContext, m: Module, periphery: _Periphery) -> str:
    """NK cells under their own homeostatic feedback, fed by marrow precursors from MPPs."""
    NK = ctx.p("nk_reference_per_uL") * periphery.cells_per_count_per_uL
    p_nk = ctx.p("nk_proliferation_per_day")
    d_nk = ctx.p("nk_death_rate_per_day")
    nk = periphery.pool(ctx, m, "nk_cells", "NK cells", NK, "nk")
    m.signals.append(Signal("nk_pool", {nk: 1.0}))
    m.feedbacks.append(_homeostatic("nk_homeostasis", "nk_pool", NK, ctx, "nk_lymphopenia_max_fold"))
    nk_res = ctx.p("nk_precursor_residence_days")
    nk_influx = ctx.derive("nk_marrow_influx_per_day", (d_nk - p_nk) * NK, "cells/day", "new NK cells from marrow",
                           ("nk_death_rate_per_day", "nk_proliferation_per_day", "nk_reference_per_uL"),
                           "influx = (d - p) NK")
    nkprec = m.compartment("nk_precursor", "NK precursors", nk_influx * nk_res, "marrow", "nk")
    m.flow("nk_precursor_maturation", "maturation", nkprec, nk, 1.0 / nk_res,
           parameters=("nk_precursor_residence_days",))
    # NK cells come early after a graft (the first lymphocytes to return): made from MPPs, not from the
    # HSC-derived lymphoid progenitors
    _from_progenitors(ctx, m, nkprec, nk_influx, "nk_precursor", "NK precursors",
                      extra_params=("nk_reference_per_uL",), from_mpp=True)
    m.flow("nk_cells_proliferation", "proliferation", nk, nk, p_nk, consume=0.0, feedbacks=("nk_homeostasis",),
           parameters=("nk_proliferation_per_day",))
    m.flow("nk_cells_death", "death", nk, None, d_nk, parameters=("nk_death_rate_per_day",))
    return nk


def _t_cell_pools(ctx: BuildContext, m: Module, periphery: _Periphery) -> _TCellPools:
    """Naive and memory CD4 and CD8 pools at the patient's age, and their homeostatic niches."""
    to_body = periphery.cells_per_count_per_uL
    cd4_adult = ctx.p("cd4_reference_per_uL") * to_body  # adult counts in this body
    cd8_adult = ctx.p("cd8_reference_per_uL") * to_body
    cd4 = cd4_adult * child_lymphocyte_factor(ctx.p, "cd4", ctx.patient.age_years)
    cd8 = cd8_adult * child_lymphocyte_factor(ctx.p, "cd8", ctx.patient.age_years)
    # A child's excess T cells are naive; memory cells accrue with age from none at birth to the adult split.
    mem_factor = memory_accrual_factor(ctx.p, ctx.patient.age_years)
    f4, f8 = ctx.p("cd4_naive_fraction"), ctx.p("cd8_naive_fraction")
    M4 = cd4_adult * (1.0 - f4) * mem_factor
    M8 = cd8_adult * (1.0 - f8) * mem_factor
    # Past the reference age the naive pools are what their history leaves (naive_history_factor); memory pools
    # keep their own set points (their niches do not take up the naive cells' room).
    N4 = (cd4 - M4) * naive_history_factor(ctx.p, "naive_cd4_half_life_years", ctx.patient.age_years)
    N8 = (cd8 - M8) * naive_history_factor(ctx.p, "naive_cd8_half_life_years", ctx.patient.age_years)
    CM = M4 * ctx.p("cd4_central_memory_share")
    EM = M4 - CM
    t = _TCellPools(
        naive_cd4=periphery.pool(ctx, m, "naive_cd4", "naive CD4 T cells", N4, "t_cell", "cd4"),
        cm_cd4=periphery.pool(ctx, m, "cm_cd4", "central-memory CD4 T cells", CM, "t_cell", "cd4"),
        em_cd4=periphery.pool(ctx, m, "em_cd4", "effector-memory CD4 T cells", EM, "t_cell", "cd4"),
        naive_cd8=periphery.pool(ctx, m, "naive_cd8", "naive CD8 T cells", N8, "t_cell", "cd8"),
        memory_cd8=periphery.pool(ctx, m, "memory_cd8", "memory CD8 T cells", M8, "t_cell", "cd8"),
        naive_cd4_cells=N4, cm_cd4_cells=CM, em_cd4_cells=EM, naive_cd8_cells=N8, memory_cd8_cells=M8,
        cd4_adult_cells=cd4_adult, cd8_adult_cells=cd8_adult,
        naive_cd4_loss_per_day=math.log(2) / (ctx.p("naive_cd4_half_life_years") * DAYS_PER_YEAR),
        naive_cd8_loss_per_day=math.log(2) / (ctx.p("naive_cd8_half_life_years") * DAYS_PER_YEAR))
    # Naive cells compete for their own (IL-7) niche and CD4 memory cells for theirs. CD8 memory cells
    # (IL-15-driven) sense their own pool and a share w of the naive CD8 cells: when naive CD8 cells are missing
    # (after a transplant) memory CD8 cells take part of the naive space, which is why CD8 counts recover early and
    # the CD4:CD8 ratio inverts after HSCT, and then stop, so thymic naive CD4 cells overtake them in a child.
    # The naive pool's own feedback ignores memory cells, so memory cannot take the naive niche over.
    w8 = ctx.p_shared("cd8_memory_niche_naive_weight")  # a signal weight
    m.signals += [Signal("naive_t_pool", {t.naive_cd4: 1.0, t.naive_cd8: 1.0}),
                  Signal("cd4_memory_pool", {t.cm_cd4: 1.0, t.em_cd4: 1.0}),
                  Signal("cd8_pool", {t.naive_cd8: w8, t.memory_cd8: 1.0})]
    m.feedbacks += [_homeostatic("il7_like", "naive_t_pool", N4 + N8, ctx),
                    _homeostatic("cd4_memory_niche", "cd4_memory_pool", CM + EM, ctx, "cd4_memory_lymphopenia_max_fold"),
                    _homeostatic("cd8_memory_niche", "cd8_pool", w8 * N8 + M8, ctx, "cd8_memory_lymphopenia_max_fold")]
    return t


def _thymus(ctx: BuildContext, m: Module, t: _TCellPools, age: np.ndarray) -> _Thymus:
    """Thymus: seeded by CLPs into a niche of age-dependent capacity, exports naive CD4 and CD8 cells."""
    thymic_share = ctx.p("thymic_share_of_naive_production")
    ref_age = ctx.p("lymphocyte_reference_age_years")
    decline, peak = ctx.p("thymic_output_decline_per_year"), ctx.p("thymic_output_peak_age_years")
    # Thymic export is set by the thymus, not by body size: it is derived on the reference adult's naive pools
    # (whole body) and the same for every patient of the same age. A small body (a child) thus gets more thymic
    # output per naive cell than an adult.
    ref_body = reference_adult_blood_volume_L(ctx.params) / ctx.blood_volume_L
    theta4 = ctx.derive("thymic_cd4_output_per_day",
                        thymic_share * t.naive_cd4_loss_per_day * ctx.p("cd4_naive_fraction") * t.cd4_adult_cells
                        * ref_body, "cells/day", "naive CD4 export at the reference age", (
                            "thymic_share_of_naive_production", "naive_cd4_half_life_years", "cd4_reference_per_uL",
                            "cd4_naive_fraction"), "theta = share * d * N, N the reference adult's naive CD4 pool")
    theta8 = ctx.derive("thymic_cd8_output_per_day",
                        thymic_share * t.naive_cd8_loss_per_day * ctx.p("cd8_naive_fraction") * t.cd8_adult_cells
                        * ref_body, "cells/day", "naive CD8 export at the reference age", (
                            "thymic_share_of_naive_production", "naive_cd8_half_life_years", "cd8_reference_per_uL",
                            "cd8_naive_fraction"), "theta = share * d * N, N the reference adult's naive CD8 pool")
    thy_res = ctx.p("thymocyte_residence_days")
    # Thymic capacity at the patient's age: constant to the peak age, then falling exponentially (Steinmann).
    age_factor = np.exp(-decline * (np.maximum(age, peak) - np.maximum(ref_age, peak)))
    out = theta4 + theta8
    thy_ss = out * age_factor * thy_res  # thymocytes at rest (export equivalents)
    thy = [m.compartment(f"thymocyte_{i + 1}", f"developing thymocytes (export-destined), stage {i + 1} of 2",
                         thy_ss / 2, "thymus") for i in range(2)]
    # lymphopenia raises thymopoiesis through the same IL-7-like signal as naive homeostatic proliferation
    # (thymic rebound after lymphoablation): thymocytes pass faster (1 at the naive set point, up to
    # thymic_lymphopenia_max_fold), and the niche they free is refilled by more seeding
    m.feedbacks.append(Feedback("il7_thymopoiesis", FeedbackKind.HILL_RATIO,
                                (t.naive_cd4_cells + t.naive_cd8_cells, ctx.p("thymic_lymphopenia_max_fold") - 1.0,
                                 ctx.p("il7_hill")),
                                signal="naive_t_pool", parameters=("thymic_lymphopenia_max_fold", "il7_hill")))
    # in a run that ages, thymopoiesis slows as the thymus involutes (1 at the starting age, falling after the
    # peak age at thymic_output_decline_per_year)
    m.feedbacks.append(Feedback("thymic_capacity", FeedbackKind.AGE_DECLINE,
                                (ctx.patient.age_years, decline, peak, ctx.patient.age_years, 1.0 if ctx.aging else 0.0),
                                parameters=("thymic_output_decline_per_year", "thymic_output_peak_age_years")))
    thymus = _Thymus(export_stage=thy[1], stage_rate_per_day=2.0 / thy_res, cd4_export_per_day=theta4,
                     export_per_day=out, age_factor=age_factor, feedbacks=("il7_thymopoiesis", "thymic_capacity"))
    m.flow("thymocyte_1_to_thymocyte_2", "maturation", thy[0], thy[1], thymus.stage_rate_per_day,
           feedbacks=thymus.feedbacks, parameters=("thymocyte_residence_days",))
    m.flow("thymic_export_cd4", "export", thy[1], t.naive_cd4, thymus.cd4_export_rate_per_day,
           feedbacks=thymus.feedbacks, parameters=("thymocyte_residence_days",))
    m.flow("thymic_export_cd8", "export", thy[1], t.naive_cd8, thymus.stage_rate_per_day * theta8 / out,
           feedbacks=thymus.feedbacks, parameters=("thymocyte_residence_days",))
    _thymic_niche(ctx, m, thy[0], thy[1], thy_ss, out * age_factor)
    return thymus


def _thymic_niche(ctx: BuildContext, m: Module, first_stage: str, export_stage: str, thymocytes_at_rest: Value,
                  export_at_age_per_day: Value) -> None:
    """The intrathymic niche: seeding progenitors enter in proportion to the room left in the thymus (HILL_RATIO on
    the thymocytes, 1 at rest, up to 1 + 1/thymic_niche_free_share when the thymus is empty), so a few
    progenitors fill an emptied thymus (after conditioning, or the empty thymus of a SCID infant): output is set
    by capacity, not by seeding. Involution within a run slows seeding and transit alike, so the capacity
    (thymocytes at rest) is kept and output falls with it."""
    free = ctx.p("thymic_niche_free_share")
    m.signals.append(Signal("thymocyte_pool", {first_stage: 1.0, export_stage: 1.0}))
    m.feedbacks.append(Feedback("thymic_niche_access", FeedbackKind.HILL_RATIO,
                                (thymocytes_at_rest, 1.0 / free, ctx.p("thymic_niche_hill")),
                                signal="thymocyte_pool", parameters=("thymic_niche_free_share", "thymic_niche_hill")))
    # Early thymocytes expand under the same niche signal: barely at rest, at up to thymocyte_expansion_max_per_day
    # in an emptied thymus, so a handful of donor progenitors (an unconditioned SCID graft, where few lymphoid
    # progenitors are the donor's) still refill it. At rest seeding supplies what expansion does not.
    k_exp = ctx.p("thymocyte_expansion_max_per_day") * free / (1.0 + free)  # at rest; x (1 + 1/free) when empty
    m.flow("thymocyte_1_expansion", "proliferation", first_stage, first_stage, k_exp, consume=0.0,
           feedbacks=("thymic_niche_access", "thymic_capacity"),
           parameters=("thymocyte_expansion_max_per_day", "thymic_niche_free_share"))
    _from_progenitors(ctx, m, first_stage, export_at_age_per_day - k_exp * thymocytes_at_rest / 2, "thymic_seeding",
                      "thymus-seeding progenitors (export equivalents)",
                      feedbacks=("thymic_niche_access", "thymic_capacity"),
                      extra_params=("thymic_share_of_naive_production", "thymocyte_expansion_max_per_day"))


INFANT_TURNOVER_PARAMETERS = ("naive_infant_turnover_at_birth_per_day", "naive_infant_turnover_decay_years")


def _trec_marker(ctx: BuildContext, m: Module, periphery: _Periphery, t: _TCellPools, thymus: _Thymus,
                 infant_turnover: Value) -> str:
    """TREC-like marker: one excision circle per CD4 cell the thymus exports; division dilutes it (the
    total is unchanged), loss of naive CD4 cells (death or conversion to memory) removes it.
    Tagged like naive CD4 cells, so depletion, irradiation and blood loss remove markers with their cells."""
    d_n4 = t.naive_cd4_loss_per_day
    trec = m.compartment("trec_cd4", "TREC-like marker: excision circles in naive CD4 T cells",
                         thymus.cd4_export_per_day * thymus.age_factor / (d_n4 + infant_turnover),
                         "lymphocyte", "t_cell", "cd4", "thymus_marker")
    ctx.blood_share[trec] = periphery.blood_fraction
    m.flow("thymic_export_cd4_trec", "marker", thymus.export_stage, trec, thymus.cd4_export_rate_per_day,
           consume=0.0, feedbacks=thymus.feedbacks, parameters=("thymocyte_residence_days",))
    m.flow("trec_cd4_loss", "marker", trec, None, d_n4 + infant_turnover,
           parameters=("naive_cd4_half_life_years", *INFANT_TURNOVER_PARAMETERS))
    return trec


def _cd4_clonotypes(ctx: BuildContext, m: Module, t: _TCellPools, thymus: _Thymus) -> str:
    """CD4 clonotype richness: each new thymic clonotype arrives as n_t cells (derived so that the reference adult
    holds cd4_clonotypes_reference) and a clonotype is lost at the naive CD4 loss rate, so richness follows
    thymic output with age. Not tagged as cells: depletion thins it by the clonal law of
    hemasim.events.thin_clonotypes (a clonotype is lost only if all its cells are), not in proportion."""
    d_n4 = t.naive_cd4_loss_per_day
    k_ref = ctx.p("cd4_clonotypes_reference")
    cells_per_clonotype = ctx.derive("thymic_cd4_cells_per_new_clonotype", thymus.cd4_export_per_day / (k_ref * d_n4),
                                     "cells", "naive CD4 cells the thymus exports per new clonotype",
                                     ("thymic_cd4_output_per_day", "cd4_clonotypes_reference",
                                      "naive_cd4_half_life_years"),
                                     "closes the richness balance at the reference age: n_t = theta / (K_ref d)")
    clonotypes = m.compartment("cd4_clonotypes", "distinct CD4 T-cell receptor clonotypes (richness)",
                               k_ref * thymus.age_factor, "clonotypes")
    m.flow("thymic_new_cd4_clonotypes", "marker", thymus.export_stage, clonotypes, thymus.cd4_export_rate_per_day,
           consume=0.0, yield_=1.0 / cells_per_clonotype, feedbacks=thymus.feedbacks,
           parameters=("thymocyte_residence_days", "cd4_clonotypes_reference"))
    m.flow("cd4_clonotype_loss", "marker", clonotypes, None, d_n4, parameters=("naive_cd4_half_life_years",))
    return clonotypes


def _naive_turnover(ctx: BuildContext, m: Module, name: str, loss_per_day: Value, memory: str, half_life: str,
                    infant_turnover: Value, thymic_age_factor: Value) -> None:
    """Homeostatic proliferation (the part of naive production the thymus does not supply at the patient's age),
    conversion to memory and death of a naive pool."""
    thymic_share = naive_thymic_share_at_age(ctx.p, half_life, ctx.patient.age_years, thymic_age_factor)
    conv = ctx.p("naive_to_memory_share_of_loss")
    inputs = (*NAIVE_HISTORY_PARAMETERS, half_life, NAIVE_DECLINE_PARAMETER[half_life], *INFANT_TURNOVER_PARAMETERS)
    p = ctx.derive(f"{name}_proliferation_per_day", (1.0 - thymic_share) * loss_per_day + infant_turnover, "1/day",
                   f"homeostatic proliferation of {name.replace('_', ' ')} cells", inputs,
                   "p = (1 - thymic share at the patient's age) d + the infant excess")
    m.flow(f"{name}_proliferation", "proliferation", name, name, p, consume=0.0, feedbacks=("il7_like",),
           parameters=inputs)
    m.flow(f"{name}_to_memory", "differentiation", name, memory, conv * loss_per_day,
           parameters=("naive_to_memory_share_of_loss", half_life))
    m.flow(f"{name}_death", "death", name, None, (1.0 - conv) * loss_per_day + infant_turnover,
           parameters=("naive_to_memory_share_of_loss", half_life, *INFANT_TURNOVER_PARAMETERS))


def _memory_turnover(ctx: BuildContext, m: Module, t: _TCellPools) -> None:
    """Memory pools: proliferation under their niches, CD4 central- to effector-memory conversion, and the losses
    that close each balance (derived)."""
    conv = ctx.p("naive_to_memory_share_of_loss")
    N4, CM, EM = t.naive_cd4_cells, t.cm_cd4_cells, t.em_cd4_cells
    N8, M8 = t.naive_cd8_cells, t.memory_cd8_cells
    p_cm = ctx.p("cd4_central_memory_proliferation_per_day")
    p_em = ctx.p("cd4_effector_memory_proliferation_per_day")
    p_m8 = ctx.p("cd8_memory_proliferation_per_day")
    k_ce = ctx.p("cd4_cm_to_em_rate_per_day")
    d_cm = ctx.derive("cm_cd4_death_rate_per_day", conv * t.naive_cd4_loss_per_day * N4 / CM + p_cm - k_ce, "1/day",
                      "loss rate of CD4 central-memory cells", ("naive_to_memory_share_of_loss",
                                                                "cd4_central_memory_proliferation_per_day",
                                                                "cd4_cm_to_em_rate_per_day"),
                      "closes the CM balance")
    d_em = ctx.derive("em_cd4_death_rate_per_day", p_em + k_ce * CM / EM, "1/day",
                      "loss rate of CD4 effector-memory cells", ("cd4_effector_memory_proliferation_per_day",
                                                                 "cd4_cm_to_em_rate_per_day"), "closes the EM balance")
    d_m8 = ctx.derive("memory_cd8_death_rate_per_day", p_m8 + conv * t.naive_cd8_loss_per_day * N8 / M8, "1/day",
                      "loss rate of CD8 memory cells", ("cd8_memory_proliferation_per_day",
                                                        "naive_to_memory_share_of_loss"), "closes the CD8 memory balance")
    for name, p, pname, niche in ((t.cm_cd4, p_cm, "cd4_central_memory_proliferation_per_day", "cd4_memory_niche"),
                                  (t.em_cd4, p_em, "cd4_effector_memory_proliferation_per_day", "cd4_memory_niche"),
                                  (t.memory_cd8, p_m8, "cd8_memory_proliferation_per_day", "cd8_memory_niche")):
        m.flow(f"{name}_proliferation", "proliferation", name, name, p, consume=0.0, feedbacks=(niche,),
               parameters=(pname,))
    m.flow("cm_cd4_to_em_cd4", "differentiation", t.cm_cd4, t.em_cd4, k_ce, parameters=("cd4_cm_to_em_rate_per_day",))
    m.flow("cm_cd4_death", "death", t.cm_cd4, None, d_cm)
    m.flow("em_cd4_death", "death", t.em_cd4, None, d_em)
    m.flow("memory_cd8_death", "death", t.memory_cd8, None, d_m8)


def _lymphoid_observables(per_ul: Value, per_1e9_per_L: Value, b: str, nk: str, t: _TCellPools, trec: str,
                          clonotypes: str) -> list[Observable]:
    """Blood counts (whole-body cells x blood share / blood volume), thymic output and its markers."""
    n4, cm4, em4, n8, m8 = t.compartments
    return [
        Observable("lymphocytes_1e9_per_L", "1e9/L", "blood lymphocytes (T + B + NK)",
                   dict.fromkeys((b, nk, *t.compartments), per_1e9_per_L)),
        Observable("cd4_per_uL", "cells/uL", "blood CD4 T cells", dict.fromkeys((n4, cm4, em4), per_ul)),
        Observable("naive_cd4_per_uL", "cells/uL", "blood naive CD4 T cells", {n4: per_ul}),
        Observable("cd8_per_uL", "cells/uL", "blood CD8 T cells", dict.fromkeys((n8, m8), per_ul)),
        Observable("cd3_per_uL", "cells/uL", "blood T cells (CD4 + CD8)", dict.fromkeys(t.compartments, per_ul)),
        Observable("b_cells_per_uL", "cells/uL", "blood B cells (CD19)", {b: per_ul}),
        Observable("nk_cells_per_uL", "cells/uL", "blood NK cells", {nk: per_ul}),
        Observable("thymic_output_per_day", "cells/day", "naive T cells exported by the thymus per day",
                   fluxes={"thymic_export_cd4": 1.0, "thymic_export_cd8": 1.0}),
        Observable("trec_cd4_per_uL", "TREC/uL", "TREC-like marker of recent thymic origin in blood naive CD4 cells",
                   {trec: per_ul}),
        Observable("cd4_clonotype_richness", "clonotypes", "distinct CD4 TCR clonotypes in the body",
                   {clonotypes: 1.0}),
    ]
