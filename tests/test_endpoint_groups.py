"""Every endpoint a shipped example can give (its arms' and the cohort examples' too) falls in a group of the report's
endpoint table (:func:`hemasim.report.html.endpoint_group`): a vaccine's fold-rise and plasmablast peak day and a
child's CD4-for-age day were listed under "Other endpoints", away from their own groups (review36c). A new endpoint
must be given a group, or be named here as one that has none."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hemasim._file_kinds import kind_of
from hemasim.assembly import scenario_endpoint_units
from hemasim.report.html import OTHER_GROUP, endpoint_group
from hemasim.scenario import load_scenario
from hemasim.scenario.arms import arm_scenarios

from .conftest import EXAMPLES

#: the endpoints allowed in the "Other endpoints" group (none: every shipped endpoint has a group of its own)
OTHER_ALLOWED: frozenset[str] = frozenset()


def _endpoint_names() -> dict[str, str]:
    """Endpoint -> the first example that declares it (:func:`scenario_endpoint_units`: a superset of what its runs
    give, tests/test_endpoint_units.py), over every scenario file under examples/ and each of its arms."""
    names: dict[str, str] = {}
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        if kind_of(yaml.safe_load(path.read_text(encoding="utf-8"))) != "a scenario":
            continue  # a sweep, a fitting problem, a gene-therapy scenario: no endpoint table of this kind
        base = load_scenario(path)
        for _, scenario in [("base", base), *arm_scenarios(base, str(path))]:
            for name in scenario_endpoint_units(scenario):
                names.setdefault(name, Path(path).name)
    return names


@pytest.mark.filterwarnings("ignore")  # a scenario's advice on its output grid, not this test's matter
def test_every_shipped_endpoint_has_a_group_of_its_own():
    names = _endpoint_names()
    assert any(n.endswith("_fold_rise") for n in names) and "cd4_for_age_day" in names  # what it is about
    assert any(n.startswith("donor_chimerism_") for n in names)  # the cohort and transplant examples were read
    other = {n: where for n, where in names.items() if endpoint_group(n)[0] == OTHER_GROUP}
    assert set(other) <= OTHER_ALLOWED, other


def test_the_groups_of_the_endpoints_review36c_found_in_other():
    for name in ("tetanus_fold_rise", "tetanus_fold_rise_responder", "influenza_plasmablast_peak_day",
                 "pneumococcus_plasmablast_peak_day_did_not_rise", "tetanus_igg_day28_au"):
        assert endpoint_group(name)[0] == "Vaccine responses", name
    assert endpoint_group("cd4_for_age_day")[0] == "Immune recovery"
    assert endpoint_group("cd4_for_age_day_did_not_fall")[0] == "Immune recovery"
    assert endpoint_group("influenza_clearance_day")[0] == "Infection"  # the vaccine's pattern takes no infection's
