"""The chemotherapy-schedule predictions (P11-P15, branch predict2): bands are the 95% Wilson intervals of the
trials' reported proportions, recomputed here from the counts their band_source states."""

import pytest

from hemasim.validation import load_targets
from hemasim.validation.chemotherapy_schedules import wilson_interval_pct

from .conftest import validation_outcome

#: (target, read-out) -> (reported share, number of patients), as each band_source states them
REPORTED = {
    ("P11", "docetaxel_75_q3w_under_65_cycle1_grade4_neutropenia_pct"): (6 / 20, 20),
    ("P11", "docetaxel_75_q3w_65_and_over_cycle1_grade4_neutropenia_pct"): (12 / 19, 19),
    ("P12", "docetaxel_25_weekly_d1_8_15_q28_over_65_grade34_neutropenia_pct"): (1 / 40, 40),
    ("P13", "nab_paclitaxel_260_q3w_anc_below_0p5_pct"): (0.09, 229),
    ("P13", "nab_paclitaxel_260_q3w_anc_below_2p0_pct"): (0.80, 229),
    ("P14", "nab_paclitaxel_260_q3w_platelets_below_100_pct"): (0.02, 229),
    ("P14", "nab_paclitaxel_260_q3w_hemoglobin_below_8_pct"): (0.01, 229),
    ("P15", "docetaxel_35_weekly_x6_over_70_grade34_neutropenia_pct"): (1 / 21, 21),
    ("P16", "nab_paclitaxel_125_weekly_30min_grade2plus_neutropenia_pct"): (19 / 40, 40),
    ("P16", "nab_paclitaxel_125_weekly_2h_grade2plus_neutropenia_pct"): (5 / 25, 25),
}


def test_the_wilson_interval_matches_a_hand_computed_one():
    # 188/200 (C7's band, computed independently on branch chemo): 89.8-96.5%
    low, high = wilson_interval_pct(188 / 200, 200)
    assert (round(low, 1), round(high, 1)) == (89.8, 96.5)


@pytest.mark.parametrize(("key", "reported"), REPORTED.items(), ids=[f"{t}:{r}" for t, r in REPORTED])
def test_each_band_is_the_wilson_interval_of_the_reported_proportion(key, reported):
    target_id, readout = key
    target = next(t for group in load_targets().values() for t in group if t["id"] == target_id)
    band = next(c["band"] for c in target["checks"] if c["readout"] == readout)
    low, high = wilson_interval_pct(*reported)
    assert band == [round(low, 1), round(high, 1)]


def test_every_check_of_the_group_is_held_here():
    checks = {(t["id"], c["readout"]) for t in load_targets()["chemotherapy_schedules"] for c in t["checks"]}
    assert checks == set(REPORTED)


@pytest.mark.integration
@pytest.mark.slow
def test_the_new_predictions_pass_or_fail_as_reported():
    """First run, after the targets were committed: P17 passes; P11-P16 fail (notes in targets.yaml: the full model's
    schedule dependence is inverted, and nab-paclitaxel's chain slope under-suppresses in the full model). Held so
    that a model change that moves them shows up."""
    status, values = validation_outcome(["chemotherapy_schedules", "blood_loss"])
    # P13 fail -> pass, P12 60.4 -> 32.4, P11 45.2 -> 42.6: the G-CSF exponent fit (gcsfbeta; docetaxel slope 19.79
    # -> 13.13, nab-paclitaxel's refitted 1.618 -> 1.349; docs/chemotherapy_full_model.md)
    assert status == {
        "P11": "pass", "P12": "fail", "P13": "pass", "P14": "fail", "P15": "fail", "P16": "fail", "P17": "pass"}
    assert values["docetaxel_25_weekly_d1_8_15_q28_over_65_grade34_neutropenia_pct"] == pytest.approx(32.4, abs=3.0)
    assert values["docetaxel_75_q3w_under_65_cycle1_grade4_neutropenia_pct"] == pytest.approx(42.6, abs=3.0)
    # gcsfbeta: 72.2 -> 80.6; bughunt34c (the label's breast-cancer patients are women, not 60%): 80.6 -> 78.4
    assert values["nab_paclitaxel_260_q3w_anc_below_2p0_pct"] == pytest.approx(78.4, abs=3.0)
    # 0.860 -> 0.889 with the plasma-refill read-out (branch plasma; the scenario's 800 mL read as whole blood)
    # 0.889 -> 0.897 with the erythroid gain fitted on Falz 2014 and the feedback on late progenitors (donation)
    assert values["red_cell_apheresis_2_units_hb_ratio_day7"] == pytest.approx(0.897, abs=0.005)


