"""The arbitrary units (AU) of the immune and inflammation modules, each with the family of parameters and states in
it and the rescaling that leaves every read-out unchanged (a scale symmetry; issue 17, branch units31).

A quantity in arbitrary units (antigen-specific IgG, B-lineage cells, CD8 effectors, the inflammatory signal, antigen)
has no size of its own: multiplying every state in the unit by k, every parameter that is an amount of it (a
production in it, a half-maximum in it) by k and every parameter per amount of it (a rate per AU) by 1/k gives the
same equations for the rescaled states. From the equations (docs/equations.md; hemasim.biology.vaccine, infection,
viral), with X -> k X for the family's states:

* ``antibody`` (IgG): d IgG/dt = s (PB + SLPC + LLPC) - ln2 IgG / T_igg; IgG acts only through K_f/(K_f + IgG)
  (epitope masking), IgG/(IgG + IgG_50) (opsonisation) and k_A IgG V (neutralisation): s, K_f, IgG_50 x k, k_A x 1/k.
* ``b_cells`` (activated B, plasmablasts, memory B, plasma cells, as one unit): recruitment k_rec Ag h h is the only
  flow into the pool not proportional to a pool cell; every other flow is linear in pool cells (expansion, memory
  recall k_mem Ag Bmem, differentiation, death) and the cells act only through secretion: k_rec x k, s x 1/k.
* ``inflammation``: d I/dt = a B/(B + K_I) - ln2 I / T_I, read only as I/(I + I_50): a, I_50 x k.
* ``cd8_effectors`` (programmed, effector and memory CD8): priming k_r s(I) (N8/N8_ref) the only flow not proportional
  to them (the programme's divisions and deaths are linear in its cells), killing k_E (P + E + M) I their only action:
  k_r x k, k_E x 1/k.
* ``antigen`` (vaccine doses): a dose adds ``dose`` to Ag; bacteria and virus add kappa B and kappa V; Ag acts through
  k_rec Ag, k_mem Ag Bmem and Ag/(K + Ag): the doses, kappa_B, kappa_V, K x k, k_rec and k_mem x 1/k. The unit is
  the standard dose of a ``vaccine`` block (``dose: 1``): the scenarios' doses are data, not parameters, so no
  parameter of this family is a convention.

Every state of these units starts at 0 and no threshold, Hill exponent or other module of the model reads them, so
the symmetry of the equations is exact: tests/test_unit_symmetries.py runs the model with each family rescaled (and
the validation groups that read them: bench/unit_symmetry.py) and finds the unit-free states and every validation
read-out unchanged, the AU ones x k. Outside the model, two read them in a fixed unit: a vaccine's relative response
divides by a reference adult's IgG, which is run in the run's own units (hemasim.interventions.vaccine: the shipped
table's families rescaled to the run's conventions, so a rescaled family leaves it unchanged), and a cohort's IgG
bands (hemasim.cohort.runner.IGG_BAND_RANGE) are histograms with fixed edges in AU, 1e-2 to 1e4: rescaled, their
quantiles move by k only to the bins' resolution (about 1.7%) and within the edges (below 1e-2 AU reads as the
edge). In a family with a convention (:class:`hemasim.parameters.core.UnitConvention`) that member's value only says
how large 1 AU is when the family moves with it; set alone (a scenario's ``parameters:``, a one-at-a-time screen) it
is the same model as the equivalent change of the assumed members tied to it (:func:`equivalent_change`), a change
of biology (docs/sensitivity.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["AU_STATE_TAGS", "UNIT_FAMILIES", "UnitFamily", "conventions", "equivalent_change", "equivalent_exponents",
           "family_exponents", "parameter_factors", "state_factors", "unit_scales"]

#: the compartment tags of the states that can be in an arbitrary unit (hemasim.biology.vaccine, infection, viral); a
#: state of the healthy model never is, whatever its name
AU_STATE_TAGS = frozenset({"antigen", "antigen_specific", "antibody", "inflammation"})


@dataclass(frozen=True)
class UnitFamily:
    """One arbitrary unit: the parameters whose values scale with it (value x k**exponent), the states in it (by the
    end of their names), what fixes its size, and the member whose value is that convention (None: no parameter)."""

    unit: str
    parameters: Mapping[str, int]
    state_endings: tuple[str, ...]
    convention: str | None
    defined_by: str
    #: the vaccine blocks' doses are in this unit (x k with it)
    scenario_doses: bool = False

    def transformation(self) -> str:
        """The rescaling in words (the same for every k > 0)."""
        up = [n for n, e in self.parameters.items() if e == 1]
        down = [n for n, e in self.parameters.items() if e == -1]
        doses = ", the vaccine blocks' doses" if self.scenario_doses else ""
        states = ", ".join(f"*{e}" for e in self.state_endings)
        inverse = f", x 1/k of {', '.join(down)}" if down else ""
        return (f"x k of {', '.join(up)}{doses} and of the states {states} (their AU read-outs x k too){inverse}, "
                f"for any k > 0")

    def assumed_members(self) -> list[str]:
        return [n for n in self.parameters if n != self.convention]


UNIT_FAMILIES: dict[str, UnitFamily] = {
    "antibody": UnitFamily(
        "the antigen-specific IgG's AU",
        {"antibody_secretion_au_per_cell_day": 1, "antibody_feedback_half_max_au": 1, "opsonisation_half_max_au": 1,
         "antibody_neutralisation_per_au_day": -1},
        ("_igg",), "antibody_secretion_au_per_cell_day",
        "the IgG one antibody-secreting cell (1 AU of them) makes in a day: 1 AU"),
    "b_cells": UnitFamily(
        "the antigen-specific B-lineage cells' AU (activated, memory, plasmablasts, plasma cells)",
        {"vaccine_b_recruitment_per_au_day": 1, "antibody_secretion_au_per_cell_day": -1},
        ("_activated_b", "_plasmablasts", "_memory_b", "_long_lived_pc", "_short_lived_pc"),
        "vaccine_b_recruitment_per_au_day",
        "the naive B cells one unit of antigen recruits in a day at normal B and CD4 counts: 1 AU"),
    "inflammation": UnitFamily(
        "the inflammatory signal's AU",
        {"inflammation_production_au_per_day": 1, "inflammation_half_max_au": 1},
        ("_inflammation",), "inflammation_production_au_per_day",
        "the signal a fully sensed bacterial load makes in a day: 2 AU"),
    "cd8_effectors": UnitFamily(
        "the virus-specific CD8 T cells' AU (programmed, effector and memory)",
        {"cd8_recruitment_au_per_day": 1, "cd8_kill_per_au_day": -1},
        ("_cd8_effectors", "_cd8_memory", "_cd8_programmed"), "cd8_recruitment_au_per_day",
        "the effectors primed in a day at full antigen from the reference adult's naive CD8 T cells: 0.01 AU"),
    "antigen": UnitFamily(
        "the antigen's unit (vaccine doses)",
        {"vaccine_antigen_half_saturation_au": 1, "bacteria_antigen_dose_per_cfu_day": 1,
         "virus_antigen_dose_per_tcid50_day": 1, "vaccine_b_recruitment_per_au_day": -1,
         "vaccine_memory_recall_per_au_day": -1, "vaccine_recruitment_saturation_per_au": -1},
        ("_antigen",), None,
        "one standard vaccine dose (a vaccine block's dose 1, scenario data): no parameter's value sets it, so every "
        "member stays an assumption relative to a dose", scenario_doses=True),
}


def parameter_factors(k: Mapping[str, float]) -> dict[str, float]:
    """The factor each parameter's value is multiplied by when each family in ``k`` (family -> k) is rescaled."""
    out: dict[str, float] = {}
    for family, factor in k.items():
        for name, exponent in UNIT_FAMILIES[family].parameters.items():
            out[name] = out.get(name, 1.0) * factor ** exponent
    return out


