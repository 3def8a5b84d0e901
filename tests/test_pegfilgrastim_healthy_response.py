"""docs/pegfilgrastim_healthy_response.py, the healthy-subject measurement in docs/chemotherapy_full_model.md
("Pegfilgrastim in healthy subjects: the strength never checked (peg35)"): its read-outs, Melhem's encoding at rest,
the numbers the page states being what the script computes now, and the mechanism the page names (the production
effect reaches blood about a week after the dose; the speed-up alone empties the chain within a day)."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests._scripts import load_script

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCRIPT = DOCS / "pegfilgrastim_healthy_response.py"
SECTION = "## Pegfilgrastim in healthy subjects: the strength never checked"


@pytest.fixture(scope="module")
def healthy() -> ModuleType:
    return load_script(SCRIPT)


def _section() -> str:
    page = (DOCS / "chemotherapy_full_model.md").read_text()
    start = page.index(SECTION)
    return page[start:page.index("\n## ", start + 1)]


def test_melhems_healthy_encoding_rests_without_the_drug(healthy: ModuleType) -> None:
    t, anc = healthy.melhem_healthy_course(0.0)
    assert np.allclose(anc, 0.0276 / 0.12 / 0.059, rtol=1e-6) and t[-1] == pytest.approx(21.0)


def test_melhems_healthy_peak_rises_with_dose(healthy: ModuleType) -> None:
    peaks = [healthy.read_outs(*healthy.melhem_healthy_course(mg))["peak"] for mg in (2.0, 3.0, 6.0)]
    assert peaks[0] < peaks[1] < peaks[2]


def test_read_outs_of_a_box_course(healthy: ModuleType) -> None:
    # 2e9/L at rest, 6e9/L on days 1-3: 2 days x 24 h x 4e9/L over baseline within the 336-h window
    t = np.arange(0.0, 21.0 + 1e-9, 0.125)
    anc = np.where((t >= 1.0) & (t <= 3.0), 6.0, 2.0)
    r = healthy.read_outs(t, anc)
    assert r["peak"] == 6.0 and r["peak_day"] == 1.0 and r["early_peak_day"] == 1.0 and r["anc_day_14"] == 2.0
    assert r["auec_0_336h_over_baseline"] == pytest.approx(2 * 24 * 4 + 0.125 * 24 * 4, abs=1.0)
    assert r["auec_0_336h"] == pytest.approx(r["auec_0_336h_over_baseline"] + 2.0 * 336.0, abs=1.0)
    assert r["peak_fold_over_baseline"] == 3.0


@pytest.mark.slow
def test_the_pages_numbers_are_what_the_script_computes(healthy: ModuleType) -> None:
    now = healthy.main()
    stored = json.loads((DOCS / "images" / "pegfilgrastim_healthy_response.json").read_text())
    for key, value in now.items():
        assert stored[key] == value, key
    alone = now["effects_alone_6mg"]
    # the production effect alone: nothing in blood for five days, its wave after day 10
    assert alone["production only"]["early_peak_days_0_5"] == alone["production only"]["baseline"]
    assert alone["production only"]["peak_day"] > 10.0
    # the speed-up alone: its peak within two days, below baseline by day 14
    assert alone["maturation speed only"]["peak_day"] < 2.0
    assert alone["maturation speed only"]["anc_day_14"] < alone["maturation speed only"]["baseline"]
    text = _section()
    shipped, melhem = now["shipped_by_dose"]["6 mg"], now["melhem2017_healthy_6mg"]
    for r in (shipped, melhem):
        assert f"{r['early_peak_days_0_5']:g} ({r['early_peak_day']:g})" in text
        assert f"| {r['auec_0_336h_over_baseline']:g} |" in text
    q9 = now["q9_scenario_route"]
    assert f"{q9['max_within_10_days']:g} at {q9['hour_of_max_within_10_days']} h" in text
    assert f"{q9['max_within_336_h']:g}e9/L at {q9['hour_of_max_within_336_h']} h" in text
    tac = now["after_chemotherapy_record"]["both E_max x 0.25"]["TAC"]
    assert f"{tac['nadir']:g} on {tac['nadir_day']:g}; {tac['days_below_0p5']:g}; {tac['dsn_daily_counts']}" in text


def _stored() -> dict:
    return json.loads((DOCS / "images" / "pegfilgrastim_healthy_response.json").read_text())


def test_the_pages_by_dose_figures_are_the_scripts() -> None:
    """The by-dose sentence (first peaks and AUECs at 2, 3, 6 mg and 30, 100, 300 ug/kg, hemasim's and Melhem's) holds
    the stored JSON's values, which the slow test above holds to what the script computes (review35b)."""
    stored = _stored()
    text = " ".join(_section().split())
    doses = (("2 mg", "3 mg", "6 mg"), ("30 ug/kg (75 kg)", "100 ug/kg (75 kg)", "300 ug/kg (75 kg)"))

    def listed(key: str, which: tuple[str, ...], read: str, fmt: str) -> str:
        return ", ".join(format(stored[key][d][read], fmt) for d in which)

    peak, auec = "early_peak_days_0_5", "auec_0_336h_over_baseline"
    sentence = (f"first peak {listed('shipped_by_dose', doses[0], peak, '.2f')} at 2, 3, 6 mg and "
                f"{listed('shipped_by_dose', doses[1], peak, '.2f')} at 30, 100, 300 ug/kg x 75 kg (Melhem: "
                f"{listed('melhem2017_healthy_by_dose', doses[0], peak, '.2f')}; "
                f"{listed('melhem2017_healthy_by_dose', doses[1], peak, '.2f')}); AUEC over baseline "
                f"{listed('shipped_by_dose', doses[0], auec, 'g')} and {listed('shipped_by_dose', doses[1], auec, 'g')} "
                f"(Melhem: {listed('melhem2017_healthy_by_dose', doses[0], auec, 'g')}; "
                f"{listed('melhem2017_healthy_by_dose', doses[1], auec, 'g')})")
    assert sentence in text, sentence
    by_dose = stored["shipped_by_dose"]
    flat = f"from {by_dose['2 mg'][peak]:.2f} to {by_dose['6 mg'][peak]:.2f}e9/L between 2 and 6 mg"
    assert flat in text, flat  # the note on the flat first peak


