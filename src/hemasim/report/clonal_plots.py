"""Figures of clone-resolved runs: a Muller-style stacked history of the largest clones."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hemasim.clonal.engine import ClonalHistory

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def clone_history_figure(history: ClonalHistory, title: str = "largest HSC clones") -> Figure:
    """Share of the HSC pool held by each tracked clone over time, stacked (run with ``track_top``)."""
    # a Figure renders itself: no pyplot and no backend switch, so a notebook keeps its inline plots
    from matplotlib.figure import Figure

    if not history.tracked:
        raise ValueError("no clones were tracked: run the pool with track_top > 0")
    years = np.array(history.times_days) / 365.25
    pool = np.maximum(np.array(history.pool_size, dtype=float), 1.0)
    shares = np.array([np.array(v, dtype=float) / pool for v in history.tracked.values()])
    order = np.argsort(shares[:, -1])[::-1]
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[2, 1])
    colors = None
    kinds: set[str] = set()  # the kinds of clone drawn, for the legend
    if history.tracked_info:  # drivers: CH-panel drivers in reds, other drivers in blues, neutral clones grey
        import matplotlib as mpl

        ids = list(history.tracked)
        reds, blues = mpl.colormaps["Reds"], mpl.colormaps["Blues"]
        colors = []
        for k in order:
            _, sel, panel = history.tracked_info.get(ids[k], (-1, 0.0, False))
            shade = 0.45 + 0.5 * ((k * 0.618) % 1.0)
            kind = "CH-panel driver" if panel else "other driver" if sel > 0 else "neutral clone"
            kinds.add(kind)
            colors.append(reds(shade) if panel else blues(shade) if sel > 0 else (0.6, 0.6, 0.6, 0.5 + 0.4 * shade))
    ax.stackplot(years, 100 * shares[order], linewidth=0, colors=colors)
    if colors is not None:  # what the colours mean: only the kinds drawn (a neutral pool listed drivers it has not)
        from matplotlib.patches import Patch

        legend = {"CH-panel driver": mpl.colormaps["Reds"](0.7), "other driver": mpl.colormaps["Blues"](0.7),
                  "neutral clone": (0.6, 0.6, 0.6, 0.7)}
        ax.legend(handles=[Patch(color=c, label=label) for label, c in legend.items() if label in kinds],
                  fontsize=8, loc="upper left")
    ax.set_xlabel("time (years)")
    ax.set_ylabel("share of HSC pool (%)")
    # "(181 clones)" beside a "living clones" panel at ~700 read as the pool's clone count (harden10)
    ax.set_title(f"{title}: {len(shares)} clones ever among the largest")
    ax.set_xlim(years[0], years[-1])
    ax2.plot(years, history.n_clones, color="k")
    ax2.set_yscale("log")
    ax2.set_xlabel("time (years)")
    ax2.set_ylabel("clones")
    ax2.set_title("living clones")
    ax2.grid(alpha=0.3)
    return fig
