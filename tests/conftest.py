from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from hemasim.cli.app import app as hemasim_app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# wide enough that Rich never wraps a table cell or an error line (tests look for words in them)
TERMINAL_ENV = {"COLUMNS": "160"}


#: The suite's longest tests, longest first (seconds on an idle 2-core machine in two xdist processes, clean clone of
#: main a92825d, 4 December 2026). They run first, each file's tests together as before (module fixtures are built
#: once): pytest-xdist hands each process a contiguous half of the collection and a process that runs out steals
#: the second half of the other's queue, so a long test met late leaves one core idle while it runs on the other
#: (the documentation build alone is a quarter of one process's share). Run first, the long tests overlap the short
#: ones and the run ends on short tests. tests/test_suite_order.py holds that each still exists.
LONGEST_FIRST = (
    "tests/test_docs_build.py::test_site_builds_strict_with_executed_tutorials",  # 30.6 s
    "tests/test_validation_chemotherapy_schedules.py::test_the_new_predictions_pass_or_fail_as_reported",  # 23.8 s
    "tests/test_validation_predictions4.py::test_the_new_predictions_pass_or_fail_as_reported",  # 22.9 s
    "tests/test_gpu.py::test_gpu_kernel_equals_the_cpu_lockstep_kernel_in_the_cuda_simulator",  # 9.7 s
    "tests/test_cohort.py::test_killed_cohort_command_resumes_without_recomputing",  # 7.6 s
    "tests/test_inference_fit.py::test_friberg_recovery_generating_values_within_their_intervals",  # 5.8 s
    "tests/test_cohort.py::test_dask_local_cluster_gives_the_same_endpoints",  # 4.1 s
    "tests/test_population.py::test_saem_recovers_a_simulated_maintenance_population",  # 3.7 s
    "tests/test_cli.py::test_validate_passes_and_lists_uncovered",  # 3.3 s
)


def pytest_configure(config: pytest.Config) -> None:
    _roadrunner_lljit()


@pytest.hookimpl(tryfirst=True)  # before --failed-first / --last-failed, which then put failures first still
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items[:] = longest_first(items)


def longest_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """``items`` with the files of :data:`LONGEST_FIRST` first, in its order, and in each of those files its listed
    tests first; everything else in collection order. The same order in every xdist process (a pure function of the
    collection), as pytest-xdist requires."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    file_rank: dict[str, int] = {}
    for name, i in rank.items():
        file_rank.setdefault(name.split("::")[0], i)
    unlisted = len(LONGEST_FIRST)

    def key(position_and_item: tuple[int, pytest.Item]) -> tuple[int, int, int]:
        position, item = position_and_item
        test = item.nodeid.split("[")[0]  # a parametrised test's cases share its rank
        return (file_rank.get(item.nodeid.split("::")[0], unlisted), rank.get(test, unlisted), position)

    return [item for _, item in sorted(enumerate(items), key=key)]


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
