"""Iron for erythropoiesis (opt-in; docs/model.md, "Iron-limited erythropoiesis"): storage iron and plasma
(transferrin-bound) iron in mg, fed by dietary absorption (up-regulated as stores fall) and by the iron of senescent
red cells, drained by the marrow's haemoglobin synthesis, which is limited when plasma iron falls.

States (mg): S storage iron, T plasma iron. Fluxes (mg/day):

    absorption      A0 (1 + cA) / (1 + cA S/S0)            into T    cA = Amax/A0 - 1
    oral iron       Ao min(dose/D_sat, 1) (while taken)     into T    (hemasim.interventions.iron)
    obligatory loss A0 (T above a 1e-6 mg floor)            out of T  (constant: shed cells, skin, urine, menses)
    store release   kR S (1 + cR) / (1 + cR T/T0)           S -> T    cR = kRmax/kR - 1
    store uptake    kU T                                    T -> S    kU = kR S0/T0 (balance at rest)
    recycling       q (n/L) R_n                             into T    (iron of the red cells that age out)
    marrow uptake   q k P                                   out of T  (iron of the cells leaving the progenitor pool)

and the progenitor pool's proliferation is multiplied by the supply limit
    lim(T) = [T^h / (K^h + T^h)] (K^h + T0^h) / T0^h,   K = share x T0,
1 at rest. q = MCH x iron per g haemoglobin (mg per cell), R_n the last red-cell age stage, P the erythroid
progenitor pool, k its exit rate. S0 is the set point of the patient's sex, where absorption A0 equals the
obligatory loss; at rest every flux balances, so the red cells' course is the healthy model's exactly. The loss does
not fall with the stores (review33b: the law (A0/S0) S did, overstating recovery in deficiency by up to A0); only
absorption answers the stores. A red cell taken by a donation leaves with its iron (it never reaches the recycling
flux). A run's stores may start away from S0 (``iron_balance``'s ``storage_iron_mg``: :class:`IronStoresStart`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hemasim.biology.body import child_mch_factor
from hemasim.biology.builder import BuildContext
from hemasim.events import Event
from hemasim.model.compiled import CompiledModel
from hemasim.model.core import Compartment, Feedback, FeedbackKind, Module, Observable, Signal, Value, as_value
from hemasim.model.sbml_events import Assignment, number, sbml_event_form

STORAGE = "storage_iron_mg"
PLASMA = "plasma_iron_mg"
#: below this plasma iron (mg) the marrow's uptake law turns proportional to it, so plasma iron never goes negative
#: (a numerical guard: the supply limit holds plasma iron far above it)
PLASMA_FLOOR_MG = 1e-6
#: the healthy flow the supply limit multiplies
PROLIFERATION_FLOW = "erythroid_progenitor_proliferation"


def iron_per_red_cell_mg(ctx: BuildContext) -> Value:
    """Iron in one red cell, mg: the model's mean cell haemoglobin (the child's factor included) x iron per g."""
    mch_g = ctx.p("mean_cell_hemoglobin_pg") * child_mch_factor(ctx.p, ctx.patient) * 1e-12
    return mch_g * ctx.p("iron_per_hemoglobin_mg_per_g")


@dataclass(frozen=True)
class IronStoresStart(Event):
    """Storage iron set to ``storage_iron_mg`` (a run's start away from the set point: a depleted or a loaded
    donor; every patient of a cohort alike). The rest of the model starts from its steady state at the set point."""

    storage_iron_mg: float

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        y[..., model.index(STORAGE)] = self.storage_iron_mg
        return y

    def check(self, model: CompiledModel) -> None:
        if STORAGE not in model.state_names:
            raise ValueError("the iron stores' start needs the iron model (iron_balance or oral_iron)")


@sbml_event_form(IronStoresStart)
def _stores_start_sbml(model: CompiledModel, event: IronStoresStart) -> list[Assignment]:
    return [(STORAGE, f"{number(event.storage_iron_mg)} item")]


class IronBalance:
    """The iron model as a model extension, in balance at the cited stores of the patient's sex (its set point);
    a start away from them is an :class:`IronStoresStart` event on day 0."""

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        p = ctx.p
        m = Module("iron")
        s0, s_names = ctx.by_sex("storage_iron_male_mg", "storage_iron_female_mg")
        a0, a_names = ctx.by_sex("iron_absorption_male_mg_per_day", "iron_absorption_female_mg_per_day")
        a_max, amax_names = ctx.by_sex("iron_absorption_max_male_mg_per_day", "iron_absorption_max_female_mg_per_day")
        t0 = p("plasma_iron_mg")
        k_rel, k_rel_max = p("storage_iron_release_rate_per_day"), p("storage_iron_max_release_rate_per_day")
        k_up = k_rel * s0 / t0  # the store's balance at rest: uptake = release (the loss leaves from plasma)
        q = iron_per_red_cell_mg(ctx)
        m.compartments += [
            Compartment(STORAGE, "storage iron (ferritin and haemosiderin), mg", as_value(s0),
                        frozenset({"iron"}), unit="mg"),
            Compartment(PLASMA, "plasma (transferrin-bound) iron, mg", as_value(t0), frozenset({"iron"}), unit="mg")]
        handles = ctx.lineage("erythroid")
        exit_rate = p("erythroid_progenitor_exit_rate_per_day")
        n_blood = ctx.p_count("rbc_age_stages")
        k_age = n_blood / p("rbc_lifespan_days")
        m.signals += [Signal("iron_storage", {STORAGE: 1.0}), Signal("iron_plasma", {PLASMA: 1.0}),
                      Signal("iron_erythroid_progenitors", {handles.progenitor: 1.0})]
        # shared by a cohort: they set the feedback's offset and scale, which the compiled model holds once
        share, hill = ctx.p_shared("erythroid_iron_half_saturation_share"), ctx.p_shared("erythroid_iron_limit_hill")
        ceiling = 1.0 + share**hill  # (K^h + T0^h) / T0^h
        m.feedbacks += [
            Feedback("iron_absorption_regulation", FeedbackKind.HILL_RATIO, (s0, a_max / a0 - 1.0, 1.0),
                     signal="iron_storage", parameters=(*s_names, *a_names, *amax_names)),
            Feedback("iron_store_release_drive", FeedbackKind.HILL_RATIO, (t0, k_rel_max / k_rel - 1.0, 1.0),
                     signal="iron_plasma", parameters=("plasma_iron_mg", "storage_iron_release_rate_per_day",
                                                       "storage_iron_max_release_rate_per_day")),
            # 1/T (T above the floor) times P: with the flow's T, the marrow's uptake is q k P whatever T is
            Feedback("iron_plasma_inverse", FeedbackKind.POWER, (1.0, -1.0, PLASMA_FLOOR_MG), signal="iron_plasma"),
            Feedback("iron_erythroid_progenitor_count", FeedbackKind.LINEAR, (1.0,),
                     signal="iron_erythroid_progenitors"),
            # EMAX with emax 1: g = 1 + T^h/(K^h + T^h); value = ceiling (g - 1), 1 at T0
            Feedback("iron_supply_limit", FeedbackKind.EMAX, (1.0, share * t0, hill), signal="iron_plasma",
                     offset=-ceiling, scale=ceiling,
                     parameters=("plasma_iron_mg", "erythroid_iron_half_saturation_share",
                                 "erythroid_iron_limit_hill"))]
        m.flow("iron_absorption", "absorption", None, PLASMA, a0, feedbacks=("iron_absorption_regulation",),
               parameters=(*a_names, *amax_names, *s_names))
        # constant (Hunt 2009: men's excretion unrelated to their ferritin): times T and 1/T above the floor, so it
        # is A0 whatever the stores and plasma iron (and proportional to T below the floor: T never negative)
        m.flow("iron_obligatory_loss", "loss", PLASMA, None, a0, feedbacks=("iron_plasma_inverse",),
               parameters=a_names)
        m.flow("iron_store_release", "release", STORAGE, PLASMA, k_rel, feedbacks=("iron_store_release_drive",),
               parameters=("storage_iron_release_rate_per_day", "storage_iron_max_release_rate_per_day"))
        m.flow("iron_store_uptake", "storage", PLASMA, STORAGE, k_up,
               parameters=("storage_iron_release_rate_per_day", "plasma_iron_mg", *s_names))
        m.flow("iron_red_cell_recycling", "recycling", handles.blood[-1], PLASMA, k_age, consume=0.0, yield_=q,
               parameters=("rbc_lifespan_days", "rbc_age_stages", "iron_per_hemoglobin_mg_per_g",
                           "mean_cell_hemoglobin_pg"))
        m.flow("iron_marrow_uptake", "uptake", PLASMA, None, q * exit_rate,
               feedbacks=("iron_plasma_inverse", "iron_erythroid_progenitor_count"),
               parameters=("erythroid_progenitor_exit_rate_per_day", "iron_per_hemoglobin_mg_per_g",
                           "mean_cell_hemoglobin_pg"))
        n_mat = ctx.p_count("erythroblast_maturation_stages")
        red_cells = [*(f"erythroid_maturing_{i + 1}" for i in range(n_mat)), *handles.blood]
        m.observables += [
            Observable("storage_iron_mg", "mg", "storage iron", {STORAGE: 1.0}),
            Observable("plasma_iron_mg", "mg", "plasma (transferrin-bound) iron", {PLASMA: 1.0}),
            Observable("serum_ferritin_ug_per_L", "ug/L", "serum ferritin read from storage iron (8 mg per ug/L)",
                       {STORAGE: 1.0 / p("storage_iron_mg_per_ferritin_ug_per_L")}),
            Observable("body_iron_mg", "mg", "storage, plasma and red-cell iron (maturing and circulating)",
                       {STORAGE: 1.0, PLASMA: 1.0, **dict.fromkeys(red_cells, q)}),
            Observable("iron_absorbed_mg_per_day", "mg/day", "dietary iron absorbed per day",
                       fluxes={"iron_absorption": 1.0}),
            Observable("iron_lost_mg_per_day", "mg/day", "obligatory iron loss per day (constant: A0)",
                       fluxes={"iron_obligatory_loss": 1.0}),
            # the erythron iron turnover: the ferrokinetic measure of marrow red-cell production (branch iron33b)
            Observable("marrow_iron_uptake_mg_per_day", "mg/day", "iron taken up by the erythroid marrow per day",
                       fluxes={"iron_marrow_uptake": 1.0}),
        ]
        return m, {PROLIFERATION_FLOW: ("iron_supply_limit",)}
