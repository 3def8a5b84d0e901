"""review35e's findings on fuzz35 and mend35e (branch mend35g): a cohort's blood loss of a drawn patient's whole
blood volume is refused before any partition runs, naming the patient and its draw; `hemasim run` of arms names the
arm of a refused event as `hemasim check` does; a child's pegfilgrastim hint gives the label's dose for its weight
band; the fuzzer's kill check sees a torn output and its refusal check wants a field named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from tests._scripts import load_script

from .conftest import ROOT

# review35e's cohort_blood.yaml: a woman of ~3.8 L of blood, weights drawn around 60 kg (sd 15): the light ones have
# less blood than the 2780 mL lost
COHORT_BLOOD: dict[str, Any] = {
    "name": "cohort blood loss", "patient": {"age_years": 40, "sex": "female", "weight_kg": 60, "height_cm": 165},
    "duration_days": 10, "aging": False,
    "interventions": [{"kind": "blood_donation", "day": 1, "volume_mL": 2780}],
    "population": {"variability": True, "female_fraction": 1.0,
                   "weight_kg": {"male": {"mean": 80, "sd": 12}, "female": {"mean": 60, "sd": 15}}}}


def _blood_mL(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The drawn weights and blood volumes (mL) of the cohort's first ``n`` patients, as the partitions draw them."""
    from hemasim.biology.body import blood_volume_L
    from hemasim.cohort.sampling import draw_patients
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import parse_scenario

    spec = parse_scenario(COHORT_BLOOD)
    params = healthy_adult_parameters()
    vp = draw_patients(spec.population, spec.patient, params, 0, n, 0)
    return np.asarray(vp.covariates.weight_kg), np.asarray(blood_volume_L(vp.covariates, params)) * 1000.0


@pytest.mark.slow
def test_a_cohort_patient_s_loss_of_the_whole_blood_volume_is_refused_before_any_partition_runs(tmp_path):
    """review35e (cb4.log): 9 of 40 partitions ran, then the run stopped naming nobody, with a blood volume (2775 mL)
    not the scenario patient's (~3.8 L). Now every drawn patient is checked first: the first one short named, with
    its weight and the draw it came from; nothing is written."""
    from hemasim.cohort import run_cohort
    from hemasim.scenario import parse_scenario

    weights, blood = _blood_mL(200)
    short = np.flatnonzero(blood <= 2780.0)
    assert short.size and short[0] > 0  # the scenario's patient and the first patients have enough blood
    k = int(short[0])
    out = tmp_path / "cohort"
    with pytest.raises(ValueError) as caught:
        run_cohort(parse_scenario(COHORT_BLOOD), 200, out, partition_size=5, progress=False)
    message = str(caught.value)
    assert message.startswith("interventions.0.volume_mL: 2780 mL on day 1 is the whole blood volume"), message
    assert f"cohort patient {k} " in message and f"{blood[k]:.0f} mL" in message, message
    assert f"female drawn from population.female_fraction, 40 years, {weights[k]:.4g} kg drawn from " \
        "population.weight_kg, 165 cm)" in message, message
    assert f"{short.size} of the 200 patients" in message, message
    assert not out.exists() or not any(out.iterdir())


def test_the_cohort_s_covariates_drawn_alone_are_the_partitions_own():
    from hemasim.cohort.sampling import draw_cohort_covariates, draw_patients
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import parse_scenario

    spec = parse_scenario(COHORT_BLOOD)
    for seeds in (None, list(range(100, 130))):
        alone = draw_cohort_covariates(spec.population, spec.patient, 5, 30, 7, seeds)
        full = draw_patients(spec.population, spec.patient, healthy_adult_parameters(), 5, 30, 7, seeds).covariates
        for name in ("age_years", "sex", "weight_kg", "height_cm"):
            assert np.array_equal(getattr(alone, name), getattr(full, name)), name


def test_a_cohort_whose_loss_every_patient_survives_is_not_refused(tmp_path):
    from hemasim.cohort.runner import check_blood_losses
    from hemasim.scenario import parse_scenario

    data = {**COHORT_BLOOD, "interventions": [{"kind": "blood_donation", "day": 1, "volume_mL": 500}]}
    check_blood_losses(parse_scenario(data), 200, 0, None)  # 30 kg (the draws' floor) has ~2 L of blood


def test_a_cohort_of_the_scenario_s_patient_alone_names_the_patient_s_own_values():
    from hemasim.cohort.runner import check_blood_losses
    from hemasim.scenario import parse_scenario

    data = {k: v for k, v in COHORT_BLOOD.items() if k != "population"}
    data["interventions"] = [{"kind": "blood_donation", "day": 1, "volume_mL": 4000}]
    with pytest.raises(ValueError, match=r"cohort patient 0 \(\d+ mL; female, 40 years, 60 kg, 165 cm: the scenario "
                                         r"patient\) or more; .*; 3 of the 3 patients"):
        check_blood_losses(parse_scenario(data), 3, 0, None)


ARMS_BLOOD: dict[str, Any] = {
    "name": "arms blood", "patient": {"age_years": 35, "sex": "male", "weight_kg": 75, "height_cm": 178},
    "duration_days": 10, "interventions": [{"kind": "blood_donation", "day": 1, "volume_mL": 2000}],
    "arms": [{"name": "adult"}, {"name": "child", "patient": {"age_years": 4, "weight_kg": 16, "height_cm": 102}}]}


