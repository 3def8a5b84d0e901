"""The targeted screen of the parameters the Morris screen saw no effect of, on the validation groups that read them
(issue 17, branch screen30).

    PYTHONPATH=src python bench/reach_screen.py [PARAMETER ...] [--json bench/results/reach_screen.json]
    PYTHONPATH=src python bench/reach_screen.py --package    # the screen cells docs/parameters.md shows, and a table

``--package`` writes each screened parameter's outcome in words to hemasim/sensitivity/reach_screen_outcome.json
(the parameter table, ``python -m hemasim.parameters.table``, puts it in the parameter's screen cell) and prints the
Markdown table of docs/sensitivity.md's section "The assumed parameters the Morris screen cannot see"; and the
outcome of the cited parameters screened over their cited range (``CITED_RANGE_SCREENS``) to
hemasim/sensitivity/cited_range_screen_outcome.json, their screen cells.

An opt-in law off at its shipped 0 with no sourced plausible range (``off_at_zero``: the dose law's
``vaccine_recruitment_saturation_per_au``, branch humdose37) is left out, named or not: x0.5 and x2 of 0 are 0, so a
screen of it would vary nothing and write "does not move" (``hemasim sensitivity --all-assumed`` leaves it out too);
its cell is the fixed ``OFF_AT_ZERO``.

For each assumed parameter whose Morris screen outcome (hemasim/sensitivity/screen_outcome.json) is "no effect on
any screened read-out" (or only those named): the validation groups whose evaluation reads its value
(bench/results/screen_reach.json, written by bench/screen_reach.py); none - it cannot move a validation read-out;
otherwise the targeted screen of bench/targeted_screen.py on those groups only: one factor at a time, at x0.5 and x2
its value (clipped to its bounds) or, where its record has a sourced plausible range, at that range's two ends, the
fitted parameters whose fit held it refitted, every read-out of those groups against the shipped values (the base
run once per set of groups). A read-out *moves* when it changes by more than 10% at either end (for a read-out 0 at
the shipped values: by more than 0.1 in its own unit, as the targeted screen counts it). Sensitivity analysis, not a
fit: no value changes, and the read-outs screened include prediction targets' (these must not steer any later
choice of the values). Resumable: parameters already in the output file are skipped, except on the groups
added to the reach file since they were screened, and on the groups whose targets changed since (``group_targets``
records each group's target ids as screened; a changed group must be traced again first, bench/screen_reach.py
--changed): those groups alone are screened and joined to the row, a changed group's read-outs only for its
targets not screened before (theirs stand: the row keeps no per-group split of its read-outs).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from targeted_screen import _values_in_child, add_changes, refitted_at, screen_ends  # noqa: E402

THRESHOLD = 0.10


def unseen_parameters() -> list[str]:
    from hemasim.sensitivity.screen import UNSEEN_PREFIXES, screen_outcome

    return sorted(n for n, text in screen_outcome().items() if text.startswith(UNSEEN_PREFIXES))


#: the screen cell of an opt-in law off at its shipped 0 (``off_at_zero``): not screened, there being nothing to vary
OFF_AT_ZERO = ("targeted screen of the validation read-outs: not run, an opt-in law off at 0 (its shipped value; x0.5 "
               "and x2 of 0 are 0 and no sourced range gives other ends, so a screen would vary nothing and find no "
               "move; bench/reach_screen.py leaves it out, as `hemasim sensitivity --all-assumed` does)")


def off_at_zero(name: str, table) -> bool:
    """Whether ``name`` is an opt-in law off at its value 0 in ``table`` (a ParameterSet) with no sourced plausible
    range: the screen's ends (x0.5, x2 of its value) would both be 0, the value it has."""
    return table.value(name) == 0.0 and table[name].plausible_range is None


def to_screen(names: list[str], table) -> tuple[list[str], list[str]]:
    """``names`` split into those to screen and those left out (``off_at_zero``), each in the order given."""
    out = [n for n in names if off_at_zero(n, table)]
    return [n for n in names if n not in out], out


PACKAGE_FILE = ROOT / "src" / "hemasim" / "sensitivity" / "reach_screen_outcome.json"
CLASS_SHORT = {"prediction": "pred", "calibration": "calib", "consistency": "consist"}


def _percent(change: float) -> str:
    if math.isinf(change):
        return "fails or gives no value"
    return "under 0.1%" if change < 0.001 else f"{change:.1%}" if change < 0.1 else f"{change:.0%}"


