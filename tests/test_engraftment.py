"""Engraftment and immune reconstitution after a graft: dose-response, graft failure, the short-term stage,
lineage-specific lymphopenic expansion, and the transplant examples through the CLI."""

from __future__ import annotations

import re

import numpy as np
import pytest
import yaml

from hemasim.assembly import build_events, build_model, run_scenario
from hemasim.biology import healthy_human_model
from hemasim.endpoints import evaluate_endpoints
from hemasim.scenario import parse_scenario

from .conftest import EXAMPLES, invoke_hemasim, shortened
from .test_transplant import COND, graft, scenario


def endpoints(r):
    return {e.name: e.value for e in evaluate_endpoints(r)}


def test_more_cd34_cells_never_engraft_later():
    eps = [endpoints(run_scenario(scenario(COND, graft(d)))) for d in (1e6, 2e6, 3e6, 5e6, 8e6, 12e6)]
    for key in ("neutrophil_engraftment_day", "platelet_engraftment_day"):
        days = [e[key] for e in eps]
        assert None not in days, key
        assert days == sorted(days, reverse=True), (key, days)
    assert eps[1]["neutrophil_engraftment_day"] > eps[3]["neutrophil_engraftment_day"]  # T1: 2e6 later than 5e6


def test_very_low_doses_fail_to_engraft_by_day_28():
    low, usual = (endpoints(run_scenario(scenario(COND, graft(d)))) for d in (0.5e6, 5e6))
    assert low["primary_graft_failure"] == 1.0 and usual["primary_graft_failure"] == 0.0


def test_short_term_stage_regrows_to_its_set_point_and_no_further():
    r = run_scenario(scenario(COND, graft(), days=730))
    st = r.state("st_hspc__host") + r.state("st_hspc__donor")
    set_point = r.model.x0[r.model.index("st_hspc__host")]  # before conditioning
    assert st.max() <= 1.01 * set_point  # self-limited: it refills its own niche, it does not overshoot
    assert abs(st[-1] / set_point - 1.0) < 0.05
    assert np.interp(36.0, r.times, st) > 2.0 * st[0]  # and regrows from the conditioning within a month


def test_graft_lodging_exists_only_with_a_graft():
    assert not any(s.startswith("graft_lodging") for s in healthy_human_model().compile().state_names)
    model = build_model(scenario(COND, graft())).compile()
    assert "graft_lodging_1__donor" in model.state_names


def test_cd8_cells_recover_before_cd4_and_invert_the_ratio():
    r = run_scenario(scenario(COND, graft(), days=372))
    ratio = r.observable("cd4_per_uL") / r.observable("cd8_per_uL")
    assert ratio[0] > 1.0
    assert np.interp(186.0, r.times, ratio) < 1.0  # memory CD8 cells fill the CD8 space, CD4 waits for the thymus
    ep = endpoints(r)
    assert ep["nk_50pct_normal_day"] < ep["cd8_50pct_normal_day"] < ep["b_50pct_normal_day"]


def test_a_cord_graft_counts_the_long_term_content_of_its_cd34_cells_at_a_higher_potency():
    same = {"cd34": 2.5e5, "cd3_per_kg": 1e7}
    pb = endpoints(run_scenario(scenario(COND, graft(same["cd34"], cd3_per_kg=same["cd3_per_kg"]))))
    cord = endpoints(run_scenario(scenario(COND, graft(same["cd34"], source="cord_blood",
                                                       cd3_per_kg=same["cd3_per_kg"]))))
    assert cord["neutrophil_engraftment_day"] < (pb["neutrophil_engraftment_day"] or 1e9)


@pytest.mark.parametrize("name", ["allo_hsct_bone_marrow", "allo_hsct_cord_blood", "allo_hsct_double_cord_blood",
                                  "auto_hsct_melphalan"])
