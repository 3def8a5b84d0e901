"""Diagnosis of the allogeneic platelet engraftment day (issue #17; docs/transplant.md, "The allogeneic platelet
engraftment day"): which ingredient of the allogeneic scenario makes it 37 days.

The run is prediction T8's (validation scenario ``cy_tbi_pbsc``: a man of 40, Cy/TBI 12 Gy from day 0, allogeneic
PBSC 5e6 CD34+/kg on day 6, no G-CSF, 120 days). Each row switches one ingredient off or swaps it, everything else
shipped, and reads the platelet engraftment day (first of 7 days >= 20e9/L after the fall; the endpoint T8 reads)
and the neutrophil engraftment day (3 days ANC >= 0.5e9/L), in days after the graft. Groups: the graft's donor and
contents; the conditioning (each component alone, other regimens, none, the TBI's kill of progenitors and
megakaryocytes); alloreactivity and immunosuppression (not in T8's scenario: added, with a check that the kill
has no donor-copy flow); G-CSF after the graft; the read-out's definition (on the shipped run's platelets); the
CD34+ dose, allogeneic against autologous; and probes of the platelet chain's fitted values (diagnosis only, not
proposals: no shipped value is changed). Writes bench/results/allo_platelet_diagnosis.json and prints the table.

    PYTHONPATH=src python bench/allo_platelet_diagnosis.py
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "allo_platelet_diagnosis.json"
SCENARIO = "cy_tbi_pbsc"
DAYS = 120  # T8's run
DOSE = 5.0e6
CONDITIONING = {"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0}
GRAFT = {"kind": "transplant", "day": 6, "source": "peripheral_blood", "donor": "allogeneic", "cd34_per_kg": DOSE}
DOSES = (2e6, 3e6, 5e6, 6.7e6, 7.5e6, 10e6, 11.5e6, 15e6)
#: filgrastim after the graft as the other arm of T8's trial gave it (Bishop 2000 Blood 96:80, abstract: 10 ug/kg
#: daily from the day of the graft; there ANC > 0.5e9/L at a median 11 days, range 9-20, platelets > 20e9/L at 13,
#: range 8-35); "until recovery" read as days 0 to +20 (fixed days: the on-demand course counts ANC >= 1.0 from its
#: first dose, when the falling ANC is still above it, and would stop at once)
GCSF = {"kind": "gcsf", "drug_set": "filgrastim_wang2001", "dose_ug_per_kg": 10, "route": "subcutaneous",
        "schedule": {"days": list(range(6, 27))}}
#: read-outs of the shipped run's platelets: (label, threshold 1e9/L, consecutive days)
READOUTS = (("first day >= 20", 20.0, 1), ("3 days >= 20", 20.0, 3), ("7 days >= 20 (the endpoint)", 20.0, 7),
            ("first day >= 50", 50.0, 1), ("7 days >= 50", 50.0, 7))


def _regimen_file(folder: Path, name: str, keep: str) -> str:
    """A user regimen file holding only the ``keep`` components (``cell_kill`` or ``tbi``) of shipped ``name``."""
    from hemasim.pharmacology.conditioning import load_regimen

    data = load_regimen(name).model_dump(mode="json", exclude_none=True)
    data["components"] = [c for c in data["components"] if c["kind"] == keep]
    data["title"] = f"{data['title']}: {keep} only"
    path = folder / f"{name}_{keep}_only.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    return str(path)


def _rows(folder: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(group, label, variation of the validation scenario) for every row."""
    def interventions(*items: Mapping[str, Any]) -> dict[str, Any]:
        return {"interventions": [dict(i) for i in items]}

    graft_on = {7.0: {**GRAFT, "day": 7}, 2.0: {**GRAFT, "day": 2}}
    rows: list[tuple[str, str, dict[str, Any]]] = [
        ("shipped", "T8's run: allogeneic PBSC 5e6/kg, Cy/TBI 12 Gy, no G-CSF", {}),
        ("graft", "donor autologous (CD3+ 7.6e7/kg, no new clonotypes)", {"interventions": {1: {"donor": "autologous"}}}),
        ("graft", "allogeneic, CD3+ 7.6e7/kg (the autologous default)", {"interventions": {1: {"cd3_per_kg": 7.6e7}}}),
        ("graft", "allogeneic, T-cell depleted (CD3+ 0)", {"interventions": {1: {"cd3_per_kg": 0.0}}}),
        ("graft", "allogeneic marrow, same CD34+ dose (CD3+ 9e7/kg)", {"interventions": {1: {"source": "bone_marrow"}}}),
        ("conditioning", "cyclophosphamide only (TBI removed)",
         interventions({**CONDITIONING, "regimen": _regimen_file(folder, "cy_tbi_12gy", "cell_kill")}, GRAFT)),
        ("conditioning", "TBI 12 Gy only (cyclophosphamide removed)",
         interventions({**CONDITIONING, "regimen": _regimen_file(folder, "cy_tbi_12gy", "tbi")}, GRAFT)),
        ("conditioning", "Bu/Cy instead (graft day 7; Heldal 2000's regimen)",
         interventions({**CONDITIONING, "regimen": "bu_cy"}, graft_on[7.0])),
        ("conditioning", "high-dose melphalan instead (graft day 2; an autograft's regimen)",
         interventions({**CONDITIONING, "regimen": "high_dose_melphalan"}, graft_on[2.0])),
        ("conditioning", "no conditioning", interventions(GRAFT)),
        ("conditioning", "TBI spares progenitors and megakaryocytes (alpha_progenitor x0.5)",
         {"parameters": {"radiosensitivity_alpha_progenitor_per_Gy": 0.5 / 0.82}}),
        ("alloreactivity", "ciclosporin day 5-120 (adds the donor T-cell kill of host cells)",
         interventions(CONDITIONING, GRAFT, {"kind": "immunosuppression", "agent": "ciclosporin", "start_day": 5,
                                             "end_day": DAYS})),
        ("alloreactivity", "the kill unrestrained (immunosuppression inhibition 0)",
         interventions(CONDITIONING, GRAFT, {"kind": "immunosuppression", "agent": "ciclosporin", "start_day": 5,
                                             "end_day": DAYS, "inhibition": 0.0})),
        ("G-CSF", "filgrastim 10 ug/kg/day on days 0 to +20 (T8's trial, other arm)", interventions(CONDITIONING, GRAFT, GCSF)),
        # probes of the platelet chain's fitted values (hemasim.parameters.sets.engraftment): diagnosis, not proposals
        ("probe", "Mk progenitor exit 0.586/day (Han 2015, cited; shipped 0.02 fitted, on its bound)",
         {"parameters": {"megakaryocyte_progenitor_exit_rate_per_day": 0.586}}),
        ("probe", "Mk progenitor exit 0.17/day (Perez-Ruixo 2016, cited)",
         {"parameters": {"megakaryocyte_progenitor_exit_rate_per_day": 0.17}}),
        ("probe", "graft committed content x1.5 (graft_short_term_units_per_cd34)",
         {"parameters": {"graft_short_term_units_per_cd34": 1.5 * 7.5e-6}}),
        ("probe", "graft lodging 0.1 d (shipped 0.5, on its bound)", {"parameters": {"graft_lodging_days": 0.1}}),
    ]
    for donor in ("allogeneic", "autologous"):
        rows += [("dose", f"{donor} {d / 1e6:g}e6 CD34+/kg", {"interventions": {1: {"donor": donor, "cd34_per_kg": d}}})
                 for d in DOSES]
    return rows


