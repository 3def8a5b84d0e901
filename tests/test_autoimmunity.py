"""CD4 clonotype richness and autoimmune disease with its reset: steady states, the clonal thinning law,
direction and monotonicity of the reset, bad input, and libRoadRunner on the exported model."""

import numpy as np
import pytest
import yaml

from hemasim.assembly import run_scenario
from hemasim.biology import Covariates, healthy_human_model
from hemasim.biology.autoimmunity import AutoimmuneDisease
from hemasim.events import CellDepletion
from hemasim.scenario import ScenarioError, parse_scenario
from hemasim.simulation import Simulation, steady_state
from tests.conftest import assert_roadrunner_matches


def _model(age=35.0, extensions=()):
    return healthy_human_model(Covariates(age, "female", 65.0, 168.0), aging=False, extensions=extensions).compile()


@pytest.mark.slow
def test_richness_holds_without_intervention_and_falls_with_age():
    richness = []
    for age in (20, 35, 50, 65, 80):
        r = Simulation(_model(age)).run(365, output_every_days=365)
        k = r.observable("cd4_clonotype_richness")
        assert k[-1] == pytest.approx(k[0], rel=1e-6)
        richness.append(k[-1])
    assert np.all(np.diff(richness) < 0)
    ref = healthy_human_model(aging=False).compile()
    assert ref.observables(0.0, ref.x0)[0][ref.observable_names.index("cd4_clonotype_richness")] == pytest.approx(
        ref.parameters.value("cd4_clonotypes_reference"), rel=1e-9)


@pytest.mark.parametrize("surviving", [1.0, 0.5, 0.01, 1e-3, 1e-5, 0.0])
def test_a_depletion_thins_clonotypes_by_the_clonal_law(surviving):
    """A share phi of CD4 cells survives: each clonotype of n = cells / clonotypes is lost with
    probability (1 - phi)^n; richness is never thinned in proportion to the cells."""
    model = _model()
    x = steady_state(model)
    y = CellDepletion(0.0, ("t_cell",), surviving).apply(model, x, np.random.default_rng(0))
    cells = [model.index(n) for n in ("naive_cd4", "cm_cd4", "em_cd4")]
    n_mean = x[cells].sum() / x[model.index("cd4_clonotypes")]
    expected = x[model.index("cd4_clonotypes")] * (1 - (1 - surviving) ** n_mean)
    assert y[model.index("cd4_clonotypes")] == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert y[model.index("cd4_clonotypes")] >= surviving * x[model.index("cd4_clonotypes")]


def test_untreated_disease_is_a_steady_state():
    model = _model(extensions=[AutoimmuneDisease("multiple_sclerosis")])
    r = Simulation(model).run(1000, output_every_days=100)
    assert np.allclose(r.observable("multiple_sclerosis_activity"), 1.0, rtol=1e-9)


def _ms_scenario(lymphoid_surviving=None, years=4):
    interventions = [{"kind": "conditioning", "regimen": "cy_atg", "start_day": 30},
                     {"kind": "transplant", "day": 35, "source": "peripheral_blood", "donor": "autologous",
                      "cd34_per_kg": 5e6, "cd3_per_kg": 1e4}]
    if lymphoid_surviving is not None:
        interventions[0] = {"kind": "cell_depletion", "day": 30, "groups": ["lymphocyte", "thymus"],
                            "surviving_fraction": lymphoid_surviving}
    return parse_scenario({"name": "ms", "duration_days": 365.25 * years + 35, "output": {"every_days": 5},
                           "patient": {"age_years": 35, "sex": "female", "weight_kg": 65, "height_cm": 168,
                                       "autoimmune_disease": "multiple_sclerosis"},
                           "interventions": interventions})


@pytest.mark.slow
def test_reset_lowers_activity_which_then_re_expands_and_deeper_ablation_resets_longer():
    r = run_scenario(_ms_scenario())
    act = r.observable("multiple_sclerosis_activity")
    nadir = int(np.argmin(act))
    assert act[nadir] < 0.01
    assert np.all(np.diff(act[nadir:]) > 0)  # surviving autoreactive memory re-expands (relapse, given time)
    at_two_years = []
    for surviving in (1e-1, 1e-2, 1e-3, 1e-4):
        rr = run_scenario(_ms_scenario(surviving, years=2))
        at_two_years.append(rr.observable("multiple_sclerosis_activity")[-1])
    assert np.all(np.diff(at_two_years) < 0)


def test_unknown_disease_is_refused_with_the_allowed_values():
    text = "name: x\npatient: {age_years: 30, sex: male, weight_kg: 70, autoimmune_disease: lupus}\nduration_days: 5\n"
    with pytest.raises(ScenarioError, match="multiple_sclerosis"):
        parse_scenario(yaml.safe_load(text))
    with pytest.raises(ValueError, match="allowed: multiple_sclerosis"):
        AutoimmuneDisease("lupus")


@pytest.mark.slow
@pytest.mark.integration
def test_libroadrunner_follows_a_lymphoablation_with_clonotype_thinning():
    model = _model(extensions=[AutoimmuneDisease("rheumatoid_arthritis")])
    events = [CellDepletion(10.0, ("lymphocyte", "thymus"), 1e-3)]
    assert_roadrunner_matches(model, events, 200.0, 21)


@pytest.mark.slow
def test_report_shows_disease_activity_and_repertoire(tmp_path):
    from hemasim.io import write_run_outputs

    spec = _ms_scenario(years=1)
    write_run_outputs(run_scenario(spec), tmp_path / "out")
    text = (tmp_path / "out" / "report.html").read_text()
    assert "Autoimmune disease and T-cell repertoire" in text
