"""PEtab v1 round trip, and the same Friberg fit through PEtab + the exported SBML on libRoadRunner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hemasim.inference import FitResult, Objective, fit, load_problem
from hemasim.inference.petab import PetabError, export_petab, import_petab

from .conftest import EXAMPLES

FIT = EXAMPLES / "fit"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    problem = load_problem(FIT / "problem.yaml")
    return export_petab(problem, tmp_path_factory.mktemp("petab") / "docetaxel")


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
def test_export_writes_the_tables_and_lints(exported: Path):
    root = exported.parent
    names = {p.name for p in root.iterdir()}
    assert {"problem.yaml", "parameters.tsv", "observables.tsv", "measurements_patient_01.tsv",
            "conditions_patient_01.tsv", "model_patient_01.xml", "scenario_patient_01.yaml"} <= names
    text = (root / "model_patient_01.xml").read_text()
    assert 'id="mtt_h"' in text and "<assignmentRule variable=\"k_circ_loss\">" in text
    petab = pytest.importorskip("petab.v1", reason="petab is not installed")
    petab.validate(str(exported))  # the YAML against PEtab's schema (the tables were linted on export)


@pytest.mark.slow
def test_round_trip_gives_the_same_objective(exported: Path):
    original = Objective(load_problem(FIT / "problem.yaml"))
    back = Objective(import_petab(exported))
    theta = np.array([original.nominal, original.nominal + 0.07])
    np.testing.assert_allclose(back(theta), original(theta), rtol=1e-12)
    assert [p.target for p in back.parameters] == [p.target for p in original.parameters]


def test_import_refuses_formulas_it_did_not_write(exported: Path, tmp_path: Path):
    import shutil

    copy = tmp_path / "p"
    shutil.copytree(exported.parent, copy)
    table = copy / "observables.tsv"
    table.write_text(table.read_text().replace("1.0 * circ", "exp(circ)"))
    with pytest.raises(PetabError, match="observableFormula 'exp\\(circ\\)': only a sum of 'number \\* species'"):
        import_petab(copy / "problem.yaml")


@pytest.mark.integration
@pytest.mark.slow
def test_roadrunner_fit_agrees_with_the_kernel_fit(exported: Path, example_fit: tuple[Objective, FitResult]):
    pytest.importorskip("roadrunner", reason="libroadrunner is not installed")
    from hemasim.inference.petab import RoadRunnerEngine

    kernel = example_fit[1]  # the example fitted from 2 starts, seed 1 (tests/conftest.py)
    sbml_problem = import_petab(exported, engine="sbml")
    rr = fit(Objective(sbml_problem, RoadRunnerEngine(rtol=1e-10, atol=1e-12)), n_starts=2, seed=1)
    for name in ("mtt_h", "gamma", "slope", "sigma_anc"):
        assert rr.natural[name] == pytest.approx(kernel.natural[name], rel=1e-3), name
    assert rr.fun == pytest.approx(kernel.fun, abs=1e-4)
