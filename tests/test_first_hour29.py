"""A new user's first hour (firsthour29): the help's list of commands, the report's parameter values, the tutorials
run as plain scripts."""

from __future__ import annotations

import ast
import re
import sys
import tomllib

import pytest
from typer.testing import CliRunner

from .conftest import ROOT


def test_the_command_list_shows_each_summary_as_one_paragraph():
    """`hemasim --help` listed check's summary broken after "values outside their", the rest on a line of its own:
    the list showed the docstring's source line breaks (a command's own --help rewrapped them already)."""
    from hemasim.cli.app import app

    res = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}, catch_exceptions=False)
    assert res.exit_code == 0
    lines = [line for line in res.output.splitlines() if re.match(r"\W*check ", line)]
    assert len(lines) == 1 and "values outside their clinical range (warnings)" in lines[0], res.output


@pytest.mark.parametrize(("command", "usage"), [("gene-therapy", "gene-therapy [OPTIONS] SCENARIO.yaml"),
                                               ("sweep", "sweep [OPTIONS] SCENARIO SWEEP.yaml"),
                                               ("check", "check [OPTIONS] FILE")])
def test_the_usage_line_writes_an_argument_as_its_panel_does(command: str, usage: str):
    """The usage line read "SCENARIO.YAML" above an argument panel naming "SCENARIO.yaml"."""
    from hemasim.cli.app import app

    res = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"}, catch_exceptions=False)
    assert usage in res.output and ".YAML" not in res.output


def test_a_hand_laid_help_paragraph_is_kept():
    from hemasim.cli._help import rewrapped

    assert rewrapped("First line\n    goes on.\n\n    Second\n    paragraph.") == (
        "First line goes on.\n\nSecond paragraph.")
    assert rewrapped("\b\nkept\n  as   it is") == "\b\nkept\n  as   it is"
    assert rewrapped(None) is None


@pytest.mark.parametrize(("value", "shown"), [(2133180.5, "2.13318×10⁶"), (1.2e8, "1.2×10⁸"), (0.0285, "0.0285"),
                                               (3.29e-6, "3.29×10⁻⁶"), (4.75, "4.75"), (100000.0, "100000")])
def test_the_parameter_table_writes_a_power_of_ten_as_the_report_does(value: float, shown: str):
    """The parameter table read "2.13318e+06" and "1.2e+08" (Python's format) in a report whose key results and
    graft lines write "3×10⁶" (firsthour29)."""
    from hemasim.report.html import parameter_rows

    row = parameter_rows([{"name": "x", "value": value, "unit": "cells", "source": "LeeSix2018"}])
    assert re.search(r"</code></td><td>([^<]*)</td>", row)[1] == shown  # type: ignore[index]
    assert "e+" not in row and "e-0" not in row


def _module_level_imports(path) -> set[str]:  # type: ignore[no-untyped-def]
    """The top-level packages ``path`` imports outside functions."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_tutorial_runs_as_a_plain_script_on_the_package_alone():
    """docs/tutorials/index.md: "Run as a plain script (`python transplant.py`) a tutorial computes the same". The
    fitting tutorial imported IPython at its top, which `make demo`'s install lacks: `python fit.py` stopped at
    once with ModuleNotFoundError (firsthour29)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = {re.split(r"[<>=!~ \[]", d, maxsplit=1)[0].lower().replace("-", "_") for d in project["dependencies"]}
    importable = {"pyyaml": "yaml", "python_libsbml": "libsbml"}
    allowed = {importable.get(d, d) for d in required} | set(sys.stdlib_module_names) | {"hemasim"}
    tutorials = sorted((ROOT / "docs" / "tutorials").glob("*.py"))
    assert len(tutorials) >= 6
    extra = {t.name: sorted(_module_level_imports(t) - allowed) for t in tutorials}
    assert not any(extra.values()), f"tutorials importing what a plain install lacks: {extra}"


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from tests._browser import launch_browser

    yield from launch_browser()


@pytest.mark.slow
def test_the_grid_lies_under_the_curves_and_the_bands(browser):  # type: ignore[no-untyped-def]
    """The grid lines were drawn after the curves: each crossed the ANC curve of a chemotherapy run in light grey, which
    read as a break in the curve at every peak and nadir (firsthour29, the docetaxel + pegfilgrastim report)."""
    from hemasim.report.interactive import plots_html

    spec = {"id": "anc", "title": "ANC", "ylabel": "10⁹/L", "xlabel": "days", "log": False, "x": [0.0, 10.0, 20.0],
            "series": [{"label": "ANC", "y": [5.0, 0.2, 12.0], "color": "#000"}],
            "bands": [{"lo": 1.8, "hi": 7.7, "color": "#2ca02c", "label": "adult reference range"}],
            "hlines": [{"y": 1.0, "color": "#d62728", "label": "CTCAE G3"}]}
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_content(f"<html><body>{plots_html([spec])}</body></html>")
    # Node.DOCUMENT_POSITION_FOLLOWING (4): the curve comes after every grid line, so it is painted over them
    after = page.evaluate("""() => {
        const curve = document.querySelector('svg path.hp-line');
        const grid = [...document.querySelectorAll('svg line.hp-grid')];
        return [grid.length, grid.filter(g => g.compareDocumentPosition(curve) & 4).length];
    }""")
    page.close()
    assert after[0] >= 4 and after[1] == after[0], after


