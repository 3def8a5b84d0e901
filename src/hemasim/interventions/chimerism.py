"""Lineage-specific donor chimerism (T cells against myeloid cells) over time, as endpoints for single runs
and cohorts and as a report section: what chimerism studies after reduced-intensity conditioning measure
(CD3+ T cells and granulocytes/monocytes sorted from blood, donor share by STR-PCR).

Shared by the kinds that shape chimerism (``immunosuppression``, ``donor_lymphocyte_infusion``); counted
from the scenario's first allogeneic graft (the first graft where none is allogeneic).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from hemasim.endpoints import UNDECIDED_SUFFIX, daily_ok, first_run, reads_on_day, value_on_day
from hemasim.interventions.base import EndpointColumn, EndpointContext, EndpointFamily, NotedColumn, ReportSection
from hemasim.interventions.transplant import (
    SHARE_UNIT_NOTE,
    autograft_before_allograft,
    chimerism_after,
    chimerism_graft_day,
    has_lineage_chimerism,
)

if TYPE_CHECKING:
    from hemasim.interventions.base import InterventionSpec
    from hemasim.simulation import Result

__all__ = ["CHIMERISM_DAYS", "FULL_DONOR", "FULL_DONOR_LOST_DAYS", "LINEAGES", "LineageChimerism", "chimerism_by_day",
           "full_donor_lost", "lineage_chimerism", "lineage_chimerism_section", "shares_on_days"]

#: lineage -> the blood counts whose donor share it is (T: CD3+; myeloid: neutrophils + monocytes)
LINEAGES: Mapping[str, tuple[str, ...]] = {"t": ("cd3_per_uL",), "myeloid": ("anc_1e9_per_L", "monocytes_1e9_per_L")}
#: days after the graft at which chimerism is usually measured
CHIMERISM_DAYS = (14, 28, 56, 84, 100, 180, 365)
#: the table's cell for a day before the first output after the graft (no value)
NO_OUTPUT_CELL = "&ndash;"
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

    def __init__(self, graft_day: float, after: str = "after the graft", autograft_before: bool = False) -> None:
        self.graft_day = graft_day
        #: how the days are counted, in words (:func:`hemasim.interventions.transplant.chimerism_after`)
        self.after = after
        #: an autologous graft before the allogeneic one: its cells count as "donor" too (review36h)
        self.autograft_before = autograft_before

    @classmethod
    def of(cls, interventions: Sequence[InterventionSpec]) -> LineageChimerism | None:
        """The family for a scenario's interventions, counted from :func:`chimerism_graft_day` (None without a
        graft)."""
        day = chimerism_graft_day(interventions)
        return None if day is None else cls(day, chimerism_after(interventions),
                                            autograft_before_allograft(interventions))

    def observables(self, available: Sequence[str]) -> list[str]:
        names = [n for counts in LINEAGES.values() for c in counts for n in (c, f"{c}__donor")]
        return names if all(n in available for n in names) else []

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        if "cd3_per_uL__donor" not in obs:
            return []
        after = times >= self.graft_day - 1e-9
        days = times[after] - self.graft_day
        out: list[EndpointColumn] = []
        counts = {k: v[:, after] for k, v in obs.items()}
        on_days = shares_on_days(days, counts)
        # the model does not yet track each graft's origin: an autograft's cells are tagged as graft cells too
        cells = "graft-derived cells (the autograft's included)" if self.autograft_before else "cells"
        since = self.after  # "after the graft", or "after the allogeneic graft on day N"
        for lineage in LINEAGES:
            share = lineage_chimerism(counts, lineage)
            label = "T-cell (CD3+)" if lineage == "t" else "myeloid (neutrophils and monocytes)"
            for d, shares in on_days:
                if shares is None:  # before the first output after the graft (a coarse grid): no column
                    continue
                out.append(EndpointColumn(f"donor_{lineage}_chimerism_day{d}", "fraction",
                                          f"donor share of blood {label} {cells} on day {d} {since} "
                                          f"({SHARE_UNIT_NOTE})", shares[lineage]))
            ok = daily_ok(days, np.nan_to_num(share) >= FULL_DONOR)
            stretch = (f"for at least {FULL_DONOR_LOST_DAYS:g} days (every output of the stretch below it; on a "
                       "coarser grid, two read-outs in a row)")
            full = first_run(ok, 1)
            lost_flag, lost_day, regained_day = full_donor_lost(days, share, full)
            cut = np.isnan(lost_flag) & ~np.isnan(full)  # a stretch below it cut by the run's end
            note = (f"not yet decidable: below {FULL_DONOR:g} from day "
                    f"{float(np.nanmin(cut_start(days, share, full)[cut])):g} {since} to the run's end (day "
                    f"{float(days[-1]):g}), under {FULL_DONOR_LOST_DAYS:g} days") if cut.any() else None
            name = f"full_donor_{lineage}_chimerism_day"
            out += [EndpointColumn(name, "day after graft", f"first day {since} the donor share of {label} {cells} is "
                                   f">= {FULL_DONOR:g} ({100 * FULL_DONOR:g}%): the first reached, not necessarily "
                                   f"kept (see {name.removesuffix('_day')}_lost)", full),
                    NotedColumn(f"{name.removesuffix('_day')}_lost", "flag", f"1 if the donor share of {label} "
                                f"{cells} fell below {FULL_DONOR:g} again after full_donor_{lineage}_chimerism_day "
                                f"{stretch} (none where it never reached it, or where a stretch below it starts "
                                f"under {FULL_DONOR_LOST_DAYS:g} days before the run's end: not yet decidable)",
                                lost_flag, note),
                    EndpointColumn(f"{name.removesuffix('_day')}_lost{UNDECIDED_SUFFIX}", "flag", f"1 where "
                                   f"{name.removesuffix('_day')}_lost is not yet decidable: a stretch below "
                                   f"{FULL_DONOR:g} still open at the run's end, under {FULL_DONOR_LOST_DAYS:g} days",
                                   cut.astype(np.float64)),
                    EndpointColumn(f"{name.removesuffix('_day')}_lost_day", "day after graft", f"first day {since} "
                                   f"of the first stretch after full_donor_{lineage}_chimerism_day with the donor "
                                   f"share of {label} {cells} below {FULL_DONOR:g} {stretch} (none where it stayed "
                                   "full donor)", lost_day),
                    EndpointColumn(f"{name.removesuffix('_day')}_regained_day", "day after graft", f"first day {since} "
                                   f"after full_donor_{lineage}_chimerism_lost_day with the donor share of {label} "
                                   f"{cells} at or above {FULL_DONOR:g} again (none where it was not lost, or stayed "
                                   "below to the run's end)", regained_day)]
        return out

    def units(self) -> dict[str, str]:
        out = {}
        for lineage in LINEAGES:  # the days a run reaches, of these
            out.update({f"donor_{lineage}_chimerism_day{d}": "fraction" for d in CHIMERISM_DAYS})
            out[f"full_donor_{lineage}_chimerism_day"] = "day after graft"
            out[f"full_donor_{lineage}_chimerism_lost"] = "flag"
            out[f"full_donor_{lineage}_chimerism_lost{UNDECIDED_SUFFIX}"] = "flag"
            out[f"full_donor_{lineage}_chimerism_lost_day"] = "day after graft"
            out[f"full_donor_{lineage}_chimerism_regained_day"] = "day after graft"
        return out


#: days a donor share must stay below FULL_DONOR, on every output, for full donor chimerism to count as lost (assumed:
#: a convention like FULL_DONOR, not a parameter of the model, so that a dip of a few days does not read as a loss;
#: one day, or one reading of a coarse grid, below 95% did before branch mend36i, review36g). On a grid of 7 days or
#: coarser it is two read-outs in a row below 95%.
FULL_DONOR_LOST_DAYS = 7.0


def full_donor_lost(days: np.ndarray, share: np.ndarray, full: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per patient, whether a full donor share reached on day ``full`` (N,) (NaN: never) was lost later: below
    :data:`FULL_DONOR` on every output from one on a later day to one at least :data:`FULL_DONOR_LOST_DAYS` after it;
    the first day of that stretch (NaN: not lost); and the first day after it at or above FULL_DONOR again (NaN: not
    regained by the run's end). ``days`` (T,) after the graft, ``share`` (N, T) the donor share (NaN: no cells, read
    as below). The endpoint ``full_donor_*_chimerism_day`` stays the first day reached, as chimerism studies date full
    donor chimerism; a share that falls back (a cord graft's T cells: 99.7% on day 14, 58% on day 180) read as kept
    (ux36)."""
    n, t = share.shape
    later = np.floor(days + 1e-9)[None, :] > np.nan_to_num(full, nan=np.inf)[:, None]
    below = later & ~(np.nan_to_num(share) >= FULL_DONOR)
    starts = below & ~np.concatenate([np.zeros((n, 1), dtype=bool), below[:, :-1]], axis=1)
    start_index = np.maximum.accumulate(np.where(starts, np.arange(t)[None, :], -1), axis=1)
    start_day = days[np.maximum(start_index, 0)]
    long_enough = below & (days[None, :] - start_day >= FULL_DONOR_LOST_DAYS - 1e-9)
    lost = long_enough.any(axis=1)
    at = np.argmax(long_enough, axis=1)
    rows = np.arange(n)
    lost_day = np.where(lost, np.floor(start_day[rows, at] + 1e-9), np.nan)
    back = later & ~below & (np.arange(t)[None, :] > at[:, None]) & lost[:, None]
    regained = np.where(back.any(axis=1), np.floor(days[np.argmax(back, axis=1)] + 1e-9), np.nan)
    # a stretch below it still open at the run's end and shorter than FULL_DONOR_LOST_DAYS: it may yet be a loss, so
    # "not lost" is not decided (it read 0; review36h), as the ANC-again flag's undecided runs
    cut = ~lost & below[:, -1] if t else np.zeros(n, dtype=bool)
    flag = np.where(np.isnan(full) | cut, np.nan, lost.astype(np.float64))
    return flag, lost_day, regained


