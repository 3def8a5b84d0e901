"""The screen of the assumed parameters stays in step with the parameter table (bench/sensitivity_screen.py), and
screens a parameter over its sourced plausible range where its record has one, else over x0.5-x2."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from hemasim.parameters import Assumed, healthy_adult_parameters
from hemasim.parameters.core import Parameter, PlausibleRange
from hemasim.sensitivity.screen import screen_outcome

ROOT = Path(__file__).resolve().parents[1]


def _screen_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sensitivity_screen", ROOT / "bench" / "sensitivity_screen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


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


def test_the_screen_used_each_sourced_range_and_names_it():
    """An outcome that depends on the range says which: the sourced range where the record has one (and the
    report lists it with its source), else x0.5-x2. A stale screen (a range added or changed since) fails here."""
    table = healthy_adult_parameters()
    report = (ROOT / "docs" / "sensitivity_screen.md").read_text(encoding="utf-8")
    for name, text in screen_outcome().items():
        rng = table[name].plausible_range
        if text.startswith("no effect"):
            continue
        if rng is None:
            assert text.endswith("over x0.5-x2"), (name, text)
        else:
            assert text.endswith(f"over its sourced range {rng.low:g}-{rng.high:g}"), (name, text)
            assert any(line.startswith(f"| `{name}` |") and line.endswith(f"| {rng.low:g}-{rng.high:g} | {rng.source} |")
                       for line in report.splitlines()), f"the report's Ranges table lacks {name}"


def test_the_screen_factor_is_the_sourced_range_or_the_default_span():
    script = _screen_script()
    ranges = {"hsc_niche_hill": PlausibleRange(2.0, 4.0, "a source")}
    assert script.factor("hsc_niche_hill", ranges) == {"parameter": "hsc_niche_hill", "range": [2.0, 4.0], "log": True}
    assert script.factor("mpp_residence_days", ranges) == {"parameter": "mpp_residence_days", "relative": [0.5, 2.0],
                                                          "log": True}
    assert script.factor("x", {"x": PlausibleRange(0.0, 1.0, "a source")})["log"] is False  # no log through 0


def test_a_plausible_range_needs_a_source_order_and_the_record_bounds():
    with pytest.raises(ValueError, match="source"):
        PlausibleRange(1.0, 2.0, " ")
    with pytest.raises(ValueError, match="increasing"):
        PlausibleRange(2.0, 1.0, "a source")
    with pytest.raises(ValueError, match="leaves its bounds"):
        Parameter("p", 1.0, "1", "a parameter", Assumed("x", "y"), bounds=(0.5, 3.0),
                  plausible_range=PlausibleRange(0.1, 2.0, "a source"))
    record = Parameter("p", 1.0, "1", "a parameter", Assumed("x", "y"), bounds=(0.5, 3.0),
                       plausible_range=PlausibleRange(0.5, 2.0, "a source"))
    assert record.plausible_range is not None and record.plausible_range.describe() == "0.5-2 (a source)"