def _moves_text(moved: dict[str, float], class_of: Callable[[str], str], shown: int = 3) -> str:
    """The read-outs moved by more than 10% in words, the first ``shown`` named with their class (``class_of``:
    "TARGET:readout" -> its target's class): a screen cell's "moves ..." part."""
    items = list(moved.items())
    named = ", ".join(f"{k} ({CLASS_SHORT.get(class_of(k), class_of(k))}) {_percent(v)}" for k, v in items[:shown])
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return f"moves {named}{more} by more than 10%"


def outcome_text(row: dict, shown: int = 3) -> str:
    """A parameter's outcome in words, as its screen cell in docs/parameters.md says it."""
    if row["outcome"] == "not read":
        return ("targeted screen of the validation read-outs: no validation group reads its value (with the other "
                "parameters at their values), so it moves no validation read-out")
    groups = row["groups"]
    span = "its sourced plausible range" if row["range"] != "x0.5-x2" else "x0.5-x2"
    where = (f"targeted screen of the validation read-outs ({row['readouts']} read-outs of the {len(groups)} "
             f"group{'s' if len(groups) > 1 else ''} that read it, one at a time over {span})")
    if row["outcome"] == "does not move":
        largest = row["largest"]
        return (f"{where}: does not move any by more than 10% (largest {largest['readout']} "
                f"{_percent(largest['change'])})")
    return f"{where}: {_moves_text(row['moved_over_10pct'], row['moved_classes'].__getitem__, shown)}"


def not_screened(groups: list[str]) -> str:
    """The screen cell of a parameter this screen has not run yet (the groups that read its value are known)."""
    return (f"targeted screen of the validation read-outs: not run yet ({len(groups)} validation "
            f"group{'s' if len(groups) != 1 else ''} read{'s' if len(groups) == 1 else ''} its value); the Morris "
            f"screen's outcome says nothing of their read-outs")


REFIT_FILES = "reach_screen_refit_*.json"


def refit_rows(folder: Path = ROOT / "bench" / "results") -> dict[str, dict]:
    """The rows of the targeted screens with the calibrations that held a parameter refitted (bench/
    calibration_refits.py; branch refit31), by parameter, as bench/targeted_screen.py wrote them into
    ``reach_screen_refit_*.json``, each with its file's name."""
    rows: dict[str, dict] = {}
    for path in sorted(folder.glob(REFIT_FILES)):
        for name, row in json.loads(path.read_text(encoding="utf-8")).items():
            if name in rows:
                raise SystemExit(f"{name} screened in two refit files: {rows[name]['file']}, {path.name}")
            rows[name] = {**row, "file": path.name}
    return rows


def refit_text(name: str, row: dict, classes: dict[str, str], shown: int = 3) -> str:
    """What the targeted screen with the calibration refitted found, in words (a parameter's screen cell, after the
    screen with the calibration held)."""
    from calibration_refits import calibration_of

    cal = calibration_of(name)
    ends = ", ".join(str(v) if isinstance(v, str) else f"{v:.3g}" for v in row["varied_to"])
    how = (f"with the {cal[0]} calibration refitted ({', '.join(cal[1])}; bench/calibration_refits.py), at {ends}"
           if cal else f"over its interval {ends}")
    if row["moved_over_10pct"]:
        found = _moves_text(row["moved_over_10pct"], lambda k: classes[k.split(":")[0]], shown)
    else:
        largest = max(row["changes"], key=lambda k: row["changes"][k])
        found = f"moves none by more than 10% (largest {largest} {_percent(row['changes'][largest])})"
    missed = row.get("refit_not_restored", [])
    if missed:
        found += "; " + ", ".join(_missed_text(name, m) for m in missed)
    return f"{how}: {found}"


def _missed_text(name: str, missed: dict) -> str:
    """A refit short of its goal, in words: a read-out not restorable (I1, D3) or a fit run to a bound (G1)."""
    at = f"at {name} {missed['held'][name]:g}"
    if missed["readout_shipped"] is None:  # a least-squares fit (G1): its weighted sum of squares there
        return (f"{at} the fit runs {missed['fitted']} to its bound {missed['value']:.3g} (weighted sum of squares "
                f"{missed['readout_there']:.3g})")
    return (f"{at} not restorable: {missed['fitted']} {missed['value']:.3g} brings its read-out nearest, "
            f"{missed['readout_there']:.4g} against {missed['readout_shipped']:.4g}")


