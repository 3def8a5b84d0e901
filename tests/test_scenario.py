"""Scenario files: valid examples load; bad input gets a one-line error naming the field."""

from pathlib import Path

import pytest

from hemasim.scenario import ScenarioError, load_scenario, parse_scenario

from .conftest import EXAMPLES

GOOD = {
    "name": "x",
    "patient": {"age_years": 40, "sex": "female", "weight_kg": 60},
    "duration_days": 30,
}


def with_changes(**changes):
    data = {**GOOD, "patient": dict(GOOD["patient"])}
    for key, value in changes.items():
        if key.startswith("patient."):
            data["patient"][key.split(".", 1)[1]] = value
        else:
            data[key] = value
    return data


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_examples_load(path):
    scenario = load_scenario(path)
    assert scenario.duration_days > 0


@pytest.mark.parametrize(
    ("data", "field", "hint"),
    [
        (with_changes(colour="red"), "colour", "unknown field"),
        (with_changes(**{"patient.weight_kg": -70}), "patient.weight_kg", "greater than 0"),
        (with_changes(**{"patient.sex": "other"}), "patient.sex", "'male' or 'female'"),
        (with_changes(duration_days="a year"), "duration_days", "valid number"),
        (with_changes(**{"patient.age_years": 130}), "patient.age_years", "less than or equal to 120"),
        ({k: v for k, v in GOOD.items() if k != "patient"}, "patient", "required"),
        (with_changes(interventions=[{"kind": "teleport", "day": 1}]), "interventions.0", "kind"),
        (with_changes(interventions=[{"kind": "blood_donation", "day": 3, "volume_mL": -5}]),
         "interventions.0.volume_mL", "greater than 0"),
        (with_changes(interventions=[{"kind": "blood_donation", "day": 40, "volume_mL": 500}]),
         "interventions.0.day", "after the end"),
        (with_changes(interventions=[{"kind": "cell_depletion", "day": 3, "groups": ["liver"],
                                      "surviving_fraction": 0.5}]), "interventions.0.groups.0", "'hsc'"),
    ],
)
def test_bad_scenarios_name_the_field(data, field, hint):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    msg = str(err.value)
    assert "\n" not in msg
    assert field in msg and hint in msg


def test_malformed_yaml_reports_line(tmp_path: Path):
    p = tmp_path / "bad.yaml"
    p.write_text("name: x\npatient: {age_years: 3\n")
    with pytest.raises(ScenarioError, match=r"malformed YAML at line \d+"):
        load_scenario(p)


