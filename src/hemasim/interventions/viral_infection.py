"""``kind: viral_infection`` - a viral infection: target cells, infected cells, virus, CD8 effectors and
neutralising IgG (extension :class:`hemasim.biology.viral.ViralInfection`); endpoints: clearance, peak load,
the CD8 and antibody responses and the blood counts during the infection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from hemasim.endpoints import DID_NOT_RISE, reads_on_day, value_on_day
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
    from hemasim.biology.viral import ViralInfection

__all__ = ["VIRUS_DETECTION_TCID50", "ViralInfectionSpec", "viral_endpoint_values"]

#: free virus below this (TCID50/mL, about the detection limit of culture from nasal wash) counts as cleared
VIRUS_DETECTION_TCID50 = 1.0


def _viral_section(result: object) -> str | None:
    from hemasim.report.html import figure_html  # the report layer (and matplotlib) only when reporting
    from hemasim.report.plots import viral_figure

    fig = viral_figure(result)  # type: ignore[arg-type]
    return None if fig is None else figure_html("Viral infection", "viral infection course", fig)


@register
class ViralInfectionSpec(InoculationSpec):
    """A viral infection seeded on ``day`` with ``inoculum_tcid50`` (TCID50/mL of nasal wash); ``virus`` names
    it and its antigen, so a ``vaccine`` block with the same antigen primes the antibody response to it."""

    kind: Literal["viral_infection"]
    virus: str = Field(default="influenza", pattern=r"^[a-z][a-z0-9_]*$", max_length=30)
    inoculum_tcid50: float = Field(default=0.1, gt=0, le=1e6)

    report_section = ReportSection("viral_infection", _viral_section)
    extension_order = ExtensionOrder.VIRUS
    extension_key = "virus"

    @property
    def agent(self) -> str:
        return self.virus

    def inoculum(self) -> tuple[str, float]:
        from hemasim.biology.viral import virus_state  # imported when a scenario has the kind (goal 1)

        return virus_state(self.virus), self.inoculum_tcid50

    def extension(self) -> ViralInfection:
        from hemasim.biology.viral import ViralInfection

        return ViralInfection(self.virus)

    @classmethod
    def endpoints(cls, first_day_by_agent: Mapping[str, float]) -> EndpointFamily:
        return ViralEndpoints(first_day_by_agent)


#: the unit of each endpoint of a virus, by the end of its name (``<virus>_<end>``)
VIRAL_UNITS = {"cleared": "flag", "clearance_day": "day after infection", f"clearance_day{DID_NOT_RISE}": "flag",
               "peak_viral_load": "TCID50/mL", "peak_cd8_effectors": "AU", "igg_day28": "AU", "peak_wbc": "1e9/L",
               "peak_anc": "1e9/L", "lowest_lymphocytes": "1e9/L"}


def viral_endpoint_values(times: np.ndarray, obs: Mapping[str, np.ndarray], days: Mapping[str, float]
                          ) -> list[EndpointColumn]:
    """Per virus, for many patients: cleared (below the detection limit from some day to the end), the first
    such day, the peak load, the peak of virus-specific CD8 effectors and virus-specific IgG 28 days on."""
    out = []
    limit = f"{VIRUS_DETECTION_TCID50:g} TCID50/mL"
    for v, day0 in days.items():
        after = times >= day0 - 1e-9
        load = obs[f"{v}_viral_load"][:, after]
        t = times[after] - day0
        below = load < VIRUS_DETECTION_TCID50
        # last time at or above the limit; cleared from the next output on
        above_any = (~below).any(axis=1)
        last_above = np.where(above_any, below.shape[1] - 1 - np.argmax((~below)[:, ::-1], axis=1), -1)
        cleared = below[:, -1]
        nxt = np.minimum(last_above + 1, len(t) - 1)
        igg = obs[f"{v}_igg_au"][:, after]
        out += [EndpointColumn(f"{v}_cleared", "flag", f"1 if {v} is below {limit} at the end of the run",
                               cleared.astype(float)),
                EndpointColumn(f"{v}_clearance_day", "day after infection",
                               f"first day from which {v} stays below {limit} (none when it never reached it, see "
                               f"{v}_clearance_day{DID_NOT_RISE})", np.where(cleared & above_any, t[nxt], np.nan)),
                EndpointColumn(f"{v}_clearance_day{DID_NOT_RISE}", "flag", f"1 if {v} never reached {limit} (never "
                               "detectable: no clearance day)", np.asarray(~above_any, dtype=np.float64)),
                EndpointColumn(f"{v}_peak_viral_load", "TCID50/mL", f"highest {v} load", load.max(axis=1)),
                EndpointColumn(f"{v}_peak_cd8_effectors", "AU",
                               f"highest {v}-specific effector CD8 count (programmed and effector cells)",
                               obs[f"{v}_cd8_effectors_au"][:, after].max(axis=1)),
                # a run that ends sooner has no day 28: np.interp held the last output, read as day 28 (harden10)
                # and a grid coarser than 28 days has no output between the infection and day 28 (value_on_day
                # raised out of `hemasim run`; fuzz35)
                EndpointColumn(f"{v}_igg_day28", "AU", f"{v}-specific IgG 28 days after infection (arbitrary units; "
                               "none when the run ends sooner, or no output lies between the infection and then)",
                               value_on_day(t, igg, 28.0) if reads_on_day(t, 28.0)
                               else np.full(len(igg), np.nan)),
                EndpointColumn(f"{v}_peak_wbc", "1e9/L", "highest WBC after the infection",
                               obs["wbc_1e9_per_L"][:, after].max(axis=1)),
                EndpointColumn(f"{v}_peak_anc", "1e9/L", "highest ANC after the infection",
                               obs["anc_1e9_per_L"][:, after].max(axis=1)),
                EndpointColumn(f"{v}_lowest_lymphocytes", "1e9/L", "lowest lymphocyte count after the infection",
                               obs["lymphocytes_1e9_per_L"][:, after].min(axis=1))]
    return out


class ViralEndpoints(EndpointFamily):
    def __init__(self, days: Mapping[str, float]) -> None:
        self.days = dict(days)

    def observables(self, available: Sequence[str]) -> list[str]:
        names = [f"{v}_{o}" for v in self.days for o in ("viral_load", "cd8_effectors_au", "igg_au")]
        return [*names, "wbc_1e9_per_L", "anc_1e9_per_L", "lymphocytes_1e9_per_L"]

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        return viral_endpoint_values(times, obs, self.days)

    def units(self) -> dict[str, str]:
        return {f"{v}_{end}": unit for v in self.days for end, unit in VIRAL_UNITS.items()}
