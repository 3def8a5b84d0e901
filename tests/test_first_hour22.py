"""The twenty-second session's first-hour review (branch firsthour): what a new user met on a clean clone, each test
failing on the code or pages before the mend."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def test_the_readme_counts_the_predictions_the_generated_card_counts():
    # the README said "51 of 85 predictions pass" two sessions after the card had 87 predictions
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    card = (ROOT / "docs" / "validation_predictions.md").read_text(encoding="utf-8")
    said = re.search(r"today (\d+) of (\d+) predictions pass \((\d+) on a published interval", readme)
    summary = re.search(r"Card summary: predictions: (\d+) pass / (\d+) \((\d+) on a published interval", card)
    assert said is not None and summary is not None
    assert said.groups() == summary.groups(), (
        "README.md's Status paragraph: copy the counts of docs/validation_predictions.md's card summary")