def _after_graft(result: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    from hemasim.interventions.transplant import graft_day

    day0 = graft_day(result.record.scenario.interventions)
    after = result.times >= day0 - 1e-9
    return result.times[after] - day0, result.observable(name)[after]


def _measure(variation: Mapping[str, Any]) -> dict[str, Any]:
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.validation.scenario_runs import cached_scenario_run

    r = cached_scenario_run(SCENARIO, {"duration_days": DAYS, **variation})()  # the shipped run shared with _readouts
    e = {x.name: x.value for x in evaluate_endpoints(r)}
    days, plt = _after_graft(r, "platelets_1e9_per_L")
    _, donor = _after_graft(r, "platelets_1e9_per_L__donor")
    at = {d: float(np.interp(d, days, plt)) for d in (14, 21, 28)}
    return {"platelet_day": e["platelet_engraftment_day"], "neutrophil_day": e["neutrophil_engraftment_day"],
            "platelets_did_not_fall": e["platelet_engraftment_day_did_not_fall"],
            "neutrophils_did_not_fall": e["neutrophil_engraftment_day_did_not_fall"],
            "platelet_nadir": float(plt.min()), "platelet_nadir_day": float(days[int(np.argmin(plt))]),
            **{f"platelets_day{d}": v for d, v in at.items()},
            "donor_platelet_share_day28": float(np.interp(28, days, donor) / at[28])}


def _readouts() -> list[dict[str, Any]]:
    """The shipped run's platelet course read with other engraftment definitions."""
    from hemasim.endpoints import engraftment_days
    from hemasim.validation.scenario_runs import cached_scenario_run

    days, plt = _after_graft(cached_scenario_run(SCENARIO, {"duration_days": DAYS})(), "platelets_1e9_per_L")
    return [{"readout": label, "day": float(engraftment_days(days, plt[None, :], thr, run)[0])}
            for label, thr, run in READOUTS]


def _gvh_flows() -> dict[str, int]:
    """The donor T-cell kill's flows by origin of the cells they remove (the donor copies must have none)."""
    from hemasim.assembly import assemble
    from hemasim.biology.origins import DONOR, GVH_KILL, HOST
    from hemasim.validation.scenario_runs import validation_scenario

    scenario = validation_scenario(SCENARIO, {"interventions": [
        CONDITIONING, GRAFT, {"kind": "immunosuppression", "agent": "ciclosporin", "start_day": 5, "end_day": 60}]})
    flows = [f for m in assemble(scenario).model.modules for f in m.flows if f.kind == GVH_KILL]
    return {o: sum(f.source.endswith(f"__{o}") for f in flows) for o in (HOST, DONOR)}


def _day(v: float | None, did_not_fall: float, threshold: str) -> str:
    if did_not_fall == 1.0:
        return f"did not fall below {threshold}"
    return f"not reached in {DAYS - 6} d" if v is None else f"{v:g}"


def main(argv: list[str] | None = None) -> int:
    from hemasim.io import write_json_report

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [{"group": g, "change": label, **_measure(v)} for g, label, v in _rows(Path(tmp))]
    report = {"scenario": SCENARIO, "duration_days": DAYS, "rows": rows, "readouts": _readouts(),
              "gvh_kill_flows_by_origin": _gvh_flows()}
    print("| group | change (everything else as T8's run) | platelet day | ANC day | platelet nadir (day) | "
          "platelets d14 / d21 / d28 | donor share of platelets d28 |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        plt = _day(r["platelet_day"], r["platelets_did_not_fall"], "20")
        anc = _day(r["neutrophil_day"], r["neutrophils_did_not_fall"], "0.5")
        print(f"| {r['group']} | {r['change']} | {plt} | {anc} | {r['platelet_nadir']:.1f} "
              f"({r['platelet_nadir_day']:g}) | {r['platelets_day14']:.1f} / {r['platelets_day21']:.1f} / "
              f"{r['platelets_day28']:.1f} | {r['donor_platelet_share_day28']:.3f} |")
    print("\nread-outs of T8's run:", "; ".join(f"{x['readout']}: {x['day']:g}" for x in report["readouts"]))
    print("donor T-cell kill flows by origin of the cells removed:", report["gvh_kill_flows_by_origin"])
    write_json_report(report, args.out, echo=False)
    print(f"wrote {args.out} ({time.time() - t0:.0f} s wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
