"""The outcome of the Morris screen of the assumed parameters (written by bench/sensitivity_screen.py; shown in
docs/parameters.md and docs/sensitivity_screen.md)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

__all__ = ["screen_outcome"]


@cache
def screen_outcome() -> dict[str, str]:
    """Parameter name -> one line on what the screen found (only parameters with provenance Assumed)."""
    text = resources.files("hemasim.sensitivity").joinpath("screen_outcome.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return {str(k): str(v) for k, v in data.items()}
