"""What a new user meets in a report: the key figures at the top, parameter statuses as written, no Python
text (the first-hour review)."""

from __future__ import annotations

from html import unescape

from hemasim.endpoints import EndpointValue
from hemasim.report.html import parameter_status, plain, population_text, render_cohort_report
from hemasim.report.key_results import (
    chemotherapy_cycle_days,
    cohort_key_results_html,
    cycle_nadirs,
    key_results_html,
)


def _endpoint(name: str, value: float | None, unit: str, note: str | None = None) -> EndpointValue:
    return EndpointValue(name, value, unit, f"definition of {name}", note)


CHEMO = [_endpoint("lymphocytes_nadir", 1.9, "1e9/L"), _endpoint("anc_nadir", 0.374, "1e9/L"),
         _endpoint("anc_nadir_day", 8.5, "day"), _endpoint("days_anc_below_0p5", 5.75, "day"),
         _endpoint("neutrophil_engraftment_day", 12.0, "day after graft"),
         _endpoint("primary_graft_failure", 0.0, "flag"),
         _endpoint("platelet_engraftment_day", None, "day after graft", "did not fall")]


def test_key_results_read_as_a_clinician_writes_them():
    html = key_results_html({"": CHEMO})
    assert "<h2>Key results</h2>" in html
    assert "0.374 ×10⁹/L on day 8.5" in html  # the nadir with its day, in the clinical unit
    assert "5.75 days" in html and "day 12 after graft" in html
    assert ">no<" in html  # a flag as a word, not 0
    # why there is no value: the outputs' terse "did not fall" read as a failed engraftment (lead, thirteenth session)
    # report24: and why that is no failure: an unconditioned SCID graft has no aplasia to engraft from
    assert "Platelet engraftment" in html
    assert "not applicable: no aplasia (the count never fell below the threshold)" in html
    assert "not reached" not in html  # issue 17 item 6: never fell is not "not reached"
    assert "did not fall" not in html
    assert "lymphocytes_nadir" not in html  # only the key endpoints; the rest is linked
    assert 'href="#endpoints"' in html and "all 7 endpoints" in html
    assert html.index("ANC nadir") < html.index("grade 4 neutropenia") < html.index("Neutrophil engraftment")


def test_key_results_compare_arms_side_by_side_and_name_a_kinds_headline():
    arms = {"age_25": [_endpoint("anc_nadir", 4.75, "1e9/L"), _endpoint("influenza_responder", 1.0, "flag"),
                       _endpoint("influenza_relative_response", 1.02, "1")],
            "age_80": [_endpoint("anc_nadir", 4.75, "1e9/L"), _endpoint("influenza_responder", 0.0, "flag")]}
    html = key_results_html(arms)
    assert "<th>age_25</th><th>age_80</th>" in html
    assert "influenza: responder" in html and ">yes<" in html and ">no<" in html
    assert "1.02<" in html  # a ratio without the unit "1"
    assert "&ndash;" in html  # an endpoint one arm does not have


def test_a_viral_infection_has_its_clearance_in_the_key_results_as_a_bacterial_one_has():
    # branch firsthour3: only bacteria_cleared was a key endpoint, so the healthy-vs-SCID influenza report opened
    # on blood counts identical in both arms and not on the one difference it shows (cleared on day 6 or never)
    arms = {"healthy": [_endpoint("anc_nadir", 4.75, "1e9/L"), _endpoint("influenza_cleared", 1.0, "flag"),
                        _endpoint("influenza_clearance_day", 6.0, "day after infection")],
            "scid": [_endpoint("anc_nadir", 4.75, "1e9/L"), _endpoint("influenza_cleared", 0.0, "flag"),
                     _endpoint("influenza_clearance_day", None, "day after infection", "not reached")]}
    html = key_results_html(arms)
    assert "influenza: infection cleared" in html and ">yes<" in html and ">no<" in html
    assert "influenza: day the infection is cleared" in html and "day 6 after infection" in html
    assert "not reached" in html
    bacterial = key_results_html({"": [_endpoint("bacteria_cleared", 1.0, "flag"),
                                       _endpoint("bacteria_clearance_day", 4.25, "day after infection")]})
    assert "bacteria: infection cleared" in bacterial and "day 4.25 after infection" in bacterial
    assert bacterial.count("<tr>") == 2  # each endpoint once