def cut_start(days: np.ndarray, share: np.ndarray, full: np.ndarray) -> np.ndarray:
    """Per patient, the first day of the stretch below :data:`FULL_DONOR` after full donor chimerism (reached on
    ``full``) that is still open at the run's end (NaN: the last output is not below it); the arguments as
    :func:`full_donor_lost`'s."""
    n, t = share.shape
    if not t:
        return np.full(n, np.nan)
    later = np.floor(days + 1e-9)[None, :] > np.nan_to_num(full, nan=np.inf)[:, None]
    below = later & ~(np.nan_to_num(share) >= FULL_DONOR)
    # the last output not below it, per patient (-1: none); the open stretch starts at the next
    last_not = np.where(~below, np.arange(t)[None, :], -1).max(axis=1)
    return np.where(below[:, -1], np.floor(days[np.minimum(last_not + 1, t - 1)] + 1e-9), np.nan)


def shares_on_days(days: np.ndarray, counts: Mapping[str, np.ndarray]
                   ) -> list[tuple[int, dict[str, np.ndarray] | None]]:
    """Each of :data:`CHIMERISM_DAYS` that the run reaches, and on it each lineage's donor share (N,), linear between
    the outputs (:func:`hemasim.endpoints.value_on_day`); None on a day :func:`hemasim.endpoints.reads_on_day` does
    not read (no output between the graft and it). ``days`` (T,) after the graft, ``counts`` name -> (N, T). The
    endpoints and the report's table read these, so that they agree on which days have a value."""
    rows: list[tuple[int, dict[str, np.ndarray] | None]] = []
    for d in CHIMERISM_DAYS:
        if not len(days) or d > float(days[-1]) + 1e-9:
            break
        if not reads_on_day(days, d):
            rows.append((d, None))
            continue
        on_day = {k: value_on_day(days, v, d)[:, None] for k, v in counts.items()}
        rows.append((d, {lineage: lineage_chimerism(on_day, lineage)[:, 0] for lineage in LINEAGES}))
    return rows


