"""Figures of a population fit: the visual predictive check (matplotlib, Agg backend)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hemasim.inference.population import VisualPredictiveCheck

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def vpc_png(vpc: VisualPredictiveCheck, label: str, log_scale: bool = True) -> bytes:
    """The VPC as PNG bytes: observed 5th/50th/95th percentiles per time bin (lines and points) over the 90%
    intervals of the same percentiles in data simulated from the population model (bands)."""
    from hemasim.report.html import png_bytes

    return png_bytes(vpc_figure(vpc, label, log_scale))


def vpc_figure(vpc: VisualPredictiveCheck, label: str, log_scale: bool = True) -> Figure:
    """The figure of :func:`vpc_png`."""
    from matplotlib.figure import Figure  # lazily: matplotlib is slow to import; Figure needs no backend

    fig = Figure(figsize=(9.0, 4.2), layout="constrained")
    ax = fig.subplots()
    x = vpc.bin_centres
    for k, (q, colour) in enumerate(((5, "tab:blue"), (50, "tab:red"), (95, "tab:blue"))):
        # one legend entry for the outer pair (p5 and p95 share a colour): it named only p5 beside two blue bands
        ax.fill_between(x, vpc.simulated[:, k, 0], vpc.simulated[:, k, 2], color=colour, alpha=0.2, lw=0,
                        label=("simulated p5 and p95" if q == 5 else "simulated p50") + ": 90% interval"
                        if q != 95 else None)
        ax.plot(x, vpc.observed[:, k], "o-", color=colour, lw=1.5, ms=4,
                label=("observed p5 and p95" if q == 5 else "observed p50") if q != 95 else None)
    if log_scale:
        from matplotlib.ticker import FuncFormatter

        def plain(v: float, _: object) -> str:  # 0.2, 0.5, 1, 2, 5 (it printed 6x10^0 and 2x10^-1)
            mantissa = round(v / 10 ** np.floor(np.log10(v)), 6) if v > 0 else 0
            return f"{v:g}" if mantissa in (1, 2, 5) else ""

        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(plain))
        ax.yaxis.set_minor_formatter(FuncFormatter(plain))
    ax.set_xlabel("day")
    ax.set_ylabel(label)
    ax.set_title(f"Visual predictive check ({vpc.n_replicates} simulated data sets)")
    # beside the axes, off the bands and the observed lines (inside, it covered the lower band)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return fig
