"""Combination regimens as data: every shipped regimen loads with cited or assumed values and only shipped,
dosable drug sets; a regimen stands for exactly the chemotherapy and G-CSF interventions written out by hand;
bad regimens are refused with one line naming the field; a regimen scenario runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from hemasim.assembly import build_events, model_extensions, run_scenario
from hemasim.pharmacology import available_drug_sets, load_drug_set
from hemasim.pharmacology.chemo_regimens import RegimenError, available_chemo_regimens, load_chemo_regimen
from hemasim.scenario import ScenarioError, load_scenario, parse_scenario

from .conftest import EXAMPLES

PATIENT = {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165}


def _scenario(interventions: list[dict[str, object]], days: float = 84.0) -> dict[str, object]:
    return {"name": "t", "patient": PATIENT, "duration_days": days, "aging": False, "interventions": interventions}


def test_shipped_regimens_use_shipped_dosable_sets_and_cite_their_values():
    names = available_chemo_regimens()
    assert {"fac_ahmed2020", "ac_docetaxel", "docetaxel_pegfilgrastim"} <= set(names)
    for name in names:
        reg = load_chemo_regimen(name)
        for phase in reg.phases:
            for v in (phase.cycle_length_days, phase.cycles):
                assert v.source in reg.references or v.assumed or v.derived
            for drug in phase.drugs:
                assert drug.drug_set in available_drug_sets()
                ds = load_drug_set(drug.drug_set)
                assert ds.pk is not None and drug.route in ds.routes
                for v in (drug.dose_mg_per_m2, drug.dose_mg, drug.infusion_hours):
                    assert v is None or v.source in reg.references or v.assumed
        assert (EXAMPLES / f"regimen_{name}.yaml").exists(), "one example scenario per shipped regimen"


def test_a_regimen_gives_the_events_of_the_interventions_written_out():
    """docetaxel_pegfilgrastim is examples/docetaxel_q3w_pegfilgrastim.yaml as a file: same events, same model."""
    by_hand = load_scenario(EXAMPLES / "docetaxel_q3w_pegfilgrastim.yaml")
    as_file = parse_scenario(_scenario([{"kind": "chemotherapy_regimen", "regimen": "docetaxel_pegfilgrastim"}]))
    key = lambda ev: (ev.day, ev.drug)  # noqa: E731
    assert sorted(build_events(as_file), key=key) == sorted(build_events(by_hand), key=key)
    assert [type(e).__name__ for e in model_extensions(as_file)] == [type(e).__name__ for e in
                                                                     model_extensions(by_hand)]


def test_phases_follow_one_another_and_the_start_day_shifts_all():
    sc = parse_scenario(_scenario([{"kind": "chemotherapy_regimen", "regimen": "ac_docetaxel", "start_day": 7}],
                                  days=180.0))
    first = {}
    for ev in build_events(sc):
        first.setdefault(ev.drug, ev.day)
    assert first == {"doxorubicin": 7.0, "cyclophosphamide": 7.0, "docetaxel": 7.0 + 4 * 21.0}


def test_bad_regimens_are_refused_naming_the_field(tmp_path: Path):
    with pytest.raises(ScenarioError, match="unknown regimen 'nope'; shipped regimens: ac_docetaxel"):
        parse_scenario(_scenario([{"kind": "chemotherapy_regimen", "regimen": "nope"}]))
    bad = {"name": "pd_only", "description": "a PD-only set cannot be dosed", "phases": [{
        "cycle_length_days": {"value": 21, "assumed": "test"}, "cycles": {"value": 2, "assumed": "test"},
        "drugs": [{"drug_set": "paclitaxel_friberg2002", "route": "iv_infusion",
                   "dose_mg_per_m2": {"value": 175, "assumed": "test"}, "infusion_hours": {"value": 3, "assumed": "t"}}]}]}
    path = tmp_path / "pd_only.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(ScenarioError, match="has no PK model and cannot be dosed"):
        parse_scenario(_scenario([{"kind": "chemotherapy_regimen", "regimen": str(path)}]))
    bad["phases"][0]["drugs"][0]["dose_mg_per_m2"] = {"value": 175, "source": "Nobody", "where": "x"}
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(RegimenError, match=r"phases.0.drugs.0.dose_mg_per_m2.source: unknown reference 'Nobody'"):
        load_chemo_regimen(path)
    bad["phases"] = []
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(RegimenError, match="pd_only.yaml: phases: "):
        load_chemo_regimen(path)
    with pytest.raises(ScenarioError, match="is after the end of the scenario"):
        parse_scenario(_scenario([{"kind": "chemotherapy_regimen", "regimen": "ac_docetaxel"}], days=100.0))


@pytest.mark.slow
def test_a_regimen_scenario_runs_with_drug_endpoints():
    sc = parse_scenario(_scenario([{"kind": "chemotherapy_regimen", "regimen": "fac_ahmed2020"}], days=130.0))
    r = run_scenario(sc)
    assert np.all(np.isfinite(r.states))
    from hemasim.assembly import scenario_endpoint_columns

    names = {c.name for c in scenario_endpoint_columns(sc, r)}
    assert {"fluorouracil_delivered_mg", "doxorubicin_delivered_mg", "cyclophosphamide_cumulative_auc"} <= names


def test_a_regimen_file_is_read_within_the_input_limits(tmp_path):
    """Regimen files go through the same limited YAML reader as scenarios (duplicate keys, aliases, size)."""
    from hemasim.pharmacology.chemo_regimens import _load_file

    path = tmp_path / "dup.yaml"
    path.write_text("name: dup\nname: again\n", encoding="utf-8")
    with pytest.raises(RegimenError, match="duplicate key 'name'"):
        _load_file(path)
