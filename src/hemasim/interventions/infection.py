"""``kind: infection`` - a bacterial infection: bacteria, inflammation and their feedbacks on neutrophil
production (extension :class:`hemasim.biology.infection.BacterialInfection`); endpoints: clearance, peak load
and the neutrophilia and mobilisation it causes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from hemasim.endpoints import DID_NOT_RISE
from hemasim.interventions.base import (
    EndpointColumn,
    EndpointContext,
    EndpointFamily,
    ExtensionOrder,
    ReportSection,
    register,
)
from hemasim.interventions.inoculation import InoculationSpec

if TYPE_CHECKING:
    from hemasim.biology.infection import BacterialInfection

__all__ = ["InfectionSpec", "infection_endpoint_values"]


def _infection_section(result: object) -> str | None:
    from hemasim.report.html import figure_html  # the report layer (and matplotlib) only when reporting
    from hemasim.report.plots import infection_figure

    fig = infection_figure(result)  # type: ignore[arg-type]
    return None if fig is None else figure_html("Infection", "infection course", fig)


@register
class InfectionSpec(InoculationSpec):
    """A bacterial infection seeded on ``day`` with ``inoculum_cfu`` bacteria (1e9: a moderate infection
    that a healthy adult clears with a neutrophilia; see docs/immunity.md)."""

    kind: Literal["infection"]
    pathogen: Literal["bacteria"] = "bacteria"
    # at least one bacterium: below one CFU the extinction gate (bacteria_extinction_cfu) stops growth, so a smaller
    # inoculum would be silently extinguished; refused like any other out-of-range field
    inoculum_cfu: float = Field(default=1e9, ge=1.0, le=1e11)

    report_section = ReportSection("infection", _infection_section)
    extension_order = ExtensionOrder.BACTERIA
    extension_key = "pathogen"

    @property
    def agent(self) -> str:
        return self.pathogen

    def inoculum(self) -> tuple[str, float]:
        from hemasim.biology.infection import pathogen_state  # imported when a scenario has the kind (goal 1)

        return pathogen_state(self.pathogen), self.inoculum_cfu

    def extension(self) -> BacterialInfection:
        from hemasim.biology.infection import BacterialInfection

        return BacterialInfection(self.pathogen)

    @classmethod
    def endpoints(cls, first_day_by_agent: Mapping[str, float]) -> EndpointFamily:
        return InfectionEndpoints(first_day_by_agent)


#: the unit of each endpoint of a pathogen, by the end of its name (``<pathogen>_<end>``)
INFECTION_UNITS = {"cleared": "flag", "clearance_day": "day after infection", f"clearance_day{DID_NOT_RISE}": "flag",
                   "peak_cfu": "CFU", "peak_wbc": "1e9/L", "peak_anc": "1e9/L", "peak_cd34_blood": "cells/uL"}


def infection_endpoint_values(times: np.ndarray, obs: Mapping[str, np.ndarray], days: Mapping[str, float]
                              ) -> list[EndpointColumn]:
    """Per pathogen, for many patients: cleared (below 1 CFU by the end), days to clearance, peak load, and
    the peak WBC and ANC after the infection."""
    out = []
    for n, day0 in days.items():
        after = times >= day0 - 1e-9
        cfu = obs[f"{n}_cfu"][:, after]
        t = times[after] - day0
        gone = cfu < 1.0
        established = (~gone).any(axis=1)  # an inoculum below 1 CFU that never grew has nothing to clear
        cleared = gone[:, -1]
        # below 1 CFU after having been at or above it (an inoculum of 1 CFU or more: from the first output)
        gone_after = gone & (np.arange(t.size)[None, :] > np.argmax(~gone, axis=1)[:, None])
        first = np.where(gone_after.any(axis=1), t[np.argmax(gone_after, axis=1)], np.nan)
        out += [EndpointColumn(f"{n}_cleared", "flag", f"1 if {n} fell below 1 CFU by the end of the run",
                               cleared.astype(float)),
                EndpointColumn(f"{n}_clearance_day", "day after infection", f"first day {n} is below 1 CFU after "
                               "it was at or above it (none when it never reached 1 CFU, see "
                               f"{n}_clearance_day{DID_NOT_RISE})",
                               np.where(cleared & established, first, np.nan)),
                EndpointColumn(f"{n}_clearance_day{DID_NOT_RISE}", "flag", f"1 if {n} never reached 1 CFU (no "
                               "infection to clear: no clearance day)", np.asarray(~established, dtype=np.float64)),
                EndpointColumn(f"{n}_peak_cfu", "CFU", f"highest {n} load", cfu.max(axis=1)),
                EndpointColumn(f"{n}_peak_wbc", "1e9/L", "highest WBC after the infection",
                               obs["wbc_1e9_per_L"][:, after].max(axis=1)),
                EndpointColumn(f"{n}_peak_anc", "1e9/L", "highest ANC after the infection",
                               obs["anc_1e9_per_L"][:, after].max(axis=1)),
                EndpointColumn(f"{n}_peak_cd34_blood", "cells/uL",
                               "highest circulating CD34+ count after the infection (mobilisation)",
                               obs["cd34_blood_per_uL"][:, after].max(axis=1))]
    return out


class InfectionEndpoints(EndpointFamily):
    def __init__(self, days: Mapping[str, float]) -> None:
        self.days = dict(days)

    def observables(self, available: Sequence[str]) -> list[str]:
        return [*(f"{n}_cfu" for n in self.days), "wbc_1e9_per_L", "anc_1e9_per_L", "cd34_blood_per_uL"]

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        return infection_endpoint_values(times, obs, self.days)

    def units(self) -> dict[str, str]:
        return {f"{n}_{end}": unit for n in self.days for end, unit in INFECTION_UNITS.items()}
