"""mend37f: review37f's findings held: a regimen hint keeps to the dose a name states (on the one-letter-typo path
too), the relative-dose-intensity label carries no made-up figure, the full model's drawn slope says whose variance
it is, and cy_atg's progenitor fraction is a bound's edge with its screen entry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_mend37e import _before_ux37b, _one_edit_variants, _regimen_refusal

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("written", ["Cy/TBI 2Gy", "TBI 2Gy/Cy", "Cy 120/ATG", "Melphalan 140", "Flu/Bu4",
                                     "cy_tbi_2gy", "flu_bu3", "tbi_12gy", "FluBu4", "Mel 140", "BuCy4"])
def test_a_name_stating_another_dose_is_not_told_a_regimen_of_that_dose(written):
    # review37f: "Cy/TBI 2Gy" got cy_tbi_12gy (a one-letter typo of it) and "Cy 120/ATG" cy_atg (200 mg/kg)
    from hemasim.pharmacology.conditioning import meant_regimen

    assert "did you mean" not in _regimen_refusal(written)
    if "/" not in written:
        assert meant_regimen(written) is None


@pytest.mark.parametrize(("written", "meant"), [
    ("Cy 200/ATG", "cy_atg"), ("cy200_atg", "cy_atg"), ("Cy/TBI 12 Gy", "cy_tbi_12gy"), ("Flu/Mel 140", "flu_mel"),
    ("Flu/TBI 2Gy", "flu_tbi_2gy"), ("BuCy2", "bu_cy"), ("BuCy", "bu_cy"), ("cy_atg1", "cy_atg"),
    ("cy_t3bi_12gy", "cy_tbi_12gy"), ("cy_tbi_012gy", "cy_tbi_12gy"),
    # review37h: a name stating the regimen's own drug dose besides the number in its shipped name
    ("Cy 120/TBI 12Gy", "cy_tbi_12gy"), ("Cy120 TBI12", "cy_tbi_12gy"), ("Flu 180/Bu2", "flu_bu2"),
    ("Flu 90/TBI 2Gy", "flu_tbi_2gy"), ("Flu 30/TBI 2Gy", "flu_tbi_2gy")])
def test_a_name_stating_the_regimens_dose_or_a_stray_digit_keeps_its_suggestion(written, meant):
    assert f"did you mean {meant!r}?" in _regimen_refusal(written)


def test_the_one_letter_variants_that_lose_their_suggestion_state_another_dose():
    # mend37e's guarantee, with one deliberate change (review37f): a variant whose edit changes the number its
    # shipped name states (cy_tbi_2gy, flu_bu3, tbi_12gy) names another dose and is told none; every other variant
    # that got its name before ux37b gets it still
    from hemasim.pharmacology.conditioning import available_regimens, meant_regimen

    names = available_regimens()
    variants = [(v, n) for n in names for v in sorted(_one_edit_variants(n) - set(names))]
    lost = [(v, n) for v, n in variants if _before_ux37b(v) == n and meant_regimen(v) != n]

    def numbers(s: str) -> set[int]:
        return {int(x) for x in re.findall(r"[0-9]+", s)}

    assert lost and all(numbers(v) and not numbers(n) <= numbers(v) for v, n in lost)
    assert {n for _, n in lost} == {"cy_tbi_12gy", "flu_bu2", "flu_tbi_2gy", "tbi_2gy"}  # the names that state one
    assert all(meant_regimen(v) is None for v, _ in lost)


def test_the_full_model_slope_column_says_whose_variance_it_draws():
    # review37f: "the drug set's published between-patient variability" for the full model's slope, where the
    # figure is Kloft 2006's Friberg-chain slope variance
    from hemasim.cohort.runner import column_units

    full = "param_docetaxel_kloft2006__effects_0_full_model_slope_L_per_umol"
    clearance = "param_docetaxel_kloft2006__pk_clearance_L_per_h_per_m2"
    units = column_units([full, clearance], {full: ("L/umol", "kill slope"), clearance: ("L/h/m2", "clearance")})
    said = units[full][1]
    assert "Friberg chain's slope" in said and "omega^2 0.128" in said and "Kloft2006" in said
    assert "no between-patient variability of the full model's slope itself is published" in said
    assert "published between-patient variability" in units[clearance][1]  # a PK clearance IIV is published


def test_the_bound_fraction_has_its_measured_screen_entry():
    from hemasim.parameters.table import regimen_screen_outcome
    from hemasim.sensitivity.screen import regimen_screen

    row = next(r for r in regimen_screen()["fractions"] if (r["regimen"], r["class"]) == ("cy_atg", "progenitor"))
    assert row["value"] == 0.098 and row["range"] == [0.001, 0.0989] and not row["moves"]
    assert row["largest"]["change"] < 0.001 and "R7" in row["largest"]["readout"]
    measured = json.loads((ROOT / "bench" / "results" / "cy_atg_progenitor_screen.json").read_text())
    assert max(measured["largest_change"].values()) == row["largest"]["change"]
    assert regimen_screen_outcome()[("cy_atg", 0, "progenitor", 0.098)].startswith("does not move")
