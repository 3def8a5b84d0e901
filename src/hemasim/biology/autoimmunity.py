"""Autoimmune disease as autoreactive memory, and its reset (a :class:`~hemasim.biology.ModelExtension`;
``patient.autoimmune_disease`` in a scenario adds it).

Autoreactive memory CD4 T cells A (arbitrary units, 1 = the chronic disease set point) are sustained by
self antigen: they proliferate at rho K/(K + A) per cell and die at the effector-memory rate d, so

    d A/dt = rho A K / (K + A) - d A,     rho = d + g,  K = d / g   (A* = 1),

with g the net expansion rate when few are left. Disease activity is A (relative to untreated chronic
disease). Lymphoablation (cyclophosphamide, ATG, irradiation: the lymphoid class of the conditioning
regimens) kills autoreactive cells with the other lymphocytes; what survives re-expands over years
(relapse), while the thymus regrows a naive repertoire (``cd4_clonotypes``, the richness of the healthy
model). New autoreactive cells are not recruited from the renewed repertoire (the immune-reset
hypothesis: it is tolerant). Every parameter is assumed (:mod:`hemasim.parameters.sets.autoimmunity`):
outcomes are qualitative (reset versus continued disease; when surviving memory would return).
Multiple sclerosis and rheumatoid arthritis share the model; only their names differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from hemasim.biology.builder import BuildContext
from hemasim.model.compiled import DAYS_PER_YEAR
from hemasim.model.core import Feedback, FeedbackKind, Module, Observable, Signal

__all__ = ["DISEASES", "AutoimmuneDisease", "autoreactive_state"]

DISEASES = ("multiple_sclerosis", "rheumatoid_arthritis")


def autoreactive_state(disease: str) -> str:
    return f"{disease}_autoreactive_memory"


@dataclass(frozen=True)
class AutoimmuneDisease:
    disease: str = "multiple_sclerosis"

    def __post_init__(self) -> None:
        if self.disease not in DISEASES:
            raise ValueError(f"unknown autoimmune disease {self.disease!r}; allowed: {', '.join(DISEASES)}")

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        n, p = self.disease, ctx.p
        m = Module(f"autoimmunity_{n}")
        # lymphocyte-tagged, so conditioning, irradiation and depletion kill it with the other lymphocytes
        a = m.compartment(autoreactive_state(n), f"{n}: autoreactive memory CD4 T cells (1 = chronic disease)",
                          1.0, "lymphocyte", "t_cell", "autoreactive")
        d = p("em_cd4_death_rate_per_day")
        g = p("autoreactive_net_growth_per_year") / DAYS_PER_YEAR
        used = ("em_cd4_death_rate_per_day", "autoreactive_net_growth_per_year")
        m.signals.append(Signal(f"{n}_autoreactive_pool", {a: 1.0}))
        m.feedbacks.append(Feedback(f"{n}_self_antigen_limit", FeedbackKind.EMAX, (-1.0, d / g, 1.0),
                                    signal=f"{n}_autoreactive_pool", parameters=used))
        m.flow(f"{n}_autoreactive_expansion", "proliferation", a, a, d + g, consume=0.0,
               feedbacks=(f"{n}_self_antigen_limit",), parameters=used)
        m.flow(f"{n}_autoreactive_death", "death", a, None, d, parameters=("em_cd4_death_rate_per_day",))
        m.observables.append(Observable(f"{n}_activity", "1", f"{n}: disease activity relative to untreated "
                                        "chronic disease (autoreactive memory)", {a: 1.0}))
        return m, {}
