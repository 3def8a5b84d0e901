"""What a new user tripped on in the hardening review (branch harden): a sweep file, a sensitivity design or a
fitting problem given to `run` or `check` is named as such with the command that takes it (instead of a line for
each scenario field it lacks and a "did you mean 'seed'?" for `sweep`); the report writes numbers as a scenario
does (5e6, not 5e+06; 120 days, not 120.0)."""

from __future__ import annotations

import pytest

from hemasim.report.html import plain
from tests.conftest import EXAMPLES, invoke_hemasim


@pytest.mark.parametrize(("path", "what", "command"), [
    ("sweeps/healthy_lhs.yaml", "a sweep file", "hemasim sweep SCENARIO.yaml {path} --out DIR"),
    ("fit/problem.yaml", "a fitting problem", "hemasim fit {path} --out DIR"),
    ("gene_therapy/lentiviral_x_scid.yaml", "a gene-therapy scenario", "hemasim gene-therapy {path} --out DIR"),
])
def test_a_file_of_another_command_is_named_with_the_command_that_takes_it(path, what, command, tmp_path):
    full = str(EXAMPLES / path)
    # `check` validates a gene-therapy scenario itself (harden15; tests/test_gene_therapy_command.py)
    checks = [] if what == "a gene-therapy scenario" else [["check", full]]
    for args in (*checks, ["run", full, "--out", str(tmp_path / "out")]):
        result = invoke_hemasim(*args)
        assert result.exit_code == 2
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"hemasim: error: {full}: this is {what}")
        assert f"run it with `{command.format(path=full)}`" in line
    assert not (tmp_path / "out").exists()


def test_the_report_writes_numbers_as_a_scenario_does():
    assert plain({"cd34_per_kg": 5e6, "duration": 120.0, "dose": 0.45}) == "cd34 per kg: 5e6, duration: 120, dose: 0.45"


def _problems(intervention_change: dict[str, object], drop: tuple[str, ...] = ()) -> list[str]:
    import yaml

    from hemasim.scenario import ScenarioError, parse_scenario

    data = yaml.safe_load((EXAMPLES / "docetaxel_q3w.yaml").read_text())
    chemo = {k: v for k, v in data["interventions"][0].items() if k not in drop}
    data["interventions"] = [{**chemo, **intervention_change}]
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "s.yaml")
    return str(err.value).splitlines()


def test_a_dose_without_its_unit_lists_every_dose_field_not_the_closest_one():
    # before: "did you mean 'dose_mg'?" - a whole dose in mg for a dose meant per m2
    assert _problems({"dose": 100}, drop=("dose_mg_per_m2",))[-1].endswith(
        "did you mean one of dose_mg_per_m2, dose_mg_per_kg, dose_ug_per_kg, dose_mg? (the unit is in the name)")


def test_a_dose_day_outside_the_schedule_says_where_dose_days_go():
    (line,) = _problems({"day": 0})
    assert line.startswith("s.yaml: interventions.0.day: unknown field")
    assert line.endswith("a drug's dose days go in its schedule: schedule: {days: [0, 21]} or schedule: "
                         "{start_day: 0, every_days: 21, cycles: 4} (docs/scenarios.md)")
