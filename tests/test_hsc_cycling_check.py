"""bench/hsc_cycling_check.py: the HSC pool's cycling after an allogeneic graft, read against Blood 2002;99:2387
one at a time over hsc_max_division_fold's sourced range (docs/sensitivity_screen.md, "Sources for the remaining
movers")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._scripts import load_script

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.integration
def test_hsc_cycling_after_a_graft_stays_under_the_fold_and_the_report_is_current():
    script = load_script(ROOT / "bench" / "hsc_cycling_check.py")
    report = (ROOT / "docs" / "sensitivity_screen.md").read_text(encoding="utf-8")
    for fold in (script.FOLDS[0], script.FOLDS[-1]):
        row = script.ratios(fold)
        # the graft leaves the niche part empty: HSCs cycle faster than at rest, never faster than the fold allows,
        # and slow down as the pool refills
        assert 1.0 < row["months 2-6"] <= fold
        assert 1.0 < row["month 12"] < row["months 2-6"]
        assert row["pool at 4 months"] < row["pool at 12 months"] <= 1.0
        assert (f"| {fold:g} | {row['months 2-6']:.2f} | {row['month 12']:.2f} | {row['pool at 4 months']:.2f} "
                f"| {row['pool at 12 months']:.2f} |") in report  # stale: rerun the script, paste its table