def _schedule_error(schedule: dict[str, object], duration_days: float = 84) -> str:
    from hemasim.scenario import ScenarioError, parse_scenario

    data = {"name": "t", "patient": {"age_years": 62, "sex": "female", "weight_kg": 68, "height_cm": 163},
            "duration_days": duration_days,
            "interventions": [{"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 75,
                               "route": "iv_infusion", "infusion_hours": 1, "schedule": schedule}]}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "s.yaml")
    return str(err.value)


def test_days_in_cycle_counted_as_the_clinic_does_says_what_to_write():
    """The clinic's "days 1 and 8" written as days_in_cycle: [1, 8] met "days_in_cycle must start at 0 and increase",
    which did not say what to write instead (firsthour29)."""
    cyclic = {"start_day": 0, "every_days": 21, "cycles": 4}
    assert _schedule_error({**cyclic, "days_in_cycle": [1, 8]}).endswith(
        "days_in_cycle must start at 0, the cycle's first day, and increase (got [1, 8]); the clinic's days 1, 8 of "
        "each cycle are days_in_cycle: [0, 7] (docs/getting_started.md, Days)")
    unordered = _schedule_error({**cyclic, "days_in_cycle": [0, 8, 8]})
    assert unordered.endswith("(got [0, 8, 8])")  # not the clinic's numbering: no such hint
    beyond = _schedule_error({**cyclic, "days_in_cycle": [0, 21]})
    assert beyond.endswith("days_in_cycle must lie inside the cycle, each below every_days = 21 (got [0, 21]; day 21 "
                           "of a cycle is the next cycle's day 0)")


@pytest.mark.parametrize(("duration", "fix"), [(12, "it needs duration_days >= 64, or cycles: 1"),
                                               (50, "it needs duration_days >= 64, or cycles: 3"),
                                               (63, "it needs duration_days >= 64, or cycles: 3")])
def test_a_schedule_too_long_for_the_run_says_the_two_ways_to_fix_it(duration: float, fix: str):
    """"the last dose (day 63 ...) is after the end of the scenario (duration_days = 12)" named the problem only; a
    combination regimen's line already gave the days it needs (firsthour29)."""
    error = _schedule_error({"start_day": 0, "every_days": 21, "cycles": 4}, duration)
    assert error.endswith(f"(duration_days = {duration:g}); {fix}")
    days = _schedule_error({"days": [0, 30, 90]})
    assert days.endswith("(duration_days = 84); it needs duration_days >= 91")  # a list of days: no cycles to cut


@pytest.mark.parametrize(("value", "hint"), [(5.4, "; if that is feet, write 165"), (1.65, "; if that is metres, write 165")])
def test_a_height_in_feet_gets_the_centimetres_meant(value: float, hint: str):
    """height_cm: 5.4 (a US chart's feet) was refused with "allowed: > 30 and <= 250" and no word of the 165 cm meant;
    a height in metres keeps its one hint (no "feet" beside it)."""
    from hemasim.scenario import ScenarioError, parse_scenario

    data = {"name": "t", "patient": {"age_years": 62, "sex": "female", "weight_kg": 68, "height_cm": value},
            "duration_days": 10}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "s.yaml")
    assert str(err.value).endswith(hint)
    assert str(err.value).count("if that is") == 1


def test_a_height_field_named_in_feet_gets_the_centimetres_meant():
    from hemasim.scenario import ScenarioError, parse_scenario

    data = {"name": "t", "patient": {"age_years": 62, "sex": "female", "weight_kg": 68, "height_ft": 5.4},
            "duration_days": 10}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "s.yaml")
    assert "height_cm is in cm: write height_cm: 165 for 5.4 feet" in str(err.value)


def test_a_number_without_a_unit_has_a_dash_in_the_unit_columns():
    """The unit column read "1" for a ratio or a fold ("b_child_excess_at_birth | 3.4 | 1",
    "docetaxel_fraction_of_planned_dose | 1 | 1"), as if it were a value; the data files keep "1"."""
    from hemasim.report.html import parameter_rows
    from hemasim.report.key_results import NO_UNIT, unit_words

    row = parameter_rows([{"name": "b_child_excess_at_birth", "value": 3.4, "unit": "1", "source": "assumed (x)"}])
    assert f"<td>3.4</td><td>{NO_UNIT}</td>" in row
    assert unit_words({"docetaxel_fraction_of_planned_dose": "1", "anc_nadir": "1e9/L"}) == {
        "docetaxel_fraction_of_planned_dose": NO_UNIT, "anc_nadir": "×10⁹/L"}