def test_one_day_is_singular():
    assert "1 day<" in key_results_html({"": [_endpoint("days_anc_below_0p5", 1.0, "day")]})


def test_no_key_results_section_without_key_endpoints():
    assert key_results_html({"": [_endpoint("cd4_final", 800.0, "cells/uL")]}) == ""


def test_the_cohort_key_results_give_the_share_of_patients_with_grade_4():
    rows = [{"endpoint": "days_anc_below_0p5", "median": 2.0, "p05": 0.0, "p95": 8.8, "fraction_reaching": 0.66,
             "unit": "day", "definition": "d", "n": 50},
            {"endpoint": "neutrophil_engraftment_day", "median": 12.0, "p05": 10.0, "p95": 15.0,
             "fraction_reaching": 0.9, "unit": "day after graft", "definition": "d", "n": 50},
            {"endpoint": "primary_graft_failure", "median": 0.0, "p05": 0.0, "p95": 1.0, "fraction_reaching": 0.1,
             "unit": "flag", "definition": "d", "n": 50}]
    html = cohort_key_results_html(rows)
    assert "66% of patients; median 2 days (5-95%: 0-8.8)" in html
    assert "median day 12 after graft (5-95%: 10-15); reached by 90% of patients" in html
    assert "10% of patients" in html
    report = render_cohort_report({"n_patients": 50, "endpoints": rows}, b"", {"scenario": {"name": "c"}})
    assert report.index("Key results") < report.index("Bands over time") < report.index('id="endpoints"')


def test_a_cohort_without_a_population_block_says_how_its_patients_differ():
    # branch firsthour3: it read "Population: none", while the patients differ by their parameters' variability
    scenario = {"name": "c", "patient": {"age_years": 55, "sex": "male", "weight_kg": 80}}
    report = unescape(render_cohort_report({"n_patients": 10, "endpoints": []}, b"", {"scenario": scenario}))
    assert ("Population: parameter variability drawn (log-normal, each parameter with a between-patient CV: iiv_cv in "
            "docs/parameters.md); drug variability off; white cell baseline: healthy; the same in every patient, "
            "from the scenario's patient: age 55 years, male, weight 80 kg") in report
    # a drawn field is not also given as the scenario's: "what is not drawn is the scenario's patient (age 55
    # years, ...)" stood beside "age 20-80 years" (firsthour27)
    drawn = {**scenario, "population": {"age_years": {"min": 20, "max": 80}, "variability": False}}
    report = unescape(render_cohort_report({"n_patients": 10, "endpoints": []}, b"", {"scenario": drawn}))
    assert ("Population: age 20-80 years; parameter variability off; the same in every patient, from the scenario's "
            "patient: male, weight 80 kg</p>") in report
    everything = {**scenario, "population": {"age_years": {"min": 20, "max": 80}, "female_fraction": 0.5,
                                             "weight_kg": {"male": {"mean": 80, "sd": 12},
                                                           "female": {"mean": 68, "sd": 12}}}}
    report = unescape(render_cohort_report({"n_patients": 10, "endpoints": []}, b"", {"scenario": everything}))
    assert "from the scenario's patient" not in report and "Population: age 20-80 years; 50% women" in report


