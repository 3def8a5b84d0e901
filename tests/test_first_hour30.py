"""The first-hour walk's leftovers (tidy30): what a new user saw in the shipped report and figures."""

from __future__ import annotations

import numpy as np
import pytest


def _ctcae_figure(y: np.ndarray, band: tuple[np.ndarray, np.ndarray] | None = None, layout: str | None = None):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from hemasim.report.plots import _ctcae_lines

    fig = Figure(figsize=(6, 2.75), layout=layout)
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


def test_a_ctcae_label_with_no_free_place_on_its_line_goes_to_the_right_margin():
    """Where the data cross the label everywhere along its line (the AC-T and FAC ANC panels: two nadirs' strokes
    crossed "G3" and "below)" at the line's left end, tidy30's fallback), it goes outside the axes at the line's
    height, where no curve can cross it; the constrained layout makes room for it (plots30)."""
    x = np.linspace(0.0, 100.0, 101)
    y = 1.1 + 0.5 * np.sin(x)  # oscillates through the label's height along the whole line
    ax, label, box = _ctcae_figure(y, layout="constrained")
    assert box.x0 >= ax.bbox.x1 and box.x1 <= ax.figure.bbox.x1, (box, ax.bbox)  # beside the frame, in the figure
    line_px = ax.transData.transform((0.0, 1.0))[1]  # G3's line (1.0 x10^9/L): the label at its height
    assert box.y0 < line_px < box.y1
    assert label.get_text().startswith("CTCAE G3")
    # a figure of fixed margins (the cohort bands) has no room beside its axes: tidy30's fallback, no halo
    ax, label, box = _ctcae_figure(y)
    assert _crossed(ax, box) and box.x1 < ax.bbox.x1
    assert not label.get_path_effects()


def _interactive_texts(spec: dict, tmp_path) -> list[dict]:
    """The SVG texts of one interactive panel, drawn by the shipped hemaplot.js in node on a minimal DOM."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    import hemasim.report

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = Path(hemasim.report.__file__).parent / "assets" / "hemaplot.js"
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    out = subprocess.run([node, str(Path(__file__).with_name("hemaplot_dom.js")), str(script),
                          str(tmp_path / "spec.json")], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)


def _spec(y: list[float], **extra) -> dict:
    return {"id": "p", "title": "t", "ylabel": "cells", "xlabel": "days", "log": False,
            "x": [float(k) for k in range(len(y))], "series": [{"label": "total", "y": y, "color": "#1f77b4"}],
            "bands": [], "hlines": [], "vlines": [], **extra}


def test_an_interactive_stem_cell_axis_is_written_in_its_power_of_ten(tmp_path):
    """The interactive report's stem-cell panel read 0, 2e4, 4e4, ... 1e5, 1.2e5: the ticks are now divided by the
    axis's power of ten and the power is in the label, as the static figures write it."""
    texts = _interactive_texts(_spec([1e5, 1e5, 1.1e5, 1e5]), tmp_path)
    ylabel = [t for t in texts if t["cls"] == "hp-label"][-1]
    # the power a raised digit at the label's size (plots30: a superscript glyph was ~5 px high), read aloud as written
    assert ylabel["text"] == "cells (\u00d7105)" and ylabel["powers"] == 1 and ylabel["aria"] == "cells (\u00d710\u2075)"
    ticks = [t["text"] for t in texts if t["cls"] == "hp-tick"]
    assert "1" in ticks and not any("e" in t for t in ticks)
    # below 1e5 the ticks are written out and the label is the unit
    texts = _interactive_texts(_spec([10.0, 50.0, 90.0]), tmp_path)
    assert [t["text"] for t in texts if t["cls"] == "hp-label"][-1] == "cells"


@pytest.mark.parametrize(("crossed", "where"), [((), "left"), ((0,), "right"), ((0, -1), "between"),
                                               (tuple(range(0, 41, 4)), "margin")])
