"""An immunologist's and a gene-therapy researcher's first hour (harden10): what the reports say about their read-outs
(units, definitions, what is assumed), and their endpoints where a run is short."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ch_report_page


@pytest.fixture(scope="module")
def ch_page() -> tuple[str, object]:
    from hemasim.clonal.report import run_ch_population

    return ch_report_page(), run_ch_population(30, seed=0, example_pool_size=300)


def test_the_ch_report_defines_vaf_and_says_it_is_exact_not_sequenced(ch_page):
    page, _ = ch_page
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert "VAF (variant allele fraction) = the clone's share of the HSC pool / 2" in text
    assert "no sequencing depth, read sampling or error" in text
    for column in ("CH prevalence (expected over panel membership):", "sampled panel:", "Any driver clone:"):
        assert column in text  # each column of the prevalence table is defined


def test_the_clone_history_title_counts_the_clones_ever_tracked_not_the_pool(ch_page):
    from hemasim.report.clonal_plots import clone_history_figure

    _, run = ch_page
    fig = clone_history_figure(run.example, title="one lifespan")
    tracked = len(run.example.tracked)
    assert fig.axes[0].get_title() == f"one lifespan: {tracked} clones ever among the largest"


def _text(page: str) -> str:
    from html import unescape

    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", page)))


def _section(page: str, title: str) -> str:
    """The HTML of one report section, from its heading to the next."""
    start = page.index(f"<h2>{title}</h2>")
    return page[start:page.index("<h2", start + 4)]


@pytest.fixture(scope="module")
def vaccine_and_flu_reports(tmp_path_factory):
    """One short run with a vaccine, a viral and a bacterial infection, written as a single run and as two arms."""
    import hemasim as hs
    from hemasim.io import write_run_outputs
    from hemasim.scenario import parse_scenario

    data = {"name": "vaccine, flu and bacteria", "patient": {"age_years": 40, "sex": "female", "weight_kg": 65},
            "duration_days": 45,
            "interventions": [{"kind": "vaccine", "day": 2, "antigen": "influenza"},
                              {"kind": "viral_infection", "day": 10, "virus": "influenza"},
                              {"kind": "infection", "day": 5, "inoculum_cfu": 1e8}]}
    pages = {}
    for label, extra in (("single", {}), ("arms", {"arms": [{"name": "a"}, {"name": "b",
                                                                             "patient": {"age_years": 80}}]})):
        scenario = parse_scenario({**data, **extra}, "t.yaml")
        out = tmp_path_factory.mktemp(label)
        if label == "single":
            write_run_outputs(hs.run_scenario(scenario), out)
        else:
            from hemasim.arms import run_arms, write_arm_outputs

            write_arm_outputs(scenario, run_arms(scenario), out)
        pages[label] = (out / "report.html").read_text(encoding="utf-8")
    return pages


@pytest.mark.slow
def test_the_immune_sections_say_their_units_and_what_is_assumed(vaccine_and_flu_reports):
    for label, page in vaccine_and_flu_reports.items():
        vaccine = _text(_section(page, "Vaccine responses"))
        assert "arbitrary units (AU)" in vaccine and "not a titre" in vaccine, label
        assert "the model has no protective titre" in vaccine and "4-fold rise or more (seroconversion)" in vaccine
        assert "at least 0.25 (an assumed cut-off)" in vaccine and "Cited: the IgG half-life" in vaccine
        viral = _text(_section(page, "Viral infection"))
        assert "TCID50/mL" in viral and "below which the virus counts as cleared" in viral
        assert ("Cited: the within-host kinetics (Baccam 2006's fit), the CD8 response's net expansion (Le 2015) and its "
                "programme's two weeks (Akondy 2017); the rest assumed (antigen presentation by infected cells, CD8 killing"
                in viral)
        bacteria = _text(_section(page, "Infection"))
        assert "colony-forming units (CFU)" in bacteria and "Every infection parameter is assumed" in bacteria
        key = _text(_section(page, "Key results"))
        assert "influenza: responder (relative response ≥ 0.25; an assumed cut-off)" in key
        # a first exposure (the dose on day 2, before the infection) has no IgG to rise over: said, not "not reached"
        assert "influenza: seroconversion (day-28 IgG ≥ 4 × IgG at the series' first dose" in key, label
        assert "none: no IgG at the series' first dose" in key and "not reached" not in key[key.index("fold-rise"):]
        assert "influenza fold rise: responder" not in key
        endpoints = _text(page[page.index('id="endpoints"'):])
        assert "an assumed cut-off standing for a protective titre" in endpoints and "(seroconversion)" in endpoints


def test_the_viral_igg_of_day_28_is_not_read_from_a_run_that_ends_sooner():
    """An infection on day 30 of a 40-day run gave influenza_igg_day28 = the IgG of day 40 (10 days after the
    infection), labelled 28 days after it."""
    import hemasim as hs
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.scenario import parse_scenario

    def day28(duration: float) -> tuple[float | None, str | None, float]:
        scenario = parse_scenario({"name": "x", "patient": {"age_years": 35, "sex": "male", "weight_kg": 75},
                                   "duration_days": duration,
                                   "interventions": [{"kind": "viral_infection", "day": 5}]}, "x.yaml")
        result = hs.run_scenario(scenario)
        (e,) = [e for e in evaluate_endpoints(result) if e.name == "influenza_igg_day28"]
        return e.value, e.note, float(result.observable("influenza_igg_au")[-1])

    value, note, _ = day28(15)
    assert value is None and note == "not reached"
    value, note, last = day28(33)  # day 28 after the infection is the last output
    assert value is not None and note is None and value == pytest.approx(last)


@pytest.mark.parametrize(("vaccine_day", "warned"), [(5, False), (31, True), (36, True), (95, True), (127, False)])
def test_a_vaccine_between_conditioning_and_two_months_after_the_graft_is_warned_about(vaccine_day, warned):
    """A vaccine the day before an autologous graft, after melphalan had begun, ran without a word (harden10)."""
    from hemasim.scenario import parse_scenario
    from hemasim.scenario.plausibility import plausibility_warnings

    scenario = parse_scenario({
        "name": "x", "patient": {"age_years": 70, "sex": "male", "weight_kg": 80, "height_cm": 175},
        "duration_days": 400,
        "interventions": [{"kind": "conditioning", "regimen": "high_dose_melphalan", "start_day": 30},
                          {"kind": "transplant", "day": 37, "source": "peripheral_blood", "donor": "autologous",
                           "cd34_per_kg": 4e6},
                          {"kind": "vaccine", "day": vaccine_day, "antigen": "influenza"}]}, "x.yaml")
    # (day 5, before melphalan, is warned about too, by what its day-28 endpoints read: the test below)
    lines = [(field, message) for field, message in plausibility_warnings(scenario)
             if field == "interventions.2.day" and message.startswith("a vaccine on day")]
    assert bool(lines) == warned, lines
    if warned:
        (_, message), = lines
        assert message.startswith(f"a vaccine on day {vaccine_day} is ")
        assert "inactivated vaccines start 3-6 months after HSCT (ECIL-7" in message and "give day >= 128" in message


def test_the_chimerism_endpoints_say_what_donor_means_after_an_autologous_graft():
    """The gene-therapy example's endpoints read 'donor share of cd4_per_uL' for the patient's own corrected cells."""
    import hemasim as hs
    from hemasim.endpoints import evaluate_endpoints
    from tests.conftest import EXAMPLES

    scenario = hs.load_scenario(EXAMPLES / "xscid_gene_therapy.yaml").model_copy(update={"duration_days": 40.0})
    (cd4,) = [e for e in evaluate_endpoints(hs.run_scenario(scenario)) if e.name == "donor_chimerism_cd4_day28"]
    assert cd4.definition.startswith("donor share of cd4_per_uL on day 28 after the graft")
    assert "after an autologous graft: the re-infused cells' share, gene-corrected ones in gene therapy" in cd4.definition
    assert cd4.value == 1.0  # X-SCID: every T cell comes from the corrected graft


def test_an_autoimmune_reset_has_its_disease_in_the_endpoints_and_the_key_results():
    """The MS reset's report opened on blood counts and had no endpoint for the disease it is about."""
    import numpy as np

    import hemasim as hs
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.interventions.disease_activity import disease_activity_values
    from hemasim.report.key_results import key_results_html
    from tests.conftest import EXAMPLES

    scenario = hs.load_scenario(EXAMPLES / "ms_autologous_hsct.yaml").model_copy(update={"duration_days": 120.0})
    result = hs.run_scenario(scenario)
    endpoints = evaluate_endpoints(result)
    values = {e.name: e.value for e in endpoints}
    activity = result.observable("multiple_sclerosis_activity")
    assert values["multiple_sclerosis_activity_lowest"] == pytest.approx(activity.min())
    assert values["multiple_sclerosis_activity_lowest"] < 0.01  # the reset (about 0.1% of chronic disease)
    assert values["multiple_sclerosis_activity_final"] == pytest.approx(activity[-1])
    richness = result.observable("cd4_clonotype_richness")
    assert values["cd4_clonotype_richness_lowest_relative"] == pytest.approx(richness.min() / richness[0])
    assert values["cd4_clonotype_richness_lowest_relative"] < 1.0  # the dip after Cy/ATG
    key = _text(key_results_html({"": endpoints}))
    assert "multiple sclerosis: lowest activity (1 = untreated chronic disease)" in key
    # no disease, no such endpoints
    healthy = scenario.model_copy(update={"patient": scenario.patient.model_copy(update={"autoimmune_disease": None})})
    assert not any("activity" in e.name for e in evaluate_endpoints(hs.run_scenario(healthy)))
    # one value per patient (cohorts)
    times = np.arange(3.0)
    two = disease_activity_values(times, {"ra_activity": np.array([[1.0, 0.1, 0.2], [1.0, 1.0, 1.0]]),
                                          "cd4_clonotype_richness": np.array([[4.0, 2.0, 5.0], [1.0, 1.0, 1.0]])},
                                  "ra")
    assert [list(c.values) for c in two] == [[0.1, 1.0], [0.2, 1.0], [0.5, 1.0], [1.25, 1.0]]