def test_a_cohort_population_reads_as_a_clinician_writes_it():
    # harden5 noticed it printed "weight kg: (male: (mean: 80, sd: 12), ...)": nested pairs, not a reader's line
    population = {"age_years": {"min": 30, "max": 75}, "female_fraction": 0.6,
                  "weight_kg": {"male": {"mean": 80, "sd": 12}, "female": {"mean": 68, "sd": 12}},
                  "drug_variability": True, "white_cell_baseline": "metastatic_cancer"}
    assert population_text(population) == ("age 30-75 years; 60% women; weight men 80 \u00b1 12 kg, women 68 \u00b1 12 kg; "
                                           "drug variability drawn (the dosed drug sets' published between-patient "
                                           "variability); white cell baseline: metastatic cancer")
    # a shape the reader does not know is still shown, as plain pairs, never dropped
    assert population_text({"age_years": {"min": 30, "max": 75, "mode": 50}}) == "age: (min: 30, max: 75, mode: 50)"


def test_a_fitted_parameter_is_not_called_cited():
    assert parameter_status("fitted to kloft2006.csv (problem p; objective 61.9)") == "fitted"
    assert parameter_status("Kloft2006, table 2") == "cited"


def test_every_kind_of_provenance_of_the_shipped_parameters_has_its_own_status():
    # a unit convention's text began with none of the known prefixes and read as "cited" (units31)
    from hemasim.parameters import Assumed, Calibrated, Cited, UnitConvention, healthy_adult_parameters
    from hemasim.parameters.core import Fitted

    expected = {Cited: "cited", Calibrated: "calibrated", Assumed: "assumed", Fitted: "fitted",
                UnitConvention: "unit convention"}
    for p in healthy_adult_parameters().values():
        assert parameter_status(p.provenance.describe()) == expected[type(p.provenance)], p.name


def test_a_yes_no_field_reads_as_a_word_not_python():
    assert plain({"variability": True, "drug_variability": False}) == "variability: yes, drug variability: no"


def test_a_run_of_several_cycles_shows_the_anc_nadir_of_each_cycle():
    from hemasim.assembly import run_scenario
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.scenario import parse_scenario

    chemo = {"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 100, "route": "iv_infusion",
             "infusion_hours": 1, "schedule": {"days": [0, 14]}}
    gcsf = {"kind": "gcsf", "drug_set": "filgrastim_wang2001", "dose_ug_per_kg": 5, "route": "subcutaneous",
            "schedule": {"days": [2]}}
    result = run_scenario(parse_scenario({
        "name": "t", "patient": {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165},
        "duration_days": 28, "aging": False, "output": {"every_days": 0.25}, "interventions": [chemo, gcsf]}))
    assert chemotherapy_cycle_days(result) == [0.0, 14.0]  # G-CSF days are not cycles
    nadirs = cycle_nadirs(result)
    anc, days = result.observable("anc_1e9_per_L"), result.times
    first = (days < 14)
    assert nadirs[0] == (anc[first].min(), days[first][anc[first].argmin()])
    assert nadirs[1][0] == anc[~first].min() and 0 < nadirs[1][1] < 14  # counted from the cycle's first dose
    html = key_results_html({"": evaluate_endpoints(result)}, {"": result})
    assert f"1: {nadirs[0][0]:.3g} (day {nadirs[0][1]:g}) · 2: {nadirs[1][0]:.3g}" in html


