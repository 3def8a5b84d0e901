"""The validation harness: every published target is listed, every check is runnable, covered ones pass."""

import math

import pytest

from hemasim.scenario import ScenarioError, load_scenario
from hemasim.validation import load_targets, run_validation
from hemasim.validation.base import DrugSetValue, OwnRun, SettledObservable, merge_readouts
from hemasim.validation.readouts import READOUTS, find_readout
from hemasim.validation.scenario_runs import validation_scenario, validation_scenario_names

from .conftest import EXAMPLES

EXPECTED_IDS = ({f"S{i}" for i in range(1, 23)} | {f"C{i}" for i in range(1, 9)} | {f"T{i}" for i in range(1, 7)}
                | {f"D{i}" for i in range(1, 5)} | {f"A{i}" for i in range(1, 5)} | {f"I{i}" for i in range(1, 6)}
                | {"M1", "M2"} | {f"G{i}" for i in range(1, 10)})
EXPECTED_IDS |= {f"P{i}" for i in range(1, 11)}  # branch predict: other_predictions
EXPECTED_IDS |= {f"X{i}" for i in range(1, 6)}  # cond: lineage chimerism after conditioning
EXPECTED_IDS |= {"A5", "A6", "A7", "I6", "I7"}  # branch lymph: age subsets, vaccination after HSCT
EXPECTED_IDS |= {f"T{i}" for i in range(7, 12)}  # engraft: engraftment predictions T7-T9, fit data T10-T11
EXPECTED_IDS |= {"H1", "H2"}  # branch clones: WAS gene-therapy IS diversity (Calabria 2024)
EXPECTED_IDS |= {f"P{i}" for i in range(11, 18)}  # predict2: chemotherapy doses and schedules, red-cell apheresis
EXPECTED_IDS |= {"C9"}  # chemo3: the Kloft course, calibration data of the neutrophil structure fit
EXPECTED_IDS |= {f"R{i}" for i in range(1, 9)}  # predict3: immune reconstitution after auto-HSCT, ageing (R1-R8)
EXPECTED_IDS |= {f"Q{i}" for i in range(1, 10)}  # predict4: chemotherapy incidence by schedule, engraftment, pegfilgrastim
EXPECTED_IDS |= {"AN1", "AN2"}  # ageing: naive T-cell kinetics with age (Westera 2015, Wallace 2004, den Braber 2012)
EXPECTED_IDS |= {f"V{i}" for i in range(1, 6)}  # predict5: whole-blood donation, autologous engraftment (AUBMC)
EXPECTED_IDS |= {f"Y{i}" for i in range(1, 7)}  # predict7: vaccines and immune reconstitution (Y1-Y6)
EXPECTED_IDS |= {f"W{i}" for i in range(1, 7)}  # predict6: plateletpheresis, preoperative autologous donation
EXPECTED_IDS |= {"K1", "K2", "K3"}  # cord: single-unit cord-blood engraftment, data of the cord potency fit
EXPECTED_IDS |= {"P18"}  # vaccage: seroconversion by age with between-patient variability of vaccine responses
EXPECTED_IDS |= {"T12", "T13"}  # gcsfgraft: filgrastim after an allogeneic graft (Bishop 2000, Przepiorka 2001)
EXPECTED_IDS |= {"N1", "N2", "N3", "N4"}  # predict29a: docetaxel weekly against 3-weekly (DISTAL-01); lymphocytes after one whole-body exposure
EXPECTED_IDS |= {f"L{i}" for i in range(1, 7)}  # predict29b: JE boosters, CD4 after chemotherapy, H5N1 dose, HPV by age
EXPECTED_IDS |= {f"Z{i}" for i in range(1, 8)}  # predict30: granulocytes after radiation, filgrastim doses, donor age
EXPECTED_IDS |= {"C10", "C11"}  # acfit30: AC's day-20 ANC (Ahmed 2020, the AC kill's fit) and cycle-1 ANC < 1.0 (Drooger 2015)
EXPECTED_IDS |= {"C12"}  # dees31: AC cohort, share of women with cycle-1 ANC < 0.1 (Dees 2000), registered one-sided
EXPECTED_IDS |= {"U1", "U2", "U3"}  # predict30b: platelets in the days after one plateletpheresis
EXPECTED_IDS |= {"U4", "U5"}  # predict30b: filgrastim every 12 hours against once a day (Arbona 1998)
EXPECTED_IDS |= {"U6", "U7"}  # predict32d: blood CD34+ after one 12-mg pegfilgrastim injection in healthy donors
EXPECTED_IDS |= {"A8", "A9"}  # predict32b: CH in the UK Biobank's exomes at 40-69 (prevalence, carriers of more than one)
EXPECTED_IDS |= {"F1", "F2", "F3"}  # predict32: TC without G-CSF and with pegfilgrastim 6 or 3 mg
EXPECTED_IDS |= {"F4"}  # predict32: TAC with pegfilgrastim 6 mg, duration of severe neutropenia (PROTECT-2)
EXPECTED_IDS |= {"B1", "B2", "B3", "B4", "B5"}  # predict32c: Hb of repeat donors, INTERVAL's arms, 15 days after a 2RBC
EXPECTED_IDS |= {"E1", "E2"}  # predict33: engraftment after an autologous PBPC graft in children
EXPECTED_IDS |= {"J1", "J2", "J3", "J4"}  # predict34: blood counts after Flu/Bu 8 mg/kg and an allogeneic blood graft
EXPECTED_IDS |= {"F5", "F6"}  # predict34b: TC with pegfilgrastim 6 mg, cycle 1 (ADVANCE and RECOVER pooled)
EXPECTED_IDS |= {"Y7", "Y8", "Y9"}  # predict35: mRNA-1273 phase 1 antibody on days 57, 36, 15 over day 29 (Jackson 2020)