def _transplant_problems(**changes: object) -> list[str]:
    from hemasim.scenario import ScenarioError, parse_scenario

    graft = {"kind": "transplant", "day": 7, "source": "bone_marrow", "donor": "autologous", "cd34_per_kg": 5e6}
    data = {"name": "t", "patient": {"age_years": 1, "sex": "male", "weight_kg": 9, "genotype": "il2rg_scid"},
            "duration_days": 365, "interventions": [graft]}
    for key, value in changes.items():
        if key in ("genotype",):
            data["patient"] = {**data["patient"], key: value}  # type: ignore[dict-item]
        else:
            data["interventions"] = [{**graft, key: value}] if key in graft else [
                {"kind": "vaccine", "day": 100, "antigen": "tetanus", key: value}]
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "s.yaml")
    return str(err.value).splitlines()


@pytest.mark.parametrize(("field", "written", "hint"), [
    ("genotype", "x_scid", "; did you mean 'il2rg_scid'?"),  # the clone engine's GeneTherapy.for_disease name
    ("source", "pbsc", "; did you mean 'peripheral_blood'?"),
    ("source", "bone_marow", "; did you mean 'bone_marrow'?"),
    ("donor", "self", "; did you mean 'autologous'?"),
    ("cd34_per_kg", "5x10^6", "; write 5e6 (a power of ten as YAML writes it)"),
    ("cd34_per_kg", "5 × 10^6", "; write 5e6 (a power of ten as YAML writes it)"),
    ("cd34_per_kg", "5e6/kg", "; write the number alone: the unit is the one in the field's name"),
    ("dose", "15 ug", "; write the number alone: the dose is relative to a standard one (1; 0.5 is half a dose)"),
])
def test_a_gene_therapists_first_slips_get_the_value_meant(field, written, hint):
    """'x_scid' (the clone engine's name for X-SCID), 'pbsc', 'self' listed the values but not the one meant; '5x10^6'
    was told to drop its unit, and a vaccine 'dose: 15 ug' that the unit is in the field's name (it has none)."""
    (line,) = _transplant_problems(**{field: written})
    assert f"(got {written!r})" in line and line.endswith(hint), line


