"""A GVHD prophylaxis course that runs on past the scenario's end is cut there (its window is part of the model, not
an event): an allogeneic example shortened to 100 days keeps its ciclosporin course and reads, day for day, what the
full run reads, where the check used to refuse the scenario ("the immunosuppression ends on day 186, after the end of
the scenario"), so that the explorer's duration field could not shorten the shipped examples (gvhd35)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from hemasim.assembly import run_scenario
from hemasim.scenario import ScenarioError, load_scenario, parse_scenario
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.slow  # two one-year transplant runs, ~2 s


def test_a_course_that_outlasts_the_run_is_cut_at_its_end():
    full_spec = load_scenario(EXAMPLES / "allo_hsct_bone_marrow.yaml")
    data = yaml.safe_load((EXAMPLES / "allo_hsct_bone_marrow.yaml").read_text(encoding="utf-8"))
    course = [iv for iv in data["interventions"] if iv["kind"] == "immunosuppression"]
    assert course and course[0]["end_day"] + course[0]["taper_days"] > 100  # the course outlasts the shorter run
    short = run_scenario(parse_scenario({**data, "duration_days": 100}))
    full = run_scenario(full_spec)
    t = short.times
    for name in ("cd3_per_uL__donor", "cd4_per_uL", "anc_1e9_per_L"):
        a = short.observable(name)
        b = np.interp(t, full.times, full.observable(name))
        assert np.allclose(a, b, rtol=2e-3, atol=1e-6 * float(np.max(np.abs(b)))), name


def test_a_course_that_starts_after_the_end_is_refused_naming_its_start_day():
    data = yaml.safe_load((EXAMPLES / "allo_hsct_bone_marrow.yaml").read_text(encoding="utf-8"))
    with pytest.raises(ScenarioError, match=r"interventions\.2\.start_day: day 6 is after the end of the scenario"):
        parse_scenario({**data, "duration_days": 5})


def test_a_course_cut_at_the_end_is_said_in_a_warning_and_in_the_report_windows():
    # review35g: end_day 560 typed for 56 ran a full-dose course to the end unsaid, and a 30-day run listed a taper
    # (days 57-187) in its legend that it never reached
    from hemasim.report.plots import immunosuppression_windows
    from hemasim.scenario.plausibility import warning_lines

    data = yaml.safe_load((EXAMPLES / "allo_hsct_bone_marrow.yaml").read_text(encoding="utf-8"))
    spec = parse_scenario({**data, "duration_days": 30})
    lines = [line for line in warning_lines(spec) if "immunosuppression runs to day" in line]
    assert len(lines) == 1 and "interventions.2.end_day" in lines[0] and "cut there" in lines[0], lines
    windows = immunosuppression_windows(run_scenario(spec))
    assert len(windows) == 1 and windows[0][1] <= 30 and "cut at the run's end, day 30" in windows[0][2], windows
    assert not [line for line in warning_lines(load_scenario(EXAMPLES / "allo_hsct_bone_marrow.yaml"))
                if "immunosuppression runs to day" in line]
