"""The "Wrong (fix)" list of issue 19: reports, endpoints, the humoral response, terminal output at 80 columns.
Each test failed on the code before the fix."""

from __future__ import annotations

import re

import numpy as np
import pytest
from typer.testing import CliRunner

from hemasim.assembly import run_scenario
from hemasim.scenario import load_scenario, parse_scenario
from tests.conftest import EXAMPLES, ROOT, ch_report_page, example_run, shortened

PATIENT = {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165}
DOCETAXEL = {"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 100,
             "route": "iv_infusion", "infusion_hours": 1, "schedule": {"days": [0, 21]}}


def run(duration: float, every: float = 0.5, **more: object):
    return run_scenario(parse_scenario({"name": "t", "patient": PATIENT, "duration_days": duration, "aging": False,
                                        "output": {"every_days": every}, **more}))


@pytest.fixture(scope="module")
def healthy():
    return run(30, 1.0)


@pytest.fixture(scope="module")
def docetaxel():
    return run(35, interventions=[DOCETAXEL])


def _axis(fig, title: str):
    return next(ax for ax in fig.axes if ax.get_title().startswith(title))


# ---------------------------------------------------------------------------------------------- report plots
def test_a_flat_thymic_output_line_sits_inside_its_panel(healthy):
    from hemasim.report.plots import lineage_figure

    ax = _axis(lineage_figure(healthy), "Thymic output")
    top = ax.get_ylim()[1]
    assert top > 1.1 * healthy.observable("thymic_output_per_day").max()


def test_drug_concentrations_have_gaps_below_the_floor_and_the_lineage_x_axis(docetaxel):
    from hemasim.report.plots import drug_figure, lineage_figure

    ax = drug_figure(docetaxel).axes[0]
    line = ax.get_lines()[0]
    y = np.asarray(line.get_ydata(), dtype=float)
    # every output time (no straight joins over dropped points), and the fine points round each dose (report36)
    assert np.isin(docetaxel.times, np.asarray(line.get_xdata(), dtype=float)).all()
    assert np.isnan(y).any()  # below four decades under the peak: a gap
    assert ax.get_xlim() == _axis(lineage_figure(docetaxel), "Neutrophils").get_xlim()
    # the log axis's minor lines fainter than the decades' (at equal weight they made a mesh behind the curve)
    major = ax.yaxis.get_gridlines()[0].get_alpha()
    minor_grid = [t.gridline.get_alpha() for t in ax.yaxis.get_minor_ticks() if t.gridline.get_visible()]
    assert minor_grid and major is not None and max(minor_grid) < major


def test_no_vaccine_panel_without_a_vaccine():
    from hemasim.report.plots import vaccine_figure

    infected = run(3, 1.0, interventions=[{"kind": "infection", "day": 1, "inoculum_cfu": 1e6}])
    assert vaccine_figure(infected) is None  # the pathogen's own IgG is drawn in the infection panel


def test_the_virus_curve_has_a_legend_entry():
    from hemasim.report.plots import viral_figure

    flu = run(6, 0.5, interventions=[{"kind": "viral_infection", "day": 1, "virus": "influenza",
                                      "inoculum_tcid50": 0.1}])
    fig = viral_figure(flu)
    labels = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("virus") for label in labels)


def test_the_cd8_response_and_the_igg_each_fill_their_own_axis_in_the_viral_panel():
    # branch ux33, looked at in Chromium: on the IgG's axis (~50 AU at its peak) an influenza's CD8 effectors (~2 AU)
    # were a ripple on the floor; each now has an axis its curve fills
    from hemasim.report.plots import viral_figure

    flu = run(40, 0.5, interventions=[{"kind": "viral_infection", "day": 1, "virus": "influenza",
                                       "inoculum_tcid50": 0.1}])
    fig = viral_figure(flu)

    def axis_of(label: str):
        return next(ax for ax in fig.axes for line in ax.get_lines() if line.get_label().startswith(label))

    cd8, igg = axis_of("CD8 effectors"), axis_of("IgG")
    assert cd8 is not igg
    for ax, observable in ((cd8, "influenza_cd8_effectors_au"), (igg, "influenza_igg_au")):
        peak = float(np.nanmax(flu.observable(observable)))
        assert peak > 0.5 * ax.get_ylim()[1], (observable, peak, ax.get_ylim())
        assert "AU" in ax.get_ylabel()  # each axis says its unit


