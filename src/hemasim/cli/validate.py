"""``hemasim validate``: the report card of every validation target."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hemasim.cli._errors import fail

STYLE = {"pass": "green", "fail": "bold red", "partial": "yellow", "not covered": "dim"}


def validate(
    group: list[str] = typer.Option(None, "--group", "-g", help="Only this target group (repeatable), e.g. "
                                                                "steady_state, aging."),
    json_out: Path = typer.Option(None, "--json", help="Also write the full report card as JSON here."),
    show_uncovered: bool = typer.Option(True, "--show-uncovered/--hide-uncovered",
                                        help="List targets the model does not cover yet."),
) -> None:
    """Run every validation target; exit 1 if any covered target fails."""
    from rich.console import Console
    from rich.table import Table

    from hemasim.validation import load_targets, run_validation

    known = list(load_targets())
    for g in group or []:
        if g not in known:
            raise fail(f"--group: unknown group {g!r}; allowed: {', '.join(known)}")
    console = Console()
    with console.status("simulating the reference patients"):
        report = run_validation(group or None)
    table = Table(title="hemasim validation report card", show_lines=False)
    for col in ("target", "quantity", "status", "simulated vs pass band", "source"):
        table.add_column(col, overflow="fold")
    for t in report.targets:
        if t.status == "not covered" and not show_uncovered:
            continue
        lines = []
        for c in t.checks:
            if c.value is None:
                lines.append(f"{c.readout}: not covered ({c.why.split(':')[0]})")
            elif c.status == "info":
                lines.append(f"(reported, not judged) {c.readout} [{c.patient}] = {c.value:.4g} vs "
                             f"[{c.band[0]:g}, {c.band[1]:g}]" + (f": {c.why}" if c.why else ""))
            else:
                lines.append(f"{c.readout} [{c.patient}] = {c.value:.4g} in [{c.band[0]:g}, {c.band[1]:g}]"
                             + ("" if c.status == "pass" else "  FAIL"))
        if t.not_covered:
            lines.append(f"not yet covered: {t.not_covered}")
        if t.calibrated_on:
            lines.append("(a parameter was calibrated on this target)")
        if t.note:
            lines.append(f"note: {t.note}")
        table.add_row(t.id, t.quantity, f"[{STYLE[t.status]}]{t.status}[/]", "\n".join(lines), t.source)
    console.print(table)
    counts = report.counts()
    console.print(" · ".join(f"[{STYLE[k]}]{k}: {v}[/]" for k, v in sorted(counts.items())))
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    if not report.ok:
        console.print(f"[bold red]{len(report.failed)} target(s) failed[/]: " + ", ".join(t.id for t in report.failed))
        raise typer.Exit(1)
