"""Named conditioning regimens (myeloablative, reduced-intensity, non-myeloablative) as events.

The regimens are data (``conditioning/regimens.yaml``): a schedule of cell-kill blocks (a
surviving fraction per compartment class for a chemotherapy component) and TBI (linear-quadratic,
:mod:`hemasim.radiation`). ``conditioning_events`` turns one into events starting on a given day.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hemasim.events import CellDepletion, Event
from hemasim.pharmacology.drug_sets import Value
from hemasim.radiation import CLASSES, RadiationFraction, fraction_days

__all__ = ["ConditioningRegimen", "available_regimens", "conditioning_events", "load_regimen"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CellKill(_Strict):
    kind: Literal["cell_kill"]
    day: float = Field(ge=0)
    agent: str
    surviving: dict[Literal["hsc", "progenitor", "lymphoid"], Value]


class Tbi(_Strict):
    kind: Literal["tbi"]
    day: float = Field(ge=0)
    total_dose_Gy: float = Field(gt=0, le=20)
    fractions: int = Field(ge=1, le=20)
    fractions_per_day: int = Field(ge=1, le=3)
    hours_between: float = Field(ge=0, le=12)


class ConditioningRegimen(_Strict):
    title: str
    intensity: Literal["myeloablative", "reduced_intensity", "non_myeloablative"]
    description: str
    graft_day: float = Field(ge=0, description="days from the regimen's start to the transplant (its day 0)")
    components: list[CellKill | Tbi] = Field(min_length=1)

    @property
    def last_day(self) -> float:
        ends = []
        for c in self.components:
            if isinstance(c, Tbi):
                ends.append(fraction_days(c.day, c.fractions, c.fractions_per_day, c.hours_between)[-1])
            else:
                ends.append(c.day)
        return max(ends)


@cache
def _all() -> dict[str, ConditioningRegimen]:
    import yaml

    text = resources.files("hemasim.pharmacology").joinpath("conditioning/regimens.yaml").read_text("utf-8")
    return {k: ConditioningRegimen.model_validate(v) for k, v in yaml.safe_load(text).items()}


def available_regimens() -> list[str]:
    return sorted(_all())


def load_regimen(name: str) -> ConditioningRegimen:
    if name not in _all():
        raise ValueError(f"unknown conditioning regimen {name!r}; allowed: {', '.join(available_regimens())}")
    return _all()[name]


def conditioning_events(name: str, start_day: float, lq: tuple[tuple[str, float, float], ...]) -> list[Event]:
    """The regimen's cell kills and TBI fractions, its day 0 on ``start_day``."""
    names = [n for n, _ in CLASSES]
    events: list[Event] = []
    for c in load_regimen(name).components:
        if isinstance(c, Tbi):
            dose = c.total_dose_Gy / c.fractions
            events += [RadiationFraction(start_day + d, dose, lq)
                       for d in fraction_days(c.day, c.fractions, c.fractions_per_day, c.hours_between)]
        else:
            for cls, sf in c.surviving.items():
                k = names.index(cls)
                earlier = frozenset().union(*(t for _, t in CLASSES[:k]))  # a compartment is in its first class only
                events.append(CellDepletion(start_day + c.day, tuple(sorted(CLASSES[k][1])), sf.value,
                                            except_groups=tuple(sorted(earlier))))
    return events