def test_a_patients_clones_are_shown_as_the_scenarios_input_with_vaf_defined():
    from hemasim.report.html import patient_text

    text = patient_text({"age_years": 72, "sex": "male", "clones": [
        {"label": "JAK2 V617F", "vaf": 0.15, "lineage_output": {"erythroid": 1.5}}]})
    assert "clones (the scenario's input, not cited values: VAF = the clone's share of the HSCs / 2; lineage output "\
           "per HSC relative to a wild-type one" in text
    assert "JAK2 V617F" in text and "0.15" in text and "erythroid: 1.5" in text
    assert "clones" not in patient_text({"age_years": 72, "sex": "male", "clones": []})


@pytest.mark.parametrize(("doses", "warned"), [((0,), True), ((0, 400), False), ((400,), False)])
def test_an_antigen_whose_last_dose_comes_before_conditioning_is_warned_about(doses, warned):
    """Tetanus given a year before Cy/TBI and no dose after: the key results said 'responder: yes' (relative response
    0.94) for a patient whose memory B cells the conditioning had erased, since the day-28 endpoints read the
    response to the pre-transplant dose (ux35b). The warning names what they read and where to read what is left."""
    from hemasim.scenario import parse_scenario
    from hemasim.scenario.plausibility import plausibility_warnings

    scenario = parse_scenario({
        "name": "x", "patient": {"age_years": 45, "sex": "male", "weight_kg": 75, "height_cm": 178},
        "duration_days": 800,
        "interventions": [{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 365},
                          {"kind": "transplant", "day": 371, "source": "peripheral_blood", "cd34_per_kg": 5e6},
                          *({"kind": "vaccine", "day": d, "antigen": "tetanus"} for d in doses)]}, "x.yaml")
    lines = [(field, message) for field, message in plausibility_warnings(scenario)
             if "before the kill of memory B cells" in message]
    assert bool(lines) == warned, lines
    if warned:
        (field, message), = lines
        assert field == f"interventions.{1 + len(doses)}.day"
        assert "tetanus_relative_response" in message and "tetanus_memory_b_au" in message
        # the conditioning's first day, the first day it kills (review36d; review36a had it say the last, as the
        # read-outs dated the kill then)
        from hemasim.interventions.vaccine import scenario_kill_days
        assert f"day {scenario_kill_days(scenario.interventions)[0]:g}" in message