def cell_text(name: str, results: dict, reach: dict, refits: dict[str, dict], classes: dict[str, str],
              table=None) -> str:
    """A parameter's screen cell: the targeted screen (or that it has not run, or ``OFF_AT_ZERO`` for an opt-in law off
    at 0 in ``table``, default the shipped parameters), then the screen with its calibration refitted where there is
    one."""
    from hemasim.parameters import healthy_adult_parameters

    if off_at_zero(name, healthy_adult_parameters() if table is None else table):
        return OFF_AT_ZERO
    row = results["parameters"].get(name)
    text = outcome_text(row) if row is not None else not_screened([g for g in reach if name in reach[g]["read"]])
    return text + (f"; {refit_text(name, refits[name], classes)}" if name in refits else "")


#: cited parameters screened over their cited plausible range on the groups that read them (bench/targeted_screen.py
#: NAME --sourced-range --groups ...; branch mend32), by name, with the file of that run in bench/results/: a sourced
#: value is no assumed mover, but its screen cell says how much its source's range still moves
CITED_RANGE_SCREENS = {"plasmablast_lifetime_days": "reach_screen_plasmablast_plausible_range.json"}
CITED_PACKAGE_FILE = ROOT / "src" / "hemasim" / "sensitivity" / "cited_range_screen_outcome.json"


def cited_range_row(name: str, folder: Path = ROOT / "bench" / "results") -> dict:
    return json.loads((folder / CITED_RANGE_SCREENS[name]).read_text(encoding="utf-8"))[name]


def cited_range_text(name: str, row: dict, groups: list[str], classes: dict[str, str], shown: int = 3) -> str:
    """A cited parameter's screen cell: its targeted screen over its cited range, in words."""
    low, high = row["varied_to"]
    where = (f"cited, so no assumed mover; screened over its cited range {low:.3g}-{high:.3g} (targeted screen of the "
             f"validation read-outs, {len(row['changes'])} read-outs of the {len(groups)} group"
             f"{'s' if len(groups) > 1 else ''} that read it, one at a time; bench/results/{CITED_RANGE_SCREENS[name]})")
    if not row["moved_over_10pct"]:
        largest = max(row["changes"], key=lambda k: row["changes"][k])
        return f"{where}: does not move any by more than 10% (largest {largest} {_percent(row['changes'][largest])})"
    moves = _moves_text(row["moved_over_10pct"], lambda k: classes[k.split(":")[0]], shown)
    return f"{where}: {moves}, so its source's range still leaves these open"


def package(results: dict, reach: dict) -> None:
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.validation import load_targets

    classes = {t["id"]: t["class"] for ts in load_targets().values() for t in ts}
    refits = refit_rows()
    table = healthy_adult_parameters()
    outcome = {n: cell_text(n, results, reach, refits, classes, table) for n in unseen_parameters()}
    PACKAGE_FILE.write_text(json.dumps(outcome, indent=1) + "\n", encoding="utf-8")
    cited = {n: cited_range_text(n, cited_range_row(n), [g for g in reach if n in reach[g]["read"]], classes)
             for n in sorted(CITED_RANGE_SCREENS)}
    CITED_PACKAGE_FILE.write_text(json.dumps(cited, indent=1) + "\n", encoding="utf-8")
    print("| parameter | groups that read it | range | outcome: read-outs moved by more than 10% (class) |")
    print("|---|---|---|---|")
    for n, r in sorted(results["parameters"].items(), key=lambda kv: (kv[1]["outcome"], kv[0])):
        if r["outcome"] == "not read":
            print(f"| `{n}` | none | - | not read: moves no validation read-out |")
            continue
        groups = ", ".join(r["groups"]) if len(r["groups"]) < len(reach) else f"all {len(reach)}"
        if r["outcome"] == "moves":
            cell = "moves " + ", ".join(f"{k} {_percent(v)} ({CLASS_SHORT.get(r['moved_classes'][k])})"
                                        for k, v in r["moved_over_10pct"].items())
        else:
            cell = f"none (largest {r['largest']['readout']} {_percent(r['largest']['change'])})"
        print(f"| `{n}` | {groups} | {', '.join(map(str, r['varied_to']))} | {cell} |")
    for n in unseen_parameters():
        if n not in results["parameters"]:
            groups = [g for g in reach if n in reach[g]["read"]]
            cell = "not run: an opt-in law, off at 0 (nothing to vary)" if off_at_zero(n, table) else "not run yet"
            print(f"| `{n}` | {f'all {len(reach)}' if len(groups) == len(reach) else ', '.join(groups)} | - | {cell} |")
    if refits:
        print("\n| parameter | calibration refitted | ends | read-outs | moved by more than 10% (class) | refit short of its goal |")
        print("|---|---|---|---|---|---|")
        from calibration_refits import calibration_of

        for n, r in sorted(refits.items()):
            cal = calibration_of(n)
            moved = ", ".join(f"{k} {_percent(v)} ({CLASS_SHORT.get(classes[k.split(':')[0]])})"
                              for k, v in r["moved_over_10pct"].items()) or "none (largest {} {})".format(
                *max(((k, _percent(v)) for k, v in r["changes"].items()), key=lambda kv: r["changes"][kv[0]]))
            missed = "; ".join(_missed_text(n, m) for m in r.get("refit_not_restored", [])) or "-"
            print(f"| `{n}` | {cal[0] + ': ' + ', '.join(cal[1]) if cal else 'none: over an interval'} | "
                  f"{', '.join(str(v) if isinstance(v, str) else f'{v:.3g}' for v in r['varied_to'])} | "
                  f"{len(r['changes'])} | {moved} | {missed} |")


