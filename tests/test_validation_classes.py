"""The report card's classes: predictions are never tuned on, calibration targets name what was tuned on them,
bands say where they come from, and only predictions count as validation."""

import pytest

from hemasim.parameters import healthy_adult_parameters
from hemasim.parameters.core import Calibrated
from hemasim.validation import (
    CheckResult,
    TargetResult,
    ValidationReport,
    check_target_class,
    load_targets,
    near_edge,
)

#: The prediction split, chosen before any joint fit (issue 17): a target moves out of this set only with a
#: reason in targets.yaml, and a parameter may never be calibrated on one of these.
PREDICTIONS = {"C4", "C5", "T1", "T5", "D4", "A4", "I5", "M1", "G2", "G3", "G4", "G5", "G6", "G7", "G8", "G9"}
PREDICTIONS |= {"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10"}  # branch predict: other_predictions
PREDICTIONS |= {"X1", "X2", "X3", "X4", "X5"}  # cond: lineage chimerism after conditioning (issue 17 item 6)
PREDICTIONS |= {"A5", "A6", "A7", "I6", "I7"}  # branch lymph: age subsets, vaccination after HSCT
PREDICTIONS |= {"H1", "H2"}  # branch clones: WAS gene-therapy IS diversity (Calabria 2024)
PREDICTIONS |= {"C7", "C8"}  # branch chemo: docetaxel cohort in the full model (chosen before it was run)
PREDICTIONS |= {"T7", "T8", "T9"}  # engraft: engraftment predictions, chosen before the engraftment fit
PREDICTIONS |= {"P11", "P12", "P13", "P14", "P15", "P16", "P17"}  # predict2: chemotherapy schedules, 2-unit RBC
PREDICTIONS |= {f"R{i}" for i in range(1, 9)}  # predict3: immune reconstitution after auto-HSCT, ageing
PREDICTIONS |= {f"Q{i}" for i in range(1, 10)}  # predict4: chemotherapy incidence by schedule, engraftment, pegfilgrastim
PREDICTIONS |= {f"V{i}" for i in range(1, 6)}  # predict5: whole-blood donation (Ziegler 2015, Stangerup 2017), autologous engraftment (AUBMC)
PREDICTIONS |= {f"Y{i}" for i in range(1, 7)}  # predict7: hepatitis A and mRNA vaccines, PBSC vs marrow CD4, B after alemtuzumab
PREDICTIONS |= {f"W{i}" for i in range(1, 7)}  # predict6: plateletpheresis, preoperative autologous donation
PREDICTIONS |= {"P18"}  # vaccage: seroconversion by age with between-patient variability of vaccine responses
PREDICTIONS |= {"T12", "T13"}  # gcsfgraft: filgrastim after an allogeneic graft (Bishop 2000, Przepiorka 2001)


def _targets() -> dict[str, dict]:
    return {t["id"]: t for group in load_targets().values() for t in group}


def _calibrated_parameters() -> dict[str, tuple[str, ...]]:
    return {p.name: p.provenance.targets for p in healthy_adult_parameters().values()
            if isinstance(p.provenance, Calibrated)}


def test_the_prediction_split_is_the_committed_one():
    targets = _targets()
    assert {i for i, t in targets.items() if t["class"] == "prediction"} == PREDICTIONS


def test_calibration_and_prediction_targets_are_disjoint():
    targets = _targets()
    calibration = {i for i, t in targets.items() if t["class"] == "calibration"}
    prediction = {i for i, t in targets.items() if t["class"] == "prediction"}
    tuned_on = {target for named in _calibrated_parameters().values() for target in named}
    assert not calibration & prediction
    assert not tuned_on & prediction, "a parameter was calibrated on a prediction target"
    assert tuned_on <= calibration, f"targets tuned on but not class calibration: {sorted(tuned_on - calibration)}"


def test_every_calibrated_parameter_is_listed_by_the_targets_it_names_and_only_those():
    targets = _targets()
    calibrated = _calibrated_parameters()
    for name, named in calibrated.items():
        for target in named:
            assert name in targets[target]["calibrates"], f"{target} does not list {name} in calibrates"
    for target_id, t in targets.items():
        for name in t.get("calibrates", []):
            assert name in calibrated, f"{target_id} calibrates {name}, which is not a Calibrated parameter"
            assert target_id in calibrated[name], f"{name} does not name {target_id} in its provenance"


def test_every_calibration_target_calibrates_something():
    for t in _targets().values():
        if t["class"] == "calibration":
            assert t["calibrates"], t["id"]


