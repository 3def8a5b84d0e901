"""Lethally hit lymphocytes leave the blood as PubMed 3303160 measured (docs/chimerism.md, 'Lethally hit lymphocytes
leave the blood over days'): half at the fraction, half with a half-time of 30 h, counted in the blood counts only."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hemasim.assembly import build_model, run_scenario
from hemasim.parameters import healthy_adult_parameters
from hemasim.parameters.core import Cited
from hemasim.scenario import parse_scenario

EXPOSURE_DAY = 1.0
PATIENT = {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175}


def _scenario(interventions: list[dict], days: float = 3.0, every: float = 1.0 / 96.0):
    return parse_scenario({"name": "x", "patient": PATIENT, "duration_days": days, "aging": False,
                           "output": {"every_days": every}, "interventions": interventions})


def _one_fraction(dose_Gy: float, days: float = 3.0):
    return _scenario([{"kind": "radiation", "start_day": EXPOSURE_DAY, "total_dose_Gy": dose_Gy, "fractions": 1}],
                     days)


def _share_left(r, hours: float) -> float:
    lym = r.observable("lymphocytes_1e9_per_L")
    before = lym[r.times < EXPOSURE_DAY][-1]
    return float(lym[np.argmin(np.abs(r.times - (EXPOSURE_DAY + hours / 24.0)))] / before)


def test_both_values_are_cited_to_the_source():
    p = healthy_adult_parameters()
    for name in ("irradiated_lymphocyte_fast_loss_share", "irradiated_lymphocyte_blood_half_life_days"):
        assert isinstance(p[name].provenance, Cited) and p[name].provenance.reference.key == "PubMed3303160", name
    assert p.value("irradiated_lymphocyte_fast_loss_share") == 0.5
    assert p.value("irradiated_lymphocyte_blood_half_life_days") == pytest.approx(30.0 / 24.0)


@pytest.mark.parametrize(("dose_Gy", "hours", "source", "tol"), [
    # the source's single 10-Gy session lasts 4 h and leaves 50% at its end; the model's fraction is instantaneous at
    # the session's start, so the slow half has had 4 h to fall: 0.5 x 2^(-4/30) = 0.456 (tolerance 0.06)
    (10.0, 4.0, 0.5, 0.06),
    # 13 h after the first 1.2-Gy fraction of 11 x 1.2 Gy, 60% left: exp(-1) + 0.5 (1 - exp(-1)) 2^(-13/30) = 0.602
    (1.2, 13.0, 0.6, 0.03),
])
def test_the_sources_blood_lymphocyte_shares_are_reproduced(dose_Gy, hours, source, tol):
    left = _share_left(run_scenario(_one_fraction(dose_Gy)), hours)
    sf = math.exp(-dose_Gy / 1.2)
    by_hand = sf + 0.5 * (1.0 - sf) * 2.0 ** (-hours / 30.0)
    assert left == pytest.approx(by_hand, abs=0.01)  # what the rule says, read through the whole model
    assert abs(left - source) < tol
    assert left > 1.5 * sf  # the old removal at the fraction left only the survivors


def test_the_dying_cells_are_non_negative_and_gone_within_ten_days():
    r = run_scenario(_one_fraction(6.0, days=12.0))
    dying = [n for n in r.model.state_names if n.startswith("irradiated_")]
    assert len(dying) == 7  # B, NK and the five T-cell pools
    x = np.stack([r.state(n) for n in dying], axis=-1)
    assert np.all(x >= 0.0)
    assert np.all(x[r.times < EXPOSURE_DAY] == 0.0)  # empty until the fraction
    peak = x.max(axis=0)
    assert np.all(peak > 0.0)
    after_10 = x[np.argmin(np.abs(r.times - (EXPOSURE_DAY + 10.0)))]
    assert np.all(after_10 < 0.005 * peak)  # 8 half-times of 1.25 d: 2^-8 = 0.0039


def test_no_radiation_no_dying_cells_and_the_same_model():
    chemo_only = _scenario([{"kind": "conditioning", "regimen": "bu_cy", "start_day": 1}], days=30.0)
    healthy = _scenario([], days=3.0)
    for sc in (chemo_only, healthy):
        model = build_model(sc)
        assert not any(c.name.startswith("irradiated_") for c in model.compartments)
    tbi = {"kind": "conditioning", "regimen": "tbi_2gy", "start_day": 1}
    assert sum(c.name.startswith("irradiated_") for c in build_model(_scenario([tbi], days=30.0)).compartments) == 7
    graft = {"kind": "transplant", "day": 2, "source": "bone_marrow", "cd34_per_kg": 3.0e6}
    split = build_model(_scenario([tbi, graft], days=30.0))
    assert sum(c.name.startswith("irradiated_") for c in split.compartments) == 14  # host and donor copies


def test_a_fraction_fills_the_dying_copy_of_each_origin():
    r = run_scenario(_scenario([{"kind": "radiation", "start_day": 1.0, "total_dose_Gy": 2.0},
                                {"kind": "transplant", "day": 0.5, "source": "bone_marrow", "cd34_per_kg": 3.0e6}],
                               days=2.0))
    i = int(np.argmin(np.abs(r.times - 1.0 - 1.0 / 96.0)))
    for origin in ("host", "donor"):
        assert r.state(f"irradiated_naive_cd4__{origin}")[i] > 0.0
        assert np.all(r.state(f"irradiated_naive_cd4__{origin}")[r.times < 1.0] == 0.0)


def test_dying_cells_count_in_the_blood_counts_only():
    model = build_model(_one_fraction(3.0))
    pools = {c.name: c.name[len("irradiated_"):] for c in model.compartments if c.name.startswith("irradiated_")}
    assert set(pools.values()) == {"b_cells", "nk_cells", "naive_cd4", "cm_cd4", "em_cd4", "naive_cd8", "memory_cd8"}
    for dying, pool in pools.items():
        weighed = {o.name: o.compartments[dying] for o in model.observables if dying in o.compartments}
        assert weighed == {o.name: o.compartments[pool] for o in model.observables if pool in o.compartments}
        assert {"lymphocytes_1e9_per_L", "wbc_1e9_per_L"} <= set(weighed)
        assert not any(dying in s.weights for s in model.signals)  # no feedback, no help
        # its only flow is the clearance at ln 2 / 1.25 d; nothing flows in (the fraction fills it)
        outs = [f for f in model.flows if f.source == dying]
        assert [f.kind for f in outs] == ["death"] and outs[0].rate == pytest.approx(math.log(2.0) / 1.25)
        assert not any(f.target == dying for f in model.flows)
    assert model.info.blood_share["irradiated_naive_cd4"] == model.info.blood_share["naive_cd4"]


def test_subsets_fall_alike():
    # the source found B, T, CD4 and CD8 cells alike: every subset keeps the same share after one fraction
    r = run_scenario(_one_fraction(3.0))
    shares = []
    for name in ("cd4_per_uL", "cd8_per_uL", "b_cells_per_uL", "nk_cells_per_uL", "lymphocytes_1e9_per_L"):
        v = r.observable(name)
        shares.append(v[np.argmin(np.abs(r.times - (EXPOSURE_DAY + 0.5)))] / v[r.times < EXPOSURE_DAY][-1])
    assert max(shares) - min(shares) < 0.02, shares


@pytest.mark.integration
def test_exported_tbi_of_a_chimeric_model_matches_libroadrunner():
    # host and donor dying copies: a donor CD4 infusion, then two fractions; the fill of each origin's copy is an SBML
    # event assignment on the pre-event pool
    from hemasim.biology import healthy_human_model
    from hemasim.biology.origins import split_origins
    from hemasim.events import CellInfusion
    from hemasim.radiation import (
        IrradiatedLymphocytes,
        RadiationFraction,
        dying_share_from_parameters,
        fraction_days,
        lq_from_parameters,
    )

    from .conftest import assert_roadrunner_matches

    p = healthy_adult_parameters()
    model = split_origins(healthy_human_model(aging=False, extensions=[IrradiatedLymphocytes()])).compile()
    events = [CellInfusion(4.0, "naive_cd4__donor", 1e9),
              *(RadiationFraction(d, 2.0, lq_from_parameters(p), dying_share_from_parameters(p))
                for d in fraction_days(5.0, 2, 2, 6.0))]
    assert_roadrunner_matches(model, events, 20.0, 21)
