"""``hemasim check SCENARIO``: validate a scenario without running it (errors, then plausibility warnings)."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import fail, warn

#: exit status of ``check --strict`` when the scenario is valid but has warnings
EXIT_WARNINGS = 1


def check(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (see docs/scenarios.md and examples/)."),
    set_: list[str] = typer.Option(None, "--set", metavar="NAME=VALUE",
                                   help="Change a parameter, NAME=VALUE in its unit (repeatable), as `run` does."),
    strict: bool = typer.Option(False, "--strict", help=f"Exit {EXIT_WARNINGS} when there are plausibility warnings "
                                                        "(default: 0; errors always exit 2)."),
) -> None:
    """Check a scenario without running it: errors (exit 2), then values outside their clinical range (warnings).

    Prints what would be simulated on stdout when the scenario is valid."""
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.scenario.overrides import with_set_options
    from hemasim.scenario.plausibility import warning_lines

    try:
        spec = with_set_options(load_scenario(scenario), set_ or [])
        lines = warning_lines(spec, str(scenario))
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    warn(lines)
    kinds = ", ".join(dict.fromkeys(iv.kind for iv in spec.interventions)) or "no interventions"
    arms = f", {len(spec.arms)} arms" if spec.arms else ""
    print(f"{scenario}: valid: {spec.name!r}, {spec.duration_days:g} days, {kinds}{arms}; "
          f"{len(lines) or 'no'} warning{'' if len(lines) == 1 else 's'}")
    if strict and lines:
        raise typer.Exit(EXIT_WARNINGS)