def chimerism_by_day(result: Result) -> tuple[float, list[tuple[int, float | None, float | None]]] | None:
    """The graft's day and, on each of :data:`CHIMERISM_DAYS` after it that the run reaches, the donor share of
    blood T cells and of myeloid cells (fractions; None, None on a day before the first output after the graft,
    which the endpoints have no value for either: the output grid is coarser than that day); None for a run without
    a graft or donor-tracked counts. The report's lineage-chimerism table and its key results read the same values
    as the endpoints (:func:`shares_on_days`)."""
    if "cd3_per_uL__donor" not in result.model.observable_names:
        return None
    spec = result.record.scenario
    graft = chimerism_graft_day(spec.interventions) if spec is not None else None
    if graft is None:
        return None
    after = result.times >= graft - 1e-9
    counts = {n: result.observable(n)[None, after] for counts in LINEAGES.values() for c in counts
              for n in (c, f"{c}__donor")}
    rows: list[tuple[int, float | None, float | None]] = []
    for d, shares in shares_on_days(result.times[after] - graft, counts):
        rows.append((d, None, None) if shares is None else (d, float(shares["t"][0]), float(shares["myeloid"][0])))
    return graft, rows


def _alloreactive(result: Result) -> bool:
    """Whether a run's scenario adds the donor T cells' kill of host cells (immunosuppression or a DLI)."""
    spec = result.record.scenario
    return spec is None or any(iv.kind in ("immunosuppression", "donor_lymphocyte_infusion")
                               for iv in spec.interventions)


def lineage_chimerism_section(result: Result) -> str | None:
    """A table of donor T-cell and myeloid chimerism on the usual days after the graft."""
    return lineage_chimerism_arms_section([("", result)])


