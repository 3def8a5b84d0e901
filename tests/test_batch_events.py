"""A batch's per-patient values of a parameter its events read (a graft's content per CD34+ cell, a conditioning's
radiosensitivity) reach each patient's events as a single run of that patient gives them, or are refused: a cohort's
draws, a fit's vectors (hemasim.assembly.batch_events)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from hemasim.assembly import build_events, run_scenario
from hemasim.biology.transplant import Transplant
from hemasim.cohort.runner import CohortError, prepare_partition
from hemasim.inference.forward import KernelEngine
from hemasim.inference.sources import ScenarioSource
from hemasim.parameters import healthy_adult_parameters

from .test_transplant import COND, graft, scenario

CONTENT = "graft_short_term_units_per_cd34"


def _population_set(tmp_path: Path, name: str, value: float) -> str:
    """A population parameter set giving ``name`` between-patient variability (what hemasim fit-population writes)."""
    path = tmp_path / "population.yaml"
    path.write_text(yaml.safe_dump({"name": "t", "provenance": {"data": ["d.csv"], "problem": "p", "objective": 0.0},
                                    "parameters": [{"name": name, "value": value, "iiv_cv": 0.5}]}), encoding="utf-8")
    return str(path)


def _cohort_data(tmp_path: Path, name: str, value: float, source: str = "peripheral_blood") -> dict:
    data = scenario(COND, graft(source=source), days=10).model_dump(mode="json", exclude_unset=True)
    return {**data, "parameter_set": _population_set(tmp_path, name, value)}


@pytest.mark.parametrize("source", ["peripheral_blood", "cord_blood"])
def test_each_patient_gets_the_graft_content_it_drew(tmp_path: Path, source: str):
    # before: every patient's transplant held the set's typical value (7.5e-6), whatever the patient drew
    data = _cohort_data(tmp_path, CONTENT, 7.5e-6, source)
    prepared = prepare_partition(data, 0, 0, 4, 7, None, False)
    drawn = prepared.patients.parameters[CONTENT]
    assert np.unique(drawn).size == 4  # the draws differ
    (cohort,) = [e for e in prepared.simulation.events if isinstance(e, Transplant)]
    contents = np.broadcast_to(cohort.short_term_units_per_cd34, drawn.shape)
    for i, value in enumerate(drawn):  # the single run of patient i: its value in parameters:
        alone = prepared.scenario.model_copy(update={"parameters": {CONTENT: float(value)}})
        (single,) = [e for e in build_events(alone) if isinstance(e, Transplant)]
        assert contents[i] == pytest.approx(single.short_term_units_per_cd34, rel=1e-12)
        assert np.asarray(cohort.cd34_cells)[i] == pytest.approx(single.cd34_cells, rel=1e-12)


def test_a_drawn_value_the_conditioning_reads_is_refused(tmp_path: Path):
    # the conditioning's events hold one radiosensitivity: a cohort drawing it per patient ran them all with the table's
    data = _cohort_data(tmp_path, "radiosensitivity_alpha_hsc_per_Gy", 0.8)
    with pytest.raises(CohortError, match=r"^radiosensitivity_alpha_hsc_per_Gy: the patients' values differ"):
        prepare_partition(data, 0, 0, 3, 7, None, False)
    data["interventions"] = [graft()]  # no conditioning: nothing reads it, the cohort runs
    prepare_partition(data, 0, 0, 3, 7, None, False)


@pytest.mark.parametrize(("name", "values"), [(CONTENT, (2e-6, 3e-5)), ("radiosensitivity_alpha_lymphoid_per_Gy", (0.1, 0.4))])
def test_a_fits_vectors_reach_what_the_events_read(name: str, values: tuple[float, float]):
    # before: every vector of a fit (hemasim fit, fit-population) ran the events of the table's value, so a fitted
    # graft content or radiosensitivity moved nothing; now each vector gives what a run of it alone gives
    base = scenario(COND, graft(), days=12)
    times, observe = np.arange(0.0, 13.0), ["anc_1e9_per_L__donor", "lymphocytes_1e9_per_L"]
    sim = KernelEngine(rtol=1e-8).simulate(ScenarioSource(base), [{name: v} for v in values], times, observe)
    for row, v in zip(sim, values, strict=True):
        alone = run_scenario(base.model_copy(update={"parameters": {name: v}}))
        single = np.stack([alone.observable(o) for o in observe], axis=-1)
        assert np.allclose(row, single[np.searchsorted(alone.times, times)], rtol=1e-5, atol=1e-12)
    assert not np.allclose(sim[0, -1], sim[1, -1], rtol=1e-3)  # the value matters


def test_the_sbml_engine_refuses_a_vector_value_its_exported_events_would_not_see():
    pytest.importorskip("roadrunner")
    from hemasim.inference.petab import RoadRunnerEngine

    source = ScenarioSource(scenario(COND, graft(), days=12))
    table = healthy_adult_parameters()
    assert source.events_moved_by([{CONTENT: table.value(CONTENT), "hsc_niche_hill": 3.0}]) == []  # the table's: as built
    for name in (CONTENT, "radiosensitivity_alpha_lymphoid_per_Gy"):
        with pytest.raises(ValueError, match=rf"^RoadRunnerEngine: {name} is read by the condition's events"):
            RoadRunnerEngine().simulate(source, [{name: 0.5 * table.value(name)}], np.arange(3.0), ["anc_1e9_per_L"])
