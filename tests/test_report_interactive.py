"""The interactive report: panel specs carry the run's values, the page draws them in a real browser (hover,
legend toggles, zoom), works offline as one file; ``static=True`` keeps the PNG figures for papers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from hemasim.assembly import run_scenario
from hemasim.endpoints import evaluate_endpoints
from hemasim.io import run_record, write_run_outputs
from hemasim.report.html import render_report
from hemasim.report.interactive import drug_specs, lineage_specs, panel_specs, plots_html
from hemasim.scenario import parse_scenario
from tests._browser import PageLog, launch_browser
from tests.conftest import EXAMPLES, shortened


def _example(name: str, duration: float, cycles: int | None = None):
    data = shortened(yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text()), duration)
    if cycles is not None:
        data["interventions"][0]["schedule"]["cycles"] = cycles
    return run_scenario(parse_scenario(data))


@pytest.fixture(scope="module")
def docetaxel():
    return _example("docetaxel_q3w", 42, cycles=2)


def _spec(specs, key):
    return next(s for s in specs if s["id"] == key)


def test_lineage_panels_carry_the_values_ranges_and_ctcae_lines(docetaxel):
    specs = lineage_specs(docetaxel)
    anc = _spec(specs, "lineage-anc_1e9_per_L")
    np.testing.assert_allclose(np.array(anc["series"][0]["y"], float), docetaxel.observable("anc_1e9_per_L"),
                               rtol=1e-4)
    np.testing.assert_allclose(anc["x"], docetaxel.times, rtol=1e-6)
    assert anc["bands"][0]["lo"] == 1.8 and anc["bands"][0]["hi"] == 7.7
    assert [h["label"] for h in anc["hlines"]] == ["CTCAE G3", "CTCAE G4"]
    assert anc["log"] is False and anc["logToggle"] is True  # linear by default, a button to a log scale
    assert _spec(specs, "lineage-hemoglobin_g_per_dL")["bands"][0]["lo"] == 12.0  # the patient is a woman


def test_drug_concentrations_leave_gaps_below_the_floor_and_mark_the_doses(docetaxel):
    (spec,) = drug_specs(docetaxel)
    y = spec["series"][0]["y"]
    # drawn from the PK at the output times and at fine steps round each dose (report36): its peak is the 1-h
    # infusion's, which the outputs step over
    drawn = np.array([np.nan if v is None else v for v in y], float)
    peak = float(np.nanmax(drawn))
    assert peak > 20 * docetaxel.observable("docetaxel_concentration_ng_per_mL").max()
    floor = 1e-4 * peak
    assert spec["log"] and spec["ymin"] == pytest.approx(floor, rel=1e-4)  # the drawn values carry 5 digits
    at_outputs = np.searchsorted(np.array(spec["x"], float), docetaxel.times)
    conc = docetaxel.observable("docetaxel_concentration_ng_per_mL")
    shown = conc > 1.01 * floor
    np.testing.assert_allclose(drawn[at_outputs][shown], conc[shown], rtol=1e-4)
    assert all(np.isnan(drawn[at_outputs][conc < 0.99 * floor]))
    assert any(v is None for v in y)  # a gap between the doses, not a line down to the floor
    assert [v["x"] for v in spec["vlines"]] == [0.0, 21.0]
    # the same time axis as the lineages (their days among its points; the panel spans the same days)
    lineage_x = lineage_specs(docetaxel)[0]["x"]
    assert set(lineage_x) <= set(spec["x"]) and (spec["x"][0], spec["x"][-1]) == (lineage_x[0], lineage_x[-1])


def test_donor_chimerism_is_a_panel_after_a_graft():
    result = _example("allo_hsct_pbsc", 30)
    chimerism = _spec(panel_specs(result), "chimerism")
    anc = next(s for s in chimerism["series"] if s["label"] == "neutrophils")
    donor = result.observable("anc_1e9_per_L__donor") / result.observable("anc_1e9_per_L")
    assert anc["y"][-1] == pytest.approx(100 * donor[-1], rel=1e-4)
    assert 0 <= min(v for v in anc["y"] if v is not None) and max(anc["y"]) <= 100.0 + 1e-9


def test_the_data_cannot_close_its_script_element():
    spec = {"id": "x", "title": "</script><script>alert(1)</script>", "series": [], "x": []}
    page = plots_html([spec])
    data = re.search(r'<script type="application/json" id="hemaplot-lineages-data">(.*?)</script>', page, re.S)
    assert data is not None and json.loads(data.group(1))[0]["title"] == spec["title"]
    assert "alert(1)</script>" not in page


@pytest.mark.slow
def test_the_report_embeds_the_plotting_script_once_and_static_keeps_the_png(docetaxel):
    endpoints, record = evaluate_endpoints(docetaxel), run_record(docetaxel)
    interactive = render_report(docetaxel, endpoints, record, "t")
    assert interactive.count("global.HemaPlot =") == 1 and 'id="hemaplot-lineages"' in interactive
    static = render_report(docetaxel, endpoints, record, "t", static=True)
    assert "global.HemaPlot" not in static
    assert '<img alt="lineage time courses"' in static and '<img alt="lineage time courses"' not in interactive
    assert not re.search(r'(src|href)="https?:', interactive)  # nothing fetched from the network
    # one spelling: the panel said "Hemoglobin", the key results "Haemoglobin nadir" (polish)
    assert "Haemoglobin" in interactive and "Hemoglobin" not in interactive


# ------------------------------------------------------------------------------------------- in a browser
@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


@pytest.fixture(scope="module")
def report_file(docetaxel, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    write_run_outputs(docetaxel, out, "docetaxel")
    return out / "report.html"


@pytest.mark.slow
def test_the_report_plots_render_hover_toggle_and_zoom_offline(browser, report_file, docetaxel):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log = PageLog(page)
    page.goto(report_file.as_uri())
    panels = page.locator("[data-plot]")
    assert panels.count() == len(lineage_specs(docetaxel))
    anc = page.locator("[data-plot='lineage-anc_1e9_per_L']")
    assert anc.locator("path.hp-line").count() == 1 and len(anc.locator("path.hp-line").get_attribute("d")) > 100
    anc.scroll_into_view_if_needed()
    box = anc.locator("svg.hp-svg").bounding_box()
    page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.5 * box["height"])
    tip = anc.locator(".hp-tip")
    assert tip.is_visible()
    day, value = re.search(r"day ([\d.]+).*: ([\d.]+)", tip.inner_text().replace("\n", " ")).groups()
    expected = float(np.interp(float(day), docetaxel.times, docetaxel.observable("anc_1e9_per_L")))
    assert float(value) == pytest.approx(expected, rel=1e-3)
    # zoom: drag across the middle; the first time tick is no longer day 0
    page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.5 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.7 * box["width"], box["y"] + 0.5 * box["height"], steps=4)
    page.mouse.up()
    ticks = [float(t) for t in anc.locator("svg.hp-svg text.hp-tick").all_text_contents() if re.fullmatch(r"[\d.]+", t)]
    assert min(ticks[-5:]) > 0
    # toggle: a legend click hides the line, a second one shows it again
    key = anc.locator("button.hp-key").first
    key.click()
    assert anc.locator("path.hp-line").count() == 0 and key.get_attribute("aria-pressed") == "false"
    key.click()
    assert anc.locator("path.hp-line").count() == 1
    assert log.errors == []
    assert all(u.startswith(("file:", "data:", "blob:")) for u in log.requests), log.requests
    page.close()


@pytest.mark.slow
def test_the_report_fits_a_narrow_window_without_scrolling_sideways(browser, report_file):
    # branch firsthour3: a drug set's parameter names (docetaxel_kloft2006__pk_peripheral_0_intercompartmental_...,
    # up to 97 characters with pegfilgrastim) do not break, and widened the parameter table past the page: at
    # 1000 px the docetaxel report was 1238 px wide and the sources were off screen
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(report_file.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 1000
    page.close()


@pytest.mark.slow
def test_the_report_is_laid_out_at_a_phones_width_with_readable_plots(browser, report_file):
    # harden5: without a viewport line a phone laid the page out 980 px wide and shrank it to 390 (text a third of
    # its size); with it, the plot panels (460 px at least) and the parameter table (its sources hold paths that do
    # not break) widened the page past the screen. Now the page is the phone's width, a wide table scrolls by
    # itself, and a panel draws on its narrower canvas (ticks ~8 px on screen, not ~6)
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log = PageLog(page)
    page.goto(report_file.as_uri())
    assert page.evaluate("window.innerWidth") == 390  # the viewport line is read
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for box in (page.locator(f"[data-plot] >> nth={i}").bounding_box() for i in range(page.locator("[data-plot]").count())):
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    anc = page.locator("[data-plot='lineage-anc_1e9_per_L'] svg.hp-svg")
    assert anc.get_attribute("viewBox").split()[2] == "400"
    tick = anc.locator("text.hp-tick").first.bounding_box()
    assert tick["height"] >= 7.5
    tables = page.locator("table")
    assert tables.count() >= 3 and all(
        tables.nth(i).evaluate("t => getComputedStyle(t).overflowX") == "auto" for i in range(tables.count()))
    # a definition or a source is read in a column of 14 em, not a word a line (the table scrolls to it); the
    # parameters' and the long endpoint groups' tables opened, as a reader opens them (collapsed since report36)
    page.evaluate("document.querySelectorAll('details.group').forEach(d => { d.open = true; })")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert min(b["width"] for b in (page.locator("td.prose").nth(i).bounding_box() for i in (0, -1))) >= 180
    assert log.errors == []
    page.close()


@pytest.mark.slow
def test_an_axis_writes_its_ticks_in_one_form(browser, report_file):
    # harden5: the stem-cell axis read 0, 20000, 40000, 60000, 80000, 1e5; then 0, 2e4 ... 1e5; since tidy30 the
    # ticks are divided by the axis's power of ten, which the label carries ("cells (x10^5)")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(report_file.as_uri())
    svg = page.locator("[data-plot='lineage-hsc_count_cells'] svg.hp-svg")
    texts = svg.locator("text.hp-tick").all_text_contents()
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", t) for t in texts), texts  # one form: no 1e5 beside 0.2
    assert not [t for t in texts if re.fullmatch(r"\d{5,}", t)]  # no 20000
    assert "cells (\u00d710\u2075)" in svg.locator("text.hp-label").evaluate_all(
        "ts => ts.map(t => t.getAttribute('aria-label'))")
    page.close()


# the ink height of a power's digits as drawn: measured at the font the browser computed for them, times the panel's
# scale on screen (a power written as a raised tspan, or as superscript characters in the label's words)
_POWER_INK_PX = """t => {
    const tspan = t.querySelector('tspan.hp-power');
    const sup = (t.textContent.match(/[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+/) || [null])[0];
    const [el, digits] = tspan ? [tspan, tspan.textContent] : [t, sup];
    if (!digits) return null;
    const style = getComputedStyle(el);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = style.fontSize + ' ' + style.fontFamily;
    const m = ctx.measureText(digits);
    const svg = t.ownerSVGElement;
    return (m.actualBoundingBoxAscent + m.actualBoundingBoxDescent) * svg.getBoundingClientRect().width /
        svg.viewBox.baseVal.width;
}"""


@pytest.mark.slow
def test_an_axis_power_of_ten_is_legible(browser, report_file):
    # plots30: the rotated label's power, "cells/day (x10^6)" written with the superscript character, drew ~5 px
    # high and a reader took the 6 for a 9; it is now a raised digit at the label's size (11 px: ~8 px of ink)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(report_file.as_uri())
    for panel in ("lineage-hsc_count_cells", "lineage-anc_1e9_per_L"):  # x10^5, and the unit 10^9/L
        ink = page.locator(f"[data-plot='{panel}'] svg.hp-svg text.hp-label").last.evaluate(_POWER_INK_PX)
        assert ink is not None and ink >= 7.0, (panel, ink)
    # the title's unit too: "Neutrophils (ANC) (10^9/L)", its 9 a raised digit (the glyph was ~6 px in the 13-px title)
    title = page.locator("[data-plot='lineage-anc_1e9_per_L'] .hp-title")
    assert "\u2079" not in title.inner_text() and title.locator("sup").inner_text() == "9"
    ink = title.locator("sup").evaluate("""s => { const c = document.createElement('canvas').getContext('2d');
        const st = getComputedStyle(s); c.font = st.fontWeight + ' ' + st.fontSize + ' ' + st.fontFamily;
        const m = c.measureText(s.textContent); return m.actualBoundingBoxAscent + m.actualBoundingBoxDescent; }""")
    assert ink >= 7.0, ink
    page.close()


@pytest.mark.slow
def test_the_ctcae_labels_are_drawn_in_their_lines_colour(browser, report_file):
    # visual: the labels carried fill="#d62728" as an attribute, which the tick class's CSS fill (#555) overrode:
    # "CTCAE G3" drew grey beside its red line (the static figure's labels are red)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(report_file.as_uri())
    labels = page.locator("[data-plot='lineage-anc_1e9_per_L'] svg.hp-svg text.hp-tick", has_text="CTCAE")
    n = labels.count()
    assert {labels.nth(i).evaluate("t => getComputedStyle(t).fill") for i in range(n)} == {"rgb(214, 39, 40)"}
    # both grades named: on this axis G4's label has no room by its line and is read in G3's (polish)
    text = " ".join(labels.all_text_contents())
    assert "G3" in text and "G4" in text
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("top", [2.0, 20.0, 300.0])
def test_a_threshold_label_never_sits_on_another_threshold_line(browser, top):
    # polish: on an ANC axis to ~20 the G4 line (0.5) is ~5 px under the G3 line (1.0), and "CTCAE G4", drawn above
    # its line, crossed the G3 line. A label goes above its line, else below it, else is left out
    red = "#d62728"
    spec = {"id": "anc", "title": "ANC", "ylabel": "10⁹/L", "xlabel": "days", "log": False, "x": [0.0, 10.0, 20.0],
            "series": [{"label": "ANC", "y": [top / 1.15, 0.2, top / 2], "color": "#000"}], "bands": [],
            "hlines": [{"y": 1.0, "color": red, "label": "CTCAE G3"}, {"y": 0.5, "color": red, "label": "CTCAE G4"}]}
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_content(f"<html><body>{plots_html([spec])}</body></html>")
    lines = [float(y) for y in page.locator(f"svg line[stroke='{red}']").evaluate_all("ls => ls.map(l => l.getAttribute('y1'))")]
    labels = page.locator("svg text", has_text="CTCAE").evaluate_all(
        "ts => ts.map(t => { const b = t.getBBox(); return [t.textContent, b.y, b.y + b.height]; })")
    page.close()
    assert len(lines) == 2
    names = " ".join(name for name, _, _ in labels)
    assert names.startswith("CTCAE G3") and "G4" in names  # the upper line always has room above it
    for name, top_px, bottom_px in labels:  # nor on its own: it is written beside it
        assert not any(top_px < y < bottom_px for y in lines), (name, top_px, bottom_px, lines)
    if top == 2.0:  # ~50 px apart: both labelled
        assert len(labels) == 2


@pytest.mark.slow
def test_a_key_results_definition_opens_by_a_tap_or_the_keyboard(browser, report_file):
    # polish: "Hover a value for its definition" (a title attribute) gave a phone no way to read it
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(report_file.as_uri())
    rows = page.locator("table.key details.def")
    assert rows.count() >= 3
    first, second = rows.nth(0), rows.nth(1)
    assert not first.locator(".def-text").is_visible()
    first.locator("summary").tap()
    assert first.locator(".def-text").is_visible() and len(first.locator(".def-text").inner_text()) > 20
    second.locator("summary").focus()
    page.keyboard.press("Enter")
    assert second.locator(".def-text").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # an open definition wraps
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_the_key_results_names_align_with_and_without_a_definition(browser, report_file, width):
    # polish2: a per-cycle row has no definition, so no ▸, and its name sat a marker's width left of the others
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(report_file.as_uri())
    starts = page.locator("table.key th[scope=row]").evaluate_all("""ths => ths.map(th => {
        const el = th.querySelector('summary') || th;
        const node = [...el.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
        const r = document.createRange(); r.selectNodeContents(node);
        return [th.classList.contains('nodef'), r.getClientRects()[0].left]; })""")  # a name's first line
    page.close()
    assert any(plain for plain, _ in starts) and not all(plain for plain, _ in starts)
    lefts = [left for _, left in starts]
    assert max(lefts) - min(lefts) < 0.5, starts


@pytest.mark.slow
@pytest.mark.parametrize(("nadir_at", "label_at_right"), [("left", True), ("right", False), ("none", False)])
def test_a_threshold_label_goes_to_the_end_of_its_line_that_no_curve_runs_through(browser, nadir_at, label_at_right):
    # firsthour: a chemotherapy or transplant nadir lies at the left, where "CTCAE G3 (G4 below)" was written, and
    # the curve ran through the words; the label now goes to the other end when the curve crosses only its own
    red = "#d62728"
    x = [float(d) for d in range(101)]
    y = [5.0] * 101
    if nadir_at == "left":
        y[3:8] = [2.0, 1.2, 0.8, 1.2, 2.0]
    elif nadir_at == "right":
        y[93:98] = [2.0, 1.2, 0.8, 1.2, 2.0]
    spec = {"id": "anc", "title": "ANC", "ylabel": "10⁹/L", "xlabel": "days", "log": False, "x": x,
            "series": [{"label": "ANC", "y": y, "color": "#000"}], "bands": [],
            "hlines": [{"y": 1.0, "color": red, "label": "CTCAE G3"}, {"y": 0.5, "color": red, "label": "CTCAE G4"}]}
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_content(f"<html><body>{plots_html([spec])}</body></html>")
    label = page.locator("svg text", has_text="CTCAE G3")
    frame = page.locator("svg rect.hp-frame").evaluate("r => [r.getBBox().x, r.getBBox().x + r.getBBox().width]")
    box = label.evaluate("t => [t.getBBox().x, t.getBBox().x + t.getBBox().width]")
    # drawn after the curve, with a halo, so that where both ends are crossed the words stay legible
    after_curve = label.evaluate("t => !!(document.querySelector('path.hp-line').compareDocumentPosition(t) & 4)")
    halo = label.evaluate("t => getComputedStyle(t).paintOrder")
    page.close()
    middle = (frame[0] + frame[1]) / 2
    assert (box[0] > middle) == label_at_right, (box, frame)
    assert after_curve and halo.startswith("stroke")


@pytest.mark.slow
def test_a_blood_count_panel_switches_to_a_log_scale_and_keeps_it_across_redraws(browser):
    # firsthour27: G-CSF's ANC peaks of 25-65 x10^9/L squeezed the nadir and the CTCAE lines (1.0, 0.5) into the
    # bottom pixels of a linear axis; a "log scale" button spreads them, linear staying the default
    red = "#d62728"
    spec = {"id": "lineage-anc_1e9_per_L", "title": "ANC", "ylabel": "10⁹/L", "xlabel": "days", "log": False,
            "logToggle": True, "x": [0.0, 5.0, 10.0, 15.0, 20.0],
            "series": [{"label": "ANC", "y": [4.75, 60.0, 0.2, 30.0, 5.0], "color": "#000"}], "bands": [],
            "hlines": [{"y": 1.0, "color": red, "label": "CTCAE G3"}, {"y": 0.5, "color": red, "label": "CTCAE G4"}]}
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log = PageLog(page)
    page.set_content(f"<html><body>{plots_html([spec])}</body></html>")

    def gap() -> float:  # pixels between the G3 and the G4 line
        ys = page.locator(f"svg line[stroke='{red}']").evaluate_all("ls => ls.map(l => +l.getAttribute('y1'))")
        return abs(ys[0] - ys[1])

    button = page.locator("button.hp-scale")
    assert button.get_attribute("aria-pressed") == "false"
    linear = gap()
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    assert gap() > 5 * linear  # the two lines half a unit apart get room of their own
    ticks = page.locator("svg text.hp-tick").all_text_contents()
    assert {"1", "10", "100"} <= set(ticks), ticks  # powers of ten (0.13 to 120)
    # the explorer draws its panels anew after each run: the reader's choice stays
    page.evaluate("(specs) => HemaPlot.renderAll(document.getElementById('hemaplot-lineages'), specs)", [spec])
    assert page.locator("button.hp-scale").get_attribute("aria-pressed") == "true" and gap() > 5 * linear
    assert log.errors == []
    page.close()
