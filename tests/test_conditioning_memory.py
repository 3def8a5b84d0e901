"""Vaccine and virus memory under conditioning (branch bio35): memory B and T cells, activated B cells and
plasmablasts are lymphocytes, so TBI, a regimen's lymphoid kill and a lymphocyte depletion reach them as they reach
the lymphocyte pools (the same tags, the same surviving fraction); long-lived plasma cells and the antibody are
spared (radio- and chemoresistant: docs/immunity.md, "Immune memory under conditioning")."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hemasim.biology import Covariates, healthy_human_model
from hemasim.biology.vaccine import VaccineResponse, antigen_state
from hemasim.biology.viral import ViralInfection, virus_state
from hemasim.events import BloodLoss, CellDepletion, CellInfusion
from hemasim.interventions.cell_depletion import CirculatingCellCollection
from hemasim.model.core import Model, Module
from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology.conditioning import conditioning_events
from hemasim.radiation import IrradiatedLymphocytes, RadiationFraction, dying_share_from_parameters, lq_from_parameters
from hemasim.simulation import Simulation

from .conftest import assert_roadrunner_matches

ADULT = Covariates(35.0, "male", 70.0, 175.0)
LQ = lq_from_parameters(healthy_adult_parameters())
DYING = dying_share_from_parameters(healthy_adult_parameters())
#: antigen-specific lymphocytes -> the lymphocyte pool whose kill they share
B_MEMORY = {"flu_memory_b": "b_cells", "flu_activated_b": "b_cells", "flu_plasmablasts": "b_cells"}
T_MEMORY = {"flu_cd8_memory": "memory_cd8", "flu_cd8_effectors": "memory_cd8", "flu_stage1_cd8_programmed": "memory_cd8"}
SPARED = ("flu_long_lived_pc", "flu_igg")


@pytest.fixture(scope="module")
def memory_model():
    """A healthy model with a flu vaccine response and a flu infection (their antigen-specific states)."""
    return healthy_human_model(ADULT, aging=False, extensions=[ViralInfection("flu")]).compile()


def _primed(model) -> np.ndarray:
    """The model's initial state with every antigen-specific state holding 1 AU (as if after a vaccine)."""
    x = np.array(model.x0, dtype=float)
    for name in (*B_MEMORY, *T_MEMORY, *SPARED):
        x[model.index(name)] = 1.0
    return x


def _hits():
    regimen = conditioning_events("cy_atg", 0.0, LQ, DYING)
    return [("one TBI fraction of 2 Gy", RadiationFraction(0.0, 2.0, LQ, DYING)),
            ("cy_atg's lymphoid kill", regimen[-1]),
            ("a lymphocyte depletion to 5%", CellDepletion(0.0, ("lymphocyte",), 0.05))]


@pytest.mark.parametrize("label, event", _hits(), ids=lambda v: v if isinstance(v, str) else "")
def test_memory_falls_with_its_lymphocyte_pool_and_plasma_cells_are_spared(memory_model, label, event):
    model, x = memory_model, _primed(memory_model)
    y = event.apply(model, x[None, :], np.random.default_rng(0))[0]
    kept = {n: y[model.index(n)] / x[model.index(n)] for n in (*B_MEMORY, *T_MEMORY, *SPARED, "b_cells",
                                                                "memory_cd8")}
    assert kept["b_cells"] < 0.9, (label, kept)
    for memory, pool in {**B_MEMORY, **T_MEMORY}.items():
        assert kept[memory] == pytest.approx(kept[pool], rel=1e-12), (label, memory, kept)
    for name in SPARED:  # long-lived plasma cells and their antibody outlast the conditioning
        assert kept[name] == 1.0, (label, name, kept)


def test_an_anti_b_cell_depletion_spares_plasmablasts(memory_model):
    """A B-cell depletion (anti-CD20-like, group b_cell) reaches memory and activated B cells, not the plasmablasts,
    which no longer carry the B-cell marker; a lymphocyte depletion reaches all three (test above)."""
    model, x = memory_model, _primed(memory_model)
    y = CellDepletion(0.0, ("b_cell",), 0.1).apply(model, x[None, :], np.random.default_rng(0))[0]
    for name in ("flu_memory_b", "flu_activated_b"):
        assert y[model.index(name)] == pytest.approx(0.1)
    assert y[model.index("flu_plasmablasts")] == 1.0


