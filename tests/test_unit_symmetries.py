"""The arbitrary units' scale symmetries (hemasim.parameters.units): rescaling a whole unit family changes no state
that is not in the unit (and those exactly by k), leaving one member out does, a unit convention's screen is the same
model as the equivalent change of its family's other members, and the parameter records say which member is the
convention (docs/parameters.md, "Unit conventions"; the validation groups: bench/unit_symmetry.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from hemasim.biology import REFERENCE_ADULT, healthy_human_model
from hemasim.biology.infection import BacterialInfection, pathogen_state
from hemasim.biology.vaccine import VaccineResponse, antigen_state
from hemasim.biology.viral import ViralInfection, virus_state
from hemasim.events import CellInfusion
from hemasim.parameters import Assumed, UnitConvention, healthy_adult_parameters
from hemasim.parameters.units import (
    UNIT_FAMILIES,
    conventions,
    equivalent_change,
    family_exponents,
    parameter_factors,
    state_factors,
)
from hemasim.simulation import Result, Simulation
from hemasim.solvers import DormandPrince

ROOT = Path(__file__).resolve().parents[1]
POWER_OF_TWO = {"antibody": 0.25, "b_cells": 4.0, "inflammation": 2.0, "cd8_effectors": 0.125, "antigen": 8.0}
#: the pools a shipped value leaves out (short-lived plasma cells, a recall's own pools, maturing memory), switched on
EVERY_POOL = {"short_lived_plasma_cell_fraction": 0.1, "recall_long_lived_plasma_cell_fraction": 0.05,
              "memory_b_maturation_days": 30.0,
              # and every law on: recruitment saturating in antigen (branch humdose37; 0, the shipped law, builds none)
              "vaccine_recruitment_saturation_per_au": 0.5}


@dataclass(frozen=True)
class InUnits(DormandPrince):
    """The default solver with each state in a rescaled unit measured in that unit (its absolute tolerance x k): the
    error control sees the same scaled errors, so a symmetric run takes the same steps."""

    k: tuple[tuple[str, float], ...] = ()

    def atol(self, model):  # type: ignore[no-untyped-def]
        return super().atol(model) * state_factors(model.state_names, model.state_tags, dict(self.k))


def _run(k: dict[str, float] | None = None, changed: dict[str, float] | None = None, left_out: str = "",
         pools: bool = False, rtol: float = 1e-8, measured_in: dict[str, float] | None = None) -> Result:
    """A tetanus prime, half dose and boost, a vaccine against a bacterium and its infection, and a primary influenza
    infection, in one reference adult: every member of every family acts. Families in ``k`` rescaled (but
    ``left_out``), the parameters in ``changed`` multiplied; the states' errors measured in the units ``k`` (or
    ``measured_in``) makes."""
    k = k or {}
    table = healthy_adult_parameters()
    if pools:
        table = table.with_values(**EVERY_POOL)
    factors = {n: f for n, f in parameter_factors(k).items() if n != left_out}
    for n, f in (changed or {}).items():
        factors[n] = factors.get(n, 1.0) * f
    table = table.with_values(**{n: table.value(n) * f for n, f in factors.items()})
    model = healthy_human_model(REFERENCE_ADULT, table, aging=False, extensions=[
        VaccineResponse("tetanus"), BacterialInfection("bacteria"), ViralInfection("influenza")])
    dose = k.get("antigen", 1.0)  # the vaccine doses are in the antigen's unit
    events = [CellInfusion(0.0, antigen_state("tetanus"), dose), CellInfusion(30.0, antigen_state("tetanus"), 0.5 * dose),
              CellInfusion(120.0, antigen_state("tetanus"), dose), CellInfusion(5.0, antigen_state("bacteria"), dose),
              CellInfusion(60.0, pathogen_state("bacteria"), 1e9), CellInfusion(90.0, virus_state("influenza"), 0.1)]
    units = tuple((measured_in if measured_in is not None else k).items())
    return Simulation(model, solver=InUnits(rtol=rtol, k=units), events=events).run(140.0, 0.5)


@cache
def _base(pools: bool = False, rtol: float = 1e-8) -> Result:
    return _run(pools=pools, rtol=rtol)


def _unscaled(r: Result, k: dict[str, float]) -> np.ndarray:
    return r.states / state_factors(r.model.state_names, r.model.state_tags, k)


def _largest_change(r: Result, base: Result, k: dict[str, float]) -> np.ndarray:
    """Each state's largest change from ``base`` (once unscaled by ``k``), relative to its largest base value."""
    return (np.abs(_unscaled(r, k) - base.states).max(axis=0)
            / np.maximum(np.abs(base.states).max(axis=0), 1e-300))


