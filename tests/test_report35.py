"""Reports read as a transplant physician, an oncology pharmacometrician and a gene-therapy researcher would (branch
report35): what they tripped on, each asserted on the HTML (or, for the page width, in Chromium)."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest

from hemasim.endpoints import EndpointValue
from hemasim.report.html import page_head, render_cohort_report
from hemasim.report.key_results import cohort_key_results_html, key_results_html
from tests._browser import launch_browser
from tests.conftest import example_run

LONG_PATH = "inst/modeldb/specificDrugs/Wang_2010_romiplostim.R);"  # a parameter's source, 52 characters


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


@pytest.mark.slow
def test_a_long_path_in_a_source_does_not_widen_the_page_in_an_800_px_window(browser, tmp_path: Path):
    """The parameter table's source column could not break a path: the table stood 837 px wide and every run report
    (and the cohort's endpoint table, 819 px) scrolled sideways in an 800 px window, above the phones' 700 px at
    which tables scroll in their own box."""
    from hemasim.report.html import PARAMETER_HEADER, parameter_rows  # noqa: PLC0415

    records = [{"name": "romiplostim_platelet_stimulation_ec50_ng_per_mL", "value": 2.13318e6,
                "unit": "cells/uL", "source": f"cited: Wang 2010 ({LONG_PATH}) {LONG_PATH} {LONG_PATH}"},
               {"name": "b_marrow_share_of_production", "value": 1 / 3, "unit": "1/day",
                "source": "assumed (no source yet; affects lymphoid recovery after depletion)"}]
    page_file = tmp_path / "report.html"
    page_file.write_text(f"<!DOCTYPE html><html><head>{page_head('t')}</head><body><table>{PARAMETER_HEADER}"
                         f"{parameter_rows(records)}</table></body></html>", encoding="utf-8")
    page = browser.new_page(viewport={"width": 800, "height": 900})
    page.goto(page_file.as_uri())
    width = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    assert width == 800


def _endpoint(name: str, value: float | None, unit: str) -> EndpointValue:
    return EndpointValue(name=name, value=value, unit=unit, definition="d")


def test_a_collected_cd34_yield_reads_in_millions_per_kg_as_the_apheresis_section_writes_it():
    """The key result read "1.03×10⁷ cells/kg" above the apheresis section's "10.3 ×10⁶ CD34+/kg"; a harvest is judged
    against 2 and 5 ×10⁶/kg."""
    page = key_results_html({"": [_endpoint("collected_cd34_per_kg", 1.0312e7, "cells/kg")]})
    assert "10.3 ×10⁶ CD34+/kg" in page and "×10⁷" not in page


@pytest.mark.slow
def test_the_apheresis_section_writes_counts_to_three_digits_and_the_yield_in_millions():
    from hemasim.interventions.apheresis import _section as apheresis_section  # noqa: PLC0415

    section = unescape(apheresis_section(example_run("autologous_mobilised.yaml")) or "")
    assert "Mobilisation and apheresis" in section and "×10⁶ CD34+/kg" in section
    # "85.64 (day 3.5)" beside a peak of "120": every count in the section at most three significant digits
    import re  # noqa: PLC0415

    counts = re.findall(r"<td>(\d+(?:\.\d+)?) \(day", section)
    assert counts and all(len(c.replace(".", "").lstrip("0")) <= 3 for c in counts), counts
    peak = re.search(r"Peak blood CD34\+ ([\d.]+)", section)
    assert peak and len(peak[1].replace(".", "").lstrip("0")) <= 3


def test_a_cohorts_days_read_to_three_digits_not_to_a_hundredth():
    """Percentiles fall between two patients' days: the key results read "5-95%: 8-39.05" days and "21.95-59" for a
    platelet engraftment day, the endpoint table "51.95" and "158.7"."""
    rows = [{"endpoint": "days_anc_below_0p5", "median": 22.0, "p05": 8.0, "p95": 39.05, "fraction_reaching": 1.0,
             "unit": "day", "definition": "d", "n": 200},
            {"endpoint": "platelet_engraftment_day", "median": 37.0, "p05": 21.95, "p95": 158.7,
             "fraction_reaching": 1.0, "unit": "day after graft", "definition": "d", "n": 200},
            {"endpoint": "anc_nadir", "median": 0.0191, "p05": 0.00292, "p95": 0.0871, "fraction_reaching": 1.0,
             "unit": "1e9/L", "definition": "d", "n": 200}]
    key = cohort_key_results_html(rows)
    assert "median 22 days (5-95%: 8-39)" in key
    assert "median day 37 after graft (5-95%: 21.9-159)" in key
    assert "(5-95%: 0.00292-0.0871)" in key  # a count keeps its three digits
    report = render_cohort_report({"n_patients": 200, "endpoints": rows}, b"", {"scenario": {"name": "c"}})
    assert "39.05" not in report and "21.95" not in report and "158.7" not in report
    assert "<td>39</td>" in report and "<td>21.9</td>" in report and "<td>159</td>" in report


@pytest.mark.slow
def test_a_gene_therapy_run_gives_the_corrected_share_of_each_lineage_in_its_key_results():
    """The X-SCID gene therapy's key results gave the ANC nadir and "not applicable" engraftment days; the corrected
    cells' share of T, NK, B and myeloid cells stood in the endpoint table's lower rows."""
    from hemasim.endpoints import evaluate_endpoints  # noqa: PLC0415

    result = example_run("xscid_gene_therapy.yaml")
    endpoints = evaluate_endpoints(result)
    values = {e.name: e.value for e in endpoints}
    page = unescape(key_results_html({"": endpoints}, {"": result}))
    for day in (100, 365):
        assert f"Gene-corrected share on day {day} after graft" in page
        cd4, nk = values[f"donor_chimerism_cd4_day{day}"], values[f"donor_chimerism_nk_cells_day{day}"]
        assert f"CD4 T {100 * cd4:.1f}%" in page and f"NK {100 * nk:.1f}%" in page
        assert f"neutrophils {100 * values[f'donor_chimerism_anc_1e9_day{day}']:.1f}%" in page
    # an autologous graft into a healthy patient (the mobilised one) has no corrected cells to count
    mobilised = example_run("autologous_mobilised.yaml")
    assert "Gene-corrected" not in key_results_html({"": evaluate_endpoints(mobilised)}, {"": mobilised})


@pytest.mark.slow
def test_the_gene_therapy_report_writes_a_dose_and_its_sample_table_as_a_reader_does():
    """Its inputs read "5e+06 CD34+/kg" (Python's notation) and the sample table's headers were samples.csv's
    column names ("vector_marked_fraction" over "100.0%")."""
    from tests.test_gene_therapy_command import _report_of_the_example  # noqa: PLC0415

    report = unescape(_report_of_the_example())
    assert "e+0" not in report
    assert "<td>5×10⁶ CD34+/kg</td>" in report and "cd34_per_kg (5e6)" in report
    head = report[report.index("<h2>Every sample</h2>"):report.index("<h2>Inputs</h2>")]
    assert "<th>Vector-marked cells (%)</th>" in head and "<th>Shannon index (nats)</th>" in head
    assert "vector_marked_fraction" not in head and "shannon_nats" not in head


@pytest.mark.slow
def test_a_drugs_concentration_axis_says_it_is_logarithmic():
    """The drug panels are on a log scale (decades 10⁻² to 10¹) beside linear lineage panels; the axis read "ng/mL"."""
    from hemasim.report.interactive import drug_specs  # noqa: PLC0415
    from hemasim.report.plots import drug_figure  # noqa: PLC0415

    result = example_run("docetaxel_q3w_pegfilgrastim.yaml")
    figure = drug_figure(result)
    assert figure is not None
    assert [ax.get_ylabel() for ax in figure.axes] == ["ng/mL (log scale)"] * 2
    assert all(ax.get_yscale() == "log" for ax in figure.axes)
    assert [s["ylabel"] for s in drug_specs(result) if s["log"]] == ["ng/mL (log scale)"] * 2