@pytest.mark.slow
@pytest.mark.cli
@pytest.mark.integration
def test_transplant_examples_run_in_the_cli_with_donor_lines(name, tmp_path):
    """`hemasim run` in this process (tests/test_cli_startup.py runs it as a fresh process): a fresh interpreter
    for each example cost ~0.3 s CPU of imports and kernel loading (docs/performance.md, the suite's twenty-eighth
    session)."""
    data = shortened(yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text()), 60)  # the report, not the year
    scen = tmp_path / f"{name}.yaml"
    scen.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    res = invoke_hemasim("run", str(scen), "--out", str(out))
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text()
    assert "donor-derived part of each count" in html
    assert parse_scenario(data).is_chimeric


@pytest.mark.slow
def test_stochastic_engraftment_is_seeded_and_tiny_grafts_can_fail_by_chance():
    def run(seed, cd34):
        data = {"name": "t", "seed": seed, "duration_days": 200, "aging": False,
                "patient": {"age_years": 40, "sex": "male", "weight_kg": 75, "height_cm": 178},
                "interventions": [COND, graft(cd34, stochastic_engraftment=True)]}
        return run_scenario(parse_scenario(data))

    a, b = run(3, 5e6), run(3, 5e6)
    assert np.array_equal(a.states, b.states)  # bit for bit with the same seed
    hsc0 = [run(s, 2e3).state("hsc__donor")[7] for s in range(12)]  # about 0.8 engrafting HSCs on average
    assert min(hsc0) == 0.0 < max(hsc0)  # some draws engraft no long-term HSC at all


def test_children_carry_more_lymphocytes_and_recovery_is_read_against_their_age():
    from hemasim.biology.lymphoid import child_lymphocyte_factor
    from hemasim.parameters import healthy_adult_parameters

    value = healthy_adult_parameters().value
    ages = np.array([0.5, 2.0, 8.0, 15.0, 35.0, 70.0])
    for lineage in ("cd4", "cd8", "b"):
        f = child_lymphocyte_factor(value, lineage, ages)
        assert np.all(np.diff(f) < 0) and f[0] > 1.5 and abs(f[4] - 1.0) < 1e-15
    assert child_lymphocyte_factor(value, "nk", 1.0) == 1.0

    def healthy(age, weight, height):
        data = {"name": "t", "duration_days": 1, "aging": False,
                "patient": {"age_years": age, "sex": "male", "weight_kg": weight, "height_cm": height}}
        return run_scenario(parse_scenario(data))

    child, adult = healthy(4.0, 16.0, 102.0), healthy(40.0, 75.0, 178.0)
    for count in ("cd4_per_uL", "cd8_per_uL", "b_cells_per_uL"):
        assert child.observable(count)[0] > 1.3 * adult.observable(count)[0], count
    assert child.observable("nk_cells_per_uL")[0] == pytest.approx(adult.observable("nk_cells_per_uL")[0], rel=0.05)
    # the recovery endpoints read "normal" for the patient's age: half of a child's CD4 reference is more cells
    defs = [{e.name: e.definition for e in evaluate_endpoints(run_scenario(scenario(COND, graft(), days=60, age=a)))}
            for a in (4.0, 40.0)]
    half = [float(re.search(r"\(([0-9.e+-]+)/uL\)", d["cd4_50pct_normal_day"]).group(1)) for d in defs]
    assert half[0] > 1.3 * half[1]


def test_the_thymic_niche_lets_a_few_donor_progenitors_run_the_thymus():
    data = {"name": "t", "duration_days": 190, "output": {"every_days": 1},
            "patient": {"age_years": 0.4, "sex": "male", "weight_kg": 6.5, "height_cm": 63, "genotype": "il2rg_scid"},
            "interventions": [{"kind": "transplant", "day": 7, "source": "bone_marrow", "cd34_per_kg": 3e6}]}
    r = run_scenario(parse_scenario(data))
    clp_share = r.state("clp__donor")[-1] / (r.state("clp__donor")[-1] + r.state("clp__host")[-1])
    healthy = parse_scenario({**data, "patient": {**data["patient"], "genotype": "healthy"}, "interventions": []})
    capacity = run_scenario(healthy.model_copy(update={"duration_days": 1})).observable("thymic_output_per_day")[0]
    output_share = r.observable("thymic_output_per_day")[-1] / capacity
    # without conditioning almost no donor lymphoid progenitors (about 1% of an infant's child-sized pool; 0.1% while
    # the infant had an adult's stem pool, before the stem-pool law) ...
    assert clp_share < 0.02
    assert output_share > 20 * clp_share  # ... yet the empty thymus fills far beyond their share


