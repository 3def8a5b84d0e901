"""The full-model kill's optional effect site (FullModelKill.ke0_per_day; docs/chemotherapy_full_model.md, "The kill's
effect site"): Ce follows the plasma concentration with the set's half-life, a set without it builds the model it
built before, the exported SBML follows hemasim, and the committed adoption rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hemasim.biology import healthy_human_model
from hemasim.biology.body import body_surface_area_m2
from hemasim.pharmacology import DrugExposure, Regimen, load_drug_set
from hemasim.pharmacology.drug_sets import DrugSet, DrugSetError, parse_drug_set, with_kill_effect_site
from hemasim.simulation import Simulation
from hemasim.validation.patients import PATIENTS

PATIENT = PATIENTS["reference_female"]
SITE = "docetaxel_kill_effect_site_0"


def _set_with_half_life(half_life_days: float) -> DrugSet:
    return with_kill_effect_site(load_drug_set("docetaxel_kloft2006"), math.log(2.0) / half_life_days, "a test", [0])


def _model(ds: DrugSet):
    return healthy_human_model(PATIENT, aging=False, extensions=[DrugExposure(ds)]).compile()


def _regimen() -> Regimen:
    return Regimen(0.0, "docetaxel", "iv_infusion", 100 * float(body_surface_area_m2(PATIENT)) * 1000, 1 / 24)


def test_the_effect_site_is_the_plasma_course_convolved_with_its_half_life():
    """The solution of dCe/dt = ke0 (C - Ce), Ce(0) = 0, is Ce(t) = int_0^t ke0 exp(-ke0 (t - s)) C(s) ds: computed
    here by quadrature of hemasim's own plasma course on a fine grid, it matches the state; the integrals of C and
    Ce agree once both have gone (the site delays the exposure, it does not add to it)."""
    half_life = 0.5
    ke0 = math.log(2.0) / half_life
    r = Simulation(_model(_set_with_half_life(half_life)), events=[_regimen()]).run(8.0, 1.0 / 480.0)
    t = np.asarray(r.times)
    c = np.asarray(r.observable("docetaxel_concentration_ng_per_mL"))
    ce = np.asarray(r.observable(f"{SITE}_ng_per_mL"))
    # exact for C piecewise linear between grid points: propagate exp(-ke0 dt) and add the step's input
    dt = np.diff(t)
    decay = np.exp(-ke0 * dt)
    a = 1.0 - (1.0 - decay) / (ke0 * dt)  # weight of the step's end value
    b = (1.0 - decay) - a  # weight of its start value
    expected = np.zeros_like(c)
    for k in range(len(dt)):
        expected[k + 1] = decay[k] * expected[k] + b[k] * c[k] + a[k] * c[k + 1]
    assert np.max(np.abs(ce - expected)) < 2e-3 * ce.max()
    # the site peaks later and lower, holds the drug longer, and has the same integral
    assert t[np.argmax(ce)] > t[np.argmax(c)] + 0.05 and ce.max() < 0.5 * c.max()
    assert ce[t.searchsorted(3.0)] > 5.0 * c[t.searchsorted(3.0)]
    assert np.trapezoid(ce, t) == pytest.approx(np.trapezoid(c, t), rel=2e-3)


def test_a_set_without_the_field_builds_the_same_model_as_before():
    """Every shipped set: no effect-site state, and docetaxel's kill reads the plasma concentration itself."""
    model = _model(load_drug_set("docetaxel_kloft2006"))
    assert not [n for n in model.state_names if "effect_site" in n]
    delayed = _model(_set_with_half_life(0.5))
    assert [n for n in delayed.state_names if "effect_site" in n] == [SITE]
    assert set(delayed.state_names) - set(model.state_names) == {SITE}


def test_with_a_half_life_of_seconds_the_course_is_the_no_delay_course():
    """A very fast effect site (half-life 10 s) gives the no-delay ANC course; a half-life of a day moves it."""
    runs = {}
    for label, ds in (("none", load_drug_set("docetaxel_kloft2006")), ("fast", _set_with_half_life(1e-4)),
                      ("day", _set_with_half_life(1.0))):
        runs[label] = Simulation(_model(ds), events=[_regimen()]).run(21.0, 0.25).observable("anc_1e9_per_L")
    assert np.max(np.abs(runs["fast"] / runs["none"] - 1.0)) < 1e-3
    assert np.max(np.abs(runs["day"] / runs["none"] - 1.0)) > 0.05


