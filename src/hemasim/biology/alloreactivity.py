"""Donor T-cell alloreactivity against host haematopoiesis (graft-versus-host haematopoiesis) and the
post-transplant immunosuppression that restrains it (docs/chimerism.md).

Donor T cells recognise host (minor histocompatibility) antigens on the host's haematopoietic and lymphoid
cells and kill them; this converts mixed chimerism into full donor chimerism, and a donor lymphocyte
infusion exploits it. Each host stem, progenitor and lymphocyte pool C loses cells at

    kill_C = k_gvh * (D / D_ref) * prod_i (1 - inhibition_i * window_i(t)) * x_C__host     (cells/day)

with D the donor memory T cells (central and effector memory CD4, memory CD8: primed cells carry the
alloreactive effector function; thymic emigrants of the donor are educated on the host and are not
counted until they become memory cells), D_ref the same pools of the healthy reference adult, and each
immunosuppression course a window that removes ``inhibition`` of the kill while it lasts.

The host's CD4 clonotype richness K is killed per clonotype at r K / N (N the host CD4 cells, r the per-cell kill
rate above): a clonotype is lost only with its last cell, the model's depletion rule
(:func:`hemasim.events.thin_clonotypes`), in the exact continuous form for geometric clone sizes of mean N / K
(docs/chimerism.md derives it).

The kill flows act on host copies only and the signal sums donor copies only
(:data:`hemasim.biology.origins.HOST_ONLY_FLOW_KINDS`, :data:`~hemasim.biology.origins.DONOR_SIGNAL_SUFFIX`),
so this extension belongs to the host/donor model (a scenario with a graft).
"""

from __future__ import annotations

from dataclasses import dataclass

from hemasim.biology import reference_adult_model
from hemasim.biology.builder import BuildContext
from hemasim.biology.origins import DONOR_SIGNAL_SUFFIX, GVH_KILL, HOST_SIGNAL_SUFFIX
from hemasim.model.core import Feedback, FeedbackKind, Module, Signal

__all__ = ["ALLOREACTIVE_POOLS", "GVH_TARGETS", "GraftVersusHaematopoiesis", "Immunosuppression",
           "gvh_flow_name"]

#: the donor T pools whose cells carry alloreactivity (memory/effector)
ALLOREACTIVE_POOLS = ("cm_cd4", "em_cd4", "memory_cd8")
#: host compartments donor T cells kill: stem and progenitor cells (host output then fades in every lineage)
#: and the host's own lymphocytes (long-lived: without the kill, host T cells persist for years), with the markers
#: their CD4 cells carry: TREC-like (per cell) and the CD4 clonotype richness (per clonotype at r K / N, the
#: depletion rule: CLONOTYPES below). Without the clonotypes here a year after a Flu/TBI 2 Gy graft the host kept
#: 5e7 clonotypes in 1.8e5 CD4 cells (branch bio35)
GVH_TARGETS = ("hsc", "st_hspc", "mpp", "blood_hspc", "clp", "naive_cd4", "cm_cd4", "em_cd4", "naive_cd8",
               "memory_cd8", "trec_cd4", "cd4_clonotypes", "b_cells", "nk_cells")
SIGNAL = f"alloreactive_t{DONOR_SIGNAL_SUFFIX}"
FEEDBACK = "gvh_donor_t_load"
#: the clonotype-richness target, its host CD4 cells and the two signals and feedbacks of its kill's K / N
CLONOTYPES = "cd4_clonotypes"
HOST_CD4_POOLS = ("naive_cd4", "cm_cd4", "em_cd4")
CLONOTYPE_SIGNAL = f"cd4_clonotypes{HOST_SIGNAL_SUFFIX}"
HOST_CD4_SIGNAL = f"cd4_t{HOST_SIGNAL_SUFFIX}"
CLONOTYPE_FEEDBACKS = ("gvh_host_cd4_clonotypes", "gvh_host_cd4_cells_inverse")


def gvh_flow_name(compartment: str) -> str:
    return f"gvh_kill_{compartment}"


