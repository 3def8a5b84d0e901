"""``hemasim check FILE``: validate a scenario (``hemasim run``'s) or a gene-therapy scenario (``hemasim
gene-therapy``'s) without running it: errors, then plausibility warnings. A file of another kind (a sweep, a
sensitivity design, a fitting problem) is named as what it is, with the command that takes it (and checks it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hemasim.cli._errors import fail, loaded, note, warn
from hemasim.cli._pipe import verdict_before_output

if TYPE_CHECKING:
    from hemasim.scenario import Scenario

#: exit status of ``check --strict`` when the scenario is valid but has warnings
EXIT_WARNINGS = 1
#: the file kinds (hemasim._file_kinds) ``check`` validates
CHECKED_KINDS = ("a scenario", "a gene-therapy scenario")


def check(
    scenario: Path = typer.Argument(..., metavar="FILE", help="A scenario file (what `hemasim run` takes) or a "
                                    "gene-therapy scenario (what `hemasim gene-therapy` takes); `hemasim examples` "
                                    "copies examples of both."),
    set_: list[str] = typer.Option(None, "--set", metavar="NAME=VALUE",
                                   help="Change a parameter, NAME=VALUE in its unit (repeatable), as `run` does."),
    strict: bool = typer.Option(False, "--strict", help=f"Exit {EXIT_WARNINGS} when there are plausibility warnings "
                                                        "(default: 0; errors always exit 2)."),
) -> None:
    """Check a scenario or a gene-therapy scenario without running it: errors (exit 2), then values outside their
    clinical range (warnings).

    Prints what would be simulated on stdout when the file is valid (exit 141, a shell's SIGPIPE status, where
    stdout's reader closed before that line was written). Sweep, sensitivity and fitting files are
    checked by their own commands before they run."""
    from hemasim._file_kinds import kind_of, wrong_file
    from hemasim._yaml_limits import YamlInputError, load_yaml_file

    try:
        data = load_yaml_file(scenario, "scenario")
    except YamlInputError:  # load_scenario below says why, as `hemasim run` does (a missing example: how to copy it)
        data = None
    other = wrong_file(data, str(scenario), " or ".join(CHECKED_KINDS), "`hemasim check` checks only those; the "
                       "command named checks its file before it runs", kinds=CHECKED_KINDS)
    if other is not None:
        raise fail(other)
    kind = kind_of(data) or ""
    summary, lines, notes = (_gene_therapy(scenario, set_ or []) if kind.startswith("a gene-therapy scenario")
                             else _scenario(scenario, set_ or []))
    warn(lines)
    note(notes)
    if strict and lines:
        verdict_before_output(EXIT_WARNINGS)  # a reader that closes before the line: still --strict's verdict
    print(f"{summary}; {len(lines) or 'no'} warning{'' if len(lines) == 1 else 's'}")
    if strict and lines:
        raise typer.Exit(EXIT_WARNINGS)


def _scenario(path: Path, set_: list[str]) -> tuple[str, list[str], list[str]]:
    """A scenario's summary line (without its warnings' count), its warnings and its notes."""
    from hemasim.cli.cohort import cohort_arms_warning
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.scenario.overrides import with_set_options
    from hemasim.scenario.plausibility import note_lines

    try:
        spec, lines = loaded(lambda: with_set_options(load_scenario(path), set_))
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    if spec.population is not None and spec.arms:
        # a population block makes it a cohort file: `hemasim cohort` refuses its arms, so check says so (ux36: it
        # called such a file valid); a warning, not a failure: `hemasim run` runs its arms (review36g)
        lines = [*lines, cohort_arms_warning(path)]
    try:
        _events_build(spec)
    except ValueError as err:  # as `hemasim run` says it: the file, then the field
        raise fail(f"{path}: {err}") from None
    return (f"{path}: valid: {spec.name!r}, {spec.duration_days:g} days, {_kinds(spec)}", lines,
            note_lines(spec, str(path)))


def _events_build(spec: Scenario) -> None:
    """Raise the ValueError `hemasim run` would as it builds the events of the scenario's patient (of every arm): a
    blood loss of the whole blood volume (fuzz35: check called such a scenario valid)."""
    from hemasim.assembly import build_events
    from hemasim.scenario.arms import arm_refusals, arm_scenarios

    if not spec.arms:
        build_events(spec)
    for name, arm in arm_scenarios(spec):  # none without arms
        with arm_refusals(name):  # as `hemasim run` says it (hemasim.arms.run_arms)
            build_events(arm)


def _kinds(spec: Scenario) -> str:
    """The intervention kinds a scenario gives, over all its arms: a kind only some arms give names them ("radiation,
    gcsf (arms g1, g3), 3 arms"); the base scenario's kinds alone read as if the arms' G-CSF had been dropped (ux34)."""
    from hemasim.scenario.arms import arm_scenarios

    arms = arm_scenarios(spec) or [("", spec)]
    given = {name: {iv.kind for iv in s.interventions} for name, s in arms}
    kinds = list(dict.fromkeys(iv.kind for _, s in arms for iv in s.interventions))
    words = []
    for kind in kinds:
        some = [name for name in given if kind in given[name]]
        words.append(kind if len(some) == len(given) else
                     f"{kind} (arm{'s' if len(some) > 1 else ''} {', '.join(some)})")
    return (", ".join(words) or "no interventions") + (f", {len(spec.arms)} arms" if spec.arms else "")


def _gene_therapy(path: Path, set_: list[str]) -> tuple[str, list[str], list[str]]:
    """A gene-therapy scenario's summary line and warnings: the file, then what the run derives before it simulates
    (a regimen that is not shipped, a dose below one engrafting HSC are errors here as in `hemasim gene-therapy`)."""
    from hemasim.clonal.gene_therapy_report import (
        GeneTherapyScenarioError,
        gene_therapy_inputs,
        load_gene_therapy_scenario,
    )

    if set_:
        raise fail(f"--set: {path} is a gene-therapy scenario, which takes no parameter changes "
                   "(`hemasim gene-therapy` has no --set)")
    try:
        spec, lines = loaded(lambda: load_gene_therapy_scenario(path))
    except GeneTherapyScenarioError as err:  # its lines name the file
        raise fail(str(err)) from None
    try:
        inputs = gene_therapy_inputs(spec)
    except GeneTherapyScenarioError as err:
        raise fail(f"{path}: {err}") from None
    return (f"{path}: valid gene-therapy scenario: {spec.name!r}, {spec.horizon_months} months, "
            f"{len(spec.months())} sample months, {inputs.graft_hsc:,} engrafting HSCs, host HSCs surviving "
            f"{inputs.host_surviving_fraction:.3g}"), lines, []
