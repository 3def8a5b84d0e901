"""An oncology pharmacometrician's first hour (ux33c): the numbers docs/drugs.md quotes for one docetaxel cycle, a
user's regimen file checked by `hemasim drugs` as a scenario reads it, and a drug set given under the wrong kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from .conftest import ROOT


def _cycle_table() -> dict[str, tuple[str, str]]:
    """docs/drugs.md's table of one docetaxel cycle: read-out -> (Friberg chain, full model) as written."""
    text = (ROOT / "docs" / "drugs.md").read_text(encoding="utf-8")
    section = text.split("## Validation (C1-C6)", 1)[1].split("\n\n(", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"[0-9.]+", cells[1]):
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def _agrees(written: str, value: float) -> bool:
    """``written`` is ``value`` rounded to the digits it shows."""
    decimals = len(written.split(".")[1]) if "." in written else 0
    return abs(float(written) - value) <= 0.5 * 10.0 ** -decimals + 1e-12


def test_the_docetaxel_cycle_table_of_drugs_md_gives_the_runs_numbers():
    """The table read the full model's day-21 ANC as 3.7e9/L where the run (and the validation card's C5 info line)
    gives 4.9, its nadir 0.42 on day 9.25 where the run gives 0.44 on day 9.42 (ux33c): the table is held to the same
    one-cycle runs that `hemasim validate` reads for C4/C5."""
    from hemasim.validation.chemotherapy import _cycle_readouts

    rows = _cycle_table()
    names = {"day of ANC nadir": "anc_nadir_day", "days with ANC < 0.5": "days_anc_below_0p5",
             "ANC nadir (1e9/L)": "anc_nadir", "ANC on day 21 (1e9/L)": "anc_day21"}
    assert set(rows) == set(names), rows
    for kind, column in (("friberg", 0), ("full_model", 1)):
        readouts = _cycle_readouts(kind)
        for row, name in names.items():
            value = readouts[f"{kind}_docetaxel_{name}"].measure()  # type: ignore[attr-defined]
            assert _agrees(rows[row][column], value), (kind, row, rows[row][column], value)