def test_an_unknown_field_named_as_its_blocks_kind_is_named_in_the_error():
    """`{kind: vaccine, vaccine: tetanus}` was refused as "interventions.0: unknown field": the field's name, the same
    as the kind's tag, was left out with the tag, so the line did not say which field to change (ux35b)."""
    from hemasim.scenario import ScenarioError, parse_scenario

    with pytest.raises(ScenarioError) as err:
        parse_scenario({"name": "x", "patient": {"age_years": 45, "sex": "male", "weight_kg": 75, "height_cm": 178},
                        "duration_days": 100, "interventions": [{"kind": "vaccine", "day": 7, "vaccine": "tetanus"}]},
                       "x.yaml")
    assert "interventions.0.vaccine: unknown field" in str(err.value)
    assert "interventions.0.antigen: required field is missing" in str(err.value)


@pytest.mark.parametrize(("written", "hint"), [
    ({"dose_mL": 0.5}, "a vaccine's dose is relative to a standard one"),
    ({"dose_ug": 15}, "a vaccine's dose is relative to a standard one"),
    ({"days": [200, 230, 260]}, "a vaccine block is one dose: write a block per dose"),
    ({"schedule": {"start_day": 200, "every_days": 30, "cycles": 3}}, "a vaccine block is one dose: write a block per dose"),
])
def test_a_vaccine_written_as_a_drug_is_told_how_a_vaccine_is_written(written, hint):
    """`dose_mL: 0.5` was answered "did you mean 'dose'?", and `dose: 0.5` then runs half a standard dose; a series as
    `days: [...]` or a drug's `schedule` had no word on how to give three doses (ux35b)."""
    from hemasim.scenario import ScenarioError, parse_scenario

    block = {"kind": "vaccine", "antigen": "tetanus", **({} if "days" in written or "schedule" in written
                                                          else {"day": 200}), **written}
    with pytest.raises(ScenarioError) as err:
        parse_scenario({"name": "x", "patient": {"age_years": 45, "sex": "male", "weight_kg": 75, "height_cm": 178},
                        "duration_days": 300, "interventions": [block]}, "x.yaml")
    (line,) = [line for line in str(err.value).splitlines() if f"interventions.0.{next(iter(written))}:" in line]
    assert hint in line, line