def test_the_schema_refuses_an_effect_site_rate_outside_its_range():
    data = load_drug_set("docetaxel_kloft2006").model_dump()
    data["effects"][0]["full_model"]["ke0_per_day"] = {"value": 0.0, "assumed": "no"}
    from hemasim.pharmacology.drug_sets import _check_range

    with pytest.raises(ValueError, match="ke0_per_day"):
        _check_range("effects.0.full_model.ke0_per_day", 0.0)
    with pytest.raises(DrugSetError, match="ke0_per_day"):
        parse_drug_set(data, "test")


@pytest.mark.slow
@pytest.mark.integration
def test_the_exported_sbml_follows_hemasim_with_an_effect_site():
    from .conftest import assert_roadrunner_matches

    assert_roadrunner_matches(_model(_set_with_half_life(0.5)), _regimen().expand(), 21.0, 85, rr_atol=1e-10)


def _result(drop: float, ke0_ci: list, beta: float = 0.0) -> dict:
    ref = 90.0
    return {"no_delay_shipped": {"objective": ref}, "no_delay_refit": {"objective": ref + 0.5},
            "joint": {"objective": ref - drop, "ci95": {"ke0": ke0_ci},
                      "estimates": {"slope": 13.0, "mitotic_days": 4.5, "beta": beta, "ke0": 2.0}},
            "beta_bounds": [0.0, 1.0]}


def test_the_committed_rule_needs_a_drop_beyond_the_step_and_an_interval_closed_on_the_no_delay_side():
    from hemasim.inference.docetaxel import adopted_effect_site_fit

    assert adopted_effect_site_fit(_result(2.5, [1.0, 5.0]))["adopt"]
    assert not adopted_effect_site_fit(_result(1.5, [1.0, 5.0]))["adopt"]  # too small a drop
    assert not adopted_effect_site_fit(_result(5.0, [1.0, None]))["adopt"]  # open towards no delay
    a = adopted_effect_site_fit(_result(2.5, [1.0, 5.0], beta=0.0004))
    assert a["estimates"]["beta"] == 0.0 and a["effect_half_life_days"] == pytest.approx(math.log(2.0) / 2.0)
    assert a["ci95_effect_half_life_days"] == [pytest.approx(math.log(2.0) / 5.0), pytest.approx(math.log(2.0))]


def test_the_recorded_fit_applied_the_rule_to_its_own_numbers():
    """docs/images/chemo_effect_site_fit.json: the rule, re-applied to the stored fit, gives the stored decision."""
    import json
    from pathlib import Path

    from hemasim.inference.docetaxel import adopted_effect_site_fit

    stored = json.loads((Path(__file__).parents[1] / "docs/images/chemo_effect_site_fit.json").read_text())
    again = adopted_effect_site_fit(stored)
    assert again["adopt"] == stored["adopted"]["adopt"]
    assert again["objective_drop"] == pytest.approx(stored["adopted"]["objective_drop"])


def test_the_record_script_computes_the_page_s_tac_numbers():
    """docs/kill_effect_site_record.py: TAC with every kill given a 1-day effect site (unfitted diagnostic copies), as
    the committed JSON and docs/chemotherapy_full_model.md state it."""
    import json
    from pathlib import Path

    from tests._scripts import load_script

    docs = Path(__file__).resolve().parents[1] / "docs"
    rec = load_script(docs / "kill_effect_site_record.py")
    stored = json.loads((docs / "images" / "kill_effect_site_record.json").read_text())["TAC, effect half-life 1.0 d"]
    original = rec.diag.load_drug_set
    try:
        rec.diag.load_drug_set = lambda n: rec.with_effect_site(n, 1.0) if n in rec.diag.CHEMO_SETS else original(n)
        without = rec.diag.episode(*rec.diag.run(rec.diag.TAC, peg_mg=0.0)[:2])
    finally:
        rec.diag.load_drug_set = original
    assert without == stored["no pegfilgrastim"]
    page = (docs / "chemotherapy_full_model.md").read_text()
    assert f"{without['days_below_0p5']} / {stored['pegfilgrastim 6 mg day 1']['days_below_0p5']} at 1 d" in page
