"""Hostile inputs (issue #18): every file of tests/hostile/ through ``hemasim run``, each with the error it must
give. A bad input exits 2 with one line per problem (``hemasim: error: FILE: ...``) naming the file and the
field or line:column, no traceback, nothing written, in bounded time; the few that could hang or eat memory run
in a subprocess with a memory limit and a timeout.

tests/hostile/NAME.yaml is one case (a scenario; drug-set cases are scenarios naming a file of
tests/hostile/drug_sets/ by a path relative to the scenario); CASES gives its expected error text.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import EXAMPLES
from .conftest import invoke_hemasim as hemasim

pytestmark = pytest.mark.cli

HOSTILE = Path(__file__).parent / "hostile"
ROOT = Path(__file__).resolve().parents[1]

#: case -> the texts its error must hold (in order, one line each; most cases are one line)
CASES: dict[str, tuple[str, ...]] = {
    # bytes and encodings
    "non_utf8_scenario": ("line 2, column 10: byte 0xe9 is not UTF-8; save the scenario as UTF-8 text",),
    "non_utf8_drug_set": ("drug_sets/latin1.yaml: line 12, column 17: byte 0xf6 is not UTF-8",),
    "nul_byte": ("line 4, column 17: a NUL byte; a scenario is UTF-8 text",),
    "control_character": ("line 2, column 8: control character U+0007 is not allowed in YAML",),
    "binary_drug_set": ("drug_sets/binary.yaml: line 1, column 1: byte 0x89 is not UTF-8",),
    # files that are not files
    "dev_zero_drug_set": ("interventions.0.drug_set: /dev/zero: is a character device; the drug set must be a "
                          "regular YAML file",),
    "directory_drug_set": ("drug_sets: is a directory; the drug set must be a regular YAML file",),
    "missing_drug_set": ("drug_sets/no_such_set.yaml: cannot read the drug set (No such file or directory)",),
    # structure
    "deep_nesting_scenario": ("line 4, column 55: nested deeper than 40 levels (the limit)",),
    "deep_nesting_drug_set": ("drug_sets/deep_nesting.yaml: line 33, column 163: nested deeper than 40 levels",),
    "deep_nesting_by_aliases": ("nested deeper than 40 levels once aliases are expanded",),
    "alias_bomb": ("line 10, column 7: more than 100,000 values once aliases are expanded",),
    "recursive_alias": ("line 5, column 16: an alias refers to a mapping or list that contains it (a cycle)",),
    "duplicate_keys": ("line 5, column 1: duplicate key 'duration_days' (first given at line 4, column 1)",),
    "duplicate_key_drug_set": ("drug_sets/duplicate_key.yaml: line 10, column 1: duplicate key 'routes' (first "
                               "given at line 9, column 1)",),
    "huge_integer": ("line 5, column 7: an integer of 5000 digits (at most 40)",),
    "bad_date": ("line 5, column 14: cannot read this value (month must be in 1..12)",),
    "python_tag": ("malformed YAML at line 2, column 1: could not determine a constructor for the tag",),
    "not_a_mapping": ("the top level must be a mapping of fields (got list)",),
    # branch firsthour3: was "the top level must be a mapping of fields (got NoneType)"
    "empty_file": ("the file holds no fields; a scenario has name, patient, duration_days and interventions",),
    "malformed": ("malformed YAML at line 4, column 1: ",),
    # values
    "markup_in_value": ("patient.sex: Input should be 'male' or 'female' (got '[/bold]x[red]')",),
    "huge_name": ("name: String should have at most 200 characters (got 'xxxxxxxx",),
    "tiny_every_days": ("output.every_days: 1e-07 gives 300,000,000 output points over duration_days = 30; at most "
                        "100,000 (every_days >= 0.0003)",),
    "tiny_max_step_days": ("solver.max_step_days: 1e-09 forces 30,000,000,000 steps over duration_days = 30; at "
                           "most 1,000,000 (max_step_days >= 3e-05)",),
    "max_step_days_without_kind": ("solver.max_step_days: Input should be greater than 0 (allowed: > 0) (got -1)",),
    "tiny_rtol": ("solver.rtol: Input should be greater than or equal to 1e-12 (allowed: >= 1e-12 and < 0.01) (got 1e-300)",),
    "age_zero": ("patient.age_years: Input should be greater than or equal to 0.01 (allowed: >= 0.01 and <= 120) (got 0)",),
    "age_1e-12": ("patient.age_years: Input should be greater than or equal to 0.01 (allowed: >= 0.01 and <= 120) "
                  "(got 1e-12)",),
    "age_nan": ("patient.age_years: Input should be a finite number (allowed: >= 0.01 and <= 120) (got nan)",),
    "duration_true": ("duration_days: expected a number, not a boolean (got true)",),
    "duration_inf": ("duration_days: Input should be a finite number (allowed: > 0 and <= 43830) (got inf)",),
    "aging_as_number": ("aging: expected true or false (got 1)",),
    "bool_in_schedule_days": ("interventions.0.schedule.days: expected a number in item 1, not a boolean",),
    "typo_key": ("duraton_days: unknown field (check the spelling; see docs/scenarios.md for the allowed fields); "
                 "did you mean 'duration_days'?",),
    "many_problems": ("duration_days: Input should be greater than 0 (allowed: > 0 and <= 43830) (got -1)",
                      "seed: Input should be greater than or equal to 0 (allowed: >= 0 and <= 9223372036854775807)",
                      "output.every_days: Input should be greater than 0 (allowed: > 0 and <= 365) (got 0)",
                      "solver.rtol: Input should be less than 0.01 (allowed: >= 1e-12 and < 0.01) (got 2)",
                      "colour: unknown field"),
    "intervention_without_kind": ("interventions.0.kind: required field is missing (it names the kind of block)",),
    "nan_schedule": ("interventions.0.schedule.days.1: Input should be a finite number (allowed: >= 0 and <= 43830) "
                     "(got nan)",),
    "inf_schedule": ("interventions.0.schedule.every_days: Input should be a finite number (allowed: > 0 and <= 43830) "
                     "(got inf)",),
    "nan_dose": ("interventions.0.dose_mg_per_m2: Input should be a finite number (allowed: > 0 and <= 20000) (got nan)",),
    "nan_dose_rule": ("interventions.0.rules.0.below: Input should be a finite number (allowed: > 0) (got nan)",),
    "inf_dose_rule": ("interventions.0.rules.0.delay_days: Input should be a finite number (allowed: > 0 and <= 60) "
                      "(got inf)",),
    "nan_population_age": ("population.age_years.min: Input should be a finite number (allowed: >= 0.01 and <= 120) "
                           "(got nan)",),
    "inf_population_weight": ("population.weight_kg.male.mean: Input should be a finite number (allowed: > 0 and "
                              "<= 1000) (got inf)",),
    "zero_population_age": ("population.age_years.min: Input should be greater than or equal to 0.01 (allowed: >= 0.01 and "
                            "<= 120) (got 0)",),
    # drug sets
    "zero_volume_drug_set": ("drug_sets/zero_volume.yaml: pk.central_volume_L.value: 0 is outside the plausible "
                             "range of central_volume_L, [0.001, 100000]",),
    "absurd_slope_drug_set": ("drug_sets/absurd_slope.yaml: effects.0.slope_L_per_umol.value: 1e+12 is outside "
                              "the plausible range of slope_L_per_umol, [0, 10000]",),
    # the field's plausible range named, as a value outside it names it (the line said "a finite number" alone)
    "nan_drug_set_value": ("drug_sets/nan_value.yaml: pk.clearance_L_per_h_per_m2.value: Input should be a finite "
                           "number (allowed: the plausible range of clearance_L_per_h_per_m2, [0, 10000]) (got nan)",),
    "fast_clearance_drug_set": ("drug_sets/fast_clearance.yaml: pk: clearance / central_volume_L = 6.3e+03 per "
                                "hour; at most 100 per hour",),
}

#: the input cases of issue #18, each with the corpus cases that cover it
ISSUE_CASES: dict[str, tuple[str, ...]] = {
    "non-UTF-8 scenario": ("non_utf8_scenario",), "non-UTF-8 drug set": ("non_utf8_drug_set",),
    "deep nesting": ("deep_nesting_scenario", "deep_nesting_drug_set"), "alias bomb": ("alias_bomb",),
    "rich markup in a name": ("markup_in_value",), "every_days 1e-7": ("tiny_every_days",),
    "drug_set /dev/zero": ("dev_zero_drug_set",), "zero volume": ("zero_volume_drug_set",),
    "absurd slope": ("absurd_slope_drug_set",),
    "NaN/inf in schedules, dose rules, population ranges": ("nan_schedule", "inf_schedule", "nan_dose_rule",
                                                             "inf_dose_rule", "nan_population_age",
                                                             "inf_population_weight"),
    "age 0": ("age_zero",), "age 1e-12": ("age_1e-12",), "NUL byte": ("nul_byte",),
    "binary drug set": ("binary_drug_set",), "max_step_days without kind": ("max_step_days_without_kind",),
    "typo'd key": ("typo_key",), "duplicate keys": ("duplicate_keys", "duplicate_key_drug_set"),
    "duration_days: true": ("duration_true",), "max_step_days 1e-9": ("tiny_max_step_days",),
}  # FIFO scenario, /dev/zero and a directory as the scenario, a too-large file: generated below


def assert_refused(res_exit: int, stderr: str, source: str, expected: tuple[str, ...]) -> None:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert res_exit == 2, stderr
    assert "Traceback" not in stderr
    assert len(lines) == len(expected), stderr
    for line, text in zip(lines, expected, strict=True):
        assert line.startswith(f"hemasim: error: {source}: "), line
        assert text in line, (text, line)
        assert len(line) < 600, line  # input is never echoed at length


def test_every_case_file_has_its_expected_error_and_the_issue_is_covered():
    files = {p.stem for p in HOSTILE.glob("*.yaml")}
    assert files == set(CASES)
    assert all(case in CASES for cases in ISSUE_CASES.values() for case in cases)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_scenario_is_refused_in_one_line_per_problem(case: str, tmp_path: Path):
    scenario = HOSTILE / f"{case}.yaml"
    out = tmp_path / "out"
    start = time.perf_counter()
    res = hemasim("run", str(scenario), "--out", str(out))
    assert time.perf_counter() - start < 10
    assert_refused(res.exit_code, res.stderr, str(scenario), CASES[case])
    if "drug_set" in case:  # the scenario's field, then the drug set's file and what is wrong in it
        assert f"{scenario}: interventions.0.drug_set: " in res.stderr
    assert res.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary folder


_LIMITED_CHILD = """
import json, resource, sys
limit = int(sys.argv[1]) << 20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from typer.testing import CliRunner
from hemasim.cli.app import app
out = sys.argv[2]
results = []
for scenario in sys.argv[3:]:
    res = CliRunner().invoke(app, ["run", scenario, "--out", out])
    results.append((res.exit_code, res.stderr, repr(res.exception) if res.exit_code not in (0, 2) else ""))