def test_a_cohort_day_after_a_fall_that_no_count_reached_says_did_not_fall():
    # firsthour4: a docetaxel cohort's platelet_recovery_day read "none reached" (as if no patient's platelets came
    # back) where no patient's platelets had fallen below 20
    import numpy as np
    import pandas as pd

    from hemasim.endpoints import did_not_fall

    ep = pd.DataFrame({"platelets_nadir": [234.0, 19.0, 20.0], "neutrophil_engraftment_day_did_not_fall": [1, 0, 0]})
    assert list(did_not_fall(ep, "platelet_recovery_day")) == [True, False, True]  # below 20 is a fall, 20 is not
    assert list(did_not_fall(ep, "neutrophil_engraftment_day")) == [True, False, False]  # its own flag column
    assert did_not_fall(ep, "anc_nadir") is None
    assert did_not_fall(pd.DataFrame({"x": np.zeros(2)}), "platelet_recovery_day") is None  # nothing to tell it by

    rows = [{"endpoint": "platelet_recovery_day", "median": None, "p05": None, "p95": None, "fraction_reaching": 0.0,
             "unit": "day", "definition": "d", "n": 40, "fraction_did_not_fall": 1.0},
            {"endpoint": "neutrophil_recovery_day", "median": None, "p05": None, "p95": None,
             "fraction_reaching": 0.0, "unit": "day", "definition": "d", "n": 40, "fraction_did_not_fall": 0.25},
            {"endpoint": "neutrophil_engraftment_day", "median": 12.0, "p05": 10.0, "p95": 15.0,
             "fraction_reaching": 0.8, "unit": "day after graft", "definition": "d", "n": 40,
             "fraction_did_not_fall": 0.2}]
    report = render_cohort_report({"n_patients": 40, "endpoints": rows}, b"", {"scenario": {"name": "c"}})
    # the threshold the day is defined after (ux34: "did not fall" beside a platelet nadir of 25e9/L)
    assert "<code>platelet_<wbr>recovery_<wbr>day</code></td><td>did not fall below 20</td>" in report
    assert "<code>neutrophil_<wbr>recovery_<wbr>day</code></td><td>none reached</td>" in report  # some fell, none came back
    assert "80% reached (20% did not fall)" in report
    key = cohort_key_results_html(rows)
    assert "reached by 80% of patients; no aplasia in 20% (the count never fell below the threshold)" in key
    assert "not applicable: no aplasia in any patient (the count never fell below the threshold)" in \
        cohort_key_results_html([{**rows[0], "endpoint": "neutrophil_engraftment_day", "unit": "day after graft"}])
    # a recovery that is no engraftment (CD4 >= 200) keeps the plain words: no aplasia is not what it means
    cd4 = {**rows[0], "endpoint": "cd4_200_day", "unit": "day after graft"}
    assert "the count never fell below the threshold in any patient" in cohort_key_results_html([cd4])
    assert "(no day to read)" in key_results_html({"": [_endpoint("cd4_200_day", None, "day after graft",
                                                                  "did not fall")]})


def test_the_patient_reads_with_its_units_after_the_numbers():
    # firsthour4: "Patient: age years: 55, sex: male, weight kg: 80" (the field names, units inside them)
    from hemasim.report.html import CLONES_NOTE, patient_text

    assert patient_text({"age_years": 0.3, "sex": "male", "weight_kg": 6.0, "height_cm": 61,
                         "genotype": "il2rg_scid"}) == "age 0.3 years (3.6 months), male, weight 6 kg, height 61 cm, genotype: X-linked SCID (IL2RG; T- B+ NK-) [il2rg_scid]"
    assert patient_text({"age_years": 72, "sex": "male", "weight_kg": 78, "clones": [
        {"label": "JAK2", "vaf": 0.15}]}) == f"age 72 years, male, weight 78 kg, clones ({CLONES_NOTE}): (label: JAK2, vaf: 0.15)"
    assert patient_text({}) == "none"


def test_names_in_tables_break_after_underscores_only():
    # firsthour4: parameter names broke anywhere and their column shrank to a few letters beside the long sources
    from hemasim.report.html import _CSS, name_html, parameter_rows

    assert name_html("cd4_central_memory_proliferation_per_day") == (
        "cd4_<wbr>central_<wbr>memory_<wbr>proliferation_<wbr>per_<wbr>day")
    assert name_html("a<b>_c") == "a&lt;b&gt;_<wbr>c"  # escaped first
    # a name never breaks inside a part; only prose (a source's 52-character path) may, so that the parameter table
    # fits an 800 px window (report35: tests/test_report35.py)
    assert "overflow-wrap:anywhere" not in _CSS.replace("td.prose{overflow-wrap:anywhere}", "")
    row = parameter_rows([{"name": "hsc_count", "value": 1e5, "unit": "cells", "source": "LeeSix2018"}])
    assert "<code>hsc_<wbr>count</code>" in row


