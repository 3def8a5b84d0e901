"""Figures of sweeps (endpoint against swept value; a heat map for a two-factor grid) and of sensitivity
indices (a ranking, tornado-style, of the factors for each endpoint). Each function returns a file writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from textwrap import fill
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hemasim.sensitivity.batch import failed_points
from hemasim.sensitivity.run import labelled

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from hemasim.sensitivity.design import Factor
    from hemasim.sensitivity.run import SensitivityResult, SweepResult

__all__ = ["ranking_figure", "sweep_figure", "varying_endpoints"]

MAX_PANELS = 12


def _figure(n_panels: int, width: float = 4.0, height: float = 3.0) -> tuple[Figure, list[Axes]]:
    # a Figure renders itself: no pyplot and no backend switch, so a notebook keeps its inline plots
    from matplotlib.figure import Figure

    cols = min(3, max(1, n_panels))
    rows = max(1, -(-n_panels // cols))
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, axes


def _save(fig: Figure) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        from hemasim.report.html import png_bytes

        path.write_bytes(png_bytes(fig, dpi=110))
    return write


def run_level_first(endpoints: list[str]) -> list[str]:
    """``endpoints`` with the run's own first and a chemotherapy's per-cycle ones after them (each in its order): a
    weekly course's anc_nadir_cycle3..13 filled a ranking's twelve panels and left the run's nadir out (review36e)."""
    from hemasim.endpoints import is_per_cycle

    return sorted(endpoints, key=is_per_cycle)


def varying_endpoints(table: pd.DataFrame, columns: list[str]) -> list[str]:
    """Endpoints whose finite values spread by more than
    :data:`hemasim.sensitivity.estimators.NOISE_RELATIVE` of their size (the ones a plot can show moving): below
    it is the integrator's error, which drew heat maps of CD4 counts differing in the seventh digit, their colour
    bars labelled "+7.77369e2" and squeezing the panel. An endpoint with a value at some points and none at others
    (a nadir's day where the count did not fall) moves too (points that failed to run aside)."""
    from hemasim.sensitivity.estimators import NOISE_RELATIVE

    ran = ~failed_points(table, columns)
    out = []
    for c in columns:
        v = pd.to_numeric(table[c], errors="coerce").to_numpy(dtype=np.float64)[ran]
        finite = v[np.isfinite(v)]
        if finite.size and (np.ptp(finite) > NOISE_RELATIVE * max(1.0, float(np.abs(finite).max()))
                            or finite.size < v.size):
            out.append(c)
    return out


#: how a point without a value is marked, by why (endpoints.missing_notes; "failed to run": no endpoint at all)
_MISSING_MARKERS = {"not reached": ("x", "tab:red"), "did not fall": ("v", "tab:green"),
                    "did not rise": ("^", "tab:green"), "not computed": ("s", "tab:gray"), "failed to run": ("X", "k")}


def _why_missing(table: pd.DataFrame, name: str, failed: np.ndarray, missing: str | None = None
                 ) -> dict[str, np.ndarray]:
    """The points where endpoint ``name`` has no value, by why (the words of :data:`_MISSING_MARKERS`; ``missing``:
    the column's own note, "not computed" for one of :attr:`SweepResult.not_computed`)."""
    from hemasim.endpoints import missing_notes

    notes = missing_notes(table, name, missing)
    notes[failed] = "failed to run"
    return {note: notes == note for note in _MISSING_MARKERS if (notes == note).any()}


def _own_note(result: SweepResult, name: str) -> str | None:
    return "not computed" if name in result.not_computed else None


def _points(rows: np.ndarray, note: str) -> str:
    n = int(rows.sum())
    return f"{n} point{'s' if n != 1 else ''}: {note}"


def _mark_missing(ax: Axes, table: pd.DataFrame, name: str, failed: np.ndarray, x: str, y: str | None,
                  own: str | None = None) -> None:
    """Mark the points where endpoint ``name`` has no value (a line or a scatter skipped them without a word; a heat
    map left a blank cell): on the bottom edge at their ``x`` (at (x, y) on a heat map), one legend entry per reason
    with the number of points, "3 points: not reached" (``own``: the column's own note, "not computed")."""
    missing = _why_missing(table, name, failed, own)
    for note, rows in missing.items():
        marker, colour = _MISSING_MARKERS[note]
        if y is None:  # on the axis edge, whatever the panel's y range
            ax.plot(table.loc[rows, x], np.zeros(int(rows.sum())), marker, color=colour, ms=5, ls="none",
                    clip_on=False, transform=ax.get_xaxis_transform(), label=_points(rows, note))
        else:
            ax.plot(table.loc[rows, x], table.loc[rows, y], marker, color=colour, ms=5, ls="none",
                    label=_points(rows, note))
    if missing:
        ax.legend(fontsize=6)


