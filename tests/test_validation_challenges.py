"""What each passing prediction tests (issue #17 item 1): targets.yaml's ``challenge`` records the measured outcome
of a plausible change, read from docs/images/validation_challenges.json (written by docs/validation_challenges.py,
too slow for the suite: nothing is re-run here). A pass that cannot fail is not validation: say what each check is."""

import json
import math
import re
from pathlib import Path

import pytest

from hemasim.validation import CheckResult, TargetResult, ValidationReport, check_target_class, load_targets

CHALLENGES = Path(__file__).parents[1] / "docs" / "images" / "validation_challenges.json"


def _measured() -> dict:
    return json.loads(CHALLENGES.read_text(encoding="utf-8"))


def _predictions() -> dict[str, dict]:
    return {t["id"]: t for group in load_targets().values() for t in group if t["class"] == "prediction"}


def _passing(measured: dict) -> set[str]:
    """The predictions whose judged checks all pass in the script's baseline run."""
    return {tid for tid, checks in measured["baseline"].items() if checks and all(c["status"] == "pass" for c in checks)}


def _band(target: dict, readout: str) -> tuple[float, float]:
    bands = [c["band"] for c in target.get("checks", []) if c["readout"] == readout]
    assert bands, f"{target['id']}: challenge readout {readout!r} is none of its judged checks"
    return float(bands[0][0]), float(bands[0][1])


def _value(measured: dict, run: str, tid: str, readout: str) -> float:
    checks = measured["challenges"][run]["targets"][tid]
    return next(float(c["value"]) for c in checks if c["readout"] == readout)


def _passing_on_the_card() -> set[str]:
    """The predictions that pass (or partly) on the committed card (docs/validation_predictions.md's status column)."""
    page = (Path(__file__).parents[1] / "docs" / "validation_predictions.md").read_text(encoding="utf-8")
    rows = (line.strip().strip("|").split(" | ") for line in page.splitlines() if re.match(r"^\| [A-Z]+\d+ \|", line))
    return {cells[0].strip() for cells in rows if cells[-1].strip().startswith(("pass", "partial"))}


def test_every_passing_prediction_says_what_it_tests():
    measured, predictions = _measured(), _predictions()
    passing = _passing_on_the_card()
    assert passing <= set(predictions) and len(passing) >= 30
    missing = sorted(t for t in passing if "challenge" not in predictions[t])
    assert not missing, f"passing predictions without a challenge outcome: {missing}"
    unmeasured = sorted(t for t in passing if predictions[t]["challenge"]["outcome"] != "untested"
                        and t not in measured["baseline"])
    assert not unmeasured, f"challenged but not in docs/images/validation_challenges.json: {unmeasured}"
    assert _passing(measured) & set(predictions) <= passing, "the challenge file's baseline is not the card's"


def test_the_recorded_challenge_values_are_the_measured_ones_and_fails_lie_outside_the_band():
    measured, predictions = _measured(), _predictions()
    for tid, target in predictions.items():
        challenge = target.get("challenge")
        if challenge is None or challenge["outcome"] == "untested":
            continue
        readout = challenge["readout"]
        low, high = _band(target, readout)
        values = [float(v) for v in challenge["values"]]
        for run, recorded in zip(challenge["runs"], values, strict=True):
            got = _value(measured, run, tid, readout)
            # a reading not computed under the change (J2: the count never fell, no engraftment day) is recorded .nan
            assert (math.isnan(recorded) and math.isnan(got)) or math.isclose(recorded, got, rel_tol=5e-3,
                                                                               abs_tol=5e-4), (tid, run, recorded, got)
        outside = [v for v in values if not low <= v <= high]
        if challenge["outcome"] == "fails":
            assert outside, f"{tid}: recorded as failing under a change, but every value lies in [{low}, {high}]"
        else:
            assert not outside, f"{tid}: recorded as insensitive, but {outside} lie outside [{low}, {high}]"


def test_the_baseline_of_the_challenge_file_is_the_cards():
    """The script's baseline is the model the targets were judged on: its values are the committed predictions
    page's (a stale JSON after a model change shows here, with the page regenerated)."""
    page = (Path(__file__).parents[1] / "docs" / "validation_predictions.md").read_text(encoding="utf-8")
    measured = _measured()
    for tid in sorted(_passing(measured) & set(_predictions())):
        for check in measured["baseline"][tid]:
            assert f"`{check['readout']}` = {check['value']:.4g} in" in page, (tid, check["readout"])


def test_a_challenge_must_say_what_it_did():
    target = {"id": "X1", "class": "prediction", "class_reason": "never fitted", "band_basis": "uncertainty",
              "band_source": "the source's 95% CI", "envelope": False}
    good = {"outcome": "fails", "runs": ["r"], "values": [1.0], "readout": "x", "says": "fails at p = 2"}
    check_target_class({**target, "challenge": good, "blind": False, "blind_reason": "known before the rule"})
    for change, message in [({"outcome": "maybe"}, "challenge outcome is 'maybe'; allowed: fails, insensitive, "
                                                   "untested"),
                            ({"says": " "}, "challenge says is missing"),
                            ({"values": []}, "challenge runs and values")]:
        with pytest.raises(ValueError, match=message):
            check_target_class({**target, "challenge": {**good, **change}})
    check_target_class({**target, "challenge": {"outcome": "untested", "says": "a regimen value"}})
    with pytest.raises(ValueError, match="blind_reason is missing"):
        check_target_class({**target, "blind": False})
    with pytest.raises(ValueError, match="challenge is only for class prediction"):
        check_target_class({**target, "class": "consistency", "challenge": good})


def test_the_summary_counts_what_the_passes_were_shown_to_test():
    def target(tid: str, outcome: str | None, blind: bool = True) -> TargetResult:
        check = CheckResult("r", "reference_male", (0.0, 1.0), 0.5, "pass")
        challenge = None if outcome is None else {"outcome": outcome, "says": "s"}
        return TargetResult(tid, "g", "q", "p", "rule", "src", "pass", [check], target_class="prediction",
                            challenge=challenge, blind=blind, blind_reason="" if blind else "known")

    report = ValidationReport([target("P1", "fails", blind=False), target("P2", "insensitive"),
                               target("P3", "fails"), target("P4", None)])
    assert report.summary().startswith("predictions: 4 pass / 4 (of which 2 shown able to fail, 1 insensitive, "
                                       "1 not challenged, 1 not blind; ")
    card = report.to_json()["targets"][0]
    assert card["challenge"]["outcome"] == "fails" and card["blind"] is False and card["blind_reason"] == "known"
