"""The other predictions (P1-P10: blood donation, influenza challenge, antibody waning, vaccine by age, alemtuzumab,
hepatitis B schedules): their read-outs, their honest statuses, and the generated page of all prediction targets."""

import json
import re

import numpy as np
import pytest

from hemasim.validation import load_targets
from hemasim.validation.predictions_misc import _first_time_at_or_above
from tests._scripts import load_script

from .conftest import ROOT, validation_outcome


def test_the_first_time_a_level_is_reached_is_interpolated_between_outputs():
    times = np.array([0.0, 1.0, 2.0, 3.0])
    values = np.array([1.0, 2.0, 4.0, 8.0])
    assert _first_time_at_or_above(times, values, 3.0) == pytest.approx(1.5)
    assert _first_time_at_or_above(times, values, 0.5) == 0.0
    assert _first_time_at_or_above(times, values, 9.0) is None


@pytest.mark.integration
@pytest.mark.slow
def test_the_other_predictions_pass_or_fail_as_reported():
    """Five pass (P1, P10 and P18 on their sources' intervals, P4 on a project band, P6 on a direction); six fail
    on their sources' intervals (why: the notes in targets.yaml). Held so that a model change that moves them shows
    up. P1/P2 passed since the erythroid feedback strength came from the human EPO-Hb relation (branch ery); since
    branch donation (the gain fitted on Falz 2014, the feedback on late progenitors) P2 is too fast (26.7 days)."""
    status, values = validation_outcome(["other_predictions"])
    assert status == {"P1": "pass", "P2": "fail", "P3": "fail", "P4": "pass", "P5": "fail", "P6": "pass",
                      "P7": "fail", "P8": "fail", "P9": "fail", "P10": "pass", "P18": "pass"}
    # 5.46 until branch source31 cited cd8_expansion_per_day (Le 2015)
    assert values["influenza_challenge_shedding_days_above_detection"] == pytest.approx(5.44, abs=0.02)
    assert values["donation_550mL_days_to_regain_90pct_red_cell_mass"] == pytest.approx(34.2, abs=1.0)
    assert values["donation_500mL_days_to_80pct_hb_recovery"] == pytest.approx(26.7, abs=1.0)  # 32.0 until donation
    assert values["alemtuzumab_months_to_b_cells_100_per_uL"] == pytest.approx(1.06, abs=0.05)  # 0.99 at B 350/uL
    assert values["influenza_vaccine_igg_day28_ratio_80_to_25"] < 0.99
    assert values["hepatitis_b_igg_ratio_0_1_6_to_0_1_3_months"] == pytest.approx(1.14, abs=0.02)
    assert values["hepatitis_b_igg_ratio_3_to_2_doses_year_12"] == pytest.approx(3.56, abs=0.05)


def _generator():
    return load_script(ROOT / "docs" / "validation_predictions.py")


def test_the_predictions_page_lists_every_prediction_target_once():
    page = (ROOT / "docs" / "validation_predictions.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| ([A-Z]\d+) \|", page, flags=re.MULTILINE)
    predictions = [t["id"] for group in load_targets().values() for t in group if t["class"] == "prediction"]
    assert listed == predictions, ("regenerate: python -m hemasim validate --json CARD.json; "
                                   "python docs/validation_predictions.py CARD.json docs/validation_predictions.md")


def test_the_predictions_page_takes_values_and_statuses_from_the_card():
    card = {"summary": "predictions: 1 pass / 2", "targets": [
        {"id": "P3", "status": "fail", "near_edge": False, "checks": [
            {"readout": "influenza_challenge_shedding_days_above_detection", "band": [4.31, 5.29], "value": 6.0,
             "status": "fail"},
            {"readout": "influenza_challenge_clearance_day", "band": [4.31, 5.29], "value": 7.0, "status": "info"}]}]}
    page = _generator().render(card)
    row = next(line for line in page.splitlines() if line.startswith("| P3 |"))
    assert "= 6 in [4.31, 5.29] (fail)" in row and row.endswith("| fail |") and "clearance_day" not in row
    assert next(line for line in page.splitlines() if line.startswith("| P4 |")).endswith("| not in the card |")
    assert "Card summary: predictions: 1 pass / 2" in page


