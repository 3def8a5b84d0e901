"""The figures' one way out: a matplotlib figure as PNG bytes, drawn by matplotlib's Agg with four costs of each figure
not paid again (the same bytes as ``savefig``; docs/performance.md, "The suite, twentieth session").

* Mathtext parsed once a thread: a log axis writes its tick labels as mathtext ("$\\mathdefault{10^{3}}$"), and
  matplotlib keeps the parses in the renderer's parser, which each figure makes anew; here every renderer of a
  thread shares one (:data:`FigureCanvas`, passed to ``savefig`` as its backend: a figure's own canvas is kept).
* Titles placed once: matplotlib places an automatic title again at each of a save's layout passes and draws,
  measuring every y axis' tick labels of the panel and of its twins to find an offset text ("1e6", "+1e3") it must
  clear; where no axis of the figure can carry anything above its panel, the title's place is the panel's top
  (what that placement gives), so it is fixed there for the save (:func:`titles_placed_once`).
* Spines measured once: a layout pass measures each spine with its axis' ticks (the tick marks' length beyond the
  frame), which recomputes every tick of the axis, four times an axes; a spine whose extent lies inside what the
  layout takes from the axes anyway (:func:`spine_inside`) is left out of the layout for the save.
* Empty axis labels not placed: matplotlib places an axis label beside its tick labels at every pass, measuring them
  again, even when the label has no text (a stacked panel's x axis, all but the lowest); such a label draws nothing
  and measures nothing, so it is left where it is for the save (:func:`empty_labels_left`).

Imported only where a figure is saved (matplotlib at the top).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogFormatter, MaxNLocator, NullFormatter, ScalarFormatter

_THREAD = threading.local()  # matplotlib's parser is no more thread-safe than the rest of it: one a thread

#: this module as a matplotlib backend (``savefig(..., backend=...)``)
BACKEND = f"module://{__name__}"


class FigureCanvas(FigureCanvasAgg):
    """Matplotlib's Agg canvas whose renderers share their thread's mathtext parser (and its cache of parses): the
    parser of the thread's first renderer (its output type is the renderer's, which matplotlib's versions differ in)."""

    def get_renderer(self) -> RendererAgg:
        renderer = super().get_renderer()
        renderer.mathtext_parser = _THREAD.__dict__.setdefault("mathtext_parser", renderer.mathtext_parser)
        return renderer


def png_bytes(fig: Figure, dpi: float) -> bytes:
    """``fig`` as PNG bytes at ``dpi``: the bytes ``fig.savefig(buffer, format="png", dpi=dpi)`` writes."""
    buf = io.BytesIO()
    with titles_placed_once(fig), spines_out_of_layout(fig), empty_labels_left(fig):
        fig.savefig(buf, format="png", dpi=dpi, backend=BACKEND)
    return buf.getvalue()


@contextmanager
def titles_placed_once(fig: Figure) -> Iterator[None]:
    """The axes' automatic titles fixed at the panel's top while the block runs, where :func:`nothing_above` holds
    for every axes of the figure (matplotlib's automatic placement then puts them there too); as they were after."""
    axes = [ax for ax in fig.axes if getattr(ax, "_autotitlepos", None)]
    fixed = axes if all(nothing_above(ax) for ax in fig.axes) else []
    for ax in fixed:
        ax._autotitlepos = False  # type: ignore[attr-defined]  # what set_title(y=1.0) sets: placed by hand
        # at the panel's top, where automatic placement starts each draw (an earlier draw may have raised them)
        for title in (ax.title, ax._left_title, ax._right_title):  # type: ignore[attr-defined]
            title.set_y(1.0)
    try:
        yield
    finally:
        for ax in fixed:
            ax._autotitlepos = True  # type: ignore[attr-defined]


def nothing_above(ax: Axes) -> bool:
    """Whether nothing of ``ax`` can stand above its panel, what matplotlib's automatic title placement looks for:
    the x axis' ticks and label at the bottom, no child axes, and a y axis that cannot write an offset text (a log
    axis, a formatter without one, or a linear axis whose view holds 0 - a tick, so no offset - and ends between
    1e-2 and 1e6 - its ticks' power of ten inside the scientific-notation limits)."""
    if ax.name != "rectilinear" or ax.child_axes or "outline" in ax.spines \
            or ax.xaxis.get_ticks_position() != "bottom" or ax.xaxis.get_label_position() != "bottom":
        # (a colourbar's outline, an extension's triangle included, is what its title is placed against)
        return False
    formatter = ax.yaxis.get_major_formatter()
    if isinstance(formatter, (LogFormatter, NullFormatter)):
        return True
    if isinstance(formatter, FuncFormatter):
        return not formatter.get_offset()
    if type(formatter) is not ScalarFormatter or not isinstance(ax.yaxis.get_major_locator(), MaxNLocator) \
            or not formatter.get_useOffset():
        return False
    low, high = sorted(ax.get_ylim())
    lower, upper = formatter._powerlimits  # type: ignore[attr-defined]  # its own: rcParams when made, or scilimits
    return bool(low <= 0 <= high and 1e-2 <= max(-low, high) < 1e6 and lower <= -4 and upper >= 6)


@contextmanager
def spines_out_of_layout(fig: Figure) -> Iterator[None]:
    """The spines that :func:`spine_inside` holds for out of the figure's layout while the block runs; as they
    were after."""
    spines = [spine for ax in fig.axes for side, spine in ax.spines.items()
              if spine.get_in_layout() and spine_inside(ax, side)]
    for spine in spines:
        spine.set_in_layout(False)
    try:
        yield
    finally:
        for spine in spines:
            spine.set_in_layout(True)


def spine_inside(ax: Axes, side: str) -> bool:
    """Whether the ``side`` spine's extent (its line and, beyond it, its axis' tick marks on that side) lies inside
    what a layout takes from ``ax`` anyway, so that leaving it out changes no margin: a spine on the frame with no
    ticks on its side lies inside the frame; else the axis label on its side, where matplotlib places it (beyond
    the tick labels and this spine's extent), reaches farther out, and along the side the spine spans the frame."""
    if ax.name != "rectilinear" or side not in ("left", "right", "bottom", "top"):
        return False
    axis = ax.yaxis if side in ("left", "right") else ax.xaxis
    on_frame = ax.spines[side].get_position() == ("outward", 0.0)
    if on_frame and (not axis.get_visible() or not any(
            axis.get_tick_params(which=which).get(side, True) for which in ("major", "minor"))):
        return True
    label = axis.label
    return bool(axis.get_visible() and axis.get_in_layout() and getattr(axis, "_autolabelpos", False)
                and axis.get_label_position() == side and label.get_visible() and label.get_text())


@contextmanager
def empty_labels_left(fig: Figure) -> Iterator[None]:
    """The axes' axis labels without text, placed automatically, left where they are while the block runs (what
    ``set_label_coords`` sets; an empty label is neither drawn nor measured in a layout); placed automatically after."""
    axes: list[Axis] = [axis for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
                        if getattr(axis, "_autolabelpos", False) and not axis.label.get_text()]
    for axis in axes:
        axis._autolabelpos = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for axis in axes:
            axis._autolabelpos = True  # type: ignore[attr-defined]
