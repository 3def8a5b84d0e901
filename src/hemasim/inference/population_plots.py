"""Figures of a population fit: the visual predictive check (matplotlib, Agg backend)."""

from __future__ import annotations

import io

from hemasim.inference.population import VisualPredictiveCheck


def vpc_png(vpc: VisualPredictiveCheck, label: str, log_scale: bool = True) -> bytes:
    """The VPC as PNG bytes: observed 5th/50th/95th percentiles per time bin (lines and points) over the 90%
    intervals of the same percentiles in data simulated from the population model (bands)."""
    from matplotlib.figure import Figure  # lazily: matplotlib is slow to import; Figure needs no backend

    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.subplots()
    x = vpc.bin_centres
    for k, (q, colour) in enumerate(((5, "tab:blue"), (50, "tab:red"), (95, "tab:blue"))):
        ax.fill_between(x, vpc.simulated[:, k, 0], vpc.simulated[:, k, 2], color=colour, alpha=0.2, lw=0,
                        label=f"simulated p{q}: 90% interval" if q != 95 else None)
        ax.plot(x, vpc.observed[:, k], "o-", color=colour, lw=1.5, ms=4,
                label=f"observed p{q}" if q != 95 else None)
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("day")
    ax.set_ylabel(label)
    ax.set_title(f"Visual predictive check ({vpc.n_replicates} simulated data sets)")
    ax.legend(fontsize=8, loc="best")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return buf.getvalue()
