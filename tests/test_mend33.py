"""review33's points on counts of stages and divisions (branch mend33): one whole-number rule (snapped within a
tolerance, then rounded down by the screens or refused for user input), a fit that frees a count refused when the
problem is read, a start that ends on the failure value not called a success, field factors of a count checked like
parameter factors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hemasim.biology.builder import COUNT_PARAMETERS, count_text, floor_counts, snapped_counts, whole_count
from hemasim.scenario import parse_scenario
from hemasim.sensitivity.run import run_sweep, whole_counts
from hemasim.sensitivity.spec import SensitivitySpec, SpecError, SweepSpec

from .conftest import EXAMPLES

DONATION = {"name": "donation", "patient": {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175},
            "duration_days": 30, "aging": False, "output": {"every_days": 1},
            "interventions": [{"kind": "blood_donation", "day": 2, "volume_mL": 900}]}


def _no_point_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import hemasim.sensitivity.run as run

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("a point ran")

    monkeypatch.setattr(run, "_evaluate", no_run)


def test_a_count_within_the_tolerance_of_a_whole_number_is_that_number():
    """--all-assumed's x2 of 4 red-cell age stages is exp(log 2 + log 4) = 7.999999999999998, which rounding down
    ran as 7 stages (and its x1 of a 5-level design, 3.9999999999999996, as 3); 159.99999999999994 neutrophil stages
    as 159."""
    design = np.exp(np.log(2.0) + np.array([0.0, 0.5, 1.0]) * np.log(4.0))
    assert design[2] < 8.0 and np.floor(design[2]) == 7.0  # the float the screens met
    assert list(floor_counts(design)) == [2.0, 4.0, 8.0]
    assert float(floor_counts(159.99999999999994)) == 160.0 and float(floor_counts(12.7)) == 12.0
    frame = whole_counts(pd.DataFrame({"rbc_age_stages": design, "parameters.platelet_age_stages": [19.999999999999996,
                                       5.5, 7.0], "erythroid_feedback_log_slope": [2.9999999999, 3.2, 3.3]}))
    assert list(frame["rbc_age_stages"]) == [2.0, 4.0, 8.0]
    assert list(frame["parameters.platelet_age_stages"]) == [20.0, 5.0, 7.0]  # a field of a count too
    assert frame["erythroid_feedback_log_slope"].iloc[0] == 2.9999999999  # not a count: untouched
    assert float(snapped_counts(4.001)) == 4.001  # outside the tolerance: left for the caller's rule


def test_user_input_snaps_or_is_refused_with_enough_digits():
    """`--set rbc_age_stages=4.0000000001` printed "4 is not a whole number ... (4 or 5)": it is 4 now, and a value
    off a whole number by more than the tolerance is printed with the digits that show it."""
    from hemasim.scenario.overrides import check_overrides

    assert whole_count("rbc_age_stages", 4.0000000001) == 4
    assert check_overrides({"rbc_age_stages": 4.0000000001}) == {"rbc_age_stages": 4.0}
    with pytest.raises(ValueError, match=r"rbc_age_stages: 4\.00000001 is not a whole number.*\(4 or 5\)"):
        check_overrides({"rbc_age_stages": 4.00000001})
    assert count_text(4.00000001) == "4.00000001" and count_text(4.5) == "4.5" and count_text(4.0) == "4"


def test_the_build_reads_a_count_within_the_tolerance():
    """BuildContext.p_count applies the same rule (the model built from 7.999999999999998 red-cell age stages has 8)."""
    from hemasim.biology import healthy_human_model
    from hemasim.parameters import healthy_adult_parameters

    table = healthy_adult_parameters()
    near = healthy_human_model(parameters=table.with_values(rbc_age_stages=7.999999999999998))
    exact = healthy_human_model(parameters=table.with_values(rbc_age_stages=8.0))
    assert [c.name for c in near.compartments] == [c.name for c in exact.compartments]
    with pytest.raises(ValueError, match=r"parameter rbc_age_stages: 7\.9999 is not a whole number"):
        healthy_human_model(parameters=table.with_values(rbc_age_stages=7.9999))


def test_the_design_refusal_prints_each_value_once_and_names_a_cli_route(monkeypatch: pytest.MonkeyPatch):
    """review33: "4.7622, 4.7622" (np.unique before formatting) and a `--parameters` user told to call
    run_sensitivity(..., floor_counts=True)."""
    from hemasim.sensitivity.design import Factor
    from hemasim.sensitivity.run import whole_design

    spec = SensitivitySpec.model_validate({"factors": [{"parameter": "rbc_age_stages", "relative": [0.5, 2],
                                                        "log": True}]})
    values = np.array([[4.762203155904597], [4.762203155904598], [3.5]])
    with pytest.raises(SpecError) as err:
        whole_design([Factor("rbc_age_stages", 2.0, 8.0, True)], values, spec, "sensitivity.factors")
    text = str(err.value)
    assert "design puts it at 3.5, 4.7622 (range" in text, text
    assert "run_sensitivity" not in text and "`hemasim sensitivity --all-assumed`" in text


def test_a_field_factor_of_a_count_is_refused_before_any_point_runs(monkeypatch: pytest.MonkeyPatch):
    """review33: `field: parameters.rbc_age_stages` over [2, 3] at 3 points ran 1 of 3 and then stopped naming the
    scenario file; it is refused as the parameter factor is, and a whole grid of it runs."""
    _no_point_runs(monkeypatch)
    scenario = parse_scenario({**DONATION, "parameters": {"rbc_age_stages": 4}})
    spec = SweepSpec.model_validate({"method": "grid", "n_points": 3, "factors": [
        {"field": "parameters.rbc_age_stages", "range": [2, 3]}]})
    with pytest.raises(SpecError, match=r"^sweep\.factors\.0: parameters\.rbc_age_stages counts stages or divisions "
                                        r"and runs at whole numbers only, but the design puts it at 2\.5 ") as err:
        run_sweep(scenario, spec)
    assert "`n_points: 2`" in str(err.value)


def test_a_whole_grid_of_a_count_field_runs():
    scenario = parse_scenario({**DONATION, "duration_days": 10, "parameters": {"rbc_age_stages": 4}})
    spec = SweepSpec.model_validate({"method": "grid", "n_points": 2, "factors": [
        {"field": "parameters.rbc_age_stages", "range": [2, 3]}]})
    result = run_sweep(scenario, spec)
    assert list(result.table["parameters.rbc_age_stages"]) == [2.0, 3.0]
    assert result.table["anc_nadir"].notna().all()


def test_a_fit_that_frees_a_count_is_refused_when_the_problem_is_read(tmp_path: Path):
    """review33: rbc_age_stages free (2-8, nominal 4) gave exit 0 and the nominal back, the second start sitting at
    4.84 with the failure value, marked "success"."""
    from hemasim.inference import ProblemError, load_problem

    for name in ("problem.yaml", "scenario.yaml", "measurements.csv"):
        shutil.copy(EXAMPLES / "fit" / name, tmp_path / name)
    problem = tmp_path / "problem.yaml"
    problem.write_text(problem.read_text().replace("solver:", "  - {id: stages, target: rbc_age_stages, lower: 2, "
                                                   "upper: 8, nominal: 4, scale: lin}\nsolver:"))
    with pytest.raises(ProblemError, match=r"parameters\.4: 'rbc_age_stages' counts stages or divisions .*hold "
                                           r"it \(`estimate: false`\) at each whole value in turn.*compare the "
                                           r"objectives"):
        load_problem(problem)


def test_a_start_that_ends_on_the_failure_value_is_not_a_success():
    from hemasim.inference.objective import FAILED_VALUE
    from hemasim.inference.optimize import LocalResult, _judged

    ended = LocalResult(np.zeros(1), np.ones(1), FAILED_VALUE, True, 3, "CONVERGENCE: NORM_OF_PROJECTED_GRADIENT")
    judged = _judged(ended)
    assert not judged.success and "cannot be integrated" in judged.message and "NORM_OF" in judged.message
    fine = LocalResult(np.zeros(1), np.ones(1), 12.5, True, 3, "ok")
    assert _judged(fine) is fine


def test_no_count_varies_between_patients():
    """A count is the model's shape, shared by a cohort (BuildContext.p_count reads it with p_shared): a record with
    iiv_cv would let a population file give each patient its own count, which the build refuses."""
    from hemasim.parameters import healthy_adult_parameters

    table = healthy_adult_parameters()
    assert COUNT_PARAMETERS <= set(table)
    assert not [n for n in COUNT_PARAMETERS if table[n].iiv_cv is not None]


def test_the_stored_morris_screen_ran_one_red_cell_age_stage_less_at_its_top_level_and_says_so():
    """The stored screen (bench/sensitivity_screen.py: Morris, 4 levels, x0.5-x2 on a log scale) reached
    rbc_age_stages' top level as 7.999999999999998, which the build's int() ran as 7: an annotation beside its rows
    (docs/sensitivity.md, docs/sensitivity_screen.md, the outcome text docs/parameters.md shows)."""
    from hemasim.sensitivity.design import Factor, to_values

    top = to_values(np.array([[1.0]]), [Factor("rbc_age_stages", 2.0, 8.0, True)])[0, 0]
    assert top < 8.0 and int(top) == 7 and float(floor_counts(top)) == 8.0
    root = Path(__file__).resolve().parents[1]
    from hemasim.sensitivity.screen import screen_outcome

    assert "ran 7 stages, not 8" in screen_outcome()["rbc_age_stages"]
    for doc in ("sensitivity.md", "sensitivity_screen.md", "parameters.md"):
        assert "ran 7 stages, not 8" in (root / "docs" / doc).read_text(encoding="utf-8"), doc


def test_e1s_filgrastim_reading_that_did_not_fall_is_nan_with_why(monkeypatch: pytest.MonkeyPatch):
    """E1's info reading with filgrastim from day +1 read 0.0 ("did not fall", not "engrafted on the graft's day"):
    NaN now, and the check says why; the other engraftment readings keep 0 for a count that did not fall."""
    import math

    import hemasim.validation.predictions4 as p4
    from hemasim.endpoints import DID_NOT_FALL
    from hemasim.validation import load_targets, scenario_runs
    from hemasim.validation.predictions15 import PREDICTIONS15

    fell_not = {k: v for name in ("x", "neutrophil_engraftment_day") for k, v in ((name, None),
                                                                               (f"{name}{DID_NOT_FALL}", 1.0))}
    # the engraftment day is read by scenario_runs.engraftment_day_after_graft since the lead's dedupe (session 30)
    monkeypatch.setattr(scenario_runs, "endpoints_of", lambda run: fell_not)
    assert p4.engraftment_day(None, "x") == 0.0  # type: ignore[arg-type]
    assert math.isnan(p4.engraftment_day(None, "x", did_not_fall=math.nan))  # type: ignore[arg-type]
    reading = PREDICTIONS15["auto_child_filgrastim_day1_neutrophil_engraftment_day_7p21e6"]
    assert math.isnan(reading.measure())  # type: ignore[attr-defined]
    targets = {t["id"]: t for group in load_targets().values() for t in group}
    info = {c["readout"]: c for c in targets["E1"]["info_checks"]}
    assert "did not fall below 0.5 after the graft" in info[
        "auto_child_filgrastim_day1_neutrophil_engraftment_day_7p21e6"]["why"]
    assert "no single parameter set" in targets["E2"]["note"]


def test_the_effect_site_limit_measured_from_the_no_delay_reference():
    """The rule's interval is measured from J, which at the 0.01-day bound lies 0.33 above the no-delay R: 0.21 d;
    measured from min(R, J) the stored profile allows about 0.16 d (4 h, not 5)."""
    import json

    from hemasim.inference.docetaxel import adopted_effect_site_fit

    root = Path(__file__).resolve().parents[1]
    stored = json.loads((root / "docs/images/chemo_effect_site_fit.json").read_text())
    again = adopted_effect_site_fit(stored)
    assert again["ci95_effect_half_life_days"][1] == pytest.approx(0.208, abs=0.002)
    assert again["longest_half_life_from_reference_days"] == pytest.approx(0.159, abs=0.003)
    assert stored["adopted"]["longest_half_life_from_reference_days"] == again["longest_half_life_from_reference_days"]


def test_the_stored_prior_sd_companion_flips_between_0p75_and_1():
    """docs/images/chemo_effect_site_prior_sd.json (reported, not used to choose): the rule re-applied to each stored
    row gives its stored decision, none adopted up to a log SD of 0.75, adopted at 1.0 (by a shrunken transit)."""
    import json

    from hemasim.inference.docetaxel import CRAIG_PASSAGE_SD_LOG, adopted_effect_site_fit

    root = Path(__file__).resolve().parents[1]
    rows = json.loads((root / "docs/images/chemo_effect_site_prior_sd.json").read_text())
    assert CRAIG_PASSAGE_SD_LOG == 0.25 and [r["craig_sd_log"] for r in rows] == [0.5, 0.75, 1.0]
    for r in rows:
        again = adopted_effect_site_fit({"no_delay_shipped": {"objective": r["no_delay_shipped_objective"]},
                                         "no_delay_refit": r["no_delay_refit"], "joint": r["joint"],
                                         "beta_bounds": [0.0, 1.0]})
        assert again["adopt"] == r["rule"]["adopt"]
    assert [r["rule"]["adopt"] for r in rows] == [False, False, True]
    assert rows[-1]["joint"]["estimates"]["mitotic_days"] < 1.0
