"""The first-hour pages stay true to the code (docs35: a new user's and a maintainer's audit of the docs).

Each test holds one thing a page shows that no other test ran: the public names each have an API reference entry,
the shipped examples are each listed on the scenario page, and the scenario page's error lines are the ones a run
prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _api_entries() -> set[str]:
    """The last dotted part of every ``::: NAME`` of docs/api/ (the objects mkdocstrings renders)."""
    return {m.rpartition(".")[2] for page in (ROOT / "docs" / "api").glob("*.md")
            for m in re.findall(r"^::: ([\w.]+)", page.read_text(encoding="utf-8"), re.M)}


def test_every_public_name_has_an_api_reference_entry():
    """docs/api/index.md lists `hs.AdditiveRungeKutta`, `hs.Model`, `hs.examples_folder`, ... as the public
    interface; until docs35 five of them had no entry on any API page, so the site documented them nowhere."""
    import hemasim

    missing = sorted(set(hemasim.__all__) - {"__version__"} - _api_entries())
    assert not missing, f"public names (hemasim.__all__) without a `::: NAME` entry in docs/api/: {missing}"


def test_every_shipped_example_is_listed_on_the_scenario_page():
    """docs/scenarios.md, "Examples", lists the shipped files: one added to examples/ without a line there is
    found only by `hemasim examples --list` (examples/fit/, the fitting problem, had none until docs35)."""
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\(\.\./(examples/[\w/.]+)\)", text))
    shipped = {str(p.relative_to(ROOT)).replace("\\", "/") for p in (ROOT / "examples").rglob("*.yaml")}
    unlisted = sorted(p for p in shipped if p not in listed and not any(p.startswith(d) for d in listed
                                                                          if d.endswith("/")))
    assert not unlisted, f"examples without a line in docs/scenarios.md's Examples: {unlisted}"


def test_the_scenario_pages_error_lines_are_the_ones_a_check_prints(tmp_path):
    """docs/scenarios.md opens with three error lines of a file `bad.yaml`: the file that makes them, checked by
    `hemasim check`, prints exactly those lines (the third shortened on the page with '...', as written there)."""
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    shown = re.search(r"^```\n(hemasim: error: bad\.yaml: .*?)```", text, re.M | re.S).group(1).strip().splitlines()
    (tmp_path / "bad.yaml").write_text(
        "name: bad\npatient: {age_years: 40, sex: male, weight_kg: -70, height_cm: 178}\nduration_days: 30\n"
        "interventions:\n  - {kind: chemotherapy, drug_set: docetaxel_kloft2006, dose_mg_per_m2: 75,"
        " route: iv_infusion, infusion_hrs: 1, schedule: {start_day: 0, every_days: 21, cycles: 1}}\n"
        "  - {kind: chemo, day: 1}\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "hemasim", "check", "bad.yaml"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 2
    printed = [line for line in res.stderr.splitlines() if line.startswith("hemasim: error:")]
    assert printed[:2] == shown[:2]
    head, _, tail = shown[2].partition("blood_donation, ..., chemotherapy, ...")
    kind_line = next(line for line in printed if "interventions.1.kind" in line)
    assert kind_line.startswith(head.replace("interventions.0", "interventions.1")) and kind_line.endswith(tail)


def _one_line(page: str) -> str:
    return " ".join((ROOT / "docs" / page).read_text(encoding="utf-8").split())


@pytest.mark.slow
def test_the_t4_months_table_is_the_t4_scenarios_run():
    """docs/transplant.md's table of CD4, CD8 and their ratio by month after the T-depleted graft (target T4's run)
    had stayed at branch t4fit's values (ratio 0.54 at month 6) while the page's text and the card read 0.58."""
    from hemasim.validation.months import CALENDAR_MONTH_DAYS
    from hemasim.validation.scenario_runs import value_after_graft
    from hemasim.validation.transplant import _HSCT_GRAFT_DAY, _TCD_CHILD

    text = (ROOT / "docs" / "transplant.md").read_text(encoding="utf-8")
    months = [int(m) for m in re.search(r"^\| months after graft \|(.*)\|$", text, re.M).group(1).split("|")]
    rows = {name: [float(v) for v in re.search(rf"^\| {re.escape(name)} \|(.*)\|$", text, re.M).group(1).split("|")]
            for name in ("CD4/uL", "CD8/uL", "CD4:CD8")}
    cd4 = [value_after_graft(_TCD_CHILD, "cd4_per_uL", m * CALENDAR_MONTH_DAYS, _HSCT_GRAFT_DAY) for m in months]
    cd8 = [value_after_graft(_TCD_CHILD, "cd8_per_uL", m * CALENDAR_MONTH_DAYS, _HSCT_GRAFT_DAY) for m in months]
    assert rows["CD4/uL"] == [round(v) for v in cd4]
    assert rows["CD8/uL"] == [round(v) for v in cd8]
    assert rows["CD4:CD8"] == [round(a / b, 2) for a, b in zip(cd4, cd8, strict=True)]


def test_the_trec_counts_by_age_are_the_models():
    """docs/transplant.md gives the TREC-like marker's blood count of a healthy man at 20, 40 and 60 years (it read
    80, 34 and 14 "per naive CD4 cell", which were neither the count, 75, 33, 14, nor the share per cell)."""
    import hemasim as hs
    from hemasim.biology import Covariates

    text = _one_line("transplant.md")
    stated = re.search(r"falls with age \((\d+)/uL at 20, (\d+) at 40, (\d+) at 60 years in a healthy man of 70 kg; "
                       r"per naive CD4 cell ([\d.]+), ([\d.]+) and ([\d.]+)\)", text)
    assert stated, "the sentence on the marker's count by age is gone or reworded: update this test"
    for i, age in enumerate((20, 40, 60)):
        model = hs.healthy_human_model(Covariates(age_years=age, sex="male", weight_kg=70, height_cm=175))
        r = hs.Simulation(model).run(duration_days=1)
        trec, naive = r.observable("trec_cd4_per_uL")[0], r.observable("naive_cd4_per_uL")[0]
        assert int(stated.group(1 + i)) == round(trec)
        assert float(stated.group(4 + i)) == round(trec / naive, 2)


@pytest.mark.slow
def test_the_transplant_examples_table_is_their_run():
    """docs/transplant.md's table of the six transplant examples' endpoints (engraftment days, half-normal days,
    CD4 >= 200/uL, lowest Hb) had the lowest Hb of before branch `donation` (9.7-10.3 g/dL after myeloablation, where
    the page's Limits and the runs give 11.4-11.7): each row is its example's run. Since branch gvhd35 the allogeneic
    examples carry GVHD prophylaxis, which moved the marrow and cord rows' lymphocyte columns."""
    import warnings

    import hemasim as hs

    text = (ROOT / "docs" / "transplant.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)\.yaml` \([^|]*\) \| day (\d+) \| day (\d+) \| (\d+|-) / (\d+|-) / (\d+|-) \| "
                      r"([^|]+) \| ([\d.]+) \|$", text, re.M)
    assert len(rows) == 6
    for name, neut, plt, nk, cd8, b, cd4, hb in rows:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e = hs.run_scenario(hs.load_scenario(ROOT / "examples" / f"{name}.yaml")).endpoints()
        got = [e[k].value for k in ("neutrophil_engraftment_day", "platelet_engraftment_day", "nk_50pct_normal_day",
                                    "cd8_50pct_normal_day", "b_50pct_normal_day")]
        # "-": not within the run (since branch gvhd35 the single cord's CD8 stays below half of normal)
        assert [None if v == "-" else float(v) for v in (neut, plt, nk, cd8, b)] == got, name
        cd4_day = e["cd4_200_day"].value
        assert cd4.strip() == (f"day {cd4_day:.0f}" if cd4_day is not None else "not within the run"), name
        assert float(hb) == round(e["hemoglobin_nadir"].value, 1), name


@pytest.mark.slow
def test_the_chemotherapy_tutorials_stated_figures_are_its_output(monkeypatch):
    """The chemotherapy tutorial states its arms' cycle-1 figures in prose (the docs build executes the notebook but
    reads none of its numbers): the full model's nadir about 0.44e9/L on day 9.5 with about a day below 0.5, the
    Friberg chain's about 0.16e9/L on day 8.5 and about 5 days below 0.5 a cycle, and pegfilgrastim keeping every
    cycle above 0.5."""
    import runpy

    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT)
    text = " ".join((ROOT / "docs" / "tutorials" / "chemotherapy_gcsf.py").read_text(encoding="utf-8")
                    .replace("# ", " ").split())
    assert "its cycle-1 nadir is about 0.44 × 10⁹/L on day 9.5, with about a day below 0.5 × 10⁹/L in each cycle" in text
    assert "falls to about 0.16 × 10⁹/L on day 8.5 and stays below 0.5 for about 5 days a cycle" in text
    assert "Pegfilgrastim keeps the count above grade 4 in every cycle." in text
    rows = runpy.run_path(str(ROOT / "docs" / "tutorials" / "chemotherapy_gcsf.py"), run_name="__main__")["rows"]
    by = {(r["arm"], r["cycle"]): r for r in rows}
    full, chain = by["docetaxel", 1], by["docetaxel, Friberg chain", 1]
    assert round(full["nadir (10⁹/L)"], 2) == 0.44 and full["day of the cycle"] == 9.5
    assert all(0.5 <= by["docetaxel", c]["days with ANC < 0.5"] <= 1.5 for c in range(1, 5))
    assert round(chain["nadir (10⁹/L)"], 2) == 0.16 and chain["day of the cycle"] == 8.5
    assert all(4.5 <= by["docetaxel, Friberg chain", c]["days with ANC < 0.5"] <= 6 for c in range(1, 5))
    assert all(by["docetaxel + pegfilgrastim", c]["days with ANC < 0.5"] == 0 for c in range(1, 5))