def test_a_vaccinated_patient_keeps_antibody_through_conditioning_and_loses_memory_b_cells():
    """A dose on day 2, cy_tbi_12gy from day 100: memory B cells fall like the B cells (TBI and cyclophosphamide),
    the long-lived plasma cells and their IgG carry on as without it (they wane over years: Ljungman 2009)."""
    model = healthy_human_model(ADULT, aging=False, extensions=[VaccineResponse("flu")]).compile()
    dose = CellInfusion(2.0, antigen_state("flu"), 1.0)
    runs = [Simulation(model, events=[dose, *extra]).run(130.0, 1.0)
            for extra in ([], conditioning_events("cy_tbi_12gy", 100.0, LQ, DYING))]
    at = lambda r, name, day: r.states[np.searchsorted(r.times, day), model.index(name)]  # noqa: E731
    (free, conditioned) = runs
    assert at(conditioned, "flu_memory_b", 110.0) < 1e-4 * at(free, "flu_memory_b", 110.0)
    b_left = at(conditioned, "b_cells", 110.0) / at(free, "b_cells", 110.0)
    assert b_left < 1e-3
    assert at(conditioned, "flu_long_lived_pc", 130.0) == pytest.approx(at(free, "flu_long_lived_pc", 130.0), rel=1e-6)
    assert at(conditioned, "flu_igg", 130.0) == pytest.approx(at(free, "flu_igg", 130.0), rel=1e-6)


def _untagged(model: Model) -> Model:
    """The same model with the antigen-specific states' lymphocyte tags (and blood shares) removed: bio35's model."""
    pool_tags = {"lymphocyte", "b_cell", "t_cell", "cd8"}
    modules = [Module(m.name, [replace(c, tags=c.tags - pool_tags) if "antigen_specific" in c.tags else c
                               for c in m.compartments], m.flows, m.signals, m.feedbacks, m.observables,
                      m.counted_as) for m in model.modules]
    specific = {c.name for c in model.compartments if "antigen_specific" in c.tags}
    info = replace(model.info, blood_share={k: v for k, v in model.info.blood_share.items() if k not in specific})
    return Model(modules, model.parameters, name=model.name, info=info)


def test_the_tags_change_no_flow_of_a_vaccine_response():
    """A dose and its response with no conditioning run the same with the tags as without them (the tags select
    compartments for events only; a flow, signal or blood count that read them would part the runs)."""
    built = healthy_human_model(ADULT, aging=False, extensions=[ViralInfection("flu")])  # with its humoral response
    untagged = _untagged(built)
    assert any("lymphocyte" in c.tags for c in built.compartments if c.name == "flu_memory_b")
    assert not any("lymphocyte" in c.tags for c in untagged.compartments if c.name == "flu_memory_b")
    events = [CellInfusion(2.0, antigen_state("flu"), 1.0), CellInfusion(60.0, virus_state("flu"), 0.1)]
    runs = [Simulation(m.compile(), events=events).run(120.0, 1.0) for m in (built, untagged)]
    for name in ("flu_memory_b", "flu_cd8_memory"):  # the dose and the infection made a response
        assert runs[0].states[:, runs[0].model.index(name)].max() > 0.0, name
    np.testing.assert_array_equal(runs[0].states, runs[1].states)
    for name in runs[0].model.observable_names:
        np.testing.assert_array_equal(runs[0].observable(name), runs[1].observable(name), err_msg=name)


@pytest.mark.parametrize("label", ["a collection from the blood", "a blood loss"])
def test_blood_collections_and_blood_loss_take_the_memory_share_of_its_pool(memory_model, label):
    """Memory B and T cells, activated B cells, plasmablasts and the CD8 programme circulate as their pools do (the
    pool's blood share, lymphocyte_blood_fraction), so an apheresis or a blood loss takes the same share of them;
    long-lived plasma cells (marrow) and the antibody are not collected (review35b: bio35 left every memory state
    whole while its pool lost its share)."""
    model, x = memory_model, _primed(memory_model)
    event = (CirculatingCellCollection(0.0, ("lymphocyte",), 0.0) if label == "a collection from the blood"
             else BloodLoss(0.0, 2000.0))
    y = event.apply(model, x[None, :], np.random.default_rng(0))[0]
    kept = {n: y[model.index(n)] / x[model.index(n)] for n in (*B_MEMORY, *T_MEMORY, *SPARED, "b_cells",
                                                                "memory_cd8")}
    assert kept["b_cells"] < 0.995, (label, kept)
    for memory, pool in {**B_MEMORY, **T_MEMORY}.items():
        assert kept[memory] == pytest.approx(kept[pool], rel=1e-12), (label, memory, kept)
    for name in SPARED:
        assert kept[name] == 1.0, (label, name, kept)


@pytest.mark.slow  # > 2 s
@pytest.mark.integration
def test_exported_memory_kill_matches_libroadrunner():
    """The SBML form of a TBI fraction and a lymphocyte depletion scales the memory states as hemasim does."""
    model = healthy_human_model(ADULT, aging=False,
                                extensions=[VaccineResponse("flu"), IrradiatedLymphocytes()]).compile()
    events = [CellInfusion(2.0, antigen_state("flu"), 1.0), RadiationFraction(25.0, 2.0, LQ, DYING),
              CellDepletion(35.0, ("lymphocyte",), 0.2)]
    assert_roadrunner_matches(model, events, 50.0, 51)