def test_an_interactive_ctcae_label_goes_to_a_free_place_on_its_line_else_to_the_right_margin(tmp_path, crossed, where):
    """At its end, else the other end, else along the line (tenths, as the static figures), all with the halo; where
    curves cross it everywhere, in the right margin at the line's height (plots30: it stayed at the left end,
    crossed by two nadirs, in the AC-T and FAC ANC panels)."""
    y = [5.0] * 41
    for start in crossed:  # a nadir through the label's height there
        for k in range(4):
            at = start - k if start < 0 else start + k
            if -41 <= at < 41:
                y[at] = 1.1 + 0.2 * (k % 2)
    texts = _interactive_texts(_spec(y, hlines=[{"y": 1.0, "color": "#d62728", "label": "CTCAE G3"}]), tmp_path)
    label = next(t for t in texts if "CTCAE G3" in t["text"])
    frame_right = 560 - 12 - (60 if where == "margin" else 0)  # W_WIDE - M.r (- the margin's room)
    if where == "margin":
        assert "hp-margin" in label["cls"] and label["x"] > frame_right
    else:
        assert "hp-over" in label["cls"]  # the halo
        x_left, x_right = 62 + 3, frame_right - 3
        assert label["x"] == pytest.approx({"left": x_left, "right": x_right}.get(where, label["x"]))
        if where == "between":
            assert x_left + 20 < label["x"] < x_right - 20


def test_the_cohort_bands_figure_has_no_text_under_10_px_at_its_shipped_80_dpi():
    """bands.png is written at 80 dpi and shown at that size: its CTCAE labels (7 pt) and legend (8 pt) were 8-9 px
    high. Every text of the figure is now at least 9 pt (10 px)."""
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from hemasim.report.plots import cohort_bands_figure

    t = np.linspace(0.0, 63.0, 64)
    names = ["anc_1e9_per_L", "platelets_1e9_per_L", "hemoglobin_g_per_dL", "cd4_per_uL"]
    level = {"anc_1e9_per_L": 5.0, "platelets_1e9_per_L": 250.0, "hemoglobin_g_per_dL": 14.0, "cd4_per_uL": 800.0}
    bands = pd.DataFrame({"time_days": t, **{f"{n}_{q}": level[n] * f * np.ones_like(t) for n in names
                                              for q, f in (("p05", 0.7), ("median", 1.0), ("p95", 1.3))}})
    fig = cohort_bands_figure(bands, 60, names)
    FigureCanvasAgg(fig).draw()
    texts = [a for a in fig.findobj(Text) if a.get_visible() and a.get_text().strip()]
    assert any("CTCAE" in a.get_text() for a in texts) and any("median" == a.get_text() for a in texts)
    small = {a.get_text(): a.get_fontsize() for a in texts if a.get_fontsize() * 80 / 72 < 10}
    assert not small, small


def _warnings(patient: dict) -> dict[str, str]:
    from hemasim.scenario import parse_scenario
    from hemasim.scenario.plausibility import plausibility_warnings

    scenario = parse_scenario({"name": "t", "patient": patient, "duration_days": 10}, "s.yaml")
    return dict(plausibility_warnings(scenario))


def test_an_adult_weight_that_may_be_pounds_is_asked_about_never_converted():
    """weight_kg: 165 meant as pounds is a possible weight in kg and ran as 165 kg, unwarned (firsthour29's note):
    with a height, an adult BMI of 40 or more (a usual adult's weight in pounds reads 41-66) is now warned with the kg
    it would be; the weight is kept as written."""
    from hemasim.scenario import parse_scenario

    adult = {"age_years": 40, "sex": "male", "height_cm": 175}
    message = _warnings({**adult, "weight_kg": 165})["patient.weight_kg"]
    assert "BMI of 53.9" in message and "written in pounds, it is 74.8 kg (BMI 24.4): write weight_kg: 74.8" in message
    scenario = parse_scenario({"name": "t", "patient": {**adult, "weight_kg": 165}, "duration_days": 10}, "s.yaml")
    assert scenario.patient.weight_kg == 165  # never converted
    assert "patient.weight_kg" not in _warnings({**adult, "weight_kg": 120})  # BMI 39.2
    assert "patient.weight_kg" not in _warnings({"age_years": 40, "sex": "male", "weight_kg": 165})  # no height
    # beyond BMI 70 the existing warning on the height (and beyond 250 kg the weight's) stands, not this one
    assert "pounds" not in _warnings({**adult, "height_cm": 150, "weight_kg": 170}).get("patient.weight_kg", "")


def test_where_weight_is_entered_it_says_pounds_are_not_detected():
    from hemasim.scenario import Patient, ScenarioError, parse_scenario

    assert "not pounds" in (Patient.model_fields["weight_kg"].description or "")
    with pytest.raises(ScenarioError) as err:
        parse_scenario({"name": "t", "patient": {"age_years": 40, "sex": "male", "weight_lbs": 165},
                        "duration_days": 10}, "s.yaml")
    assert "write weight_kg: 74.8 for 165 pounds (165 in weight_kg is not refused: it runs as 165 kg)" in str(err.value)
