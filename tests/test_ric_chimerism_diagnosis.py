"""The reduced-intensity example's chimerism as docs/chimerism.md, "The RIC example's chimerism (thirty-second
session)", explains it (branch ric36, report36): the doses reach the pools in the units the scenario states, the early
donor myeloid wave is the graft's committed progenitors, the later share follows the stem cells, and a DLI adds its
memory T cells to the donor T load, no more. Each assertion would fail on a unit slip (per kg vs per patient), a TBI
placed after the graft, or a DLI whose cells missed the memory pools."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import pytest

from hemasim.assembly import run_scenario
from hemasim.biology.alloreactivity import ALLOREACTIVE_POOLS
from hemasim.biology.transplant import T_POOLS, reference_lymphocyte_state
from hemasim.interventions.chimerism import lineage_chimerism
from hemasim.parameters import healthy_adult_parameters
from hemasim.scenario import load_scenario
from tests.conftest import EXAMPLES

GRAFT_DAY, DLI_DAY, WEIGHT_KG = 4.0, 124.0, 75.0


@cache
def _arm(name: str) -> Any:
    sc = load_scenario(EXAMPLES / "ric_allo_hsct.yaml")
    data = sc.model_dump(mode="json", exclude_none=True)
    arm = next(a for a in data.pop("arms") if a["name"] == name)
    data["interventions"] = arm.get("interventions", data["interventions"])
    return run_scenario(type(sc).model_validate(data))


def _state(r: Any, name: str, day: float) -> float:
    return float(np.interp(day, r.times, r.state(name)))


def _myeloid_share(r: Any, day: float) -> float:
    obs = {n: np.array([[np.interp(day, r.times, r.observable(n))]])
           for c in ("anc_1e9_per_L", "monocytes_1e9_per_L") for n in (c, f"{c}__donor")}
    return float(lineage_chimerism(obs, "myeloid")[0, 0])


@pytest.mark.slow  # builds the example's model (~0.45 s), which the other tests then share
def test_the_graft_and_the_2_gy_fraction_set_the_stem_cell_split_in_the_stated_units():
    r = _arm("no_dli")
    per_cd34 = healthy_adult_parameters().value("engrafting_hsc_per_cd34")
    # 5e6 CD34+/kg for the 75-kg man: per patient, not per kg (2,115 HSCs)
    assert math.isclose(_state(r, "hsc__donor", GRAFT_DAY), per_cd34 * 5e6 * WEIGHT_KG, rel_tol=1e-6)
    # the TBI fraction falls on the graft's day before the graft: host HSCs times the assumed HSC law at 2 Gy
    # (alpha 0.6/Gy, beta 0.06/Gy^2), donor cells untouched (above)
    before = _state(r, "hsc__host", GRAFT_DAY - 1)
    assert math.isclose(_state(r, "hsc__host", GRAFT_DAY), before * math.exp(-0.6 * 2 - 0.06 * 4), rel_tol=0.02)


def test_early_donor_myeloid_cells_come_from_the_graft_wave_and_later_ones_follow_the_stem_cells():
    r = _arm("no_dli")
    # day +14: the graft's committed progenitors (MPP units) make most myeloid cells while the host's are few
    assert _myeloid_share(r, GRAFT_DAY + 14) > 0.7
    # day +56: those units are spent; the donor share of myeloid cells is the donor share of the stem cells
    hsc = _state(r, "hsc__donor", GRAFT_DAY + 56)
    hsc_share = hsc / (hsc + _state(r, "hsc__host", GRAFT_DAY + 56))
    assert abs(_myeloid_share(r, GRAFT_DAY + 56) - hsc_share) < 0.03


def test_a_dli_adds_its_memory_t_cells_to_the_donor_t_load():
    ref = dict(reference_lymphocyte_state())
    memory_share = sum(ref[p] for p in ALLOREACTIVE_POOLS) / sum(ref[p] for p in T_POOLS)
    with_dli, without = _arm("dli_day120"), _arm("no_dli")
    added = sum(_state(with_dli, f"{p}__donor", DLI_DAY) - _state(without, f"{p}__donor", DLI_DAY)
                for p in ALLOREACTIVE_POOLS)
    assert math.isclose(added, 1e7 * WEIGHT_KG * memory_share, rel_tol=1e-3)
    # the arms are the same before the infusion
    assert _state(with_dli, "memory_cd8__donor", DLI_DAY - 1) == _state(without, "memory_cd8__donor", DLI_DAY - 1)