print(json.dumps(results))
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS, FIFOs and /dev/zero as on Linux")
def test_what_could_hang_or_exhaust_memory_fails_fast_in_little_memory(tmp_path: Path):
    """In one subprocess limited to 400 MB of address space and 60 s (a hang or a 2 GB message would fail)."""
    fifo = tmp_path / "scenario_fifo.yaml"
    os.mkfifo(fifo)
    too_large = tmp_path / "too_large.yaml"
    too_large.write_text("name: x\ndescription: '" + "x" * (1 << 20) + "'\n")
    cases = {
        str(HOSTILE / "alias_bomb.yaml"): CASES["alias_bomb"],
        str(HOSTILE / "deep_nesting_scenario.yaml"): CASES["deep_nesting_scenario"],
        str(HOSTILE / "dev_zero_drug_set.yaml"): CASES["dev_zero_drug_set"],
        str(fifo): ("is a FIFO (named pipe); the scenario must be a regular YAML file",),
        "/dev/zero": ("is a character device; the scenario must be a regular YAML file",),
        str(tmp_path): ("is a directory; the scenario must be a regular YAML file",),
        str(too_large): ("the scenario is larger than 1,048,576 bytes",),
    }
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    child = subprocess.run([sys.executable, "-c", _LIMITED_CHILD, "400", str(out), *cases], capture_output=True,
                           text=True, timeout=60, env=env, cwd=ROOT)
    assert child.returncode == 0, child.stderr
    for (scenario, expected), (code, stderr, exception) in zip(cases.items(), json.loads(child.stdout),
                                                               strict=True):
        assert not exception, (scenario, exception)
        assert_refused(code, stderr, scenario, expected)
    assert not out.exists()


