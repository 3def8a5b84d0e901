"""For the record, after the effect-site fit's decision (docs/chemotherapy_full_model.md, "The kill's effect site";
not adopted): what an effect site would do to the TC/TAC-with-pegfilgrastim course of the diagnosis
(docs/pegfilgrastim_nadir_diagnosis.py) if every chemotherapy kill had one at the shipped slopes - diagnostic copies of
the sets (unfitted, as the diagnosis's `stretched_set`), the typical woman, pegfilgrastim 6 mg on run day 1. Read
only after the decision; F2-F4 were not blind to this mechanism before it (the diagnosis proposed it). Nothing here
is fitted, chosen or changed.

Run: PYTHONPATH=src python docs/kill_effect_site_record.py (about 10 s; writes docs/images/kill_effect_site_record.json).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import pegfilgrastim_nadir_diagnosis as diag  # noqa: E402

from hemasim.pharmacology import load_drug_set  # noqa: E402
from hemasim.pharmacology.drug_sets import DrugSet, with_kill_effect_site  # noqa: E402

OUT = Path(__file__).parent / "images" / "kill_effect_site_record.json"
#: Melhem 2017's chemotherapy signal (9.6 h), a day, and the two days the diagnosis's "kill stretched x4" roughly spans
HALF_LIVES_DAYS = (0.4, 1.0, 2.0)


def with_effect_site(name: str, half_life_days: float) -> DrugSet:
    """A diagnostic copy of a chemotherapy set whose full-model kill reads an effect site of ``half_life_days``."""
    return with_kill_effect_site(load_drug_set(name), math.log(2.0) / half_life_days, "diagnostic copy")


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    original = diag.load_drug_set
    try:
        for label, chemo in (("TAC", diag.TAC), ("TC", diag.TC)):
            for h in (0.0, *HALF_LIVES_DAYS):
                diag.load_drug_set = original if h == 0.0 else (  # type: ignore[assignment]
                    lambda n, h=h: with_effect_site(n, h) if n in diag.CHEMO_SETS else original(n))
                key = f"{label}, effect half-life {h} d" if h else f"{label}, no effect site (shipped)"
                out[key] = {"no pegfilgrastim": diag.episode(*diag.run(chemo, peg_mg=0.0)[:2]),
                            "pegfilgrastim 6 mg day 1": diag.episode(*diag.run(chemo)[:2])}
                print(key, json.dumps(out[key]), flush=True)
    finally:
        diag.load_drug_set = original  # type: ignore[assignment]
    OUT.write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
