from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from hemasim.cli.app import app as hemasim_app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# wide enough that Rich never wraps a table cell or an error line (tests look for words in them)
TERMINAL_ENV = {"COLUMNS": "160"}


def pytest_configure(config: pytest.Config) -> None:
    _roadrunner_lljit()


def _roadrunner_lljit() -> None:
    """libRoadRunner compiles each SBML model with its LLJIT backend instead of the default MCJIT: the same model
    code, built in ~0.15 s instead of ~0.7 s (the healthy model; tests that cross-check an exported model spent most
    of their time there). Results are the same to the last bit on the models tried (docs/performance.md)."""
    import importlib.util

    if importlib.util.find_spec("roadrunner") is None:
        return
    import roadrunner

    roadrunner.Config.setValue(roadrunner.Config.LLVM_BACKEND, roadrunner.Config.LLJIT)


def validation_outcome(groups: list[str]) -> tuple[dict[str, str], dict[str, float]]:
    """Run validation groups (as `hemasim validate --group` does): each target's status by id, and each check's
    value by read-out (judged and info checks), as the hold tests of the target groups read them."""
    from hemasim.validation import run_validation

    report = run_validation(groups)
    return ({t.id: t.status for t in report.targets},
            {c.readout: c.value for t in report.targets for c in t.checks})


def invoke_hemasim(*args: str) -> Result:
    """Run ``hemasim ARGS`` in this process through Typer's runner (exit code, stdout, stderr apart); an
    unexpected exception propagates with its traceback instead of becoming exit code 1."""
    return CliRunner().invoke(hemasim_app, list(args), env=TERMINAL_ENV, catch_exceptions=False)


@pytest.fixture(scope="session")
def reference_model():
    from hemasim.biology import healthy_human_model

    return healthy_human_model().compile()


@pytest.fixture(scope="session")
def static_reference_model():
    from hemasim.biology import healthy_human_model

    return healthy_human_model(aging=False).compile()


def assert_roadrunner_matches(model, events, days: float, points: int, x0=None, tol: float = 1e-4,
                              rr_atol: float = 1e-8) -> None:
    """libRoadRunner on the exported SBML follows hemasim's compiled solver to ``tol`` (relative to each
    state, floored at 1e-6 of its largest value); skipped with a message without libroadrunner."""
    import numpy as np

    roadrunner = pytest.importorskip("roadrunner", reason="libroadrunner is not installed")
    from hemasim.model.sbml import to_sbml
    from hemasim.simulation import Simulation, steady_state
    from hemasim.solvers import DormandPrince

    x0 = steady_state(model) if x0 is None else x0
    rr = roadrunner.RoadRunner(to_sbml(model, events, initial_state=x0))
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = rr_atol
    res = np.array(rr.simulate(0, days, points, selections=["time", *model.state_names]))[:, 1:]
    ours = Simulation(model, solver=DormandPrince(rtol=1e-10), events=events).run(
        days, days / (points - 1), x0=x0).states
    # relative to each state, floored at 1e-6 of the largest value it takes (a state that starts at zero,
    # such as a pathogen, is compared on the scale of its own course)
    scale = np.maximum(np.abs(ours), 1e-6 * np.maximum(np.abs(ours).max(axis=0), 1.0))
    assert np.max(np.abs(res - ours) / scale) < tol
