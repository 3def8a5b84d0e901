"""Bacterial infection: a replicating pathogen killed by neutrophils, and the inflammation that drives
emergency granulopoiesis (a :class:`~hemasim.biology.ModelExtension`; the ``infection`` scenario block
adds it and seeds the inoculum).

    d B/dt = g B (1 - B/B_max) x(B) - k_N ANC B / (1 + B/B_sat) - k_0 B          (bacteria, CFU)
    d I/dt = a B / (B + K_I) - ln2 I / T_I                                        (inflammation, AU)

x(B) = B^h / (B^h + B_ext^h), B_ext = 1 CFU, is an extinction gate: below one bacterium in the body nothing
divides, so a cleared infection's residue cannot grow back when the ANC falls later (issue virus31).
Phagocytosis saturates (B_sat), so a small inoculum is cleared by the resting neutrophils while a
larger one grows until inflammation has raised the neutrophil count. Inflammation stimulates
neutrophil production (input of new progenitors x (1 + E_p I/(I + I_50))), the release of the
marrow reserve (every post-mitotic maturation transit x (1 + E_r I/(I + I_50))) and the egress of
stem and progenitor cells into blood (x (1 + E_m I/(I + I_50)): mobilisation), as G-CSF and IL-6
do. Killing is proportional to the circulating neutrophils, so a neutropenic patient clears later or
not at all. Bacteria also feed the humoral response to their antigen (the vaccine model of the same
name), whose IgG opsonises: killing x (1 + IgG/(IgG + IgG_50)), at most doubled at low loads, so a second
infection, or one after a vaccine, is cleared faster. Opsonised bacteria saturate the phagocytes only at a
higher load (B_op > B_sat), so once the ANC and the antibody have risen, a load that had escaped saturated
phagocytes is cleared. Every parameter is assumed (:mod:`hemasim.parameters.sets.infection_kinetics`): outcomes
are qualitative (who clears, in which order), not predictions of clearance days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hemasim.biology.builder import BuildContext
from hemasim.biology.vaccine import antigen_state, with_humoral_response
from hemasim.model.core import Feedback, FeedbackKind, Module, Observable, Signal

__all__ = ["BacterialInfection", "pathogen_state"]


def pathogen_state(name: str) -> str:
    return f"{name}_bacteria"


@dataclass(frozen=True)
class BacterialInfection:
    name: str = "bacteria"

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        n, p = self.name, ctx.p
        m = Module(f"infection_{n}")
        bac = m.compartment(pathogen_state(n), f"{n}: live bacteria (CFU)", 0.0, "pathogen")
        inflam = m.compartment(f"{n}_inflammation", f"{n}: inflammatory signal (G-CSF/IL-6-like, AU)", 0.0,
                               "inflammation")
        h = ctx.lineage("neutrophil")
        anc_per_cell = p("neutrophil_circulating_fraction") / (ctx.blood_volume_L * 1e9)
        m.signals += [Signal(f"{n}_load", {bac: 1.0}), Signal(f"{n}_inflammation_level", {inflam: 1.0})]
        half = p("inflammation_half_max_au")
        gains = ("inflammation_half_max_au",)
        m.feedbacks += [
            Feedback(f"{n}_carrying_capacity", FeedbackKind.LINEAR_INHIBITION,
                     (1.0 / p("bacteria_carrying_capacity_cfu"),), signal=f"{n}_load",
                     parameters=("bacteria_carrying_capacity_cfu",)),
            Feedback(f"{n}_anc", FeedbackKind.LINEAR, (anc_per_cell,), signal=h.signal,
                     parameters=("neutrophil_circulating_fraction",)),
            Feedback(f"{n}_phagocytic_saturation", FeedbackKind.EMAX, (-1.0, p("phagocytosis_half_saturation_cfu"), 1.0),
                     signal=f"{n}_load", parameters=("phagocytosis_half_saturation_cfu",)),
            Feedback(f"{n}_sensing", FeedbackKind.EMAX, (-1.0, p("inflammation_sensing_half_cfu"), 1.0),
                     signal=f"{n}_load", parameters=("inflammation_sensing_half_cfu",)),
            Feedback(f"{n}_production_drive", FeedbackKind.EMAX, (p("inflammation_production_max_gain"), half, 1.0),
                     signal=f"{n}_inflammation_level", parameters=("inflammation_production_max_gain", *gains)),
            Feedback(f"{n}_release_drive", FeedbackKind.EMAX, (p("inflammation_release_max_gain"), half, 1.0),
                     signal=f"{n}_inflammation_level", parameters=("inflammation_release_max_gain", *gains)),
            Feedback(f"{n}_mobilisation_drive", FeedbackKind.EMAX, (p("inflammation_mobilisation_max_gain"), half, 1.0),
                     signal=f"{n}_inflammation_level", parameters=("inflammation_mobilisation_max_gain", *gains)),
        ]
        # x(B) = B^h / (B^h + B_ext^h): the EMAX law with E_max 1, shifted by -1 (a smooth step at one CFU)
        m.feedbacks.append(Feedback(f"{n}_extinction_gate", FeedbackKind.EMAX,
                                    (1.0, p("bacteria_extinction_cfu"), p("pathogen_extinction_gate_hill")),
                                    signal=f"{n}_load", offset=-1.0,
                                    parameters=("bacteria_extinction_cfu", "pathogen_extinction_gate_hill")))
        m.flow(f"{n}_growth", "proliferation", bac, bac, p("bacteria_growth_per_day"), consume=0.0,
               feedbacks=(f"{n}_carrying_capacity", f"{n}_extinction_gate"), parameters=("bacteria_growth_per_day",))
        # k_N ANC B / (1 + B/B_sat): the EMAX law with E_max -1 is B_sat / (B_sat + B)
        m.flow(f"{n}_killed_by_neutrophils", "clearance", bac, None, p("neutrophil_kill_rate_per_anc_day"),
               feedbacks=(f"{n}_anc", f"{n}_phagocytic_saturation"), parameters=("neutrophil_kill_rate_per_anc_day",))
        m.flow(f"{n}_innate_clearance", "clearance", bac, None, p("innate_clearance_per_day"),
               parameters=("innate_clearance_per_day",))
        # the humoral response to the same antigen (hemasim.biology.vaccine, added with the infection): bacteria
        # feed its antigen, and its IgG opsonises, adding k_N ANC B / (1 + B/B_sat) IgG/(IgG + IgG_50) to the killing
        m.signals.append(Signal(f"{n}_opsonins", {f"{n}_igg": 1.0}))
        # bounded: opsonisation at most doubles phagocytic killing (E_max 1, half-maximal at IgG_50)
        m.feedbacks.append(Feedback(f"{n}_opsonisation", FeedbackKind.EMAX, (1.0, p("opsonisation_half_max_au"), 1.0),
                                    signal=f"{n}_opsonins", offset=-1.0, parameters=("opsonisation_half_max_au",)))
        m.flow(f"{n}_antigen_uptake", "signalling", bac, antigen_state(n), p("bacteria_antigen_dose_per_cfu_day"),
               consume=0.0, parameters=("bacteria_antigen_dose_per_cfu_day",))
        # opsonised bacteria are engulfed through Fc-gamma and complement receptors as well, so they saturate the
        # phagocytes at a higher load (B_op > B_sat): k_N ANC B IgG/(IgG + IgG_50) / (1 + B/B_op). Killing stays
        # proportional to the ANC; with B_op = B_sat a load that had escaped saturated phagocytes stayed at the
        # carrying capacity for good, whatever the ANC (17e9/L after docetaxel) and however much antibody
        m.feedbacks.append(Feedback(f"{n}_opsonised_saturation", FeedbackKind.EMAX,
                                    (-1.0, p("phagocytosis_opsonised_half_saturation_cfu"), 1.0), signal=f"{n}_load",
                                    parameters=("phagocytosis_opsonised_half_saturation_cfu",)))
        m.flow(f"{n}_opsonised_killing", "clearance", bac, None, p("neutrophil_kill_rate_per_anc_day"),
               feedbacks=(f"{n}_anc", f"{n}_opsonised_saturation", f"{n}_opsonisation"),
               parameters=("neutrophil_kill_rate_per_anc_day",))
        # a B / (B + K): rate a/K times B times K/(K + B)
        m.flow(f"{n}_sensed", "signalling", bac, inflam,
               p("inflammation_production_au_per_day") / p("inflammation_sensing_half_cfu"), consume=0.0,
               feedbacks=(f"{n}_sensing",), parameters=("inflammation_production_au_per_day",
                                                        "inflammation_sensing_half_cfu"))
        m.flow(f"{n}_inflammation_decay", "decay", inflam, None, math.log(2) / p("inflammation_half_life_days"),
               parameters=("inflammation_half_life_days",))
        m.observables += [
            Observable(f"{n}_cfu", "CFU", f"{n}: live bacteria", {bac: 1.0}),
            Observable(f"{n}_inflammation_au", "AU", f"{n}: inflammatory signal", {inflam: 1.0}),
        ]
        extra: dict[str, tuple[str, ...]] = {h.input_flow: (f"{n}_production_drive",),
                                             "hspc_egress": (f"{n}_mobilisation_drive",)}
        with_humoral_response(m, n, ctx)
        for f in h.maturation_flows[1:]:
            extra[f] = (f"{n}_release_drive",)
        return m, extra
