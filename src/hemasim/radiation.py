"""Total-body irradiation: linear-quadratic cell kill per compartment class, one event per fraction.

Each compartment belongs to the first class whose tag it carries (order of :data:`CLASSES`); a
fraction of ``dose_Gy`` leaves SF = exp(-alpha d - beta d^2) of its cells. Post-mitotic marrow and
blood cells (no class) are spared. Values: :mod:`hemasim.parameters.sets.radiobiology`.

Lethally hit blood lymphocytes do not all leave at the fraction (PubMed 3303160: half within hours, half with a
half-time of 30 h): with :class:`IrradiatedLymphocytes` in the model, the share ``dying_share`` of a lymphocyte
pool's killed cells moves into the pool's dying copy (``irradiated_<pool>``), which the blood counts read and which
is cleared at that half-time (docs/chimerism.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hemasim.events import Event, thin_clonotypes
from hemasim.model.compiled import CompiledModel
from hemasim.model.core import Module
from hemasim.model.dying import DYING, DYING_TAG, dying_pairs
from hemasim.model.sbml_events import Assignment, number, sbml_event_form, scaled_assignments
from hemasim.parameters import ParameterSet

if TYPE_CHECKING:
    from hemasim.biology.builder import BuildContext

__all__ = ["CLASSES", "DYING", "IrradiatedLymphocytes", "RadiationFraction", "dying_share_from_parameters",
           "fraction_days", "lq_from_parameters"]

#: (class, tags that put a compartment in it), checked in this order.
CLASSES: tuple[tuple[str, frozenset[str]], ...] = (
    ("hsc", frozenset({"hsc"})),
    ("progenitor", frozenset({"progenitor", "precursor", "endomitotic"})),
    ("lymphoid", frozenset({"lymphocyte", "thymus", "b_cell", "nk", "t_cell"})),
)


def lq_from_parameters(params: ParameterSet) -> tuple[tuple[str, float, float], ...]:
    """(class, alpha per Gy, beta per Gy^2) from a parameter set."""
    return tuple((c, float(params.value(f"radiosensitivity_alpha_{c}_per_Gy")),
                  float(params.value(f"radiosensitivity_beta_{c}_per_Gy2")))
                 for c, _ in CLASSES)


def dying_share_from_parameters(params: ParameterSet) -> float:
    """The share of a fraction's lethally hit lymphocytes that stays in blood as dying cells (1 - the fast loss)."""
    return 1.0 - float(params.value("irradiated_lymphocyte_fast_loss_share"))


class IrradiatedLymphocytes:
    """Model extension of irradiation: a dying copy of each blood lymphocyte pool (empty until a fraction), counted
    in the blood counts where its pool is and nowhere else, cleared at ln 2 / the blood half-life; no other flow."""

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        m = Module("irradiated_lymphocytes")
        # the fractions (events) read the linear-quadratic values and the fast loss from the parameter set, not
        # through this context: recorded as used here, built for every scenario that irradiates, so run.json, the
        # report's parameters and its references list what sets the kill (after 4 Gy they listed the dying cells'
        # half-life alone, and no Kimler 1985; ux34)
        ctx.used.update([*(f"radiosensitivity_{ab}_{c}_per_{unit}" for c, _ in CLASSES
                           for ab, unit in (("alpha", "Gy"), ("beta", "Gy2"))),
                         "irradiated_lymphocyte_fast_loss_share"])
        rate = np.log(2.0) / ctx.p("irradiated_lymphocyte_blood_half_life_days")
        for pool in ctx.lymphocyte_pools:
            dying = m.compartment(DYING + pool, f"lethally hit cells of {pool}, dying in the blood counts",
                                  0.0, DYING_TAG)
            ctx.blood_share[dying] = ctx.blood_share[pool]  # a blood loss takes them as it takes the pool
            m.flow(f"{dying}_clearance", "death", dying, None, rate,
                   parameters=("irradiated_lymphocyte_blood_half_life_days",))
            m.counted_as[dying] = pool
        return m, {}


def fraction_days(start_day: float, fractions: int, per_day: int, hours_between: float) -> list[float]:
    """Days of each fraction: ``per_day`` fractions a day, ``hours_between`` apart, on consecutive days."""
    return [start_day + i // per_day + (i % per_day) * hours_between / 24.0 for i in range(fractions)]


def lq_surviving_fraction(alpha_per_Gy: float, beta_per_Gy2: float, dose_Gy: float) -> float:
    """The linear-quadratic law: the share of cells surviving one fraction of ``dose_Gy``."""
    return float(np.exp(-alpha_per_Gy * dose_Gy - beta_per_Gy2 * dose_Gy**2))


@dataclass(frozen=True)
class RadiationFraction(Event):
    dose_Gy: float
    lq: tuple[tuple[str, float, float], ...]  # (class, alpha, beta)
    #: share of a lymphocyte pool's killed cells that moves into its dying copy, where the model has one
    dying_share: float

    def surviving_fractions(self, model: CompiledModel) -> np.ndarray:
        """Per state: the fraction of its cells surviving this fraction (1 for spared compartments)."""
        by_class = {c: lq_surviving_fraction(a, b, self.dose_Gy) for c, a, b in self.lq}
        sf = np.ones(model.n_states)
        for i, tags in enumerate(model.state_tags):
            for cls, cls_tags in CLASSES:
                if tags & cls_tags:
                    sf[i] = by_class[cls]
                    break
        return sf

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        sf = self.surviving_fractions(model)
        y = x * sf
        for pool, dying in dying_pairs(model):  # the killed cells of a pool, not the dying ones (already dead)
            y[..., dying] += (1.0 - sf[pool]) * self.dying_share * x[..., pool]
        return thin_clonotypes(model, x, y)


# the SBML form of a fraction, registered with the event class (hemasim.export_sbml)
@sbml_event_form(RadiationFraction)
def _radiation_fraction(model: CompiledModel, event: RadiationFraction) -> list[Assignment]:
    sf = event.surviving_fractions(model)
    out = scaled_assignments(model, {int(i): float(sf[i]) for i in np.nonzero(sf < 1.0)[0]})
    names = model.state_names
    return out + [(names[dying], f"{names[dying]} + {number((1.0 - sf[pool]) * event.dying_share)} dimensionless * "
                                 f"{names[pool]}") for pool, dying in dying_pairs(model)]