def _statuses(page: str) -> dict[str, str]:
    """Target id -> status (with "(near an edge)") of a generated page's table rows, the card's markup removed."""
    out = {}
    for line in page.splitlines():
        if re.match(r"^\| [A-Z]+\d+ \|", line):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            status = next((c for c in cells if 'class="card-status' in c), cells[-1])
            out[cells[0]] = re.sub(r"<[^>]+>", "", status)
    return out


def test_the_committed_card_page_lists_every_target_and_agrees_with_the_predictions_page():
    """docs/validation_card.md is what a reader of the repository sees where the pages link the card (the site
    computes it again when built): written with the predictions page from the same card, every target once."""
    card_page = (ROOT / "docs" / "validation_card.md").read_text(encoding="utf-8")
    assert "do not edit by hand" in card_page
    listed = re.findall(r"^\| ([A-Z]+\d+) \|", card_page, flags=re.MULTILINE)
    assert sorted(listed) == sorted(t["id"] for group in load_targets().values() for t in group)
    regenerate = ("regenerate both from one card: python -m hemasim validate --json CARD.json; "
                  "python docs/validation_predictions.py CARD.json docs/validation_predictions.md")
    assert len(listed) == len(set(listed)), regenerate
    predictions = _statuses((ROOT / "docs" / "validation_predictions.md").read_text(encoding="utf-8"))
    card = _statuses(card_page)
    assert {k: card[k] for k in predictions} == predictions, regenerate


def test_the_predictions_script_writes_the_card_page_beside_the_predictions_page(tmp_path):
    card = {"summary": "predictions: 0 pass / 1", "counts": {"fail": 1}, "targets": [
        {"id": "P3", "group": "other_predictions", "class": "prediction", "quantity": "shedding", "published": "4.8",
         "pass": "in range", "source": "s", "status": "fail", "calibrated_on": False, "not_covered": "", "note": "",
         "checks": [{"readout": "influenza_challenge_shedding_days_above_detection", "patient": "", "band": [4.31, 5.29],
                     "value": 6.0, "status": "fail", "why": ""}]}]}
    (tmp_path / "card.json").write_text(json.dumps(card), encoding="utf-8")
    _generator().main([str(tmp_path / "card.json"), str(tmp_path / "validation_predictions.md")])
    page = (tmp_path / "validation_card.md").read_text(encoding="utf-8")
    assert "do not edit by hand" in page and "Generated when this site was built" not in page
    assert _statuses(page) == {"P3": "fail"} and _statuses(
        (tmp_path / "validation_predictions.md").read_text(encoding="utf-8"))["P3"] == "fail"


def _one_target_card(tmp_path):
    card = {"summary": "predictions: 0 pass / 1", "targets": []}
    (tmp_path / "card.json").write_text(json.dumps(card), encoding="utf-8")
    return [str(tmp_path / "card.json"), str(tmp_path / "validation_predictions.md")]


def test_the_predictions_script_leaves_both_pages_as_they_were_when_a_page_cannot_be_written(tmp_path, monkeypatch):
    """Both pages are rendered before either is written, and each is written through a temporary sibling: a card
    page that fails to render left a new predictions page beside the old card page, and a write that failed half-way
    (here an unencodable character at the page's end) left a truncated page."""
    generator = _generator()
    argv = _one_target_card(tmp_path)
    pages = [tmp_path / "validation_predictions.md", tmp_path / "validation_card.md"]
    for page in pages:
        page.write_text("the committed page\n", encoding="utf-8")

    def broken_card_page(card):
        raise RuntimeError("the hook failed")

    monkeypatch.setattr(generator, "card_page", broken_card_page)
    with pytest.raises(RuntimeError):
        generator.main(argv)
    assert [p.read_text(encoding="utf-8") for p in pages] == ["the committed page\n"] * 2
    monkeypatch.setattr(generator, "card_page", lambda card: "card\n")
    monkeypatch.setattr(generator, "render", lambda card: "a page that cannot be encoded \udc80")
    with pytest.raises(UnicodeEncodeError):
        generator.main(argv)
    assert [p.read_text(encoding="utf-8") for p in pages] == ["the committed page\n"] * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.json", *sorted(p.name for p in pages)]  # no temporary
