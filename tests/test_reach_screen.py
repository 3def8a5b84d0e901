"""The targeted screen of the validation read-outs for the assumed parameters the Morris screen saw no effect of
(bench/screen_reach.py, bench/reach_screen.py; docs/sensitivity.md, "The assumed parameters the Morris screen cannot
see") stays in step with the Morris screen, with the groups that read each value, and with docs/parameters.md."""

from __future__ import annotations

import json
import math
from pathlib import Path

from hemasim.parameters.table import parameter_table_markdown
from hemasim.sensitivity.screen import reach_screen_outcome, screen_outcome
from hemasim.validation import load_targets
from tests._scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def _results() -> dict:
    return json.loads((RESULTS / "reach_screen.json").read_text(encoding="utf-8"))


def _reach() -> dict:
    return json.loads((RESULTS / "screen_reach.json").read_text(encoding="utf-8"))


def test_every_parameter_the_morris_screen_saw_no_effect_of_has_a_validation_outcome():
    unseen = {n for n, text in screen_outcome().items() if text.startswith(("no effect", "not reached"))}
    assert set(reach_screen_outcome()) == unseen
    assert set(_results()["parameters"]) <= unseen


def test_the_reach_covers_every_validation_group_and_the_screen_used_its_groups():
    reach = _reach()
    assert set(reach) == set(load_targets())
    for name, row in _results()["parameters"].items():
        assert row["groups"] == [g for g in reach if name in reach[g]["read"]], name
        assert (row["outcome"] == "not read") == (not row["groups"]), name


def test_the_shipped_cells_are_the_bench_results_in_words():
    script = load_script(ROOT / "bench" / "reach_screen.py")
    results, reach, shipped = _results(), _reach(), reach_screen_outcome()
    classes = {t["id"]: t["class"] for ts in load_targets().values() for t in ts}
    refits = script.refit_rows()
    for name, text in shipped.items():
        assert text == script.cell_text(name, results, reach, refits, classes), name
        if text == script.OFF_AT_ZERO:  # an opt-in law off at 0: not screened (the test below)
            continue
        row = results["parameters"].get(name)
        assert text.startswith(script.outcome_text(row) if row is not None
                               else script.not_screened([g for g in reach if name in reach[g]["read"]])), name


def test_an_opt_in_law_off_at_0_is_left_out_of_the_targeted_screen_and_its_cell_says_so():
    """Review37c: a default run took up the dose law's saturation (an "unseen" parameter whose cell read "not run
    yet"), whose value is 0 with no sourced range; x0.5 and x2 of 0 are 0, so it would have written "does not move any
    by more than 10%" of a parameter never varied. The selection leaves such a one out, named or not (as `hemasim sweep
    --all-assumed` does), screens it once it is on, and screens a 0 with a sourced range over that range."""
    from hemasim.parameters import healthy_adult_parameters

    script = load_script(ROOT / "bench" / "reach_screen.py")
    table, name = healthy_adult_parameters(), "vaccine_recruitment_saturation_per_au"
    unseen = script.unseen_parameters()
    screened, left_out = script.to_screen(unseen, table)
    assert left_out == [name]
    assert screened == [n for n in unseen if n != name]
    # 0 with a sourced range (its screen runs over the range, not over multiples of 0): screened
    zero_sourced = [n for n in screened if table.value(n) == 0.0]
    assert "memory_b_maturation_days" in zero_sourced
    assert all(table[n].plausible_range is not None for n in zero_sourced)
    assert script.to_screen(["vaccine_memory_fraction", name], table) == (["vaccine_memory_fraction"], [name])
    assert script.to_screen([name], table.with_values(**{name: 1.0})) == ([name], [])  # the law on: screened
    # its cell: the fixed one, not "not run yet" (which a default run would then fill) nor a screen's outcome
    assert reach_screen_outcome()[name] == script.OFF_AT_ZERO == script.cell_text(name, _results(), _reach(), {}, {})
    assert name not in _results()["parameters"]


