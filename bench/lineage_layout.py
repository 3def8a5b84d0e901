"""The report's lineage figure (``hemasim.report.plots.lineage_figure``, saved by ``report.html.png_bytes`` at 90 dpi):
CPU of ``savefig`` with its constrained layout, against two cheaper layouts, and how the PNG differs.

(a) *engine once*: the layout engine run once at the saving dpi, then the figure saved without it (``savefig`` with a
layout engine draws the figure twice: a dry draw that lays it out, then the drawing); (b) *fixed*: no layout engine,
the panels placed at margins fixed in inches (the vertical ones by the legend lines of each row, exactly as constrained
layout puts them; the horizontal ones the widest constrained layout chose on the examples: six-character tick labels
in the left column, a day tick at the right end). Interleaved, fresh figures, CPU seconds (``time.process_time``).
docs/performance.md, "Report figures' layout, seventeenth session". Not adopted (see there).

    PYTHONPATH=src python bench/lineage_layout.py 10 healthy_adult marrow_depletion allo_hsct_pbsc
"""

from __future__ import annotations

import io
import sys
import time
from typing import Any

import numpy as np

from hemasim.assembly import run_scenario
from hemasim.report.html import png_bytes as png
from hemasim.report.plots import LINEAGE_LEGEND_COLUMNS, lineage_figure
from hemasim.scenario import load_scenario

DPI = 90  # png_bytes's
# inches, from constrained layout's positions on examples/marrow_depletion.yaml (figure 12 in wide)
LEFT, RIGHT, BETWEEN_COLUMNS, TOP = 0.8833692187500001, 0.13055888888889, 0.783921440972224, 0.247225555555557
ROW_GAP, BOTTOM, PER_LEGEND_LINE, FIRST_BOTTOM_LINE = 0.561117897569445, 0.48892477430555553, 0.160856, 0.18026801215


def engine_once(fig: Any) -> bytes:
    engine, dpi = fig.get_layout_engine(), fig.dpi
    fig.set_dpi(DPI)
    try:
        engine.execute(fig)
        fig.set_layout_engine("none")
        return png(fig)
    finally:
        fig.set_layout_engine(engine)
        fig.set_dpi(dpi)


def fixed(fig: Any) -> bytes:
    axes = [a for a in fig.axes if a.get_visible()]
    width, height = fig.get_size_inches()
    rows = len(fig.axes) // 2
    lines = [-(-len(a.get_legend_handles_labels()[0]) // LINEAGE_LEGEND_COLUMNS) for a in axes] + [0]
    row_lines = [max(lines[2 * i:2 * i + 2]) for i in range(rows)]
    gaps = [ROW_GAP + PER_LEGEND_LINE * n for n in row_lines[:-1]]
    bottom = BOTTOM + (FIRST_BOTTOM_LINE + PER_LEGEND_LINE * (row_lines[-1] - 1) if row_lines[-1] else 0.0)
    panel_h = (height - TOP - bottom - sum(gaps)) / rows
    panel_w = (width - LEFT - RIGHT - BETWEEN_COLUMNS) / 2
    fig.set_layout_engine("none")
    top = height - TOP
    for i in range(rows):
        for j, ax in enumerate(axes[2 * i:2 * i + 2]):
            ax.set_position([(LEFT + j * (panel_w + BETWEEN_COLUMNS)) / width, (top - panel_h) / height,
                             panel_w / width, panel_h / height])
        top -= panel_h + (gaps[i] if i < rows - 1 else 0.0)
    return png(fig)


def pixels_differing(a: bytes, b: bytes) -> float:
    from PIL import Image

    ia, ib = (np.asarray(Image.open(io.BytesIO(p)).convert("RGB")).astype(int) for p in (a, b))
    return float((np.abs(ia - ib).max(axis=2) > 0).mean()) if ia.shape == ib.shape else float("nan")


def main(repeats: int, names: list[str]) -> None:
    ways = {"constrained": png, "engine once": engine_once, "fixed": fixed}
    for name in names:
        result = run_scenario(load_scenario(f"examples/{name}.yaml"))
        pngs = {k: f(lineage_figure(result)) for k, f in ways.items()}
        for k, p in pngs.items():
            with open(f"/tmp/lineage_layout_{name}_{k.replace(' ', '_')}.png", "wb") as fh:
                fh.write(p)
        cpu: dict[str, list[float]] = {k: [] for k in ways}
        for r in range(repeats):
            for k in (list(ways) if r % 2 == 0 else list(reversed(ways))):
                fig = lineage_figure(result)
                t = time.process_time()
                ways[k](fig)
                cpu[k].append(time.process_time() - t)
        print(f"{name}: " + "; ".join(
            f"{k} median {np.median(v):.3f} s (min {min(v):.3f})" for k, v in cpu.items())
            + f"; engine once bytes equal: {pngs['engine once'] == pngs['constrained']}; fixed: "
            f"{pixels_differing(pngs['constrained'], pngs['fixed']):.1%} of pixels differ", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2:])
