"""``hemasim gene-therapy SCENARIO.yaml --out DIR``: a lentiviral HSC graft's integration sites, clone diversity and
vector marking over the months after it."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import fail, interruptible, literal, loaded, warn, written


def gene_therapy(
    scenario: Path = typer.Argument(..., metavar="SCENARIO.yaml", help="A gene-therapy scenario file (graft, "
                                    "conditioning, sampling; `hemasim examples lentiviral_x_scid` copies one)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (written atomically: a new folder, an empty "
                                                      "one, or an earlier output's, which is replaced whole)."),
    no_report: bool = typer.Option(False, "--no-report", help="Write no report.html: samples.csv, the "
                                                              "integration-site table and run.json only (faster)."),
) -> None:
    """Simulate an HSC gene-therapy graft clone by clone: integration sites, diversity and marking over time.

    Writes samples.csv, the integration-site table, run.json and an HTML report; `hemasim check FILE` checks the
    file without running it."""
    from rich.console import Console

    from hemasim.clonal.gene_therapy_report import (
        GENE_THERAPY_OUTPUT_FILES,
        GeneTherapyScenarioError,
        load_gene_therapy_scenario,
        run_gene_therapy,
        write_gene_therapy_outputs,
    )
    from hemasim.io import OutputError, check_output_folder

    try:
        spec, lines = loaded(lambda: load_gene_therapy_scenario(scenario))
        check_output_folder(out, GENE_THERAPY_OUTPUT_FILES)  # before the run, not after
    except (GeneTherapyScenarioError, OutputError) as err:
        raise fail(str(err)) from None
    with interruptible(out):
        try:
            run = run_gene_therapy(spec)
        except GeneTherapyScenarioError as err:  # a regimen not shipped, a dose too small to engraft one HSC
            raise fail(f"{scenario}: {err}") from None
        # run as written, as `hemasim run` does; after the inputs' errors (a run takes seconds)
        warn(lines)
        files = [p.name for p in written(out, lambda: write_gene_therapy_outputs(run, out, report=not no_report))]
    Console(stderr=True).print(f"[green]{literal(spec.name)}[/green]: {run.graft_hsc:,} engrafting HSCs, "
                               f"{len(run.result.months)} sample months, written to [bold]{literal(out)}[/bold] "
                               f"({', '.join(files)})", soft_wrap=True)  # one line, as cohort's