def _first_cycle_follows_dormand_prince_at_1e_8(
        schedule, patients: int = 8,
        observed: tuple[str, ...] = ("anc_1e9_per_L", "platelets_1e9_per_L", "hemoglobin_g_per_dL")) -> None:
    """On the first cycle of ``schedule`` (21 days), ``patients`` patients: each one's lowest value of each of
    ``observed`` (ANC, platelets and Hb) agrees with the Dormand-Prince kernel's at rtol 1e-8 to 1e-5 relative, and
    is not its number (the schedule's own solver ran)."""
    import dataclasses

    import numpy as np

    from hemasim.solvers import DormandPrince
    from hemasim.validation import chemotherapy_schedules as cs

    first_cycle = dataclasses.replace(schedule, cycle_offsets_days=(0.0,), days_in_cycle=(0.0,), duration_days=21.0)
    reference = dataclasses.replace(first_cycle, solver=DormandPrince(rtol=1e-8))
    own = cs.cohort_lowest_observables(first_cycle, observed, patients)
    dopri = cs.cohort_lowest_observables(reference, observed, patients)
    for name in observed:
        np.testing.assert_allclose(own[name], dopri[name], rtol=1e-5, err_msg=name)
    assert not all(np.array_equal(own[name], dopri[name]) for name in observed)


@pytest.mark.slow
def test_the_nab_paclitaxel_cohorts_run_on_the_imex_kernel_and_follow_dormand_prince():
    """The four nab-paclitaxel cohorts run on the IMEX lock-step kernel: P13/P14 at rtol 1e-6
    (NAB_PACLITAXEL_SOLVER; docs/performance.md, the suite's twelfth round), P16's two at P16_SOLVER's 2e-6 (the
    suite's twenty-third and twenty-sixth sessions), Q5 at Q5_SOLVER's 3e-6 (the suite's twenty-second and
    twenty-sixth sessions), each measuring the central amount's error against the amount at which the drug's effect
    is 1 (NAB_PACLITAXEL_STATE_SCALES); the first cycles of P13 and P16 (ANC, platelets, Hb) and Q5's (ANC and WBC,
    what it reads) follow the Dormand-Prince kernel at rtol 1e-8."""
    from hemasim.solvers import AdditiveRungeKutta
    from hemasim.validation import chemotherapy_schedules as cs
    from hemasim.validation import predictions4 as p4

    scales = (("nab_paclitaxel_central", 1.0e4),)
    assert cs.NAB_PACLITAXEL_STATE_SCALES == scales
    assert cs._NAB_PACLITAXEL.solver == cs.NAB_PACLITAXEL_SOLVER == AdditiveRungeKutta(rtol=1e-6, state_scales=scales)
    assert {s.solver for s in cs._NAB_PACLITAXEL_WEEKLY.values()} == {cs.P16_SOLVER} == {
        AdditiveRungeKutta(rtol=2e-6, state_scales=scales)}
    assert p4.NAB_PACLITAXEL_100_WEEKLY.solver == p4.Q5_SOLVER == AdditiveRungeKutta(rtol=3e-6, state_scales=scales)
    _first_cycle_follows_dormand_prince_at_1e_8(cs._NAB_PACLITAXEL)
    _first_cycle_follows_dormand_prince_at_1e_8(cs._NAB_PACLITAXEL_WEEKLY[0.5])
    _first_cycle_follows_dormand_prince_at_1e_8(p4.NAB_PACLITAXEL_100_WEEKLY, observed=("anc_1e9_per_L", "wbc_1e9_per_L"))