@pytest.mark.slow
def test_rich_markup_in_a_name_and_an_out_path_is_printed_as_written(tmp_path: Path):
    scenario = tmp_path / "markup.yaml"
    scenario.write_text("name: '[/bold]x[red'\npatient: {age_years: 40, sex: male, weight_kg: 70}\n"
                        "duration_days: 1\naging: false\n")
    out = tmp_path / "[/bold]out[red]"
    res = hemasim("run", str(scenario), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "[/bold]out[red]" in res.stderr  # as written (rich read it as markup: MarkupError)
    assert (out / "run.json").exists()


def test_drug_set_paths_are_relative_to_the_scenario_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from hemasim.interventions.dosed import drug_set_of
    from hemasim.scenario import load_scenario

    sets = tmp_path / "study" / "sets"
    sets.mkdir(parents=True)
    shipped = ROOT / "src" / "hemasim" / "pharmacology" / "drugs" / "docetaxel_kloft2006.yaml"
    (sets / "my_docetaxel.yaml").write_text(shipped.read_text().replace("name: docetaxel_kloft2006",
                                                                        "name: my_docetaxel"))
    example = (EXAMPLES / "docetaxel_q3w.yaml").read_text()
    scenario = tmp_path / "study" / "scenario.yaml"
    scenario.write_text(example.replace("drug_set: docetaxel_kloft2006", "drug_set: sets/my_docetaxel.yaml"))
    monkeypatch.chdir(tmp_path)  # not the scenario's folder
    spec = load_scenario(Path("study") / "scenario.yaml")
    assert drug_set_of(spec.interventions[0].drug_set).name == "my_docetaxel"  # type: ignore[attr-defined]
    bare = load_scenario(EXAMPLES / "docetaxel_q3w.yaml")  # a bare name is still a shipped set
    assert bare.interventions[0].drug_set == "docetaxel_kloft2006"  # type: ignore[attr-defined]


def test_markup_in_a_drug_sets_text_is_printed_as_written(tmp_path: Path):
    shipped = ROOT / "src" / "hemasim" / "pharmacology" / "drugs" / "docetaxel_kloft2006.yaml"
    text = shipped.read_text().replace("name: docetaxel_kloft2006", "name: marked").replace(
        "Kloft2006:", "'[/bold]Kloft':").replace("source: Kloft2006", "source: '[/bold]Kloft'")
    (tmp_path / "marked.yaml").write_text(text.replace('where: "docetaxel ANC model, MTT', 'where: "[/red]MTT'))
    res = hemasim("drugs", str(tmp_path / "marked.yaml"))
    assert res.exit_code == 0, res.output
    assert "- [/bold]Kloft: Kloft C" in res.stdout and "[/red]MTT" in res.stdout


def test_a_field_resolved_by_model_rebuild_still_refuses_a_boolean_for_a_number():
    """The strict checks' field shapes are kept per class; a schema whose forward reference ``model_rebuild`` resolved
    later was checked against the shapes of its unresolved table (none), so ``true`` passed as 1.0."""
    import pydantic

    from hemasim._schema import StrictData, _checked_fields

    schema = type("Later", (StrictData,), {"__annotations__": {"a": "Number"}, "__module__": __name__})
    assert _checked_fields(schema) == ()  # worked out before the reference resolves
    schema.model_rebuild(_types_namespace={"Number": float})
    assert schema(a=2.0).a == 2.0
    with pytest.raises(pydantic.ValidationError, match="not a boolean"):
        schema(a=True)


# The newest features (harden16): plasma2's options and the naive pools' fitted decline (parameters: overrides, off
# or at their fitted values by default), the blood donation's fields, gene-therapy files. A wrong type, a negative
# value, NaN, an unknown key, a missing file: one line naming the field and the values it allows, exit 2, nothing
# written, from `check` and from the command that runs the file.
_DONATION = yaml.safe_load((EXAMPLES / "blood_donation.yaml").read_text(encoding="utf-8"))
_GENE_THERAPY = yaml.safe_load((EXAMPLES / "gene_therapy" / "lentiviral_x_scid.yaml").read_text(encoding="utf-8"))
SHARE = "parameters.short_lived_plasma_cell_fraction"
NAIVE = "parameters.naive_cd4_decline_at_reference_age_per_year"

#: case -> (the file's base, the change: a dotted path and its value, "DELETE" to remove it; the line's text)
NEWEST: dict[str, tuple[str, dict[str, object], str]] = {
    "share_text": ("donation", {SHARE: "abc"}, f"{SHARE}: the value must be a number in [0, 1] (got 'abc')"),
    "share_negative": ("donation", {SHARE: -0.1}, f"{SHARE}: -0.1 is outside the parameter's bounds [0, 1]"),
    "share_nan": ("donation", {SHARE: float("nan")}, f"{SHARE}: the value must be a finite number in [0, 1] (got nan)"),
    "share_boolean": ("donation", {SHARE: True}, f"{SHARE}: expected a number in [0, 1], not a boolean (got true)"),
    "share_typo": ("donation", {"parameters.short_lived_plasma_fraction": 0.1},
                   "parameters.short_lived_plasma_fraction: unknown parameter; did you mean "
                   "short_lived_plasma_cell_fraction"),
    "half_life_negative": ("donation", {"parameters.short_lived_plasma_cell_half_life_days": -5},
                           "short_lived_plasma_cell_half_life_days: -5 day is outside the parameter's bounds "
                           "[5, 1000] day"),
    # each share is inside 0-1, their sum is not: refused where it is written, not only when a vaccine builds the
    # pools (before: `check` passed it, and a run without a vaccine ran with it)
    "recall_shares_sum": ("donation", {"parameters.recall_long_lived_plasma_cell_fraction": 0.6,
                                       "parameters.recall_short_lived_plasma_cell_fraction": 0.6},
                          "parameters: recall_long_lived_plasma_cell_fraction + recall_short_lived_plasma_cell_fraction: "
                          "a plasmablast's long- and short-lived plasma-cell shares must add up to at most 1 (got 1.2)"),
    "primary_shares_sum": ("donation", {SHARE: 0.995},  # with the table's long-lived share, 0.01
                           "parameters: long_lived_plasma_cell_fraction + short_lived_plasma_cell_fraction: "
                           "a plasmablast's long- and short-lived plasma-cell shares must add up to at most 1 (got 1.005)"),
    "naive_text": ("donation", {NAIVE: "fast"}, f"{NAIVE}: the value must be a number in [0, 0.1] 1/year (got 'fast')"),
    "naive_negative": ("donation", {NAIVE: -1}, f"{NAIVE}: -1 1/year is outside the parameter's bounds [0, 0.1] 1/year"),
    "naive_nan": ("donation", {NAIVE: float("nan")},
                  f"{NAIVE}: the value must be a finite number in [0, 0.1] 1/year (got nan)"),
    "volume_text": ("donation", {"interventions.0.volume_mL": "500 mL"},
                    "interventions.0.volume_mL: Input should be a valid number, unable to parse string as a number "
                    "(allowed: > 0 and <= 5000) (got '500 mL')"),
    "volume_negative": ("donation", {"interventions.0.volume_mL": -500},
                        "interventions.0.volume_mL: Input should be greater than 0 (allowed: > 0 and <= 5000) (got -500)"),
    "volume_nan": ("donation", {"interventions.0.volume_mL": float("nan")},
                   "interventions.0.volume_mL: Input should be a finite number (allowed: > 0 and <= 5000) (got nan)"),
    "donation_day_nan": ("donation", {"interventions.0.day": float("nan")},
                         "interventions.0.day: Input should be a finite number (allowed: >= 0) (got nan)"),
    "volume_typo": ("donation", {"interventions.0.volume_mL": "DELETE", "interventions.0.volume_ml": 500},
                    "interventions.0.volume_ml: unknown field (check the spelling; see docs/scenarios.md for the "
                    "allowed fields); did you mean 'volume_mL'?"),
    "graft_text": ("gene_therapy", {"gene_therapy.cd34_per_kg": "5e6 cells"},
                   "gene_therapy.cd34_per_kg: Input should be a valid number, unable to parse string as a number "
                   "(allowed: > 0 and <= 1e+09) (got '5e6 cells')"),
    "graft_negative": ("gene_therapy", {"gene_therapy.cd34_per_kg": -1},
                       "gene_therapy.cd34_per_kg: Input should be greater than 0 (allowed: > 0 and <= 1e+09) (got -1)"),
    "transduction_nan": ("gene_therapy", {"gene_therapy.transduction_efficiency": float("nan")},
                         "gene_therapy.transduction_efficiency: Input should be a finite number (allowed: >= 0 and "
                         "<= 1) (got nan)"),
    "surviving_fraction_nan": ("gene_therapy", {"conditioning.host_surviving_fraction": float("nan")},
                               "conditioning.host_surviving_fraction: Input should be a finite number (allowed: >= 0 "
                               "and <= 1) (got nan)"),
    "horizon_text": ("gene_therapy", {"horizon_months": "five years"},
                     "horizon_months: Input should be a valid integer, unable to parse string as an integer (allowed: "
                     ">= 1 and <= 240) (got 'five years')"),
    "cells_fraction": ("gene_therapy", {"cells_per_sample": 1.5},
                       "cells_per_sample: Input should be a valid integer, got a number with a fractional part "
                       "(allowed: >= 1 and <= 10000000) (got 1.5)"),
    "graft_typo": ("gene_therapy", {"gene_therapy.transduction": 0.9},
                   "gene_therapy.transduction: unknown field; did you mean 'transduction_efficiency'?"),
    # a list's items name their bounds as a field's value does (the line said "Input should be a finite number")
    "sample_month_nan": ("gene_therapy", {"sample_months": [1, float("nan")]},
                         "sample_months.1: Input should be a finite number (allowed: >= 1 and <= 240) (got nan)"),
    "sample_month_text": ("gene_therapy", {"sample_months": [1, "six"]},
                          "sample_months.1: Input should be a valid integer, unable to parse string as an integer "
                          "(allowed: >= 1 and <= 240) (got 'six')"),
    "regimen_unknown": ("gene_therapy", {"conditioning": {"regimen": "flu_bu3"}},
                        "conditioning.regimen: unknown conditioning regimen 'flu_bu3'; shipped regimens: 'bu_cy'"),
}


def _changed_copy(base: dict[str, Any], changes: dict[str, object]) -> dict[str, Any]:
    data = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, last = path.split(".", 1) if path.startswith("parameters.") else path.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if value == "DELETE":
            del node[last]
        else:
            node[last] = value
    return data


@pytest.mark.parametrize("case", sorted(NEWEST))
def test_the_newest_features_refuse_a_bad_value_in_one_line_naming_what_is_allowed(case: str, tmp_path: Path):
    kind, changes, text = NEWEST[case]
    base, command = (_DONATION, "run") if kind == "donation" else (_GENE_THERAPY, "gene-therapy")
    scenario = tmp_path / f"{case}.yaml"
    scenario.write_text(yaml.safe_dump(_changed_copy(base, changes), sort_keys=False), encoding="utf-8")
    for args in (("check", str(scenario)), (command, str(scenario), "--out", str(tmp_path / "out"))):
        res = hemasim(*args)
        assert_refused(res.exit_code, res.stderr, str(scenario), (text,))
    assert [p.name for p in tmp_path.iterdir()] == [scenario.name]  # nothing written


_AC_DOCETAXEL = ROOT / "src" / "hemasim" / "pharmacology" / "chemo_regimens" / "ac_docetaxel.yaml"


@pytest.mark.parametrize(("schedule", "regimen_days", "text"), [
    ({"start_day": 0, "every_days": 21, "cycles": 4, "days_in_cycle": [0, float("inf")]}, None,
     "interventions.0.schedule.days_in_cycle.1: Input should be a finite number (allowed: >= 0 and <= 43830) "
     "(got inf)"),
    # a user's regimen file (by path) took NaN and booleans: refused only where the scenario's schedule was built
    (None, [0, float("nan")], "ac_docetaxel.yaml: phases.0.drugs.0.days_in_cycle.1: Input should be a finite number "
                              "(allowed: >= 0) (got nan)"),
    (None, [0, True], "ac_docetaxel.yaml: phases.0.drugs.0.days_in_cycle: expected a number in item 1, not a boolean "
                      "(got true)"),
], ids=["days_in_cycle_inf", "regimen_days_nan", "regimen_days_boolean"])
def test_a_dose_day_that_is_no_number_is_refused_naming_the_days_bounds(  # days: the case nan_schedule
        schedule, regimen_days, text, tmp_path: Path):
    data = yaml.safe_load((EXAMPLES / "docetaxel_q3w.yaml").read_text(encoding="utf-8"))
    if schedule is not None:
        data["interventions"][0]["schedule"] = schedule
    else:
        regimen = yaml.safe_load(_AC_DOCETAXEL.read_text(encoding="utf-8"))
        regimen["phases"][0]["drugs"][0]["days_in_cycle"] = regimen_days
        (tmp_path / "ac_docetaxel.yaml").write_text(yaml.safe_dump(regimen, sort_keys=False), encoding="utf-8")
        data["interventions"] = [{"kind": "chemotherapy_regimen", "regimen": "ac_docetaxel.yaml", "start_day": 0}]
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    res = hemasim("check", str(scenario))
    assert_refused(res.exit_code, res.stderr, str(scenario), (text,))


_REGIMENS = ROOT / "src" / "hemasim" / "pharmacology" / "conditioning" / "regimens.yaml"


@pytest.mark.parametrize(("kind", "where", "value", "text"), [
    ("chemotherapy", ("phases", 0, "drugs", 0, "dose_mg_per_m2", "value"), float("nan"),
     "phases.0.drugs.0.dose_mg_per_m2.value: Input should be a finite number (allowed: > 0 and at most 20000) (got nan)"),
    ("chemotherapy", ("phases", 0, "cycles", "value"), "four",
     "phases.0.cycles.value: Input should be a valid number, unable to parse string as a number (allowed: a whole "
     "number from 1 to 100) (got 'four')"),
    ("conditioning", ("components", 0, "surviving", "hsc", "value"), float("nan"),
     "components.0.surviving.hsc.value: Input should be a finite number (allowed: [0, 1]) (got nan)"),
], ids=["regimen_dose_nan", "regimen_cycles_text", "conditioning_surviving_nan"])
def test_a_regimen_value_that_is_no_number_names_its_range(kind, where, value, text, tmp_path: Path):
    """A regimen file's values are Values (a number and its source), whose range is the field's: checked after the
    schema, so a NaN or a text named none (a value outside the range names it)."""
    if kind == "chemotherapy":
        regimen = yaml.safe_load(_AC_DOCETAXEL.read_text(encoding="utf-8"))
        data = yaml.safe_load((EXAMPLES / "docetaxel_q3w.yaml").read_text(encoding="utf-8"))
        data["interventions"] = [{"kind": "chemotherapy_regimen", "regimen": "mine.yaml", "start_day": 0}]
    else:
        regimen = yaml.safe_load(_REGIMENS.read_text(encoding="utf-8"))["bu_cy"]
        data = copy.deepcopy(_GENE_THERAPY)
        data["conditioning"] = {"regimen": "mine.yaml"}
    node = regimen
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = value
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(regimen, sort_keys=False), encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    res = hemasim("check", str(scenario))
    assert_refused(res.exit_code, res.stderr, str(scenario), (f"mine.yaml: {text}",))


def test_plasma_cell_shares_are_summed_over_the_merged_values_of_an_arm_and_of_set(tmp_path: Path):
    """An arm's ``parameters:`` and ``--set`` are merged over the file's values: their shares are summed with the
    file's values, not the table's (the file's long-lived share 0 and a short-lived 0.995 add up to 0.995: valid;
    before, each part was summed with the table's 0.01 and refused), and a merged sum over 1 is refused."""
    data = yaml.safe_load((EXAMPLES / "influenza_vaccine_25_vs_80.yaml").read_text(encoding="utf-8"))
    data["parameters"] = {"long_lived_plasma_cell_fraction": 0.0}
    data["arms"][1]["parameters"] = {"short_lived_plasma_cell_fraction": 0.995}
    arms = tmp_path / "arms.yaml"
    arms.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    res = hemasim("check", str(arms))
    assert res.exit_code == 0, res.stderr
    res = hemasim("check", str(arms), "--set", "long_lived_plasma_cell_fraction=0.01")
    assert res.exit_code == 2 and "(got 1.005)" in res.stderr and res.stderr.count("\n") == 1, res.stderr
    del data["arms"][1]["parameters"]
    arms.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    res = hemasim("check", str(arms), "--set", "short_lived_plasma_cell_fraction=0.995")
    assert res.exit_code == 0, res.stderr
    data["arms"][1]["parameters"] = {"short_lived_plasma_cell_fraction": 0.9995, "long_lived_plasma_cell_fraction": 0.001}
    arms.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    res = hemasim("check", str(arms))
    assert res.exit_code == 2 and "arms.1" in res.stderr and "(got 1.0005)" in res.stderr, res.stderr


def test_a_missing_gene_therapy_file_is_one_line_and_exit_2(tmp_path: Path):
    missing = tmp_path / "no_such_file.yaml"
    for args in (("check", str(missing)), ("gene-therapy", str(missing), "--out", str(tmp_path / "out"))):
        res = hemasim(*args)
        assert res.exit_code == 2 and res.stderr.count("\n") == 1, res.stderr
        assert res.stderr.startswith(f"hemasim: error: {missing}: cannot read the ") and "No such file" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_plasma_cell_share_sums_that_are_no_number_are_refused_and_named_first():
    """A cohort's sums (one a patient, from the vaccine module's builder): a NaN among them was the "largest" by
    ``np.max`` and compared as not above 1, so passed, hiding a patient's sum above 1 beside it."""
    from hemasim.parameters.sets.vaccine_kinetics import PLASMA_CELL_SHARES, plasma_cell_shares_problem

    names = PLASMA_CELL_SHARES["primary"]
    assert plasma_cell_shares_problem(names, [0.5, 1.0]) is None and plasma_cell_shares_problem(names, 1.0) is None
    assert str(plasma_cell_shares_problem(names, 1.2)).endswith("(got 1.2)")
    assert str(plasma_cell_shares_problem(names, [0.3, 1.2, 1.1])).endswith("(got 1.2)")
    for sums in (float("nan"), [1.2, float("nan")], [float("nan"), 0.5]):
        assert str(plasma_cell_shares_problem(names, sums)).endswith("(got nan)"), sums
