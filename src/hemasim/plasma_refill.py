"""Plasma refill after a whole-blood loss: the red-cell concentrations read over the blood volume the plasma has
refilled (docs/model.md, "Plasma refill after a whole-blood loss": the rule, committed before any target ran on it,
and "Plasma refill in the model's read-out": how it is built in).

A read-out layer: the loss takes main's share of the cells and the erythroid feedback reads the red-cell mass, so the
dynamics are untouched; after the integration the red-cell concentrations of a run with a whole-blood loss
(:class:`hemasim.events.BloodLoss`) are divided by the blood-volume ratio

    Vb(t)/Vb0 = 1 - (1 - c)(1 - x(t)) - U(t),   dU/dt = -U/tau,   U += f_i (1 - (1 - c) x_i-) at a loss f_i = v_i/Vb0,

with x(t) main's Hb over main's Hb just before the first loss (main's Hb is proportional to the red-cell mass) and
x_i- its value just before loss i. At a loss the volume falls by f_i at once (the concentration does not move);
the plasma refills the share c of it with the time constant tau; the rest stays until the red cells are remade.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hemasim.model.compiled import CompiledModel

__all__ = ["DILUTED_OBSERVABLES", "REFILL_COMPLETENESS", "REFILL_TIME_CONSTANT_DAYS", "RED_CELL_OBSERVABLE",
           "WholeBloodLoss", "blood_volume_ratio", "dilute", "is_diluted", "red_cell_level"]

#: Share of a whole-blood loss's volume that plasma refills (dimensionless): the mean of Ruttman 2003 (Hct at 6 h
#: after 480 mL, "a 10% blood loss": 0.82) and Falz, Leue & Busse 2014 ([Hb] against tHb mass a week after 500 mL:
#: 0.73); range 0.73-0.88 (docs/model.md, committed in cace999).
REFILL_COMPLETENESS = 0.77
#: Refill time constant, days: Ruttman 2003, autodilution complete in 6-8 h, read as 95% at 7 h (7 h / 3).
REFILL_TIME_CONSTANT_DAYS = 7.0 / 24.0 / 3.0
#: The observable whose course gives x(t) (proportional to the red-cell mass at a fixed MCH and blood volume).
RED_CELL_OBSERVABLE = "hemoglobin_g_per_dL"
#: The concentrations read over the refilled blood volume: the red-cell ones (the rule is scoped to them).
DILUTED_OBSERVABLES = ("hemoglobin_g_per_dL", "rbc_1e12_per_L")


def is_diluted(name: str) -> bool:
    """Whether observable ``name`` is read over the refilled blood volume: a red-cell concentration, or its donor
    part in a graft's model (``<name>__donor``, so that host and donor parts still add up to the whole)."""
    return name.split("__", 1)[0] in DILUTED_OBSERVABLES


def dilute(names: Sequence[str], table: np.ndarray, ratio: np.ndarray) -> None:
    """Divide, in place, the columns of ``table`` (N, n_times, len(names)) that :func:`is_diluted` names by the
    blood-volume ratio (N, n_times)."""
    for j, name in enumerate(names):
        if is_diluted(name):
            table[:, :, j] /= ratio


@dataclass(frozen=True)
class WholeBloodLoss:
    """One whole-blood loss: its day, the share of the blood volume taken (f = v/Vb0; per patient: (N,)) and main's
    red-cell read-out just before it (``level_before``, any unit proportional to the red-cell mass; per patient)."""

    day: float
    share: float | np.ndarray
    level_before: float | np.ndarray


def blood_volume_ratio(times: np.ndarray, level: np.ndarray, losses: Sequence[WholeBloodLoss],
                       completeness: float = REFILL_COMPLETENESS, tau_days: float = REFILL_TIME_CONSTANT_DAYS
                       ) -> np.ndarray:
    """Vb(t)/Vb0 on ``times`` for main's red-cell course ``level`` ((n_times,), or (N, n_times) for a cohort) and
    its ``losses`` (in day order). An output on a loss day shows the state just after the loss (the run loop's
    convention); before the first loss the ratio is 1. Divide a red-cell concentration by it."""
    times = np.asarray(times, dtype=np.float64)
    level = np.asarray(level, dtype=np.float64)
    ratio = np.ones_like(level)
    if not losses:
        return ratio
    ordered = sorted(losses, key=lambda loss: loss.day)
    reference = np.asarray(ordered[0].level_before, dtype=np.float64)[..., None]
    x = level / reference
    unrefilled = np.zeros_like(level)
    for loss in ordered:
        share = np.asarray(loss.share, dtype=np.float64)[..., None]
        x_before = np.asarray(loss.level_before, dtype=np.float64)[..., None] / reference
        jump = share * (1.0 - (1.0 - completeness) * x_before)
        after = times >= loss.day - 1e-9
        unrefilled = unrefilled + np.where(after, jump * np.exp(-np.clip(times - loss.day, 0.0, None) / tau_days),
                                           0.0)
    since_first = times >= ordered[0].day - 1e-9
    return np.where(since_first, 1.0 - (1.0 - completeness) * (1.0 - x) - unrefilled, ratio)


def red_cell_level(model: CompiledModel, x: np.ndarray, name: str = RED_CELL_OBSERVABLE) -> np.ndarray:
    """Main's red-cell read-out ``name`` (one of :data:`DILUTED_OBSERVABLES`, all proportional to the red-cell mass)
    of one state (n,) -> () or of a cohort's states (N, n) -> (N,); states over time, (T, N, n) or (T, n), give
    (T, N) or (T,)."""
    i = model.observable_names.index(name)
    w = model.obs_weights.rows([i])[0][..., 0, :]
    return np.einsum("...n,...n->...", w, np.maximum(x, 0.0))
