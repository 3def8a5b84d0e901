"""``hemasim clonal-hematopoiesis --n N --out DIR``: CH prevalence, VAFs and clone histories over lifespans."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import fail, interruptible, literal, written

#: the files :func:`hemasim.clonal.report.write_ch_outputs` writes
CH_OUTPUT_FILES = ("prevalence.csv", "vaf_snapshots.csv", "example_lifespan.csv", "run.json", "report.html")


def clonal_hematopoiesis(
    n: int = typer.Option(2000, "--n", min=1, max=1_000_000, help="Number of simulated lifespans."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (written atomically: a new folder, an empty "
                                                      "one, or an earlier output's, which is replaced whole)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed: the same seed and --n give the same output."),
    max_age: float = typer.Option(100.0, "--max-age", min=1.0, max=120.0, help="Follow each person to this age, "
                                                                               "years."),
    example_pool_size: int = typer.Option(100_000, "--example-pool-size", min=100, max=1_000_000,
                                          help="HSCs in the one clone-resolved example lifespan (Muller plot)."),
    no_report: bool = typer.Option(False, "--no-report", help="Write no report.html: the tables and run.json only "
                                                              "(faster)."),
) -> None:
    """Simulate clonal haematopoiesis from birth in a virtual population.

    Writes prevalence by age, VAF distributions, one clone-resolved lifespan and an HTML report."""
    from rich.console import Console

    from hemasim.cli._progress import StageProgress
    from hemasim.clonal.report import ch_headline, run_ch_population, write_ch_outputs
    from hemasim.io import OutputError, check_output_folder

    try:
        check_output_folder(out, CH_OUTPUT_FILES)  # before the lifespans are simulated, not after
    except OutputError as err:  # a bad --out, refused before anything runs
        raise fail(str(err)) from None
    # a bar on a terminal, plain lines elsewhere (it printed finished bars there); Ctrl-C says what was written
    with interruptible(out):
        with StageProgress("clonal-hematopoiesis") as bar:
            run = run_ch_population(n, seed=seed, max_age_years=max_age, example_pool_size=example_pool_size,
                                    progress=bar.update)
        files = [p.name for p in written(out, lambda: write_ch_outputs(run, out, report=not no_report))]
    console = Console(stderr=True)
    console.print(f"[green]{n} lifespans[/green] written to [bold]{literal(out)}[/bold] ({', '.join(files)})",
                  soft_wrap=True)  # one line, as cohort's
    # the figure to compare with published CH, and the all-driver one named as what it is (a user read "a driver
    # clone at VAF >= 2% in 100% of people by age 70" off the report as CH prevalence)
    console.print(ch_headline(run.cohort), markup=False, highlight=False)