def test_a_moved_readout_is_over_the_threshold_and_the_outcome_says_so():
    results = _results()
    for name, row in results["parameters"].items():
        if row["outcome"] == "not read":
            continue
        moved = row["moved_over_10pct"]
        assert all(v > results["threshold"] for v in moved.values()), name
        assert (row["outcome"] == "moves") == bool(moved), name
        assert all(row["largest"]["change"] >= v - 1e-4 for v in moved.values()), name  # moved: rounded to 4 places


def test_no_parameter_row_says_no_effect_where_a_validation_readout_moves():
    rows = {line.split("`")[1]: line for line in parameter_table_markdown().splitlines()
            if line.startswith("| <a id=")}
    for name, text in reach_screen_outcome().items():
        cell = rows[name].rsplit(" | ", 1)[1]
        assert text.replace("|", "/") in cell, name
        assert "no effect on any screened read-out" not in cell, name
        if ": moves " in text:
            assert "but the targeted screen" in cell, name


def test_a_group_added_later_is_joined_to_the_row_without_losing_the_earlier_readouts():
    script = load_script(ROOT / "bench" / "reach_screen.py")
    classes = {"A1": "calibration", "Z9": "prediction"}
    done = {"groups": ["g1"], "outcome": "does not move", "varied_to": ["x0.5", "x2"], "range": "x0.5-x2",
            "readouts": 2, "largest": {"readout": "A1:r", "change": 0.05}, "moved_over_10pct": {},
            "moved_classes": {}, "refitted": {}, "seconds": 3.0}
    screened = {"changes": {"Z9:r": 0.2, "Z9:s": 0.01}, "refitted": {}, "sourced": False, "varied_to": ["x0.5", "x2"]}
    row = script._joined(done, screened, ["g1", "g2"], classes)
    assert row["groups"] == ["g1", "g2"] and row["outcome"] == "moves" and row["readouts"] == 4
    assert row["moved_over_10pct"] == {"Z9:r": 0.2} and row["moved_classes"] == {"Z9:r": "prediction"}
    assert row["largest"] == {"readout": "Z9:r", "change": 0.2}
    quiet = {"changes": {"Z9:r": 0.02}, "refitted": {}, "sourced": False, "varied_to": ["x0.5", "x2"]}
    row = script._joined(done, quiet, ["g1", "g2"], classes)
    assert row["outcome"] == "does not move" and row["largest"] == done["largest"]


def test_the_reach_and_the_screen_saw_each_group_with_its_present_targets():
    # a target added to an existing group after its trace (C10/C11 in chemotherapy) is neither traced nor screened
    # until both are run again: bench/screen_reach.py --changed, then bench/reach_screen.py
    present = {g: [t["id"] for t in ts] for g, ts in load_targets().items()}
    reach, results = _reach(), _results()
    for g, ids in present.items():
        assert reach[g]["targets"] == ids, g
    assert results["group_targets"] == present
    # and the method it records is the script's as it is now (final read: written once, when the file was made)
    assert results["method"] == load_script(ROOT / "bench" / "reach_screen.py").method_text()
    assert not [n for n, row in results["parameters"].items() if "group_targets" in row]


def test_a_group_whose_targets_changed_is_screened_again_for_its_new_targets_only():
    script = load_script(ROOT / "bench" / "reach_screen.py")
    done = {"groups": ["g1", "g2"], "outcome": "does not move"}
    was, now = {"g1": ["A1"], "g2": ["B1", "B2"]}, {"g1": ["A1"], "g2": ["B1", "B2", "B3"], "g3": ["C1"]}
    groups, stale, old_ids = script._to_screen(done, ["g1", "g2", "g3"], was, now)
    assert groups == ["g3", "g2"] and stale == ["g2"] and old_ids == {"B1", "B2"}
    # a row screened again on g2 by an interrupted run records g2's present targets: not screened a third time
    groups, stale, old_ids = script._to_screen({**done, "group_targets": {"g2": now["g2"]}}, ["g1", "g2"], was, now)
    assert groups == [] and stale == [] and old_ids == set()


