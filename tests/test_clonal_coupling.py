"""Clone output coupled into the lineage model: identity, direction and size of the effect, scenario input,
and libRoadRunner on the exported model."""

import numpy as np
import pytest
import yaml

from hemasim.assembly import model_extensions
from hemasim.biology import REFERENCE_ADULT, healthy_human_model
from hemasim.clonal.coupling import LINEAGES, ClonalOutput, Clone
from hemasim.scenario import ScenarioError, parse_scenario
from hemasim.simulation import Simulation, steady_state
from tests.conftest import assert_roadrunner_matches

COUNTS = ("hemoglobin_g_per_dL", "platelets_1e9_per_L", "anc_1e9_per_L", "monocytes_1e9_per_L",
          "lymphocytes_1e9_per_L")


def _counts(extensions=()):
    model = healthy_human_model(REFERENCE_ADULT, aging=False, extensions=extensions)
    r = Simulation(model).run(60, output_every_days=30)
    return {k: float(r.observable(k)[-1]) for k in COUNTS}, r


def test_wild_type_clones_change_nothing():
    base, _ = _counts()
    neutral, r = _counts([ClonalOutput.from_clones([Clone(0.5, {}), Clone(0.2, {lin: 1.0 for lin in LINEAGES})])])
    assert neutral == pytest.approx(base, rel=1e-9)
    assert np.allclose(r.states[0], r.states[-1], rtol=1e-6)  # starts from its own steady state


def test_an_erythroid_biased_clone_raises_hb_more_the_larger_it_is_and_leaves_other_lineages():
    base, _ = _counts()
    hb = []
    for share in (0.1, 0.3, 0.6):
        c, _ = _counts([ClonalOutput.from_clones([Clone(share, {"erythroid": 2.0})])])
        hb.append(c["hemoglobin_g_per_dL"])
        assert c["anc_1e9_per_L"] == pytest.approx(base["anc_1e9_per_L"], rel=1e-6)
        assert c["lymphocytes_1e9_per_L"] == pytest.approx(base["lymphocytes_1e9_per_L"], rel=1e-6)
    assert base["hemoglobin_g_per_dL"] < hb[0] < hb[1] < hb[2]


def test_a_clone_that_makes_no_lymphoid_cells_lowers_lymphocytes():
    base, _ = _counts()
    c, _ = _counts([ClonalOutput.from_clones([Clone(0.5, {"lymphoid": 0.0})])])
    assert c["lymphocytes_1e9_per_L"] < base["lymphocytes_1e9_per_L"]
    assert c["anc_1e9_per_L"] == pytest.approx(base["anc_1e9_per_L"], rel=1e-6)


def test_bad_clones_name_what_to_change():
    with pytest.raises(ValueError, match="allowed: neutrophil"):
        Clone(0.2, {"platelet": 2.0})
    with pytest.raises(ValueError, match="sum to <= 1"):
        ClonalOutput.from_clones([Clone(0.7), Clone(0.6)])


SCENARIO = """
name: ch
patient: {age_years: 70, sex: female, weight_kg: 65, clones: CLONES}
duration_days: 30
"""


def test_scenario_clones_reach_the_model_and_bad_ones_are_refused():
    spec = parse_scenario(yaml.safe_load(SCENARIO.replace("CLONES", "[{label: JAK2 V617F, vaf: 0.2, lineage_output: "
                                                     "{megakaryocyte: 2.0}}]")))
    ext = next(e for e in model_extensions(spec) if isinstance(e, ClonalOutput))
    assert ext.lineage_multiplier["megakaryocyte"] == pytest.approx(1.4)
    assert ext.lineage_multiplier["erythroid"] == pytest.approx(1.0)
    for bad, field in [("[{label: a, vaf: 0.7}]", "vaf"), ("[{label: a, vaf: 0.3}, {label: b, vaf: 0.3}]", "clones"),
                       ("[{label: a, vaf: 0.1, lineage_output: {platelets: 2}}]", "platelets")]:
        with pytest.raises(ScenarioError, match=field):
            parse_scenario(yaml.safe_load(SCENARIO.replace("CLONES", bad)))


@pytest.mark.slow
@pytest.mark.integration
def test_libroadrunner_follows_the_coupled_model():
    model = healthy_human_model(REFERENCE_ADULT, aging=False, extensions=[
        ClonalOutput.from_clones([Clone(0.4, {"erythroid": 1.5, "megakaryocyte": 2.0, "lymphoid": 0.5})])]).compile()
    # start off the coupled steady state, so that the states move
    x0 = steady_state(healthy_human_model(REFERENCE_ADULT, aging=False).compile())
    assert_roadrunner_matches(model, [], 120.0, 13, x0=x0)
