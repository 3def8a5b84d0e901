"""Review37b and mend37a's review: the administration table's G-CSF rows numbered by the run's cycle, per-cycle
shares of the patients given the cycle, per-cycle days below flagged where the run's end cut them short, the platelet
"no nadir within the cycle" wording, the 50%-of-normal definitions independent of the partition, and the undecided
rows hidden where none is undecided."""

from __future__ import annotations

import re

import pytest

from hemasim.scenario import parse_scenario

from .test_cohortrep36 import TOY, _doc

PEG = {"kind": "gcsf", "drug_set": "pegfilgrastim_melhem2017", "dose_mg": 6, "route": "subcutaneous",
       "schedule": {"start_day": 0, "every_days": 21, "cycles": 4}}


@pytest.mark.integration
def test_a_gcsf_dose_in_a_several_block_table_is_numbered_by_the_runs_cycle_it_falls_in():
    from hemasim.assembly import run_scenario
    from hemasim.interventions.dosed import SEVERAL_BLOCKS_HEADER, _drug_section

    # docetaxel 100 q21 x2 from day 2 (cycles 1-2), 75 q21 x2 from day 44 (cycles 3-4); pegfilgrastim on days 0, 21,
    # 42, 63: before cycle 1, in cycles 1, 2 and 3 (its own count read 1-4 beside the run's cycles; review37b)
    data = {**TOY, "duration_days": 84, "interventions": [_doc(100, 2, 2), _doc(75, 44, 2), PEG]}
    section = _drug_section(run_scenario(parse_scenario(data, "peg_blocks.yaml")))
    assert section is not None
    rows = re.findall(r"<tr><td>([\d.]+)</td><td>(\w+)</td><td>([^<]*)</td>", section)
    peg = {float(day): cell for day, drug, cell in rows if drug == "pegfilgrastim"}
    assert peg == {0.0: "before cycle 1 (pegfilgrastim dose 1 of 4)", 21.0: "1 (pegfilgrastim dose 2 of 4)",
                   42.0: "2 (pegfilgrastim dose 3 of 4)", 63.0: "3 (pegfilgrastim dose 4 of 4)"}
    docetaxel = {float(day): cell for day, drug, cell in rows if drug == "docetaxel"}
    assert docetaxel[44.0] == "3 (block 2, docetaxel: its cycle 1 of 2)"
    # the header says what both numbers are, and keeps a days list's wording
    assert f"<th>{SEVERAL_BLOCKS_HEADER}</th>" in section.replace("&#x27;", "'")
    assert "G-CSF" in SEVERAL_BLOCKS_HEADER and "dose n of N of a days list" in SEVERAL_BLOCKS_HEADER
