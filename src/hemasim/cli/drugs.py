"""``hemasim drugs``: the shipped drug sets and conditioning regimens, or one set's values with sources."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import fail, literal


def drugs(
    show: str = typer.Argument(None, help="A drug set's name (or the path of your own YAML file) to print in full."),
) -> None:
    """List the drug sets and conditioning regimens, or print one set's values and sources."""
    from rich.console import Console
    from rich.table import Table

    from hemasim.pharmacology import DrugSetError, available_drug_sets, load_drug_set
    from hemasim.pharmacology.chemo_regimens import available_chemo_regimens, load_chemo_regimen
    from hemasim.pharmacology.conditioning import available_regimens, load_regimen
    from hemasim.pharmacology.table import source_text

    console = Console(highlight=False)
    if show is None:
        t = Table(title="drug sets (use as drug_set in a scenario; `hemasim drugs NAME` for values)")
        t.add_column("name", no_wrap=True)  # whole, so it can be copied into a scenario
        t.add_column("drug", no_wrap=True)
        t.add_column("routes")
        t.add_column("description", overflow="fold", ratio=1)
        for name in available_drug_sets():
            ds = load_drug_set(name)
            desc = " ".join(ds.description.split()) + ("  [no PK: PD only]" if ds.pk is None else
                                                        "  [PK only: no effect on blood cells]" if ds.pk_only else "")
            t.add_row(name, ds.drug, ", ".join(ds.routes), desc)
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
            r.add_row(name, reg.intensity.replace("_", "-"), f"{reg.description}; graft on day {reg.graft_day:g}")
        console.print(r)
        return
    try:
        ds = load_drug_set(Path(show) if show.endswith((".yaml", ".yml")) else show)
    except DrugSetError as err:
        raise fail(str(err)) from None
    t = Table(title=f"{ds.name} ({ds.drug})")
    t.add_column("value", no_wrap=True)
    t.add_column("number", no_wrap=True)
    t.add_column("source", overflow="fold", ratio=1)
    for path, v in ds.values_with_paths():
        t.add_row(literal(path), f"{v.value:g}", literal(source_text(v)))
    console.print(t)
    for key in ds.references:
        console.print(f"- {literal(key)}: {literal(ds.reference(key).citation())}")
