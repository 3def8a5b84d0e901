"""``hemasim drugs``: the shipped drug sets, combination and conditioning regimens, or one set's or regimen's values
with sources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hemasim.cli._errors import fail, literal
from hemasim.cli._pipe import stdout_is_the_product


def _summary(description: str) -> str:
    """What a drug set models, in a few words: its description up to the first colon ("Docetaxel neutropenia",
    "Carboplatin PK only (free drug)"), or its first sentence."""
    text = " ".join(description.split())
    head = text.split(":", 1)[0] if ":" in text[:80] else text.split(". ", 1)[0]
    return head.rstrip(".")


def _mark(ds: Any) -> str:
    """The listing's mark after a set's summary: a set without PK, or one whose kill acts only in the full model."""
    if ds.pk is None:
        return "  [no PK: PD only]"
    return "  [marrow kill fitted; full model only]" if ds.full_model_kill_only else ""


def drugs(
    show: str = typer.Argument(None, help="A drug set's or regimen's name (or the path of your own drug-set or "
                                          "regimen YAML file, checked as a scenario would read it) to print in "
                                          "full."),
) -> None:
    """List the drug sets, combination and conditioning regimens, or print one set's or regimen's values and sources."""
    stdout_is_the_product()  # a listing: `| head` that has its lines is no failure
    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from hemasim.pharmacology import DrugSetError, available_drug_sets, load_drug_set
    from hemasim.pharmacology.chemo_regimens import available_chemo_regimens, load_chemo_regimen
    from hemasim.pharmacology.conditioning import available_regimens, load_regimen
    from hemasim.pharmacology.table import source_text, what_it_acts_on

    console = Console(highlight=False)
    if show is None:
        t = Table(title="drug sets (use as drug_set in a scenario; `hemasim drugs NAME` for the whole description, "
                        "values and sources)")
        t.add_column("name", no_wrap=True)  # whole, so it can be copied into a scenario
        t.add_column("what it models", overflow="fold", ratio=1)
        t.add_column("routes", overflow="fold", max_width=14)
        for name in available_drug_sets():
            ds = load_drug_set(name)
            # the mark as plain Text: as a markup string, rich would read "[no PK: PD only]" as a style tag and
            # drop it. doxorubicin's and cyclophosphamide's rows read "Doxorubicin" alone, beside sets marked
            # "PK only" and "neutropenia": their kill is marked as docs/drug_sets.md marks it (firsthour30)
            t.add_row(name, Text(_summary(ds.description) + _mark(ds)), ", ".join(ds.routes))
        console.print(t)
        c = Table(title="combination regimens (kind: chemotherapy_regimen, regimen: NAME)")
        for col in ("name", "phases", "description"):
            c.add_column(col, overflow="fold")
        for name in available_chemo_regimens():
            reg = load_chemo_regimen(name)
            phases = "; then ".join(f"{', '.join(d.drug_set for d in p.drugs)} q{p.cycle_length_days.value:g}d "
                                    f"x {p.cycles.value:g}" for p in reg.phases)
            c.add_row(name, phases, " ".join(reg.description.split()))
        console.print(c)
        r = Table(title="conditioning regimens (kind: conditioning, regimen: NAME)")
        r.add_column("name", no_wrap=True)
        r.add_column("intensity")
        r.add_column("schedule", overflow="fold", ratio=1)
        for name in available_regimens():
            reg = load_regimen(name)
            # the description counts days as clinicians do (graft on day 0); a scenario counts from start_day
            r.add_row(name, reg.intensity.replace("_", "-"),
                      f"{reg.description}; in a scenario the graft goes on start_day + {reg.graft_day:g}")
        console.print(r)
        return
    if show in available_chemo_regimens():  # the names the listing shows are all shown in full
        _show_chemo_regimen(console, load_chemo_regimen(show))
        return
    if show in available_regimens():
        _show_conditioning(console, show, load_regimen(show))
        return
    if show.endswith((".yaml", ".yml")) and _show_regimen_file(console, Path(show)):
        return
    try:
        ds = load_drug_set(Path(show) if show.endswith((".yaml", ".yml")) else show)
    except DrugSetError as err:
        if show.endswith((".yaml", ".yml")):
            raise fail(_scenario_given(Path(show)) or str(err)) from None
        from hemasim.scenario.messages import known_name_hint

        # every name allowed, then (as a scenario's error line) the sets of a drug named or the name it resembles
        sets, combined, conditioning = available_drug_sets(), available_chemo_regimens(), available_regimens()
        from hemasim.pharmacology.conditioning import meant_regimen

        # a conditioning regimen as a clinic writes it (BuCy, MEL200) when no name resembles it as written
        meant = meant_regimen(show)
        hint = known_name_hint(show, sets, [*combined, *conditioning])
        # a conditioning regimen resembling the name by its letters alone, where meant_regimen finds the agents
        # differ (bu_cy_atg: 'cy_atg', without the busulfan; ux37b), is not offered
        if any(hint == f"; did you mean {c!r}?" and c != meant for c in conditioning):
            hint = ""
        hint = hint or (f"; did you mean {meant!r}?" if meant else "")
        # a file of one's own named without its extension was told only the shipped names (ux33c), where a
        # scenario's bare name of a file beside it is told the name to write
        here = next((f"{show}{ext}" for ext in (".yaml", ".yml") if Path(f"{show}{ext}").is_file()), None)
        hint = f"; a file of that name is here: hemasim drugs {here}" if here else hint
        raise fail(f"unknown drug set or regimen {show!r} (drug sets: {', '.join(sets)}; regimens: "
                   f"{', '.join(combined)} (combination), {', '.join(conditioning)} (conditioning)){hint}") from None
    console.print(f"[bold]{literal(ds.name)}[/bold] ({literal(ds.drug)}; routes: {literal(', '.join(ds.routes))})")
    console.print(literal(" ".join(ds.description.split())))
    if (mark := what_it_acts_on(ds)) is not None:  # a user's set says no more than its own description did (ux33c)
        console.print(f"[bold]{mark[0]}[/bold]: {literal(mark[1])}")
    # one value a paragraph, not a table: the value paths are long, and a table leaves the sources a narrow
    # column at 80 columns
    console.print("\nvalues (path = number, then where it comes from):")
    for path, v in ds.values_with_paths():
        console.print(f"  [bold]{literal(path)}[/bold] = {v.value:g}")
        console.print(Padding(literal(source_text(v)), (0, 0, 0, 6)))
    console.print("\nreferences:")
    for key in ds.references:
        console.print(f"- {literal(key)}: {literal(ds.reference(key).citation())}")


def _scenario_given(path: Path) -> str | None:
    """The line for a scenario file given in place of a drug-set file (a physician asking which drugs a transplant
    scenario uses met ten schema errors of a drug set), naming the scenario's own drug sets and regimens to show;
    None when the file is not a scenario (its drug-set errors are then the message)."""
    from hemasim._yaml_limits import YamlInputError, load_yaml_file

    try:
        data = load_yaml_file(path, "drug set")
    except YamlInputError:
        return None
    if not isinstance(data, dict) or not ({"interventions", "patient"} & set(data)):
        return None
    named = []
    for block in data.get("interventions") or []:
        if isinstance(block, dict):
            named += [str(block[k]) for k in ("drug_set", "regimen") if isinstance(block.get(k), str)]
    shown = ", ".join(f"hemasim drugs {n}" for n in dict.fromkeys(named))
    return (f"{path} is a scenario, not a drug set: `hemasim drugs` shows a drug set or a regimen by name (or a "
            "drug-set file); " + (f"this scenario's: {shown}" if shown else "this scenario names none")
            + f"; `hemasim references --scenario {path}` lists the sources of its parameters")


def _show_regimen_file(console: Any, path: Path) -> bool:
    """A user's combination (``phases``) or conditioning (``components``) regimen file, shown as a shipped one is,
    or its error; False for another file (a drug set's). It was read as a drug set: a regimen of one's own met a
    line for each field of a drug set it lacks ("drug: required field is missing; ... phases: unknown field")."""
    from hemasim._yaml_limits import YamlInputError, load_yaml_file

    try:
        data = load_yaml_file(path, "regimen")
    except YamlInputError:
        return False  # the drug-set loader says what is wrong with the file
    if isinstance(data, dict) and "phases" in data:
        from pydantic import ValidationError

        from hemasim._schema import validation_problems
        from hemasim.interventions.chemo_regimen import ChemoRegimenSpec
        from hemasim.pharmacology.chemo_regimens import RegimenError, load_chemo_regimen

        try:
            reg = load_chemo_regimen(path)
            # each drug as a scenario gives it (its set loaded, route, PK, infusion length): the file alone passed a
            # drug-set path that does not exist or a route its set refuses, which the scenario then refused (ux33c)
            ChemoRegimenSpec.model_validate({"kind": "chemotherapy_regimen", "regimen": str(path)})
        except RegimenError as err:
            raise fail(str(err)) from None
        except ValidationError as err:
            raise fail(validation_problems(err)[0].removeprefix("regimen: ")) from None
        _show_chemo_regimen(console, reg, str(path))
        return True
    if isinstance(data, dict) and "components" in data:
        from hemasim.pharmacology.conditioning import RegimenError as ConditioningError
        from hemasim.pharmacology.conditioning import load_regimen

        try:
            _show_conditioning(console, str(path), load_regimen(str(path)))
        except ConditioningError as err:
            raise fail(str(err)) from None
        return True
    return False


def _show_chemo_regimen(console: Any, reg: Any, given: str | None = None) -> None:
    """A combination regimen: its phases, each drug's dose and days, every value with where it comes from;
    ``given``: how a scenario names it (a user's file: its path; a shipped one: its name)."""
    from rich.padding import Padding

    from hemasim.pharmacology.table import source_text

    console.print(f"[bold]{literal(reg.name)}[/bold] (combination regimen: kind: chemotherapy_regimen, "
                  f"regimen: {literal(given or reg.name)})")
    console.print(literal(" ".join(reg.description.split())))
    for i, (phase, start) in enumerate(zip(reg.phases, reg.phase_starts(), strict=True)):
        console.print(f"\nphase {i + 1}, from day {start:g} of the regimen: every "
                      f"{phase.cycle_length_days.value:g} days, {phase.cycles.value:g} cycles")
        console.print(Padding(f"cycle length: {literal(source_text(phase.cycle_length_days))}", (0, 0, 0, 6)))
        console.print(Padding(f"cycles: {literal(source_text(phase.cycles))}", (0, 0, 0, 6)))
        for d in phase.drugs:
            # days_in_cycle counts from 0, the cycle's first day; the regimen's description counts as clinicians
            # do, from day 1 ("pegfilgrastim on day 2" beside "day(s) 1 of each cycle")
            days = ", ".join(f"{x:g}" for x in d.days_in_cycle)
            clinical = ", ".join(f"{x + 1:g}" for x in d.days_in_cycle)
            console.print(f"  [bold]{literal(d.drug_set)}[/bold] ({d.route}, days_in_cycle {days}: day {clinical} of "
                          "each cycle, counting its first day as day 1)")
            for field in ("dose_mg_per_m2", "dose_mg_per_kg", "dose_ug_per_kg", "dose_mg", "infusion_hours"):
                v = getattr(d, field)
                if v is not None:
                    console.print(f"    {field} = {v.value:g}")
                    console.print(Padding(literal(source_text(v)), (0, 0, 0, 6)))
    if reg.references:
        console.print("\nreferences:")
        for key, r in reg.references.items():
            console.print(f"- {literal(key)}: {literal(r.reference(key).citation())}")
    console.print("\nthe drug sets' own values: hemasim drugs SET")


def _show_conditioning(console: Any, name: str, reg: Any) -> None:
    """A conditioning regimen: its blocks by day, each surviving fraction with where it comes from."""
    from rich.padding import Padding

    from hemasim.pharmacology.conditioning import Tbi
    from hemasim.pharmacology.table import source_text

    console.print(f"[bold]{literal(name)}[/bold] (conditioning regimen: kind: conditioning, regimen: "
                  f"{literal(name)}): {literal(reg.title)}")
    console.print(literal(" ".join(reg.description.split())))
    console.print(f"in a scenario the graft goes on start_day + {reg.graft_day:g} (days below are counted from "
                  "start_day)")
    for c in reg.components:
        if isinstance(c, Tbi):
            console.print(f"\n  day {c.day:g}: total-body irradiation {c.total_dose_Gy:g} Gy in {c.fractions} "
                          f"fraction(s), {c.fractions_per_day} a day, {c.hours_between:g} h apart (linear-quadratic "
                          "kill per compartment class: docs/drugs.md)")
            continue
        console.print(f"\n  day {c.day:g}: {literal(c.agent)}; surviving fraction per compartment class:")
        for cls, v in c.surviving.items():
            console.print(f"    {cls} = {v.value:g}")
            console.print(Padding(literal(source_text(v)), (0, 0, 0, 6)))
