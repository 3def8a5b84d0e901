"""Embedded PNG figures (cohort bands, a fit's profiles, a run's static figures) on a phone: they keep a legible
width and scroll sideways in their own box; the page itself does not widen. On a wide screen they fit the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemasim.report.html import PHONE_FIGURE_SCALE, image_html, page_head, png_width
from tests._browser import PageLog, launch_browser
from tests.conftest import ch_report_page


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


def _png(width: int, height: int) -> bytes:
    from matplotlib.figure import Figure

    from hemasim.report.html import png_bytes

    fig = Figure(figsize=(width / 90, height / 90))
    fig.subplots(2, 2)
    return png_bytes(fig)


def test_the_png_width_is_read_from_its_header():
    png = _png(880, 540)
    assert png_width(png) == 880
    assert png_width(b"GIF89a" + png[6:]) is None and png_width(b"") is None


@pytest.mark.slow
def test_a_wide_figure_keeps_its_labels_legible_on_a_phone(browser, tmp_path: Path):
    """The cohort report's bands (a 2x2 grid 880 px wide) were squeezed to the phone's 358 px, labels ~4 px high
    (harden5's left-alone); now the figure keeps PHONE_FIGURE_SCALE of its width in a box that scrolls sideways."""
    png = _png(880, 540)
    page_file = tmp_path / "report.html"
    page_file.write_text(f"<!DOCTYPE html><html><head>{page_head('t')}</head><body><h1>t</h1>"
                         f"{image_html('cohort bands', png)}</body></html>", encoding="utf-8")
    for width, expected in ((1280, 880), (390, round(880 * PHONE_FIGURE_SCALE))):
        page = browser.new_page(viewport={"width": width, "height": 800})
        log = PageLog(page)
        page.goto(page_file.as_uri())
        shown = page.evaluate("""() => {
            const img = document.querySelector('div.figure img'), box = img.parentElement;
            return {img: img.getBoundingClientRect().width, box: box.clientWidth, scroll: box.scrollWidth,
                    page: document.documentElement.scrollWidth, hint: getComputedStyle(
                        document.querySelector('.narrow-only')).display};
        }""")
        page.close()
        assert log.errors == []
        assert abs(shown["img"] - expected) <= 1, (width, shown)
        assert shown["page"] == width  # the page does not widen: the figure's box scrolls
        if width == 390:
            assert shown["scroll"] > shown["box"] and shown["hint"] == "block"
        else:
            assert shown["hint"] == "none"


@pytest.mark.slow
def test_the_clonal_reports_figures_scroll_sideways_on_a_phone(browser, tmp_path: Path):
    """The clonal report embedded its three PNGs squeezed to the screen (max-width:100%) after harden6 gave the
    other reports image_html: at 390 px each keeps PHONE_FIGURE_SCALE of its drawn width in a box that scrolls."""
    page_file = tmp_path / "report.html"
    page_file.write_text(ch_report_page(), encoding="utf-8")  # render_ch_report(run_ch_population(30, seed=0, ...))
    page = browser.new_page(viewport={"width": 390, "height": 844})
    log = PageLog(page)
    page.goto(page_file.as_uri())
    shown = page.evaluate("""() => [...document.querySelectorAll('div.figure img')].map(img => ({
        alt: img.alt, img: img.getBoundingClientRect().width, natural: img.naturalWidth,
        box: img.parentElement.clientWidth, scroll: img.parentElement.scrollWidth,
        page: document.documentElement.scrollWidth}))""")
    page.close()
    assert log.errors == []
    assert [s["alt"] for s in shown] == ["prevalence by age", "VAF distribution", "clone history"]
    for s in shown:
        assert abs(s["img"] - round(s["natural"] * PHONE_FIGURE_SCALE)) <= 1, s
        assert s["scroll"] > s["box"] and s["page"] == 390, s  # the figure's box scrolls, not the page


@pytest.mark.slow
def test_a_long_snake_case_title_does_not_widen_the_page_on_a_phone(browser, tmp_path: Path):
    """A scenario named ``influenza_after_vaccination`` (an example's own name) gave a 492 px title that could not
    break: the whole report scrolled sideways at 390 px. Headings and lines now break inside such a word."""
    name = "influenza_after_vaccination_in_a_transplant_recipient"
    page_file = tmp_path / "report.html"
    page_file.write_text(f"<!DOCTYPE html><html><head>{page_head(name)}</head><body><h1>hemasim: {name}</h1>"
                         f"<h2>{name}</h2><p>{name}: {name}</p><ul><li>{name}</li></ul></body></html>",
                         encoding="utf-8")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(page_file.as_uri())
    width = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    assert width == 390
