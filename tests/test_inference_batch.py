"""The forward engine's batch of vectors built as one cohort model (a scenario of the full model): the same
objective values and gradients to the last bit as the vectors built one by one, and a source whose cohort build
differs (in any bit) is built one vector at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from hemasim.inference import (
    Condition,
    EstimatedParameter,
    KernelEngine,
    Measurements,
    NoiseModel,
    ObservableSpec,
    Problem,
)
from hemasim.inference.sources import ScenarioSource
from hemasim.model import Model
from hemasim.parameters import healthy_adult_parameters
from hemasim.scenario import load_scenario

from ._batches import assert_cohort_builds_match_one_by_one
from .conftest import EXAMPLES

SLOPE = "docetaxel_kloft2006__effects_0_full_model_slope_L_per_umol"
CLEARANCE = "docetaxel_kloft2006__pk_clearance_L_per_h_per_m2"
FEEDBACK = "neutrophil_feedback_log_slope"
TIMES = np.array([0.0, 5.0, 10.0])
OBSERVE = ["anc_1e9_per_L", "platelets_1e9_per_L"]


@pytest.fixture(scope="module")
def source() -> ScenarioSource:
    return ScenarioSource(load_scenario(EXAMPLES / "docetaxel_q3w.yaml"))


def _problem(source: ScenarioSource) -> Problem:
    """A healthy-model parameter and a drug-set value of the full model, seven ANC counts."""
    feedback = healthy_adult_parameters()[FEEDBACK].value
    times = np.array([2.0, 5.0, 8.0, 11.0, 14.0, 18.0, 21.0])
    return Problem("full model", (Condition("p1", source),),
                   (ObservableSpec("anc", "anc_1e9_per_L", NoiseModel("lognormal", 0.2)),),
                   (EstimatedParameter("feedback", FEEDBACK, feedback * 0.5, feedback * 2, feedback * 1.1),
                    EstimatedParameter("slope", SLOPE, 1, 50, 8.0)),
                   Measurements.from_rows(["p1"] * len(times), times, ["anc"] * len(times),
                                          np.linspace(3.0, 1.0, len(times)))).checked()


def test_a_cohort_build_gives_the_objective_and_gradient_of_the_vectors_built_one_by_one(source: ScenarioSource):
    assert_cohort_builds_match_one_by_one(_problem(source))


@pytest.mark.parametrize("names", [[CLEARANCE], ["hsc_division_interval_days", "hsc_count"]])
def test_pk_and_stem_cell_values_built_as_a_cohort_are_the_vectors_built_one_by_one(source: ScenarioSource,
                                                                                    names: list[str]):
    healthy = healthy_adult_parameters()
    base = {n: healthy[n].value if n in healthy else source.drug_sets["docetaxel_kloft2006"].get(
        source.drug_parameter_paths[n][1]) for n in names}
    values = [{n: b * (1.0 + 0.02 * k) for n, b in base.items()} for k in range(4)]
    cohort = KernelEngine(result_cache_size=0)  # the same batch twice: built again, not served from the results
    runs = [cohort.simulate(source, values, TIMES, OBSERVE) for _ in range(2)]
    reference = KernelEngine(batch_builds=False).simulate(source, values, TIMES, OBSERVE)
    assert cohort.batches.cohort_builds == 1
    for run in runs:
        np.testing.assert_array_equal(run, reference)
    assert not np.array_equal(reference[0], reference[-1])


def test_repeated_vectors_of_a_full_model_batch_run_once_with_the_same_bits(source: ScenarioSource):
    """The engine runs each distinct vector of a batch once; every row is what the kernel gives on the whole batch,
    repeats included (the lock-step size follows the worst patient, which a repeat does not change)."""
    from hemasim.inference.forward import _run, source_events, stack_compiled
    from hemasim.solvers import DormandPrince

    values = [{SLOPE: s} for s in (8.0, 6.0, 8.0, 8.0, 10.0)]
    engine = KernelEngine()
    whole = _run(stack_compiled([engine.models.compiled(source, v) for v in values]), DormandPrince(rtol=engine.rtol),
                 source_events(source, values), TIMES, OBSERVE)
    assert engine.models.builds == 3
    np.testing.assert_array_equal(engine.simulate(source, values, TIMES, OBSERVE), whole)


@dataclass(frozen=True)
class _OffByOneBit:
    """The scenario source, whose cohort build rounds the first vector's slope one bit up: not identical."""

    source: ScenarioSource

    def build(self, values: Mapping[str, float]) -> Model:
        return self.source.build(values)

    def build_batch(self, values: Sequence[Mapping[str, float]]) -> Model | None:
        first = {**values[0], SLOPE: float(np.nextafter(values[0][SLOPE], np.inf))}
        return self.source.build_batch([first, *values[1:]])

    def events(self) -> list:
        return self.source.events()


