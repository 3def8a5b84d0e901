"""``hemasim references``: the publications behind the parameters a model uses."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import fail, literal, loaded, warn
from hemasim.cli._pipe import stdout_is_the_product

#: the parameters named beside a publication; past them a count
MAX_NAMED = 3


def references(
    scenario: Path = typer.Option(None, "--scenario", "-s", help="List what this scenario's model uses "
                                                                 "(default: the reference healthy adult)."),
    assumed: bool = typer.Option(False, "--assumed", help="Also list parameters that are assumed or calibrated, "
                                                          "with what they affect, and the unit conventions."),
) -> None:
    """Print the references of every cited parameter the model uses."""
    stdout_is_the_product()  # a listing: `| head` that has its lines is no failure
    from rich.console import Console

    from hemasim.biology import REFERENCE_ADULT, healthy_human_model
    from hemasim.parameters import (  # in the body: the parameter sets are not for --help
        Assumed,
        Calibrated,
        Cited,
        Parameter,
        ParameterSet,
        UnitConvention,
    )
    from hemasim.report.key_results import unit_text

    if scenario is None:
        models = [healthy_human_model(REFERENCE_ADULT)]
    else:
        from hemasim.assembly import build_model
        from hemasim.scenario import ScenarioError, load_scenario
        from hemasim.scenario.arms import arm_scenarios

        try:
            spec, lines = loaded(lambda: load_scenario(scenario))
            # every arm's model (the base alone when there are none): a drug given in an arm was left out
            runs = [one for _, one in arm_scenarios(spec, str(scenario))] or [spec]
            models = [build_model(one) for one in runs]  # with the drugs and grafts each adds
        except ScenarioError as err:
            raise fail(str(err)) from None
        warn(lines)
    by_name: dict[str, Parameter] = {}
    for one in models:
        for name in one.used_parameter_names():
            by_name.setdefault(name, one.parameters[name])
    used = ParameterSet(models[0].parameters.name, {name: by_name[name] for name in sorted(by_name)})
    console = Console(highlight=False)
    refs = used.references()
    cited = sum(1 for p in used.values() if p.references)
    what = literal(str(scenario)) if scenario is not None else "the reference healthy adult"
    # a header, so that the numbered list reads as what it is (a new user saw only "[1] Athens JW ...")
    console.print(f"[bold]{len(refs)} publications behind {cited} of the {len(used)} parameters that the model of "
                  f"{what} uses[/]" + ("" if assumed else " (--assumed adds the assumed and calibrated ones)"))
    for i, ref in enumerate(refs, 1):
        # the parameters by name: a healthy run citing Friberg 2002 or Wang 2001 (chemotherapy and filgrastim
        # papers) read as drug papers cited for a run without a drug, where they give the healthy model's
        # neutrophil feedback (polish27)
        names = [p.name for p in used.values() if ref in p.references]
        shown = ", ".join(names[:MAX_NAMED]) + (f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")
        console.print(f"[{i}] {literal(ref.citation())}  [dim](for {literal(shown)})[/]")
    if scenario is not None:
        from hemasim.parameters.graft_t_cells import defaults_used

        # a graft without cd3_per_kg takes a default of the scenario field, not a model parameter: listed apart
        for default in defaults_used([iv for one in runs for iv in one.interventions]):
            where = (literal(default.provenance.reference.citation()) if isinstance(default.provenance, Cited)
                     else "assumed: " + literal(default.provenance.describe()))
            console.print(f"graft T-cell dose ({default.source.replace('_', ' ')}, {default.donor}; no cd3_per_kg "
                          f"given): {default.cd3_per_kg:.2g} CD3+/kg - {where}")
    if assumed:
        console.print()
        console.print("[bold]Assumed or calibrated (no publication gives the value; what each affects), and unit "
                      "conventions (a value that only sets an arbitrary unit's size):[/]")
        for p in used.values():
            if isinstance(p.provenance, Assumed | Calibrated | UnitConvention):
                # a ratio: "= 3.4", not "= 3.4 1"; a unit as the report writes it ("×10⁹/L", not "1e9/L")
                unit = "" if p.unit == "1" else f" {literal(unit_text(p.unit))}"
                console.print(f"- {literal(p.name)} = {p.value:g}{unit}: {literal(p.provenance.describe())}")
