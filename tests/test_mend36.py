"""The thirty-first session's leftovers (branch mend36): a reader that closed stdout before a command's output was
complete exits 141 (a shell's SIGPIPE status), never a failure's own code; a closed stderr never stops a command
(progress lines are diagnostics)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .conftest import EXAMPLES
from .test_mend35f import _hemasim


def test_check_strict_into_a_closed_reader_keeps_its_verdict(tmp_path: Path):
    # a verdict known before the line was printed (--strict with a warning: 1) is the exit, not 141; validate's
    # failed target likewise (tests/test_mend35f.py)
    spec = yaml.safe_load((EXAMPLES / "blood_donation.yaml").read_text(encoding="utf-8"))
    spec["patient"]["weight_kg"] = 250  # implausible: a warning
    scenario = tmp_path / "heavy.yaml"
    scenario.write_text(yaml.safe_dump(spec), encoding="utf-8")
    assert _hemasim(["check", str(scenario), "--strict"], buffered=False).returncode == 1
    assert _hemasim(["check", str(scenario)], buffered=False).returncode == 141


def test_a_cohort_whose_stderr_reader_closed_runs_to_the_end(tmp_path: Path):
    # `hemasim cohort ... 2>&1 | head`: the first progress line met the closed pipe and ended the run with exit 1
    spec = yaml.safe_load((EXAMPLES / "cohort_marrow_depletion.yaml").read_text(encoding="utf-8"))
    spec["duration_days"] = 20
    scenario = tmp_path / "cohort.yaml"
    scenario.write_text(yaml.safe_dump(spec), encoding="utf-8")
    out = tmp_path / "out"
    res = _hemasim(["cohort", str(scenario), "--n", "3", "--partition-size", "1", "--no-report", "--out", str(out)],
                   closed="stderr", timeout=900)
    assert res.returncode == 0, res.stdout.decode()[-2000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["n_patients"] == 3
    assert len(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["partitions"]) == 3
