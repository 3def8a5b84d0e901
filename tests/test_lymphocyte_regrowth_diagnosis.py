"""Lymphocyte regrowth after a depletion in adults, diagnosed (docs/lymphocyte_regrowth_diagnosis.py;
docs/lymphocyte_regrowth.md): the facts the page rests on. If a model change breaks them, the page must be revised
with it. The prediction targets' read-outs are read here as the diagnosis reads them, not judged."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests._scripts import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "lymphocyte_regrowth_diagnosis.py"
MEMORY_OFF = {"cd4_memory_lymphopenia_max_fold": 1.0, "cd8_memory_lymphopenia_max_fold": 1.0}


@pytest.fixture(scope="module")
def diag() -> ModuleType:
    return load_script(SCRIPT)


def _rows(diag: ModuleType, case_title: str) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    case = diag.CASES[case_title]
    result = diag.run(case)
    columns = ("before", "just after", "at read-out", "made", "resting division", "extra division", "conversion in",
               "lost")
    balance = diag.balance(result, diag.at_rest(case), case)
    rows = {r[0]: dict(zip(columns, map(float, r[1:]), strict=True)) for r in balance}
    return rows, case.readouts(result)


@pytest.mark.slow
def test_memory_cd4_lymphopenic_division_carries_the_cd4_regrowth_after_chemotherapy(diag: ModuleType) -> None:
    title = "dose-intense chemotherapy (L3)"
    rows, shipped = _rows(diag, title)
    for pool in ("CM CD4", "EM CD4"):
        r = rows[pool]
        net = r["at read-out"] - r["just after"]
        # the memory pools grow, and by less than the lymphopenic extra division: without it they would not grow
        assert 0 < net < r["extra division"]
        assert r["made"] == 0
    # naive CD4 barely come back (a thymus of 51)
    assert rows["naive CD4"]["at read-out"] < 0.6 * rows["naive CD4"]["before"]
    off = diag.CASES[title].readouts(diag.run(diag.CASES[title], {"cd4_memory_lymphopenia_max_fold": 1.0}))
    key = "L3 CD4 month 12 / before [0, 0.5]"
    assert shipped[key] > 0.6 and off[key] < 0.5


@pytest.mark.slow
def test_after_alemtuzumab_b_cells_come_from_the_marrow_and_the_total_from_memory_t_cells(diag: ModuleType) -> None:
    title = "alemtuzumab (P7, P8, Y4)"
    case = diag.CASES[title]
    rows, shipped = _rows(diag, title)
    assert rows["B"]["extra division"] == 0 and rows["B"]["made"] > 3 * rows["B"]["before"]
    off = case.readouts(diag.run(case, MEMORY_OFF))
    # B-cell read-outs do not move without the memory terms; the total is not reached within the run without them
    for key in ("P7 months to B 100/uL [5.3, 9.5]", "Y4 B month 12 / before [1.01, -]"):
        assert off[key] == pytest.approx(shipped[key], rel=1e-6)
    total = "P8 months to lymphocytes 1e9/L [8.8, 18.2]"
    assert shipped[total] < 5 and off[total] > 30
    # the bound on the antibody's stay (a kill held 30 days) leaves far fewer CD4 cells at month 1 than the label's 40
    held = case.readouts(diag.run(case, antibody_days=30.0))
    assert held["label: CD4/uL month 1 (mean 40)"] < 1 and held["P7 months to B 100/uL [5.3, 9.5]"] < 3


#: T4's statuses with values moved, in a fresh process (the validation read-outs keep their runs for the process, as
#: docs/validation_challenges.py's ``_measured_apart`` does for a whole group): T4 alone, judged as `hemasim validate`
#: judges it (``hemasim.validation._target``), not the rest of its group (T1-T13's runs: ~0.8 s CPU a process, the
#: suite's twenty-eighth session, docs/performance.md)
T4_STATUSES = """
import json, sys
sys.path.insert(0, sys.argv[1])
from validation_challenges import overridden
from hemasim.validation import _target, load_targets
from hemasim.validation.base import ValidationRuns
group = next(g for g, targets in load_targets().items() if any(t["id"] == "T4" for t in targets))
t4 = next(t for t in load_targets()[group] if t["id"] == "T4")
with overridden(json.loads(sys.argv[2])):
    print(json.dumps({c.readout: c.status for c in _target(group, t4, ValidationRuns()).checks}))
"""


@pytest.mark.slow
def test_each_memory_fold_is_needed_by_a_calibration_target() -> None:
    import json
    import subprocess
    import sys

    def status(values: dict[str, float], readout: str) -> str:
        done = subprocess.run([sys.executable, "-c", T4_STATUSES, str(SCRIPT.parent), json.dumps(values)],
                              check=True, capture_output=True, text=True)
        statuses: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
        return statuses[readout]  # both read-outs are T4's: T3's run would cost a process

    assert status({"cd4_memory_lymphopenia_max_fold": 1.0}, "tcd_child_cd4_cd8_inverted_until_months") == "fail"
    assert status({"cd8_memory_lymphopenia_max_fold": 1.0}, "tcd_child_cd8_50pct_normal_months") == "fail"