def lineage_chimerism_arms_section(arms: Sequence[tuple[str, Result]]) -> str | None:
    """The lineage chimerism table of one run, or of a scenario's arms in one table: a T-cell and a myeloid column
    per arm, or one pair where every arm has the same shares (said so). Drawn arm by arm, two arms of a transplant
    gave two identical tables one under the other (report36). None where no arm has a graft with donor-tracked
    counts. An arm without an allogeneic graft gets no column and is named as such: the arms report once passed
    only the arms with a graft, and a lone graft arm's table did not say whose it was (review36c)."""
    import html  # its entity tables only when reporting (docs/performance.md, goal 1)

    from hemasim.report.key_results import percent_number  # the report's one percentage rule

    found, without = [], []  # arms with a table's column; arms without an allogeneic graft
    for name, r in arms:
        by_day = chimerism_by_day(r) if has_lineage_chimerism(r) else None
        if by_day is None:
            without.append(name)
        elif by_day[1]:  # a graft but a run that ends before the first day: no column, not "no graft"
            found.append((name, by_day))
    if not found:
        return None
    def cell(v: float | None) -> str:
        return NO_OUTPUT_CELL if v is None else percent_number(v)

    # the same as printed (to the table's 0.1%): two arms that part only after a vaccine differ in the 6th digit
    shown = [(g, [(d, cell(t), cell(m)) for d, t, m in rows]) for _, (g, rows) in found]
    same = len(found) > 1 and all(b == shown[0] for b in shown[1:])
    columns = found[:1] if same or len(found) == 1 else found
    days = list(dict.fromkeys(d for _, (_, rows) in columns for d, _, _ in rows))
    cells = {name: {d: (t, m) for d, t, m in rows} for name, (_, rows) in columns}

    grafts = list(dict.fromkeys(f"{g:g}" for _, (g, _) in found))
    if len(grafts) == 1:
        graft = f"on day {html.escape(grafts[0])}"
    else:
        graft = "on day " + ", ".join(f"{html.escape(f'{g:g}')} (arm {html.escape(n)})" for n, (g, _) in found)
    if len(columns) == 1:
        head = "<tr><th>day after graft</th><th>T cells (% donor)</th><th>myeloid (% donor)</th></tr>"
    else:
        arm_heads = "".join(f"<th>{html.escape(n)}</th>" for n, _ in columns)
        head = (f'<tr><th rowspan="2">day after graft</th><th colspan="{len(columns)}">T cells (% donor)</th>'
                f'<th colspan="{len(columns)}">myeloid (% donor)</th></tr><tr>{arm_heads}{arm_heads}</tr>')
    rows = []
    for d in days:
        ts = "".join(f"<td>{cell(cells[n].get(d, (None, None))[0])}</td>" for n, _ in columns)
        ms = "".join(f"<td>{cell(cells[n].get(d, (None, None))[1])}</td>" for n, _ in columns)
        rows.append(f"<tr><td>{d}</td>{ts}{ms}</tr>")
    gap = ("" if all(t is not None for _, (_, r) in found for _, t, _ in r) else
           " &ndash;: no output lies between the graft and that day (the output grid is coarser), so the run has no "
           "value there, as its endpoints have none; a finer <code>output: {every_days: ...}</code> gives one.")
    names = [n for n, _ in found]
    whose = ""
    if same:
        whose = f" The same in arms {html.escape(', '.join(names))}: shown once"
    elif len(found) > 1:
        whose = " One column per arm"
    elif len(arms) > 1:
        whose = f" Arm {html.escape(names[0])}"
    if without:
        whose += f"; {'arms' if len(without) > 1 else 'arm'} {html.escape(', '.join(without))} " \
                 f"{'have' if len(without) > 1 else 'has'} no allogeneic graft"
    whose += "." if whose else ""
    # the scenario (or an arm with a graft) without either: said where its table is read (ux36: no prophylaxis read as
    # less alloreactivity, a mixed chimera at day +365 where the same patient with ciclosporin was full donor)
    bare = [n for n, r in arms if n not in without and not _alloreactive(r)]
    unkilled = ("" if not bare else " This scenario has neither" + (
        f" (arm{'s' if len(bare) > 1 else ''} {html.escape(', '.join(bare))})" if len(arms) > 1 else "") +
        ": no donor T cell kills a host cell, so the host cells the conditioning leaves (all, without one) stay and "
        "its chimerism does not convert to donor as it would with them.")
    return ("<h2>Lineage chimerism</h2><p>Donor share (%) of blood T cells (CD3+) and myeloid cells (neutrophils and "
            f"monocytes) after the graft {graft}; full donor chimerism is &ge; "
            f"{100 * FULL_DONOR:g}% (see docs/chimerism.md). The model has no GvHD as a disease (skin, gut, liver) "
            "and no rejection: donor T cells kill only the host's blood-forming and lymphoid cells, and only in a "
            "scenario with immunosuppression (which holds most of that kill back while given) or a donor lymphocyte "
            f"infusion; without either, no host cell is killed after the conditioning.{unkilled}{whose}{gap}</p>"
            f"<table>{head}{''.join(rows)}</table>")


LINEAGE_SECTION = ReportSection("lineage_chimerism", lineage_chimerism_section)
