"""Diagnosis of filgrastim after an allogeneic graft (issue #17; docs/transplant.md, "G-CSF after the graft"): why the
model's ANC never falls below 0.5e9/L after the graft when filgrastim is given from the graft's day (target T12).

The run is T12's (validation scenario ``cy_tbi_pbsc_filgrastim``: a man of 40, Cy/TBI 12 Gy from day 0, allogeneic
PBSC 5e6 CD34+/kg on day 6, filgrastim 10 ug/kg s.c. on days 0 to +20 of the graft). Each row changes one thing:
no filgrastim (T8's run), no graft, one of the drug set's two effects removed (the production stimulus of the
committed progenitors' input; the transit speed-up), the speed-up kept off the eight precursor divisions, the
speed-up at Price 1996's size on the post-mitotic chain only, the host's post-mitotic reserve emptied just before the
graft (the compartments conditioning does not reach). Drug-set variants are written as user drug-set files (the
shipped file with one change); no shipped value is changed. For each row: ANC on days 0-10 after the graft, the
nadir after the graft, the neutrophil engraftment day (3 days >= 0.5e9/L after the fall, or "did not fall"), and
the donor share. For T8's and T12's runs the neutrophil pools by origin (progenitors, the dividing precursors, the
post-mitotic chain, blood) on days 0-10. Writes bench/results/gcsf_graft_diagnosis.json and prints the tables.

Twenty-second session (branch gcsfrefit): the shipped set now shares its receptor with endogenous G-CSF (candidate
A2 of docs/mobilisation.md), so the one-change rows vary that set; further rows run the set before it
(filgrastim_wang2001_v1) and the other candidates of that rule at their fitted values (docs/images/
filgrastim_anc_fit_*.json), and every row with the shared receptor reports the endogenous G-CSF (ng/mL).

    PYTHONPATH=src python bench/gcsf_graft_diagnosis.py
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "gcsf_graft_diagnosis.json"
SCENARIO = "cy_tbi_pbsc_filgrastim"
GRAFT_DAY = 6.0
DAYS = 40  # the neutrophil course after a 20-day course, with the dip after it
SHOWN = (0, 1, 2, 3, 4, 6, 8, 10)
#: the neutrophil compartments by stage, their name prefixes (each has a __host and a __donor copy)
POOLS = {"progenitor": "neutrophil_progenitor", "dividing precursors": "neutrophil_precursor_",
         "post-mitotic chain": "neutrophil_maturing_", "blood": "neutrophil_blood_"}
#: the host's post-mitotic chain (and the monocytes' maturing cells) emptied 0.01 day before the graft: the myeloid
#: marrow compartments that are neither progenitors nor dividing precursors, which conditioning does not reach
EMPTY_RESERVE = {"kind": "cell_depletion", "day": GRAFT_DAY - 0.01, "groups": ["myeloid"],
                 "except_groups": ["blood", "progenitor", "precursor"], "surviving_fraction": 0.0}


def _drug_file(folder: Path, label: str, change: Callable[[dict[str, Any]], None]) -> str:
    """A user drug-set file: the shipped ``filgrastim_wang2001`` with ``change`` applied to its data."""
    from importlib import resources

    from hemasim._yaml_limits import load_yaml_text

    text = resources.files("hemasim.pharmacology").joinpath("drugs", "filgrastim_wang2001.yaml").read_text("utf-8")
    data = load_yaml_text(text, "filgrastim_wang2001", "drug set")
    change(data)
    data["name"] = f"filgrastim_{label}"  # a user set's name is its file's
    path = folder / f"filgrastim_{label}.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    return str(path)


def _effect(data: dict[str, Any], acts_on: str) -> dict[str, Any]:
    return next(e for e in data["effects"] if e["acts_on"] == acts_on)


def _without(acts_on: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["effects"] = [e for e in data["effects"] if e["acts_on"] != acts_on]
    return change


def _post_mitotic_only(emax: float | None = None) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        speed = _effect(data, "maturation_speed")
        speed["divisions"] = False
        if emax is not None:
            speed["emax"] = {"value": emax, "source": "Price1996", "where": "abstract: post-mitotic transit 6.4 -> 2.9 d"}
    return change


def _candidate_file(folder: Path, candidate: str) -> str:
    """The drug-set file of a candidate of docs/fit_filgrastim_anc.py at its fitted values."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("fit_filgrastim_anc", ROOT / "docs" / "fit_filgrastim_anc.py")
    assert spec is not None and spec.loader is not None
    fit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fit)
    v = json.loads((ROOT / "docs" / "images" / f"filgrastim_anc_fit_{candidate}.json").read_text(encoding="utf-8"))
    divisions, shared, _ = fit.NEW_CANDIDATES[candidate]
    sub = folder / candidate
    sub.mkdir()
    return str(fit.drug_set_file(sub, v["emax"], v["ec50_ng_per_mL"], divisions,
                                 (v["production_emax"], v["production_ec50_ng_per_mL"]), shared))


