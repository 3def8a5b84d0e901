"""harden34: five leftovers a user met. A cohort of one partition said nothing until it was written; a chemotherapy
scenario without ``output:`` read its nadirs on a 1-day grid unwarned; a user's set that only inhibits production had
no mark of what it acts on; the iron kinds' problems came one run at a time; the drug and immune feedback laws drew
libSBML unit warnings."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import EXAMPLES, invoke_hemasim

CHEMO = {"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 100, "route": "iv_infusion",
         "infusion_hours": 1, "schedule": {"start_day": 0, "every_days": 21, "cycles": 2}}


def _patient(age: float = 55) -> dict:
    return {"age_years": age, "sex": "female", "weight_kg": 70, "height_cm": 165}


# ------------------------------------------------------------------------------------------ 1. a cohort's progress
def _short_cohort() -> object:
    """examples/cohort_marrow_depletion.yaml over 30 days: two solve calls (the depletion on day 7)."""
    from hemasim.scenario import parse_scenario

    data = yaml.safe_load((EXAMPLES / "cohort_marrow_depletion.yaml").read_text(encoding="utf-8"))
    return parse_scenario({**data, "duration_days": 30}, source="t")


def _endpoints(folder: Path) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(p) for p in sorted((folder / "endpoints").glob("*.parquet"))],
                     ignore_index=True)


def test_a_cohort_of_one_partition_tells_its_patients_as_they_are_integrated(tmp_path: Path):
    """64 patients in one partition (as 1,000 are by default) told only "partitions 1/1", once written: now the
    patients come as each lock-step chunk of 32 finishes a solve call, before the partition is written, and the
    endpoints are the same bits as a run that nobody watches."""
    from hemasim.cohort import run_cohort

    scenario = _short_cohort()
    told: list[tuple[str, int, int]] = []
    run_cohort(scenario, 64, tmp_path / "watched", partition_size=64, report=False,
               progress=lambda stage, done, total: told.append((stage, done, total)))
    patients = [done for stage, done, total in told if stage == "cohort patients" and total == 64]
    assert told[-1] == ("cohort partitions", 1, 1)
    # 2 chunks x 2 calls (days 0-7 and 7-30), in whole runs' worth of patient-days: 32 x 7 / 30 = 7.5, 14.9,
    # (64 x 7 + 32 x 23) / 30 = 39.5, 64
    assert patients == [7, 14, 39, 64], told
    run_cohort(scenario, 64, tmp_path / "quiet", partition_size=64, report=False, progress=False)
    pd.testing.assert_frame_equal(_endpoints(tmp_path / "watched"), _endpoints(tmp_path / "quiet"), check_exact=True)


@pytest.mark.slow
def test_partitions_of_whole_lock_step_chunks_give_the_same_bits(tmp_path: Path):
    """What the partition size changes (measured, harden34): the patients that share a lock-step chunk (32) share its
    steps, so partitions of 64 and 32 give the same endpoints bit for bit, and partitions of 20 differ in the last
    digits (7e-7 relative on the one-year depletion cohort): the progress is told from inside a partition instead
    of cutting it smaller."""
    from hemasim.cohort import run_cohort
    from hemasim.solvers import DormandPrince

    assert DormandPrince.LOCKSTEP_CHUNK == 32
    scenario = _short_cohort()
    for size in (64, 32, 20):
        run_cohort(scenario, 64, tmp_path / str(size), partition_size=size, report=False, progress=False, seed=7)
    pd.testing.assert_frame_equal(_endpoints(tmp_path / "64"), _endpoints(tmp_path / "32"), check_exact=True)
    assert not _endpoints(tmp_path / "64")["anc_nadir"].equals(_endpoints(tmp_path / "20")["anc_nadir"])


# ------------------------------------------------------------------------------------ 2. the nadirs' output grid
def test_a_chemotherapy_scenario_without_output_is_warned_of_its_one_day_grid(tmp_path: Path):
    from hemasim.scenario import parse_scenario
    from hemasim.scenario.plausibility import plausibility_warnings

    data = {"name": "t", "patient": _patient(), "duration_days": 42, "interventions": [CHEMO]}
    warned = dict(plausibility_warnings(parse_scenario(data, source="t")))
    assert "output.every_days" in warned and "output: {every_days: 0.25}" in warned["output.every_days"]
    assert "1 day(s)" in warned["output.every_days"]
    for given in ({"every_days": 1}, {"every_days": 0.25}):  # a grid the user chose, daily too, is theirs
        assert "output.every_days" not in dict(plausibility_warnings(parse_scenario({**data, "output": given})))
    healthy = {**data, "interventions": []}
    assert "output.every_days" not in dict(plausibility_warnings(parse_scenario(healthy)))
    path = tmp_path / "chemo.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    res = invoke_hemasim("check", str(path))
    assert res.exit_code == 0 and f"hemasim: warning: {path}: output.every_days: not given" in res.stderr


def test_a_fit_is_not_warned_of_its_scenarios_output_grid():
    """A fit simulates at its measurements' days: examples/fit's chemotherapy scenario gives no output grid, and
    loading the problem does not warn of it (fit-population's first warning is its one subject)."""
    import warnings

    from hemasim.inference.problem import load_problem

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_problem(EXAMPLES / "fit" / "problem.yaml")
    assert not [w for w in caught if "output.every_days" in str(w.message)]


# ------------------------------------------------------------------------------- 3. an inhibitor's acts-on mark
_INHIBITOR = """name: myinhib
drug: myinhib
description: A user's production inhibitor (test).
routes: [iv_infusion]
references:
  Me2026: {authors: Me, year: 2026, title: notes, journal: unpublished}
molar_mass_g_per_mol: {value: 600.0, assumed: test}
pk:
  central_volume_L: {value: 20.0, assumed: test}
  clearance_L_per_h: {value: 30.0, assumed: test}
effects:
  - acts_on: production
    lineages: [neutrophil, monocyte]
    model: emax
    emax: {value: -0.5, assumed: test}
    ec50_ng_per_mL: {value: 100.0, assumed: test}
    hill: {value: 1.0, assumed: test}
"""


def test_a_users_set_that_only_inhibits_production_is_marked(tmp_path: Path):
    from hemasim.pharmacology import available_drug_sets, load_drug_set
    from hemasim.pharmacology.table import what_it_acts_on

    path = tmp_path / "myinhib.yaml"
    path.write_text(_INHIBITOR, encoding="utf-8")
    mark = what_it_acts_on(load_drug_set(path))
    assert mark is not None and mark[0] == "Inhibits production", mark
    assert "the production of the neutrophil, monocyte lineages" in mark[1] and "kind: chemotherapy" in mark[1]
    res = invoke_hemasim("drugs", str(path))
    assert res.exit_code == 0 and "Inhibits production: it lowers the production" in " ".join(res.stdout.split())
    # the shipped sets' marks are as they were: none of them only inhibits
    assert all((m := what_it_acts_on(load_drug_set(n))) is None or m[0] != "Inhibits production"
               for n in available_drug_sets())


# ------------------------------------------------------------------------------- 4. every iron problem at once
def test_every_iron_problem_is_listed_in_one_run(tmp_path: Path):
    """A child given iron twice beside docetaxel: the iron kinds' checks said the first problem (the chemotherapy),
    then the next on the next run. Now a line each, exit 2, nothing written."""
    data = {"name": "t", "patient": {"age_years": 10, "sex": "female", "weight_kg": 32, "height_cm": 138},
            "duration_days": 42, "output": {"every_days": 0.25},
            "interventions": [{"kind": "iron_balance"}, {"kind": "iron_balance"}, CHEMO]}
    path = tmp_path / "iron.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    res = invoke_hemasim("run", str(path), "--out", str(out))
    assert res.exit_code == 2 and not out.exists()
    errors = [line.removeprefix(f"hemasim: error: {path}: ") for line in res.stderr.splitlines()
              if line.startswith("hemasim: error: ")]
    assert [re.match(r"[\w.]+", e).group() for e in errors] == ["interventions.0", "interventions.0",
                                                                 "interventions.1"], errors
    assert "cannot be combined with chemotherapy" in errors[0] and "(kinds refused with iron: " in errors[0]
    assert "is for adults (18 years or older)" in errors[1]
    assert errors[2].startswith("interventions.1: give iron_balance once")


# ----------------------------------------------------------------------------- 5. the feedback laws' SBML units
@pytest.mark.slow
@pytest.mark.parametrize("example", ["docetaxel_q3w_pegfilgrastim", "infection_healthy_adult",
                                     "influenza_after_vaccination"])
def test_the_drug_and_immune_laws_export_without_unit_warnings(example: str):
    """16 unit warnings on docetaxel with pegfilgrastim (an Emax law's power of a count, a slope declared
    dimensionless): each law's parameters now carry the signal's unit, so libSBML's unit check is clean."""
    from hemasim.assembly import export_scenario_sbml
    from hemasim.model.sbml import validate_sbml
    from hemasim.scenario import load_scenario

    text, errors, _ = export_scenario_sbml(load_scenario(EXAMPLES / f"{example}.yaml"))
    assert errors == [] and validate_sbml(text, warnings=True) == []


@pytest.mark.slow
@pytest.mark.integration
def test_libroadrunner_follows_the_drug_laws_as_written_again():
    """The Emax law's SBML form, rewritten as u / (1 + u) with u = (s / EC50)^h, gives libRoadRunner hemasim's ANC
    within 1e-4 (docetaxel with pegfilgrastim: both Emax laws and the linear kill)."""
    from hemasim.assembly import export_scenario_sbml, run_scenario
    from hemasim.scenario import load_scenario

    from .conftest import assert_follows, roadrunner_trajectory

    scenario = load_scenario(EXAMPLES / "docetaxel_q3w_pegfilgrastim.yaml")
    text, _, _ = export_scenario_sbml(scenario)
    ours = run_scenario(scenario)
    theirs = roadrunner_trajectory(text, float(ours.times[-1]), len(ours.times), ["time", "obs_anc_1e9_per_L"])[:, 1]
    assert_follows(theirs, ours.observable("anc_1e9_per_L"), 1e-4)