def test_the_nab_paclitaxel_effect_amount_is_the_central_amount_at_which_the_effect_is_1():
    """NAB_PACLITAXEL_EFFECT_AMOUNT_UG = V1 x molar mass / the full model's slope (ug): at that central amount
    E = slope x C = 1, so an error of rtol times it changes E by rtol."""
    from hemasim.pharmacology import load_drug_set
    from hemasim.validation import chemotherapy_schedules as cs

    ds = load_drug_set("nab_paclitaxel_chen2014")
    (effect,) = ds.effects
    assert effect.full_model is not None and ds.pk is not None
    amount_ug = ds.pk.central_volume_L.value * ds.molar_mass_g_per_mol.value / effect.full_model.slope_L_per_umol.value
    assert cs.NAB_PACLITAXEL_EFFECT_AMOUNT_UG == pytest.approx(amount_ug, rel=0.01)
    assert cs.NAB_PACLITAXEL_STATE_SCALES == (("nab_paclitaxel_central", cs.NAB_PACLITAXEL_EFFECT_AMOUNT_UG),)


def test_the_docetaxel_cohorts_run_at_their_rtol_and_follow_dormand_prince_at_1e_8():
    """The eight docetaxel cohorts (P11's two, P12, P15, Q1-Q4) run on the Dormand-Prince kernel at
    rtol 1e-6 (DOCETAXEL_SOLVER; docs/performance.md, the suite's twenty-first session); Q1's first cycle follows the
    same kernel at rtol 1e-8."""
    from hemasim.solvers import DormandPrince
    from hemasim.validation import chemotherapy_schedules as cs
    from hemasim.validation import predictions4 as p4

    docetaxel = [*cs._DOCETAXEL_75.values(), cs._DOCETAXEL_WEEKLY, cs._DOCETAXEL_WEEKLY_X6, p4.DOCETAXEL_75_Q3W_MEN,
                 p4.DOCETAXEL_50_Q2W_MEN, p4.DOCETAXEL_100_Q3W_CHINESE, p4.DOCETAXEL_60_Q3W_JAPANESE]
    assert {(s.drug_set, s.solver) for s in docetaxel} == {("docetaxel_kloft2006", cs.DOCETAXEL_SOLVER)}
    assert cs.DOCETAXEL_SOLVER == DormandPrince(rtol=1e-6)
    _first_cycle_follows_dormand_prince_at_1e_8(p4.DOCETAXEL_75_Q3W_MEN)


def test_a_schedule_names_its_solver_in_one_field():
    """A schedule carries one solver choice, a strategy object (was two loose rtols, one per kernel, that could
    contradict each other): the default solver's by default, and a schedule with it keys the cohorts' cache as an
    equal one does."""
    import dataclasses

    from hemasim.solvers import DormandPrince, Solver
    from hemasim.validation import chemotherapy_schedules as cs

    fields = {f.name: f for f in dataclasses.fields(cs.Schedule)}
    assert not [name for name in fields if "rtol" in name or "solver" in name and name != "solver"]
    assert fields["solver"].default == DormandPrince() == DormandPrince(rtol=1e-8)
    assert isinstance(cs.DOCETAXEL_SOLVER, Solver) and isinstance(cs.NAB_PACLITAXEL_SOLVER, Solver)
    same = dataclasses.replace(cs._DOCETAXEL_WEEKLY, solver=DormandPrince(rtol=1e-6))
    assert same == cs._DOCETAXEL_WEEKLY and hash(same) == hash(cs._DOCETAXEL_WEEKLY)


@pytest.mark.parametrize("target_id", ["P13", "P14", "P15"])
def test_the_breast_cancer_cohorts_are_women(target_id):
    """P13/P14 (the Abraxane label's metastatic breast cancer study) and P15 (elderly women with metastatic breast
    cancer) read cohorts of women, as their targets say: the patients each simulates, drawn as the cohort draws them,
    are all women (bughunt34c: they were 60% women, 40% men, as the mixed-tumour cohorts)."""
    import numpy as np

    from hemasim.validation import chemotherapy_schedules as cs

    target = next(t for group in load_targets().values() for t in group if t["id"] == target_id)
    assert "breast cancer" in target["quantity"] + target["source"]
    schedule = cs._DOCETAXEL_WEEKLY_X6 if target_id == "P15" else cs._NAB_PACLITAXEL
    cov = cs.cohort_covariates(cs.COHORT_SIZE, schedule.ages, schedule.female_share,
                               np.random.default_rng(schedule.seed))
    assert set(np.asarray(cov.sex)) == {"female"}