@dataclass(frozen=True)
class GraftVersusHaematopoiesis:
    """Model extension: host haematopoietic and lymphoid cells killed at a rate proportional to the donor
    memory T cells (no flow moves while the donor has no T cells)."""

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        ref = reference_adult_model()
        d_ref = float(sum(ref.x0[ref.index(p)] for p in ALLOREACTIVE_POOLS))
        ctx.derive("gvh_reference_memory_t_cells", d_ref, "cells",
                   "memory T cells of the healthy reference adult (the donor T load at which the kill rate is "
                   "graft_versus_host_kill_rate_per_day)", (), "sum of the reference adult's cm_cd4, em_cd4 and "
                   "memory_cd8 pools at steady state")
        m = Module("graft_versus_haematopoiesis")
        m.signals.append(Signal(SIGNAL, {p: 1.0 for p in ALLOREACTIVE_POOLS}))
        m.feedbacks.append(Feedback(FEEDBACK, FeedbackKind.LINEAR, (1.0 / d_ref,), signal=SIGNAL,
                                    parameters=("gvh_reference_memory_t_cells",)))
        # a clonotype is lost with its last cell: with geometric clone sizes of mean N / K a share K / N of the
        # clonotypes are single cells, so the per-clonotype rate is r K / N (docs/chimerism.md). The floor of one
        # cell only keeps 1/N finite once the host has no CD4 cells (then K <= N < 1 too)
        m.signals.append(Signal(CLONOTYPE_SIGNAL, {CLONOTYPES: 1.0}))
        m.signals.append(Signal(HOST_CD4_SIGNAL, {p: 1.0 for p in HOST_CD4_POOLS}))
        m.feedbacks.append(Feedback(CLONOTYPE_FEEDBACKS[0], FeedbackKind.LINEAR, (1.0,), signal=CLONOTYPE_SIGNAL))
        m.feedbacks.append(Feedback(CLONOTYPE_FEEDBACKS[1], FeedbackKind.POWER, (1.0, -1.0, 1.0),
                                    signal=HOST_CD4_SIGNAL))
        rate = ctx.p("graft_versus_host_kill_rate_per_day")
        for c in GVH_TARGETS:
            m.flow(gvh_flow_name(c), GVH_KILL, c, None, rate,
                   feedbacks=(FEEDBACK, *CLONOTYPE_FEEDBACKS) if c == CLONOTYPES else (FEEDBACK,),
                   parameters=("graft_versus_host_kill_rate_per_day",))
        return m, {}


@dataclass(frozen=True)
class Immunosuppression:
    """Model extension: a course of post-transplant immunosuppression removes ``inhibition`` of the
    alloreactive kill from ``start_day`` to ``end_day``, then tapers to none in ``taper_steps`` equal steps
    over ``taper_days``. Needs :class:`GraftVersusHaematopoiesis` in the same model."""

    name: str
    start_day: float
    end_day: float
    inhibition: float | None = None  # None: the parameter immunosuppression_alloreactivity_inhibition
    taper_days: float = 0.0
    taper_steps: int = 4

    def phases(self, inhibition: float) -> list[tuple[float, float, float]]:
        """(start, end, inhibition) windows: the full course, then the taper's steps."""
        out = [(self.start_day, self.end_day, inhibition)]
        if self.taper_days > 0:
            step = self.taper_days / self.taper_steps
            for i in range(self.taper_steps):
                level = inhibition * (1.0 - (i + 0.5) / self.taper_steps)  # each step at its midpoint
                out.append((self.end_day + i * step, self.end_day + (i + 1) * step, level))
        return out

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        m = Module(f"immunosuppression_{self.name}")
        inhibition = (ctx.p_shared("immunosuppression_alloreactivity_inhibition") if self.inhibition is None
                      else self.inhibition)
        names = []
        for k, (start, end, level) in enumerate(self.phases(inhibition)):
            fb = f"immunosuppression_{self.name}_{k}"
            # value = 1 - level inside [start, end), 1 outside
            m.feedbacks.append(Feedback(fb, FeedbackKind.WINDOW, (start, end), offset=1.0, scale=-level))
            names.append(fb)
        return m, {gvh_flow_name(c): tuple(names) for c in GVH_TARGETS}
