"""Vaccine and virus memory under conditioning (branch bio35): memory B and T cells, activated B cells and
plasmablasts are lymphocytes, so TBI, a regimen's lymphoid kill and a lymphocyte depletion reach them as they reach
the lymphocyte pools (the same tags, the same surviving fraction); long-lived plasma cells and the antibody are
spared (radio- and chemoresistant: docs/immunity.md, "Immune memory under conditioning")."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.biology import Covariates, healthy_human_model
from hemasim.biology.vaccine import VaccineResponse, antigen_state
from hemasim.biology.viral import ViralInfection
from hemasim.events import CellDepletion, CellInfusion
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


def test_without_conditioning_the_vaccinated_healthy_state_holds(memory_model):
    """The tags change no flow: with no dose and no event every state stays at its steady state."""
    r = Simulation(memory_model).run(100.0, 25.0)
    assert np.max(np.abs(r.states - r.states[0]) / np.maximum(r.states[0], 1.0)) < 1e-6


@pytest.mark.slow  # > 2 s
@pytest.mark.integration
def test_exported_memory_kill_matches_libroadrunner():
    """The SBML form of a TBI fraction and a lymphocyte depletion scales the memory states as hemasim does."""
    model = healthy_human_model(ADULT, aging=False,
                                extensions=[VaccineResponse("flu"), IrradiatedLymphocytes()]).compile()
    events = [CellInfusion(2.0, antigen_state("flu"), 1.0), RadiationFraction(25.0, 2.0, LQ, DYING),
              CellDepletion(35.0, ("lymphocyte",), 0.2)]
    assert_roadrunner_matches(model, events, 50.0, 51)
