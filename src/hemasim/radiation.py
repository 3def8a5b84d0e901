"""Total-body irradiation: linear-quadratic cell kill per compartment class, one event per fraction.

Each compartment belongs to the first class whose tag it carries (order of :data:`CLASSES`); a
fraction of ``dose_Gy`` leaves SF = exp(-alpha d - beta d^2) of its cells. Post-mitotic marrow and
blood cells (no class) are spared. Values: :mod:`hemasim.parameters.sets.radiobiology`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hemasim.events import Event, thin_clonotypes
from hemasim.model.compiled import CompiledModel
from hemasim.model.sbml_events import Assignment, sbml_event_form, scaled_assignments
from hemasim.parameters import ParameterSet

__all__ = ["CLASSES", "RadiationFraction", "fraction_days", "lq_from_parameters"]

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
        return thin_clonotypes(model, x, x * self.surviving_fractions(model))


# the SBML form of a fraction, registered with the event class (hemasim.export_sbml)
@sbml_event_form(RadiationFraction)
def _radiation_fraction(model: CompiledModel, event: RadiationFraction) -> list[Assignment]:
    sf = event.surviving_fractions(model)
    return scaled_assignments(model, {int(i): float(sf[i]) for i in np.nonzero(sf < 1.0)[0]})