@pytest.mark.parametrize(("change", "message"), [
    ({"class": "evidence"}, "class is 'evidence'; allowed: prediction, calibration, consistency"),
    ({"band_basis": "vibes"}, "band_basis is 'vibes'"),
    ({"class_reason": " "}, "class_reason is missing"),
    ({"class": "calibration"}, "a calibration target lists the parameters it calibrates"),
    ({"calibrates": ["x"]}, "calibrates is only for class calibration"),
    ({"checks": [{"readout": "r", "open_end": "up"}]}, "check 'r': open_end is 'up'; allowed: high, low"),
])
def test_a_target_without_an_honest_class_is_refused(change, message):
    target = {"id": "X1", "class": "prediction", "class_reason": "never fitted", "band_basis": "uncertainty",
              "band_source": "the source's 95% CI"}
    check_target_class(target)  # the complete one is accepted
    with pytest.raises(ValueError, match="target 'X1': " + message.replace("(", r"\(")):
        check_target_class({**target, **change})


def test_near_edge_is_relative_to_the_judged_edges():
    assert near_edge(9.9, (7.0, 10.0)) and near_edge(7.2, (7.0, 10.0)) and not near_edge(8.5, (7.0, 10.0))
    assert not near_edge(5.05, (5.05, 5.05))  # zero width: must equal the cited value, no edge to be near
    assert not near_edge(11.0, (7.0, 10.0))  # a fail is not a near-edge pass
    assert not near_edge(0.0, (0.0, 300.0))  # a lower end of 0 is the quantity's floor, not a criterion
    assert near_edge(290.0, (0.0, 300.0))
    assert near_edge(1.06, (1.0, 100.0), "high") and not near_edge(1.2, (1.0, 100.0), "high")
    assert not near_edge(1.0, (0.9, 1.0), "high") and near_edge(0.95, (0.9, 1.0), "high")
    assert near_edge(1.2, (1.01, 1e6)) and not near_edge(6.1, (1.01, 1e6))  # log scale over a wide band


def _target(tid: str, cls: str, status: str, basis: str = "uncertainty", edge: bool = False) -> TargetResult:
    check = CheckResult("r", "reference_male", (0.0, 1.0), 0.5, "pass" if status == "pass" else "fail",
                        near_edge=edge)
    return TargetResult(tid, "g", "q", "p", "rule", "src", status, [check], target_class=cls, band_basis=basis)


def test_only_predictions_count_as_validation():
    report = ValidationReport([
        _target("P1", "prediction", "pass", "uncertainty", edge=True), _target("P2", "prediction", "fail"),
        _target("P3", "prediction", "pass", "judgement"), _target("P4", "prediction", "pass", "range"),
        _target("K1", "calibration", "pass"),
        _target("S1", "consistency", "pass"), _target("S2", "consistency", "pass")])
    assert report.summary() == (
        "predictions: 3 pass / 4 (2 on a published interval: 1 on the uncertainty of a published estimate, 1 within "
        "a published spread of patients; 0 on a stated threshold or direction, 1 on a project "
        "band; 1 near an edge); calibration (fitted, not validation): 1 pass / 1; consistency checks (not "
        "validation): 2 pass / 2")
    assert report.class_counts()["prediction"] == {"pass": 3, "fail": 1, "near edge": 1}
    card = report.to_json()
    assert card["targets"][0]["class"] == "prediction" and card["targets"][0]["near_edge"] is True
    assert card["targets"][4]["calibrated_on"] is True and card["classes"]["consistency"] == {"pass": 2}


def test_a_partly_covered_prediction_is_counted_as_a_pass_and_said_so():
    partial = _target("P5", "prediction", "partial")
    report = ValidationReport([_target("P1", "prediction", "pass"), partial, _target("P2", "prediction", "fail")])
    assert report.summary().startswith("predictions: 2 pass / 3 (")
    assert "1 of them partly covered (the checks that run pass)" in report.summary()
    assert "partly covered" not in ValidationReport([_target("P1", "prediction", "pass")]).summary()


def test_the_docs_table_is_generated_from_the_targets():
    from pathlib import Path

    from hemasim.validation.classes_table import classes_table, replace_table

    docs = (Path(__file__).parents[1] / "docs" / "validation.md").read_text(encoding="utf-8")
    assert replace_table(docs) == docs, "run: python -m hemasim.validation.classes_table docs/validation.md"
    assert "| T2 | calibration of `graft_short_term_units_per_cd34`" in classes_table()
