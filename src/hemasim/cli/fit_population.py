"""``hemasim fit-population DATA --out DIR``: a population fit (SAEM) with each subject's MAP estimate, of a
fitting problem (``hemasim fit``'s YAML, conditions = subjects) or of allMT-format maintenance records."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import EXIT_IO, fail, interruptible, warn


def fit_population(
    data: Path = typer.Argument(..., help="A fitting problem (YAML: conditions are the subjects), or a folder of "
                                          "allMT-format CSV records (Dates, ANC, PLT, Hb, MP, MTX, MP_adj, MTX_adj) "
                                          "for the ALL-maintenance model."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (written atomically)."),
    patients: str | None = typer.Option(None, "--patients", help="allMT folder: comma-separated record names (default: "
                                                        "every CSV)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the SAEM Markov chains and the VPC simulations."),
    iterations: int = typer.Option(250, "--iterations", min=10, help="SAEM iterations (60% exploration)."),
) -> None:
    """Fit typical values and between-subject variability (SAEM) and each subject's MAP estimate; write
    population.yaml (a fitted parameter set with iiv_cv for scenarios and cohorts), population.json,
    individual.csv, trace.csv and the visual predictive check (vpc.csv, vpc.png)."""
    from hemasim.cli._progress import StageProgress
    from hemasim.inference.population import SaemSettings
    from hemasim.inference.population_outputs import POPULATION_FILES
    from hemasim.inference.problem import Problem, ProblemError, load_problem
    from hemasim.io import OutputError, check_output_folder

    problem: Problem | None = None
    if not data.is_dir():  # the input first: a scenario given as the problem is the one complaint, whatever --out is
        if patients is not None:
            raise fail("--patients: only for a folder of allMT records")
        try:
            problem = load_problem(data)
        except ProblemError as err:
            raise fail(str(err)) from None
    try:
        check_output_folder(out, POPULATION_FILES)  # a bad --out: refused before SAEM (it failed after, traceback)
    except OutputError as err:
        raise fail(str(err)) from None
    # before SAEM, not after its minutes: examples/fit/problem.yaml gave omega ~0 and NaN intervals with no word
    if problem is not None and len(problem.conditions) == 1:
        warn([f"{data}: one subject (condition {problem.conditions[0].id}): a population fit needs several; from one, "
              "the between-subject variability (omega) comes out near 0 and the intervals undefined (NaN); "
              "`hemasim fit` fits one subject (docs/fitting.md)"])
    exploration = int(0.6 * iterations)
    settings = SaemSettings(exploration=exploration, smoothing=iterations - exploration,
                            information_samples=max(10, min(60, iterations // 4)), seed=seed)
    # a bar on a terminal, plain lines elsewhere (its bar was transient: nothing there)
    with interruptible(out), StageProgress("fit-population") as bar:
        try:
            if problem is None:  # a folder of allMT records
                from hemasim.inference.allmt import write_population_fit

                names = [p.strip() for p in (patients or "").split(",") if p.strip()] or None
                # given, but no name in it ("--patients ''" or " , "): it fitted every record, as if left out
                if patients is not None and names is None:
                    raise ValueError("--patients: no record names given; leave the option out for every record")
                written = write_population_fit(data, out, names, settings, progress=bar.update)
            else:
                from hemasim.inference.population_outputs import fit_problem_population

                written = fit_problem_population(problem, out, settings, progress=bar.update)
        except OutputError as err:  # the folder changed while the fit ran
            raise fail(str(err), code=EXIT_IO) from None
        except (ValueError, FileNotFoundError) as err:
            raise fail(str(err)) from None
    # which files, and (for a fitting problem, whose targets are a scenario's parameters) that population.yaml is
    # the set a scenario or cohort loads; it said only "wrote 6 files to DIR". The allMT maintenance parameters
    # belong to no scenario model, so no such hint there
    hint = ("" if problem is None else
            f"; a scenario loads the fitted population with parameter_set: {out / 'population.yaml'}")
    typer.echo(f"wrote {len(written)} files to {out}: {', '.join(p.name for p in written)}{hint}", err=True)
