"""Stage 3 of the screen (bench/coupled_screen.py, docs/sensitivity.md "Stage 3"): the engraftment fit as a coupling
(warm-started, deterministic, the shipped values back at the shipped held values), a design point's values reaching
the events that read them (a graft's content, a conditioning's radiosensitivity), and the stage-3 section kept when
the screen's page is written again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hemasim.assembly import event_parameters
from hemasim.biology.transplant import Transplant, with_graft_contents
from hemasim.inference.engraftment import FITTED_PARAMETERS, HELD_ASSUMED, engraftment_coupling, refit, refit_at
from hemasim.parameters import Assumed, healthy_adult_parameters
from hemasim.sensitivity.batch import evaluate_points
from hemasim.sensitivity.coupling import coupled_columns, shipped_couplings
from tests._scripts import load_script

from .test_transplant import COND, graft, scenario

ROOT = Path(__file__).resolve().parents[1]
CONTENT = "graft_short_term_units_per_cd34"


def test_a_design_point_sets_the_graft_content_its_transplant_reads():
    # the content is read when the transplant's event is built, not by the model's builder: a batch that varied it
    # ran every point with the table's value (main before branch couplemarrow: 11 and 37 days at both points)
    base = scenario(COND, graft(), days=60)
    ends = evaluate_points(base, pd.DataFrame({CONTENT: [7.5e-6, 3e-5]}))
    for i, value in enumerate((7.5e-6, 3e-5)):
        alone = evaluate_points(base.model_copy(update={"parameters": {CONTENT: value}}),
                                pd.DataFrame({"hsc_niche_hill": [healthy_adult_parameters().value("hsc_niche_hill")]}))
        for day in ("neutrophil_engraftment_day", "platelet_engraftment_day"):
            assert ends[day].iloc[i] == alone[day].iloc[0]
    assert ends["platelet_engraftment_day"].iloc[1] < ends["platelet_engraftment_day"].iloc[0] - 5  # more, sooner


def test_a_parameter_the_events_read_runs_one_batch_per_value():
    # the total-body irradiation of cy_tbi_12gy reads the HSC radiosensitivity when its events are built: main before
    # branch couplemarrow ran every point of a design with the table's value (37 days at x0.5, no effect)
    base = scenario(COND, graft(), days=60)
    name = "radiosensitivity_alpha_hsc_per_Gy"
    value = healthy_adult_parameters().value(name)
    assert event_parameters(base, [name, "hsc_niche_hill", CONTENT]) == [name]  # the graft's: set per point instead
    assert event_parameters(scenario(days=5), [name]) == []  # no intervention reads it
    ends = evaluate_points(base, pd.DataFrame({name: [0.5 * value, value]}))
    for i, v in enumerate((0.5 * value, value)):
        alone = evaluate_points(base.model_copy(update={"parameters": {name: v}}), pd.DataFrame({CONTENT: [7.5e-6]}))
        assert ends["platelet_engraftment_day"].iloc[i] == alone["platelet_engraftment_day"].iloc[0]
    assert ends["platelet_engraftment_day"].iloc[0] < ends["platelet_engraftment_day"].iloc[1]  # fewer HSCs killed


def test_a_graft_content_keeps_its_source_factor_and_other_events_pass():
    cord = Transplant(6.0, 1e6, 1e5, 2e-3, 3.0 * 7.5e-6, 1e-8)  # built with 7.5e-6 x a factor of 3 (a potency)
    other = object()
    out = with_graft_contents([other, cord], {CONTENT: np.array([1.5e-5, 7.5e-6]), "hsc_niche_hill": np.ones(2)},
                              {CONTENT: 7.5e-6}.__getitem__)
    assert out[0] is other and np.allclose(out[1].short_term_units_per_cd34, [4.5e-5, 2.25e-5], rtol=1e-12)
    assert out[1].hsc_per_cd34 == 2e-3  # not varied: as built
    assert with_graft_contents([cord], {"hsc_niche_hill": np.ones(2)}, {}.__getitem__) == [cord]


def test_the_engraftment_coupling_refits_the_fit_from_the_assumed_values_it_held():
    table = healthy_adult_parameters()
    coupling = engraftment_coupling()
    assert coupling.targets == tuple(n for n, _, _ in FITTED_PARAMETERS) and coupling.fit is refit
    assert coupling.sources == HELD_ASSUMED and all(isinstance(table[n].provenance, Assumed) for n in HELD_ASSUMED)
    assert coupling not in shipped_couplings()  # seconds per point: not applied by `hemasim sensitivity` by default
    # at the table's held values a design keeps the shipped fit, without re-running it
    calls: list[object] = []
    probe = type(coupling)(coupling.sources, coupling.targets, lambda at: calls.append(at) or {})
    row = coupled_columns(pd.DataFrame({"mpp_residence_days": [table.value("mpp_residence_days")]}), [probe], table)
    assert not calls and row.iloc[0].to_dict() == {t: table.value(t) for t in coupling.targets}


@pytest.mark.slow
def test_the_refit_at_the_shipped_held_values_gives_the_shipped_fit_back():
    table = healthy_adult_parameters()
    again = refit_at({n: table.value(n) for n in HELD_ASSUMED})
    assert again.converged and not again.failed and again.no_crossing == ()
    # the record rounds the content to 2 significant figures; the objective falls by less than 0.01 (a 95% step
    # is 1.92): within the fit's tolerance
    assert again.values[CONTENT] == pytest.approx(table.value(CONTENT), rel=0.02)
    for name in ("graft_st_hspc_per_cd34", "megakaryocyte_progenitor_exit_rate_per_day", "graft_lodging_days"):
        assert again.values[name] == pytest.approx(table.value(name), rel=1e-6)  # on their search bounds, as shipped
    assert set(again.on_bound) == {"graft_st_hspc_per_cd34", "megakaryocyte_progenitor_exit_rate_per_day",
                                   "graft_lodging_days"}
    assert 0.0 <= again.start_objective - again.objective < 0.01


def test_the_screen_keeps_the_stage_3_section_when_it_writes_its_page_again(tmp_path: Path):
    script = load_script(ROOT / "bench" / "sensitivity_screen.py")
    page = tmp_path / "page.md"
    assert script.kept_section(page, script.STAGE3_HEADING) == ""
    page.write_text(f"# Screen\n\nrows\n\n{script.STAGE3_HEADING}\n\nstage 3 rows\n", encoding="utf-8")
    assert script.kept_section(page, script.STAGE3_HEADING) == f"\n{script.STAGE3_HEADING}\n\nstage 3 rows\n"
    page.write_text("# Screen\n\nrows\n", encoding="utf-8")
    assert script.kept_section(page, script.STAGE3_HEADING) == ""


def test_the_refits_of_a_run_are_reused_by_the_next(tmp_path: Path):
    from hemasim.inference.engraftment import Refit

    script = load_script(ROOT / "bench" / "coupled_screen.py")
    table = healthy_adult_parameters()
    held = {n: table.value(n) for n in HELD_ASSUMED} | {"mpp_residence_days": 20.0}
    done = Refit({CONTENT: 1.3e-5}, 16.4, 14.8, True, "ftol", 22, ("graft_lodging_days",), ())
    first = script.RefitCache(tmp_path / "refits.json")
    first.refits[first._key(held)] = (held, done)
    first.seconds[first._key(held)] = 14.0
    first.save()
    assert "seconds" not in (tmp_path / "refits.json").read_text(encoding="utf-8")  # no run time committed
    again = script.RefitCache(None, tmp_path / "refits.json")
    assert again.fit(held) == {CONTENT: 1.3e-5} and again.earlier == frozenset(again.refits)  # no refit run
    assert again.refits[again._key(held)][1] == done and again.seconds == {}
    assert script.RefitCache(None, tmp_path / "none.json").refits == {}
