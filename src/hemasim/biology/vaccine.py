"""Vaccine responses: antigen, antigen-specific B cells, plasmablasts, short- and long-lived plasma cells and IgG.

For each antigen ``a`` (a :class:`VaccineResponse` extension of the healthy model; a ``vaccine``
scenario block adds it), in arbitrary units (AU) of antigen-specific cells and antibody:

    d Ag/dt   = -k_ag Ag                                               (doses: Ag += dose)
    d Bact/dt = [k_rec Ag/(1 + s_rec Ag) (B/B_ref) (N4/N4_ref) + k_mem Ag Bmem (M4/M4_ref)
                + rho Bact Ag/(K + Ag)] K_f/(K_f + IgG) - delta Bact       (K_f: antibody feedback)
    d PB/dt   = delta (1 - m) Bact - PB / tau_pb             (plasmablasts: antibody-secreting cells)
    d Bmem/dt = delta m Bact                                  (memory B cells, long-lived; with a maturation
                                                              time tau_mat > 0 they pass through a maturing
                                                              pool first, d Bimm/dt = delta m Bact - Bimm/tau_mat,
                                                              d Bmem/dt = Bimm/tau_mat: only Bmem is recalled)
    d LLPC/dt = f PB / tau_pb - ln2 LLPC / T_llpc             (long-lived plasma cells)
    d SLPC/dt = f_s PB / tau_pb - ln2 SLPC / T_slpc           (short-lived plasma cells; a state only if f_s > 0)
    d IgG/dt  = s (PB + SLPC + LLPC) - ln2 IgG / T_igg

When the plasmablasts of a recall have other plasma-cell shares (f_r, f_s,r) than a primary response's (f, f_s),
recalled memory B cells enter activated and plasmablast pools of their own (Bact_r, PB_r: the same expansion and
differentiation laws, their plasmablasts ending with the recall's shares); with equal shares the two pools are one
(the equations are linear in them), which is the model as it was.

Recruitment is proportional to antigen in the shipped model: s_rec = 1/K_rec
(``vaccine_recruitment_saturation_per_au``, 1/AU) is 0 there and its factor is not built. s_rec > 0 is an opt-in dose
law (branch humdose37): recruitment saturating in antigen, bounded by k_rec K_rec at high doses; fitted on the H9N2
course but not adopted (docs/sensitivity.md, "Dose law (humdose37)"). The expansion's antigen gate Ag/(K + Ag) has
K = ``vaccine_antigen_half_saturation_au`` (0.1 AU shipped); K = 0 is its limit, the gate always open (Ag/(K + Ag) read
as 1, its factor not built): activated cells divide without antigen, a burst a larger dose does not prolong.

Recruitment depends on the patient's B cells and naive CD4 T cells (N4; memory CD4 T cells M4 for a
recall) through a saturating help law h(c) = c (1 + K/c_ref) / (c + K) of each blood count c: 1 at the
healthy reference adult's count c_ref, proportional to c when c << K, near 1 above a few K. Responses are
thus weaker with few cells (after transplantation, in SCID) but do not fall in proportion to the counts:
the half-saturation K is the clinical threshold above which transplant centres vaccinate (B cells > 20/uL,
CD4 > 200/uL; see :mod:`hemasim.parameters.sets.vaccine_kinetics`). (The earlier law, linear in each count,
made a response three months after a transplant 0.2% of a healthy adult's.) In the equations above read
(B/B_ref) as h(B), (N4/N4_ref) as h(N4) and (M4/M4_ref) as h(M4). A boost
recruits memory B cells too, so it is faster and larger. Parameters:
:mod:`hemasim.parameters.sets.vaccine_kinetics` (IgG half-life and long-lived plasma-cell
half-life cited, the plasmablast lifetime too; the rest assumed or unit conventions, see docs/immunity.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from hemasim.biology import reference_adult_model
from hemasim.biology.builder import BuildContext
from hemasim.model.compiled import DAYS_PER_YEAR
from hemasim.model.core import Feedback, FeedbackKind, Module, Observable, Signal, Value
from hemasim.parameters.sets.vaccine_kinetics import PLASMA_CELL_SHARES, plasma_cell_shares_problem

__all__ = ["B_LYMPHOCYTE_TAGS", "PLASMABLAST_TAGS", "VaccineResponse", "antigen_state", "circulate_as_lymphocytes",
           "help_at",
           "with_humoral_response"]

#: the tags of antigen-specific B cells (activated, maturing and memory): those of the B-cell pool, so that TBI, a
#: regimen's lymphoid kill and a lymphocyte or B-cell depletion kill them as they kill the B cells (the same
#: surviving fraction; branch bio35: before, conditioning left a patient's vaccine memory whole)
B_LYMPHOCYTE_TAGS = ("lymphocyte", "b_cell")
#: plasmablasts: dividing antibody-secreting cells, lymphocytes to TBI and to a regimen's lymphoid kill (antiproliferative
#: therapy depletes them, Hoyer 2004), without the B-cell marker (anti-CD20 does not reach them). Plasma cells (long-
#: and short-lived) carry neither: post-mitotic and radio- and chemoresistant, conditioning spares them as it spares
#: the other post-mitotic cells (docs/immunity.md, "Immune memory under conditioning")
PLASMABLAST_TAGS = ("lymphocyte",)


def circulate_as_lymphocytes(ctx: BuildContext, m: Module) -> None:
    """The module's antigen-specific lymphocytes circulate as the lymphocyte pools do (their blood share,
    lymphocyte_blood_fraction), so a collection from the blood or a blood loss takes the share of them it takes of
    their pool, as a depletion kills them with their pool (review35b: before, they kept every cell)."""
    share = ctx.p("lymphocyte_blood_fraction")
    for c in m.compartments:
        if "lymphocyte" in c.tags:
            ctx.blood_share[c.name] = share


def _law_on(value: Value, name: str) -> bool:
    """Whether a saturation's factor is built: a value of 0 for every patient is the law's limit (no factor); a cohort
    must not mix 0 with values > 0 (one model structure per batch)."""
    v = np.asarray(value, dtype=float)
    if np.all(v == 0.0):
        return False
    if np.any(v <= 0.0):
        raise ValueError(f"{name}: every patient's value must be > 0, or all must be 0 (the law's limit)")
    return True


def antigen_state(antigen: str) -> str:
    return f"{antigen}_antigen"


@cache
def reference_blood_counts() -> dict[str, float]:
    """Blood counts per uL of the healthy reference adult (35 y): B, naive CD4, memory CD4 and naive CD8 T cells
    (the help and precursor pools that vaccine and infection responses scale with)."""
    model = reference_adult_model()
    counts = dict(zip(model.observable_names, model.observables(np.zeros(1), model.x0)[0], strict=True))
    naive_cd4_cells = float(model.x0[model.index("naive_cd4")])
    per_ul = float(counts["naive_cd4_per_uL"]) / naive_cd4_cells  # whole-body lymphocytes -> blood per uL
    return {"b": float(counts["b_cells_per_uL"]), "naive_cd4": float(counts["naive_cd4_per_uL"]),
            "memory_cd4": float(counts["cd4_per_uL"] - counts["naive_cd4_per_uL"]),
            "naive_cd8": float(model.x0[model.index("naive_cd8")]) * per_ul}


def _saturating_help(name: str, signal: str, reference_per_uL: float, half_saturation_per_uL: Value,
                     per_ul: Value, parameters: tuple[str, ...]) -> Feedback:
    """Help from a blood count c (the signal: whole-body cells, ``per_ul`` of them per blood uL):
    h = c (1 + K/c_ref) / (c + K), 1 at the reference count c_ref, proportional to c well below K (an EMAX law
    with offset -1: emax = 1 + K/c_ref, EC50 = K in whole-body cells)."""
    return Feedback(name, FeedbackKind.EMAX, (1.0 + half_saturation_per_uL / reference_per_uL,
                                              half_saturation_per_uL / per_ul, 1.0),
                    signal=signal, offset=-1.0, parameters=parameters)


def help_at(count_per_uL: float | np.ndarray, reference_per_uL: float, half_saturation_per_uL: float) -> np.ndarray:
    """The help factor h of a blood count (per uL), as the model's feedback computes it: 1 at ``reference_per_uL``
    (for curves and checks of the law; docs/vaccine_help_curves.py)."""
    from hemasim.model.laws import law  # lazy: only curves and tests need it

    per_ul = 1e-4  # any slope: the law depends on the blood count only
    fb = _saturating_help("h", "s", reference_per_uL, half_saturation_per_uL, per_ul, ())
    cells = np.asarray(count_per_uL, dtype=float) / per_ul
    return np.asarray(fb.offset + fb.scale * law(fb.kind).value(0.0, cells, *fb.params, 0.0, 0.0))


@dataclass(frozen=True)
class VaccineResponse:
    """The humoral response to one antigen, as a :class:`~hemasim.biology.ModelExtension`."""

    antigen: str

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        a = self.antigen
        p = ctx.p
        m = Module(f"vaccine_{a}")
        ag = m.compartment(antigen_state(a), f"{a} antigen at the injection site and in lymph nodes (AU)", 0.0,
                           "antigen")
        # B cells and plasmablasts are lymphocytes (tags: the lymphoid class of TBI, of a regimen's kill, of a
        # depletion, as the B-cell pool); plasma cells carry no class, so conditioning spares them (radio- and
        # chemoresistant: docs/immunity.md, "Immune memory under conditioning")
        act = m.compartment(f"{a}_activated_b", f"{a}-specific activated B cells (AU)", 0.0, "antigen_specific",
                            *B_LYMPHOCYTE_TAGS)
        pb = m.compartment(f"{a}_plasmablasts", f"{a}-specific plasmablasts (AU)", 0.0, "antigen_specific",
                           *PLASMABLAST_TAGS)
        mem = m.compartment(f"{a}_memory_b", f"{a}-specific memory B cells (AU)", 0.0, "antigen_specific",
                            *B_LYMPHOCYTE_TAGS)
        llpc = m.compartment(f"{a}_long_lived_pc", f"{a}-specific long-lived plasma cells (AU)", 0.0,
                             "antigen_specific")
        igg = m.compartment(f"{a}_igg", f"{a}-specific IgG (AU)", 0.0, "antibody")
        # help: the patient's blood counts of B cells, naive CD4 T cells (a new antigen) and memory CD4 T cells
        # (a recall), each relative to the healthy reference adult's, so fewer cells give a weaker response.
        # Slopes (per-patient arrays in a cohort) turn whole-body pools into blood counts per uL.
        ref = reference_blood_counts()
        per_ul = p("lymphocyte_blood_fraction") / (ctx.blood_volume_L * 1e6)
        used = ("lymphocyte_blood_fraction",)
        m.signals += [Signal(f"{a}_b_help", {"b_cells": 1.0}), Signal(f"{a}_naive_cd4_help", {"naive_cd4": 1.0}),
                      Signal(f"{a}_memory_cd4_help", {"cm_cd4": 1.0, "em_cd4": 1.0}),
                      Signal(f"{a}_antigen_level", {ag: 1.0})]
        k_b, k_cd4 = "vaccine_b_help_half_saturation_per_uL", "vaccine_cd4_help_half_saturation_per_uL"
        m.feedbacks += [
            _saturating_help(f"{a}_b_availability", f"{a}_b_help", ref["b"], p(k_b), per_ul, (*used, k_b)),
            _saturating_help(f"{a}_naive_cd4_help", f"{a}_naive_cd4_help", ref["naive_cd4"], p(k_cd4), per_ul,
                             (*used, k_cd4)),
            _saturating_help(f"{a}_memory_cd4_help", f"{a}_memory_cd4_help", ref["memory_cd4"], p(k_cd4), per_ul,
                             (*used, k_cd4)),
            Feedback(f"{a}_antigen_drive", FeedbackKind.LINEAR, (1.0,), signal=f"{a}_antigen_level"),
        ]
        # the expansion's antigen gate Ag/(K + Ag); K = 0 is its limit, a gate always open (no factor built): activated
        # cells divide without antigen, a burst a larger dose does not prolong (branch humdose37's law b)
        k_exp = p("vaccine_antigen_half_saturation_au")
        expansion_gate: tuple[str, ...] = ()
        if _law_on(k_exp, "vaccine_antigen_half_saturation_au"):
            m.feedbacks.append(Feedback(f"{a}_antigen_saturation", FeedbackKind.EMAX, (1.0, k_exp, 1.0),
                                        signal=f"{a}_antigen_level", offset=-1.0,
                                        parameters=("vaccine_antigen_half_saturation_au",)))
            expansion_gate = (f"{a}_antigen_saturation",)
        # recruitment saturating in antigen, 1/(1 + s_rec Ag) = K_rec/(K_rec + Ag), s_rec = 1/K_rec: entry limited by
        # T-cell help (branch humdose37's law a); s = 0 (K_rec infinite) is the law before, linear (no factor built)
        s_rec = p("vaccine_recruitment_saturation_per_au")
        recruitment_saturation: tuple[str, ...] = ()
        if _law_on(s_rec, "vaccine_recruitment_saturation_per_au"):
            m.feedbacks.append(Feedback(f"{a}_recruitment_saturation", FeedbackKind.EMAX,
                                        (-1.0, 1.0 / s_rec, 1.0),
                                        signal=f"{a}_antigen_level",
                                        parameters=("vaccine_recruitment_saturation_per_au",)))
            recruitment_saturation = (f"{a}_recruitment_saturation",)
        # antibody feedback (epitope masking; Zhang et al. 2013, J Exp Med 210:457): specific IgG covers the antigen,
        # so B cells see K/(K + IgG) of it. Negligible after a vaccine (tens of AU); it bounds the memory-recall loop
        # (activated -> memory -> recalled, memory kept) under antigen that persists, which otherwise grows without end
        m.signals.append(Signal(f"{a}_igg_level", {igg: 1.0}))
        m.feedbacks.append(Feedback(f"{a}_epitope_masking", FeedbackKind.EMAX,
                                    (-1.0, p("antibody_feedback_half_max_au"), 1.0), signal=f"{a}_igg_level",
                                    parameters=("antibody_feedback_half_max_au",)))
        masked = (f"{a}_epitope_masking",)
        k_ag = math.log(2) / p("vaccine_antigen_half_life_days")
        m.flow(f"{a}_antigen_clearance", "clearance", ag, None, k_ag, parameters=("vaccine_antigen_half_life_days",))
        m.flow(f"{a}_b_recruitment", "activation", ag, act, p("vaccine_b_recruitment_per_au_day"), consume=0.0,
               feedbacks=(f"{a}_b_availability", f"{a}_naive_cd4_help", *recruitment_saturation, *masked),
               parameters=("vaccine_b_recruitment_per_au_day",))
        # primary (recruited naive B cells) and recall (recalled memory B cells) responses: one activated pool and one
        # plasmablast pool while their plasmablasts share one fate (the model as it was); pools of their own when the
        # recall's plasmablasts have other plasma-cell shares (docs/immunity.md, "Plasma cells: three time scales")
        names = PLASMA_CELL_SHARES
        shares = {origin: (p(long_lived), p(short_lived)) for origin, (long_lived, short_lived) in names.items()}
        for origin, (f_l, f_s) in shares.items():  # each share has bounds 0-1, their sum not: more cells than ended
            total = np.asarray(f_l, dtype=float) + np.asarray(f_s, dtype=float)
            problem = plasma_cell_shares_problem(names[origin], np.ravel(total).tolist())
            if problem:
                raise ValueError(problem)
        pools = {"primary": (a, act, pb)}
        if any(np.any(np.asarray(x) != np.asarray(y)) for x, y in zip(*shares.values(), strict=True)):
            pools["recall"] = (f"{a}_recall",
                               m.compartment(f"{a}_recall_activated_b",
                                             f"{a}-specific activated B cells recalled from memory (AU)", 0.0,
                                             "antigen_specific", *B_LYMPHOCYTE_TAGS),
                               m.compartment(f"{a}_recall_plasmablasts",
                                             f"{a}-specific plasmablasts of recalled memory B cells (AU)", 0.0,
                                             "antigen_specific", *PLASMABLAST_TAGS))
        slpc = None  # short-lived plasma cells: a state only where a share makes them
        if any(np.any(np.asarray(f_s) > 0.0) for _, f_s in shares.values()):
            slpc = m.compartment(f"{a}_short_lived_pc", f"{a}-specific short-lived plasma cells (AU)", 0.0,
                                 "antigen_specific")
        m.flow(f"{a}_memory_recall", "activation", mem, pools.get("recall", pools["primary"])[1],
               p("vaccine_memory_recall_per_au_day"), consume=0.0,
               feedbacks=(f"{a}_antigen_drive", f"{a}_memory_cd4_help", *masked),
               parameters=("vaccine_memory_recall_per_au_day",))
        # memory maturation (docs/immunity.md, "Memory B-cell maturation"): new memory B cells pass through a
        # maturing pool that cannot be recalled and become recallable at rate 1/tau_mat; tau_mat = 0 is the direct flow
        tau_mat = p("memory_b_maturation_days")
        new_memory = mem
        if np.any(np.asarray(tau_mat) != 0.0):
            if np.any(np.asarray(tau_mat) <= 0.0):
                raise ValueError("memory_b_maturation_days: every patient's value must be > 0, or all must be 0 "
                                 "(no maturation)")
            new_memory = m.compartment(f"{a}_maturing_memory_b",
                                       f"{a}-specific memory B cells still maturing, not yet recallable (AU)", 0.0,
                                       "antigen_specific", *B_LYMPHOCYTE_TAGS)
        tau_pb = p("plasmablast_lifetime_days")
        delta = p("vaccine_b_differentiation_per_day")
        mfrac = p("vaccine_memory_fraction")
        differentiation = ("vaccine_b_differentiation_per_day", "vaccine_memory_fraction")
        for origin, (prefix, activated, blasts) in pools.items():
            (f_llpc, f_slpc), (llpc_share, slpc_share) = shares[origin], names[origin]
            m.flow(f"{prefix}_b_expansion", "proliferation", activated, activated, p("vaccine_b_expansion_per_day"),
                   consume=0.0, feedbacks=(*expansion_gate, *masked),
                   parameters=("vaccine_b_expansion_per_day",))
            m.flow(f"{prefix}_to_plasmablasts", "differentiation", activated, blasts, delta * (1.0 - mfrac),
                   parameters=differentiation)
            m.flow(f"{prefix}_to_memory", "differentiation", activated, new_memory, delta * mfrac,
                   parameters=differentiation)
            # a plasmablast's end: the share f to long-lived plasma cells, f_s to short-lived ones, the rest die
            m.flow(f"{prefix}_plasmablast_end", "death", blasts, llpc, 1.0 / tau_pb, yield_=f_llpc,
                   parameters=("plasmablast_lifetime_days", llpc_share))
            if slpc is not None:
                m.flow(f"{prefix}_plasmablast_to_slpc", "differentiation", blasts, slpc, 1.0 / tau_pb, consume=0.0,
                       yield_=f_slpc, parameters=("plasmablast_lifetime_days", slpc_share))
        if new_memory != mem:
            m.flow(f"{a}_memory_maturation", "maturation", new_memory, mem, 1.0 / tau_mat,
                   parameters=("memory_b_maturation_days",))
        k_llpc = math.log(2) / (p("long_lived_plasma_cell_half_life_years") * DAYS_PER_YEAR)
        m.flow(f"{a}_llpc_death", "death", llpc, None, k_llpc, parameters=("long_lived_plasma_cell_half_life_years",))
        plasmablasts = [blasts for _, _, blasts in pools.values()]
        secreting = [*plasmablasts, llpc]
        if slpc is not None:
            m.flow(f"{a}_slpc_death", "death", slpc, None, math.log(2) / p("short_lived_plasma_cell_half_life_days"),
                   parameters=("short_lived_plasma_cell_half_life_days",))
            secreting.append(slpc)
        s = p("antibody_secretion_au_per_cell_day")
        for src in secreting:
            m.flow(f"{src}_secretion", "secretion", src, igg, s, consume=0.0,
                   parameters=("antibody_secretion_au_per_cell_day",))
        m.flow(f"{a}_igg_catabolism", "catabolism", igg, None, math.log(2) / p("igg_half_life_days"),
               parameters=("igg_half_life_days",))
        circulate_as_lymphocytes(ctx, m)
        memory_observed = dict.fromkeys((mem, new_memory), 1.0)
        m.observables += [
            Observable(f"{a}_igg_au", "AU", f"{a}-specific IgG", {igg: 1.0}),
            Observable(f"{a}_plasmablasts_au", "AU", f"{a}-specific plasmablasts (antibody-secreting cells)",
                       dict.fromkeys(plasmablasts, 1.0)),
            Observable(f"{a}_memory_b_au", "AU", f"{a}-specific memory B cells (maturing and recallable)",
                       memory_observed),
        ]
        return m, {}


def with_humoral_response(module: Module, antigen: str, ctx: BuildContext) -> Module:
    """``module`` joined with the humoral response to ``antigen`` (a pathogen carries its own: its antigen feeds
    it and its IgG acts on the pathogen; a vaccine block with the same antigen doses the same response)."""
    humoral, _ = VaccineResponse(antigen).extend(ctx)
    module.compartments += humoral.compartments
    module.flows += humoral.flows
    module.signals += humoral.signals
    module.feedbacks += humoral.feedbacks
    module.observables += humoral.observables
    return module
