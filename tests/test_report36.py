"""The report as a reader sees it (branch report36): the drug plot's true peak, the transplant's endpoint table in
groups, one chimerism table for identical arms, and a print style sheet."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import example_run


@pytest.mark.slow
def test_the_drawn_docetaxel_curve_reaches_the_stated_cmax_and_follows_the_simulated_course():
    """On the 0.25-day output grid a 1-h infusion's peak fell between samples: the plot drew docetaxel at ~39 ng/mL
    beside a stated Cmax of 2,837 ng/mL. Drawn from the PK at fine steps round each dose, its highest point is the
    Cmax endpoint's, and at the output times it is the simulated concentration (the same PK)."""
    from hemasim.endpoints import evaluate_endpoints  # noqa: PLC0415
    from hemasim.interventions.dosed import drawn_course  # noqa: PLC0415
    from hemasim.report.plots import drug_figure  # noqa: PLC0415

    result = example_run("docetaxel_q3w.yaml")
    cmax = next(e.value for e in evaluate_endpoints(result) if e.name == "docetaxel_cmax_ng_per_mL")
    fig = drug_figure(result)
    drawn = max(float(np.nanmax(line.get_ydata())) for ax in fig.axes for line in ax.lines
                if len(line.get_ydata()) > 2)  # the curve, not the dose lines (two points each)
    assert cmax is not None and abs(drawn - cmax) / cmax < 0.02
    sampled = result.observable("docetaxel_concentration_ng_per_mL")
    assert sampled.max() < 0.05 * cmax  # the grid alone misses the peak (why the course is drawn densely)
    days, conc = drawn_course(result, "docetaxel")
    at_outputs = conc[np.searchsorted(days, result.times)]
    shown = sampled > 1e-4 * sampled.max()
    np.testing.assert_allclose(at_outputs[shown], sampled[shown], rtol=1e-4)


@pytest.fixture(scope="module")
def browser():
    from tests._browser import launch_browser  # noqa: PLC0415

    yield from launch_browser()