def test_a_reach_cell_with_a_what_if_says_morris_screen_once():
    # final read: a reach parameter whose record has Assumed.what_if printed "Morris screen: Morris screen: ..."
    from hemasim.parameters.core import Assumed
    from hemasim.parameters.table import screen_cell

    reach = "targeted screen of the validation read-outs (2 read-outs): moves X1 (pred) 20% by more than 10%"
    found, left = screen_cell("", reach, Assumed("a", "b", what_if="keeps X2 inside its band"), (1.0, 4.0))
    assert found.count("Morris screen:") == 1 and found.startswith("Morris screen: no effect on its read-outs")
    assert "but the targeted screen" in found and found.endswith("a targeted what-if over its bounds [1, 4] keeps X2 "
                                                                  "inside its band")
    assert left == Assumed("a", "b")
    # not a reach parameter: the Morris screen's own outcome, prefixed once
    found, _ = screen_cell("no effect on any screened read-out", None, Assumed("a", "b", what_if="w"), (1.0, 4.0))
    assert found == "Morris screen: no effect on any screened read-out; but a targeted what-if over its bounds [1, 4] w"


def test_a_unit_conventions_screen_duplicates_an_assumed_member_of_its_family_and_its_cell_says_so():
    # x c of a unit convention is the same model as the equivalent change of its family's assumed members
    # (hemasim.parameters.units; tests/test_unit_symmetries.py): its row of the screen repeats one of theirs, and
    # docs/parameters.md says that its movement belongs to them
    from hemasim.parameters import UnitConvention, healthy_adult_parameters
    from hemasim.parameters.units import equivalent_exponents

    table, rows = healthy_adult_parameters(), _results()["parameters"]
    cells = {line.split("`")[1]: line for line in parameter_table_markdown().splitlines() if line.startswith("| <a id=")}
    conventions = [n for n in table if isinstance(table[n].provenance, UnitConvention)]
    assert conventions
    for name in conventions:
        row = rows[name]
        same = [m for m, p in equivalent_exponents(name).items() if abs(p) == 1 and m in rows
                and rows[m]["moved_over_10pct"] == row["moved_over_10pct"]
                and rows[m]["largest"]["readout"] == row["largest"]["readout"]
                and abs(rows[m]["largest"]["change"] - row["largest"]["change"]) < 1e-4]
        assert same, name
        assert "a unit convention: its one-at-a-time screen (x c) is the same model as" in cells[name], name
        assert all(f"`{m}`" in cells[name].rsplit(" | ", 1)[1] for m in equivalent_exponents(name)), name

def _calibration_refits():
    return load_script(ROOT / "bench" / "calibration_refits.py")


def test_the_calibration_movers_were_screened_again_with_their_calibrations_refitted_on_the_same_readouts():
    # branch refit31: every assumed parameter a coupling of bench/calibration_refits.py refits a calibration from has
    # a row of the screen with that calibration refitted, read on the same read-outs as its reach-screen row
    refits, results = load_script(ROOT / "bench" / "reach_screen.py").refit_rows(), _results()
    calib = _calibration_refits()
    held = {n for sources, _ in calib.CALIBRATIONS.values() for n in sources}
    assert held <= set(refits)
    for name, row in refits.items():
        assert calib.calibration_of(name) is not None, name
        assert len(row["changes"]) == results["parameters"][name]["readouts"], name
        moved = {k for k, v in row["changes"].items() if v > results["threshold"]}
        assert set(row["moved_over_10pct"]) == moved, name
        assert math.isclose(row["largest_relative_change"], max(row["changes"].values()), abs_tol=1e-6), name


def test_the_refitted_values_are_inside_their_bounds_and_a_refit_short_of_its_readout_is_listed():
    from hemasim.parameters import healthy_adult_parameters

    table = healthy_adult_parameters()
    refits = load_script(ROOT / "bench" / "reach_screen.py").refit_rows()
    for name, row in refits.items():
        for values in row["refitted"].values():
            for fitted, v in values.items():
                lo, hi = table[fitted].bounds
                assert lo <= v <= hi, (name, fitted, v)
        for missed in row.get("refit_not_restored", []):
            assert missed["held"][name] != table.value(name), name  # listed at a screened end, not at the shipped value


