"""The dose and schedule diagnosis of docs/chemotherapy_full_model.md (docs/chemotherapy_schedules_diagnosis.py): its
vectorised published chains reproduce the shipped ones, and the committed output says what the page states."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests._scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "chemotherapy_schedules_diagnosis.py"
OUTPUT = ROOT / "docs" / "images" / "chemo_schedule_diagnosis.json"


@pytest.fixture(scope="module")
def diagnosis() -> ModuleType:
    return load_script(SCRIPT, "chemotherapy_schedules_diagnosis")


@pytest.fixture(scope="module")
def output() -> dict:
    return json.loads(OUTPUT.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_the_vectorised_kloft_chain_is_the_shipped_chain_on_a_weekly_course(diagnosis: ModuleType) -> None:
    course = diagnosis.COURSES["P12 25 d1,8,15 q4w x2"]
    _, anc = diagnosis.kloft_chain_anc(course, diagnosis._reference(course), diagnosis._typical_eta(1))
    assert anc.min() == pytest.approx(diagnosis.kloft_chain(course)["lowest"], rel=1e-5)


def test_quartino_rests_at_its_baseline_without_a_dose(diagnosis: ModuleType) -> None:
    rest = diagnosis.quartino_chain(diagnosis.Course(0.0, (0.0,), (0.0, 7.0), 14.0))
    assert rest["lowest"] == pytest.approx(3.53, rel=1e-6) and rest["days_below_1p0"] == 0.0


@pytest.mark.slow
def test_the_chen_cohort_typical_patient_is_the_shipped_chain(diagnosis: ModuleType) -> None:
    result = diagnosis.chen_chain_cohort(diagnosis.NAB_COURSES["P16 125 d1,8,15 q4w x2, 30 min"], n=3)
    assert result["typical_lowest"] == pytest.approx(result["shipped_chain_typical_lowest"], rel=1e-4)


def test_the_committed_checks_of_the_chains_hold(output: dict) -> None:
    for vectorised, shipped in output["chain_check_lowest"].values():
        assert vectorised == pytest.approx(shipped, rel=1e-5)
    for nab in output["chen_chain_cohorts"].values():
        assert nab["typical_lowest"] == pytest.approx(nab["shipped_chain_typical_lowest"], rel=1e-4)


def test_the_full_models_dose_response_is_flatter_than_the_published_chains(output: dict) -> None:
    """The page's section 2: from 25 to 100 mg/m2 the full model's relative nadir deepens less than either chain's,
    and it is the deepest of the three at 25 mg/m2 once and on P12's schedule."""
    typical = output["typical"]
    fold = {m: typical["25 once"][m]["relative"] / typical["100 once"][m]["relative"] for m in typical["25 once"]}
    assert fold["full_model"] < min(fold["kloft2006"], fold["quartino2014"])
    for course in ("25 once", "P12 25 d1,8,15 q4w x2", "P15 35 weekly x6"):
        rel = {m: v["relative"] for m, v in typical[course].items()}
        assert rel["full_model"] < min(rel["kloft2006"], rel["quartino2014"])


def test_the_slope_moves_the_weekly_prediction_far_more_than_c9s_nadir(output: dict) -> None:
    sweep = output["slope_sweep"]
    c9 = np.ptp(sweep["100 once"])
    assert np.ptp(sweep["P12 25 d1,8,15 q4w x2"]) > 4 * c9 and np.ptp(sweep["25 once"]) > 4 * c9


def test_without_the_mpp_and_stem_kill_the_cycles_no_longer_deepen(output: dict) -> None:
    shipped = output["stage_attribution"]["all stages (shipped)"]
    spared = output["stage_attribution"]["without the MPP and stem stages"]
    for course in shipped:
        assert shipped[course][-1] < 0.98 * shipped[course][0]  # the shipped model loses ground cycle by cycle
        assert spared[course][-1] > 0.999 * spared[course][0]
