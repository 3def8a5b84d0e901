"""The Friberg chain built for a batch of values at once (``friberg_model``'s ``per_patient``): the same model, to
the last bit, as the chains built one value set at a time and stacked - what the fitting engine's guard
(:class:`hemasim.inference.forward.BatchBuilds`) requires before it builds a Friberg scenario's batches so."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hemasim.biology.body import Covariates
from hemasim.inference import KernelEngine, Objective, Problem, load_problem, local_fit
from hemasim.inference.forward import _identical, stack_compiled
from hemasim.inference.sources import drug_set_with_values
from hemasim.pharmacology.drug_sets import DrugSet, available_drug_sets, load_drug_set
from hemasim.pharmacology.friberg import friberg_model

from ._batches import assert_cohort_builds_match_one_by_one
from .conftest import EXAMPLES

WOMAN = Covariates(age_years=62.0, sex="female", weight_kg=61.0, height_cm=158.0)
#: every shipped set with a chain, by lineage: each is built with all its values varied per patient
CHAINS = [(name, lineage) for name in available_drug_sets() for lineage, block in
          (("neutrophil", "friberg"), ("megakaryocyte", "friberg_platelets"))
          if getattr(load_drug_set(name), block) is not None]


def _varied(drug_set: DrugSet, n: int) -> dict[str, np.ndarray]:
    """Every value of the set but its volumes, n per patient: the set's own times 1, 0.987, 0.974, ... (inside
    every range the shipped values are; odd factors, so that the products round). A volume sets a concentration
    signal's weight, which the kernel shares between patients (the last test)."""
    return {path: v.value * (1.0 - 0.013 * np.arange(n)) for path, v in drug_set.values_with_paths()
            if not path.endswith("volume_L")}


@pytest.mark.parametrize(("name", "lineage"), CHAINS)
@pytest.mark.parametrize("prior_therapy", [False, True])
def test_a_chain_built_per_patient_is_the_chains_built_one_by_one(name: str, lineage, prior_therapy: bool):
    drug_set = load_drug_set(name)
    per_patient = _varied(drug_set, 4)
    kept = {path: column.copy() for path, column in per_patient.items()}
    cohort = friberg_model(drug_set, WOMAN, prior_therapy, lineage, per_patient=per_patient).compile()
    singles = [friberg_model(drug_set_with_values(drug_set, {p: float(c[i]) for p, c in per_patient.items()}),
                             WOMAN, prior_therapy, lineage).compile() for i in range(4)]
    assert cohort.n_patients == 4
    assert _identical(cohort, stack_compiled(singles))
    assert not np.array_equal(cohort.rate[0], cohort.rate[-1])  # the values do reach the model
    for path, column in per_patient.items():  # the caller's arrays are left as they were
        np.testing.assert_array_equal(column, kept[path])


def test_the_covariate_changes_enter_per_patient():
    """Kloft 2006's baseline changes (women, prior therapy) per patient move the chain's start as the set's own do."""
    drug_set = load_drug_set("docetaxel_kloft2006")
    changes = {"friberg.female_baseline_change": np.array([-0.12, -0.3]),
               "friberg.prior_therapy_baseline_change": np.array([-0.15, 0.0])}
    cohort = friberg_model(drug_set, WOMAN, True, per_patient=changes).compile()
    baseline = drug_set.get("friberg.baseline_1e9_per_L")
    circ = cohort.state_names.index("circ")
    assert cohort.x0[0, circ] == baseline * (1 - 0.12) * (1 - 0.15)
    assert cohort.x0[1, circ] == baseline * (1 - 0.3)


def test_a_path_the_set_does_not_have_is_refused():
    drug_set = load_drug_set("docetaxel_friberg2002")
    with pytest.raises(ValueError, match="no value at friberg.mean_transit_time_days"):
        friberg_model(drug_set, per_patient={"friberg.mean_transit_time_days": np.array([3.0, 4.0])})


def test_a_volume_per_patient_is_refused_at_compiling():
    """The central volume weights the concentration signal, one for all patients: such a batch cannot be one
    cohort (ValueError, so the fitting engine builds it vector by vector)."""
    drug_set = load_drug_set("docetaxel_friberg2002")
    model = friberg_model(drug_set, per_patient={"pk.central_volume_L": np.array([7.0, 8.0])})
    with pytest.raises(ValueError, match="weights must be the same for every patient"):
        model.compile()


# ---------------------------------------------------------------------------------------------- the fitting engine
@pytest.fixture(scope="module")
def example() -> Problem:
    return load_problem(EXAMPLES / "fit" / "problem.yaml")


def test_the_example_problems_batches_are_built_as_cohorts_with_the_same_objective_and_gradient(example: Problem):
    """The example problem (a Friberg chain: MTT, gamma, the drug slope): objective and gradient identical to the
    last bit with and without cohort builds, over several batches; the guard finds the cohort identical."""
    assert_cohort_builds_match_one_by_one(example)


def test_a_friberg_fit_takes_the_same_steps_with_cohort_builds(example: Problem):
    """Four least-squares iterations (MTT and slope; gamma and the noise fixed): the same objective trace and end
    point with and without cohort builds."""
    params = tuple(replace(p, estimate=False) if p.id in ("gamma", "sigma_anc") else p for p in example.parameters)
    problem = replace(example, parameters=params)
    cohort = KernelEngine(rtol=problem.rtol)
    start = Objective(problem).nominal
    mine = local_fit(Objective(problem, cohort), start, "least_squares", max_iterations=4)
    reference = local_fit(Objective(problem, KernelEngine(rtol=problem.rtol, batch_builds=False)), start,
                          "least_squares", max_iterations=4)
    assert cohort.batches.cohort_builds > 0
    assert mine.trace == reference.trace and len(mine.trace) >= 3
    assert mine.fun == reference.fun
    np.testing.assert_array_equal(mine.x, reference.x)


def test_a_refused_value_in_a_friberg_batch_gives_nan_for_that_vector_only(example: Problem):
    source = example.conditions[0].source
    mtt = "docetaxel_friberg2002__friberg_mean_transit_time_h"
    times, observe = np.array([0.0, 7.0, 14.0]), ["anc_1e9_per_L"]
    engine = KernelEngine(rtol=example.rtol)
    engine.simulate(source, [{mtt: 80.0}, {mtt: 90.0}], times, observe)  # the guard's first batch
    run = engine.simulate(source, [{mtt: 85.0}, {mtt: 0.5}, {mtt: 95.0}], times, observe)  # 0.5 h: below its range
    reference = KernelEngine(rtol=example.rtol, batch_builds=False).simulate(
        source, [{mtt: 85.0}, {mtt: 0.5}, {mtt: 95.0}], times, observe)
    assert np.isnan(run[1]).all() and np.isfinite(run[[0, 2]]).all()
    np.testing.assert_array_equal(run, reference)
    engine.simulate(source, [{mtt: 86.0}, {mtt: 96.0}], times, observe)
    assert engine.batches.cohort_builds == 1  # the guard found the chain identical; the refused batch was not one
