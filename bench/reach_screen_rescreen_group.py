"""Screen one validation group again for every reach-screen row that reads it, after the group's read-outs changed
while its target ids did not (bench/reach_screen.py re-screens a group only when its targets change).

    PYTHONPATH=src python bench/reach_screen_rescreen_group.py GROUP --base-card CARD.json

Written for finalmend32's correction of F2-F4 (docetaxel_cyclophosphamide_and_pegfilgrastim: their pegfilgrastim had
come with the chemotherapy in cycle 1, not a day after it). Each row's changes on GROUP are computed again with
reach_screen.py's own ``_screened`` (a base run of GROUP alone, then both ends) and joined as ``_joined`` joins a
group's: refused where a row's moved or largest read-out is one of GROUP's (its earlier value would have to be taken
out, which the stored row cannot do). The stored base runs' values of GROUP's read-outs are replaced by the card's
(a ``hemasim validate --json`` card of the shipped values, as reach_screen.py's ``--base-card``). Then
``bench/reach_screen.py --package``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import reach_screen as rs  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("group")
    ap.add_argument("--base-card", type=Path, required=True)
    ap.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "reach_screen.json")
    args = ap.parse_args()
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.validation import load_targets

    targets = load_targets()
    if args.group not in targets:
        raise SystemExit(f"{args.group}: no such validation group; the groups: {', '.join(targets)}")
    ids = {t["id"] for t in targets[args.group]}
    classes = {t["id"]: t["class"] for ts in targets.values() for t in ts}
    out = json.loads(args.json.read_text(encoding="utf-8"))
    table = healthy_adult_parameters()
    scratch: dict = {"bases": {}}
    for name, row in out["parameters"].items():
        if args.group not in row.get("groups", []):
            continue
        if any(k.split(":")[0] in ids for k in [*row["moved_over_10pct"], row["largest"]["readout"] or ""]):
            raise SystemExit(f"{name}: its stored row's moved or largest read-out is one of {args.group}'s")
        changes = rs._screened(name, [args.group], table, scratch)["changes"]
        moved = {k: round(v, 4) for k, v in changes.items() if v > rs.THRESHOLD}
        moved = dict(sorted({**row["moved_over_10pct"], **moved}.items(), key=lambda kv: -kv[1]))
        top = max(changes, key=lambda k: changes[k])
        if changes[top] > row["largest"]["change"]:
            row["largest"] = {"readout": top, "change": round(changes[top], 6)}
        row.update(outcome="moves" if moved else "does not move", moved_over_10pct=moved,
                   moved_classes={k: classes[k.split(":")[0]] for k in moved})
        print(f"{name}: {args.group} largest {top} {changes[top]:.4f}", flush=True)
    card = json.loads(args.base_card.read_text(encoding="utf-8"))
    values = rs.card_values(card, ids)
    for base in out["bases"].values():
        base.update({k: values[k] for k in base if k in values})
    args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
