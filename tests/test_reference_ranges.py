"""Age-specific reference ranges (hemasim.report.reference_ranges): a child's counts are drawn against the ranges of
the child's age, each band's legend naming its ages and source; adults keep the adult ranges (and their figures
stay byte-identical: tests/test_first_hour*.py, tests/test_report*.py)."""

from __future__ import annotations

import re

import pytest
import yaml

from hemasim.assembly import run_scenario
from hemasim.endpoints import evaluate_endpoints
from hemasim.io import run_record
from hemasim.report.html import LINEAGE_NOTE, lineage_note, reference_band_note, render_report
from hemasim.report.interactive import lineage_specs, reference_band
from hemasim.report.key_results import _child_hb_range
from hemasim.report.plots import lineage_figure
from hemasim.report.reference_ranges import (
    ADULT_BANDS,
    ADULT_FOR_CHILD_LABEL,
    ADULT_LABEL,
    HB_BANDS,
    band_note,
    range_segments,
    reference_range,
    segments_label,
    table,
)
from hemasim.scenario import parse_scenario
from tests.conftest import EXAMPLES

MONTH = 1.0 / 12.0


@pytest.mark.parametrize(("quantity", "age_years", "sex", "expected", "label"), [
    # lower edges inclusive, upper exclusive: exactly 6 months is the 6-12 month row, just under it the 3-6 month
    ("cd4_per_uL", 6 * MONTH, "male", (1400.0, 4300.0), "reference range, 6-12 months (Shearer 2003)"),
    ("cd4_per_uL", 6 * MONTH - 1e-6, "male", (1800.0, 4000.0), "reference range, 3-6 months (Shearer 2003)"),
    ("cd4_per_uL", 0.0, "female", (1600.0, 4000.0), "reference range, 0-3 months (Shearer 2003)"),
    ("cd8_per_uL", 2.0, "male", (490.0, 1300.0), "reference range, 2-6 years (Shearer 2003)"),
    ("b_cells_per_uL", 13.0, "male", (110.0, 570.0), "reference range, 12-18 years (LHSC)"),
    ("anc_1e9_per_L", 7 * MONTH, "male", (1.5, 8.5), "reference range, 6 months-5 years (Iowa handbook)"),
    ("anc_1e9_per_L", 5.0, "male", (1.7, 7.5), "reference range, 5-18 years (Iowa handbook)"),
    ("lymphocytes_1e9_per_L", 1.0, "female", (3.0, 9.5), "reference range, 12-24 months (Iowa handbook)"),
    ("hemoglobin_g_per_dL", 7 * MONTH, "male", (11.0, 13.5), "reference range, 6-24 months (UpToDate)"),
    ("hemoglobin_g_per_dL", 2 * MONTH, "female", (9.0, 14.1), "reference range, 2-3 months (Iowa handbook)"),
    # from 12 years the haemoglobin rows split by sex
    ("hemoglobin_g_per_dL", 15.0, "male", (12.4, 16.4), "reference range, 12-18 years (UpToDate)"),
    ("hemoglobin_g_per_dL", 15.0, "female", (11.4, 14.7), "reference range, 12-18 years (UpToDate)"),
])
def test_a_child_gets_the_row_of_its_age(quantity, age_years, sex, expected, label):
    ref = reference_range(quantity, age_years, sex)
    assert ref is not None and ref.band == expected and ref.label == label


def test_adults_and_unsourced_quantities_keep_the_adult_range():
    # 18 years is the first adult age (the table's last row ends there, exclusive)
    assert reference_range("cd4_per_uL", 18.0, "male").band == ADULT_BANDS["cd4_per_uL"]
    assert reference_range("cd4_per_uL", 18.0, "male").label == ADULT_LABEL
    assert reference_range("cd4_per_uL", 17.99, "male").band == (530.0, 1300.0)
    assert reference_range("hemoglobin_g_per_dL", 40.0, "female").band == HB_BANDS["female"]
    # no age (a cohort of mixed ages): adults'; no sex: no haemoglobin range
    assert reference_range("anc_1e9_per_L", None, None).band == ADULT_BANDS["anc_1e9_per_L"]
    assert reference_range("hemoglobin_g_per_dL", None, None) is None
    assert reference_range("hemoglobin_g_per_dL", 15.0, None) is None
    # a child's quantity with no paediatric source: the adult range, and the label says so
    platelets = reference_range("platelets_1e9_per_L", 0.5, "male")
    assert platelets.band == ADULT_BANDS["platelets_1e9_per_L"] and platelets.label == ADULT_FOR_CHILD_LABEL
    assert reference_range("nk_cells_per_uL", 0.5, "male") is None  # no adult band drawn either
    assert reference_range("hsc_count_cells", 0.5, "male") is None


