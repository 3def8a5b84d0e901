"""Lineage-specific donor chimerism (T cells against myeloid cells) over time, as endpoints for single runs
and cohorts and as a report section: what chimerism studies after reduced-intensity conditioning measure
(CD3+ T cells and granulocytes/monocytes sorted from blood, donor share by STR-PCR).

Shared by the kinds that shape chimerism (``immunosuppression``, ``donor_lymphocyte_infusion``); counted
from the scenario's first graft.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from hemasim.endpoints import daily_ok, first_run, value_on_day
from hemasim.interventions.base import EndpointColumn, EndpointContext, EndpointFamily, ReportSection
from hemasim.interventions.transplant import SHARE_UNIT_NOTE, graft_day

if TYPE_CHECKING:
    from hemasim.simulation import Result

__all__ = ["CHIMERISM_DAYS", "FULL_DONOR", "LINEAGES", "LineageChimerism", "chimerism_by_day", "lineage_chimerism",
           "lineage_chimerism_section"]

#: lineage -> the blood counts whose donor share it is (T: CD3+; myeloid: neutrophils + monocytes)
LINEAGES: Mapping[str, tuple[str, ...]] = {"t": ("cd3_per_uL",), "myeloid": ("anc_1e9_per_L", "monocytes_1e9_per_L")}
#: days after the graft at which chimerism is usually measured
CHIMERISM_DAYS = (14, 28, 56, 84, 100, 180, 365)
#: donor share counted as full donor chimerism (the usual >= 95% of STR-PCR studies; a convention, not a
#: parameter of the model)
FULL_DONOR = 0.95


def lineage_chimerism(obs: Mapping[str, np.ndarray], lineage: str) -> np.ndarray:
    """Donor share (0-1, NaN where the count is 0) of ``lineage``; ``obs`` name -> (N, T) with the counts and
    their ``__donor`` parts."""
    counts = LINEAGES[lineage]
    total = sum(np.asarray(obs[c], dtype=np.float64) for c in counts)
    donor = sum(np.asarray(obs[f"{c}__donor"], dtype=np.float64) for c in counts)
    share = np.divide(donor, total, out=np.full(np.shape(total), np.nan), where=np.asarray(total) > 0)
    return np.clip(share, 0.0, 1.0)  # rounding of the solver never makes it leave [0, 1]


class LineageChimerism(EndpointFamily):
    """Donor T-cell and myeloid chimerism on the usual days after the graft, and the first day each is full."""

    def __init__(self, graft_day: float) -> None:
        self.graft_day = graft_day

    def observables(self, available: Sequence[str]) -> list[str]:
        names = [n for counts in LINEAGES.values() for c in counts for n in (c, f"{c}__donor")]
        return names if all(n in available for n in names) else []

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        if "cd3_per_uL__donor" not in obs:
            return []
        after = times >= self.graft_day - 1e-9
        days = times[after] - self.graft_day
        out = []
        counts = {k: v[:, after] for k, v in obs.items()}
        for lineage in LINEAGES:
            share = lineage_chimerism(counts, lineage)
            label = "T-cell (CD3+)" if lineage == "t" else "myeloid (neutrophils and monocytes)"
            for d in CHIMERISM_DAYS:
                if not days[0] - 1e-9 <= d <= days[-1] + 1e-9:  # not reached, or before the first output after the
                    continue  # graft (a coarse grid; value_on_day raises there, fuzz35 seed 7071)
                on_day = lineage_chimerism({k: value_on_day(days, v, d)[:, None] for k, v in counts.items()}, lineage)
                out.append(EndpointColumn(f"donor_{lineage}_chimerism_day{d}", "fraction",
                                          f"donor share of blood {label} cells on day {d} after the graft "
                                          f"({SHARE_UNIT_NOTE})", on_day[:, 0]))
            full = first_run(daily_ok(days, np.nan_to_num(share) >= FULL_DONOR), 1)
            out.append(EndpointColumn(f"full_donor_{lineage}_chimerism_day", "day after graft",
                                      f"first day the donor share of {label} cells is >= {FULL_DONOR:g} "
                                      f"({100 * FULL_DONOR:g}%)", full))
        return out

    def units(self) -> dict[str, str]:
        out = {}
        for lineage in LINEAGES:  # the days a run reaches, of these
            out.update({f"donor_{lineage}_chimerism_day{d}": "fraction" for d in CHIMERISM_DAYS})
            out[f"full_donor_{lineage}_chimerism_day"] = "day after graft"
        return out


def chimerism_by_day(result: Result) -> tuple[float, list[tuple[int, float, float]]] | None:
    """The graft's day and, on each of :data:`CHIMERISM_DAYS` after it that the run reaches, the donor share of
    blood T cells and of myeloid cells (fractions); None for a run without a graft or donor-tracked counts. The
    report's lineage-chimerism table and its key results read the same values."""
    if "cd3_per_uL__donor" not in result.model.observable_names:
        return None
    spec = result.record.scenario
    graft = graft_day(spec.interventions) if spec is not None else None
    if graft is None:
        return None
    obs = {n: result.observable(n)[None, :] for counts in LINEAGES.values() for c in counts
           for n in (c, f"{c}__donor")}
    rows = []
    for d in CHIMERISM_DAYS:
        t = graft + d
        if t > result.times[-1] + 1e-9:
            break
        on_day = {k: value_on_day(result.times, v, t)[:, None] for k, v in obs.items()}
        rows.append((d, float(lineage_chimerism(on_day, "t")[0, 0]), float(lineage_chimerism(on_day, "myeloid")[0, 0])))
    return graft, rows


def lineage_chimerism_section(result: Result) -> str | None:
    """A table of donor T-cell and myeloid chimerism on the usual days after the graft."""
    import html  # its entity tables only when reporting (docs/performance.md, goal 1)

    by_day = chimerism_by_day(result)
    if by_day is None or not by_day[1]:
        return None
    graft, shares = by_day
    from hemasim.report.key_results import percent_number  # the report's one percentage rule

    rows = [f"<tr><td>{d}</td><td>{percent_number(t)}</td><td>{percent_number(m)}</td></tr>" for d, t, m in shares]
    return ("<h2>Lineage chimerism</h2><p>Donor share (%) of blood T cells (CD3+) and myeloid cells (neutrophils and "
            f"monocytes) after the graft on day {html.escape(f'{graft:g}')}; full donor chimerism is &ge; "
            f"{100 * FULL_DONOR:g}% (see docs/chimerism.md). The model has no GvHD as a disease (skin, gut, liver) "
            "and no rejection: donor T cells act only on the host's blood-forming and lymphoid cells, held back by "
            "any immunosuppression in the scenario.</p>"
            "<table><tr><th>day after graft</th><th>T cells (% donor)</th><th>myeloid (% donor)</th></tr>"
            f"{''.join(rows)}</table>")


LINEAGE_SECTION = ReportSection("lineage_chimerism", lineage_chimerism_section)