#: the pages a new user copies commands from (docs/performance.md and the diagnoses in the topic pages record
#: measurements, not instructions)
INSTRUCTIONS = ("README.md", "docs/getting_started.md", "docs/scenarios.md", "docs/cohorts.md", "docs/transplant.md",
                "docs/drugs.md", "docs/clonal.md", "docs/explorer.md", "docs/fitting.md", "docs/sensitivity.md",
                "docs/validation.md", "docs/tutorials/*")
#: the commands that write a folder, whose --out is required
WRITES = ("run", "cohort", "gene-therapy", "fit", "fit-population", "clonal-hematopoiesis", "sweep", "sensitivity")


def test_every_documented_command_that_writes_names_its_out_folder():
    """The clonal-haematopoiesis and gene-therapy tutorials gave `hemasim run examples/....yaml`, which stops at
    "--out: required, and not given" (firsthour29)."""
    pages = [p for pattern in INSTRUCTIONS for p in sorted(ROOT.glob(pattern)) if p.suffix in (".md", ".py")]
    assert len(pages) > 12
    missing = [f"{page.relative_to(ROOT)}: {cmd}" for page in pages
               for cmd, sub in re.findall(r"`((?:\.venv/bin/)?hemasim ([a-z-]+) [^`]*)`", page.read_text(encoding="utf-8"))
               if sub in WRITES and ".yaml" in cmd and not re.search(r"\s(--out|-o)\s", cmd + " ")]
    assert not missing, missing


@pytest.mark.parametrize(("n", "size", "text"), [(200, 1000, "1 partition"), (1000, 250, "4 partitions of 250 patients"),
                                                 (1001, 250, "5 partitions of 250 patients"), (3, None, "partitions of None")])
def test_the_cohort_subtitle_counts_the_partitions(n: int, size: object, text: str):
    """A cohort of 200 read "partitions of 1000" under its title (firsthour29)."""
    from hemasim.report.html import partitions_text

    assert partitions_text(n, size) == text


def test_the_references_are_listed_in_alphabetical_order_whatever_the_case():
    """The healthy adult's report listed den Braber 2012 last, after Zheng 2021 (firsthour29)."""
    from hemasim.biology import REFERENCE_ADULT, healthy_human_model

    model = healthy_human_model(REFERENCE_ADULT)
    keys = [r.key for r in model.parameters.subset(sorted(model.used_parameter_names())).references()]
    assert "denBraber2012" in keys and keys == sorted(keys, key=str.casefold)
    assert keys.index("denBraber2012") < keys.index("Franco2012")


@pytest.mark.parametrize(("ug", "text"), [(410.0, "410 µg"), (6000.0, "6 mg"), (179100.0, "179.1 mg"), (999.0, "999 µg")])
def test_a_dose_reads_in_mg_from_one_mg_and_in_ug_below(ug: float, text: str):
    from hemasim.interventions.dosed import amount_text

    assert amount_text(ug) == text


def test_a_filgrastim_dose_per_kg_reads_in_micrograms_in_the_report():
    """5 µg/kg of filgrastim for 82 kg read "= 0.41 mg" and 0.41 in the doses' mg column (firsthour29)."""
    from hemasim.assembly import run_scenario
    from hemasim.interventions.dosed import _drug_section, dose_basis_text
    from hemasim.scenario import parse_scenario

    data = {"name": "t", "patient": {"age_years": 58, "sex": "male", "weight_kg": 82, "height_cm": 180},
            "duration_days": 4, "interventions": [{"kind": "gcsf", "drug_set": "filgrastim_wang2001",
                                                   "dose_ug_per_kg": 5, "route": "subcutaneous",
                                                   "schedule": {"days": [0, 1]}}]}
    result = run_scenario(parse_scenario(data))
    assert dose_basis_text(result) == "Full dose: filgrastim 5 µg/kg × 82 kg = 410 µg."
    section = _drug_section(result) or ""
    assert "<td>410 µg</td><td>410 µg</td>" in section and "(mg)" not in section


def test_the_cohorts_last_line_is_one_line_at_80_columns(tmp_path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Off a terminal rich wrapped "cohort of 200 patients written to out/cohort (endpoints/, summary.json,"
    and put the rest of the files on a line of their own."""
    import hemasim.cohort
    from hemasim.cli.app import app

    from .conftest import EXAMPLES

    monkeypatch.setattr(hemasim.cohort, "run_cohort", lambda *args, **kwargs: {"n_patients": 200})
    out = tmp_path / "a_folder_with_a_long_name_for_the_cohort_of_two_hundred"
    res = CliRunner().invoke(app, ["cohort", str(EXAMPLES / "cohort_docetaxel.yaml"), "--n", "200", "--out", str(out)],
                             env={"COLUMNS": "80"}, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    (line,) = [x for x in res.output.splitlines() if "written to" in x]
    assert line.endswith("bands.png, report.html)"), res.output
