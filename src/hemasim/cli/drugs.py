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
    from hemasim.pharmacology.conditioning import available_regimens, load_regimen
    from hemasim.pharmacology.table import source_text

    console = Console(highlight=False)
    if show is None:
        t = Table(title="drug sets (use as drug_set in a scenario; `hemasim drugs NAME` for values)")
        for col in ("name", "drug", "routes", "description"):
            t.add_column(col, overflow="fold")
        for name in available_drug_sets():
            ds = load_drug_set(name)
            desc = " ".join(ds.description.split()) + ("" if ds.pk else "  [no PK: PD only]")
            t.add_row(name, ds.drug, ", ".join(ds.routes), desc)
        console.print(t)
        r = Table(title="conditioning regimens (kind: conditioning, regimen: NAME)")
        for col in ("name", "intensity", "schedule"):
            r.add_column(col, overflow="fold")
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
    for col in ("value", "number", "source"):
        t.add_column(col, overflow="fold")
    for path, v in ds.values_with_paths():
        t.add_row(literal(path), f"{v.value:g}", literal(source_text(v)))
    console.print(t)
    for key in ds.references:
        console.print(f"- {literal(key)}: {literal(ds.reference(key).citation())}")