def test_every_row_has_a_source_and_the_ages_tile_without_gaps():
    data = table()
    for key, source in data["sources"].items():
        assert source["cite"] and source["reference"] and source["read_at"], key
    groups: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for row in data["rows"]:
        assert row["source"] in data["sources"], row
        assert 0 <= row["low"] < row["high"], row
        assert row["sex"] in ("any", "male", "female"), row
        groups.setdefault((row["quantity"], row["sex"]), []).append((row["from_months"], row["to_months"]))
    for quantity in {q for q, _ in groups}:
        for sex in ("male", "female"):
            spans = sorted(groups.get((quantity, "any"), []) + groups.get((quantity, sex), []))
            assert spans[0][0] == 0 and spans[-1][1] == 216, (quantity, sex)
            assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False)), (quantity, sex, spans)


@pytest.fixture(scope="module")
def infant():
    """The X-SCID example's infant (0.3 years: the 3-6 month rows), over ten days (the graft on day 7)."""
    data = yaml.safe_load((EXAMPLES / "xscid_unconditioned.yaml").read_text())
    data["duration_days"] = 10
    return run_scenario(parse_scenario(data))


def _legend_labels(fig, title):
    ax = next(a for a in fig.axes if a.get_title() == title)
    return {p.get_label() for p in ax.patches}


def test_an_infants_report_names_the_infant_ranges(infant):
    fig = lineage_figure(infant)
    assert "reference range, 3-6 months (Iowa handbook)" in _legend_labels(fig, "Neutrophils (ANC)")
    assert "reference range, 3-6 months (Iowa handbook)" in _legend_labels(fig, "Haemoglobin")
    assert ADULT_FOR_CHILD_LABEL in _legend_labels(fig, "Platelets")
    assert not any(label == ADULT_LABEL for a in fig.axes for label in (p.get_label() for p in a.patches))
    specs = {s["id"]: s for s in lineage_specs(infant)}
    assert specs["lineage-lymphocytes_1e9_per_L"]["bands"][0] == {
        "lo": 4.0, "hi": 13.5, "color": specs["lineage-lymphocytes_1e9_per_L"]["bands"][0]["color"],
        "label": "reference range, 3-6 months (Iowa handbook)"}
    assert lineage_note(infant) != LINEAGE_NOTE and "patient's age" in lineage_note(infant)
    # the key results' haemoglobin overshoot (after a graft) names the age's range beside the patient's set point
    assert _child_hb_range(infant, 0.0) == "; reference range, 3-6 months (Iowa handbook): 9.5-14.1 g/dL"
    # ... the range of the age on the peak's day: a year later the infant is 15.6 months old
    assert _child_hb_range(infant, 365.25) == "; reference range, 6-24 months (UpToDate): 11-13.5 g/dL"
    html = render_report(infant, evaluate_endpoints(infant), run_record(infant), "t")
    assert "reference range, 3-6 months (Iowa handbook)" in html and "patient&#x27;s age" in html
    # the parameter table's red-cell set point is the adult one: the note gives the infant's own (Dallman 3-6 months
    # 11.5 g/dL at 0.375 y, 12.0 at 1.25 y, over the adult man's 15.5: about 0.742 at 0.3 y)
    note = re.search(r"at this patient's starting age \(0\.3 y\), x([\d.]+), a set point of ([\d.]+) "
                     r"x10<sup>12</sup>/L \(Hb ([\d.]+) g/dL\)", html)
    assert note is not None and 0.73 < float(note[1]) < 0.75
    assert float(note[2]) == pytest.approx(5.2 * float(note[1]), abs=0.01)
    assert float(note[3]) == pytest.approx(11.5, abs=0.2)  # the model's Hb at the start (MCH 30 pg)


def test_a_cohort_with_children_says_its_bands_are_adults():
    child = {"patient": {"sex": "male", "age_years": 30}, "population": {"age_years": {"min": 1, "max": 40}}}
    adult = {"patient": {"sex": "male", "age_years": 30}, "population": {"age_years": {"min": 20, "max": 40}}}
    assert "includes children" in reference_band_note(child)
    assert "children" not in reference_band_note(adult)
    assert "includes children" in reference_band_note({"patient": {"sex": "female", "age_years": 0.5}})


YEAR = 365.25


def _edges(segments):
    return [segments[0].start_day] + [s.end_day for s in segments]


