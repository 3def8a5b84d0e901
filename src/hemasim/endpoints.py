"""Clinical read-outs of a simulated time series, with their standard definitions.

Each endpoint is an object (name, unit, definition) evaluated on a :class:`~hemasim.simulation.Result`.
Days are counted on the output grid: a duration is the number of output intervals whose value is
below the threshold times the interval length.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hemasim.simulation import Result


@dataclass(frozen=True)
class EndpointValue:
    name: str
    value: float | None  # None: not reached / not applicable
    unit: str
    definition: str

    def to_json(self) -> dict[str, object]:
        return {"value": self.value, "unit": self.unit, "definition": self.definition}


@dataclass(frozen=True)
class Endpoint(ABC):
    observable: str

    @property
    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def evaluate(self, result: Result) -> EndpointValue: ...


def _label(x: float) -> str:
    return f"{x:g}".replace(".", "p")


@dataclass(frozen=True)
class Nadir(Endpoint):
    unit: str

    @property
    def name(self) -> str:
        return f"{self.observable.rsplit('_', 3)[0]}_nadir"

    def evaluate(self, result: Result) -> EndpointValue:
        v = result.observable(self.observable)
        return EndpointValue(self.name, float(v.min()), self.unit, f"lowest {self.observable} over the run")


@dataclass(frozen=True)
class DayOfNadir(Endpoint):
    @property
    def name(self) -> str:
        return f"{self.observable.rsplit('_', 3)[0]}_nadir_day"

    def evaluate(self, result: Result) -> EndpointValue:
        v = result.observable(self.observable)
        return EndpointValue(self.name, float(result.times[int(np.argmin(v))]), "day",
                             f"first day on which {self.observable} is lowest")


@dataclass(frozen=True)
class DaysBelow(Endpoint):
    threshold: float
    label: str  # e.g. "CTCAE grade >= 3 neutropenia"

    @property
    def name(self) -> str:
        return f"days_{self.observable.rsplit('_', 3)[0]}_below_{_label(self.threshold)}"

    def evaluate(self, result: Result) -> EndpointValue:
        v = result.observable(self.observable)
        dt = np.diff(result.times)
        below = v[:-1] < self.threshold
        return EndpointValue(self.name, float(np.sum(dt[below])), "day",
                             f"days with {self.observable} < {self.threshold:g} ({self.label})")


@dataclass(frozen=True)
class FirstSustainedDay(Endpoint):
    """First day of ``run_days`` consecutive days at or above ``threshold`` after the value was below it
    (engraftment-type definition). None when never below, or never recovered."""

    threshold: float
    run_days: int
    label: str

    @property
    def name(self) -> str:
        return f"{self.label}_day"

    def evaluate(self, result: Result) -> EndpointValue:
        v = result.observable(self.observable)
        t = result.times
        definition = (f"first of {self.run_days} consecutive days with {self.observable} >= {self.threshold:g}, "
                      "after it was below")
        below = np.nonzero(v < self.threshold)[0]
        if len(below) == 0:
            return EndpointValue(self.name, None, "day", definition)
        days = np.floor(t).astype(int)
        start = None
        for day in range(int(days[below[0]]), int(days[-1]) + 1):
            idx = np.nonzero(days == day)[0]
            ok = len(idx) > 0 and bool(np.all(v[idx] >= self.threshold))
            if ok:
                start = day if start is None else start
                if day - start + 1 >= self.run_days:
                    return EndpointValue(self.name, float(start), "day", definition)
            else:
                start = None
        return EndpointValue(self.name, None, "day", definition)


@dataclass(frozen=True)
class FinalValue(Endpoint):
    unit: str

    @property
    def name(self) -> str:
        return f"{self.observable.rsplit('_per_', 1)[0]}_final"

    def evaluate(self, result: Result) -> EndpointValue:
        v = result.observable(self.observable)
        return EndpointValue(self.name, float(v[-1]), self.unit, f"{self.observable} at the end of the run")


#: Endpoints computed for every run (CTCAE v5 grade thresholds; engraftment per EBMT/CIBMTR).
DEFAULT_ENDPOINTS: tuple[Endpoint, ...] = (
    Nadir("anc_1e9_per_L", "1e9/L"),
    DayOfNadir("anc_1e9_per_L"),
    DaysBelow("anc_1e9_per_L", 1.0, "CTCAE grade >= 3 neutropenia"),
    DaysBelow("anc_1e9_per_L", 0.5, "CTCAE grade 4 neutropenia; febrile-neutropenia risk window"),
    FirstSustainedDay("anc_1e9_per_L", 0.5, 3, "neutrophil_recovery"),
    Nadir("platelets_1e9_per_L", "1e9/L"),
    DayOfNadir("platelets_1e9_per_L"),
    DaysBelow("platelets_1e9_per_L", 50.0, "CTCAE grade >= 3 thrombocytopenia"),
    DaysBelow("platelets_1e9_per_L", 25.0, "CTCAE grade 4 thrombocytopenia"),
    FirstSustainedDay("platelets_1e9_per_L", 20.0, 7, "platelet_recovery"),
    Nadir("hemoglobin_g_per_dL", "g/dL"),
    DaysBelow("hemoglobin_g_per_dL", 8.0, "CTCAE grade >= 3 anaemia"),
    Nadir("lymphocytes_1e9_per_L", "1e9/L"),
    FinalValue("cd4_per_uL", "cells/uL"),
    FinalValue("cd8_per_uL", "cells/uL"),
    FinalValue("b_cells_per_uL", "cells/uL"),
    FinalValue("nk_cells_per_uL", "cells/uL"),
)


def evaluate_endpoints(result: Result, endpoints: tuple[Endpoint, ...] = DEFAULT_ENDPOINTS) -> list[EndpointValue]:
    return [e.evaluate(result) for e in endpoints]
