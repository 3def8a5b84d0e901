"""The first-hour pages stay true to the code (docs35: a new user's and a maintainer's audit of the docs).

Each test holds one thing a page shows that no other test ran: the public names each have an API reference entry,
the shipped examples are each listed on the scenario page, and the scenario page's error lines are the ones a run
prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