def _rows(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    def drug(path: str) -> dict[str, Any]:
        return {"interventions": {2: {"drug_set": path}}}

    return [
        ("T12's run: filgrastim days 0 to +20 (shipped set)", {}),
        ("no filgrastim (T8's run)", {"interventions": {2: {"schedule": {"days": [DAYS - 1]}}}}),
        ("no graft", {"interventions": {1: {"cd34_per_kg": 1e-9}}}),
        ("production stimulus only (speed-up removed)", drug(_drug_file(folder, "production_only",
                                                                         _without("maturation_speed")))),
        ("speed-up only (production stimulus removed)", drug(_drug_file(folder, "speed_only", _without("production")))),
        ("speed-up kept off the precursor divisions (post-mitotic chain only)",
         drug(_drug_file(folder, "post_mitotic", _post_mitotic_only()))),
        ("speed-up at Price 1996's size (E_max 1.21: 6.4 -> 2.9 d), post-mitotic chain only",
         drug(_drug_file(folder, "price", _post_mitotic_only(6.4 / 2.9 - 1.0)))),
        ("host post-mitotic reserve emptied before the graft", {"add": EMPTY_RESERVE}),
        ("host post-mitotic reserve emptied before the graft, no filgrastim",
         {"add": EMPTY_RESERVE, "interventions": {2: {"schedule": {"days": [DAYS - 1]}}}}),
        ("the set before the shared receptor (filgrastim_wang2001_v1: the drug as the only G-CSF)",
         drug("filgrastim_wang2001_v1")),
        *((f"candidate {c} at its fit (docs/images/filgrastim_anc_fit_{c}.json)", drug(_candidate_file(folder, c)))
          for c in ("A", "B", "AB")),
    ]


def _variation(row: Mapping[str, Any]) -> dict[str, Any]:
    from hemasim.validation.scenario_runs import varied_scenario_data

    data = varied_scenario_data(SCENARIO, {"duration_days": DAYS, **{k: v for k, v in row.items() if k != "add"}})
    if "add" in row:
        data["interventions"] = [*data["interventions"], row["add"]]
    return data


def _measure(row: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    from hemasim.assembly import run_scenario
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.scenario import parse_scenario

    r = run_scenario(parse_scenario(_variation(row), "gcsf graft diagnosis"))
    e = {x.name: x.value for x in evaluate_endpoints(r)}
    after = r.times >= GRAFT_DAY - 1e-9
    days, anc, donor = r.times[after] - GRAFT_DAY, r.observable("anc_1e9_per_L")[after], \
        r.observable("anc_1e9_per_L__donor")[after]
    early = days <= 10.0
    endogenous = "filgrastim_endogenous_ng_per_mL" in r.model.observable_names
    g = r.observable("filgrastim_endogenous_ng_per_mL")[after] if endogenous else None
    return {"anc": {d: float(np.interp(d, days, anc)) for d in SHOWN},
            "endogenous_gcsf_ng_per_mL": None if g is None else {d: float(np.interp(d, days, g)) for d in SHOWN},
            "nadir_days_0_10": float(anc[early].min()), "nadir_day": float(days[early][int(np.argmin(anc[early]))]),
            "nadir_whole_run": float(anc.min()), "nadir_whole_run_day": float(days[int(np.argmin(anc))]),
            "neutrophil_day": e["neutrophil_engraftment_day"],
            "did_not_fall": e["neutrophil_engraftment_day_did_not_fall"],
            "donor_share_day3": float(np.interp(3, days, donor) / np.interp(3, days, anc))}, r


def _pools(r: Any) -> dict[str, dict[str, list[float]]]:
    """Cells in each neutrophil stage by origin (1e9 cells) on the days shown after the graft."""
    names = r.model.state_names
    out: dict[str, dict[str, list[float]]] = {}
    for label, prefix in POOLS.items():
        for origin in ("host", "donor"):
            idx = [i for i, n in enumerate(names) if n.startswith(prefix) and n.endswith(f"__{origin}")]
            total = r.states[:, idx].sum(axis=1) / 1e9
            out.setdefault(label, {})[origin] = [float(np.interp(GRAFT_DAY + d, r.times, total)) for d in SHOWN]
    return out


def main(argv: list[str] | None = None) -> int:
    from hemasim.io import write_json_report

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    t0 = time.time()
    rows: list[dict[str, Any]] = []
    pools: dict[str, dict[str, dict[str, list[float]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, row in _rows(Path(tmp)):
            measured, result = _measure(row)
            rows.append({"change": label, **measured})
            if len(pools) < 2:  # T12's and T8's runs: the first two rows
                pools[label] = _pools(result)
    print("| change (everything else as T12's run) | ANC day " + " / ".join(map(str, SHOWN)) +
          " after the graft | nadir days 0-10 (day) | nadir to day 34 (day) | engraftment day | donor share day 3 |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        day = ("did not fall below 0.5" if r["did_not_fall"] == 1.0 else
               f"not reached by day {DAYS - GRAFT_DAY:g}" if r["neutrophil_day"] is None else f"{r['neutrophil_day']:g}")
        print(f"| {r['change']} | {' / '.join(f'{v:.2f}' for v in r['anc'].values())} | {r['nadir_days_0_10']:.2f} "
              f"({r['nadir_day']:g}) | {r['nadir_whole_run']:.2f} ({r['nadir_whole_run_day']:g}) | {day} | "
              f"{r['donor_share_day3']:.3f} |")
    print(f"\nendogenous G-CSF (ng/mL) on days {', '.join(map(str, SHOWN))} after the graft (rows with the shared receptor)")
    for r in rows:
        if r["endogenous_gcsf_ng_per_mL"] is not None:
            print(f"| {r['change']} | " + " / ".join(f"{v:.3f}" for v in r["endogenous_gcsf_ng_per_mL"].values()) + " |")
    for label, by_pool in pools.items():
        print(f"\n{label}: neutrophil pools, 1e9 cells, host / donor, days {', '.join(map(str, SHOWN))} after the graft")
        for pool, by_origin in by_pool.items():
            print(f"| {pool} | " + " | ".join(f"{h:.3g} / {d:.3g}" for h, d in zip(by_origin["host"], by_origin["donor"],
                                                                                  strict=True)) + " |")
    write_json_report({"scenario": SCENARIO, "duration_days": DAYS, "rows": rows, "pools": pools}, args.out, echo=False)
    print(f"wrote {args.out} ({time.time() - t0:.0f} s wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