@pytest.mark.slow
def test_the_static_lineage_figures_legends_lie_below_their_panels_off_the_data():
    # harden5 (hemasim run --static-report, looked at): inside the panels ("best") a legend lay over the reference
    # band, and an allograft's subset legend (a total and a donor entry per subset) over the curves and the title
    import yaml
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from hemasim.report.plots import lineage_figure

    data = shortened(yaml.safe_load((EXAMPLES / "allo_hsct_pbsc.yaml").read_text()), 20)
    fig = lineage_figure(run_scenario(parse_scenario(data)))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    legends = [ax.get_legend().get_window_extent(renderer) for ax in axes if ax.get_legend() is not None]
    assert len(legends) >= 6
    titles = [ax.title.get_window_extent(renderer) for ax in axes]
    for i, box in enumerate(legends):
        assert fig.bbox.y0 <= box.y0 and fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1
        assert not any(box.overlaps(other) for other in [*legends[i + 1:], *titles])
        assert not any(box.overlaps(ax.get_window_extent(renderer)) for ax in axes)  # off every plotting area


@pytest.mark.slow
def test_a_panels_legend_with_twin_axes_lies_below_it_off_every_curve():
    # harden5: inside the panel it lay over one of three axes' curves wherever it stood (an infection's IgG rising
    # into the upper right corner); below it, it covers none
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from hemasim.report.plots import infection_figure

    infected = run(6, 1.0, interventions=[{"kind": "infection", "day": 1, "inoculum_cfu": 1e6}])
    fig = infection_figure(infected)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    (legend,) = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    box = legend.get_window_extent(renderer)
    # the legend writes the unit as the axis beside it does (review27: "ANC (1e9/L)" beside "ANC (10⁹/L)")
    assert {t.get_text() for t in legend.get_texts()} >= {"ANC (10⁹/L)", "IgG (AU)"}
    assert fig.bbox.y0 <= box.y0 and not any(box.overlaps(ax.get_window_extent(renderer)) for ax in fig.axes)
    # visual: the middle axis read "ANC / inflammation" with no unit; its label now carries them and stays clear
    # of the IgG axis beside it (its spine and its tick labels) and inside the figure
    _, middle, igg = fig.axes
    assert "10⁹/L" in middle.get_ylabel() and "(AU)" in middle.get_ylabel()
    label = middle.yaxis.label.get_window_extent(renderer)
    assert label.x1 < igg.spines.right.get_window_extent(renderer).x0
    assert not any(label.overlaps(t.get_window_extent(renderer)) for t in igg.get_yticklabels() if t.get_text())
    assert fig.bbox.y0 <= label.y0 and label.y1 <= fig.bbox.y1


def test_donor_dashes_are_drawn_above_the_totals_in_another_colour():
    import pandas as pd
    from matplotlib.figure import Figure

    from hemasim.report.plots import _lineage_panel

    x = np.arange(5.0)
    obs = pd.DataFrame({"anc_1e9_per_L": [4.0] * 5, "anc_1e9_per_L__donor": [4.0] * 5})  # full donor chimerism
    ax = Figure().subplots()
    _lineage_panel(ax, [("", obs)], ("anc_1e9_per_L",), x)
    total, donor = ax.get_lines()
    assert donor.get_zorder() > total.get_zorder()
    assert donor.get_color() != total.get_color()


@pytest.mark.parametrize(("col", "top", "height_in"), [
    ("anc_1e9_per_L", 8.0, 2.75), ("anc_1e9_per_L", 30.0, 2.75), ("anc_1e9_per_L", 100.0, 2.75),
    ("anc_1e9_per_L", 1.5, 2.75), ("platelets_1e9_per_L", 450.0, 2.75), ("platelets_1e9_per_L", 450.0, 8.0),
    ("leukocytes_1e9_per_L", 1.5, 2.75)])