def _screened(name: str, groups: list[str], table: dict, out: dict) -> dict:
    """The targeted screen of ``name`` on ``groups``: each read-out's largest relative change over the two ends, the
    ends and the refitted values (the base run once per set of groups, kept in ``out["bases"]``)."""
    sourced = table[name].plausible_range is not None
    key = ",".join(groups)
    if key not in out["bases"]:
        out["bases"][key] = _values_in_child(name, 1.0, groups)
    base = out["bases"][key]
    changes: dict[str, float] = {}
    refits = {}
    for factor, value in screen_ends(name, sourced):
        refitted = refitted_at(name, factor, value)
        refits[f"{value:g}" if value is not None else f"x{factor:g}"] = refitted
        add_changes(changes, base, _values_in_child(name, factor, groups, value, refitted))
    return {"changes": changes, "refitted": refits, "sourced": sourced,
            "varied_to": [v if v is not None else f"x{f:g}" for f, v in screen_ends(name, sourced)]}


def _described(screened: dict, groups: list[str], classes: dict[str, str]) -> dict:
    changes = screened["changes"]
    moved = {k: round(v, 4) for k, v in sorted(changes.items(), key=lambda kv: -kv[1]) if v > THRESHOLD}
    largest = max(changes, key=lambda k: changes[k], default=None)
    return {"groups": groups, "outcome": "moves" if moved else "does not move", "varied_to": screened["varied_to"],
            "range": "sourced plausible range" if screened["sourced"] else "x0.5-x2", "readouts": len(changes),
            "largest": {"readout": largest, "change": round(changes[largest], 6) if largest else 0.0},
            "moved_over_10pct": moved, "moved_classes": {k: classes[k.split(":")[0]] for k in moved},
            "refitted": screened["refitted"]}


def _joined(done: dict, screened: dict, groups: list[str], classes: dict[str, str]) -> dict:
    """An earlier row with the read-outs of the groups screened since: moved read-outs and counts joined, the
    largest change the larger of the two."""
    if done["outcome"] == "not read":
        return _described(screened, groups, classes)
    added = _described(screened, groups, classes)
    if set(added["moved_over_10pct"]) & set(done["moved_over_10pct"]):
        raise SystemExit("a read-out joined twice: the groups screened again must bring only new read-outs")
    moved = dict(sorted({**done["moved_over_10pct"], **added["moved_over_10pct"]}.items(), key=lambda kv: -kv[1]))
    largest = max((done["largest"], added["largest"]), key=lambda r: r["change"])
    return {**done, "groups": groups, "outcome": "moves" if moved else "does not move",
            "readouts": done["readouts"] + added["readouts"], "largest": largest, "moved_over_10pct": moved,
            "moved_classes": {k: classes[k.split(":")[0]] for k in moved}}


def method_text() -> str:
    """The method the results file records: this docstring from its paragraph "For each assumed parameter" on."""
    doc = __doc__ or ""
    return doc[doc.index("For each assumed parameter"):].strip()


def _to_screen(done: dict, groups: list[str], screened_targets: dict[str, list[str]],
               current: dict[str, list[str]]) -> tuple[list[str], list[str], set[str]]:
    """For a row screened before: the groups to screen (those added since and those whose targets changed since),
    the changed ones, and the target ids whose read-outs the row holds already (a changed group's targets screened
    before: only its other targets' read-outs are joined). A row screened again on a changed group before the whole
    run ended records that group's targets itself (its ``group_targets``), so a resumed run does not join them twice."""
    was = {**screened_targets, **done.get("group_targets", {})}
    stale = [g for g in groups if g in done["groups"] and was.get(g) != current[g]]
    return [g for g in groups if g not in done["groups"]] + stale, stale, {i for g in stale for i in was.get(g, [])}



