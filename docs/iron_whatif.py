"""What-if of the iron model on the donation targets (branch iron33; docs/model.md, "Iron-limited erythropoiesis").

The iron model was NOT adopted (its Falz refit failed the registered rule), so no shipped scenario holds it and the
card is unchanged. This script reports, after that decision and without any choice resting on it, what the donation
targets' registered read-outs would read if their scenarios opted in as pre-registered: every donation scenario with
``iron_balance`` (the cited stores of the donor's sex), P2's judged arm with ``oral_iron`` 37.5 mg/day for 168 days
from the donation, P2's unsupplemented arm with ``iron_balance`` only; at the erythroid gain ``--gain`` (3.16, the
card's; 8.30, the unadopted refit with iron).

Run: PYTHONPATH=src python docs/iron_whatif.py --gain 3.16 [--out docs/images/iron_whatif_3p16.json]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

#: the pre-registered opt-in scenarios (docs/model.md, "Iron-limited erythropoiesis", point 1)
OPT_IN = ("blood_donation_550mL", "blood_donation_500mL", "red_cell_apheresis_2_units", "blood_donation_450mL_man",
          "blood_donation_450mL_woman", "autologous_donation_3_units_weekly", "autologous_donation_3_units_short_interval",
          "autologous_donation_3_units_11_days", "whole_blood_donation_every_97_days",
          "two_unit_red_cell_apheresis_every_201_days", "interval_men_8_week_arm", "interval_men_10_week_arm",
          "interval_men_12_week_arm", "interval_women_12_week_arm", "interval_women_14_week_arm",
          "interval_women_16_week_arm")
TARGETS = ("P1", "P2", "P17", "V1", "V2", "V3", "W4", "W5", "W6", "B1", "B2", "B3", "B4", "B5")
KISS_ORAL_IRON = {"kind": "oral_iron", "day": 10.0, "duration_days": 168.0, "elemental_iron_mg_per_day": 37.5}


def _patch(gain: float) -> None:
    from hemasim.validation import scenario_runs

    original = scenario_runs._scenario_data

    def with_iron(name: str) -> dict[str, Any]:
        data = original(name)
        if name in OPT_IN:
            extra = [KISS_ORAL_IRON] if name == "blood_donation_500mL" else [{"kind": "iron_balance"}]
            data["interventions"] = [*extra, *data["interventions"]]
            data["parameters"] = {**data.get("parameters", {}), "erythroid_feedback_log_slope": gain}
        return data

    scenario_runs._scenario_data = with_iron


def _p2_without_supplement(gain: float) -> float:
    import hemasim as hs
    from hemasim.scenario import parse_scenario
    from hemasim.validation import scenario_runs
    from hemasim.validation.predictions_misc import _days_to_regain

    data = scenario_runs._scenario_data("blood_donation_500mL")
    data["interventions"] = [{"kind": "iron_balance"}, *(i for i in data["interventions"] if i["kind"] != "oral_iron")]
    run = hs.run_scenario(parse_scenario(data))
    return _days_to_regain(lambda: run, "hemoglobin_g_per_dL", 10.0, 0.8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gain", type=float, required=True)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    _patch(args.gain)
    from hemasim._yaml_limits import load_yaml_text
    from hemasim.validation.base import OwnRun
    from hemasim.validation.readouts import find_readout

    text = (Path(__file__).resolve().parents[1] / "src/hemasim/validation/targets.yaml").read_text(encoding="utf-8")
    groups = load_yaml_text(text, "targets", "targets")
    out: dict[str, Any] = {"gain": args.gain, "values": {}}
    for group in groups.values():
        for target in group:
            if target["id"] not in TARGETS:
                continue
            for kind in ("checks", "info_checks"):
                for check in target.get(kind, []):
                    readout = find_readout(check["readout"])
                    value = readout.measure() if isinstance(readout, OwnRun) else math.nan
                    lo, hi = check["band"]
                    out["values"][f"{target['id']} {kind[:-1]} {check['readout']}"] = {
                        "value": value, "band": [lo, hi], "inside": bool(lo <= value <= hi)}
                    print(f"{target['id']:4s} {kind[:-7] or 'judged':6s} {check['readout']:70s} {value:9.4f} "
                          f"[{lo}, {hi}] {'pass' if lo <= value <= hi else 'FAIL'}", flush=True)
    p2 = _p2_without_supplement(args.gain)
    out["values"]["P2 unsupplemented arm (iron_balance only)"] = {"value": p2, "band": [66, 95],
                                                                    "inside": bool(66 <= p2 <= 95)}
    print(f"P2   info   unsupplemented arm (iron_balance, no oral iron) {p2:9.4f} [66, 95]")
    if args.out:
        from hemasim.io import write_json_report

        write_json_report(out, args.out)


if __name__ == "__main__":
    main()