@pytest.mark.parametrize("pools", [False, True], ids=["shipped", "every_pool"])
def test_every_family_rescaled_by_powers_of_two_is_the_same_run_bit_for_bit(pools):
    # multiplying by a power of two is exact in floating point: a true symmetry reproduces every bit
    base, r = _base(pools), _run(POWER_OF_TWO, pools=pools)
    assert r.model.state_names == base.model.state_names
    scaled = state_factors(r.model.state_names, r.model.state_tags, POWER_OF_TWO) != 1.0
    for family in UNIT_FAMILIES.values():  # every family has states in this run
        assert any(n.endswith(family.state_endings) for n in np.array(r.model.state_names)[scaled])
    if pools:
        assert {"tetanus_short_lived_pc", "tetanus_recall_plasmablasts", "tetanus_maturing_memory_b"} <= set(
            r.model.state_names)
    np.testing.assert_array_equal(_unscaled(r, POWER_OF_TWO), base.states)
    # the read-outs: those in AU scale by their family's k, every other is unchanged
    for name, unit in zip(r.model.observable_names, r.model.observable_units, strict=True):
        family = next((f for f, fam in UNIT_FAMILIES.items() if name.removesuffix("_au").endswith(fam.state_endings)),
                      None)
        assert (unit == "AU") == (family is not None), name
        expected = base.observable(name) * (POWER_OF_TWO[family] if family else 1.0)
        np.testing.assert_array_equal(r.observable(name), expected, err_msg=name)


@pytest.mark.parametrize("factor", [0.37, 5.3])
@pytest.mark.parametrize("family", sorted(UNIT_FAMILIES))
def test_each_family_alone_rescaled_by_any_factor_changes_no_state_beyond_rounding(family, factor):
    k = {family: factor}
    change = _largest_change(_run(k, rtol=1e-10), _base(rtol=1e-10), k)
    assert change.max() < 1e-9, _base().model.state_names[int(change.argmax())]


@pytest.mark.parametrize("family, member", [(f, m) for f in sorted(UNIT_FAMILIES) for m in UNIT_FAMILIES[f].parameters])
def test_leaving_one_member_out_of_the_rescaling_breaks_it(family, member):
    # the test above could not fail if the members did not act: each one left at its value moves a state
    k = {family: 4.0}
    pools = healthy_adult_parameters().value(member) == 0.0  # a law off in the shipped model acts only when on
    assert _largest_change(_run(k, left_out=member, pools=pools), _base(pools), k).max() > 1e-3


@pytest.mark.parametrize("convention", sorted(conventions()))
def test_a_conventions_screen_is_the_same_model_as_the_equivalent_change_of_the_assumed_members(convention):
    # x 2 of the convention, and the change of the assumed members the docs say it equals: the same run, bit for bit,
    # once its states are in the other's units (each family by 2**exponent)
    k = {f: 2.0 ** p for f, p in family_exponents(convention).items()}
    members = _run(changed=equivalent_change(convention, 2.0))
    inverse = {f: 1.0 / v for f, v in k.items()}
    r = _run(changed={convention: 2.0}, measured_in=inverse)  # its errors measured in the members' run's units
    np.testing.assert_array_equal(_unscaled(r, inverse), members.states)
    assert not np.array_equal(members.states, _base().states)  # and not the shipped run


def test_the_records_name_one_convention_per_family_and_leave_the_biology_assumed():
    table = healthy_adult_parameters()
    marked = {n: p.provenance.family for n, p in table.items() if isinstance(p.provenance, UnitConvention)}
    assert marked == conventions()
    for name, family in UNIT_FAMILIES.items():
        assert family.parameters and all(e in (-1, 1) for e in family.parameters.values()), name
        for member in family.parameters:
            assert member in table, member
            if member not in marked:  # a member whose value is biology relative to the unit stays assumed
                assert isinstance(table[member].provenance, Assumed), member
    # the antigen's unit is the scenarios' dose: no parameter sets it
    assert UNIT_FAMILIES["antigen"].convention is None and UNIT_FAMILIES["antigen"].scenario_doses