def test_a_cohort_nadir_day_of_a_count_that_never_fell_says_did_not_fall():
    """anc_nadir_day has no value where the count never fell 1% below its start (a single run's endpoints.json says
    "did not fall"); a cohort's table read "none reached", as if the nadir were yet to come (harden11)."""
    import numpy as np
    import pandas as pd

    from hemasim.endpoints import did_not_fall

    ep = pd.DataFrame({"anc_nadir_day": [np.nan, 9.0, np.nan], "anc_nadir": [4.1, 0.3, 4.0]})
    assert list(did_not_fall(ep, "anc_nadir_day")) == [True, False, True]
    row = {"endpoint": "anc_nadir_day", "median": None, "p05": None, "p95": None, "fraction_reaching": 0.0,
           "unit": "day", "definition": "d", "n": 3, "fraction_did_not_fall": 1.0}
    report = render_cohort_report({"n_patients": 3, "endpoints": [row]}, b"", {"scenario": {"name": "c"}})
    assert "<code>anc_<wbr>nadir_<wbr>day</code></td><td>did not fall</td>" in report


def test_a_transplant_cohort_has_the_haemoglobin_maximum_after_engraftment_among_its_key_results():
    """A single transplant run shows its Hb maximum after engraftment (beyond the patient's own range) under the
    nadir; a cohort of transplants had it in the endpoint table only (harden11)."""
    from hemasim.report.key_results import HB_MAX_LABEL, HB_OWN_RANGE

    def row(name: str, median: float, p05: float, p95: float, unit: str) -> dict[str, object]:
        return {"endpoint": name, "median": median, "p05": p05, "p95": p95, "fraction_reaching": 1.0, "unit": unit,
                "definition": f"definition of {name}", "n": 40, "fraction_did_not_fall": None}

    rows = [row("hemoglobin_nadir", 7.9, 7.1, 8.8, "g/dL"), row("platelets_nadir", 5.0, 2.0, 9.0, "1e9/L"),
            row("hemoglobin_max_after_engraftment", 15.2, 14.1, 16.3, "g/dL"),
            row("hemoglobin_max_over_set_point", 1.08, 1.02, 1.15, "1")]
    key = unescape(cohort_key_results_html(rows))
    assert (f"{HB_MAX_LABEL}</summary><span class=\"def-text\">definition of hemoglobin_max_after_engraftment"
            "</span></details></th><td title=\"definition of hemoglobin_max_after_engraftment\">median 15.2 g/dL "
            "(5-95%: 14.1-16.3); 8.0% above the patient's set point (5-95%: 2.0% to 15.0%; a person's own range: "
            f"±{100 * HB_OWN_RANGE:.1f}%)") in key
    assert key.index("Haemoglobin nadir") < key.index(HB_MAX_LABEL)
    assert HB_MAX_LABEL not in cohort_key_results_html(rows[:2])  # no transplant, no row
    # a maximum below the set point: signed, not "-8.5% above" (review27)
    below = unescape(cohort_key_results_html([*rows[:3], row("hemoglobin_max_over_set_point", 0.915, 0.9, 1.01, "1")]))
    assert "; -8.5% from the patient's set point (5-95%: -10.0% to +1.0%;" in below and "% above" not in below


