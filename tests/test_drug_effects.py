"""Building blocks for drug PK/PD: infusion windows, linear and Emax effects (kernel = reference = SBML)."""

import numpy as np
import pytest

from hemasim.model import Feedback, FeedbackKind, Model, Module, Observable, Signal
from hemasim.parameters import ParameterSet
from hemasim.simulation import Simulation
from hemasim.solvers import DormandPrince, ScipyReference

V_L, K_EL, RATE = 10.0, 2.0, 50.0  # volume (L), elimination (1/day), infusion rate (mg/day)


def pk_pd_model(rate=RATE, start=1.0, end=3.0, slope=0.05, emax=-0.6, ec50=2.0, hill=1.5):
    m = Module("pkpd")
    m.compartment("drug", "drug amount (mg)", 0.0)
    m.compartment("prog", "proliferating cells", 1000.0)
    m.compartment("stim", "stimulated cells", 1000.0)
    m.signals.append(Signal("conc", {"drug": 1.0 / V_L}))
    m.feedbacks += [Feedback("infusion", FeedbackKind.WINDOW, (start, end)),
                    Feedback("kill", FeedbackKind.LINEAR_INHIBITION, (slope,), signal="conc"),
                    Feedback("emax", FeedbackKind.EMAX, (emax, ec50, hill), signal="conc")]
    m.flow("dose", "source", None, "drug", rate, feedbacks=("infusion",))
    m.flow("elimination", "death", "drug", None, K_EL)
    m.flow("prog_prolif", "proliferation", "prog", "prog", 0.5, consume=0.0, feedbacks=("kill",))
    m.flow("prog_out", "death", "prog", None, 0.5)
    m.flow("stim_prolif", "proliferation", "stim", "stim", 0.3, consume=0.0, feedbacks=("emax",))
    m.flow("stim_out", "death", "stim", None, 0.3)
    m.observables.append(Observable("conc_mg_per_L", "mg/L", "drug concentration", {"drug": 1.0 / V_L}))
    return Model([m], ParameterSet("empty", {})).compile()


def infusion_amount(t, start=1.0, end=3.0):
    on = (t >= start) & (t < end)
    during = RATE / K_EL * (1 - np.exp(-K_EL * (t - start)))
    at_end = RATE / K_EL * (1 - np.exp(-K_EL * (end - start)))
    after = at_end * np.exp(-K_EL * (t - end))
    return np.where(t < start, 0.0, np.where(on, during, after))


@pytest.mark.parametrize("solver", [DormandPrince(rtol=1e-10), ScipyReference(rtol=1e-10)], ids=["dopri", "scipy"])
def test_infusion_window_matches_the_analytic_amount(solver):
    model = pk_pd_model()
    r = Simulation(model, solver=solver).run(6.0, output_every_days=0.05, x0=model.x0)
    np.testing.assert_allclose(r.state("drug"), infusion_amount(r.times), rtol=1e-7, atol=1e-7)


def test_new_feedback_kinds_agree_between_kernel_and_reference():
    from hemasim.solvers._kernel import rhs_into

    model = pk_pd_model()
    rng = np.random.default_rng(0)
    for t in (0.5, 1.5, 2.999, 3.0, 4.0):
        for _ in range(10):
            x = np.array([rng.uniform(0, 400), rng.uniform(1, 2000), rng.uniform(1, 2000)])
            out = np.empty(3)
            rhs_into(t, x, out, *model.kernel_arrays(), np.empty(1), np.empty(3), np.empty(len(model.flow_names)))
            np.testing.assert_allclose(out, model.rhs(t, x), rtol=1e-12, atol=1e-9)


def test_linear_effect_is_capped_and_emax_saturates():
    model = pk_pd_model(slope=1.0)
    fb = model.feedback_values(np.array([2.0]), np.array([[1e4, 1.0, 1.0]]))[0]
    assert fb[1] == 0.0  # 1 - slope * C never goes below 0
    assert fb[2] == pytest.approx(1.0 - 0.6 * (1e3**1.5) / (2.0**1.5 + 1e3**1.5))


def test_drug_exposure_deepens_the_nadir_monotonically():
    nadirs = []
    for rate in (10.0, 30.0, 60.0):
        model = pk_pd_model(rate=rate)
        nadirs.append(Simulation(model).run(10.0, x0=model.x0).state("prog").min())
    assert nadirs[0] > nadirs[1] > nadirs[2]


@pytest.mark.integration
def test_sbml_with_windows_and_effects_matches_libroadrunner():
    from hemasim.model.sbml import to_sbml, validate_sbml

    from .conftest import roadrunner_trajectory

    model = pk_pd_model()
    text = to_sbml(model)
    assert validate_sbml(text) == []
    theirs = roadrunner_trajectory(text, 6, 61, ["drug", "prog", "stim"], atol=1e-10)
    ours = Simulation(model, solver=DormandPrince(rtol=1e-10)).run(6.0, output_every_days=0.1, x0=model.x0).states
    np.testing.assert_allclose(theirs, ours, rtol=1e-6, atol=1e-6)


def test_lockstep_cohort_path_handles_the_new_kinds():
    model = pk_pd_model(rate=np.array([10.0, 30.0, 60.0]), slope=np.array([0.02, 0.05, 0.1]))
    assert model.n_patients == 3
    obs = Simulation(model, solver=DormandPrince(rtol=1e-9)).run(8.0, 0.25, x0=model.x0,
                                                                 observe=["conc_mg_per_L"]).values
    for i in range(3):
        one = model.patient(i)
        r = Simulation(one, solver=DormandPrince(rtol=1e-10)).run(8.0, output_every_days=0.25, x0=one.x0)
        np.testing.assert_allclose(obs[i, :, 0], r.observable("conc_mg_per_L"), rtol=1e-6, atol=1e-8)