def test_thymic_output_follows_involution_in_a_run_that_ages():
    from hemasim.biology import Covariates
    from hemasim.simulation import Simulation

    m = healthy_human_model(Covariates(30.0, "male", 70.0, 175.0), aging=True).compile()
    out = Simulation(m).run(20 * 365.25, 365.25).observable("thymic_output_per_day")
    decline = m.parameters["thymic_output_decline_per_year"].value
    assert abs(out[-1] / out[0] / np.exp(-decline * 20.0) - 1.0) < 0.05


def test_an_emptied_infant_thymus_fills_from_a_handful_of_donor_progenitors():
    """Early thymocytes expand in an empty thymus, so its output reaches its capacity although only about 1% of
    the lymphoid progenitors are the donor's (unconditioned X-SCID graft; the infant's stem pools are 6/70 of an
    adult's)."""
    data = {"name": "t", "duration_days": 97, "aging": False, "output": {"every_days": 1},
            "patient": {"age_years": 0.3, "sex": "male", "weight_kg": 6.0, "height_cm": 61, "genotype": "il2rg_scid"},
            "interventions": [{"kind": "transplant", "day": 7, "source": "bone_marrow", "cd34_per_kg": 3e6,
                               "cd3_per_kg": 1e5}]}
    r = run_scenario(parse_scenario(data))
    healthy = parse_scenario({**data, "duration_days": 1, "patient": {**data["patient"], "genotype": "healthy"},
                              "interventions": []})
    rest = run_scenario(healthy)
    thymocytes_at_rest = sum(rest.state(f"thymocyte_{i}")[0] for i in (1, 2))
    donor = sum(r.state(f"thymocyte_{i}__donor")[-1] for i in (1, 2))
    clp_share = r.state("clp__donor")[-1] / (r.state("clp__donor")[-1] + r.state("clp__host")[-1])
    assert clp_share < 0.02
    # the thymus never holds more than at rest, yet exports at least its resting output (faster transit while
    # the periphery is empty: the IL-7-like rebound)
    assert donor < thymocytes_at_rest
    assert r.observable("thymic_output_per_day")[-1] > rest.observable("thymic_output_per_day")[0]


def test_infant_naive_turnover_refills_an_empty_periphery_faster_and_leaves_adults_alone():
    from hemasim.biology.lymphoid import infant_naive_turnover_per_day
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.simulation import Simulation

    params = healthy_adult_parameters()
    extra = infant_naive_turnover_per_day(params.value, np.array([0.0, 0.3, 8.0, 35.0]))
    assert np.all(np.diff(extra) < 0) and extra[2] < 1e-3 * extra[0] and extra[3] < 1e-15

    data = {"name": "t", "duration_days": 190, "aging": False, "output": {"every_days": 1},
            "patient": {"age_years": 0.3, "sex": "male", "weight_kg": 6.0, "height_cm": 61, "genotype": "il2rg_scid"},
            "interventions": [{"kind": "transplant", "day": 7, "source": "bone_marrow", "cd34_per_kg": 3e6,
                               "cd3_per_kg": 1e5}]}
    sc = parse_scenario(data)
    cd3 = []
    for rate in (0.0, 0.005, 0.01, 0.02):  # monotone: faster infant turnover, faster refilling
        model = build_model(sc, parameters=params.with_values(naive_infant_turnover_at_birth_per_day=rate))
        run = Simulation(model, events=build_events(sc), seed=sc.seed).run(sc.duration_days, 1.0)
        cd3.append(run.observable("cd3_per_uL")[-1])
    assert np.all(np.diff(cd3) > 0) and cd3[-1] > 3 * cd3[0]