def test_a_source_whose_cohort_build_differs_in_one_bit_is_built_vector_by_vector(source: ScenarioSource):
    values = [{SLOPE: s} for s in (6.0, 8.0, 10.0)]
    engine, off = KernelEngine(), _OffByOneBit(source)
    runs = [engine.simulate(off, values, TIMES, OBSERVE) for _ in range(2)]
    reference = KernelEngine(batch_builds=False).simulate(source, values, TIMES, OBSERVE)
    assert engine.batches.cohort_builds == 0
    for run in runs:
        np.testing.assert_array_equal(run, reference)


def test_a_refused_value_in_a_cohort_batch_gives_nan_for_that_vector_only(source: ScenarioSource):
    values = [{FEEDBACK: v} for v in (0.15, -1.0, 0.2)]  # a negative log-slope is outside its bounds
    healthy = healthy_adult_parameters()[FEEDBACK]
    assert not healthy.bounds[0] <= -1.0 <= healthy.bounds[1]
    engine = KernelEngine()
    run = engine.simulate(source, values, TIMES, OBSERVE)
    reference = KernelEngine(batch_builds=False).simulate(source, values, TIMES, OBSERVE)
    assert np.isnan(run[1]).all() and np.isfinite(run[[0, 2]]).all()
    np.testing.assert_array_equal(run, reference)


@pytest.mark.parametrize("fitted_set", [False, True])
def test_a_fit_builds_the_scenarios_parameters_into_its_model_as_a_run_does(source: ScenarioSource, tmp_path,
                                                                            fitted_set: bool):
    """A scenario's ``parameters:`` reach the model a fit simulates (one vector and a cohort batch), as they reach a
    run's model and the events the fit gives it (which read them); over a fitted set, they win as in a run."""
    import yaml

    from hemasim.assembly import build_model, event_table
    from hemasim.inference.forward import _identical

    value = 0.5  # the table's 0.161
    update: dict = {"parameters": {FEEDBACK: value}}
    if fitted_set:
        path = tmp_path / "fitted.yaml"
        path.write_text(yaml.safe_dump({"name": "toy (fitted)", "provenance": {"data": ["d.csv"], "problem": "toy",
                                                                             "objective": 1.0},
                                        "parameters": [{"name": FEEDBACK, "value": 0.3}]}), encoding="utf-8")
        update["parameter_set"] = str(path)
    scenario = source.scenario.model_copy(update=update)
    fitting = ScenarioSource(scenario)
    assert _identical(fitting.build({}).compile(), build_model(scenario).compile())
    assert fitting.build({SLOPE: 9.0}).parameters.value(FEEDBACK) == value == event_table(scenario).value(FEEDBACK)
    if not fitted_set:  # a fitted set's source builds one vector at a time
        batch = fitting.build_batch([{SLOPE: 8.0}, {SLOPE: 9.0}])
        assert batch is not None and batch.parameters.value(FEEDBACK) == value
