"""The screens shipped with the package, as package data (an installed package has no bench/ or docs/): the outcome
of the Morris screen of the assumed parameters (written by bench/sensitivity_screen.py; shown in docs/parameters.md
and docs/sensitivity_screen.md), of its stage 3 with the engraftment fit refitted, its stage 4 with the docetaxel fit
refitted too and its stage 5 over the ranges the calibration profiles allow (bench/coupled_screen.py), the targeted
screen of the validation read-outs for the parameters the Morris screen saw no effect of (bench/reach_screen.py) and
for the cited parameters screened over their cited range (bench/reach_screen.py --package), and the screen of the conditioning regimens' surviving fractions (written by
bench/regimen_screen.py; the regimen rows of docs/parameters.md)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["NOT_REACHED", "UNSEEN_PREFIXES", "cited_range_screen_outcome", "coupled_screen_outcome", "reach_screen_outcome", "regimen_screen", "screen_outcome",
           "stage4_screen_outcome", "stage5_screen_outcome"]


#: the assumed parameters of opt-in models that none of the Morris screen's scenarios (healthy adult, docetaxel,
#: allo-HSCT) builds, so the screen cannot move them: bench/sensitivity_screen.py leaves them out of its design and
#: enters this outcome by hand (review33b: they read "no effect on any screened read-out", true but not a result)
_IRON_NOT_REACHED = ("not reached by the screen's scenarios: opt-in iron model (iron_balance, oral_iron), built by "
                     "none of them, entered by hand; it moves the Falz 2014 course with iron (at the gain 3.16: "
                     "weighted SS 2.59-25.24 over share 0.05-0.30, 24.03 at Hill 1, 7.64 at Hill 4; docs/model.md, "
                     "\"Iron-limited erythropoiesis\")")
#: an opt-in law off at its shipped value 0, where every multiple a design takes is 0 (branch humdose37)
_DOSE_LAW_NOT_REACHED = ("not reached by the screen's scenarios: opt-in dose law (recruitment saturating in antigen, "
                         "branch humdose37), off at its shipped 0, which every multiple the design takes leaves 0, "
                         "entered by hand; on, it flattens the dose response (day-21 IgG dose elasticity 2.07 -> 1.81 "
                         "at 1 /AU; tests/test_vaccine_dose_law.py; docs/sensitivity.md, \"Dose law (humdose37)\")")
NOT_REACHED = {"erythroid_iron_half_saturation_share": _IRON_NOT_REACHED,
               "erythroid_iron_limit_hill": _IRON_NOT_REACHED,
               "vaccine_recruitment_saturation_per_au": _DOSE_LAW_NOT_REACHED}
#: outcomes of parameters the screen's read-outs do not see: no effect found, or never built by its scenarios
UNSEEN_PREFIXES = ("no effect", "not reached")


def _outcome_lines(file: str) -> dict[str, str]:
    """Parameter name -> one line, from a screen's outcome file shipped in this package."""
    text = resources.files("hemasim.sensitivity").joinpath(file).read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in json.loads(text).items()}


@cache
def screen_outcome() -> dict[str, str]:
    """Parameter name -> one line on what the screen found (only parameters with provenance Assumed, and the unit
    conventions, screened while they were assumed)."""
    return _outcome_lines("screen_outcome.json")


@cache
def stage4_screen_outcome() -> dict[str, str]:
    """Parameter name -> one line on what stage 4 of the screen found with both the engraftment and the docetaxel fit
    refitted at each design point (written by ``bench/coupled_screen.py --docetaxel``; the parameters it screened)."""
    return _outcome_lines("stage4_screen_outcome.json")


@cache
def stage5_screen_outcome() -> dict[str, str]:
    """Parameter name -> one line on what stage 5 of the screen found with both fits refitted over the ranges the
    calibration fits' profiles allow (written by ``bench/coupled_screen.py --stage5``; the parameters it screened)."""
    return _outcome_lines("stage5_screen_outcome.json")


@cache
def reach_screen_outcome() -> dict[str, str]:
    """Parameter name -> one line on what the targeted screen of the validation read-outs found for a parameter the
    Morris screen saw no effect of (its scenarios do not exercise it): one at a time, on the validation groups
    whose evaluation reads its value (written by ``bench/reach_screen.py --package``; docs/sensitivity.md)."""
    return _outcome_lines("reach_screen_outcome.json")


@cache
def cited_range_screen_outcome() -> dict[str, str]:
    """Parameter name -> one line on what the targeted screen of the validation read-outs found for a cited parameter
    varied over its cited plausible range (a sourced value, so no assumed mover; written by ``bench/reach_screen.py
    --package`` from the runs its ``CITED_RANGE_SCREENS`` name; docs/sensitivity.md)."""
    return _outcome_lines("cited_range_screen_outcome.json")


@cache
def coupled_screen_outcome() -> dict[str, str]:
    """Parameter name -> one line on what stage 3 of the screen found with the engraftment fit refitted at each
    design point (written by bench/coupled_screen.py; only the parameters it screened)."""
    return _outcome_lines("coupled_screen_outcome.json")


def regimen_screen() -> dict[str, Any]:
    """The regimen screen's results (``hemasim/sensitivity/regimen_screen.json``: method, threshold, the one-at-a-time
    and Morris changes of each fraction; regenerated by ``PYTHONPATH=src python bench/regimen_screen.py``)."""
    text = resources.files("hemasim.sensitivity").joinpath("regimen_screen.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