def test_yaml_is_data_not_code(tmp_path: Path):
    p = tmp_path / "evil.yaml"
    p.write_text("!!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ScenarioError):
        load_scenario(p)


def test_top_level_must_be_a_mapping():
    with pytest.raises(ScenarioError, match="top level must be a mapping"):
        parse_scenario([1, 2])


CHEMO = {"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 100, "route": "iv_infusion",
         "infusion_hours": 1, "schedule": {"start_day": 0, "every_days": 21, "cycles": 1}}


def chemo(**changes):
    return with_changes(**{"patient.height_cm": 165}, interventions=[{**CHEMO, **changes}])


@pytest.mark.parametrize(
    ("data", "field", "hint"),
    [
        (chemo(drug_set="aspirin"), "interventions.0.drug_set", "unknown drug set 'aspirin'; shipped sets: "),
        (chemo(dose_mg_per_m2=-100), "interventions.0.dose_mg_per_m2", "greater than 0"),
        (chemo(dose_mg_per_kg=2), "interventions.0", "exactly one of dose_mg_per_m2"),
        (chemo(schedule={"days": [0, 0.02]}, infusion_hours=1), "interventions.0", "schedule: infusions overlap"),
        (chemo(schedule={"start_day": 0, "every_days": 21, "cycles": 3}), "interventions.0.schedule",
         "after the end of the scenario"),
        (chemo(route="oral"), "interventions.0", "route: 'oral' is not a route of drug set"),
        (chemo(drug_set="paclitaxel_friberg2002"), "interventions.0", "drug_set: 'paclitaxel_friberg2002' has no PK"),
        (chemo(schedule={"days": [5, 2]}), "interventions.0.schedule", "increasing"),
        (chemo(rules=[{"observable": "crp", "below": 1, "action": "delay"}]), "interventions.0.rules.0.observable",
         "'anc' or 'platelets'"),
        (with_changes(interventions=[CHEMO]), "patient.height_cm", "needed for dose_mg_per_m2"),
        (with_changes(interventions=[{"kind": "gcsf", "drug_set": "pegfilgrastim_melhem2017", "dose_mg": 6,
                                      "route": "subcutaneous"}]), "interventions.0", "exactly one of schedule or"),
    ],
)
def test_bad_drug_interventions_name_the_field(data, field, hint):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    msg = str(err.value)
    assert "\n" not in msg
    assert field in msg and hint in msg, msg


def test_friberg_chain_scenarios_take_only_their_drug():
    from hemasim.assembly import run_scenario

    base = {**with_changes(**{"patient.height_cm": 165}), "aging": False,
            "model": {"kind": "friberg_chain", "drug_set": "docetaxel_kloft2006"}, "interventions": [CHEMO]}
    r = run_scenario(parse_scenario(base))
    assert r.model.name == "friberg_docetaxel_kloft2006" and r.observable("anc_1e9_per_L").min() < 0.5
    with pytest.raises(ScenarioError, match="interventions.1: the Friberg chain of 'docetaxel_kloft2006' takes only"):
        parse_scenario({**base, "interventions": [CHEMO, {"kind": "blood_donation", "day": 3, "volume_mL": 500}]})
    with pytest.raises(ScenarioError, match="model.drug_set: 'filgrastim_wang2001' has no published chain"):
        parse_scenario({**base, "model": {"kind": "friberg_chain", "drug_set": "filgrastim_wang2001"}})


def test_cohorts_refuse_the_friberg_chain(tmp_path: Path):
    from hemasim.cohort import CohortError, run_cohort

    s = load_scenario(EXAMPLES / "friberg_docetaxel.yaml")
    with pytest.raises(CohortError, match="model: cohorts run the full model"):
        run_cohort(s, 3, tmp_path / "c", progress=False)


# -------------------------------------------------------------------------------- fuzzing the schema
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ._strategies import TEXT  # noqa: E402

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**9), st.floats(allow_nan=True),
                     st.text(TEXT, max_size=12), st.sampled_from(["docetaxel_kloft2006", "peripheral_blood", "anc",
                                                            "delay", "iv_infusion", "cy_tbi_12gy", "il2rg_scid"]))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(TEXT, max_size=8), inner, max_size=3)),
                       max_leaves=6)
_KINDS = ["chemotherapy", "gcsf", "radiation", "conditioning", "transplant", "blood_donation", "cell_depletion",
          "cell_infusion"]
_FIELDS = ["day", "start_day", "drug_set", "dose_mg_per_m2", "dose_mg", "dose_ug_per_kg", "route", "infusion_hours",
           "schedule", "rules", "on_demand", "total_dose_Gy", "fractions", "regimen", "source", "cd34_per_kg",
           "cd3_per_kg", "donor", "volume_mL", "groups", "surviving_fraction", "compartment", "cells_per_kg"]
_interventions = st.builds(lambda kind, extra: {"kind": kind, **extra}, st.sampled_from(_KINDS),
                           st.dictionaries(st.sampled_from(_FIELDS), _values, max_size=6))


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_interventions, max_size=3), st.sampled_from(["healthy", "il2rg_scid", "ada_scid", "xyz"]),
       st.one_of(st.none(), _values))
@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
def test_any_input_is_a_scenario_or_a_one_line_error(interventions, genotype, model):
    data = {**with_changes(**{"patient.height_cm": 170, "patient.genotype": genotype}), "duration_days": 90,
            "interventions": interventions}
    if model is not None:
        data["model"] = model
    try:
        parse_scenario(data)
    except ScenarioError as err:
        assert all(line.startswith("scenario: ") for line in str(err).split("\n"))  # one line per problem


@__import__("functools").cache
def _example_data() -> list[dict]:
    import yaml

    return [yaml.safe_load(p.read_text()) for p in sorted(EXAMPLES.glob("*.yaml"))]


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
@settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6), st.integers(0, 10**6), _values, st.booleans())
def test_any_one_field_changed_in_an_example_gives_a_scenario_or_a_one_line_error(which, where, value, delete):
    import copy

    data = copy.deepcopy(_example_data()[which % len(_example_data())])
    # every (container, key) pair of the example, then change or delete one
    spots = []

    def walk(obj):  # noqa: ANN001, ANN202
        items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
        for k, v in items:
            spots.append((obj, k))
            walk(v)

    walk(data)
    obj, key = spots[where % len(spots)]
    if delete and isinstance(obj, dict):
        del obj[key]
    else:
        obj[key] = value
    try:
        parse_scenario(data)
    except ScenarioError as err:
        assert all(line.startswith("scenario: ") for line in str(err).split("\n"))  # one line per problem