def card_values(card: dict, ids: set[str] | None = None) -> dict[str, float]:
    """The shipped read-outs of a ``hemasim validate --json`` card, keyed as ``_values_in_child`` keys them (a later
    check of the same target and read-out replaces an earlier): a reading with no value is NaN - null in the card
    since its JSON became strict, the NaN token before - so that a read-out that gains a value under a varied parameter
    still counts as an infinite change (``targeted_screen.add_changes``); a check not covered has no read-out."""
    import math

    return {f"{t['id']}:{c['readout']}": (math.nan if c["value"] is None else float(c["value"]))
            for t in card["targets"] if ids is None or t["id"] in ids
            for c in t["checks"] if c["value"] is not None or c["status"] != "not covered"}

def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("parameters", nargs="*")
    ap.add_argument("--reach", type=Path, default=ROOT / "bench" / "results" / "screen_reach.json")
    ap.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "reach_screen.json")
    ap.add_argument("--base-card", type=Path,
                    help="a `hemasim validate --json` card of the shipped values: the base of the all-groups runs "
                         "(saves one full validation run; its values are those a base run would give)")
    ap.add_argument("--package", action="store_true", help="write the screen cells and print the docs' table")
    args = ap.parse_args()
    if args.package:
        package(json.loads(args.json.read_text(encoding="utf-8")), json.loads(args.reach.read_text(encoding="utf-8")))
        return
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.validation import load_targets

    reach = json.loads(args.reach.read_text(encoding="utf-8"))
    classes = {t["id"]: t["class"] for ts in load_targets().values() for t in ts}
    out = json.loads(args.json.read_text(encoding="utf-8")) if args.json.exists() else {
        "threshold": THRESHOLD, "bases": {}, "parameters": {}}
    out["method"] = method_text()  # the docstring as it is now, on every run
    current = {g: [t["id"] for t in ts] for g, ts in load_targets().items()}
    untraced = [g for g in reach if reach[g]["targets"] != current.get(g)]
    if untraced:
        raise SystemExit(f"traced before their targets changed: {untraced}; trace them again first "
                         "(bench/screen_reach.py --changed)")
    # each group's target ids as its read-outs were screened: a group whose targets changed since is screened again
    screened_targets = out.setdefault("group_targets", {g: current[g] for g in reach})
    changed = sorted(g for g in screened_targets if screened_targets[g] != current.get(g))
    for key in [k for k in out["bases"] if set(k.split(",")) & set(changed)]:
        del out["bases"][key]  # a base run of a changed group lacks its new targets' read-outs
    table = healthy_adult_parameters()
    if args.base_card is not None:
        card = json.loads(args.base_card.read_text(encoding="utf-8"))
        # keyed as _values_in_child keys them (a later check of the same target and read-out replaces an earlier)
        out["bases"].setdefault(",".join(reach), card_values(card))
    # an opt-in law off at 0 with no sourced range: both ends of its screen are 0, its value, so a screen of it would
    # vary nothing and write "does not move" into the cells (review37c); left out, named or not
    names, left_out = to_screen(args.parameters or unseen_parameters(), table)
    if left_out:
        print(f"left out (an opt-in law off at 0 with no sourced range: nothing to vary): {', '.join(left_out)}",
              file=sys.stderr, flush=True)
    for name in names:
        groups = [g for g in reach if name in reach[g]["read"]]
        done = out["parameters"].get(name)
        if done is not None:
            # screened before: only the groups added to the validation since (traced into the reach file) and those
            # whose targets changed since are run, and their new read-outs joined to the row (the earlier ones stand)
            new_groups, stale, old_ids = _to_screen(done, groups, screened_targets, current)
            if not new_groups:
                continue
            t0 = time.time()
            screened = _screened(name, new_groups, table, out)
            screened["changes"] = {k: v for k, v in screened["changes"].items() if k.split(":")[0] not in old_ids}
            row = _joined(done, screened, groups, classes)
            if stale:
                row["group_targets"] = {**done.get("group_targets", {}), **{g: current[g] for g in stale}}
        else:
            t0 = time.time()
            row = {"groups": groups, "outcome": "not read"}
            if groups:
                row = _described(_screened(name, groups, table, out), groups, classes)
        out["parameters"][name] = row
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        print(f"{name}: {row['outcome']} ({len(groups)} groups); {row.get('largest')}; "
              f"{len(row.get('moved_over_10pct', {}))} read-outs > 10%; {time.time() - t0:.1f} s", flush=True)
    if not args.parameters:  # every row is screened on each group's present targets
        out["group_targets"] = {g: current[g] for g in reach}
        for row in out["parameters"].values():
            row.pop("group_targets", None)
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