def _strongest_factor(table: pd.DataFrame, name: str, factors: list[Factor]) -> Factor:
    """The factor whose values rank-correlate most (|Spearman|) with endpoint ``name``, the first where none does:
    a Latin hypercube's scatter of every endpoint against the first factor showed the platelet nadir as noise
    against the ANC set point when the platelet set point moved it (examples/sweeps/healthy_lhs.yaml; visual)."""
    y = pd.to_numeric(table[name], errors="coerce").rank()
    rho = [abs(table[f.name].rank().corr(y)) for f in factors]
    return factors[int(np.nanargmax(rho))] if np.isfinite(rho).any() else factors[0]


def _cell_edges(values: np.ndarray, log: bool) -> np.ndarray:
    """The edges of a heat map's cells around grid ``values`` (sorted), halfway between neighbours on the factor's
    own scale: matplotlib's shading="nearest" takes linear midpoints, which on a log axis drew a log-spaced grid
    (MTT 42, 84, 168 h) as cells of 3x, 2x and 1.7x reaching down to 21 h, a value never run (polish)."""
    t = np.log10(values) if log else np.asarray(values, dtype=np.float64)
    if t.size == 1:  # one value: a cell of half a decade, or of one unit, around it
        return 10 ** (t[0] + np.array([-0.25, 0.25])) if log else t[0] + np.array([-0.5, 0.5])
    mids = (t[1:] + t[:-1]) / 2
    edges = np.concatenate([[2 * t[0] - mids[0]], mids, [2 * t[-1] - mids[-1]]])
    return 10**edges if log else edges


def _ticks_at_cells(ax: Axes, xs: np.ndarray, ys: np.ndarray, most: int = 8) -> None:
    """A heat map's ticks at the values run, the middles of its cells, where there are few (MTT 42.1, 84.2, 168.4
    h read as 50, 100, 200 between the cells); a finer grid keeps the axis' own ticks."""
    for axis, values in ((ax.xaxis, xs), (ax.yaxis, ys)):
        if len(values) <= most:
            axis.set_ticks(values, labels=[f"{v:.3g}" for v in values])
            axis.set_ticks([], minor=True)


def sweep_figure(result: SweepResult) -> Callable[[Path], None]:
    """Two-factor grid: a heat map per endpoint; a one-factor grid: each endpoint against the factor (a line);
    otherwise a scatter of each endpoint against the factor it rank-correlates with most (its axis label says
    which)."""
    from hemasim.inference.plots import plain_log_axis

    table, factors = result.table, result.factors
    shown = run_level_first(varying_endpoints(table, result.endpoints))[:MAX_PANELS] or result.endpoints[:1]
    fig, axes = _figure(len(shown))
    first = factors[0]
    heat = result.spec.method == "grid" and len(factors) == 2
    failed = failed_points(table, result.endpoints)
    for ax, name in zip(axes, shown, strict=False):
        x = first if heat or len(factors) == 1 else _strongest_factor(table, name, factors)
        if heat:
            # dropna=False: a column of cells without a value stays in the map, blank and marked
            pivot = table.pivot_table(index=factors[1].name, columns=first.name, values=name, aggfunc="mean",
                                      dropna=False)
            mesh = ax.pcolormesh(_cell_edges(pivot.columns.to_numpy(), first.log),
                                 _cell_edges(pivot.index.to_numpy(), factors[1].log), pivot.to_numpy(), shading="flat")
            fig.colorbar(mesh, ax=ax)
            ax.set_ylabel(labelled(factors[1].name, result.units), fontsize=7)
            if factors[1].log:
                plain_log_axis(ax, "y")
        elif result.spec.method == "grid" and len(factors) == 1:
            ax.plot(table[x.name], table[name], marker="o", ms=3)
        else:
            ax.scatter(table[x.name], table[name], s=6)
        _mark_missing(ax, table, name, failed, x.name, factors[1].name if heat else None, _own_note(result, name))
        if x.log:
            plain_log_axis(ax, "x")
        if heat:
            _ticks_at_cells(ax, pivot.columns.to_numpy(), pivot.index.to_numpy())
        ax.set_xlabel(labelled(x.name, result.units), fontsize=7)
        ax.set_title(labelled(name, result.units), fontsize=8)
    ran = ~failed
    nowhere = [c for c in result.endpoints if ran.any() and table.loc[ran, c].isna().all()]
    if nowhere:  # no panel can show them: say which and why below the panels
        reasons = {c: _why_missing(table, c, failed, _own_note(result, c)) for c in nowhere}
        why = (f"{c} ({', '.join(_points(rows, note) for note, rows in reasons[c].items())})" for c in nowhere)
        fig.supxlabel(fill("No value at any point, not drawn: " + "; ".join(why), 160), fontsize=7, ha="left", x=0.01)
    return _save(fig)