def test_every_published_target_is_transcribed_once():
    ids = [t["id"] for group in load_targets().values() for t in group]
    assert len(ids) == len(set(ids))
    assert set(ids) == EXPECTED_IDS


def _checked_readouts() -> list[str]:
    return [c["readout"] for group in load_targets().values() for t in group
            for c in [*t.get("checks", []), *t.get("info_checks", [])]]


def test_every_target_has_a_source_and_every_gap_says_why():
    for group in load_targets().values():
        for t in group:
            assert t.get("source"), t["id"]
            if not t.get("checks"):
                assert t.get("not_covered"), f"{t['id']} has neither checks nor a not_covered reason"
            for c in [*t.get("checks", []), *t.get("info_checks", [])]:
                lo, hi = c["band"]
                assert lo <= hi  # equal for "loaded as a cited set": the value must be the published one


def test_every_readout_named_in_the_targets_is_registered(reference_model):
    for name in _checked_readouts():
        readout = find_readout(name)  # KeyError for a name the registry does not hold (a typo)
        if isinstance(readout, SettledObservable):
            assert readout.observable in reference_model.observable_names, name
        if isinstance(readout, DrugSetValue):
            readout.cited_value()  # raises if the set or the path does not exist


def test_an_unknown_readout_is_an_error_and_a_name_is_registered_once():
    with pytest.raises(KeyError, match="anc_1e9_per_l"):
        find_readout("anc_1e9_per_l")
    assert "cd4_cd8_ratio" in READOUTS
    with pytest.raises(ValueError, match="defined twice"):
        merge_readouts({"x": OwnRun(lambda: 1.0)}, {"x": OwnRun(lambda: 2.0)})


@pytest.mark.parametrize("name", validation_scenario_names())
def test_each_shipped_validation_scenario_parses(name):
    scenario = validation_scenario(name)
    assert scenario.duration_days > 0


def test_the_validation_scenarios_are_shipped_with_the_package():
    import tomllib

    from .conftest import ROOT

    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "validation/scenarios/*.yaml" in package_data["hemasim"]
    assert "cy_tbi_pbsc" in validation_scenario_names()


def test_a_variation_changes_only_what_it_names():
    base = validation_scenario("cy_tbi_pbsc")
    varied = validation_scenario("cy_tbi_pbsc", {"duration_days": 400, "interventions": {1: {"cd34_per_kg": 2e6}}})
    assert varied.duration_days == 400 and varied.interventions[1].cd34_per_kg == 2e6
    assert varied.interventions[0] == base.interventions[0]
    assert varied.patient == base.patient and varied.interventions[1].day == base.interventions[1].day
    # a variation is checked by the schema like the file itself
    with pytest.raises(ScenarioError, match="duration_days"):
        validation_scenario("cy_tbi_pbsc", {"duration_days": 3})