def test_a_nadir_whose_count_never_fell_says_so_in_the_key_results():
    """A healthy run's key results read "ANC nadir (lowest of the run): 4.75 ×10⁹/L", as if the count had fallen to
    it; its day's endpoint says "did not fall" (harden11). A cohort says in what share of patients."""
    from hemasim.report.key_results import NO_NADIR

    flat = [_endpoint("anc_nadir", 4.75, "1e9/L"), _endpoint("anc_nadir_day", None, "day", "did not fall")]
    assert f"4.75 ×10⁹/L; {NO_NADIR}" in unescape(key_results_html({"": flat}))
    assert NO_NADIR not in unescape(key_results_html({"": CHEMO}))  # a nadir with its day: it fell
    assert NO_NADIR == "it never fell more than 1% below its start (no nadir day)"

    def row(name: str, median: float | None, not_fallen: float | None) -> dict[str, object]:
        return {"endpoint": name, "median": median, "p05": median, "p95": median, "fraction_reaching": 1.0,
                "unit": "1e9/L", "definition": "d", "n": 4, "fraction_did_not_fall": not_fallen}

    key = unescape(cohort_key_results_html([row("anc_nadir", 4.1, None), row("anc_nadir_day", None, 0.25)]))
    assert f"median 4.1 ×10⁹/L (5-95%: 4.1-4.1); {NO_NADIR} in 25% of patients" in key
    assert NO_NADIR not in cohort_key_results_html([row("anc_nadir", 4.1, None), row("anc_nadir_day", 9.0, 0.0)])


def test_a_key_results_definition_is_reached_without_hovering():
    """The key results said "Hover a value for its definition" (a title): a phone cannot hover, nor a keyboard
    (polish). Each row's name opens its definition (a <details>), in a run's, arms' and a cohort's report alike,
    and the line under the table says so."""
    from html import unescape

    row = {"endpoint": "anc_nadir", "median": 0.4, "p05": 0.1, "p95": 1.2, "fraction_reaching": 1.0,
           "unit": "1e9/L", "definition": "lowest ANC of the run", "n": 20, "fraction_did_not_fall": None}
    for page, definition in ((cohort_key_results_html([row]), "lowest ANC of the run"),
                             (key_results_html({"a": CHEMO, "b": CHEMO[:2]}), "definition of anc_nadir")):
        text = unescape(page)
        assert (f'<details class="def"><summary>ANC nadir (lowest of the run)</summary><span class="def-text">'
                f"{definition}</span></details>") in text
        assert "Tap or click a result's name (or hover its value) for its definition" in text
        assert "Hover a value" not in text


def test_a_dose_schedule_reads_as_cycles_from_a_day_of_the_run():
    # firsthour: the pegfilgrastim of docetaxel_q3w_pegfilgrastim read "schedule: (start day: 1, every days: 21,
    # cycles: 4, days in cycle: 0)": a cycle of no days, and no word of which day 1 is
    from hemasim.report.html import interventions_html

    scen = {"interventions": [
        {"kind": "gcsf", "drug_set": "pegfilgrastim_melhem2017", "dose_mg": 6.0,
         "schedule": {"days": None, "start_day": 1.0, "every_days": 21.0, "cycles": 4, "days_in_cycle": [0.0]}},
        {"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 35.0,
         "schedule": {"days": None, "start_day": 0.0, "every_days": 21.0, "cycles": 1, "days_in_cycle": [0.0, 7.0]}},
        {"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 75.0,
         "schedule": {"days": [0.0, 21.0, 49.0], "days_in_cycle": [0.0]}}]}
    text = interventions_html(scen)
    assert "schedule: 4 cycles every 21 days from day 1 of the run (day 0 is its start)" in text
    assert "1 cycle every 21 days from day 0 (the run&#x27;s start), on days 0, 7 of each cycle (0: its first day)" in text
    assert "schedule: on days 0, 21, 49 of the run (day 0 is its start)" in text
    assert "days in cycle" not in text and "every days" not in text


def test_a_scenario_without_a_description_is_named_without_a_dangling_colon():
    # firsthour: "my patient docetaxel 75 + filgrastim:" headed the scenario section of a report of one's own
    from hemasim.report.html import scenario_title

    assert scenario_title({"name": "my patient", "description": None}) == "my patient"
    assert scenario_title({"name": "my patient"}) == "my patient"
    assert scenario_title({"name": "a", "description": "four cycles"}) == "a: four cycles"