def test_restore_takes_the_root_nearest_the_shipped_value_and_lists_a_readout_it_cannot_reach():
    calib = _calibration_refits()
    name = calib.I1_FITTED  # bounds 0-50, shipped 3
    calib.BOUND_HITS.clear()
    parabola = lambda v: (v[name] - 5.0) ** 2 + 1.0  # noqa: E731 - roots of 10 at 2 and 8
    assert math.isclose(calib.restore(parabola, name, {}, 10.0), 2.0, rel_tol=1e-4)
    assert not calib.BOUND_HITS
    # below its lowest value: the nearest value (5) is taken and listed, with the read-out there
    assert math.isclose(calib.restore(parabola, name, {}, 0.5), 5.0, rel_tol=1e-3)
    assert [(v, round(r, 3), g) for v, r, g in calib.BOUND_HITS.values()][0][1:] == (1.0, 0.5)
    calib.BOUND_HITS.clear()
    # a jump across the goal is a change of sign but no root: not restored (the read-out nearest, 14, listed)
    jump = lambda v: v[name] + (10.0 if v[name] > 4.0 else 0.0)  # noqa: E731
    x = calib.restore(jump, name, {}, 12.0)
    assert math.isclose(x, 4.0, rel_tol=1e-3) and math.isclose(list(calib.BOUND_HITS.values())[0][1], 14.0, rel_tol=1e-3)
    calib.BOUND_HITS.clear()


def test_the_nk_fold_is_assumed_with_t3s_lower_bound_as_its_plausible_range():
    # branch refit31: docs/fit_nk_lymphopenia.py's profile on T3's NK band and CD8/NK order; branch mend31a: a bound
    # from one side (and from an info check) leaves the record assumed, the interval its plausible range, which its
    # reach-screen row is screened over
    from hemasim.parameters import Assumed, healthy_adult_parameters

    fit = load_script(ROOT / "docs" / "fit_nk_lymphopenia.py")
    profile = json.loads((RESULTS / "nk_lymphopenia_profile.json").read_text(encoding="utf-8"))
    record = healthy_adult_parameters()[fit.NAME]
    assert isinstance(record.provenance, Assumed)
    low, high = profile["interval"]
    assert high == record.bounds[1]  # bounded below only: the upper end is the record's bound
    rng = record.plausible_range
    assert rng is not None and math.isclose(rng.low, low, rel_tol=1e-4) and rng.high == high
    assert low <= record.value <= high and "2.4-100" in record.provenance.how
    for fold, nk_day, ratio in profile["scan"]:
        admitted = fit.NK_DAY_BAND[0] <= nk_day <= fit.NK_DAY_BAND[1] and ratio > fit.RATIO_LOW
        assert admitted == (low <= fold <= high), fold
    t3 = next(t for ts in load_targets().values() for t in ts if t["id"] == "T3")
    assert fit.NAME not in t3["calibrates"]
    nk_band = next(c["band"] for c in t3["info_checks"] if c["readout"] == "allo_pbsc_nk_50pct_normal_day")
    ratio_band = next(c["band"] for c in t3["checks"] if c["readout"] == "allo_pbsc_50pct_normal_day_ratio_cd8_to_nk")
    assert list(fit.NK_DAY_BAND) == nk_band and fit.RATIO_LOW == ratio_band[0]
    # in the assumed set's screens again: the Morris row and the reach-screen row, the latter over the interval
    assert screen_outcome()[fit.NAME].startswith("no effect")
    row = _results()["parameters"][fit.NAME]
    assert row["range"] == "sourced plausible range" and row["varied_to"] == [low, high]
    assert row["moved_over_10pct"]["R5:auto_hsct_lymphoma_nk_cells_per_uL_day15"] > 0.1
    assert fit.NAME not in load_script(ROOT / "bench" / "reach_screen.py").refit_rows()


