"""Host/donor tracking, grafts, SCID genotypes and transplant endpoints."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.assembly import build_events, build_model, run_scenario
from hemasim.biology import healthy_human_model
from hemasim.biology.origins import split_origins
from hemasim.events import BloodLoss, CellDepletion
from hemasim.scenario import ScenarioError, parse_scenario
from hemasim.simulation import Simulation

from .conftest import EXAMPLES, assert_roadrunner_matches


def scenario(*interventions, genotype="healthy", days=120, age=40.0):
    return parse_scenario({"name": "t", "patient": {"age_years": age, "sex": "male", "weight_kg": 75,
                                                    "height_cm": 178, "genotype": genotype},
                           "duration_days": days, "aging": False, "interventions": list(interventions)})


COND = {"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0}


def graft(cd34=5e6, **kw):
    return {"kind": "transplant", "day": 6, "source": "peripheral_blood", "cd34_per_kg": cd34, **kw}


def test_without_donor_cells_the_split_model_follows_the_original():
    model = healthy_human_model(aging=False)
    events = [CellDepletion(5.0, ("marrow",), 0.2, ("hsc",)), BloodLoss(20.0, 500.0)]
    a = Simulation(model, events=events).run(100.0)
    b = Simulation(split_origins(model), events=events).run(100.0)
    for name in ("anc_1e9_per_L", "platelets_1e9_per_L", "hemoglobin_g_per_dL", "cd4_per_uL", "nk_cells_per_uL"):
        assert np.max(np.abs(a.observable(name) - b.observable(name)) / a.observable(name)) < 1e-6
        assert np.all(b.observable(f"{name}__donor") == 0.0)


def test_donor_and_host_cells_add_up_in_every_lineage():
    r = run_scenario(scenario(COND, graft()))
    m = r.model
    for name in m.observable_names:
        if name.endswith("__donor"):
            total = r.observable(name.removesuffix("__donor"))
            donor = r.observable(name)
            i = m.observable_names.index(name.removesuffix("__donor"))
            host_w = m.obs_state_w[i] * np.array(["__host" in s for s in m.state_names])
            host = np.maximum(r.states, 0.0) @ host_w
            assert np.allclose(donor + host, total, rtol=1e-12, atol=0.0), name
    assert np.all(r.states >= 0)
    chim = r.observable("anc_1e9_per_L__donor")[-1] / r.observable("anc_1e9_per_L")[-1]
    assert chim > 0.95  # myeloablative conditioning: donor haematopoiesis


def test_more_cd34_cells_never_give_a_deeper_or_later_recovery():
    runs = [run_scenario(scenario(COND, graft(cd34))) for cd34 in (2e6, 5e6, 10e6)]
    nadirs = [r.observable("anc_1e9_per_L").min() for r in runs]
    plt = [r.observable("platelets_1e9_per_L").min() for r in runs]
    donor_hsc = [r.state("hsc__donor")[-1] for r in runs]
    assert nadirs == sorted(nadirs) and plt == sorted(plt) and donor_hsc == sorted(donor_hsc)
    day = [next(t for t, v in zip(r.times, r.observable("anc_1e9_per_L"), strict=True) if t > 20 and v >= 1.0) for r in runs]
    assert day == sorted(day, reverse=True)


def test_an_older_recipient_never_recovers_naive_cd4_faster():
    naive = []
    for age in (1.0, 10.0, 40.0, 70.0):  # the infant's faster naive turnover keeps the order
        r = run_scenario(scenario(COND, graft(cd3_per_kg=0.0), days=400, age=age))
        naive.append(r.state("naive_cd4__donor")[-1])
    assert naive[0] > naive[1] > naive[2] > naive[3]


@pytest.mark.parametrize(("genotype", "t", "b", "nk"), [
    ("il2rg_scid", False, True, False), ("ada_scid", False, False, False), ("rag_scid", False, False, True)])
def test_scid_genotypes_lack_their_lineages(genotype, t, b, nk):
    r = run_scenario(scenario(genotype=genotype, days=60))
    for name, present in (("cd4_per_uL", t), ("cd8_per_uL", t), ("b_cells_per_uL", b), ("nk_cells_per_uL", nk)):
        v = r.observable(name)[-1]
        assert (v > 50) if present else (v == 0.0), (name, v)
    assert r.observable("anc_1e9_per_L")[-1] > 1.8  # myeloid lineages untouched


def test_unconditioned_xscid_graft_restores_only_what_it_supplies():
    r = run_scenario(parse_scenario(__import__("yaml").safe_load((EXAMPLES / "xscid_unconditioned.yaml").read_text())))
    assert r.observable("cd4_per_uL")[-1] > 100 and r.observable("nk_cells_per_uL")[-1] > 50
    assert r.observable("cd4_per_uL__donor")[-1] == pytest.approx(r.observable("cd4_per_uL")[-1])  # all donor T
    assert r.observable("b_cells_per_uL__donor")[-1] / r.observable("b_cells_per_uL")[-1] < 0.05  # host B stay
    assert r.observable("anc_1e9_per_L__donor")[-1] / r.observable("anc_1e9_per_L")[-1] < 0.05  # no niche space


def test_transplant_endpoints_are_reported():
    from hemasim.endpoints import evaluate_endpoints

    s = scenario(COND, graft(2e6), days=400)
    r = run_scenario(s)
    ep = {e.name: e.value for e in evaluate_endpoints(r)}
    assert ep["neutrophil_engraftment_day"] is not None and ep["primary_graft_failure"] == 0.0
    for d in (28, 60, 100, 365):
        assert 0.0 <= ep[f"donor_chimerism_anc_1e9_day{d}"] <= 1.0
    assert {"nk_50pct_normal_day", "cd8_50pct_normal_day", "b_50pct_normal_day", "cd4_50pct_normal_day",
            "cd4_200_day"} <= set(ep)


@pytest.mark.parametrize(("iv", "field", "hint"), [
    (graft(0), "interventions.1.cd34_per_kg", "greater than 0"),
    (graft(5e9), "interventions.1.cd34_per_kg", "less than or equal to"),
    (graft(source="liver"), "interventions.1.source", "'bone_marrow'"),
    ({**graft(), "day": 3}, "interventions.1.day", "comes before conditioning"),
])
def test_bad_transplants_name_the_field(iv, field, hint):
    with pytest.raises(ScenarioError) as err:
        scenario(COND, iv)
    assert field in str(err.value) and hint in str(err.value), str(err.value)


def test_genotype_must_be_known():
    with pytest.raises(ScenarioError, match="patient.genotype"):
        scenario(genotype="wiskott_aldrich")


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
@pytest.mark.integration
def test_exported_chimeric_model_matches_libroadrunner():
    s = scenario(COND, graft(), days=40)
    events = [e for ev in build_events(s) for e in ev.expand()]
    assert_roadrunner_matches(build_model(s).compile(), events, 40.0, 41)


def test_trec_marker_falls_with_age_follows_naive_cells_and_comes_with_the_graft():
    from hemasim.biology import Covariates
    from hemasim.simulation import steady_state

    trec = []
    for age in (20.0, 40.0, 60.0):
        m = healthy_human_model(Covariates(age, "male", 70.0, 175.0), aging=False).compile()
        x = steady_state(m)
        trec.append(x[m.index("trec_cd4")] / x[m.index("naive_cd4")])  # TRECs per naive CD4 cell
    assert trec[0] > trec[1] > trec[2]
    r = run_scenario(scenario(COND, graft(cd3_per_kg=2.5e8), days=30))
    # myeloablative conditioning removes the host's markers with its naive cells (read the day after the graft,
    # before surviving host progenitors can pass the thymus); the graft brings its own
    after_graft = int(np.searchsorted(r.times, 7.0))
    assert r.state("trec_cd4__host")[after_graft] < 1e-3 * r.state("trec_cd4__host")[0]
    assert r.state("trec_cd4__donor")[-1] > 0


def test_a_graft_without_a_t_cell_dose_carries_the_sourced_default_of_its_source_and_donor():
    """The default CD3+ dose depends on the donor too (graftT): an autograft from a patient after chemotherapy
    carries fewer T cells than a healthy donor's mobilised graft; the default reaches the graft's donor T cells."""
    from hemasim.interventions.transplant import TransplantSpec
    from hemasim.parameters.graft_t_cells import GRAFT_CD3_DEFAULTS, default_cd3_per_kg

    assert {(d.source, d.donor) for d in GRAFT_CD3_DEFAULTS} == {
        (s, d) for s in ("bone_marrow", "peripheral_blood", "cord_blood", "double_cord_blood")
        for d in ("allogeneic", "autologous")}
    allo, auto = (default_cd3_per_kg("peripheral_blood", d) for d in ("allogeneic", "autologous"))
    assert auto < allo
    spec = TransplantSpec.model_validate(graft(donor="autologous"))
    assert spec.cd3() == auto
    assert TransplantSpec.model_validate(graft(donor="autologous", cd3_per_kg=1e4)).cd3() == 1e4  # given wins
    donor_t = []
    for kw in ({"donor": "autologous"}, {"donor": "autologous", "cd3_per_kg": allo}):
        r = run_scenario(scenario(COND, graft(**kw), days=7))
        donor_t.append(r.observable("cd4_per_uL__donor")[-1] + r.observable("cd8_per_uL__donor")[-1])
    assert donor_t[0] == pytest.approx(donor_t[1] * auto / allo, rel=0.05)


def test_the_autograft_default_uses_the_model_s_own_t_share_of_blood_lymphocytes():
    """7.6e7 CD3+/kg is Boulassel 2006's median infused lymphocytes times the T share of the reference adult's blood
    lymphocytes; the share written in graft_t_cells must be the one the parameter set gives."""
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.parameters.graft_t_cells import T_SHARE_OF_LYMPHOCYTES, default_cd3_per_kg

    p = healthy_adult_parameters()
    t = p.value("cd4_reference_per_uL") + p.value("cd8_reference_per_uL")
    share = t / (t + p.value("b_reference_per_uL") + p.value("nk_reference_per_uL"))
    assert T_SHARE_OF_LYMPHOCYTES == pytest.approx(share, rel=1e-9)
    assert default_cd3_per_kg("peripheral_blood", "autologous") == pytest.approx(1.13e8 * share, rel=0.01)


def test_each_assumed_graft_t_cell_default_says_what_its_check_found():
    """Issue 17 point 2: an assumed default is shown not to matter. bench/graft_cd3_check.py varies each x0.5-x2 on
    the targets carrying it; the provenance text repeats the outcome and must not claim more than the results."""
    import json
    from pathlib import Path

    from hemasim.parameters.core import Assumed
    from hemasim.parameters.graft_t_cells import GRAFT_CD3_DEFAULTS

    results = Path(__file__).resolve().parents[1] / "bench" / "results" / "graft_cd3_check.json"
    rows = {(r["source"], r["donor"]): r for r in json.loads(results.read_text(encoding="utf-8"))["rows"]}
    for d in GRAFT_CD3_DEFAULTS:
        if not isinstance(d.provenance, Assumed):
            assert (d.source, d.donor) not in rows
            continue
        row = rows[(d.source, d.donor)]
        if not row["targets"]:
            assert "no validation target carries this default" in d.provenance.how
        else:
            assert row["largest"]["change"] == 0.0 and "unchanged (0.0%)" in d.provenance.how
            ids = row["targets"]
            assert (ids[0] if len(ids) == 1 else f"{ids[0]}-{ids[-1]}") in d.provenance.how
