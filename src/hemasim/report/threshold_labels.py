"""Labels of horizontal threshold lines (the CTCAE grades) placed when the figure is drawn.

A label goes above its line where it fits under the next line up (or the frame), else below it where it fits over
the next line down (or the frame); one that fits neither is named in the label of the nearest labelled line above
("CTCAE G3 (G4 below)"), the rule of the interactive plots (``assets/hemaplot.js``). A label goes along its line to
a place no curve crosses; where there is none, it goes outside the axes at the line's height in the right margin,
which the constrained layout makes room for (plots30). The room is measured in pixels at draw time: a constrained
layout sizes the panels only then, and the y-limits may be set after the lines.
Imported only where a figure is drawn (matplotlib at the top).
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.text import Text
from matplotlib.transforms import Bbox, ScaledTranslation, blended_transform_factory

#: the gap between a label and its line, and between a label and the next line or the frame (points)
LABEL_GAP_PT = 1.5


class _ThresholdLabel(Text):
    """One line's label; drawing it first places every label of its group (idempotent, so each draw redoes it)."""

    group: ThresholdLabels

    def draw(self, renderer: RendererBase) -> None:
        self.group.place(renderer)
        super().draw(renderer)

    def get_tightbbox(self, renderer: RendererBase | None = None) -> Bbox | None:
        # placed first when the constrained layout measures the axes: a label in the right margin gets its room
        if renderer is not None:
            self.group.place(renderer)
        return super().get_tightbbox(renderer)