def test_the_validation_groups_that_read_the_units_bear_the_symmetries_out():
    """bench/unit_symmetry.py's runs of the four groups that read these parameters: rescaled by powers of two every
    read-out is the same (bit for bit, but for rounding where a read-out takes the log of an AU value: log(k x) = log k
    + log x), by other factors the same to 1e-9, and with a member left out some read-out moves."""
    results = json.loads((ROOT / "bench" / "results" / "unit_symmetry.json").read_text(encoding="utf-8"))
    reach = json.loads((ROOT / "bench" / "results" / "screen_reach.json").read_text(encoding="utf-8"))
    members = {m for f in UNIT_FAMILIES.values() for m in f.parameters}
    assert sorted(results["groups"]) == sorted(g for g in reach if members & set(reach[g]["read"]))
    runs = results["runs"]
    assert runs["power_of_two"]["k"] == POWER_OF_TWO
    assert runs["power_of_two"]["readouts"] > 40 and runs["power_of_two"]["largest"]["change"] < 1e-13
    assert runs["arbitrary"]["readouts"] > 40 and runs["arbitrary"]["over_1e-9"] == {}
    left = [r for name, r in runs.items() if name.startswith("leave_out_")]
    assert left and all(r["over_1e-9"] and r["largest"]["change"] > 1e-3 for r in left)


def _relative_response(changed: dict[str, float]) -> float:
    """An 80-year-old's influenza relative response (one dose on day 7) with ``changed`` (name -> factor) as the
    scenario's ``parameters:`` would set them: the endpoint family's own computation, its reference included."""
    from dataclasses import replace

    from hemasim.interventions.vaccine import reference_unit_scales, vaccine_endpoint_values

    table = healthy_adult_parameters()
    table = table.with_values(**{n: table.value(n) * f for n, f in changed.items()})
    model = healthy_human_model(replace(REFERENCE_ADULT, age_years=80.0), table, aging=False,
                                extensions=[VaccineResponse("influenza")])
    r = Simulation(model, events=[CellInfusion(7.0, antigen_state("influenza"), 1.0)]).run(35.0, 0.5)
    obs = {n: r.observable(n)[None, :] for n in ("influenza_plasmablasts_au", "influenza_igg_au")}
    assert reference_unit_scales(r.model.parameters) == reference_unit_scales(table)  # the run's table, as built
    cols = {c.name: c.values for c in vaccine_endpoint_values(r.times, obs, {"influenza": ((7.0, 1.0),)}, table)}
    return float(cols["influenza_relative_response"][0])


@pytest.mark.parametrize("family", ["antibody", "b_cells"])
def test_a_scenario_that_rescales_a_whole_family_leaves_the_relative_response_as_it_was(family):
    # relative_response compares with a healthy adult in the run's own units: rescaling a family is no biology
    base = _relative_response({})
    assert 0.3 < base < 0.9  # an 80-year-old responds less than the 35-year-old reference
    assert _relative_response(parameter_factors({family: 4.0})) == pytest.approx(base, rel=1e-6)


def test_a_convention_set_alone_changes_the_relative_response_as_its_members_equivalent_change_does():
    # the convention alone is a change of biology (its members' ratios to it): it shows, as the equivalent change
    base = _relative_response({})
    alone = _relative_response({"antibody_secretion_au_per_cell_day": 4.0})
    members = _relative_response(equivalent_change("antibody_secretion_au_per_cell_day", 4.0))
    assert alone == pytest.approx(members, rel=1e-6)
    assert abs(alone / base - 1.0) > 0.05


def test_a_sweep_point_reports_the_relative_response_a_single_run_with_its_values_does():
    """A sweep's per-point values reach the model per patient, not the scenario's table: the relative response's
    reference adult must follow each point's conventions (finalread31: x4 the antibody convention gave 0.573 as a
    single run and 2.29 as a sweep point). A convention changed alone is a change of biology, so its point differs
    from the base point."""
    import pandas as pd

    from hemasim.assembly import run_scenario, scenario_endpoint_columns
    from hemasim.scenario import parse_scenario
    from hemasim.sensitivity.batch import evaluate_points

    name = "antibody_secretion_au_per_cell_day"
    shipped = healthy_adult_parameters().value(name)
    spec = {"name": "old_vaccinee", "duration_days": 35, "output": {"every_days": 0.5}, "aging": False,
            "patient": {"age_years": 80, "sex": "male", "weight_kg": 75, "height_cm": 178},
            "interventions": [{"kind": "vaccine", "day": 7, "antigen": "influenza"}]}
    single = []
    for factor in (1.0, 4.0):
        r = run_scenario(parse_scenario({**spec, "parameters": {name: shipped * factor}}))
        cols = {c.name: float(c.values[0]) for c in scenario_endpoint_columns(r.record.scenario, r)}
        single.append(cols["influenza_relative_response"])
    swept = evaluate_points(parse_scenario(spec), pd.DataFrame({name: [shipped, 4.0 * shipped]}))
    assert swept["influenza_relative_response"].to_numpy() == pytest.approx(single, rel=1e-6)
    assert abs(single[1] / single[0] - 1.0) > 0.05