def test_a_cohort_of_one_sex_draws_its_haemoglobin_range_and_a_mixed_one_says_why_it_has_none():
    """The cohort's haemoglobin panel had no reference band, and nothing said why (harden14): men's and women's
    ranges differ. One sex (no female_fraction: the scenario patient's; 0 or 1): that sex's range, in the figure and
    the caption; mixed: the caption says why there is none."""
    import numpy as np
    import pandas as pd
    import yaml

    from hemasim.cohort.runner import BAND_OBSERVABLES, band_sex
    from hemasim.report.plots import HB_BANDS, cohort_bands_figure
    from hemasim.scenario import parse_scenario
    from tests.conftest import EXAMPLES

    def caption(population: dict | None, sex: str) -> str:
        scen = {"name": "c", "patient": {"age_years": 50, "sex": sex}, "population": population}
        return unescape(render_cohort_report({"n_patients": 4, "endpoints": []}, b"", {"scenario": scen}))

    assert "haemoglobin has none, because the cohort mixes men (14-17 g/dL) and women (12-16 g/dL)" in caption(
        {"female_fraction": 0.5}, "male")
    assert "haemoglobin's for women (12-16 g/dL)" in caption(None, "female")
    assert "haemoglobin's for men (14-17 g/dL)" in caption({"female_fraction": 0.0}, "female")
    assert "haemoglobin's for women" in caption({"female_fraction": 1.0, "age_years": {"min": 20, "max": 60}}, "male")

    data = yaml.safe_load((EXAMPLES / "cohort_marrow_depletion.yaml").read_text(encoding="utf-8"))
    assert band_sex(parse_scenario(data)) is None  # female_fraction 0.5
    data["population"]["female_fraction"] = 1.0
    assert band_sex(parse_scenario(data)) == "female"

    times = np.arange(0.0, 30.0)
    bands = pd.DataFrame({"time_days": times, **{f"{o}_{q}": np.full(len(times), 13.0) for o in BAND_OBSERVABLES
                                                 for q in ("p05", "median", "p95")}})

    def hb_range(sex: str | None) -> list[tuple[float, float]]:
        fig = cohort_bands_figure(bands, 4, BAND_OBSERVABLES, sex=sex)
        ax = fig.axes[BAND_OBSERVABLES.index("hemoglobin_g_per_dL")]
        # axhspan's patch (a Rectangle or, before matplotlib 3.9, a Polygon): its corners' y, in g/dL
        ys = [p.get_path().transformed(p.get_patch_transform()).vertices[:, 1] for p in ax.patches
              if p.get_label() == "adult reference range"]
        return [(float(y.min()), float(y.max())) for y in ys]

    assert hb_range("female") == [HB_BANDS["female"]]
    assert hb_range(None) == []


def test_the_cohort_bands_caption_says_what_the_bands_are_in_a_readers_words():
    # firsthour27: "Median and 5-95% range (from merged histograms, about 1.5% resolution)" was the storage's jargon
    import numpy as np

    from hemasim.cohort.runner import BAND_RANGES, IGG_BAND_RANGE, N_BINS

    report = unescape(render_cohort_report({"n_patients": 10, "endpoints": []}, b"", {"scenario": {"name": "c"}}))
    caption = report[report.index("Bands over time"):].split("</p>")[0]
    assert "histogram" not in caption and "resolution" not in caption
    assert "the middle 90% of patients" in caption and "5th to the 95th percentile" in caption
    # "within 1%": a value is read at its bin's geometric centre, half a log-spaced bin from any value in the bin
    widest = max(float(np.log(hi / lo)) for lo, hi in [*BAND_RANGES.values(), IGG_BAND_RANGE]) / N_BINS
    assert "within 1%" in caption and np.expm1(widest / 2) < 0.01