def test_the_pages_after_chemotherapy_table_is_the_scripts() -> None:
    """Every row of the after-chemotherapy record on the page (nadir on day; days below 0.5; F4's daily-count
    duration, for TAC and TC) is the stored JSON's (review35b)."""
    record = _stored()["after_chemotherapy_record"]
    rows = {"shipped": "shipped", "both E_max x 0.5": "both E_max x 0.5", "both E_max x 0.25": "both E_max x 0.25",
            "both E_max x 2": "both E_max x 2",
            "speed-up on the divisions too": "speed-up on the divisions too (shipped E_max)",
            "speed-up on the divisions too, E_max x 0.5": "speed-up on the divisions too, E_max x 0.5"}
    table = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:4]]
             for line in _section().splitlines() if line.startswith("| ") and line.count("|") == 4}

    def numbers(text: str) -> list[float]:  # "0.945 on 5.62; 0; 0" -> nadir, its day, days below 0.5, F4's days
        if text.startswith("no fall below rest ("):  # the count never fell below its value at the dose
            return [float(text[len("no fall below rest ("):-1]), 0.0, 0.0, 0.0]
        nadir_on_day, days, dsn = text.split("; ")
        nadir, day = nadir_on_day.split(" on ")
        return [float(nadir), float(day), float(days), float(dsn)]

    for label, key in rows.items():
        for cell, chemo in zip(table[label], ("TAC", "TC"), strict=True):
            r = record[key][chemo]
            assert numbers(cell) == [r["nadir"], r["nadir_day"], r["days_below_0p5"], r["dsn_daily_counts"]], (
                label, chemo, cell, r)