class ThresholdLabels:
    """The labels of an axes' threshold lines: ``lines`` is (y in data units, name, at the right); names share a
    prefix (``prefix``, "CTCAE") that a merged label writes once."""

    def __init__(self, ax: Axes, lines: Sequence[tuple[float, str, bool]], x: tuple[float, float], prefix: str,
                 color: str, fontsize: float) -> None:
        self.ax, self.prefix, self.x = ax, prefix, x
        self.lines = sorted(lines, key=lambda line: -line[0])  # top down: a hidden label is named in the one above
        self.texts: list[_ThresholdLabel] = []
        for y, _, right in self.lines:
            text = _ThresholdLabel(x[1] if right else x[0], y, "", ha="right" if right else "left", color=color,
                                   fontsize=fontsize)
            text.group = self
            text.set_clip_on(False)  # as ax.text: a label is never cut at the frame (it is placed inside it)
            ax.add_artist(text)
            self.texts.append(text)

    def _label(self, name: str, right: bool, below: list[str]) -> str:
        words = f"{self.prefix} {name}" + (f" ({', '.join(below)} below)" if below else "")
        return f"{words} " if right else f" {words}"  # a space off the frame

    def place(self, renderer: RendererBase) -> None:
        ax = self.ax
        gap = LABEL_GAP_PT * float(renderer.points_to_pixels(1.0))  # type: ignore[arg-type]  # typed as any array
        to_px, from_px = ax.transData.transform, ax.transData.inverted().transform
        y0, y1 = sorted(ax.get_ylim())
        frame_lo, frame_hi = ax.bbox.y0, ax.bbox.y1
        shown = [y0 <= y <= y1 for y, _, _ in self.lines]
        pys = [float(to_px((0.0, y))[1]) for y, _, _ in self.lines]
        # the height of a label at its font: one line of text, its descent included
        self.texts[0].set_text(self._label(self.lines[0][1], self.lines[0][2], []))
        height = self.texts[0].get_window_extent(renderer).height
        where: list[str | None] = []
        for k, py in enumerate(pys):
            others = [p for j, p in enumerate(pys) if j != k and shown[j]]
            up = min([p for p in others if p > py] + [frame_hi]) - py
            down = py - max([p for p in others if p < py] + [frame_lo])
            fits = height + 2 * gap
            where.append(None if not shown[k] else "above" if up >= fits else "below" if down >= fits else None)
        below: list[list[str]] = [[] for _ in self.lines]
        for k, (_, name, _) in enumerate(self.lines):
            if shown[k] and where[k] is None:
                above = [j for j in range(k) if where[j] is not None]  # the lines are sorted top down
                if above:
                    below[above[-1]].append(name)
        for k, ((_, name, right), text) in enumerate(zip(self.lines, self.texts, strict=True)):
            if where[k] is None:
                text.set_text("")
                continue
            up = where[k] == "above"
            text.set_transform(ax.transData)  # back from the margin: the panel may have grown since
            text.set_verticalalignment("bottom" if up else "top")
            text.set_y(float(from_px((0.0, pys[k] + (gap if up else -gap)))[1]))
            # at the other end of its line where the data run through it at this one and not there: a nadir after
            # chemotherapy or a graft lies at the left, where "CTCAE G3 (G4 below)" stood (firsthour; the rule of
            # the interactive plots); where curves cross both ends (a cohort's band, several cycles' nadirs), along
            # the line to the nearest free place
            for place in [right, not right, *self._between(right)]:
                self._put(text, name, place, below[k])
                if not self._crossed(text.get_window_extent(renderer)):
                    # a white halo keeps the words legible over the grid and the reference spans; it covers no data
                    text.set_path_effects([patheffects.withStroke(linewidth=2.5, foreground="white")])
                    break
            else:
                text.set_path_effects([])
                if ax.figure is not None and ax.figure.get_layout_engine() is not None:
                    # no free place: outside the axes at the line's height, where no curve can cross it (at the
                    # line's end two nadirs' strokes crossed "G3" and "below)" in every AC-T and FAC ANC panel; plots30)
                    self._in_margin(text, name, self.lines[k][0], below[k])
                else:
                    # a figure of fixed margins (the cohort bands) has no room beside its axes: at the line's own
                    # end, without the halo, which would hide the curve under the words (tidy30)
                    self._put(text, name, right, below[k])

    def _in_margin(self, text: Text, name: str, y: float, below: list[str]) -> None:
        """Put ``text`` right of the axes at height ``y`` (data units), on two lines: the margin is as narrow as
        "(G4 below)"."""
        ax = self.ax
        words = f"{self.prefix} {name}" + (f"\n({', '.join(below)} below)" if below else "")
        off = ScaledTranslation(LABEL_GAP_PT * 2 / 72, 0, ax.figure.dpi_scale_trans)
        text.set_transform(blended_transform_factory(ax.transAxes, ax.transData) + off)
        text.set_text(words)
        text.set_position((1.0, y))
        text.set_horizontalalignment("left")
        text.set_verticalalignment("center")
        text.set_multialignment("left")

    def _between(self, right: bool) -> list[float]:
        """Places along the line between its ends (fractions of the x-range from the left end, centred there), the
        nearest to the label's own end first."""
        fractions = [k / 10 for k in range(1, 10)]
        return sorted(fractions, key=lambda f: 1 - f if right else f)

    def _put(self, text: Text, name: str, place: bool | float, below: list[str]) -> None:
        """Put ``text`` at the right end of its line (``place`` True), the left end (False) or centred at a fraction
        ``place`` of the x-range from the left."""
        if isinstance(place, bool):
            text.set_text(self._label(name, place, below))
            text.set_x(self.x[1] if place else self.x[0])
            text.set_horizontalalignment("right" if place else "left")
            return
        text.set_text(self._label(name, False, below).strip())
        text.set_x(self.x[0] + place * (self.x[1] - self.x[0]))
        text.set_horizontalalignment("center")

    def _crossed(self, box: Bbox) -> bool:
        """Whether a data curve or band of the axes (drawn in data coordinates: not the threshold and graft lines,
        nor the reference and grade spans) passes through ``box`` (display pixels)."""
        data = self.ax.transData
        for line in self.ax.lines:
            if line.get_transform() is data and line.get_path().transformed(data).intersects_bbox(box, filled=False):
                return True
        for collection in self.ax.collections:
            if collection.get_transform() is data and any(
                    path.transformed(data).intersects_bbox(box, filled=True) for path in collection.get_paths()):
                return True
        return False
