"""Read-outs of the settled healthy patient (targets S1-S22).

Kinetic read-outs are measured from the simulated pools and fluxes (pool / outflow), not read back from
parameters, so they check the assembled model rather than a single number.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

from hemasim.model.compiled import DAYS_PER_YEAR
from hemasim.simulation import Result
from hemasim.validation.base import AtAges, Readout, Settled, settled_observables


def _final(result: Result, name: str) -> float:
    return float(result.observable(name)[-1])


def _pool(result: Result, prefix: str) -> float:
    return float(sum(result.states[-1, i] for i, n in enumerate(result.model.state_names) if n.startswith(prefix)))


def _flux(result: Result, *names: str) -> float:
    return float(sum(result.flux(n)[-1] for n in names))


def _stage_out(result: Result, prefix: str) -> str:
    stages = [n for n in result.model.state_names if n.startswith(prefix)]
    return f"{stages[-1]}_out"


def _naive_half_life_years(result: Result, pool: str) -> float:
    loss = _flux(result, f"{pool}_death", f"{pool}_to_memory")
    return math.log(2) * result.state(pool)[-1] / loss / DAYS_PER_YEAR


def _proliferation_pct(result: Result, pool: str) -> float:
    return 100.0 * _flux(result, f"{pool}_proliferation") / float(result.state(pool)[-1])


def _naive_half_life(pool: str) -> Readout:
    return Settled(lambda r: _naive_half_life_years(r, pool))


def _proliferation(pool: str) -> Readout:
    return Settled(lambda r: _proliferation_pct(r, pool))


def _thymic_ratio(at_age: Callable[[float], Result]) -> float:
    """Thymic export of the patient at 60 over the same at 20."""
    return float(at_age(60.0).observable("thymic_output_per_day")[-1]
                 / at_age(20.0).observable("thymic_output_per_day")[-1])


def _change_80_over_30(count: Callable[[Result], float]) -> Readout:
    """A count of the patient settled at 80 over the same at 30 (A4: the direction of the age effect)."""
    return AtAges(lambda at_age: count(at_age(80.0)) / count(at_age(30.0)))


def _naive_cd8_per_uL(result: Result) -> float:
    """Blood naive CD8 T cells per uL: the naive CD8 pool scaled like the naive CD4 pool (same blood share)."""
    per_cell = _final(result, "naive_cd4_per_uL") / float(result.state("naive_cd4")[-1])
    return float(result.state("naive_cd8")[-1]) * per_cell


def _memory_cd4_per_uL(result: Result) -> float:
    return _final(result, "cd4_per_uL") - _final(result, "naive_cd4_per_uL")


def _cd4_cd8(result: Result) -> float:
    return _final(result, "cd4_per_uL") / _final(result, "cd8_per_uL")


#: Observables the targets read as they are on the settled patient.
_OBSERVABLES = (
    "anc_1e9_per_L", "lymphocytes_1e9_per_L", "monocytes_1e9_per_L", "platelets_1e9_per_L", "hemoglobin_g_per_dL",
    "b_cells_per_uL", "cd4_per_uL", "cd8_per_uL", "nk_cells_per_uL", "hsc_count_cells",
    "neutrophil_production_per_day", "platelet_production_per_day", "rbc_production_per_day",
)

STEADY_STATE: dict[str, Readout] = {
    **settled_observables(_OBSERVABLES),
    "cd4_cd8_ratio": Settled(lambda r: _final(r, "cd4_per_uL") / _final(r, "cd8_per_uL")),
    "neutrophil_blood_half_life_hours": Settled(
        lambda r: 24 * math.log(2) * _pool(r, "neutrophil_blood_") / _flux(r, _stage_out(r, "neutrophil_blood_"))),
    "neutrophil_marrow_transit_days": Settled(
        lambda r: _pool(r, "neutrophil_maturing_") / _flux(r, _stage_out(r, "neutrophil_maturing_"))),
    "rbc_lifespan_days": Settled(
        lambda r: _pool(r, "erythroid_blood_") / _flux(r, _stage_out(r, "erythroid_maturing_"))),
    "platelet_lifespan_days": Settled(
        lambda r: _pool(r, "megakaryocyte_blood_") / _flux(r, _stage_out(r, "megakaryocyte_maturing_"))),
    "naive_cd4_half_life_years": _naive_half_life("naive_cd4"),
    "naive_cd8_half_life_years": _naive_half_life("naive_cd8"),
    "em_cd4_proliferation_pct_per_day": _proliferation("em_cd4"),
    "cm_cd4_proliferation_pct_per_day": _proliferation("cm_cd4"),
    "naive_cd4_proliferation_pct_per_day": _proliferation("naive_cd4"),
    "naive_cd8_proliferation_pct_per_day": _proliferation("naive_cd8"),
    "b_proliferation_pct_per_day": _proliferation("b_cells"),
    "hsc_division_interval_weeks": Settled(lambda r: r.state("hsc")[-1] / _flux(r, "hsc_division") / 7.0),
    "thymic_output_ratio_60_to_20": AtAges(_thymic_ratio),
    **{f"{o}_ratio_80_to_30": _change_80_over_30(functools.partial(_final, name=o))
       for o in ("cd8_per_uL", "b_cells_per_uL", "nk_cells_per_uL")},
    "cd4_cd8_ratio_ratio_80_to_30": _change_80_over_30(_cd4_cd8),
    "naive_cd4_per_uL_ratio_80_to_30": _change_80_over_30(functools.partial(_final, name="naive_cd4_per_uL")),
    "naive_cd8_per_uL_ratio_80_to_30": _change_80_over_30(_naive_cd8_per_uL),
    "memory_cd4_per_uL_ratio_80_to_30": _change_80_over_30(_memory_cd4_per_uL),
}
