"""Numbers the documentation states about this session's behaviour changes, held by runs (docs34).

docs/getting_started.md's second-fall example named "fell below 0.5 again on day 20" for filgrastim after 4 Gy, a
number of the on-demand rule of its day (uxmend34) that no configuration reproduced after mend34c's rule: the
documented configuration is run here and its caveat read."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_on_demand_filgrastim_after_4_gy_recovers_then_falls_again_as_documented():
    from hemasim.assembly import run_scenario
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.scenario import parse_scenario

    data = {"name": "x", "patient": {"age_years": 40, "sex": "male", "weight_kg": 80, "height_cm": 178},
            "duration_days": 40, "aging": False, "interventions": [
                {"kind": "radiation", "start_day": 0, "total_dose_Gy": 4},
                {"kind": "gcsf", "drug_set": "filgrastim_melhem2017", "dose_ug_per_kg": 5, "route": "subcutaneous",
                 "on_demand": {"start_day": 1}}]}
    r = run_scenario(parse_scenario(data))
    given = [e["day"] for e in r.record.administrations if e["action"] == "given"]
    assert given == [float(d) for d in range(1, 15)]  # the course's 14 doses (max_doses), days 1-14
    recovery = next(e for e in evaluate_endpoints(r) if e.name == "neutrophil_recovery_day")
    assert recovery.value == 14.0
    assert recovery.caveat == "fell below 0.5 again on day 17"
    text = " ".join((ROOT / "docs" / "getting_started.md").read_text(encoding="utf-8").split())
    assert '("fell below 0.5 again on day 17": after 4 Gy, filgrastim 5 µg/kg on demand from day 1' in text
    assert "lifts the ANC back above 0.5 on day 14, the course stops at its 14 doses" in text


def test_the_one_line_result_repr_is_the_documented_one():
    """docs/getting_started.md quotes the repr of examples/marrow_depletion.yaml's result (ux34b's one-line repr)."""
    import hemasim as hs

    r = hs.run_scenario(hs.load_scenario(ROOT / "examples" / "marrow_depletion.yaml"))
    shown = repr(r)
    assert shown.startswith("<hemasim Result 'marrow depletion', one patient, model 'healthy_human', days 0-90 "
                            "(181 output times), seed 0; observables: hsc_count_cells, ")
    assert shown.endswith(", ... (22 in all); .observables (table), .units, .endpoints()>")
    text = " ".join((ROOT / "docs" / "getting_started.md").read_text(encoding="utf-8").split())
    assert ("`<hemasim Result 'marrow depletion', one patient, model 'healthy_human', days 0-90 (181 output times), "
            "seed 0; observables: hsc_count_cells, ... (22 in all); .observables (table), .units, .endpoints()>`") in text
