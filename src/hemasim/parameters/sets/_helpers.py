from __future__ import annotations

import math
from typing import TypedDict

from hemasim._confidence import Z_95
from hemasim.parameters.core import Parameter, PlausibleRange, Provenance

PER_DAY_MAX = 100.0  # no rate in this model is faster than 100/day


def param(name: str, value: float, unit: str, description: str, provenance: Provenance,
          bounds: tuple[float, float] = (0.0, math.inf), iiv_cv: float | None = None, iiv_source: str = "",
          plausible_range: PlausibleRange | None = None) -> Parameter:
    return Parameter(name, float(value), unit, description, provenance, bounds, iiv_cv, iiv_source, plausible_range)


def cv_from_interval(low: float, high: float) -> float:
    """CV of the log-normal whose central 95% interval is [low, high] (a reference interval)."""
    sd_log = math.log(high / low) / (2 * Z_95)
    return math.sqrt(math.exp(sd_log**2) - 1.0)


class IntervalIIV(TypedDict):
    """Between-patient variability read from a reference interval (keyword arguments of :func:`param`)."""

    iiv_cv: float
    iiv_source: str


def interval_iiv(low: float, high: float, source: str) -> IntervalIIV:
    return {"iiv_cv": round(cv_from_interval(low, high), 4),
            "iiv_source": f"{source}: reference interval {low:g}-{high:g} read as the central 95% of a log-normal"}
