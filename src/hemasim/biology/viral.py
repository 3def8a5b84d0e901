"""Viral infection: a virus replicating in an epithelium, cleared by CD8 T-cell killing of infected cells
and neutralised by antibody (a :class:`~hemasim.biology.ModelExtension`; the ``viral_infection`` scenario
block adds it together with the humoral response to the same antigen, so a vaccine against the virus and
the infection share B-cell memory and IgG).

    d T/dt = r T (1 - (T + I)/T0) - beta T V                          (target cells)
    d I/dt = beta T V - delta I - k_E (P + E + M) I                  (infected cells; P = P_1 + ... + P_n)
    d V/dt = p I x(I) - c V - k_A IgG V                              (virus, TCID50/mL)
    d P_1/dt = k_r (N8/N8_ref) s(I) + k_m M s(I) - (rho + d_E) P_1   (programmed CD8, AU: n divisions to come)
    d P_i/dt = 2 rho P_(i-1) - (rho + d_E) P_i,  i = 2..n            (whatever the antigen)
    d E/dt = 2 rho P_n + rho E s(I) - d_E E                          (virus-specific CD8 effectors, AU)
    d M/dt = f d_E E - ln2 M / T_M                                   (memory CD8, AU)
    antigen for the B-cell response: kappa V (in vaccine doses per day); s(I) = I / (I + K_I)
    rho = g + d_E, n = round(D (rho + d_E))                          (derived: g, D cited, d_E assumed)
    extinction gate x(I) = I^h / (I^h + I_ext^h), I_ext = 1 infected cell

Below one infected cell (I is an absolute count in the upper respiratory tract, the model's only site; h is
pathogen_extinction_gate_hill) release vanishes, so a cleared infection is extinct: it
cannot regrow from the residue of 1e-12-1e-18 TCID50/mL the solver leaves, which it otherwise did once immunity
had waned (R0 above 1), into a chronic state of a fraction of one infected cell (issue virus31).

Primed naive and recalled memory CD8 T cells enter a programmed expansion (branch virus32): a fixed number of divisions
made whatever the antigen (Kaech & Ahmed 2001; van Stipdonk 2001), so the response peaks about two weeks after the
inoculum, after the infection, as the human yellow-fever-vaccine response does (Akondy 2017; Le 2015); programmed cells
kill (effector function within two days of priming), and the effectors keep an antigen-driven expansion rho s(I).
It leaves the course to clearance as it was (docs/immunity.md, known limitation).

Memory CD8 cells kill too (tissue-resident surveillance), which removes the low-level chronic state a
purely antigen-driven response leaves in a deterministic model. N8 is the patient's blood naive CD8
count (the reference adult's N8_ref), so a host without T cells
(SCID, early after a T-depleted graft) mounts no CD8 response; its infection ends only when the first wave has
exhausted the epithelium (extinct below one infected cell: before the gate it regrew from 0.06 cells and persisted). Parameters: :mod:`hemasim.parameters.sets.viral_kinetics` (Baccam 2006's kinetics, the CD8 response's
net expansion g (Le 2015) and its programme's duration D (Akondy 2017) cited; the division rate rho and the division
count n derived here from them with the assumed contraction d_E, so that varying d_E holds what was measured; the rest
assumed; qualitative).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hemasim.biology.builder import BuildContext
from hemasim.biology.vaccine import (
    antigen_state,
    circulate_as_lymphocytes,
    reference_blood_counts,
    with_humoral_response,
)
from hemasim.model.compiled import DAYS_PER_YEAR
from hemasim.model.core import Feedback, FeedbackKind, Module, Observable, Signal, Value

__all__ = ["CD8_T_CELL_TAGS", "ViralInfection", "virus_state"]

#: the tags of the virus-specific CD8 T cells: those of the CD8 pools (lymphoid class of TBI and of a regimen's kill)
CD8_T_CELL_TAGS = ("lymphocyte", "t_cell", "cd8")


def virus_state(name: str) -> str:
    return f"{name}_virus"


#: the records the CD8 division rate rho is derived from (branch cd8cite32: the records hold the cited quantities)
RHO_INPUTS = ("cd8_net_expansion_per_day", "cd8_contraction_per_day")


def _cd8_division_rate_and_count(ctx: BuildContext) -> tuple[Value, int]:
    """The CD8 division rate rho and the programme's division count n, derived from what the sources measured: Le
    2015's net growth g and Akondy 2017's two weeks D, with the assumed loss d_E. rho = g + d_E (a cell divides at rho
    and dies at d_E, so the population grows at g); a lineage takes 1/(rho + d_E) per division, so n = D (rho + d_E),
    rounded: n counts stages, a whole number, and a count shared by a cohort (a cohort that varies g, d_E or D per
    patient is refused, naming the parameter). Varying d_E moves rho and n with it and holds g and D."""
    if "cd8_programme_divisions" in ctx.derived_values:  # a second virus of the same model: the same derivation
        return ctx.derived_values["cd8_division_rate_per_day"], int(ctx.derived_values["cd8_programme_divisions"])
    g, d_e = ctx.p("cd8_net_expansion_per_day"), ctx.p("cd8_contraction_per_day")
    rho = ctx.derive("cd8_division_rate_per_day", g + d_e, "1/day",
                     "division rate of CD8 T cells in the programme and of effectors at full antigen (rho)", RHO_INPUTS,
                     "rho = cd8_net_expansion_per_day + cd8_contraction_per_day")
    days = ctx.p_shared("cd8_programme_days")
    exact = days * (ctx.p_shared("cd8_net_expansion_per_day") + 2.0 * ctx.p_shared("cd8_contraction_per_day"))
    count = round(exact)
    if count < 1:
        raise ValueError(f"the CD8 programme makes no division: cd8_programme_days x (rho + d_E) = {exact:.3g} rounds "
                         "to 0; lengthen cd8_programme_days or raise the rates")
    ctx.derive("cd8_programme_divisions", float(count), "1",
               "divisions of the CD8 programme (n, a whole number: its stages)",
               (*RHO_INPUTS, "cd8_programme_days"),
               f"n = round(cd8_programme_days x (rho + cd8_contraction_per_day)) = round({exact:.2f})")
    return rho, count


@dataclass(frozen=True)
class ViralInfection:
    """A viral infection named ``name`` (its antigen is the same name in vaccine blocks)."""

    name: str = "influenza"

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        n, p = self.name, ctx.p
        m = Module(f"viral_{n}")
        t0 = p("virus_target_cells")
        tgt = m.compartment(f"{n}_target_cells", f"{n}: uninfected target epithelial cells", t0, "pathogen")
        inf = m.compartment(f"{n}_infected_cells", f"{n}: infected epithelial cells", 0.0, "pathogen")
        vir = m.compartment(virus_state(n), f"{n}: free virus (TCID50/mL)", 0.0, "pathogen")
        # CD8 T cells: the tags of the CD8 pools, so that TBI, a regimen's lymphoid kill and a lymphocyte, T-cell or
        # CD8 depletion kill them with the others (branch bio35)
        eff = m.compartment(f"{n}_cd8_effectors", f"{n}-specific effector CD8 T cells (AU)", 0.0, "antigen_specific",
                            *CD8_T_CELL_TAGS)
        mem = m.compartment(f"{n}_cd8_memory", f"{n}-specific memory CD8 T cells (AU)", 0.0, "antigen_specific",
                            *CD8_T_CELL_TAGS)
        # the programme (branch virus32): a primed or recalled cell divides a fixed number of times whatever the antigen
        # (Kaech & Ahmed 2001; van Stipdonk 2001): stage i holds the cells that have divided i - 1 times in it; each
        # divides (rho, two daughters into the next stage) or dies (d_E), and the last division's daughters are effectors
        rho, divisions = _cd8_division_rate_and_count(ctx)
        prog = [m.compartment(f"{n}_stage{i + 1}_cd8_programmed", f"{n}-specific CD8 T cells in their programmed expansion "
                              f"(AU), division {i + 1} of {divisions} to come", 0.0, "antigen_specific",
                              *CD8_T_CELL_TAGS)
                for i in range(divisions)]
        igg = f"{n}_igg"  # from the humoral response (hemasim.biology.vaccine) to the same antigen
        per_ul = p("lymphocyte_blood_fraction") / (ctx.blood_volume_L * 1e6)
        m.signals += [Signal(f"{n}_epithelium", {tgt: 1.0, inf: 1.0}), Signal(f"{n}_viral_load", {vir: 1.0}),
                      Signal(f"{n}_infected", {inf: 1.0}), Signal(f"{n}_effectors", {eff: 1.0, mem: 1.0, **dict.fromkeys(prog, 1.0)}),
                      Signal(f"{n}_antibody", {igg: 1.0}), Signal(f"{n}_naive_cd8_help", {"naive_cd8": 1.0})]
        k_i = p("infected_cells_half_antigen")
        m.feedbacks += [
            Feedback(f"{n}_epithelial_crowding", FeedbackKind.LINEAR, (1.0 / t0,), signal=f"{n}_epithelium",
                     parameters=("virus_target_cells",)),
            Feedback(f"{n}_virus_contact", FeedbackKind.LINEAR, (1.0,), signal=f"{n}_viral_load"),
            Feedback(f"{n}_ctl_contact", FeedbackKind.LINEAR, (1.0,), signal=f"{n}_effectors"),
            Feedback(f"{n}_antibody_contact", FeedbackKind.LINEAR, (1.0,), signal=f"{n}_antibody"),
            # s(I) = I / (I + K): the EMAX law with E_max 1, shifted by -1
            Feedback(f"{n}_antigen_presentation", FeedbackKind.EMAX, (1.0, k_i, 1.0), signal=f"{n}_infected",
                     offset=-1.0, parameters=("infected_cells_half_antigen",)),
            # x(I) = I^h / (I^h + I_ext^h): the EMAX law with E_max 1, shifted by -1 (a smooth step at one cell)
            Feedback(f"{n}_extinction_gate", FeedbackKind.EMAX,
                     (1.0, p("virus_extinction_infected_cells"), p("pathogen_extinction_gate_hill")),
                     signal=f"{n}_infected", offset=-1.0,
                     parameters=("virus_extinction_infected_cells", "pathogen_extinction_gate_hill")),
            Feedback(f"{n}_naive_cd8_availability", FeedbackKind.LINEAR, (per_ul / reference_blood_counts()["naive_cd8"],),
                     signal=f"{n}_naive_cd8_help", parameters=("lymphocyte_blood_fraction",)),
        ]
        # logistic regrowth r T (1 - (T + I)/T0) as growth r T and crowding loss r T (T + I)/T0 (smooth, so the
        # steady-state solver sees no kink at T0)
        m.flow(f"{n}_epithelial_regrowth", "proliferation", tgt, tgt, p("target_cell_regeneration_per_day"),
               consume=0.0, parameters=("target_cell_regeneration_per_day",))
        m.flow(f"{n}_epithelial_crowding", "death", tgt, None, p("target_cell_regeneration_per_day"),
               feedbacks=(f"{n}_epithelial_crowding",), parameters=("target_cell_regeneration_per_day",))
        m.flow(f"{n}_infection", "infection", tgt, inf, p("virus_infectivity_per_tcid50_day"),
               feedbacks=(f"{n}_virus_contact",), parameters=("virus_infectivity_per_tcid50_day",))
        m.flow(f"{n}_infected_cell_death", "death", inf, None, p("infected_cell_death_per_day"),
               parameters=("infected_cell_death_per_day",))
        m.flow(f"{n}_killed_by_cd8", "clearance", inf, None, p("cd8_kill_per_au_day"), feedbacks=(f"{n}_ctl_contact",),
               parameters=("cd8_kill_per_au_day",))
        m.flow(f"{n}_virus_release", "production", inf, vir, p("virus_production_tcid50_per_cell_day"), consume=0.0,
               feedbacks=(f"{n}_extinction_gate",), parameters=("virus_production_tcid50_per_cell_day",))
        m.flow(f"{n}_virus_clearance", "clearance", vir, None, p("virus_clearance_per_day"),
               parameters=("virus_clearance_per_day",))
        m.flow(f"{n}_neutralisation", "clearance", vir, None, p("antibody_neutralisation_per_au_day"),
               feedbacks=(f"{n}_antibody_contact",), parameters=("antibody_neutralisation_per_au_day",))
        m.flow(f"{n}_antigen_uptake", "signalling", vir, antigen_state(n), p("virus_antigen_dose_per_tcid50_day"),
               consume=0.0, parameters=("virus_antigen_dose_per_tcid50_day",))
        m.flow(f"{n}_cd8_priming", "activation", None, prog[0], p("cd8_recruitment_au_per_day"),
               feedbacks=(f"{n}_antigen_presentation", f"{n}_naive_cd8_availability"),
               parameters=("cd8_recruitment_au_per_day",))
        # recalled memory cells enter the same programme (in mice memory and naive cells start dividing together, ~3 days
        # after infection: Whitmire 2008; the model has no onset delay for either). consume=0: the recalled cell stays
        # memory and seeds the programme too, as an asymmetric division would (Chang 2007; Ciocca 2012, rechallenged
        # memory cells; mice): docs/immunity.md gives the second infection with consume=1 beside it
        m.flow(f"{n}_cd8_recall", "activation", mem, prog[0], p("cd8_memory_recall_per_day"), consume=0.0,
               feedbacks=(f"{n}_antigen_presentation",), parameters=("cd8_memory_recall_per_day",))
        for stage, daughters in zip(prog, [*prog[1:], eff], strict=True):  # net rho - d_E, Le 2015's net doubling in 2 days
            m.flow(f"{stage}_division", "proliferation", stage, daughters, rho, yield_=2.0,
                   parameters=(*RHO_INPUTS, "cd8_programme_days"))  # the chain's length n comes from the duration
            m.flow(f"{stage}_death", "death", stage, None, p("cd8_contraction_per_day"),
                   parameters=("cd8_contraction_per_day",))
        m.flow(f"{n}_cd8_expansion", "proliferation", eff, eff, rho, consume=0.0,
               feedbacks=(f"{n}_antigen_presentation",), parameters=RHO_INPUTS)
        m.flow(f"{n}_cd8_contraction", "death", eff, mem, p("cd8_contraction_per_day"), yield_=p("cd8_memory_fraction"),
               parameters=("cd8_contraction_per_day", "cd8_memory_fraction"))
        m.flow(f"{n}_cd8_memory_loss", "death", mem, None,
               math.log(2) / (p("cd8_memory_half_life_years") * DAYS_PER_YEAR),
               parameters=("cd8_memory_half_life_years",))
        m.observables += [
            Observable(f"{n}_viral_load", "TCID50/mL", f"{n}: free virus", {vir: 1.0}),
            Observable(f"{n}_infected_cells", "cells", f"{n}: infected epithelial cells", {inf: 1.0}),
            Observable(f"{n}_cd8_effectors_au", "AU", f"{n}-specific effector CD8 T cells, in the programme and after it",
                       {eff: 1.0, **dict.fromkeys(prog, 1.0)}),
            Observable(f"{n}_cd8_programmed_au", "AU", f"{n}-specific CD8 T cells in their programmed expansion",
                       dict.fromkeys(prog, 1.0)),
            Observable(f"{n}_cd8_memory_au", "AU", f"{n}-specific memory CD8 T cells", {mem: 1.0}),
        ]
        circulate_as_lymphocytes(ctx, m)  # the CD8 cells; the humoral part sets its own
        return with_humoral_response(m, n, ctx), {}
