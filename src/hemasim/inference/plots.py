"""Figures (matplotlib, PNG) and the HTML summary of a fit."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from hemasim.report.html import image_html, page_head, png_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from hemasim.inference.outputs import FitOutputs

__all__ = ["fit_figures", "fit_report_html"]

def _figure(width: float, height: float, n: int = 1) -> tuple[Figure, Any]:
    # a Figure renders itself: no pyplot and no backend switch, so a notebook keeps its inline plots
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots(1, n, squeeze=False)[0]


def _plain_log_label(v: float, _: object) -> str:
    """A log axis's tick label as a plain number at 1, 2 and 5 of each decade, none elsewhere: matplotlib wrote
    6x10^0, and 2x10^0 3x10^0 4x10^0 ran into each other under the observed-vs-predicted panel."""
    if not v > 0:
        return ""
    mantissa = round(v / 10 ** np.floor(np.log10(v)), 6)
    return f"{v:g}" if mantissa in (1, 2, 5) else ""


def plain_log_axis(ax: Any, axis: str) -> None:
    """A log ``axis`` ("x" or "y") labelled with plain numbers at 1, 2 and 5 of each decade (matplotlib wrote
    3x10^0); the fit figures and the sweep and sensitivity figures use it."""
    from matplotlib.ticker import FuncFormatter

    getattr(ax, f"set_{axis}scale")("log")
    which = ax.xaxis if axis == "x" else ax.yaxis
    which.set_major_formatter(FuncFormatter(_plain_log_label))
    which.set_minor_formatter(FuncFormatter(_plain_log_label))


def _log_where_positive(ax: Any, axis: str, values: list[float]) -> None:
    """A log ``axis`` ("x" or "y") when some plotted value is above 0: matplotlib refuses to draw a log axis
    with nothing positive on it (every measurement censored, or every prediction 0: a concentration before the
    dose), and a linear axis then still shows the data. Ticks are labelled as plain numbers."""
    if any(v > 0 for v in values if np.isfinite(v)):
        plain_log_axis(ax, axis)


def _observed_vs_predicted(rows: list[dict[str, Any]], measured: str = "value (observable unit)",
                           curves: dict[tuple[str, str], tuple[Any, Any]] | None = None) -> bytes:
    """Measurements over time with the fit (``curves``: the fitted course between the measurements; without
    them, straight lines joining the predictions at the measurement days, which cut off a nadir between two of
    them), and observed against predicted."""
    fig, (ax_t, ax_d) = _figure(11, 4.2, 2)
    groups = sorted({(r["condition"], r["observable"]) for r in rows})
    for c, o in groups:
        sel = sorted((r for r in rows if r["condition"] == c and r["observable"] == o), key=lambda r: r["time_days"])
        t, y = curves[(c, o)] if curves and (c, o) in curves else ([r["time_days"] for r in sel],
                                                                  [r["predicted"] for r in sel])
        line = ax_t.plot(t, y, "-", lw=1, label=f"{c} / {o} predicted")[0]
        obs = [r for r in sel if not r["censored"]]
        cens = [r for r in sel if r["censored"]]
        ax_t.plot([r["time_days"] for r in obs], [r["value"] for r in obs], "o", ms=4, color=line.get_color())
        ax_t.plot([r["time_days"] for r in cens], [r["value"] for r in cens], "v", ms=5, color=line.get_color())
        ax_d.plot([r["predicted"] for r in obs], [r["value"] for r in obs], "o", ms=4, color=line.get_color())
    ax_t.set(xlabel="day", ylabel=measured,
             title="measurements (o; v: below the assay limit) and the fit")
    _log_where_positive(ax_t, "y", [r[k] for r in rows for k in ("value", "predicted")])
    if len(groups) <= 8:
        ax_t.legend(fontsize=7)
    vals = [r["value"] for r in rows] + [r["predicted"] for r in rows]
    lo, hi = max(min(vals), 1e-6), max(vals)
    ax_d.plot([lo, hi], [lo, hi], "k--", lw=0.8)
    ax_d.set(xlabel=f"predicted {measured}", ylabel=f"observed {measured}", title="observed vs predicted")
    _log_where_positive(ax_d, "x", [lo, hi])
    _log_where_positive(ax_d, "y", [lo, hi])
    return png_bytes(fig)


def _residuals(rows: list[dict[str, Any]]) -> bytes:
    fig, (ax_t, ax_p) = _figure(11, 3.6, 2)
    kept = [r for r in rows if not r["censored"]]
    res = [r["standardized_residual"] for r in kept]
    ax_t.plot([r["time_days"] for r in kept], res, "o", ms=4)
    ax_p.plot([r["predicted"] for r in kept], res, "o", ms=4)
    for ax, xl in ((ax_t, "day"), (ax_p, "predicted")):
        ax.axhline(0, color="k", lw=0.8)
        for y in (-2, 2):
            ax.axhline(y, color="grey", lw=0.6, ls=":")
        ax.set(xlabel=xl, ylabel="standardized residual")
    _log_where_positive(ax_p, "x", [r["predicted"] for r in kept])
    ax_t.set_title("standardized residuals (uncensored)")
    return png_bytes(fig)


def _profiles(out: FitOutputs) -> bytes:
    n = len(out.profiles)
    fig, axes = _figure(3.2 * n, 3.0, n)
    for ax, pr in zip(axes, out.profiles, strict=True):
        ax.plot(pr.natural, pr.objective - pr.best_objective, "o-", ms=3)
        ax.axhline(pr.threshold - pr.best_objective, color="r", ls="--", lw=0.8)
        for ci in (pr.ci_lower, pr.ci_upper):
            if ci is not None:
                ax.axvline(ci, color="grey", ls=":", lw=0.8)
        scale = out.objective.parameters[out.objective.names.index(pr.name)].scale
        if scale != "lin":
            from matplotlib.ticker import FormatStrFormatter, MaxNLocator, NullFormatter

            ax.set_xscale("log")  # a profile spans less than a decade: a few plain ticks, no minor labels
            ax.xaxis.set_major_locator(MaxNLocator(4))
            ax.xaxis.set_major_formatter(FormatStrFormatter("%.3g"))
            ax.xaxis.set_minor_formatter(NullFormatter())
        unit = out.problem.parameter(pr.name).unit
        ax.set(xlabel=f"{pr.name} ({unit})" if unit else pr.name, ylabel="objective - best", title=pr.status,
               ylim=(-0.2, 4.0))
    return png_bytes(fig)


def _trace(out: FitOutputs) -> bytes:
    fig, (ax,) = _figure(6, 3.6)
    best = out.result.fun
    for i, run in enumerate(out.result.runs):
        if run.trace:
            ax.plot(np.arange(len(run.trace)), np.maximum(np.array(run.trace) - best, 1e-8), lw=1,
                    color="C0" if i == 0 else "0.7")
    ax.set(yscale="log", xlabel="iterate", ylabel="objective - best", title="objective trace (blue: best start)")
    return png_bytes(fig)


def measured_label(problem: Any) -> str:
    """What the measurements are, for an axis: each observable as ``anc (anc_1e9_per_L)`` (the hemasim name
    carries the unit), ``x 2`` where the problem scales it; it read "value (observable unit)"."""
    def one(o: Any) -> str:
        return f"{o.id} ({o.hemasim}{'' if o.scale == 1 else f' x {o.scale:g}'})"

    return ", ".join(one(o) for o in problem.observables)


def fit_figures(out: FitOutputs, rows: list[dict[str, Any]]) -> dict[str, bytes]:
    figs = {"observed_vs_predicted.png": _observed_vs_predicted(rows, measured_label(out.problem), out.curves),
            "residuals.png": _residuals(rows),
            "trace.png": _trace(out)}
    if out.profiles:
        figs["profiles.png"] = _profiles(out)
    return figs


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    def cell(v: object) -> str:
        if v is None:
            return "open"
        return f"{v:.4g}" if isinstance(v, float) else html.escape(str(v))

    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def fit_report_html(out: FitOutputs, record: dict[str, Any], figures: dict[str, bytes]) -> str:
    esc = html.escape
    s = record["summary"]
    parts = [f"<!doctype html><html lang='en'><head>{page_head(out.problem.name)}</head><body><h1>Fit: {esc(out.problem.name)}</h1>",
             f"<p class='muted'>hemasim {esc(record['hemasim_version'])}; problem {esc(str(record['problem']))}; "
             f"data {esc(', '.join(record['data']))}; seed {record['seed']}; {esc(record['engine'])}</p>",
             f"<p>{s['starts']} starts ({esc(s['method'])}): best objective {s['best_objective']:.6g} "
             f"(minus log-likelihood{' plus minus log prior' if any(p.prior for p in out.objective.parameters) else ''}"
             f", {s['n_data']} measurements); {s['converged_to_best']} of {s['starts']} starts reached it "
             f"(within 1.92); {s['parameter_vectors_simulated']} parameter vectors simulated.</p>",
             "<h2>Estimates and 95% profile-likelihood intervals</h2>",
             # the numbers next to the id, the long run-record name last: on a phone the table scrolls sideways
             # and showed the id and half the target, no estimate
             _table(record["estimates"], ["id", "estimate", "unit", "ci95_lower", "ci95_upper", "identifiability",
                                          "target"])]
    if record["identifiability"]:
        parts += ["<h2>What the data determine</h2>",
                  _table(record["identifiability"], ["parameter", "interval", "status", "says"])]
    titles = {"observed_vs_predicted.png": "Observed and predicted", "residuals.png": "Residuals",
              "profiles.png": "Profile likelihoods (dashed: 95% threshold)", "trace.png": "Objective trace"}
    for name, png in figures.items():
        parts.append(f"<h2>{titles.get(name, name)}</h2>{image_html(name, png)}")
    parts.append("</body></html>")
    return "\n".join(parts)
