"""Each endpoint family declares the units of its endpoints without running anything
(:meth:`hemasim.interventions.EndpointFamily.units`), and :func:`hemasim.assembly.scenario_endpoint_units` gives a
scenario's endpoint -> unit map from them: a run's endpoints.json, a cohort's summary, sweeps and sensitivity
analyses write the units it gives. The units the families' computed columns carry must be the declared ones, for
every shipped example (its arms too), so a family cannot add or change an endpoint without its declaration
following."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemasim.assembly import endpoint_families, run_scenario, scenario_endpoint_columns, scenario_endpoint_units
from hemasim.scenario import Scenario, load_scenario
from hemasim.scenario.arms import arm_scenarios

from .conftest import EXAMPLES, example_run

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _scenarios(path: Path) -> list[tuple[str, Scenario]]:
    base = load_scenario(path)
    return [("base", base), *arm_scenarios(base, str(path))]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_declares_the_units_its_endpoints_carry(path: Path):
    for arm, scenario in _scenarios(path):
        declared = scenario_endpoint_units(scenario)
        run = example_run(path.name) if arm == "base" else run_scenario(scenario)  # the base: tests/test_examples.py's
        computed = {c.name: c.unit for c in scenario_endpoint_columns(scenario, run)}
        assert computed or not endpoint_families(scenario), arm  # a family's run returns columns
        assert {name: declared.get(name) for name in computed} == computed, (arm, sorted(set(computed) - set(declared)))


def test_a_family_declares_the_endpoints_a_longer_run_would_add():
    """A superset of one run's columns: the chimerism days a run past them would reach (writers take the units of
    the columns they have)."""
    scenario = load_scenario(EXAMPLES / "allo_hsct_pbsc.yaml")
    short = scenario.model_copy(update={"duration_days": 60.0})
    declared = scenario_endpoint_units(short)
    computed = {c.name for c in scenario_endpoint_columns(short, run_scenario(short))}
    assert "donor_chimerism_cd4_day28" in computed and "donor_chimerism_cd4_day365" not in computed
    assert declared["donor_chimerism_cd4_day365"] == "fraction" and computed <= set(declared)
