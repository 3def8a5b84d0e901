from __future__ import annotations

import math

from hemasim.parameters.core import Parameter, Provenance

PER_DAY_MAX = 100.0  # no rate in this model is faster than 100/day


def param(name: str, value: float, unit: str, description: str, provenance: Provenance,
          bounds: tuple[float, float] = (0.0, math.inf), iiv_cv: float | None = None) -> Parameter:
    return Parameter(name, float(value), unit, description, provenance, bounds, iiv_cv)