def _transplant_report(tmp_path) -> str:
    from tests.conftest import EXAMPLES, invoke_hemasim  # noqa: PLC0415

    res = invoke_hemasim("run", str(EXAMPLES / "allo_hsct_pbsc.yaml"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    return (tmp_path / "o" / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_transplants_endpoint_table_is_grouped_with_every_endpoint_kept():
    """79 endpoints in one list: now under engraftment, immune recovery, chimerism, ..., the donor share of each count
    on each day (28 rows) and the T/myeloid chimerism days (which the section above gives by day) collapsed."""
    from hemasim.endpoints import evaluate_endpoints  # noqa: PLC0415
    from hemasim.report.html import ENDPOINT_HEADER, grouped_endpoint_tables  # noqa: PLC0415

    names = [e.name for e in evaluate_endpoints(example_run("allo_hsct_pbsc.yaml"))]
    page = grouped_endpoint_tables(names, ENDPOINT_HEADER, lambda n: f"<tr><td>[{n}]</td></tr>")
    assert all(page.count(f"[{n}]") == 1 for n in names)  # nothing lost, nothing twice
    titles = ["Blood counts", "Engraftment", "Immune recovery", "Chimerism: T cells and myeloid cells",
              "Chimerism: the donor share of each count"]
    assert [page.index(f"<h3>{t} ") for t in titles] == sorted(page.index(f"<h3>{t} ") for t in titles)
    engraftment = page[page.index("<h3>Engraftment"):page.index("<h3>Immune recovery")]
    assert "[neutrophil_engraftment_day]" in engraftment and "[primary_graft_failure]" in engraftment
    collapsed = page[page.index('<details class="group">'):]
    assert "[donor_chimerism_cd4_day100]" in collapsed and "[anc_nadir]" not in collapsed
    assert "[neutrophil_engraftment_day]" not in collapsed and "[cd4_200_day]" not in collapsed
    # a run with one group (a healthy adult's counts): one table, no headings
    one = grouped_endpoint_tables(["anc_nadir", "cd4_final"], ENDPOINT_HEADER, lambda n: f"<tr><td>{n}</td></tr>")
    assert "<h3>" not in one and one.count("<table>") == 1


@pytest.mark.slow
def test_arms_with_the_same_chimerism_share_one_table_and_arms_that_differ_get_a_column_each():
    from hemasim.interventions.chimerism import lineage_chimerism_arms_section  # noqa: PLC0415

    pbsc, cord = example_run("allo_hsct_pbsc.yaml"), example_run("allo_hsct_cord_blood.yaml")
    same = lineage_chimerism_arms_section([("a", pbsc), ("b", example_run("allo_hsct_pbsc.yaml"))])
    assert same is not None and same.count("<table>") == 1 and "The same in arms a, b: shown once." in same
    assert "<th>T cells (% donor)</th>" in same  # one pair of columns
    both = lineage_chimerism_arms_section([("pbsc", pbsc), ("cord", cord)])
    assert both is not None and both.count("<table>") == 1 and "<th>pbsc</th><th>cord</th>" * 2 in both
    assert both.count("<tr><td>100</td>") == 1 and "One column per arm." in both


@pytest.mark.slow
def test_the_printed_report_hides_the_controls_and_shows_the_collapsed_endpoints(browser, tmp_path):
    """Printed, the report showed the plots' 'log scale' buttons and the hover instructions; a collapsed endpoint
    group would print closed. The print style sheet hides the controls, keeps the legend, opens the groups."""
    page_file = tmp_path / "report.html"
    page_file.write_text(_transplant_report(tmp_path), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(page_file.as_uri())
    visible = ("el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length) && "
               "getComputedStyle(el).display !== 'none'")
    scale = page.locator(".hp-scale").first
    group_table = page.locator("details.group table").first
    assert page.evaluate(f"({visible})(document.querySelector('.hp-scale'))")  # on screen: the button
    assert not group_table.is_visible()  # on screen: collapsed
    assert not page.locator("details.group table").last.is_visible()
    assert page.locator("details.group summary", has_text="parameters with their values and sources (").count() == 1
    page.emulate_media(media="print")
    assert not scale.is_visible()
    assert not page.locator("p.screen-only").first.is_visible()  # "Hover a plot ..."
    assert page.locator(".hp-key").first.is_visible()  # the legend stays
    assert group_table.is_visible()
    assert page.locator("details.group table").last.is_visible()  # the parameters, collapsed on screen
    assert len(page.pdf()) > 10_000
    page.close()


def test_a_vaccine_reports_key_results_lead_with_the_response_and_fold_the_unmoved_counts():
    """An influenza vaccine's key results led with six rows of 'it never fell more than 1% below its start' and
    '0 days' above its two response rows: the counts that did not move are one line, after the response, with their
    lowest values kept. A count that fell keeps its rows."""
    from hemasim.endpoints import DID_NOT_FALL_NOTE, EndpointValue  # noqa: PLC0415
    from hemasim.report.key_results import QUIET_LABEL, _key_rows, _quiet_counts, key_results_html  # noqa: PLC0415

    def ev(name, value, unit, note=None):
        return EndpointValue(name=name, value=value, unit=unit, definition="d", note=note)

    class Model:
        observable_names = ["anc_1e9_per_L", "platelets_1e9_per_L", "hemoglobin_g_per_dL"]

    class Run:  # what the key results read of a run here: the haemoglobin nadir's day, by its endpoint's rule
        model = Model()
        times = np.linspace(0.0, 120.0, 121)

        def observable(self, name):
            return np.full(121, 13.8) if name == "hemoglobin_g_per_dL" else np.ones(121)

    quiet = [ev("anc_nadir", 4.75, "1e9/L"), ev("anc_nadir_day", None, "day", DID_NOT_FALL_NOTE),
             ev("days_anc_below_1", 0.0, "day"), ev("days_anc_below_0p5", 0.0, "day"),
             ev("platelets_nadir", 275.0, "1e9/L"), ev("platelets_nadir_day", None, "day", DID_NOT_FALL_NOTE),
             ev("days_platelets_below_25", 0.0, "day"), ev("hemoglobin_nadir", 13.8, "g/dL"),
             ev("influenza_relative_response", 1.018, "1")]
    page = key_results_html({"": quiet}, {"": Run()})
    assert page.count("<tr>") == 2 and page.index("influenza") < page.index(QUIET_LABEL)
    assert "ANC 4.75 ×10⁹/L, platelets 275 ×10⁹/L, Hb 13.8 g/dL" in page
    fell = [e if e.name != "days_anc_below_1" else ev("days_anc_below_1", 2.0, "day") for e in quiet]
    rows = _key_rows([e.name for e in quiet])
    assert _quiet_counts(rows, {"": {e.name: e for e in fell}}, {"": Run()}) is None
    alone = _key_rows([e.name for e in quiet[:-1]])  # nothing else to lead with (a healthy adult's run)
    assert _quiet_counts(alone, {"": {e.name: e for e in quiet}}, {"": Run()}) is None


def test_a_shipped_regimens_days_are_placed_in_the_run():
    """'start day: 0 (... cyclophosphamide on days -6 and -5 ...)': the regimen counts from the graft, the scenario
    from the run's start; the line now joins them."""
    from hemasim.report.html import interventions_html  # noqa: PLC0415

    line = interventions_html({"interventions": [{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 2}]})
    assert "its days counted from the graft (day 0), which it plans 6 days after its start: day 8 of this run" in line
    agent = interventions_html({"interventions": [{"kind": "immunosuppression", "agent": "tacrolimus_methotrexate"}]})
    assert "tacrolimus + methotrexate [tacrolimus_methotrexate]" in agent


@pytest.mark.slow
def test_a_nadir_of_a_multi_cycle_run_names_its_cycle():
    """'ANC nadir 0.429 ×10⁹/L on day 72.5' of four docetaxel cycles: the cycle and its day are said, as the per-cycle
    row counts them."""
    from hemasim.endpoints import evaluate_endpoints  # noqa: PLC0415
    from hemasim.report.key_results import key_results_html  # noqa: PLC0415

    result = example_run("docetaxel_q3w.yaml")
    page = key_results_html({"": evaluate_endpoints(result)}, {"": result})
    assert "0.429 ×10⁹/L on day 72.5 (cycle 4, day 9.5 of it)" in page


@pytest.mark.slow
def test_the_vaccine_panels_legend_and_right_label_are_clear_of_the_axis_label_and_inside_the_figure():
    """The joint legend's first row lay over 'time (days)' and the right axis label ran past the panel's height, cut at
    the figure's top."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415

    from hemasim.report.plots import vaccine_figure  # noqa: PLC0415

    fig = vaccine_figure(example_run("tetanus_revaccination_after_hsct.yaml"))
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)  # the constrained layout placed, as the saved PNG is
    ax, ax2 = fig.axes[0], fig.axes[1]
    legend = ax2.get_legend().get_window_extent(renderer)
    xlabel = ax.xaxis.label.get_window_extent(renderer)
    assert legend.y1 <= xlabel.y0 + 0.5
    right = ax2.yaxis.label.get_window_extent(renderer)
    assert fig.bbox.y0 <= right.y0 and right.y1 <= fig.bbox.y1


@pytest.mark.slow
def test_a_chimerism_table_of_some_arms_names_them_and_the_arms_without_a_graft():
    """The arms report passed only the arms with a graft: with one such arm the table never said whose it was, and
    'The same in every arm (a, b)' listed the graft arms alone, untrue beside an arm without one (review36c)."""
    from hemasim.report.arms import _other_sections  # noqa: PLC0415

    pbsc, healthy = example_run("allo_hsct_pbsc.yaml"), example_run("healthy_adult.yaml")
    one = "".join(_other_sections([("graft_arm", pbsc), ("vaccine_only", healthy)]))
    assert one.count("<h2>Lineage chimerism") == 1
    assert "Arm graft_arm; arm vaccine_only has no allogeneic graft." in one
    two = "".join(_other_sections([("a", pbsc), ("none", healthy), ("b", example_run("allo_hsct_pbsc.yaml"))]))
    assert "The same in arms a, b: shown once; arm none has no allogeneic graft." in two
    assert "every arm" not in two
    cord = "".join(_other_sections([("pbsc", pbsc), ("cord", example_run("allo_hsct_cord_blood.yaml")),
                                    ("x", healthy), ("y", healthy)]))
    assert "One column per arm; arms x, y have no allogeneic graft." in cord
    # a single run names no arm
    from hemasim.interventions.chimerism import lineage_chimerism_section  # noqa: PLC0415

    alone = lineage_chimerism_section(pbsc)
    assert alone is not None and "Arm " not in alone and "arms" not in alone and "allogeneic graft" not in alone


@pytest.mark.slow
def test_the_drug_course_on_a_grid_without_the_dose_edges_carries_the_doses_on():
    """On days that left out a dose's edges (the run's 0.25-day output grid, a 1-h infusion ending at day 1/24), each
    segment handed on the amounts at its last requested day, not at its end: docetaxel q3w drew 0 at every output
    time beside 38.6 ng/mL simulated (review36c). On any grid, the course is the simulated one."""
    from hemasim.interventions.dosed import drawn_course  # noqa: PLC0415

    result = example_run("docetaxel_q3w.yaml")
    sampled = result.observable("docetaxel_concentration_ng_per_mL")
    shown = sampled > 1e-4 * sampled.max()
    for step in (1, 4):  # the output grid, and every day
        days = np.asarray(result.times[::step], dtype=np.float64)
        got = drawn_course(result, "docetaxel", days=days)
        assert got is not None and np.array_equal(got[0], days)
        np.testing.assert_allclose(got[1][shown[::step]], sampled[::step][shown[::step]], rtol=1e-4)


@pytest.mark.slow
def test_the_arms_drug_figure_reads_each_arms_dosing_once(monkeypatch):
    """The arms report's drug figure read an arm's dosed interventions (their drug-set and regimen files) again for
    each drug it draws; the single run's passes them in (review36c). Once per arm, and the same curves."""
    from hemasim.interventions import dosed  # noqa: PLC0415
    from hemasim.report.plots import drug_figure  # noqa: PLC0415

    pairs = [("q3w", example_run("docetaxel_q3w.yaml")), ("ac_d", example_run("regimen_ac_docetaxel.yaml"))]
    assert sum(1 for o in pairs[1][1].model.observable_names if o.endswith("_concentration_ng_per_mL")) >= 2
    before = [line.get_ydata() for ax in drug_figure(pairs).axes for line in ax.lines]
    reads = []
    real = dosed.run_dosing
    monkeypatch.setattr(dosed, "run_dosing", lambda result: reads.append(result) or real(result))
    after = [line.get_ydata() for ax in drug_figure(pairs).axes for line in ax.lines]
    assert len(reads) == len(pairs)
    assert len(before) == len(after) and all(np.array_equal(a, b, equal_nan=True) for a, b in zip(before, after, strict=True))