# The example stays the user's commented copy (examples/ is not installed with the package, and YAML has no
# include); the validation file, shipped with the package, is what the read-outs run. This test keeps the two
# describing the same simulation.
@pytest.mark.parametrize("name", ["xscid_gene_therapy", "ms_autologous_hsct"])
def test_the_validation_scenario_copying_an_example_agrees_with_it(name):
    example = load_scenario(EXAMPLES / f"{name}.yaml").model_dump(exclude={"name", "description"})
    assert validation_scenario(name).model_dump(exclude={"name", "description"}) == example


#: Targets that fail on the bands of their sources (issue 17, docs/validation.md): S10 (neutrophil production
#: from the 19-h half-life is below Summers' 5e10-1e11/day, which assumes 6-8 h) and A1 (CH prevalence at 90+
#: below the 95% interval of Jaiswal's 19/103), G6 (blood CD34+ peaks on course day 8-9 under filgrastim, the
#: donors on day 5-6: no decline under continued G-CSF) and G7 (the fold over rest, about 50 against 13, from the
#: assumed resting count of 3/uL). Anything else failing is a regression. (G8 failed from branch gcsfanc, ANC
#: 30.4 against 31.3-41.9; it passes since branch gcsfrefit: filgrastim shares its receptor with endogenous G-CSF.)
#: A4 is no failure: it is partial (report.failed holds "fail" only): its CD8 80/30 check passes, its B, NK and
#: CD4:CD8 checks are not covered because its sources disagree on their direction and none gives an interval
#: (docs/validation.md, "A4's B-cell, NK-cell and CD4:CD8 checks: the band rule"); a failing A4 is a regression,
#: test_a4_judges_only_the_direction_its_sources_agree_on holds its statuses.
KNOWN_FAILURES = {"S10", "A1", "G6", "G7"}
KNOWN_FAILURES |= {"T9"}  # engraft: predictions that fail after the engraftment fit (docs/engraftment_fit.md)
KNOWN_FAILURES |= {"C7", "C8"}  # chemo: grade 3/4 neutropenia (fails) and thrombocytopenia (near its band)
KNOWN_FAILURES |= {"S18"}  # branch lymph: naive CD4 proliferation covered (fails); I6 passes since t4fit (CD4 fold 1.7)
KNOWN_FAILURES |= {"P12", "P13", "P14", "P15", "P16"}  # predict2: schedule dependence inverted, nab-paclitaxel
KNOWN_FAILURES |= {"R1", "R2", "R3", "R6", "R7", "R8"}  # predict3: naive T and Hb/platelets at age, HDM, Cy/ATG
KNOWN_FAILURES |= {"Q1", "Q2", "Q3", "Q4", "Q5", "Q8"}  # predict4: docetaxel over-suppression, no leukopenia, nab, 2e6/kg
KNOWN_FAILURES |= {"V3"}  # predict5: a 450-mL donation lowers the model woman's Hb more than the donors' (no plasma shift)
KNOWN_FAILURES |= {"Y1", "Y4", "Y5"}  # predict7: antibody plateau after one dose too low, no B overshoot after depletion
KNOWN_FAILURES |= {"W2", "W3"}  # predict6: platelet output flat under plateletpheresis (W4/W5 pass since donation)
# donation: the erythroid gain fitted on Falz 2014 with the feedback on late progenitors; P2 (80% of the Hb fall
# regained, iron-supplemented donors) 31.9 -> 26.7 days, below the IQR 29-33 (the model's marrow is never iron-limited)
KNOWN_FAILURES |= {"P2"}
KNOWN_FAILURES |= {"X1", "X3"}  # chimerism: RIC donor myeloid chimerism at day 30 and T chimerism at day 60 too low
# graftT: I6 (PCV response at months 3-5 after an allogeneic PBSC graft, >= 0.25 of healthy) 0.283 -> 0.208 with the
# graft's default T cells sourced (1.8e8 CD3+/kg, Bone Marrow Transplant 2000;25:501; was 2.5e8 assumed)
KNOWN_FAILURES |= {"I6"}
# K2, K3 and T7 (day 14 < 15 from branches cord/cordages) pass since branch cordeng: the cord potency scales the
# long-term content only (committed content cited equal to mobilised blood's), refitted on K1-K3 (570): 24 days; 580
# since branch engfree (re-fitted at the engraftment fit's free optimum): still 24 days
KNOWN_FAILURES |= {"H1", "H2"}  # childmarrow: WAS1004's host pool sized to a 15-kg child, IS Shannon 6.39 too high
KNOWN_FAILURES |= {"T12", "T13"}  # gcsfgraft: with filgrastim after the graft the ANC never falls below 0.5e9/L
KNOWN_FAILURES |= {"N1", "N2", "N3", "N4"}  # predict29a: docetaxel over-suppression (schedule effect too weak), radiation lymphocytes killed at once
# predict30: agranulocytosis only above 1.6 Gy and too long after 5 Gy, CD34+ too low at 5 ug/kg/d, ANC not back
# within 48 h of the last filgrastim dose, no age effect on mobilisation (Z4, Z5 pass)
KNOWN_FAILURES |= {"Z1", "Z2", "Z3", "Z6", "Z7"}
KNOWN_FAILURES |= {"U3"}  # predict30b: no rebound above baseline 8-11 days after one plateletpheresis
KNOWN_FAILURES |= {"A8", "A9"}  # predict32b: CH at 40-69 in the UK Biobank 2.2x the exomes' (not decisive), too few multiples
KNOWN_FAILURES |= {"U4", "U5"}  # predict30b: filgrastim every 12 hours mobilises less than the donors gained
KNOWN_FAILURES |= {"F2", "F3"}  # predict32: with pegfilgrastim after TC too few women fall below 0.5e9/L (decisive)
KNOWN_FAILURES |= {"F4"}  # predict32: with pegfilgrastim after TAC severe neutropenia far too short (0.37 d, decisive)
KNOWN_FAILURES |= {"B3", "B4"}  # predict32c: INTERVAL's frequent arms' lower Hb (iron) absent: the model is back by each session
KNOWN_FAILURES |= {"B5"}  # predict32c: 15 days after a 2RBC the model's Hb is back to 0.940, the donors' Hct 0.877
KNOWN_FAILURES |= {"E1", "E2"}  # predict33: children's autologous engraftment: neutrophils day 11 (not decisive), platelets 25


