"""The generic full-model slope fit (hemasim.inference.full_model_slope): docetaxel's structure fit built through it
(its recorded objective reproduced), the nab-paclitaxel data and recorded value, and the YAML record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from hemasim.inference import Objective
from hemasim.inference.full_model_slope import (
    SPECS,
    chain_typical_course,
    drug_set_for_full_model_fit,
    full_model_slope_problem,
    main,
    record_fit_in_yaml,
)
from hemasim.pharmacology import load_drug_set

ROOT = Path(__file__).resolve().parents[1]
CHEMO_FIT = ROOT / "docs" / "images" / "chemo_fit.json"


def test_the_docetaxel_structure_fit_reproduces_its_recorded_objective_through_the_generic_problem() -> None:
    """hemasim.inference.docetaxel builds its problem through the generic one (one objective, built once): at the
    adopted structure and estimates it gives the objective the fit recorded (docs/images/chemo_fit.json), and
    the Craig prior adds exactly its log-normal term on the mitotic transit."""
    from hemasim.inference.docetaxel import CRAIG_PASSAGE_SD_LOG, _craig_mitotic_median, docetaxel_problem

    adopted = json.loads(CHEMO_FIT.read_text(encoding="utf-8"))["adopted"]
    slope, mitotic = adopted["estimates"]["slope"], adopted["estimates"]["mitotic_days"]
    x = np.log10(np.array([[slope, mitotic]]))
    with_prior = Objective(docetaxel_problem(adopted["stages"], adopted["divisions"]))
    without = Objective(docetaxel_problem(adopted["stages"], adopted["divisions"], craig_prior=False))
    assert with_prior.names == ("slope", "mitotic_days")
    f_with, f_without = float(with_prior(x)[0]), float(without(x)[0])
    assert f_with == pytest.approx(adopted["objective_course_and_craig"], rel=1e-6)
    z = np.log(mitotic / _craig_mitotic_median()) / CRAIG_PASSAGE_SD_LOG
    prior_term = 0.5 * z**2 + np.log(mitotic * CRAIG_PASSAGE_SD_LOG * np.sqrt(2.0 * np.pi))
    assert f_with - f_without == pytest.approx(prior_term, rel=1e-9)


def test_docetaxel_course_is_the_kloft_chain_run_on_its_own() -> None:
    """The generic spec's data for docetaxel are the Kloft chain after one 1-h infusion of 100 mg/m2, built here
    without the spec (a plain Regimen, the chain's own run), on the full model's baseline."""
    from hemasim.biology.body import body_surface_area_m2
    from hemasim.inference.docetaxel import kloft_typical_course
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology import Regimen, friberg_model
    from hemasim.simulation import Simulation
    from hemasim.validation.patients import PATIENTS

    woman = PATIENTS["reference_female"]
    dose = Regimen(0.0, "docetaxel", "iv_infusion", 100.0 * body_surface_area_m2(woman) * 1000.0, 1.0 / 24.0)
    r = Simulation(friberg_model(load_drug_set("docetaxel_kloft2006"), woman), events=[dose]).run(21.0, 0.25)
    anc = r.observable("anc_1e9_per_L")
    days = np.arange(1.0, 22.0)
    expected = np.interp(days, r.times, anc) / anc[0] * healthy_adult_parameters().value("anc_setpoint_1e9_per_L")
    spec = SPECS["docetaxel_kloft2006"]
    assert np.array_equal(chain_typical_course(spec, spec.conditions[0]), expected)
    assert np.array_equal(kloft_typical_course(), expected)


def test_nab_paclitaxel_data_are_the_chain_at_chen_doses() -> None:
    spec = SPECS["nab_paclitaxel_chen2014"]
    assert [(c.dose_mg_per_m2, c.dose_days) for c in spec.conditions] == [
        (260.0, (0.0,)), (300.0, (0.0,)), (100.0, (0.0, 7.0, 14.0)), (150.0, (0.0, 7.0, 14.0))]
    assert spec.residual_sd_log == 0.291
    nadirs = [chain_typical_course(spec, c).min() for c in spec.conditions]
    # a higher dose of the same schedule falls deeper; every course dips below its day-1 value
    assert nadirs[1] < nadirs[0] and nadirs[3] < nadirs[2]
    for c in spec.conditions:
        course = chain_typical_course(spec, c)
        assert course.min() < 0.8 * course[0]


@pytest.mark.slow
def test_recorded_nab_paclitaxel_slope_is_the_optimum() -> None:
    """The YAML's value is where the objective is lowest (a 1% step either way is worse) and it lies inside its
    recorded CI; the recorded objective is the objective there."""
    spec = SPECS["nab_paclitaxel_chen2014"]
    ds = load_drug_set(spec.drug_set)
    full = ds.effects[0].full_model
    assert full is not None and full.slope_L_per_umol.fitted is not None
    slope = full.slope_L_per_umol.value
    f = Objective(full_model_slope_problem(spec))(np.log10(np.array([[slope], [slope * 0.99], [slope * 1.01]])))
    assert f[0] < f[1] and f[0] < f[2]
    assert f[0] == pytest.approx(full.slope_L_per_umol.fitted.objective, abs=1e-3)
    lo, hi = (float(v) for v in full.slope_L_per_umol.fitted.interval.split("[")[1].rstrip("]").split(","))
    assert lo < slope < hi


def test_a_set_without_a_block_gets_the_taxane_kill() -> None:
    spec = SPECS["nab_paclitaxel_chen2014"]
    fake = type(spec)(**{**spec.__dict__, "drug_set": "docetaxel_friberg2002"})
    ds = drug_set_for_full_model_fit(fake)
    full = ds.effects[0].full_model
    assert full is not None and full.lineages == spec.kill["lineages"] and full.stages == spec.kill["stages"]
    assert full.slope_L_per_umol.value == ds.effects[0].slope_L_per_umol.value


def test_record_fit_in_yaml_edits_only_the_full_model_block(tmp_path: Path) -> None:
    src = ROOT / "src" / "hemasim" / "pharmacology" / "drugs" / "nab_paclitaxel_chen2014.yaml"
    copy = tmp_path / "nab_paclitaxel_chen2014.yaml"
    shutil.copy(src, copy)
    result = {"estimates": {"slope": 5.4321}, "objective": 101.23456, "ci95": {"slope": [4.5, None]}}
    text = record_fit_in_yaml(SPECS["nab_paclitaxel_chen2014"], result, copy)
    ds = load_drug_set(copy)
    full = ds.effects[0].full_model
    assert full is not None and full.slope_L_per_umol.value == 5.432
    assert full.slope_L_per_umol.fitted is not None
    assert full.slope_L_per_umol.fitted.objective == 101.2346
    assert full.slope_L_per_umol.fitted.interval == "95% profile CI [4.5, open]"
    assert ds.effects[0].slope_L_per_umol.value == 2.160  # type: ignore[union-attr]
    assert text.splitlines()[0] == src.read_text().splitlines()[0]  # comments kept


def test_record_fit_refuses_a_set_without_a_block(tmp_path: Path) -> None:
    copy = tmp_path / "docetaxel_friberg2002.yaml"
    shutil.copy(ROOT / "src" / "hemasim" / "pharmacology" / "drugs" / "docetaxel_friberg2002.yaml", copy)
    spec = type(SPECS["nab_paclitaxel_chen2014"])(**{**SPECS["nab_paclitaxel_chen2014"].__dict__,
                                                    "drug_set": "docetaxel_friberg2002"})
    with pytest.raises(ValueError, match="no full_model block"):
        record_fit_in_yaml(spec, {"estimates": {"slope": 1.0}, "objective": 1.0, "ci95": {"slope": [1, 2]}}, copy)


def test_cli_refuses_an_unknown_set_and_writing_docetaxel() -> None:
    with pytest.raises(SystemExit):
        main(["no_such_set"])
    with pytest.raises(SystemExit):
        main(["docetaxel_kloft2006", "--write"])  # refused before any fit runs


@pytest.mark.slow
def test_a_free_healthy_parameter_reaches_the_model() -> None:
    """A jointly fitted healthy parameter (its target names it) acts as the same value fixed would."""
    from hemasim.inference import EstimatedParameter

    spec = SPECS["docetaxel_kloft2006"]
    free = full_model_slope_problem(spec, free_healthy=(
        EstimatedParameter("mitotic_days", "neutrophil_mitotic_transit_days", 0.5, 15.0, 4.0, unit="day"),))
    fixed = full_model_slope_problem(spec, healthy_values={"neutrophil_mitotic_transit_days": 6.0})
    f_free = Objective(free)(np.log10(np.array([[42.06, 6.0]])))
    f_fixed = Objective(fixed)(np.log10(np.array([[42.06]])))
    assert np.array_equal(f_free, f_fixed)
    assert Objective(free).names == ("slope", "mitotic_days")


PROGENITOR_PROFILE = ROOT / "docs" / "images" / "progenitor_kinetics_profile.json"


def test_progenitor_profiles_pass_through_the_table_values_and_the_recorded_slopes() -> None:
    """The committed profiles (hemasim.inference.progenitor_kinetics) hold the table values of r and the MPP
    residence, and there each drug's refitted slope is the slope the model ships (docetaxel's joint fit, the
    nab-paclitaxel slope fit): the profiles are of the shipped model, not of another one."""
    from hemasim.inference.progenitor_kinetics import MPP_GRID, RATIO_GRID, TAXANE_SPECS
    from hemasim.parameters import healthy_adult_parameters

    result = json.loads(PROGENITOR_PROFILE.read_text(encoding="utf-8"))
    table = healthy_adult_parameters()
    assert result["data"] == list(TAXANE_SPECS)
    for key, name, grid in (("ratio_profile", "progenitor_baseline_self_renewal_ratio", RATIO_GRID),
                            ("mpp_profile", "mpp_residence_days", MPP_GRID)):
        points = {p["healthy_values"][name]: p for p in result[key]}
        assert sorted(points) == sorted(grid)
        at_table = points[table.value(name)]
        for drug in TAXANE_SPECS:
            shipped = load_drug_set(drug).effects[0].full_model
            assert shipped is not None
            assert at_table[drug]["slope"] == pytest.approx(shipped.slope_L_per_umol.value, rel=0.01)
            assert at_table["objective"] == pytest.approx(sum(at_table[d]["objective"] for d in TAXANE_SPECS))


@pytest.mark.slow
def test_a_recorded_profile_point_is_the_objective_there() -> None:
    """At r = 0.8 the recorded objective of each drug is its problem's objective at the recorded slope, and a 2%
    step of the slope either way is worse (the slope was refitted there)."""
    from hemasim.inference.progenitor_kinetics import TAXANE_SPECS, slope_problem

    point = next(p for p in json.loads(PROGENITOR_PROFILE.read_text(encoding="utf-8"))["ratio_profile"]
                 if p["healthy_values"]["progenitor_baseline_self_renewal_ratio"] == 0.8)
    for drug in TAXANE_SPECS:
        problem = slope_problem(drug, point["healthy_values"])
        slope = point[drug]["slope"]
        f = Objective(problem)(np.log10(np.array([[slope], [slope * 0.98], [slope * 1.02]])))
        assert f[0] == pytest.approx(point[drug]["objective"], abs=1e-3)
        assert f[0] < f[1] and f[0] < f[2]