def test_a_childs_range_steps_with_its_age_over_the_run():
    # the X-SCID example's infant, 0.3 years at the start, over its 737 days: haemoglobin's range changes where the
    # age reaches 6 months and 2 years (the 3-6 month, 6-24 month and 2-6 year rows), CD4's at 1 year too
    hb = range_segments("hemoglobin_g_per_dL", 0.3, "male", 0.0, 737.0)
    assert _edges(hb) == pytest.approx([0.0, (0.5 - 0.3) * YEAR, (2.0 - 0.3) * YEAR, 737.0])
    assert [s.range.band for s in hb] == [(9.5, 14.1), (11.0, 13.5), (11.0, 13.7)]
    assert segments_label(hb) == "reference range by age (Iowa handbook; UpToDate)"
    cd4 = range_segments("cd4_per_uL", 0.3, "male", 0.0, 737.0)
    assert _edges(cd4) == pytest.approx([0.0, 0.2 * YEAR, 0.7 * YEAR, 1.7 * YEAR, 737.0])
    # each step is the table's row for the age in it
    for s in hb + cd4:
        age = 0.3 + 0.5 * (s.start_day + s.end_day) / YEAR
        assert s.range == reference_range("cd4_per_uL" if s in cd4 else "hemoglobin_g_per_dL", age, "male")
    assert segments_label(cd4) == "reference range by age (Shearer 2003)"
    # a run longer than three years is plotted in years: the interactive band's steps are placed on that axis
    years = reference_band(range_segments("cd4_per_uL", 0.3, "male", 0.0, 4 * YEAR), YEAR)["segments"]
    assert [g[0] for g in years] == pytest.approx([0.0, 0.2, 0.7, 1.7]) and years[-1][1] == pytest.approx(4.0)


def test_a_child_turning_18_takes_the_adult_range_that_day():
    hb = range_segments("hemoglobin_g_per_dL", 17.9, "female", 0.0, 365.0)
    assert _edges(hb) == pytest.approx([0.0, 0.1 * YEAR, 365.0])
    assert hb[0].range.band == (11.4, 14.7) and hb[1].range.band == HB_BANDS["female"]
    assert hb[1].range.label == ADULT_LABEL
    assert segments_label(hb) == "reference range by age (UpToDate; adult range)"
    # a quantity without paediatric rows keeps one band (the adult limits on both sides of 18 years)
    platelets = range_segments("platelets_1e9_per_L", 17.9, "female", 0.0, 365.0)
    assert len(platelets) == 1 and platelets[0].range.label == ADULT_FOR_CHILD_LABEL
    assert band_note(17.9, 365.0) != band_note(17.9, 1.0) != band_note(None)


def test_adults_and_runs_within_one_row_keep_one_range():
    for age in (18.0, 40.0, None):
        one = range_segments("cd4_per_uL", age, "male", 0.0, 3000.0)
        assert len(one) == 1 and one[0].range.label == ADULT_LABEL and _edges(one) == [0.0, 3000.0]
    assert len(range_segments("cd4_per_uL", 0.3, "male", 0.0, 30.0)) == 1
    assert range_segments("hemoglobin_g_per_dL", 40.0, None, 0.0, 737.0) == []  # no haemoglobin range, sex unknown
    # a child of unknown sex: haemoglobin's rows for either sex until 12 years, none after (no step drawn there)
    unknown = range_segments("hemoglobin_g_per_dL", 11.9, None, 0.0, 365.0)
    assert len(unknown) == 1 and unknown[0].end_day == pytest.approx(0.1 * YEAR)
    assert band_note(0.3, 30.0) == band_note(0.3)


@pytest.fixture(scope="module")
def infant_two_years():
    """The X-SCID example as written: the infant followed from 0.3 to 2.3 years of age."""
    return run_scenario(parse_scenario(yaml.safe_load((EXAMPLES / "xscid_unconditioned.yaml").read_text())))


def test_an_infants_two_year_report_draws_the_step(infant_two_years):
    fig = lineage_figure(infant_two_years)
    ax = next(a for a in fig.axes if a.get_title() == "Haemoglobin")
    step = [c for c in ax.collections if c.get_label() == "reference range by age (Iowa handbook; UpToDate)"]
    assert len(step) == 1
    xs = {round(float(x), 2) for x in step[0].get_paths()[0].vertices[:, 0]}
    assert {round(0.2 * YEAR, 2), round(1.7 * YEAR, 2)} <= xs
    assert not [p for p in ax.patches if "reference range" in p.get_label()]  # no band across the whole run
    specs = {s["id"]: s for s in lineage_specs(infant_two_years)}
    band = specs["lineage-hemoglobin_g_per_dL"]["bands"][0]
    assert band["label"] == "reference range by age (Iowa handbook; UpToDate)"
    assert [g[2:] for g in band["segments"]] == [[9.5, 14.1], [11.0, 13.5], [11.0, 13.7]]
    assert band["segments"][1][0] == pytest.approx(0.2 * YEAR) and band["segments"][-1][1] == pytest.approx(737.0)
    assert (band["lo"], band["hi"]) == (9.5, 14.1)
    assert "following the patient's age" in lineage_note(infant_two_years)