@pytest.mark.integration
def test_covered_steady_state_targets_pass():
    report = run_validation(["steady_state"])
    assert {t.id for t in report.failed} <= KNOWN_FAILURES, [t.id for t in report.failed]
    covered = {t.id for t in report.targets if t.status in ("pass", "partial", "fail")}
    assert covered == {f"S{i}" for i in range(1, 23)}


@pytest.mark.slow
@pytest.mark.integration
def test_chemotherapy_targets_pass_and_cited_values_must_be_cited():
    report = run_validation(["chemotherapy"])
    # C7, C8: the full model's docetaxel cohort (docs/chemotherapy_full_model.md). C8 has moved with every change
    # of the megakaryocyte kinetics or the docetaxel slope (5.9%, 0.8%, 12.4%, 4.1% on main): allowed to fail
    assert {t.id for t in report.failed} <= {"C7", "C8"} & KNOWN_FAILURES, [t.id for t in report.failed]
    assert {f"C{i}" for i in range(1, 7)} <= {t.id for t in report.targets if t.status == "pass"}
    # the full multilineage model is reported beside C4, never judged
    c4 = next(t for t in report.targets if t.id == "C4")
    assert {c.status for c in c4.checks} == {"pass", "info"}


def test_the_validate_cohort_runs_at_its_rtol_and_follows_dormand_prince_at_1e_8(monkeypatch):
    """C7/C8's cohort runs on VALIDATE_COHORT_SOLVER, the Dormand-Prince kernel at a looser rtol (docs/performance.md, the suite's
    twenty-second session); 8 of its patients follow rtol 1e-8: lowest ANC, platelets and Hb within 1e-5 relative
    (not equal: the rtol given ran), nadir days and days below 0.5 the same."""
    import numpy as np

    from hemasim.solvers import DormandPrince
    from hemasim.validation import chemotherapy as chemo

    asked: list[dict] = []
    monkeypatch.setattr(chemo, "docetaxel_cohort", lambda **kwargs: asked.append(kwargs))
    chemo._validate_cohort.__wrapped__()  # the cached run's own call, not its result
    solver = chemo.VALIDATE_COHORT_SOLVER
    assert asked == [{"solver": solver, "female_share": 1.0}]
    assert type(solver) is DormandPrince and solver.rtol > DormandPrince().rtol == 1e-8
    monkeypatch.undo()
    own, tight = (chemo.docetaxel_cohort(n=8, solver=s) for s in (solver, DormandPrince()))
    for name in ("nadir_anc", "nadir_platelets", "nadir_hemoglobin"):
        np.testing.assert_allclose(getattr(own, name), getattr(tight, name), rtol=1e-5, err_msg=name)
    assert not np.array_equal(own.nadir_anc, tight.nadir_anc)
    np.testing.assert_array_equal(own.nadir_day, tight.nadir_day)
    np.testing.assert_array_equal(own.days_anc_below_0p5, tight.days_anc_below_0p5)


