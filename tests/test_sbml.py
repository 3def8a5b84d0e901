"""SBML export: libSBML-valid, annotated, and simulated by libRoadRunner to hemasim's trajectories."""

import numpy as np
import pytest

from hemasim.events import BloodLoss, CellDepletion
from hemasim.model.sbml import sbml_parameter_values, to_sbml, validate_sbml
from hemasim.simulation import Simulation, steady_state
from hemasim.solvers import DormandPrince


@pytest.fixture(scope="module")
def exported(reference_model):
    events = [CellDepletion(10.0, ("marrow",), 0.2, ("hsc",)), BloodLoss(40.0, 500.0)]
    x0 = steady_state(reference_model)
    return reference_model, events, x0, to_sbml(reference_model, events, initial_state=x0)


def test_export_is_valid_sbml_with_miriam_references(exported):
    _, _, _, text = exported
    assert validate_sbml(text, warnings=True) == []  # no errors, and no unit warnings either
    assert "identifiers.org/doi:10.1182/blood-2016-03-700336" in text  # Lahoz-Beneytez 2016
    assert "bqbiol:isDescribedBy" in text and "bqmodel:isDescribedBy" in text


@pytest.mark.slow
@pytest.mark.integration
def test_libroadrunner_matches_hemasim(exported):
    from .conftest import assert_follows, roadrunner_trajectory

    model, events, x0, text = exported
    res = roadrunner_trajectory(text, 200, 201, ["time", *model.state_names])[:, 1:]
    ours = Simulation(model, solver=DormandPrince(rtol=1e-10), events=events).run(200).states
    assert_follows(res, ours, 1e-4, 1e-6 * np.abs(x0))


def test_the_suite_compiles_models_with_libroadrunners_default_mcjit_backend():
    """Not LLJIT, which segfaulted here when the process's earlier mappings put a model's jump table more than
    2 GiB from its code (libroadrunner 2.10.0; tests/conftest.py, branch segv): a crash that only some orders of
    the test files showed."""
    roadrunner = pytest.importorskip("roadrunner", reason="libroadrunner is not installed")
    assert roadrunner.Config.getValue(roadrunner.Config.LLVM_BACKEND) == roadrunner.Config.MCJIT


def test_parameter_values_retarget_the_model_to_another_patient(reference_model):
    from hemasim.biology import Covariates, healthy_human_model

    other = healthy_human_model(Covariates(70.0, "female", 55.0, 160.0)).compile()
    a, b = sbml_parameter_values(reference_model), sbml_parameter_values(other)
    assert a.keys() == b.keys()
    assert a["k_hsc_division"] == b["k_hsc_division"]
    assert a["fb_thymic_capacity_p0"] == 35.0 and b["fb_thymic_capacity_p0"] == 70.0
