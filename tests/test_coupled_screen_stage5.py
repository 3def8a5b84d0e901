"""Stage 5 of the screen (bench/coupled_screen.py --stage5, docs/sensitivity.md "Stage 5"): its ranges are the rule's
- each parameter's stage-4 range cut by the 95% profile intervals of the calibration fits that profiled it - computed
from the recorded profiles, which reproduce the intervals their records state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hemasim.parameters import healthy_adult_parameters
from hemasim.sensitivity.calibrated_ranges import PROFILES, RecordedProfile, profile_interval, screened_range
from tests._scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
RATIO, MPP = "progenitor_baseline_self_renewal_ratio", "mpp_residence_days"


def _profile(parameter: str, fit: str) -> RecordedProfile:
    return next(p for p in PROFILES if p.parameter == parameter and fit in p.fit)


def test_the_taxane_profiles_are_the_json_the_profile_module_wrote():
    saved = json.loads((ROOT / "docs" / "images" / "progenitor_kinetics_profile.json").read_text(encoding="utf-8"))
    for key, name in (("ratio_profile", RATIO), ("mpp_profile", MPP)):
        recorded = _profile(name, "taxane").points
        assert recorded == tuple((p["healthy_values"][name], p["objective"]) for p in saved[key])


def test_the_recorded_points_give_the_intervals_their_records_state():
    # docs/joint_fit.md, section 3: fit A [0.38, 0.76] and [13.5, open] (their wall points kept), fit C (open below
    # 0.22, about 0.66]; docs/chemotherapy_full_model.md (rerun): r bounded above between 0.6 and 0.7, open below 0.3
    with_walls = {name: RecordedProfile(p.fit, p.parameter, p.recorded, p.points)
                  for name, p in (("ratio A", _profile(RATIO, "fit A")), ("mpp A", _profile(MPP, "fit A")))}
    low, high = profile_interval(with_walls["ratio A"])
    assert low == pytest.approx(0.38, abs=0.005) and high == pytest.approx(0.76, abs=0.01)
    low, high = profile_interval(with_walls["mpp A"])
    assert low == pytest.approx(13.5, abs=0.1) and high is None
    low, high = profile_interval(_profile(RATIO, "fit C"))
    assert low is None and high == pytest.approx(0.66, abs=0.005)
    low, high = profile_interval(_profile(RATIO, "taxane"))
    assert low is None and 0.6 < high < 0.7
    # a wall point (a datum scored as lost by the replaced read-out) is left out: that end opens (ratio) or moves
    # to the next point beyond it (MPP residence, still above the shipped 10 d)
    assert profile_interval(_profile(RATIO, "fit A"))[0] is None
    assert 10.0 < profile_interval(_profile(MPP, "fit A"))[0] < 13.5


def test_the_rule_cuts_keeps_open_sides_and_leaves_a_rejected_value_uncut():
    def flat(name: str, points: tuple[tuple[float, float], ...]) -> RecordedProfile:
        return RecordedProfile("a fit", name, "here", points)

    rising = (flat("x", ((1.0, 10.0), (2.0, 10.5), (3.0, 20.0))),)  # open below, crosses 11.92 between 2 and 3
    cut = screened_range("x", (0.5, 4.0), 1.5, rising)
    assert cut.low == 0.5 and 2.0 < cut.high < 3.0 and not cut.rejected_by
    assert screened_range("x", (0.5, 4.0), 1.5, (flat("x", ((1.0, 10.0), (3.0, 10.1))),)).high == 4.0  # open
    assert screened_range("y", (0.5, 4.0), 1.5, rising) == screened_range("y", (0.5, 4.0), 1.5, ())  # not its
    rejected = screened_range("x", (0.5, 4.0), 3.5, rising)  # the value lies above the interval
    assert (rejected.low, rejected.high) == (0.5, 4.0) and rejected.rejected_by == ("a fit",)


def test_the_stage_5_ranges_are_the_rule_applied_to_the_recorded_intervals():
    script = load_script(ROOT / "bench" / "coupled_screen.py")
    table = healthy_adult_parameters()
    ranges, words, _ = script.stage5_ranges()
    # the progenitor ratio: x0.5-x2 clipped to its bound 0.95, cut above by the lowest of three upper ends
    uppers = [profile_interval(p)[1] for p in PROFILES if p.parameter == RATIO]
    assert (ranges[RATIO].low, ranges[RATIO].high) == (0.25, min(u for u in uppers if u is not None))
    assert ranges[RATIO].high == pytest.approx(0.658, abs=0.001)
    # the MPP residence: both profiles put the shipped 10 d outside their intervals, so its range is stage 4's
    assert MPP not in ranges and "uncut" in words[MPP]
    assert screened_range(MPP, (5.0, 20.0), table.value(MPP)).rejected_by == tuple(
        p.fit for p in PROFILES if p.parameter == MPP)
    # the three no profile reaches keep stage 4's ranges (the sourced one of the HSC division fold among them)
    stage4 = {**{n: (0.5 * table.value(n), min(2 * table.value(n), table[n].bounds[1])) for n in script.FACTORS},
              **{n: (r.low, r.high) for n, r in script.screen.sourced_ranges(script.FACTORS).items()}}
    for name in ("st_hspc_max_proliferation_fold", "hsc_max_division_fold", "st_hspc_baseline_self_renewal_ratio"):
        if name in ranges:  # a sourced range: stage 4's, passed on as it is
            assert (ranges[name].low, ranges[name].high) == stage4[name]
        assert words[name].startswith(f"{stage4[name][0]:g}-{stage4[name][1]:g} (stage 4's range; no calibration")


def test_the_stage_5_outcome_is_shipped_and_shown_with_its_range():
    from hemasim.sensitivity.screen import stage5_screen_outcome

    script = load_script(ROOT / "bench" / "coupled_screen.py")
    outcome = stage5_screen_outcome()
    assert set(outcome) == set(script.FACTORS)  # stale: run `bench/coupled_screen.py --stage5`
    _, words, rows = script.stage5_ranges()
    report = (ROOT / "docs" / "sensitivity_screen.md").read_text(encoding="utf-8")
    stage5 = report[report.index(script.STAGE5_HEADING):]
    parameters = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    for name, text in outcome.items():
        assert text in stage5 and f"(stage 5): {text}" in parameters
        assert text.endswith(f"over {words[name]}")  # the range it was screened over, as the rule gives it now
    assert all(row in stage5 for row in rows)


def _script_and_page(tmp_path: Path):
    """bench/coupled_screen.py and a fresh page holding only its title."""
    page = tmp_path / "page.md"
    page.write_text("# Screen\n", encoding="utf-8")
    return load_script(ROOT / "bench" / "coupled_screen.py"), page


def test_stage_4_written_again_keeps_stage_5(tmp_path: Path):
    script, page = _script_and_page(tmp_path)
    four, five = script.STAGE4_HEADING, script.STAGE5_HEADING
    script.write_section(page, four, [four, "", "4"])
    script.write_section(page, five, [five, "", "5"])
    script.write_section(page, four, [four, "", "new 4"], five)  # as stage4() writes it
    assert page.read_text(encoding="utf-8") == f"# Screen\n\n{four}\n\nnew 4\n\n{five}\n\n5\n"


def test_stage_5_written_again_keeps_the_sources_section(tmp_path: Path):
    script, page = _script_and_page(tmp_path)
    five, sources = script.STAGE5_HEADING, script.SOURCES_HEADING
    script.write_section(page, five, [five, "", "5"])
    page.write_text(page.read_text(encoding="utf-8") + f"\n{sources}\n\nsearched\n", encoding="utf-8")
    script.write_section(page, five, [five, "", "new 5"], sources)  # as stage5_report() writes it
    assert page.read_text(encoding="utf-8") == f"# Screen\n\n{five}\n\nnew 5\n\n{sources}\n\nsearched\n"