@pytest.mark.slow
def test_run_names_the_arm_of_a_refused_event_as_check_does(tmp_path):
    """review35e (arms_blood.yaml): `hemasim check` said "arms.child: interventions.0.volume_mL ...", `hemasim run`
    the same line without the arm, which every arm shares."""
    from tests.conftest import invoke_hemasim

    path = tmp_path / "arms.yaml"
    path.write_text(yaml.safe_dump(ARMS_BLOOD))
    said = {}
    for command in ("check", "run"):
        args = [command, str(path)] + (["--out", str(tmp_path / "out")] if command == "run" else [])
        result = invoke_hemasim(*args)
        assert result.exit_code == 2, result.output
        said[command] = next(line for line in result.output.splitlines() if "volume_mL" in line)
        assert f"{path}: arms.child: interventions.0.volume_mL: 2000 mL on day 1 is the whole blood" in said[command]
    assert said["check"] == said["run"]
    assert not (tmp_path / "out").exists()


def test_run_arms_names_the_arm_in_python_too():
    from hemasim.arms import run_arms
    from hemasim.scenario import parse_scenario

    with pytest.raises(ValueError, match=r"^arms\.child: interventions\.0\.volume_mL: "):
        run_arms(parse_scenario(ARMS_BLOOD))


def _peg_warning(weight_kg: float, **dose: float) -> str:
    from hemasim.scenario import parse_scenario
    from hemasim.scenario.plausibility import plausibility_warnings

    data = yaml.safe_load((ROOT / "examples" / "docetaxel_q3w_pegfilgrastim.yaml").read_text(encoding="utf-8"))
    (peg,) = [i for i, iv in enumerate(data["interventions"]) if iv.get("dose_mg") == 6]
    data["interventions"][peg].pop("dose_mg")
    data["interventions"][peg].update(dose)
    data["patient"].update(weight_kg=weight_kg, age_years=9 if weight_kg < 45 else 55, height_cm=133)
    (field,) = dose
    return dict(plausibility_warnings(parse_scenario(data)))[f"interventions.{peg}.{field}"]


@pytest.mark.parametrize(("weight_kg", "band", "mg"), [(15, "10-20 kg", 1.5), (25, "21-30 kg", 2.5),
                                                      (35, "31-44 kg", 4), (50, "from 45 kg", 6)])
def test_a_pegfilgrastim_dose_per_kg_in_the_wrong_unit_gets_the_label_s_dose_of_the_weight_band(weight_kg, band, mg):
    """review35e: at 10-44 kg the hint said "write dose_ug_per_kg: 100" (3 mg at 30 kg), where the Neulasta label
    gives flat doses by weight band: 1.5 mg at 10-20 kg, 2.5 mg at 21-30, 4 mg at 31-44, 6 mg from 45 kg."""
    message = _peg_warning(weight_kg, dose_ug_per_kg=0.1)  # 0.1 mg/kg written as ug/kg
    assert f"did you mean 100 ug/kg (0.1 mg/kg)? that is {0.1 * weight_kg:g} mg at {weight_kg} kg" in message, message
    assert f"write dose_mg: {mg:g}" in message and band in message, message
    assert "write dose_ug_per_kg" not in message, message


def test_under_10_kg_a_pegfilgrastim_dose_per_kg_keeps_the_per_kg_hint():
    message = _peg_warning(8, dose_ug_per_kg=0.1)  # the label: 0.1 mg/kg under 10 kg
    assert "did you mean 100 ug/kg (0.1 mg/kg)? write dose_ug_per_kg: 100" in message, message
    assert "dose_mg:" not in message, message
    other = _peg_warning(8, dose_mg_per_kg=20)  # 20 ug/kg (0.16 mg) meant: the label's 0.1 mg/kg said with it
    assert "did you mean 20 ug/kg (0.02 mg/kg)?" in other and "under 10 kg the label gives 0.1 mg/kg: write " \
        "dose_mg_per_kg: 0.1" in other, other


fuzz = load_script(Path(__file__).resolve().parents[1] / "bench" / "fuzz_scenarios.py")


def test_the_fuzzer_s_refusal_check_wants_every_line_to_name_a_field():
    assert fuzz.refusal_problem("fuzz: interventions.0.volume_mL: too much") is None
    assert fuzz.refusal_problem("fuzz: interventions.1: iron_balance cannot be combined with chemotherapy") is None
    assert fuzz.refusal_problem("fuzz: patient.weight_kg: 3 kg\nfuzz: duration_days: 0 is not > 0") is None
    assert fuzz.refusal_problem("fuzz: something went wrong") is not None
    assert fuzz.refusal_problem("fuzz: interventions.0.day: late\nsecond line") is not None


def test_the_fuzzer_s_kill_check_sees_a_torn_output():
    old = {"endpoints.json": b"e1", "run.json": b"r1", "timeseries.csv": b"t1"}
    new = {"endpoints.json": b"e2", "run.json": b"r2", "timeseries.csv": b"t2"}
    assert fuzz.torn_output(old, old, new) is None
    assert fuzz.torn_output(new, old, new) is None
    assert fuzz.torn_output({**old, "timeseries.csv": b"t2"}, old, new) is not None  # a mix
    assert fuzz.torn_output({**old, "run.json": b"r"}, old, new) is not None  # a file neither run wrote
    assert fuzz.torn_output({**new, "endpoints.json": b"e1"}, old, {**new, "endpoints.json": b"e1"}) is None
    assert fuzz.torn_output(old, old, old) is not None  # the changed scenario changed nothing: the check sees nothing


def test_the_fuzzer_s_changed_scenario_differs_in_every_output():
    from hemasim.scenario import parse_scenario

    data = {"name": "fuzz", "patient": {"age_years": 40, "sex": "male", "weight_kg": 70, "height_cm": 175},
            "duration_days": 10, "interventions": [{"kind": "blood_donation", "day": 1, "volume_mL": 450}]}
    changed = fuzz.changed_scenario(data)
    assert changed != data
    spec = parse_scenario(changed)
    assert spec.duration_days > 10 and spec.name != "fuzz"
