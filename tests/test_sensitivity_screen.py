"""The screen of the assumed parameters stays in step with the parameter table (bench/sensitivity_screen.py)."""

from __future__ import annotations

from pathlib import Path

from hemasim.parameters import Assumed, healthy_adult_parameters
from hemasim.sensitivity.screen import screen_outcome

ROOT = Path(__file__).resolve().parents[1]


def test_every_assumed_parameter_has_a_screen_outcome_and_no_other():
    table = healthy_adult_parameters()
    assumed = {n for n in table if isinstance(table[n].provenance, Assumed)}
    outcome = screen_outcome()
    assert set(outcome) == assumed, (
        "the screen is stale: run `PYTHONPATH=src python bench/sensitivity_screen.py` "
        f"(missing {sorted(assumed - set(outcome))[:5]}, extra {sorted(set(outcome) - assumed)[:5]})")
    assert all(text.startswith(("moves ", "does not move", "no effect")) for text in outcome.values())


def test_the_screen_report_lists_every_outcome():
    report = (ROOT / "docs" / "sensitivity_screen.md").read_text(encoding="utf-8")
    for name, text in screen_outcome().items():
        assert f"| `{name}` |" in report and text in report
