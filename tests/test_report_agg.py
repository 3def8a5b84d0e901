"""Figures saved through hemasim.report.agg: the bytes matplotlib's own savefig writes, with the mathtext parses
kept a thread and the titles placed once only where nothing can stand above a panel."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from hemasim.report import agg  # noqa: E402


def _savefig(fig: Figure, dpi: float = 90) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _log_and_twin() -> Figure:
    """A log panel (mathtext tick labels) with a linear twin from 0 and a third axis on a spine set off the frame,
    titled, beside a titled linear panel; axis labels on some sides (their spines leave the layout), not on all."""
    fig = Figure(figsize=(8, 3), layout="constrained")
    ax, right = fig.subplots(1, 2)
    x = np.linspace(0, 30, 61)
    ax.semilogy(x, 1e4 * np.exp(-x / 4) + 1e-2)
    ax.set_ylabel("load")
    twin = ax.twinx()
    twin.plot(x, np.sin(x) ** 2)
    twin.set_ylim(0, 1.2)
    third = ax.twinx()
    third.spines.right.set_position(("axes", 1.12))
    third.plot(x, 50 * x)
    third.set_ylabel("dose")
    ax.set_title("a log panel and its twins")
    right.set_xlabel("day")
    right.plot(x, 3 + np.cos(x))
    right.set_ylim(0, 5)
    right.set_title("a linear panel", fontsize=10)
    return fig


def _offset_text() -> Figure:
    """A panel whose y axis writes an offset text above it ("+1e3"): the title must clear it."""
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1, 2], [1000.0, 1000.2, 1000.1])
    ax.set_title("a title as wide as the panel above its offset text")
    return fig


def _scilimits() -> Figure:
    """A panel holding 0 whose own scientific-notation limits (not rcParams') write a "1e3" above it."""
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1, 2], [0, 3000, 5000])
    ax.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
    ax.set_title("a title as wide as the panel above its offset text, wider")
    return fig


def _colourbar_title() -> Figure:
    """A titled colourbar whose extension's triangle stands above its panel: its title is placed against it."""
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.subplots()
    mesh = ax.pcolormesh(np.arange(12.0).reshape(3, 4), vmin=0, vmax=5)
    fig.colorbar(mesh, ax=ax, extend="max").ax.set_title("a colourbar title")
    return fig


@pytest.mark.slow
@pytest.mark.parametrize("build", [_log_and_twin, _offset_text, _scilimits, _colourbar_title])
def test_the_bytes_are_matplotlibs_and_the_titles_are_left_automatic(build):
    fig, plain = build(), build()
    # saved again and again as matplotlib saves it (whose third save of the offset text's figure differs)
    assert [agg.png_bytes(fig, 90) for _ in range(3)] == [_savefig(plain) for _ in range(3)]
    assert all(ax._autotitlepos for ax in fig.axes if ax.get_title())  # placed by hand only while saving


def test_a_title_over_an_offset_text_keeps_its_automatic_place():
    """The guard is what keeps the bytes: a title fixed at the top sits over the offset text, a different picture."""
    fig = _offset_text()
    assert not agg.nothing_above(fig.axes[0])
    fig.axes[0].set_title(fig.axes[0].get_title(), y=1.0)
    assert _savefig(fig) != _savefig(_offset_text())


def test_a_title_an_earlier_save_raised_is_fixed_at_the_panels_top():
    """Saved once over an offset text (the title raised above it), then re-limited to hold 0: fixed at the top, as
    matplotlib's automatic placement puts it, not where the earlier save left it."""
    fig, plain = _offset_text(), _offset_text()
    agg.png_bytes(fig, 90), _savefig(plain)
    for f in (fig, plain):
        f.axes[0].set_ylim(0, 1500)
    assert agg.nothing_above(fig.axes[0])
    assert agg.png_bytes(fig, 90) == _savefig(plain)


@pytest.mark.parametrize(("limits", "expected"), [((0.0, 5.0), True), ((-2.0, 0.5), True), ((0.0, 9.9e5), True),
                                                  ((0.0, 2e6), False), ((0.0, 1e-3), False), ((1.0, 5.0), False),
                                                  ((1000.0, 1000.5), False)])
def test_a_linear_axis_has_nothing_above_when_it_holds_zero_inside_the_plain_powers(limits, expected):
    ax = Figure().subplots()
    ax.set_ylim(*limits)
    assert agg.nothing_above(ax) is expected
    if expected:  # what the guard promises: matplotlib writes no offset text there
        ax.yaxis.get_major_formatter().format_ticks(ax.yaxis.get_majorticklocs())
        assert ax.yaxis.get_major_formatter().get_offset() == ""


def test_log_and_function_axes_have_nothing_above_and_top_ticks_have():
    ax = Figure().subplots()
    ax.set_yscale("log")
    ax.set_ylim(1e-3, 1e7)
    assert agg.nothing_above(ax)
    ax.set_yscale("linear")
    ax.set_ylim(5e6, 9e6)
    assert not agg.nothing_above(ax)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e6:g}"))
    assert agg.nothing_above(ax)
    ax.xaxis.tick_top()
    assert not agg.nothing_above(ax)


def test_a_threads_figures_share_one_mathtext_parser_and_threads_do_not():
    def parser() -> object:
        return agg.FigureCanvas(Figure()).get_renderer().mathtext_parser

    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(parser()))
    thread.start()
    thread.join()
    assert parser() is parser()
    assert other[0] is not parser()


@pytest.mark.slow
def test_figures_saved_in_two_threads_at_once_are_the_ones_saved_alone():
    alone = agg.png_bytes(_log_and_twin(), 80)
    out: list[bytes] = []
    threads = [threading.Thread(target=lambda: out.extend(agg.png_bytes(_log_and_twin(), 80) for _ in range(3)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [alone] * 6


def test_a_spine_whose_tick_marks_set_a_margin_stays_in_the_layout():
    """Ticks without labels on the left: the tick marks are what the left margin holds, so the spine stays."""
    def build() -> Figure:
        fig = Figure(figsize=(4, 3), layout="constrained")
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1])
        ax.yaxis.set_major_formatter(NullFormatter())
        ax.set_xlabel("day")
        return fig

    fig = build()
    ax = fig.axes[0]
    assert not agg.spine_inside(ax, "left") and agg.spine_inside(ax, "bottom") and agg.spine_inside(ax, "top")
    assert agg.png_bytes(fig, 90) == _savefig(build())
    ax.spines.left.set_in_layout(False)  # what the guard keeps from happening: a narrower margin
    assert _savefig(fig) != _savefig(build())
    assert all(spine.get_in_layout() for spine in build().axes[0].spines.values())


def test_the_spines_are_back_in_the_layout_after_a_save():
    fig = _log_and_twin()
    left_out = [s for ax in fig.axes for side, s in ax.spines.items() if agg.spine_inside(ax, side)]
    assert len(left_out) > 8  # the twins' frames, the labelled sides
    agg.png_bytes(fig, 80)
    assert all(s.get_in_layout() for ax in fig.axes for s in ax.spines.values())


@pytest.mark.slow
def test_an_empty_axis_label_left_unplaced_is_placed_once_it_has_text():
    """Saved with an empty x label (left where it is while saving), then labelled and saved again: as matplotlib
    saves the same figure the same way (a constrained figure's second save differs from its first there)."""
    def saves(save) -> list[bytes]:
        fig = _log_and_twin()
        first = save(fig)
        fig.axes[0].set_xlabel("day")
        return [first, save(fig)]

    assert saves(lambda fig: agg.png_bytes(fig, 90)) == saves(_savefig)