def test_a_ctcae_label_never_crosses_a_threshold_line(col, top, height_in):
    """G3 (1.0) and G4 (0.5) lie a few pixels apart on a panel that reaches 30e9/L (G-CSF, a graft): "CTCAE G4" above
    its line crossed the G3 line (polish2, docs/images/allo_hsct_pbsc.png). A label goes above its line, else below,
    else is named in the label above ("CTCAE G3 (G4 below)"); a line off the axis has none."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from hemasim.report.plots import CTCAE, _ctcae_lines

    fig = Figure(figsize=(6, height_in))
    ax = fig.subplots()
    x = np.linspace(0.0, 100.0, 11)
    ax.plot(x, np.full_like(x, top))
    ax.set_ylim(0, top)
    _ctcae_lines(ax, col, x)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    labels = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text().strip()]
    lines = [float(ax.transData.transform((0.0, thr))[1]) for thr, _ in CTCAE[col] if thr <= top]
    grades = [grade for thr, grade in CTCAE[col] if thr <= top]
    names = " ".join(text for text, _ in labels)
    assert all(grade in names for grade in grades) and len(names.split("CTCAE")) - 1 == len(labels) <= len(grades)
    assert "G3" not in names or top >= CTCAE[col][0][0]  # a line above the axis has no label
    for text, box in labels:
        assert box.y0 >= ax.bbox.y0 - 0.5 and box.y1 <= ax.bbox.y1 + 0.5, text  # inside the frame
        assert not any(box.y0 < py < box.y1 for py in lines), (text, box, lines)
    assert all(not a.overlaps(b) for (_, a), (_, b) in zip(labels, labels[1:], strict=False))
    if len(labels) < len(grades):
        assert "(G4 below)" in names
    # a taller panel has room for both labels by their lines; the room is measured when drawn, on the final layout
    fig.set_size_inches(6, 20 * max(1.0, top / 30.0))
    canvas.draw()
    assert len([t for t in ax.texts if t.get_text().strip()]) == len(grades)


def test_the_muller_plot_says_what_its_colours_mean():
    from hemasim.clonal.engine import ClonalHistory
    from hemasim.report.clonal_plots import clone_history_figure

    history = ClonalHistory(times_days=[0.0, 365.0, 730.0], pool_size=[100, 100, 100], n_clones=[3, 3, 3],
                            tracked={1: [10, 20, 30], 2: [5, 5, 5], 3: [1, 2, 1]},
                            tracked_info={1: (-1, 0.1, True), 2: (-1, 0.05, False), 3: (-1, 0.0, False)})
    ax = clone_history_figure(history).axes[0]
    assert ax.get_legend() is not None
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"CH-panel driver", "other driver", "neutral clone"}
    # visual: a neutral pool's legend listed "CH-panel driver" and "other driver", colours it never drew
    history.tracked_info = {1: (-1, 0.0, False), 2: (-1, 0.0, False), 3: (-1, 0.0, False)}
    ax = clone_history_figure(history).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["neutral clone"]


@pytest.mark.slow
def test_the_clonal_reports_legends_lie_off_their_curves_and_the_clone_count_has_an_axis_label():
    # harden5, the report looked at in Chromium: the prevalence legend lay over "any driver clone" rising in the
    # forties and fifties, the VAF legend over the old ages' tail; "living clones" had no label on its axis
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from hemasim.clonal.report import prevalence_figure, run_ch_population, vaf_figure
    from hemasim.report.clonal_plots import clone_history_figure

    run = run_ch_population(30, seed=0, example_pool_size=300)
    for fig, ax_index in ((prevalence_figure(run.cohort), 0), (vaf_figure(run.cohort), 0)):
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        ax = fig.axes[ax_index]
        legend = ax.get_legend().get_window_extent(canvas.get_renderer())
        assert not legend.overlaps(ax.get_window_extent(canvas.get_renderer()))  # off the plotting area
        assert fig.bbox.x0 <= legend.x0 and legend.x1 <= fig.bbox.x1 and fig.bbox.y0 <= legend.y0
    assert clone_history_figure(run.example).axes[1].get_ylabel() == "clones"


@pytest.mark.slow
def test_the_clonal_reports_figures_scroll_sideways_on_a_phone_like_the_other_reports():
    # harden6 gave the run, cohort and fit reports' PNGs a phone width that scrolls in its own box (image_html);
    # the clonal report still embedded them squeezed to the screen (max-width:100%)
    page = ch_report_page()  # render_ch_report(run_ch_population(30, seed=0, example_pool_size=300))
    figures = re.findall(r'<div class="figure"><img alt="([^"]+)" style="--png-width:(\d+)px" src="data:image/png;'
                         r'base64,', page)
    assert [alt for alt, _ in figures] == ["prevalence by age", "VAF distribution", "clone history"]
    assert all(int(width) > 390 for _, width in figures)  # wider than a phone: hence the box that scrolls
    assert "max-width:100%\" src" not in page and page.count("A wide figure: scroll it sideways.") == 3


def test_cohort_bands_are_titled_with_names_and_units_and_show_reference_ranges():
    import pandas as pd

    from hemasim.report.plots import cohort_bands_figure

    names = ["anc_1e9_per_L", "platelets_1e9_per_L", "cd4_per_uL"]
    bands = pd.DataFrame({"time_days": np.arange(4.0)})
    for n in names:
        bands[f"{n}_p05"], bands[f"{n}_median"], bands[f"{n}_p95"] = 1.0, 2.0, 3.0
    fig = cohort_bands_figure(bands, 10, names)
    anc = fig.axes[0]
    assert anc.get_title() == "Neutrophils (ANC) (10⁹/L)"
    (legend,) = fig.legends  # one, above the panels, off their data (harden5: each panel had its own, over the band)
    assert [t.get_text() for t in legend.get_texts()] == ["5-95% of patients", "median", "adult reference range"]
    assert all(ax.get_legend() is None for ax in fig.axes)
    cd4 = fig.axes[2]  # branch firsthour3: was "cd4 per uL", its axis without a unit
    assert cd4.get_title() == "CD4 T cells (cells/µL)" and cd4.get_ylabel() == "cells/µL"


@pytest.mark.slow
@pytest.mark.parametrize(("scale", "days"), [(1.0, 365), (12.0, 365), (1.0, 60), (1.0, 1000)])
def test_the_cohort_bands_figure_keeps_every_text_inside_it_and_off_the_other_panels(scale, days):
    """The bands figure has fixed margins (no constrained layout): the titles, the unit labels and the tick labels
    stay inside the figure and off the neighbouring panels, for a cohort's usual values and for values 12 times
    higher (wider tick labels: ANC 100, platelets 5000, haemoglobin 200, CD4 20000), and where the run ends on a
    tick (its last label, "60" or "1000", centred on the right edge of the right-hand panels: clipped, visual)."""
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from hemasim.cohort.runner import BAND_OBSERVABLES
    from hemasim.report.plots import cohort_bands_figure

    typical = {"anc_1e9_per_L": 4.0, "platelets_1e9_per_L": 250.0, "hemoglobin_g_per_dL": 14.0, "cd4_per_uL": 800.0}
    t = np.arange(days + 1.0)
    bands = pd.DataFrame({"time_days": t})
    for name, v in typical.items():
        wave = v * scale * (1.0 + 0.5 * np.sin(t / 40.0))
        bands[f"{name}_p05"], bands[f"{name}_median"], bands[f"{name}_p95"] = 0.5 * wave, wave, 1.5 * wave
    fig = cohort_bands_figure(bands, 10_000, BAND_OBSERVABLES)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    assert fig.get_layout_engine() is None
    page = fig.bbox
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes]
    title = fig._suptitle.get_window_extent(renderer)
    (legend,) = [lg.get_window_extent(renderer) for lg in fig.legends]
    for box in [*boxes, title, legend]:
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
    assert not legend.overlaps(title)
    for i, a in enumerate(boxes):
        assert not a.overlaps(title) and not a.overlaps(legend)  # the legend on no panel's data nor its title
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    assert max(len(label.get_text()) for label in fig.axes[3].get_yticklabels()) >= (5 if scale > 1 else 4)


# ---------------------------------------------------------------------------------------------- report text
def test_the_report_prints_the_scenario_readably(healthy):
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.io import run_record
    from hemasim.report import render_report

    html = render_report(healthy, evaluate_endpoints(healthy), run_record(healthy), "t")
    assert "{&#x27;" not in html and "&#x27;:" not in html  # no Python dict syntax
    assert "Patient: age 55 years, female, weight 70 kg" in html  # the unit after the number (firsthour4)
    assert "solver: DormandPrince (rtol: 1e-08" in html


def test_the_friberg_report_has_no_blood_volume_not_reached():
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.io import run_record
    from hemasim.report import render_report

    spec = load_scenario(EXAMPLES / "friberg_docetaxel.yaml").model_copy(update={"duration_days": 5.0})
    result = run_scenario(spec)
    html = render_report(result, evaluate_endpoints(result), run_record(result), "t")
    assert "not reached L" not in html and "blood volume" not in html


def test_parameter_sources_state_their_status_plainly():
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.report.html import parameter_rows

    texts = [p.provenance.describe() for p in healthy_adult_parameters().values()]
    assert not [t for t in texts if "as recalled" in t or "check against" in t]
    row = parameter_rows([{"name": "x", "value": 1.0, "unit": "1", "source": "assumed (no source yet; ...)"}])
    assert "<td>assumed</td>" in row


def test_a_cohort_row_that_no_patient_reached_is_not_blank():
    from hemasim.report.html import render_cohort_report

    summary = {"n_patients": 3, "endpoints": [{"endpoint": "neutrophil_recovery_day", "median": None, "p05": None,
                                               "p95": None, "fraction_reaching": 0.0, "unit": "day",
                                               "definition": "d"}]}
    html = render_cohort_report(summary, b"", {"scenario": {"name": "c"}})
    assert "<td></td>" not in html and "none reached" in html


# ---------------------------------------------------------------------------------------------- endpoints
def test_a_count_that_never_moved_has_no_nadir_day_and_did_not_fall(healthy):
    from hemasim.endpoints import evaluate_endpoints

    by_name = {e.name: e for e in evaluate_endpoints(healthy)}
    for name in ("platelets_nadir_day", "anc_nadir_day", "neutrophil_recovery_day", "platelet_recovery_day"):
        assert by_name[name].value is None, name
        assert by_name[name].note == "did not fall"
        assert by_name[name].to_json()["note"] == "did not fall"


def test_a_count_that_fell_keeps_its_nadir_day(docetaxel):
    from hemasim.endpoints import evaluate_endpoints

    by_name = {e.name: e for e in evaluate_endpoints(docetaxel)}
    assert 4 <= by_name["anc_nadir_day"].value % 21.0 <= 12  # the deepest cycle's nadir, days into that cycle
    assert by_name["anc_nadir_day"].note is None


def test_the_readme_does_not_call_the_donation_day_a_nadir():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    python = text.split("## Python", 1)[1].split("```", 2)[1]
    assert "idxmin" not in python and "nadir after the donation" not in python
    assert "plasma takes to refill" in python  # says why the Hb is lowest after the donation day (plasma refill)


# ---------------------------------------------------------------------------------------------- humoral response
def test_an_infection_after_chemotherapy_clears_and_its_antibody_stays_bounded():
    result = example_run("infection_after_chemotherapy.yaml")
    assert result.observable("bacteria_cfu")[-1] < 1.0  # cleared once neutrophils and antibody have risen
    # bounded humoral response: was 6.9e12 AU (IgG) and 7.4e12 AU (plasmablasts) at day 40, growing ~e-fold a day
    # (a vaccine gives tens of AU; a sepsis-scale load of 8e10 CFU for two weeks, thousands)
    assert result.observable("bacteria_igg_au").max() < 1e4
    assert result.observable("bacteria_plasmablasts_au").max() < 1e3
    assert result.observable("bacteria_igg_au")[-1] <= result.observable("bacteria_igg_au").max()


def test_antibody_stays_bounded_under_an_infection_that_never_clears():
    """Invariant: antigen that persists (opsonised bacteria saturating phagocytes as early as the others, as before
    the fix, so the infection is never cleared) must not drive IgG without bound."""
    spec = load_scenario(EXAMPLES / "infection_after_chemotherapy.yaml").model_copy(
        update={"parameters": {"phagocytosis_opsonised_half_saturation_cfu": 1e9}})
    result = run_scenario(spec)
    igg = result.observable("bacteria_igg_au")
    assert result.observable("bacteria_cfu")[-1] > 1e10  # the infection persists
    assert igg.max() < 2e4  # was 6.9e12 AU
    late = result.times >= 30
    assert igg[late][-1] < 2.0 * igg[late][0]  # no exponential growth over the last ten days (was e-fold a day)


# ---------------------------------------------------------------------------------------------- 80 columns
def _at_80(*args: str) -> str:
    from hemasim.cli.app import app

    res = CliRunner().invoke(app, list(args), env={"COLUMNS": "80"}, catch_exceptions=False)
    assert res.exit_code in (0, 1), res.output
    return res.output


@pytest.mark.cli
def test_cohort_help_shows_whole_option_names_at_80_columns():
    text = _at_80("cohort", "--help")
    for option in ("--n", "--out", "--seed", "--seed-list", "--partition-size", "--timeseries", "--no-report",
                   "--scheduler", "--set"):
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), option
    assert "…" not in text


def _commands() -> list[str]:
    from hemasim.cli.app import app

    return ["", *sorted(c.name for c in app.registered_commands if c.name)]


@pytest.mark.cli
@pytest.mark.parametrize("command", _commands(), ids=lambda c: c or "hemasim")
def test_no_help_cuts_a_word_or_a_line_at_80_columns(command: str):
    """rich cuts a word wider than its column with an ellipsis: run's --set said `python -m
    hemasim.parameters.table…`, validate's --group immunodeficiency_and_gene_t…, fit's --no-report
    fitted_parameters.…; and Typer 0.29 kept a docstring's line breaks after its first paragraph (check's "Sweep,
    sensitivity and fitting files are" ended a line the next word fitted on). Every command's help: a command added
    later is read too."""
    text = _at_80(*[c for c in (command,) if c], "--help")
    assert "Usage:" in text and "…" not in text, text
    lines = [line.rstrip() for line in text.splitlines()]
    for line, after in zip(lines, lines[1:], strict=False):
        if line.strip() and after.strip() and not line.startswith(("│", "╭", "╰")):  # the text outside the boxes
            word = after.split()[0]
            assert not (word[0].islower() and len(line) + 1 + len(word) <= 78), (line, after)


@pytest.mark.cli
def test_drugs_never_breaks_a_set_name_at_80_columns():
    from hemasim.pharmacology import available_drug_sets

    text = _at_80("drugs")
    for name in available_drug_sets():
        assert name in text, name


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
@pytest.mark.cli
def test_validate_prints_one_line_a_target_at_80_columns(monkeypatch):
    import hemasim.validation as validation
    from hemasim.validation import CheckResult, TargetResult, ValidationReport

    long = "a quantity described at great length " * 4
    targets = [TargetResult(f"T{i}", "g", long, "p", "rule", "a source " * 10, "pass",
                            [CheckResult("readout_" + "x" * 30, "reference_male", (0.0, 10.0), 5.0, "pass"),
                             CheckResult("other", "reference_male", (0.0, 1.0), 0.5, "pass")], note="note " * 20)
               for i in range(5)]
    monkeypatch.setattr(validation, "run_validation", lambda group=None, progress=None: ValidationReport(targets))
    lines = [line for line in _at_80("validate").splitlines() if line.strip()]
    # the columns explained (a header of up to 5 lines at 80 columns), one line a target, then the counts per
    # class and the summary
    assert len(lines) <= 5 + len(targets) + 6
    assert all(len(line) <= 80 for line in lines)
    wide = _at_80("validate", "--wide")
    assert "note note" in wide and len(wide.splitlines()) > 3 * len(targets)


@pytest.mark.slow
def test_a_panel_in_millions_says_so_in_its_unit_not_in_an_offset_beside_the_title(healthy):
    # lead, thirteenth session (harden5 noticed it): the thymic output (~6e6 cells/day) carried matplotlib's "1e6"
    # offset text at its axis's top left, next to the panel's title; the power now goes into the unit
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from hemasim.report.plots import lineage_figure

    fig = lineage_figure(healthy)
    FigureCanvasAgg(fig).draw()
    thymic, hsc = _axis(fig, "Thymic output"), _axis(fig, "Stem cells (HSC)")
    assert thymic.yaxis.get_offset_text().get_text() == ""
    assert thymic.get_ylabel() == "cells/day (\u00d710$^{6}$)"
    labels = [t.get_text() for t in thymic.get_yticklabels() if t.get_text()]
    assert labels and all(float(t) <= 10 for t in labels)  # the ticks in millions
    # the stem cells (1e5) too (tidy30): their ticks read 100000 in six digits, the interactive plots' 1e5
    assert hsc.get_ylabel() == "cells (\u00d710$^{5}$)" and hsc.yaxis.get_offset_text().get_text() == ""
    assert max(float(t.get_text()) for t in hsc.get_yticklabels() if t.get_text()) < 10


def test_a_transplant_cohorts_bands_mark_the_graft():
    """visual: a transplant cohort's key results count days after the graft ("day 11 after graft") while its bands'
    axis counts from the start of conditioning, and nothing marked the graft (a run's plots do): each panel now has
    the run plots' grey dashed graft line, named once in the legend; a cohort without a graft has none."""
    import pandas as pd

    from hemasim.cohort.runner import BAND_OBSERVABLES
    from hemasim.report.html import render_cohort_report
    from hemasim.report.plots import GRAFT_MARK, cohort_bands_figure

    t = np.arange(61.0)
    bands = pd.DataFrame({"time_days": t})
    for name in BAND_OBSERVABLES:
        bands[f"{name}_p05"], bands[f"{name}_median"], bands[f"{name}_p95"] = 1.0 + 0 * t, 2.0 + 0 * t, 3.0 + 0 * t
    fig = cohort_bands_figure(bands, 10, BAND_OBSERVABLES, graft=6.0)
    for ax in fig.axes:
        (graft,) = [line for line in ax.get_lines() if line.get_color() == GRAFT_MARK["color"]]
        assert list(graft.get_xdata()) == [6.0, 6.0]
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()].count("graft") == 1
    plain = cohort_bands_figure(bands, 10, BAND_OBSERVABLES)
    assert "graft" not in [t.get_text() for t in plain.legends[0].get_texts()]
    summary = {"n_patients": 10, "endpoints": []}
    transplant = {"scenario": {"name": "x", "interventions": [{"kind": "transplant", "day": 6}]}}
    assert "grey dashed line: the graft" in render_cohort_report(summary, b"", transplant)
    assert "grey dashed line" not in render_cohort_report(summary, b"", {"scenario": {"name": "x"}})


def test_the_lineage_note_describes_donor_dashes_and_the_graft_line_only_where_the_plots_have_them(healthy):
    """visual: every run's report said what the dashed donor lines and the grey graft line mean, a healthy adult's
    and a docetaxel course's too, whose plots have neither (an arms report likewise, arm by arm)."""
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.io import run_record
    from hemasim.report.html import DONOR_NOTE, LINEAGE_NOTE, render_report
    from hemasim.report.plots import draws_donor_part

    html = render_report(healthy, evaluate_endpoints(healthy), run_record(healthy), "t")
    assert LINEAGE_NOTE in html and DONOR_NOTE not in html and not draws_donor_part(healthy)
    transplanted = run(30, 1.0, interventions=[{"kind": "transplant", "day": 1, "source": "bone_marrow",
                                                "cd34_per_kg": 3e6}])
    assert draws_donor_part(transplanted)
    assert DONOR_NOTE in render_report(transplanted, evaluate_endpoints(transplanted), run_record(transplanted), "t")
    assert draws_donor_part([("a", healthy), ("b", transplanted)]) and not draws_donor_part([("a", healthy)])


@pytest.mark.parametrize(("dip_at", "label_at_right"), [(5.0, True), (95.0, False), (None, False)])
def test_a_static_ctcae_label_goes_to_the_end_its_data_leave_clear(dip_at, label_at_right):
    """firsthour: a nadir after chemotherapy or a graft lies at the left, where "CTCAE G3 (G4 below)" stood, and the
    curve or the cohort's band ran through the words (the cohort bands of cohort_allo_hsct.yaml); the label goes to
    the other end of its line when only its own end is crossed, as in the interactive plots."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from hemasim.report.plots import _ctcae_lines

    fig = Figure(figsize=(6, 2.75))
    ax = fig.subplots()
    x = np.linspace(0.0, 100.0, 101)
    y = np.full_like(x, 5.0)
    if dip_at is not None:
        y[np.abs(x - dip_at) <= 3] = 0.8
    ax.fill_between(x, 0.8 * y, 1.2 * y, alpha=0.3)  # a cohort's band, with its median
    ax.plot(x, y)
    ax.set_ylim(0, 6)
    _ctcae_lines(ax, "anc_1e9_per_L", x)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    label = next(t for t in ax.texts if "G3" in t.get_text())
    box = label.get_window_extent(canvas.get_renderer())
    assert (box.x0 > (ax.bbox.x0 + ax.bbox.x1) / 2) == label_at_right, (box, ax.bbox)
    assert label.get_path_effects()  # a halo where both ends are crossed