def test_the_targeted_screen_refuses_values_it_would_ignore_or_clip():
    import pytest

    screen = load_script(ROOT / "bench" / "targeted_screen.py")
    name = "nk_lymphopenia_max_fold"  # bounds 1-100
    assert screen.given_values([f"{name}=2.4,100"], [name]) == {name: [(1.0, 2.4), (1.0, 100.0)]}
    with pytest.raises(SystemExit, match="not among the screened parameters"):
        screen.given_values([f"{name}=2.4,100"], ["il7_hill"])
    with pytest.raises(SystemExit, match=r"0\.5 outside nk_lymphopenia_max_fold's bounds \[1, 100\]"):
        screen.given_values([f"{name}=0.5,100"], [name])
    with pytest.raises(SystemExit, match="give two numbers"):
        screen.given_values([f"{name}=3"], [name])


def test_a_unit_family_without_a_convention_has_no_convention_screen():
    import pytest

    from hemasim.parameters import UnitConvention
    from hemasim.parameters.table import unit_convention_screen

    with pytest.raises(ValueError, match="'antigen' has no convention member"):
        unit_convention_screen(UnitConvention("antigen", "a dose"))


def test_a_cited_parameter_screened_over_its_cited_range_shows_that_screen_in_its_cell():
    # branch mend32: plasmablast_lifetime_days is cited (White 2014's 2-10-day half-lives) at its range's lower edge;
    # its screen over the whole range (bench/targeted_screen.py --sourced-range) stays in its screen cell
    from hemasim.parameters import Cited, healthy_adult_parameters
    from hemasim.sensitivity.screen import cited_range_screen_outcome

    script = load_script(ROOT / "bench" / "reach_screen.py")
    table, reach, shipped = healthy_adult_parameters(), _reach(), cited_range_screen_outcome()
    classes = {t["id"]: t["class"] for ts in load_targets().values() for t in ts}
    cells = {line.split("`")[1]: line for line in parameter_table_markdown().splitlines() if line.startswith("| <a id=")}
    assert set(shipped) == set(script.CITED_RANGE_SCREENS)
    for name, text in shipped.items():
        record, row = table[name], script.cited_range_row(name)
        assert isinstance(record.provenance, Cited) and record.plausible_range is not None, name
        assert all(math.isclose(v, e) for v, e in zip(row["varied_to"], (record.plausible_range.low,
                                                                         record.plausible_range.high), strict=True))
        assert set(row["moved_over_10pct"]) == {k for k, v in row["changes"].items() if v > _results()["threshold"]}
        groups = [g for g in reach if name in reach[g]["read"]]
        assert text == script.cited_range_text(name, row, groups, classes), name
        assert text.replace("|", "/") in cells[name].rsplit(" | ", 1)[1], name


def test_the_screens_set_a_count_of_stages_to_whole_numbers():
    """The builder refuses a stage count that is not whole (BuildContext.p_count), so the screens round x0.5 of
    gcsf_mobilisation_delay_stages (3 -> 1.5) down to 1, the stage count its stored rows were run with (the build's
    int() made it 1 then); a parameter that is no count is set as before, and a count the builder does not list is
    refused by name."""
    from hemasim.biology.builder import COUNT_PARAMETERS, BuildContext

    ts = load_script(ROOT / "bench" / "targeted_screen.py")
    assert "gcsf_mobilisation_delay_stages" in COUNT_PARAMETERS
    assert ts.whole_if_count("gcsf_mobilisation_delay_stages", 1.5) == 1.0
    assert ts.whole_if_count("gcsf_mobilisation_delay_stages", 6.0) == 6.0
    assert ts.whole_if_count("platelet_lifespan_days", 4.95) == 4.95
    ctx = BuildContext.__new__(BuildContext)  # p_count checks the name before it reads any value
    try:
        ctx.p_count("platelet_lifespan_days")
    except KeyError as err:
        assert "COUNT_PARAMETERS" in str(err)
    else:
        raise AssertionError("an unlisted count was read")