def state_factors(state_names: Sequence[str], state_tags: Sequence[frozenset[str]],
                  k: Mapping[str, float]) -> np.ndarray:
    """The factor each state is multiplied by when each family in ``k`` is rescaled (1 for a state in none)."""
    out = np.ones(len(state_names))
    for i, (name, tags) in enumerate(zip(state_names, state_tags, strict=True)):
        if not tags & AU_STATE_TAGS:
            continue
        for family, factor in k.items():
            if name.endswith(UNIT_FAMILIES[family].state_endings):
                out[i] *= factor
    return out


def conventions() -> dict[str, str]:
    """Each family's convention member -> the family (families whose unit no parameter sets are left out)."""
    return {f.convention: name for name, f in UNIT_FAMILIES.items() if f.convention is not None}


def _convention_matrix() -> tuple[list[str], list[str], np.ndarray]:
    """The conventions, their families and E (convention x family: the convention's exponent in the family)."""
    conv = conventions()
    families = list(conv.values())
    e = np.array([[UNIT_FAMILIES[f].parameters.get(c, 0) for f in families] for c in conv], dtype=float)
    return list(conv), families, e


def unit_scales(values: Mapping[str, float], reference: Mapping[str, float]) -> dict[str, float]:
    """Each family's k (family -> k) of the rescaling that takes the conventions' ``reference`` values to ``values``
    (both: convention -> value; solved in log space, the antigen's family keeps k = 1). All 1 when every convention
    has its reference value, whatever the other members are: only the conventions say how large a unit is."""
    names, families, e = _convention_matrix()
    log_k = np.linalg.solve(e, np.array([np.log(values[c] / reference[c]) for c in names]))
    return {f: float(np.exp(q)) for f, q in zip(families, log_k, strict=True)}


def family_exponents(convention: str) -> dict[str, float]:
    """Each family's k, as a power of c, of the symmetry that brings ``convention`` x c back to its value with the
    other conventions held (solved in log space; a family no parameter sets, the antigen's, keeps k = 1: its doses
    are data)."""
    conv, families, e = _convention_matrix()
    # E log k = -log(c) e_convention: every convention back at its value
    log_k = np.linalg.solve(e, np.array([-1.0 if c == convention else 0.0 for c in conv]))
    return {f: round(float(q), 9) + 0.0 for f, q in zip(families, log_k, strict=True)}  # integers here


def equivalent_exponents(convention: str) -> dict[str, float]:
    """The members (not conventions) whose change gives the same read-outs as ``convention`` x c with the other
    conventions held, each with its exponent p (member x c**p): :func:`family_exponents`' symmetry applied to the
    rest. Members it leaves unchanged are not listed."""
    conv = conventions()
    out: dict[str, float] = {}
    for family, q in family_exponents(convention).items():
        for name, exponent in UNIT_FAMILIES[family].parameters.items():
            if name not in conv:
                out[name] = out.get(name, 0.0) + exponent * q
    return {n: p for n, p in out.items() if p != 0.0}


def equivalent_change(convention: str, factor: float) -> dict[str, float]:
    """:func:`equivalent_exponents` as factors: the members' changes equivalent to ``convention`` x ``factor``."""
    return {n: factor ** p for n, p in equivalent_exponents(convention).items()}
