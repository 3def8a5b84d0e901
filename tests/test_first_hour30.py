"""The first-hour walk's leftovers (tidy30): what a new user saw in the shipped report and figures."""

from __future__ import annotations

import numpy as np
import pytest


def _ctcae_figure(y: np.ndarray, band: tuple[np.ndarray, np.ndarray] | None = None):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from hemasim.report.plots import _ctcae_lines

    fig = Figure(figsize=(6, 2.75))
    ax = fig.subplots()
    x = np.linspace(0.0, 100.0, 101)
    if band is not None:
        ax.fill_between(x, *band, alpha=0.3)
    ax.plot(x, y)
    ax.set_ylim(0, 6)
    _ctcae_lines(ax, "anc_1e9_per_L", x)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    label = next(t for t in ax.texts if "G3" in t.get_text())
    return ax, label, label.get_window_extent(renderer)


def _crossed(ax, box) -> bool:
    data = ax.transData
    return any(line.get_path().transformed(data).intersects_bbox(box, filled=False) for line in ax.lines
               if line.get_transform() is data) or any(
        path.transformed(data).intersects_bbox(box, filled=True) for c in ax.collections
        if c.get_transform() is data for path in c.get_paths())


def test_a_ctcae_label_crossed_at_both_ends_moves_along_its_line_to_a_free_place():
    """Two cycles' nadirs cross both ends of the G3 line: the label stood at its end with a white halo over the
    nadir (firsthour29's note). It now goes to the nearest place along the line that no curve crosses."""
    x = np.linspace(0.0, 100.0, 101)
    y = np.full_like(x, 5.0)
    for dip in (5.0, 95.0):
        y[np.abs(x - dip) <= 4] = 0.8
    ax, label, box = _ctcae_figure(y, (0.8 * y, 1.2 * y))
    assert not _crossed(ax, box), box
    assert ax.bbox.x0 + 0.1 * ax.bbox.width < box.x0 and box.x1 < ax.bbox.x1 - 0.1 * ax.bbox.width  # off both ends
    assert label.get_path_effects()  # free: the halo covers no data


def test_a_ctcae_label_with_no_free_place_loses_its_halo():
    """Where the data cross the label everywhere along its line, the white halo would hide them: it is dropped."""
    x = np.linspace(0.0, 100.0, 101)
    y = 1.1 + 0.5 * np.sin(x)  # oscillates through the label's height along the whole line
    ax, label, box = _ctcae_figure(y)
    assert _crossed(ax, box)
    assert not label.get_path_effects()
