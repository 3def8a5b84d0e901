"""``hemasim validate``: the report card of every validation target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hemasim.cli._errors import fail

if TYPE_CHECKING:
    from rich.table import Table

    from hemasim.validation import CheckResult, ValidationReport

STYLE = {"pass": "green", "fail": "bold red", "partial": "yellow", "not covered": "dim"}


def validate(
    group: list[str] = typer.Option(None, "--group", "-g", help="Only this target group (repeatable), e.g. "
                                                                "steady_state, aging."),
    json_out: Path = typer.Option(None, "--json", help="Also write the full report card as JSON here."),
    show_uncovered: bool = typer.Option(True, "--show-uncovered/--hide-uncovered",
                                        help="List targets the model does not cover yet."),
    wide: bool = typer.Option(False, "--wide", help="Every check of every target with notes and sources (a "
                                                    "long table); default: one line a target."),
) -> None:
    """Run every validation target; exit 1 if any covered target fails."""
    from rich.console import Console

    from hemasim.validation import load_targets, run_validation

    known = list(load_targets())
    for g in group or []:
        if g not in known:
            raise fail(f"--group: unknown group {g!r}; allowed: {', '.join(known)}")
    console = Console()
    with console.status("simulating the reference patients"):
        report = run_validation(group or None)
    if wide:
        console.print(wide_table(report, show_uncovered))
    else:
        for line in compact_lines(report, show_uncovered, console.width):
            console.print(line, highlight=False, soft_wrap=True)
    counts = report.counts()
    console.print(" · ".join(f"[{STYLE[k]}]{k}: {v}[/]" for k, v in sorted(counts.items())))
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    if not report.ok:
        console.print(f"[bold red]{len(report.failed)} target(s) failed[/]: " + ", ".join(t.id for t in report.failed))
        raise typer.Exit(1)


def _check_text(c: CheckResult) -> str:
    if c.value is None:
        return f"{c.readout}: not covered ({c.why.split(':')[0]})"
    if c.status == "info":
        return (f"(reported, not judged) {c.readout} [{c.patient}] = {c.value:.4g} vs [{c.band[0]:g}, {c.band[1]:g}]"
                + (f": {c.why}" if c.why else ""))
    return (f"{c.readout} [{c.patient}] = {c.value:.4g} in [{c.band[0]:g}, {c.band[1]:g}]"
            + ("" if c.status == "pass" else "  FAIL"))


def wide_table(report: ValidationReport, show_uncovered: bool) -> Table:
    """The full card: every check of every target with its notes and source."""
    from rich.table import Table

    table = Table(title="hemasim validation report card", show_lines=False)
    for col in ("target", "quantity", "status", "simulated vs pass band", "source"):
        table.add_column(col, overflow="fold")
    for t in report.targets:
        if t.status == "not covered" and not show_uncovered:
            continue
        lines = [_check_text(c) for c in t.checks]
        if t.not_covered:
            lines.append(f"not yet covered: {t.not_covered}")
        if t.calibrated_on:
            lines.append("(a parameter was calibrated on this target)")
        if t.note:
            lines.append(f"note: {t.note}")
        table.add_row(t.id, t.quantity, f"[{STYLE[t.status]}]{t.status}[/]", "\n".join(lines), t.source)
    return table


def compact_lines(report: ValidationReport, show_uncovered: bool, width: int = 80) -> list[str]:
    """One line a target (``--wide`` for the full card): id, status, and its worst check, cut to ``width``
    (rich markup, the text escaped)."""
    from rich.markup import escape

    out = []
    for t in report.targets:
        if t.status == "not covered" and not show_uncovered:
            continue
        judged = [c for c in t.checks if c.value is not None and c.status != "info"]
        worst = next((c for c in judged if c.status != "pass"), judged[0] if judged else None)
        if worst is not None:
            more = len(t.checks) - 1
            detail = (f"{worst.readout} = {worst.value:.3g} in [{worst.band[0]:g}, {worst.band[1]:g}]"
                      + (f" (+{more} more)" if more else ""))
        else:
            detail = t.quantity
        text = f"{t.id:<5} {t.status:<11} {detail}"
        if len(text) > width:
            text = text[:width - 1] + "…"
        out.append(f"[{STYLE[t.status]}]{escape(text)}[/]")
    return out
