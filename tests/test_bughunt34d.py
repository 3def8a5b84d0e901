"""Faults found reading the biology and the interventions (bughunt34d): each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pytest

_PATIENT = {"age_years": 55, "sex": "male", "weight_kg": 75, "height_cm": 178}


def _run(interventions: list[dict], duration_days: float = 30.0):
    from hemasim.assembly import run_scenario
    from hemasim.scenario import parse_scenario

    scenario = parse_scenario({"name": "t", "patient": _PATIENT, "duration_days": duration_days, "aging": False,
                               "output": {"every_days": 1}, "interventions": interventions}, "s.yaml")
    return run_scenario(scenario)


def test_a_graft_on_the_day_of_the_conditionings_tbi_is_given_after_it_whatever_the_listing_order():
    """flu_tbi_2gy gives its 2 Gy on day 4 of the regimen, the graft's day (docs: "TBI 2 Gy on day 0"): the graft
    follows the irradiation. Events of one day fired in the order the scenario listed them, so a transplant written
    before the conditioning was irradiated with the host: donor CD4 30 days on 9.4/uL where the same scenario listed
    the other way had 47 (and donor ANC on day 20 a third lower)."""
    conditioning = {"kind": "conditioning", "regimen": "flu_tbi_2gy", "start_day": 0}
    graft = {"kind": "transplant", "day": 4, "source": "peripheral_blood", "donor": "allogeneic", "cd34_per_kg": 5e6}
    first, second = _run([conditioning, graft]), _run([graft, conditioning])
    for name in ("cd4_per_uL__donor", "anc_1e9_per_L__donor", "platelets_1e9_per_L__donor"):
        np.testing.assert_allclose(second.observable(name), first.observable(name), rtol=1e-9, err_msg=name)


def _endpoints(interventions: list[dict], duration_days: float) -> dict[str, float]:
    from hemasim.assembly import run_scenario, scenario_endpoint_columns
    from hemasim.scenario import parse_scenario

    scenario = parse_scenario({"name": "t", "patient": _PATIENT, "duration_days": duration_days, "aging": False,
                               "output": {"every_days": 1}, "interventions": interventions}, "s.yaml")
    return {c.name: float(c.values[0]) for c in scenario_endpoint_columns(scenario, run_scenario(scenario))}


def test_infection_endpoints_count_from_the_earliest_inoculation_whatever_the_listing_order():
    """An infection's endpoints count "from the day of each agent's first inoculation" (interventions.inoculation):
    first_days took the first listed, so a reinfection on day 30 written before the day-0 infection gave a clearance
    day of 15 (the reinfection's) where the same scenario listed in day order gave 13."""
    day0 = {"kind": "infection", "day": 0, "inoculum_cfu": 1e9}
    day30 = {"kind": "infection", "day": 30, "inoculum_cfu": 1e9}
    in_order, reversed_ = _endpoints([day0, day30], 60.0), _endpoints([day30, day0], 60.0)
    assert reversed_ == in_order


def test_the_graft_day_is_the_earliest_graft_whatever_the_listing_order():
    """Transplant endpoints, chimerism and the DLI's check count from "the day of the first graft": the first listed
    was taken, so a second graft (day 60, after a failed first on day 4) written first made a DLI on day 30 refused
    as coming before the graft, and the engraftment days counted from day 60."""
    from hemasim.interventions.transplant import graft_day
    from hemasim.scenario import parse_scenario

    first = {"kind": "transplant", "day": 4, "source": "peripheral_blood", "cd34_per_kg": 5e6}
    second = {**first, "day": 60}
    dli = {"kind": "donor_lymphocyte_infusion", "day": 30, "cd3_per_kg": 1e7}
    scenario = parse_scenario({"name": "t", "patient": _PATIENT, "duration_days": 90, "aging": False,
                               "interventions": [{"kind": "conditioning", "regimen": "flu_tbi_2gy", "start_day": 0},
                                                 second, first, dli]}, "s.yaml")
    assert graft_day(scenario.interventions) == 4.0


def test_a_dli_brings_no_clonotypes_the_same_donors_graft_already_brought():
    """A DLI is the graft donor's lymphocytes: its CD4 cells are drawn from the repertoire the T-replete graft already
    brought (a clonotype of n ~ 1,800 cells is left behind by a graft of 5% of a body's CD4 cells with probability
    e^-92). The event counted its clonotypes as new, as a second donor's: a 1e7 CD3+/kg DLI on day 124 of the RIC
    example raised the whole-body CD4 clonotype richness from 1.67e8 to 2.83e8 overnight - more than the host's own
    (5.1e7) and the donor's whole repertoire (cd4_clonotypes_reference, 1.2e8) together."""
    conditioning = {"kind": "conditioning", "regimen": "flu_tbi_2gy", "start_day": 0}
    graft = {"kind": "transplant", "day": 4, "source": "peripheral_blood", "donor": "allogeneic", "cd34_per_kg": 5e6}
    dli = {"kind": "donor_lymphocyte_infusion", "day": 20, "cd3_per_kg": 1e7}
    richness = _run([conditioning, graft, dli], 22.0).observable("cd4_clonotype_richness")
    assert richness[20] == pytest.approx(richness[19], rel=1e-3)
    # a DLI after a T-cell-depleted graft does bring new clonotypes (few came with the graft)
    depleted = _run([conditioning, {**graft, "cd3_per_kg": 1e3}, dli], 22.0).observable("cd4_clonotype_richness")
    assert depleted[20] > 1.5 * depleted[19]


def test_a_design_point_or_cohort_patient_gets_its_own_blood_volume_per_kg():
    """Every parameter of a sensitivity design or a cohort reaches the model per patient (BuildContext.p), but the
    blood volume was computed from the table: a patient without a height at 50 and 80 mL/kg both had 65 mL/kg's
    4.03 L, so a sweep of blood_volume_mL_per_kg_female over a 500-mL donation read the Hb nadir 12.46 g/dL at both
    points where single runs with those values give 12.04 and 12.71."""
    import pandas as pd

    from hemasim.assembly import run_scenario
    from hemasim.scenario import parse_scenario
    from hemasim.sensitivity.batch import evaluate_points

    data = {"name": "t", "patient": {"age_years": 30, "sex": "female", "weight_kg": 62}, "duration_days": 40,
            "aging": False, "interventions": [{"kind": "blood_donation", "day": 10, "volume_mL": 500}]}
    values = [50.0, 80.0]
    swept = evaluate_points(parse_scenario(data, "s.yaml"), pd.DataFrame({"blood_volume_mL_per_kg_female": values}))
    single = [run_scenario(parse_scenario({**data, "parameters": {"blood_volume_mL_per_kg_female": v}}, "s.yaml"))
              .observable("hemoglobin_g_per_dL").min() for v in values]
    assert swept["hemoglobin_nadir"].tolist() == pytest.approx(single, rel=1e-6)
    assert single[0] < single[1] - 0.5


def test_a_fits_value_of_a_g_csfs_central_volume_reaches_its_mobilising_drive(tmp_path):
    """A fit (or a fitted parameter_set) with a drug set's value changed builds a copy of the set for the PK
    (inference.sources.scenario_model); the G-CSF's CD34+ mobilising drive kept the central volume the scenario was
    read with, so at filgrastim's V1 6.24 L for 3.12 the drive saw twice the concentration the PK had: peak blood
    CD34+ 112/uL where the same drug set from a file with 6.24 L gives 66."""
    import yaml

    from hemasim.assembly import build_events, run_scenario
    from hemasim.inference.sources import scenario_model
    from hemasim.scenario import parse_scenario
    from hemasim.simulation import Simulation

    from .conftest import EXAMPLES

    drugs = EXAMPLES.parent / "src" / "hemasim" / "pharmacology" / "drugs"
    changed = yaml.safe_load((drugs / "filgrastim_wang2001.yaml").read_text(encoding="utf-8"))
    changed["name"] = "filgrastim_v1_doubled"
    changed["pk"]["central_volume_L"]["value"] *= 2.0
    (tmp_path / "filgrastim_v1_doubled.yaml").write_text(yaml.safe_dump(changed))
    data = {"name": "t", "patient": {"age_years": 35, "sex": "male", "weight_kg": 75, "height_cm": 178},
            "duration_days": 10.0, "aging": False, "output": {"every_days": 0.25},
            "interventions": [{"kind": "gcsf", "drug_set": "filgrastim_wang2001", "dose_ug_per_kg": 10,
                               "route": "subcutaneous", "schedule": {"days": [0, 1, 2, 3, 4]}}]}
    scenario = parse_scenario(data, "s.yaml")
    model = scenario_model(scenario, {"filgrastim_wang2001__pk_central_volume_L": changed["pk"]["central_volume_L"]
                                      ["value"]})
    fitted = Simulation(model.compile(), events=build_events(scenario)).run(10.0, 0.25)
    data["interventions"][0]["drug_set"] = str(tmp_path / "filgrastim_v1_doubled.yaml")
    from_file = run_scenario(parse_scenario(data, "s.yaml"))
    assert fitted.observable("cd34_blood_per_uL").max() == pytest.approx(
        from_file.observable("cd34_blood_per_uL").max(), rel=1e-6)