def _key(result: SensitivityResult) -> str:
    return {"morris": "mu_star", "sobol": "total_order", "local": "sensitivity"}[result.method]


def ranking_figure(result: SensitivityResult, top: int = 15) -> Callable[[Path], None]:
    """For each endpoint that moves, its factors ranked by mu* (Morris), total order (Sobol', first order
    beside it) or |d log y / d log p| (local), largest at the top."""
    key = _key(result)
    frame = result.indices
    indexed = [e for e in dict.fromkeys(frame["endpoint"])
               if np.nanmax(np.abs(frame.loc[frame["endpoint"] == e, key].to_numpy(dtype=np.float64)),
                            initial=0.0) > 0]
    # an endpoint that does not move beyond the integrator's error over the design has indices of that error: a
    # Morris mu* of 1e-14 (platelet nadir against the HSC count after a marrow kill) drew a full bar, its axis
    # scaled by "1e-14" below, beside the real effects (the sweep figure's rule, varying_endpoints)
    sampled = [e for e in indexed if e in result.samples.columns]
    noise = sorted(set(sampled) - set(varying_endpoints(result.samples, sampled)), key=indexed.index)
    moving = [e for e in indexed if e not in noise]
    if not moving:  # one empty panel of the first endpoint said nothing; say why there are no bars
        fig, (ax,) = _figure(1, width=6.0, height=1.6)
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"No endpoint moves over these ranges ({len(result.factors)} factors, "
                f"{len(result.samples)} runs):\nevery index is 0, or undefined where an endpoint's spread is the "
                "integrator's error.", ha="center", va="center", fontsize=9, wrap=True)
        return _save(fig)
    shown = run_level_first(moving)[:MAX_PANELS]
    fig, axes = _figure(len(shown), width=5.0, height=0.25 * min(top, len(result.factors)) + 1.2)
    for ax, endpoint in zip(axes, shown, strict=False):
        rows = frame[frame["endpoint"] == endpoint].copy()
        rows["size"] = np.abs(rows[key].to_numpy(dtype=np.float64))
        rows = rows.sort_values("size", na_position="first").tail(top)
        y = np.arange(len(rows))
        if result.method == "local":  # signed: a tornado
            # a derivative whose two steps disagree (step_ok false: an endpoint counted in output intervals, a day
            # of recovery jumping by a whole interval) is no sensitivity: drawn hatched and grey, and said so
            failed = ~rows["step_ok"].to_numpy(dtype=bool) if "step_ok" in rows else np.zeros(len(rows), bool)
            colors = np.where(failed, "lightgray", np.where(rows[key] >= 0, "tab:red", "tab:blue"))
            bars = ax.barh(y, rows[key], color=colors)
            for bar, bad in zip(bars, failed, strict=True):
                if bad:
                    bar.set_hatch("//")
            if failed.any():
                ax.bar_label(bars, labels=["step check failed" if bad else "" for bad in failed], fontsize=6,
                             padding=2)
                ax.margins(x=0.45)  # room for the words beside the longest bar
            ax.axvline(0, color="k", lw=0.5)
            ax.set_xlabel("d log endpoint / d log factor", fontsize=7)
        else:
            ax.barh(y, rows["size"], color="tab:gray", label=key.replace("_", " "))
            if result.method == "sobol":
                ax.barh(y, rows["first_order"], height=0.4, color="tab:orange", label="first order")
                ax.legend(fontsize=6)
            if result.method == "morris":
                ax.plot(rows["sigma"], y, "k|", ms=8, label="sigma")
                ax.legend(fontsize=6)
                ax.set_xlabel("mu* (endpoint units per whole range)", fontsize=7)
        ax.set_yticks(y, rows["factor"], fontsize=6)
        ax.set_title(labelled(endpoint, result.units), fontsize=8)
    if noise:
        fig.supxlabel(fill(f"Not drawn, moving by no more than the integrator's error over the design: "
                           f"{', '.join(noise)}", 160), fontsize=7, ha="left", x=0.01)
    return _save(fig)