@pytest.mark.parametrize(("dose", "warned"), [(1, False), (4, False), (20, True)])
def test_a_vaccine_dose_above_a_high_dose_vaccines_is_warned_about(dose, warned):
    """`dose: 20` (20 ug meant) ran 20 standard doses at once, unwarned (ux35b); the largest licensed dose is the
    high-dose influenza vaccine's, 4 standard doses."""
    from hemasim.scenario import parse_scenario
    from hemasim.scenario.plausibility import plausibility_warnings

    scenario = parse_scenario({"name": "x", "patient": {"age_years": 45, "sex": "male", "weight_kg": 75,
                                                        "height_cm": 178}, "duration_days": 100,
                               "interventions": [{"kind": "vaccine", "day": 7, "antigen": "tetanus", "dose": dose}]},
                              "x.yaml")
    lines = [m for f, m in plausibility_warnings(scenario) if f == "interventions.0.dose"]
    assert bool(lines) == warned, lines
    if warned:
        assert "relative to a standard one" in lines[0] and "60" in lines[0]


def test_the_vaccine_panel_places_doses_on_a_years_axis_and_draws_memory_and_the_graft():
    """A seven-year follow-up of a tetanus dose before a transplant: the doses were drawn in days on an axis in years
    (a dose on day 400 at 'year 400', the curves squeezed against the left edge), and the panel had no memory B cells,
    the state a conditioning kills, nor the graft (ux35b)."""
    import matplotlib.lines as mlines
    import numpy as np

    import hemasim as hs
    from hemasim.report.plots import vaccine_figure
    from hemasim.scenario import parse_scenario

    result = hs.run_scenario(parse_scenario({
        "name": "x", "patient": {"age_years": 45, "sex": "male", "weight_kg": 75, "height_cm": 178},
        "duration_days": 1500, "aging": False, "output": {"every_days": 7},
        "interventions": [{"kind": "vaccine", "day": 400, "antigen": "tetanus"},
                          {"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 700},
                          {"kind": "transplant", "day": 706, "source": "peripheral_blood", "cd34_per_kg": 5e6}]},
        "x.yaml"))
    fig = vaccine_figure(result)
    ax = fig.axes[0]
    assert ax.get_xlim()[1] < 5  # years
    vertical = [line for a in fig.axes for line in a.get_lines() if isinstance(line, mlines.Line2D)
                and len(set(np.atleast_1d(line.get_xdata()))) == 1]
    xs = {round(float(np.atleast_1d(line.get_xdata())[0]), 3) for line in vertical}
    assert round(400 / 365.25, 3) in xs and round(706 / 365.25, 3) in xs, xs
    labels = [line.get_label() for a in fig.axes for line in a.get_lines()]
    assert "memory B cells" in labels and "graft" in labels, labels


def test_run_scenario_on_a_scenario_with_arms_says_it_runs_the_base_alone():
    """`hs.run_scenario` of the month-6-vs-12 scenario returned one Result, the base's, with no word that the month_12
    arm had not run (ux35b); it names the arms and the call that runs them."""
    import hemasim as hs
    from hemasim.arms import run_arms

    scenario = hs.load_scenario(hs.examples_folder() / "influenza_vaccine_25_vs_80.yaml")
    with pytest.warns(UserWarning, match=r"2 arms \(age_25, age_80\).*hemasim\.arms\.run_arms\(scenario\)"):
        hs.run_scenario(scenario.model_copy(update={"duration_days": 10.0}))
    assert [run.name for run in run_arms(scenario.model_copy(update={"duration_days": 10.0}))] == ["age_25", "age_80"]