def test_the_c7_c8_cohort_is_the_trials_women_drawn_as_the_example_cohort_otherwise():
    """C7/C8's trials (Nabholtz 1999, Bonneterre 2002) treated metastatic breast cancer: the validate cohort is all
    women (bughunt34c: it was the example's 60% women, 40% men); every other draw is the example cohort's, patient by
    patient."""
    import numpy as np

    from hemasim.validation import chemotherapy as chemo

    women, mixed = (chemo._cohort_draws(200, 17, share) for share in (chemo.NABHOLTZ1999_FEMALE_SHARE, 0.6))
    assert set(np.asarray(women[0].sex)) == {"female"} and "male" in set(np.asarray(mixed[0].sex))
    np.testing.assert_array_equal(women[0].age_years, mixed[0].age_years)
    for k in women[1]:
        np.testing.assert_array_equal(women[1][k], mixed[1][k], err_msg=k)
    asked: list[dict] = []
    original = chemo.docetaxel_cohort
    try:
        chemo.docetaxel_cohort = lambda **kwargs: asked.append(kwargs)
        chemo._validate_cohort.__wrapped__()
    finally:
        chemo.docetaxel_cohort = original
    assert asked[0]["female_share"] == 1.0


def test_a_derived_value_cannot_pass_as_cited():
    assert DrugSetValue.parse("drug_set:docetaxel_kloft2006:effects.0.slope_L_per_umol").cited_value() == 15.6
    assert math.isnan(DrugSetValue.parse("drug_set:docetaxel_kloft2006:pk.central_volume_L").cited_value())  # derived


@pytest.mark.slow
@pytest.mark.integration
def test_transplant_and_immunodeficiency_targets_pass():
    report = run_validation(["transplantation", "immunodeficiency_and_gene_therapy"])
    assert {t.id for t in report.failed} == {"T9"} & KNOWN_FAILURES, [t.id for t in report.failed]
    status = {t.id: t.status for t in report.targets}
    assert {k for k, v in status.items() if v == "pass"} == {*(f"T{i}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 10, 11)),
                                                             *(f"D{i}" for i in range(1, 5))}
    assert "not_covered" not in status.values()


@pytest.mark.integration
def test_mobilisation_targets_pass_but_the_known_misses():
    """G1 is the calibration of the egress drive (Transfus Med 1997); G2-G9 are predictions (under a second)."""
    report = run_validation(["gcsf_mobilisation"])
    assert {t.id for t in report.failed} == {"G6", "G7"} & KNOWN_FAILURES
    assert {t.id for t in report.targets if t.status == "pass"} == {*(f"G{i}" for i in range(1, 6)), "G8", "G9"}
    values = {c.readout: c.value for t in report.targets for c in t.checks}
    assert values["filgrastim_10ug_peak_cd34_course_day"] == 7.5  # the honest miss, held so a fix shows up


@pytest.mark.integration
def test_a4_judges_only_the_direction_its_sources_agree_on():
    """A4 (lymphocyte subsets between 30 and 80 y): CD8 falls (judged, passes through thymic involution); the B, NK
    and CD4:CD8 directions its sources dispute are listed, not judged (branch lymph)."""
    from hemasim.validation import _target
    from hemasim.validation.base import ValidationRuns

    a4 = next(t for t in load_targets()["aging"] if t["id"] == "A4")
    result = _target("aging", a4, ValidationRuns())
    assert result.status == "partial"
    status = {c.readout: c.status for c in result.checks}
    assert status == {"cd8_per_uL_ratio_80_to_30": "pass", "b_cells_per_uL_ratio_80_to_30": "not covered",
                      "nk_cells_per_uL_ratio_80_to_30": "not covered", "cd4_cd8_ratio_ratio_80_to_30": "not covered"}
