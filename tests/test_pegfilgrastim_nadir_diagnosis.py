"""docs/pegfilgrastim_nadir_diagnosis.py, the diagnosis in docs/chemotherapy_full_model.md ("Pegfilgrastim after
chemotherapy: why the nadir is protected"): the typical woman's numbers the page states are what the script computes
now (the committed JSON, the page's text), and the mechanism it names holds."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests._scripts import load_script

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCRIPT = DOCS / "pegfilgrastim_nadir_diagnosis.py"
SECTION = "## Pegfilgrastim after chemotherapy: why the nadir is protected (diagnosis)"


@pytest.fixture(scope="module")
def diag() -> ModuleType:
    return load_script(SCRIPT)


def _section() -> str:
    page = (DOCS / "chemotherapy_full_model.md").read_text()
    start = page.index(SECTION)
    return page[start:page.index("\n## ", start + 1)]


def test_the_melhem_encoding_rests_without_drugs(diag: ModuleType) -> None:
    # no chemotherapy and no pegfilgrastim: Melhem's steady state (ANC kp / kc / sr = 3.90e9/L) does not move
    t, anc, conc = diag.melhem_course(0.0, chemo=False)
    assert np.allclose(anc, 0.0276 / 0.12 / 0.059, rtol=1e-6) and np.all(conc == 0.0) and t[-1] == pytest.approx(21.0)


def test_melhems_kill_outlasts_the_exit_for_about_a_week(diag: ModuleType) -> None:
    assert 6.0 < diag.melhem_kill_days(1.0) < diag.melhem_kill_days(0.0) < 7.5


def test_the_episode_reads_f4s_daily_counts(diag: ModuleType) -> None:
    t = np.arange(0.0, 21.01, 0.125)
    anc = np.where((t > 7.9) & (t < 10.1), 0.3, 4.0)  # daily counts below 0.5 on days 8, 9, 10
    e = diag.episode(t, anc)
    assert e["dsn_daily_counts"] == 3 and e["nadir"] == 0.3 and 2.0 <= e["days_below_0p5"] <= 2.25


@pytest.mark.slow
def test_the_pages_numbers_are_what_the_script_computes(diag: ModuleType) -> None:
    now = diag.main(with_cohort=False)
    stored = json.loads((DOCS / "images" / "pegfilgrastim_nadir.json").read_text())
    for key, value in now.items():
        assert stored[key] == value, key
    text = _section()
    tac, tc = now["effects"]["TAC"], now["effects"]["TC"]
    for row in (tac["both effects (shipped)"], tac["production only"], tac["maturation speed only"],
                tc["both effects (shipped)"], tc["production only"], tc["maturation speed only"]):
        assert f"{row['nadir']:g} on {row['nadir_day']:g}" in text
    assert f"{now['exposure_6mg']['after_TAC']['cmax_ng_per_mL']:g} ng/mL" in text
    stretched = now["kill_stretched_x4"]["TAC"]["pegfilgrastim day 1"]
    assert f"{stretched['nadir']:g} on day {stretched['nadir_day']:g}, {stretched['days_below_0p5']:g} days" in text
    melhem = now["melhem2017_own_chemotherapy"]
    assert f"{melhem['pegfilgrastim 6 mg']['days_below_0p5']:g} days" in text
    # the mechanism the page names: each effect alone leaves days below 0.5, the two together none
    assert tac["production only"]["days_below_0p5"] > 1.0 and tac["maturation speed only"]["days_below_0p5"] > 1.0
    assert tac["both effects (shipped)"]["days_below_0p5"] == 0.0 < melhem["pegfilgrastim 6 mg"]["days_below_0p5"]
